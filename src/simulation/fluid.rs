//! Fluid fidelity: traffic and service integrated in fixed steps, for months and years.
//!
//! Each step (default 1 s) takes the expected arrivals λ dt (λ averaged exactly over each
//! minute, see [`RateTable`]; whole requests, the fraction carried over), serves as many as the ready slots can (slots × dt / E[S]),
//! carries the rest over as a backlog and drops what exceeds the queue limit. While there
//! is no backlog, random bursts still overflow a finite queue: arrivals are then lost at
//! the M/M/c/K blocking rate (Erlang B when `queue_limit = 0`). Busy
//! slot-seconds are the work served. Discrete events — boots, control periods, samples,
//! the end — stay exact engine events: a step is cut at an event's instant. Latency
//! comes from queueing theory per minute-long block (see `fluid/latency.rs`).
//!
//! Arrivals are the expected value, not a Poisson draw: the randomness of arrivals is
//! accounted for in the latency model. The seed enters only through the sampling noise
//! of the autoscaler's utilisation observations (see `observed_busy`), so fixed fleets
//! give the same result for every seed.

mod latency;

use std::collections::HashMap;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use crate::analytic::{MMcK, erlang_b};
use crate::engine::Time;
use crate::scenario::{PolicySpec, Scenario};
use crate::workload::RateTable;

use super::PolicyOutcome;
use super::runtime::{Busy, Event, Measured, Runtime, Side};
use latency::LatencyBook;

/// Length of a latency block: long enough to amortise the queueing formulas, short
/// enough to follow a spike's ramp.
const BLOCK: f64 = 60.0;

/// The control-period bookkeeping behind [`FluidModel::observed_busy`], per side.
#[derive(Debug, Default, Clone, Copy)]
struct Observer {
    /// Noise added so far to the busy integral the policy sees.
    offset: f64,
    busy: f64,
    serving: f64,
    at: Time,
}

/// Sums over the current latency block.
#[derive(Debug, Default, Clone, Copy)]
struct Block {
    seconds: f64,
    arrivals: u64,
    served: u64,
    dropped: u64,
    slot_seconds: f64,
    /// Requests served from behind a backlog (booked step by step, not per block).
    backlogged: u64,
}

impl Block {
    /// Busy share of the slots over the block so far, if any slot served.
    fn utilisation(&self, mean_service: f64) -> Option<f64> {
        (self.slot_seconds > 0.0)
            .then(|| (self.served as f64 * mean_service / self.slot_seconds).min(1.0))
    }
}

pub(crate) struct FluidModel<'a> {
    rt: Runtime<'a>,
    rate: &'a RateTable,
    step: Time,
    mean_service: f64,
    queue_limit: u64,
    /// Probability that an arrival finds the finite queue full although the fleet keeps
    /// up on average (see `stationary_blocking`), for the current capacity and λ.
    blocking: f64,
    blocking_carry: f64,
    blocking_cache: HashMap<(u32, u32), f64>,
    /// Time integrated up to.
    t: Time,
    /// End of the current step, and of the current rate-table cell with its λ.
    next_boundary: Time,
    cell_end: Time,
    lambda: f64,
    expected_arrivals: f64,
    arrivals_so_far: u64,
    backlog: u64,
    capacity_carry: f64,
    /// ∫ busy slots dt, slot-seconds.
    busy: f64,
    /// ∫ requests in system dt (Little's law per block).
    in_system_seconds: f64,
    /// ∫ backlog dt, request-seconds: the queue an autoscaler can watch.
    queue_seconds: f64,
    block: Block,
    latency: LatencyBook,
    steps: u64,
    /// Busy share of the slots over the last closed block (for spot interruptions).
    last_utilisation: f64,
    /// Sampling noise of the autoscaler's observations (see `observed_busy`).
    noise: Pcg64Mcg,
    /// What the base's and the burst's policies saw at their last control instants.
    observers: [Observer; 2],
    /// A hybrid: ∫ busy slots dt of the burst fleet (the rest of `busy` is the base's),
    /// and the share of the work that overflows the base for the current capacity and λ.
    burst_busy: f64,
    overflow: f64,
    overflow_cache: HashMap<(u32, u32), f64>,
}

impl<'a> FluidModel<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        spec: &'a PolicySpec,
        step: Time,
        rate: &'a RateTable,
        seed: u64,
    ) -> Self {
        FluidModel {
            rt: Runtime::new(scenario, spec, seed),
            rate,
            step,
            mean_service: scenario.service.service_time.mean(),
            queue_limit: scenario.service.queue_limit,
            blocking: 0.0,
            blocking_carry: 0.0,
            blocking_cache: HashMap::new(),
            t: 0,
            next_boundary: step,
            cell_end: 0,
            lambda: 0.0,
            expected_arrivals: 0.0,
            arrivals_so_far: 0,
            backlog: 0,
            capacity_carry: 0.0,
            busy: 0.0,
            in_system_seconds: 0.0,
            queue_seconds: 0.0,
            block: Block::default(),
            latency: LatencyBook::new(
                scenario.service.service_time,
                scenario.service.slo,
                scenario.service.queue_limit,
            ),
            steps: 0,
            last_utilisation: 0.0,
            noise: Pcg64Mcg::seed_from_u64(seed ^ 0x0B5E_7FED),
            observers: [Observer::default(); 2],
            burst_busy: 0.0,
            overflow: 0.0,
            overflow_cache: HashMap::new(),
        }
    }

    pub(crate) fn run(mut self, progress: &(dyn Fn(Time) + Sync)) -> PolicyOutcome {
        self.rt.start();
        while let Some((now, event)) = self.rt.engine.pop() {
            self.integrate_until(now);
            match event {
                Event::BootDone(server) => {
                    self.rt.boot_done(server, now);
                }
                Event::RetryLaunches(side) => self.rt.retry_launches(now, side),
                Event::Traffic => {
                    // The served count is booked per block: close it at the interval's end.
                    self.close_block();
                    self.rt.traffic(now);
                }
                Event::Delivery(side, servers) => self.rt.deliver(now, side, servers),
                Event::WarmupDone(server) => {
                    self.rt.finish_warmup(server, now);
                }
                Event::SpotNotice(server) => self.rt.spot_notice(now, server),
                Event::SpotGone(server) => self.on_spot_gone(now, server),
                Event::Control(side) => {
                    let measured = Measured {
                        busy: self.observed_busy(now, side),
                        arrivals: self.arrivals_so_far,
                        queue_seconds: self.queue_seconds,
                    };
                    self.rt.control(now, side, measured);
                }
                Event::Sample => {
                    self.close_interval();
                    self.rt
                        .sample(now, self.split_busy(), self.backlog, progress);
                }
                Event::End => {
                    self.close_interval();
                    self.rt.end(now, self.split_busy(), self.backlog, progress);
                    break;
                }
                // The fluid model schedules no per-request events.
                Event::Arrival | Event::Departure(_) => {}
            }
        }
        let (busy, backlog, in_system, steps) = (
            self.split_busy(),
            self.backlog,
            self.in_system_seconds,
            self.steps,
        );
        self.rt.finish(busy, backlog, in_system, steps)
    }

    /// The busy integral of each fleet.
    fn split_busy(&self) -> Busy {
        Busy {
            base: self.busy - self.burst_busy,
            burst: self.burst_busy,
            total: self.busy,
        }
    }

    /// Integrates traffic and service from `self.t` to `until`, step by step; a step is
    /// cut short where `until` (an event) falls inside it. Capacity is constant between
    /// events, and λ within a table cell, so both are looked up once, not every step.
    fn integrate_until(&mut self, until: Time) {
        let slots = self.rt.serving_slots() as f64;
        let service_rate = slots / self.mean_service;
        self.blocking = self.stationary_blocking(slots, self.lambda);
        self.overflow = self.overflow_share(self.lambda);
        while self.t < until {
            if self.t >= self.next_boundary {
                self.next_boundary += self.step;
            }
            if self.t >= self.cell_end {
                (self.lambda, self.cell_end) = self.rate.cell(self.t);
                self.blocking = self.stationary_blocking(slots, self.lambda);
                self.overflow = self.overflow_share(self.lambda);
            }
            let end = self.next_boundary.min(until).min(self.cell_end);
            self.advance(end - self.t, slots, service_rate);
            self.t = end;
        }
    }

    #[inline]
    fn advance(&mut self, span: Time, slots: f64, service_rate: f64) {
        self.steps += 1;
        let dt = span as f64 * 1e-6;
        self.expected_arrivals += self.lambda * dt;
        let total = self.expected_arrivals as u64;
        let arrivals = total.saturating_sub(self.arrivals_so_far);
        self.arrivals_so_far = total.max(self.arrivals_so_far);

        let queued_before = self.backlog;
        // Without a backlog the fleet keeps up on average, but random bursts still fill a
        // finite queue: those arrivals are lost at the M/M/c/K rate.
        let mut blocked = 0;
        if queued_before == 0 && self.blocking > 0.0 {
            self.blocking_carry += arrivals as f64 * self.blocking;
            blocked = (self.blocking_carry as u64).min(arrivals);
            self.blocking_carry -= blocked as f64;
        }
        let capacity = service_rate * dt + self.capacity_carry;
        let whole = capacity as u64;
        let waiting = queued_before + arrivals - blocked;
        let served = waiting.min(whole);
        // Unused capacity is not banked: only the fraction of a request carries over.
        self.capacity_carry = if served == whole {
            capacity - whole as f64
        } else {
            0.0
        };
        let backlog = (waiting - served).min(self.queue_limit);
        let dropped = waiting - served - backlog + blocked;
        self.backlog = backlog;
        // The backlog at the step's end stands for the step: the fluid queue grows and
        // drains within it. (Mostly zero: skip the float work then.)
        if backlog > 0 {
            self.queue_seconds += backlog as f64 * dt;
        }
        let work = (served as f64 * self.mean_service).min(slots * dt);
        self.busy += work;
        if self.overflow > 0.0 {
            self.burst_busy += self.burst_work(work, dt);
        }

        let b = &mut self.block;
        b.seconds += dt;
        b.arrivals += arrivals;
        b.served += served;
        b.dropped += dropped;
        b.slot_seconds += slots * dt;
        if queued_before > 0 && served > 0 {
            // FIFO: those served now waited for the backlog ahead of them to clear. Booked
            // per step, so a backlog that builds and drains keeps its spread of waits.
            let behind = queued_before.min(served);
            b.backlogged += behind;
            let delay = queued_before as f64 / service_rate;
            let stats = self.latency.add_backlogged(behind as f64, delay);
            self.in_system_seconds += behind as f64 * (stats.mean_wait + self.mean_service);
        }
        if b.seconds >= BLOCK {
            self.close_block();
        }
    }

    fn close_block(&mut self) {
        let b = std::mem::take(&mut self.block);
        if let Some(u) = b.utilisation(self.mean_service) {
            self.last_utilisation = u;
        }
        let r = &mut self.rt.recorder;
        r.add_arrivals(b.arrivals);
        r.add_served(b.served);
        r.add_drops(b.dropped);
        if self.rt.burst.is_some() {
            // Requests the burst served: its work in mean service times.
            let burst = (self.burst_busy / self.mean_service) as u64;
            self.rt.served_burst = burst.min(self.rt.recorder.served);
        }
        if b.seconds <= 0.0 {
            return;
        }
        let free = (b.served - b.backlogged) as f64;
        if free > 0.0 {
            let stats = self.latency.add_stationary(
                free,
                b.arrivals as f64 * self.mean_service / b.seconds,
                b.slot_seconds / b.seconds,
            );
            // Little's law over the block: served × mean response time.
            self.in_system_seconds += free * (stats.mean_wait + self.mean_service);
        }
    }

    /// Spot instance `id` is gone. The fluid fleet keeps no requests per server, so the
    /// work lost is its expected share: the current block's utilisation × its slots,
    /// requests counted as served that go back to the backlog (the latency model keeps
    /// the responses it booked for them: an approximation, small next to a block).
    fn on_spot_gone(&mut self, now: Time, server: u32) {
        if self.rt.interrupt(server, now) != Some(true) {
            return;
        }
        let b = &mut self.block;
        let utilisation = b
            .utilisation(self.mean_service)
            .unwrap_or(self.last_utilisation);
        let slots = self.rt.scenario.service.slots_per_server as f64;
        let lost = (utilisation * slots).round() as u64;
        let from_block = lost.min(b.served);
        b.served -= from_block;
        b.backlogged = b.backlogged.min(b.served);
        let rest = (lost - from_block).min(self.rt.recorder.served);
        self.rt.recorder.unserve(rest);
        let lost = from_block + rest;
        self.backlog += lost;
        self.rt.requeued += lost;
    }

    /// Probability that an arrival finds the queue full while capacity exceeds demand:
    /// the M/M/c/K blocking probability at the current λ and slots. When demand exceeds
    /// capacity the fluid backlog fills the queue and drops the excess itself, so this
    /// only applies at ρ < 1 — or at any ρ without a waiting room, where no backlog can
    /// form (Erlang B). Utilisation is quantised to 0.01 % so that values are reused.
    fn stationary_blocking(&mut self, slots: f64, lambda: f64) -> f64 {
        let c = slots as u32;
        if c == 0 {
            return 0.0;
        }
        let rho = lambda * self.mean_service / slots;
        let q = self.queue_limit;
        // ρ^q bounds the blocking probability: skip the sums when it is negligible.
        if q > 0 && (rho >= 1.0 || q as f64 * rho.ln() < -25.0) {
            return 0.0;
        }
        let rho_key = (rho * 10_000.0).round().min(1e9) as u32;
        let mean_service = self.mean_service;
        *self.blocking_cache.entry((c, rho_key)).or_insert_with(|| {
            MMcK {
                servers: c,
                arrival_rate: rho_key as f64 / 10_000.0 * slots / mean_service,
                mean_service,
                queue_limit: q,
            }
            .p_block()
        })
    }

    /// The busy integral as the autoscaler sees it. At request level the utilisation of
    /// a control period fluctuates around its mean (random arrivals and service times);
    /// a fluid model has only the mean, and a policy with a short period and a tight
    /// tolerance (HPA) reacts to those fluctuations. So each period's busy slot-seconds
    /// get the sampling noise of an M/M/∞ time average: variance ≈ 2·A·E[S]·T for mean
    /// busy slots A over a period T, drawn from the seed and kept within [0, capacity].
    /// A hybrid's base sees its own load; its burst the whole hybrid's.
    fn observed_busy(&mut self, now: Time, side: Side) -> f64 {
        let serving: f64 = self
            .rt
            .watched(side)
            .map(|f| f.serving_slots.integral(now))
            .sum();
        let busy = match side {
            Side::Base => self.busy - self.burst_busy,
            Side::Burst => self.busy,
        };
        let o = &mut self.observers[side as usize];
        let busy_increment = busy - o.busy;
        let capacity = serving - o.serving;
        let period = (now - o.at) as f64 * 1e-6;
        let mut noisy = busy_increment;
        if period > 0.0 && busy_increment > 0.0 {
            let mean_busy = busy_increment / period;
            let sd = (2.0 * mean_busy * self.mean_service * period).sqrt();
            let z: f64 = StandardNormal.sample(&mut self.noise);
            noisy = (busy_increment + z * sd).clamp(0.0, capacity.max(0.0));
        }
        o.offset += noisy - busy_increment;
        o.busy = busy;
        o.serving = serving;
        o.at = now;
        busy + o.offset
    }

    /// A hybrid's burst: the share of the work that finds the base full. The base is
    /// then a loss system whose overflow the burst takes, so the share is Erlang B of
    /// the base's slots at the offered load (cached like `stationary_blocking`). 0
    /// without a burst, or while it has nothing serving.
    fn overflow_share(&mut self, lambda: f64) -> f64 {
        let Some(burst) = &self.rt.burst else {
            return 0.0;
        };
        if burst.fleet.serving_slots.value() == 0 {
            return 0.0;
        }
        let c = self.rt.base.fleet.serving_slots.value() as u32;
        let load = lambda * self.mean_service;
        if c == 0 {
            return 1.0;
        }
        let key = (load * 10_000.0).round().min(4e9) as u32;
        *self
            .overflow_cache
            .entry((c, key))
            .or_insert_with(|| erlang_b(c, key as f64 / 10_000.0))
    }

    /// The burst's part of `work` slot-seconds served over `dt` seconds: the overflow
    /// share, within what each fleet can serve (a full base sends the rest over, a full
    /// burst sends it back).
    fn burst_work(&self, work: f64, dt: f64) -> f64 {
        let burst_slots = self
            .rt
            .burst
            .as_ref()
            .map_or(0, |b| b.fleet.serving_slots.value()) as f64;
        let base_slots = self.rt.base.fleet.serving_slots.value() as f64;
        let burst = (work * self.overflow).min(burst_slots * dt);
        let base = (work - burst).min(base_slots * dt);
        work - base
    }

    /// Before a sample: the partial block counts, and the interval's latencies are
    /// recorded so the sample row has its p99.
    fn close_interval(&mut self) {
        self.close_block();
        self.latency.flush(&mut self.rt.recorder);
    }
}
