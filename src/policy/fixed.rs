//! `fixed`: own servers, bought before the window; the bill runs whether they are busy
//! or idle.
//!
//! With a `purchase` rule the owner also reacts to growth, as owners do: utilisation is
//! reviewed every hour over the last `lookback`; when it exceeds `threshold` — counting
//! servers already on order as if they were here — `order` more are bought and arrive
//! `lead_time` later (weeks: procurement, shipping, racking), paid from delivery on.
//! Too late for a spike, in time for a trend. With `retire_below`, servers are retired
//! (and stop costing) when utilisation stays below it, never below the initial fleet.
//! After any order or retirement the look-back starts afresh, so a decision is based on
//! a whole window of what the fleet did since.

use std::collections::VecDeque;

use super::{Observation, Policy};
use crate::billing::Tariff;
use crate::engine::Time;
use crate::fleet::{Decision, Fleet};
use crate::scenario::FixedSpec;

use super::HOURLY_REVIEW as REVIEW;

pub(crate) struct OwnServers {
    spec: FixedSpec,
    /// Hourly utilisations over the look-back window, newest last.
    window: VecDeque<f64>,
    /// Delivery times of servers on order.
    on_order: Vec<Time>,
}

impl OwnServers {
    pub(crate) fn new(spec: FixedSpec) -> Self {
        OwnServers {
            spec,
            window: VecDeque::new(),
            on_order: Vec::new(),
        }
    }
}

impl Policy for OwnServers {
    fn initial_servers(&self) -> u32 {
        self.spec.servers
    }

    fn control_period(&self) -> Option<Time> {
        self.spec.purchase.as_ref().map(|_| REVIEW)
    }

    fn control(&mut self, now: Time, fleet: &Fleet, seen: Observation) -> Decision {
        let Some(rule) = &self.spec.purchase else {
            return Decision::Hold;
        };
        let hours = (rule.lookback / REVIEW).max(1) as usize;
        self.window.push_back(seen.utilization);
        while self.window.len() > hours {
            self.window.pop_front();
        }
        self.on_order.retain(|&at| at > now);
        if self.window.len() < hours {
            return Decision::Hold;
        }
        let mean = self.window.iter().sum::<f64>() / hours as f64;
        let ready = fleet.counts().ready;
        let coming = self.on_order.len() as u32 * rule.order;
        // Utilisation once what is on order has arrived.
        let projected = mean * ready as f64 / (ready + coming).max(1) as f64;
        if projected > rule.threshold && ready + coming + rule.order <= rule.max_servers {
            self.on_order.push(now.saturating_add(rule.lead_time));
            self.window.clear();
            return Decision::Order {
                servers: rule.order,
                after: rule.lead_time,
            };
        }
        if let Some(low) = rule.retire_below
            && mean < low
            && coming == 0
            && ready > self.spec.servers
        {
            self.window.clear();
            return Decision::Remove(rule.order.min(ready - self.spec.servers));
        }
        Decision::Hold
    }

    fn tariff(&self) -> Tariff {
        Tariff::owned(&self.spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::PurchaseRule;

    fn owner(retire_below: Option<f64>) -> (OwnServers, Fleet) {
        let spec = FixedSpec {
            servers: 4,
            capex_per_server: 2400.0,
            amortization: 1e8,
            watts: 0.0,
            idle_watts: None,
            pue: 1.5,
            price_per_kwh: 0.0,
            ops_per_server_month: 0.0,
            purchase: Some(PurchaseRule {
                threshold: 0.7,
                lookback: 3 * REVIEW,
                order: 2,
                lead_time: 10 * REVIEW,
                max_servers: 8,
                retire_below,
            }),
        };
        let mut fleet = Fleet::new(8, Tariff::owned(&spec));
        for _ in 0..4 {
            let id = fleet.launch(0);
            fleet.mark_ready(id, 0);
        }
        (OwnServers::new(spec), fleet)
    }

    use crate::policy::observed as seen;

    #[test]
    fn orders_after_a_full_lookback_above_threshold_and_counts_what_is_coming() {
        let (mut o, fleet) = owner(None);
        let h = |n: u64| n * REVIEW;
        // Mean of 0.8, 0.8, 0.8 > 0.7, but only once three hours are in the window.
        assert_eq!(o.control(h(1), &fleet, seen(0.8)), Decision::Hold);
        assert_eq!(o.control(h(2), &fleet, seen(0.8)), Decision::Hold);
        assert_eq!(
            o.control(h(3), &fleet, seen(0.8)),
            Decision::Order {
                servers: 2,
                after: 10 * REVIEW
            }
        );
        // Three more hours at 0.9 on 4 servers: with the 2 on order, 0.9 × 4/6 = 0.6 —
        // no second order.
        for n in 4..=6 {
            assert_eq!(o.control(h(n), &fleet, seen(0.9)), Decision::Hold);
        }
        // At 1.0 it would be 0.67: still none. A window at 1.0 after delivery (6 ready
        // would be needed in the fleet) is the next order's business.
        for n in 7..=9 {
            assert_eq!(o.control(h(n), &fleet, seen(1.0)), Decision::Hold);
        }
    }

    #[test]
    fn never_orders_past_max_and_retires_down_to_the_initial_fleet() {
        let (mut o, mut fleet) = owner(Some(0.2));
        for _ in 0..4 {
            let id = fleet.launch(0);
            fleet.mark_ready(id, 0);
        }
        // 8 ready = max: no order, however busy.
        for n in 1..=3 {
            assert_eq!(o.control(n * REVIEW, &fleet, seen(0.99)), Decision::Hold);
        }
        // Quiet for a whole window: retire 2 (the order size), then wait a new window.
        for n in 4..=5 {
            assert_eq!(o.control(n * REVIEW, &fleet, seen(0.1)), Decision::Hold);
        }
        assert_eq!(
            o.control(6 * REVIEW, &fleet, seen(0.1)),
            Decision::Remove(2)
        );
        assert_eq!(o.control(7 * REVIEW, &fleet, seen(0.1)), Decision::Hold);
    }
}
