//! `type = "functions"` has no fleet to control: its instances come and go with the
//! requests, in its own models (`simulation/functions`). This stand-in keeps
//! [`super::build`] total; it launches nothing and is never billed.

use super::Policy;
use crate::billing::Tariff;

pub(crate) struct Serverless;

impl Policy for Serverless {
    fn initial_servers(&self) -> u32 {
        0
    }

    fn tariff(&self) -> Tariff {
        Tariff::Metered {
            per_server_second: 0.0,
            minimum: 0,
            granularity: 1,
        }
    }
}
