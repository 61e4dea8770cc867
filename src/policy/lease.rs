//! `lease`: an IDC contract. The fleet is fixed for each term; fees are paid per server
//! per term (plus setup fees), committed in advance.

use super::Policy;
use crate::billing::Tariff;
use crate::scenario::LeaseSpec;

pub(crate) struct IdcLease {
    spec: LeaseSpec,
}

impl IdcLease {
    pub(crate) fn new(spec: LeaseSpec) -> Self {
        IdcLease { spec }
    }
}

impl Policy for IdcLease {
    fn initial_servers(&self) -> u32 {
        self.spec.servers
    }

    fn tariff(&self) -> Tariff {
        Tariff::leased(&self.spec)
    }
}
