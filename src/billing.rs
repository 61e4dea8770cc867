//! Billing rules: what one server costs for a stretch of time, per policy kind.
//!
//! All three rules attribute cost to the simulated window per second, so policies compare
//! on the same footing (`docs/model.md` §2, "the window"):
//! - own servers: capex spread over the amortisation period, plus power and operations,
//!   paid whether the server is busy or idle;
//! - IDC leases: the term fee spread over the term, the setup fee over the first term;
//!   whole terms started in the window are *committed*;
//! - cloud instances: per second of life (boot included), rounded up to the billing
//!   granularity, with a minimum per launch for instances terminated in the window.

pub(crate) mod bandwidth;

use crate::engine::{Time, to_seconds};
#[cfg(test)]
use crate::scenario::BillingPreset;
use crate::scenario::{CloudBilling, FixedSpec, LeaseSpec};

/// How long a leased server may run past its term's end (draining its last requests)
/// before that counts as another term started.
const LEASE_GRACE: Time = 60 * crate::engine::SECOND;

/// Seconds in a calendar month (30.44 days, as `humantime` defines it).
pub const MONTH_SECONDS: f64 = 2_630_016.0;

/// How one policy's servers are paid for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tariff {
    /// Own servers: a constant cost per server-second (capex, idle power, operations),
    /// plus power in proportion to load, per fully busy server-second.
    Owned {
        per_server_second: f64,
        per_busy_server_second: f64,
    },
    /// An IDC lease.
    Leased {
        per_server_term: f64,
        setup_per_server: f64,
        term: Time,
        /// Terms each server is committed for from its start.
        min_terms: u32,
        /// USD to leave before `min_terms` are served, if the contract allows it.
        early_exit_fee: Option<f64>,
    },
    /// Metered cloud instances.
    Metered {
        per_server_second: f64,
        minimum: Time,
        granularity: Time,
    },
}

impl Tariff {
    pub(crate) fn owned(spec: &FixedSpec) -> Tariff {
        let capex = spec.capex_per_server / spec.amortization;
        // USD per second of drawing `watts` at the plug, PUE included.
        let power = |watts: f64| watts * spec.pue / 1000.0 * spec.price_per_kwh / 3600.0;
        let idle_watts = spec.idle_watts.unwrap_or(spec.watts);
        let ops = spec.ops_per_server_month / MONTH_SECONDS;
        Tariff::Owned {
            per_server_second: capex + power(idle_watts) + ops,
            per_busy_server_second: power(spec.watts - idle_watts),
        }
    }

    pub(crate) fn leased(spec: &LeaseSpec) -> Tariff {
        Tariff::Leased {
            per_server_term: spec.price_per_server_term,
            setup_per_server: spec.setup_fee_per_server,
            term: spec.term,
            min_terms: spec.min_terms,
            early_exit_fee: spec.early_exit_fee,
        }
    }

    pub(crate) fn metered(billing: &CloudBilling) -> Tariff {
        Tariff::Metered {
            per_server_second: billing.price_per_hour / 3600.0,
            minimum: billing.minimum,
            granularity: billing.granularity,
        }
    }

    /// The cost per billed server-second, for tariffs where cost is just that times
    /// billed time (own servers, metered instances); `None` for leases.
    pub(crate) fn linear_rate(&self) -> Option<f64> {
        match *self {
            Tariff::Owned {
                per_server_second, ..
            }
            | Tariff::Metered {
                per_server_second, ..
            } => Some(per_server_second),
            Tariff::Leased { .. } => None,
        }
    }

    /// Billed length of a server life that ended inside the window: for metered
    /// instances, rounded up to the granularity and at least the minimum.
    pub(crate) fn billed_life(&self, life: Time) -> Time {
        match *self {
            Tariff::Metered {
                minimum,
                granularity,
                ..
            } => life
                .div_ceil(granularity)
                .saturating_mul(granularity)
                .max(minimum),
            _ => life,
        }
    }

    /// Cost attributable to the window of one server alive over `[from, to)`, launched
    /// (or leased) at `launched`. `extra` is billed time beyond the life (minimum tail).
    pub(crate) fn cost(&self, launched: Time, from: Time, to: Time, extra: Time) -> f64 {
        let span = to_seconds(to.saturating_sub(from));
        match *self {
            Tariff::Owned {
                per_server_second, ..
            } => per_server_second * span,
            Tariff::Leased {
                per_server_term,
                setup_per_server,
                term,
                ..
            } => {
                let term_s = to_seconds(term);
                let first_term_end = launched.saturating_add(term);
                let setup_span = to_seconds(to.min(first_term_end).saturating_sub(from));
                (per_server_term * span + setup_per_server * setup_span) / term_s
            }
            Tariff::Metered {
                per_server_second, ..
            } => per_server_second * (span + to_seconds(extra)),
        }
    }

    /// Like [`Tariff::committed`] for a server handed back at `returned`: a leased server
    /// returned at its term's end may take a few seconds to finish its last requests,
    /// and that does not start another term; one that left early owes the terms it
    /// started and the early exit fee instead of the rest of its commitment.
    pub(crate) fn committed_on_return(&self, launched: Time, returned: Time, charged: f64) -> f64 {
        let Tariff::Leased {
            per_server_term,
            setup_per_server,
            term,
            ..
        } = *self
        else {
            return charged;
        };
        let into_term = returned.saturating_sub(launched) % term;
        let until = if into_term > 0 && into_term <= LEASE_GRACE && returned - launched > term {
            returned - into_term
        } else {
            returned
        };
        match self.early_exit(launched, returned) {
            Some(fee) => {
                terms_started(launched, until, term) as f64 * per_server_term
                    + setup_per_server
                    + fee
            }
            None => self.committed(launched, until, charged),
        }
    }

    /// When a server leased at `launched` has served its minimum commitment; `None`
    /// for other tariffs.
    fn commitment_end(&self, launched: Time) -> Option<Time> {
        match *self {
            Tariff::Leased {
                term, min_terms, ..
            } => Some(launched.saturating_add(term.saturating_mul(Time::from(min_terms)))),
            _ => None,
        }
    }

    /// Whether servers may be held to more than one term (so not every server may be
    /// handed back at a renewal).
    pub(crate) fn commits_terms(&self) -> bool {
        matches!(*self, Tariff::Leased { min_terms, .. } if min_terms > 1)
    }

    /// What handing back a server leased at `launched` costs at `now` beyond the terms
    /// it started: `Some(0.0)` once its commitment is served (and for every other
    /// tariff); inside it, `Some(fee)` when the early exit fee is less than the terms
    /// still owed, as a tenant would choose; `None` when it has to stay.
    pub(crate) fn exit_fee(&self, launched: Time, now: Time) -> Option<f64> {
        let Tariff::Leased {
            per_server_term,
            term,
            min_terms,
            early_exit_fee,
            ..
        } = *self
        else {
            return Some(0.0);
        };
        if self.commitment_end(launched).is_none_or(|end| now >= end) {
            return Some(0.0);
        }
        let owed = u64::from(min_terms).saturating_sub(terms_started(launched, now, term));
        early_exit_fee.filter(|&fee| fee < owed as f64 * per_server_term)
    }

    /// The early exit fee a server leased at `launched` pays when it leaves at
    /// `returned`, before its commitment ends (0 otherwise).
    pub(crate) fn exit_charge(&self, launched: Time, returned: Time) -> f64 {
        self.early_exit(launched, returned).unwrap_or(0.0)
    }

    /// The fee, if a server leased at `launched` and returned at `returned` left before
    /// its commitment ended (which only a contract with an exit clause allows; the fee
    /// may be 0).
    fn early_exit(&self, launched: Time, returned: Time) -> Option<f64> {
        match *self {
            Tariff::Leased {
                early_exit_fee: Some(fee),
                ..
            } if self
                .commitment_end(launched)
                .is_some_and(|end| returned < end) =>
            {
                Some(fee)
            }
            _ => None,
        }
    }

    /// Cost of the load itself, per busy server-second (the power a server draws above
    /// idle); 0 but for own servers with `idle_watts`.
    pub(crate) fn per_busy_server_second(&self) -> f64 {
        match *self {
            Tariff::Owned {
                per_busy_server_second,
                ..
            } => per_busy_server_second,
            _ => 0.0,
        }
    }

    /// Cash committed by one server leased at `launched` and held until `until`: every
    /// term started before `until` and at least its minimum commitment, plus the setup
    /// fee. Other tariffs commit what they are charged (`charged`).
    pub(crate) fn committed(&self, launched: Time, until: Time, charged: f64) -> f64 {
        match *self {
            Tariff::Leased {
                per_server_term,
                setup_per_server,
                term,
                min_terms,
                ..
            } => {
                let terms = terms_started(launched, until, term).max(u64::from(min_terms));
                terms as f64 * per_server_term + setup_per_server
            }
            _ => charged,
        }
    }
}

/// Terms a server leased at `launched` has started by `until` (at least its first).
fn terms_started(launched: Time, until: Time, term: Time) -> u64 {
    until.saturating_sub(launched).div_ceil(term).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;

    fn aws() -> Tariff {
        Tariff::metered(&CloudBilling {
            price_per_hour: 0.36,
            minimum: 60 * SECOND,
            granularity: SECOND,
        })
    }

    #[test]
    fn per_second_billing_rounds_up_and_has_a_minimum() {
        let t = aws();
        assert_eq!(t.billed_life(30 * SECOND), 60 * SECOND);
        assert_eq!(t.billed_life(61_200_000), 62 * SECOND);
        assert_eq!(t.billed_life(3600 * SECOND), 3600 * SECOND);
        // 62 s at $0.36/h = $0.0062.
        let cost = t.cost(0, 0, 61_200_000, 62 * SECOND - 61_200_000);
        assert!((cost - 0.0062).abs() < 1e-12, "{cost}");
    }

    fn preset(p: BillingPreset) -> Tariff {
        let (granularity, minimum) = p.rules();
        Tariff::metered(&CloudBilling {
            price_per_hour: 0.36,
            minimum,
            granularity,
        })
    }

    /// A 61.2 s life under each preset, and a 30 s one (the minimum).
    #[test]
    fn presets_bill_hand_computed_lives() {
        let life = 61_200_000;
        for (p, long, short) in [
            // per second, 60 s minimum: 61.2 s → 62 s; 30 s → 60 s.
            (BillingPreset::AwsLinux, 62, 60),
            (BillingPreset::Gcp, 62, 60),
            // per whole minute: 61.2 s → 2 min; 30 s → 1 min.
            (BillingPreset::AzureMinute, 120, 60),
            // per started hour: 61.2 s → 1 h; 30 s → 1 h.
            (BillingPreset::Hourly, 3600, 3600),
        ] {
            let t = preset(p);
            assert_eq!(t.billed_life(life), long * SECOND, "{p:?}");
            assert_eq!(t.billed_life(30 * SECOND), short * SECOND, "{p:?}");
            // $0.36/h = $0.0001/s.
            let cost = t.cost(0, 0, life, long * SECOND - life);
            assert!((cost - long as f64 * 1e-4).abs() < 1e-12, "{p:?}: {cost}");
        }
        // Hourly: 3600.5 s is two started hours.
        assert_eq!(
            preset(BillingPreset::Hourly).billed_life(3_600_500_000),
            7200 * SECOND
        );
    }

    #[test]
    fn lease_charges_a_share_of_the_term_and_commits_whole_terms() {
        let t = Tariff::leased(&LeaseSpec {
            servers: 1,
            term: 30 * 86_400 * SECOND,
            price_per_server_term: 300.0,
            setup_fee_per_server: 60.0,
            min_terms: 1,
            early_exit_fee: None,
            renewal: None,
            bandwidth: None,
        });
        let six_h = 6 * 3600 * SECOND;
        let charged = t.cost(0, 0, six_h, 0);
        assert!((charged - 360.0 * 6.0 / 720.0).abs() < 1e-9, "{charged}");
        assert_eq!(t.committed(0, six_h, charged), 360.0);
        // 45 days: two terms started, setup once.
        assert_eq!(t.committed(0, 45 * 86_400 * SECOND, 0.0), 660.0);
        // Handed back 30 s into its second term (draining its last requests): one term;
        // 2 minutes in: two.
        let day = 86_400 * SECOND;
        assert_eq!(t.committed_on_return(0, 30 * day + 30 * SECOND, 0.0), 360.0);
        assert_eq!(
            t.committed_on_return(0, 30 * day + 120 * SECOND, 0.0),
            660.0
        );
    }

    #[test]
    fn a_minimum_commitment_is_owed_unless_leaving_early_is_cheaper() {
        let day = 86_400 * SECOND;
        let lease = |early_exit_fee| {
            Tariff::leased(&LeaseSpec {
                servers: 1,
                term: 30 * day,
                price_per_server_term: 300.0,
                setup_fee_per_server: 60.0,
                min_terms: 12,
                early_exit_fee,
                renewal: None,
                bandwidth: None,
            })
        };
        let t = lease(Some(1000.0));
        // Six hours in, all 12 terms are owed: 12 × $300 + $60.
        assert_eq!(t.committed(0, 6 * 3600 * SECOND, 0.0), 3660.0);
        // After one term 11 are still owed ($3300): the $1000 fee is cheaper.
        assert_eq!(t.exit_fee(0, 30 * day), Some(1000.0));
        // After nine, 3 are owed ($900): staying is cheaper than the fee.
        assert_eq!(t.exit_fee(0, 270 * day), None);
        // After twelve the commitment is served.
        assert_eq!(t.exit_fee(0, 360 * day), Some(0.0));
        assert_eq!(t.exit_charge(0, 360 * day), 0.0);
        // Leaving at the first boundary (30 s draining): one term, setup and the fee.
        assert_eq!(t.exit_charge(0, 30 * day + 30 * SECOND), 1000.0);
        assert_eq!(
            t.committed_on_return(0, 30 * day + 30 * SECOND, 0.0),
            1360.0
        );
        // A free exit clause: the server owes only the terms it started.
        let free = lease(Some(0.0));
        assert_eq!(free.exit_fee(0, 30 * day), Some(0.0));
        assert_eq!(
            free.committed_on_return(0, 30 * day + 30 * SECOND, 0.0),
            360.0
        );
        // Without an exit clause the server stays until its commitment ends.
        assert_eq!(lease(None).exit_fee(0, 30 * day), None);
        assert!(t.commits_terms() && !aws().commits_terms());
    }

    #[test]
    fn own_servers_cost_capex_power_and_ops_per_second() {
        let t = Tariff::owned(&FixedSpec {
            servers: 1,
            capex_per_server: 8766.0,
            amortization: 31_557_600.0,
            watts: 1000.0,
            idle_watts: None,
            pue: 1.5,
            price_per_kwh: 0.10,
            ops_per_server_month: 2630.016,
            purchase: None,
        });
        let hour = t.cost(0, 0, 3600 * SECOND, 0);
        // capex 8766 / 8766 h = 1.0; power 1.5 kWh × 0.10 = 0.15; ops 2630.016/730.56 h = 3.6.
        assert!((hour - (1.0 + 0.15 + 3.6)).abs() < 1e-9, "{hour}");
        assert_eq!(t.per_busy_server_second(), 0.0);
    }

    #[test]
    fn own_servers_draw_power_in_proportion_to_load() {
        let t = Tariff::owned(&FixedSpec {
            servers: 1,
            capex_per_server: 0.0,
            amortization: 1.0,
            watts: 400.0,
            idle_watts: Some(100.0),
            pue: 1.5,
            price_per_kwh: 0.20,
            ops_per_server_month: 0.0,
            purchase: None,
        });
        // Idle: 0.1 kW × 1.5 × $0.20 = $0.03 per hour; each fully busy hour adds
        // 0.3 kW × 1.5 × $0.20 = $0.09.
        assert!((t.cost(0, 0, 3600 * SECOND, 0) - 0.03).abs() < 1e-12);
        assert!((t.per_busy_server_second() * 3600.0 - 0.09).abs() < 1e-12);
    }
}
