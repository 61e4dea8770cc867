//! `lease`: an IDC contract. The fleet is fixed for each term; fees are paid per server
//! per term (plus a setup fee per server), committed in advance.
//!
//! With a `renewal` rule the fleet is resized at each renewal, as a tenant does when the
//! contract comes up: every hour the busy servers of the past hour are noted; `notice`
//! before each term boundary the next term's fleet is set to the peak seen this term ×
//! `headroom`, within [`min_servers`, `max_servers`] (the minimum commitment and what the
//! provider offers). Added servers are provisioned `lead_time` after the decision but
//! not before the boundary, and start their own terms (with their setup fee) then;
//! returned servers leave at the boundary, when their term ends. A spike inside a term
//! changes nothing until the next renewal.

use super::{Observation, Policy};
use crate::billing::Tariff;
use crate::engine::Time;
use crate::fleet::{Decision, Fleet};
use crate::scenario::LeaseSpec;

use super::HOURLY_REVIEW as REVIEW;

pub(crate) struct IdcLease {
    spec: LeaseSpec,
    /// Highest hourly mean of busy servers in the current term.
    peak: f64,
    next_boundary: Time,
    decided: bool,
    /// Servers to hand back at the next boundary.
    to_return: u32,
    /// Delivery times of servers ordered and not yet provisioned.
    on_order: Vec<(Time, u32)>,
}

impl IdcLease {
    pub(crate) fn new(spec: LeaseSpec) -> Self {
        let next_boundary = spec.term;
        IdcLease {
            spec,
            peak: 0.0,
            next_boundary,
            decided: false,
            to_return: 0,
            on_order: Vec::new(),
        }
    }
}

impl Policy for IdcLease {
    fn initial_servers(&self) -> u32 {
        self.spec.servers
    }

    fn control_period(&self) -> Option<Time> {
        self.spec.renewal.as_ref().map(|_| REVIEW)
    }

    fn control(&mut self, now: Time, fleet: &Fleet, seen: Observation) -> Decision {
        let Some(rule) = &self.spec.renewal else {
            return Decision::Hold;
        };
        let counts = fleet.counts();
        // The fleet only changes at boundaries, so utilisation × servers is the hour's load.
        let busy = seen.utilization * f64::from(counts.ready + counts.draining);
        self.peak = self.peak.max(busy);
        self.on_order.retain(|&(at, _)| at > now);
        let mut decision = Decision::Hold;
        if !self.decided && now >= self.next_boundary.saturating_sub(rule.notice) {
            self.decided = true;
            let wanted = (self.peak * rule.headroom - 1e-9).ceil().max(0.0) as u32;
            let desired = wanted.clamp(rule.min_servers, rule.max_servers);
            let coming: u32 = self.on_order.iter().map(|&(_, n)| n).sum();
            let have = counts.ready + coming;
            if desired > have {
                let after = rule.lead_time.max(self.next_boundary.saturating_sub(now));
                self.on_order
                    .push((now.saturating_add(after), desired - have));
                decision = Decision::Order {
                    servers: desired - have,
                    after,
                };
            } else {
                self.to_return = have - desired;
            }
        }
        if now >= self.next_boundary {
            self.next_boundary = self.next_boundary.saturating_add(self.spec.term);
            self.decided = false;
            self.peak = 0.0;
            if self.to_return > 0 {
                decision = Decision::Remove(std::mem::take(&mut self.to_return));
            }
        }
        decision
    }

    fn tariff(&self) -> Tariff {
        Tariff::leased(&self.spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SECOND;
    use crate::policy::observed;
    use crate::scenario::Renewal;

    const DAY: Time = 86_400 * SECOND;

    fn lease(servers: u32) -> (IdcLease, Fleet) {
        let spec = LeaseSpec {
            servers,
            term: 30 * DAY,
            price_per_server_term: 140.0,
            setup_fee_per_server: 100.0,
            min_terms: 1,
            early_exit_fee: None,
            renewal: Some(Renewal {
                headroom: 1.25,
                notice: 10 * DAY,
                lead_time: 5 * DAY,
                min_servers: 2,
                max_servers: 20,
            }),
            bandwidth: None,
        };
        let mut fleet = Fleet::new(8, Tariff::leased(&spec));
        for _ in 0..servers {
            let id = fleet.launch(0);
            fleet.mark_ready(id, 0);
        }
        (IdcLease::new(spec), fleet)
    }

    #[test]
    fn grows_for_the_next_term_from_the_peak_seen_before_notice() {
        let (mut l, fleet) = lease(8);
        // A peak hour at 90 % of 8 servers = 7.2 busy; otherwise 50 %.
        assert_eq!(l.control(DAY, &fleet, observed(0.9)), Decision::Hold);
        for h in 2..20 {
            assert_eq!(l.control(h * DAY, &fleet, observed(0.5)), Decision::Hold);
        }
        // Day 20 = 30 − 10 days' notice: ceil(7.2 × 1.25) = 9, one more, provisioned at
        // the boundary (lead 5 days < 10 to go).
        assert_eq!(
            l.control(20 * DAY, &fleet, observed(0.5)),
            Decision::Order {
                servers: 1,
                after: 10 * DAY
            }
        );
        assert_eq!(l.control(21 * DAY, &fleet, observed(0.5)), Decision::Hold);
    }

    #[test]
    fn shrinks_at_the_boundary_not_before_and_keeps_the_minimum() {
        let (mut l, fleet) = lease(8);
        // 10 % of 8 servers = 0.8 busy: ceil(0.8 × 1.25) = 1, but at least 2.
        for d in 1..=29 {
            assert_eq!(l.control(d * DAY, &fleet, observed(0.1)), Decision::Hold);
        }
        assert_eq!(
            l.control(30 * DAY, &fleet, observed(0.1)),
            Decision::Remove(6)
        );
    }
}
