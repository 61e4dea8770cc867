//! `fixed`: own servers, bought before the window. Capacity never changes during a run
//! (buying more takes weeks); the bill runs whether they are busy or idle.

use super::Policy;
use crate::billing::Tariff;
use crate::scenario::FixedSpec;

pub(crate) struct OwnServers {
    spec: FixedSpec,
}

impl OwnServers {
    pub(crate) fn new(spec: FixedSpec) -> Self {
        OwnServers { spec }
    }
}

impl Policy for OwnServers {
    fn initial_servers(&self) -> u32 {
        self.spec.servers
    }

    fn tariff(&self) -> Tariff {
        Tariff::owned(&self.spec)
    }
}
