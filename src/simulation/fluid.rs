//! Fluid fidelity: traffic and service integrated in fixed steps, for months and years.
//!
//! Each step (default 1 s) takes the expected arrivals λ dt (λ averaged exactly over each
//! minute, see [`RateTable`]; whole requests, the fraction carried over), serves what the
//! ready slots can (slots × dt / E[S]) and loses what the queue has no room for. Busy
//! slot-seconds are the work served. Discrete events — boots, control periods, samples,
//! the end — stay exact engine events: a step is cut at an event's instant. Latency comes
//! from queueing theory (see `fluid/latency.rs`).
//!
//! # The queue
//!
//! Arrivals are random, so a queue forms and a finite room overflows even when the fleet
//! keeps up on average, and above saturation the queue is not a deterministic backlog but
//! spreads below a full room. What the model knows of the number waiting, for the current
//! slots c and λ, is one of three things:
//!
//! - **stationary**: the M/M/c/K law of c, λ and `queue_limit` (`fluid/law.rs`), at any
//!   load — below, at or above saturation. Arrivals are lost at its blocking probability,
//!   the backlog is its mean queue, and the latency model books its waits. Used when the
//!   queue settles within [`SETTLE`] (a twentieth of a latency block): its relaxation time
//!   (1 / the spectral gap of the queue's birth–death chain) plus the time to travel from
//!   where the queue stands to where the law puts it (by drift, or by diffusion if that
//!   is faster) is that short. Short rooms settle within a second or two at any load;
//!   below about 96 % load so do long ones.
//! - **chain**: the distribution of the number waiting, evolved step by step as the
//!   birth–death chain of M/M/c/K (`fluid/chain.rs`: exact states for rooms up to 127
//!   places, lumped bins beyond, implicit Euler steps that keep the stationary law
//!   exact), when the queue settles slowly: near saturation with a long room, a room
//!   filling slowly above saturation, or draining slowly below it. Drops, the backlog
//!   (its mean) and the waits follow the distribution; once it is within [`CONVERGED`]
//!   (total variation) of the stationary law, the model goes back to that law.
//! - **fluid**: a deterministic backlog, filled at λ − cμ and drained at cμ − λ, when the
//!   queue moves much faster than it spreads on its way (Péclet number |λ − cμ|·Δ/(2D) of
//!   at least [`PECLET`] for a distance Δ to travel and diffusion D = (λ + cμ)/2): a
//!   flash crowd filling a room of thousands, or the drain after it. Requests behind it
//!   wait for it to clear; it hands over to the chain or the stationary law as it nears
//!   where that law would put it.
//!
//! Why three. The stationary law is exact and, cached by slots and load, costs nothing
//! per step — but only once the queue has had time to reach it. Near saturation the
//! queue is a random walk: its mean alone (a deterministic backlog) misses both the drops
//! of a room it fills only now and then and the waits behind a queue that wanders to
//! hundreds, so the transient needs its distribution; a chain stepped by implicit Euler
//! keeps the stationary law exact (its fixed point is the law's at any step length), so
//! the hand-over is seamless, and its slow modes — the ones that last — are followed
//! accurately. A diffusion correction to the backlog would give neither the truncated
//! Erlang waits of a finite room nor its exact blocking. But 1 s steps of a 128-bin chain
//! would smear a front moving hundreds of places a second (numerical diffusion v²·dt/2 ≫
//! (λ + cμ)/2), where the deterministic backlog is right to within its relative spread
//! 1/√Pe. The chain runs only while the queue is far from its law and slow to reach it
//! (about a microsecond a step); otherwise a step costs what it did with the backlog
//! alone.
//!
//! Arrivals are the expected value, not a Poisson draw: the randomness of arrivals is
//! accounted for in the queue's law and the latency model. The seed enters only through
//! the sampling noise of the autoscaler's utilisation observations (see `observed_busy`),
//! so fixed fleets give the same result for every seed.

mod chain;
mod cohorts;
mod latency;
mod law;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use crate::analytic::erlang_b;
use crate::engine::Time;
use crate::scenario::{PolicySpec, Scenario};
use crate::workload::RateTable;

use super::PolicyOutcome;
use super::runtime::{Busy, Event, Measured, Runtime, Side};
use chain::Chain;
use cohorts::Cohorts;
use latency::LatencyBook;
use law::{FastMap, Grid, GridLoad, Law, Laws};

/// Length of a latency block: long enough to amortise the queueing formulas, short
/// enough to follow a spike's ramp.
const BLOCK: f64 = 60.0;
/// A queue that settles within this many seconds is taken in its stationary law.
const SETTLE: f64 = BLOCK / 20.0;
/// Péclet number above which the queue moves as a deterministic backlog.
const PECLET: f64 = 25.0;
/// Total variation distance from the stationary law at which the chain hands over.
const CONVERGED: f64 = 1e-3;
/// Chain steps between two checks of that distance.
const CHECK_EVERY: u64 = 16;

/// Where a chain starts from.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// The stationary law of these slots and λ: the law the queue was in.
    Law(u32, f64),
    /// All mass on the fluid backlog.
    Backlog,
    /// Where the chain stands.
    Standing,
}

/// What the model knows of the number waiting (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Stationary,
    Chain,
    Fluid,
}

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
    /// The queue: its mode, the stationary laws, the chain (built when first needed).
    mode: Mode,
    laws: Laws,
    chain: Option<Chain>,
    /// Chain steps since its distance to the stationary law was last checked.
    unchecked: u64,
    /// The slots and λ the queue is set for, where they fall on the grid, and the law
    /// there; the same capped at ρ = 0.99 for requests served ahead of a fluid backlog
    /// (looked up when first needed).
    target: (u32, f64),
    load: GridLoad,
    law: Law,
    capped: Option<(GridLoad, Law)>,
    /// The stationary law's backlog, in whole requests.
    steady_queue: u64,
    /// Requests served in the stationary law, and ahead of a fluid backlog, since the law
    /// was last looked up or the block closed: not yet booked (see `flush_bookings`).
    served_steady: u64,
    served_ahead: u64,
    blocking_carry: f64,
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
    /// When the requests of the fluid backlog arrived.
    cohorts: Cohorts,
    /// ∫ number waiting dt, request-seconds (the fluid backlog, or the mean queue of the
    /// law or the chain): the queue an autoscaler can watch.
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
    overflow_cache: FastMap<(u32, u32), f64>,
}

impl<'a> FluidModel<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        spec: &'a PolicySpec,
        step: Time,
        rate: &'a RateTable,
        seed: u64,
    ) -> Self {
        let service = scenario.service.service_time;
        let grid = Grid::new(service.mean(), scenario.service.queue_limit);
        let variability = (1.0 + service.scv()) / 2.0;
        FluidModel {
            rt: Runtime::new(scenario, spec, seed),
            rate,
            step,
            mean_service: service.mean(),
            queue_limit: scenario.service.queue_limit,
            mode: Mode::Fluid,
            laws: Laws::new(grid, variability),
            chain: None,
            unchecked: 0,
            target: (0, -1.0),
            load: grid.locate(0, 0.0),
            law: Law::default(),
            capped: None,
            steady_queue: 0,
            served_steady: 0,
            served_ahead: 0,
            blocking_carry: 0.0,
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
            cohorts: Cohorts::default(),
            queue_seconds: 0.0,
            block: Block::default(),
            latency: LatencyBook::new(service, scenario.service.slo, grid),
            steps: 0,
            last_utilisation: 0.0,
            noise: Pcg64Mcg::seed_from_u64(seed ^ 0x0B5E_7FED),
            observers: [Observer::default(); 2],
            burst_busy: 0.0,
            overflow: 0.0,
            overflow_cache: FastMap::default(),
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
                Event::NodeUp(node) => self.rt.node_up(now, node),
                Event::ClusterScan => self.rt.cluster_scan(now),
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
        self.retarget(slots as u32, self.lambda);
        self.overflow = self.overflow_share(self.lambda);
        while self.t < until {
            if self.t >= self.next_boundary {
                self.next_boundary += self.step;
            }
            if self.t >= self.cell_end {
                (self.lambda, self.cell_end) = self.rate.cell(self.t);
                self.retarget(slots as u32, self.lambda);
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

        let capacity = service_rate * dt + self.capacity_carry;
        let whole = capacity as u64;
        let (served, dropped) = match self.mode {
            // The law's or the chain's queue is a mean, not requests in order: the ages
            // of the fluid backlog no longer stand for anyone.
            Mode::Stationary => {
                self.cohorts.clear();
                self.advance_stationary(arrivals, whole, dt)
            }
            Mode::Chain => {
                self.cohorts.clear();
                self.advance_chain(arrivals, whole, dt)
            }
            Mode::Fluid => self.advance_fluid(arrivals, whole, dt, service_rate),
        };
        // Unused capacity is not banked: only the fraction of a request carries over.
        self.capacity_carry = if served == whole {
            capacity - whole as f64
        } else {
            0.0
        };
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
        if b.seconds >= BLOCK {
            self.close_block();
        }
        if self.mode != Mode::Stationary {
            self.settle();
        }
    }

    /// A step with a deterministic backlog: served up to capacity, the rest queued up to
    /// the room, the excess dropped. Returns (served, dropped).
    fn advance_fluid(
        &mut self,
        arrivals: u64,
        whole: u64,
        dt: f64,
        service_rate: f64,
    ) -> (u64, u64) {
        let queued_before = self.backlog;
        let waiting = queued_before + arrivals;
        let served = waiting.min(whole);
        let backlog = (waiting - served).min(self.queue_limit);
        self.backlog = backlog;
        // The backlog at the step's end stands for the step: the fluid queue grows and
        // drains within it. (Mostly zero: skip the float work then.)
        if backlog > 0 {
            self.queue_seconds += backlog as f64 * dt;
        }
        let mut behind = 0;
        let now = self.t as f64 * 1e-6 + dt / 2.0;
        self.cohorts.reconcile(queued_before, now);
        if queued_before > 0 && served > 0 {
            // FIFO: those served now waited for the backlog ahead of them to clear, at
            // least as long as this step's service rate takes, and at least their age
            // less a step (arrival and service fall anywhere in their steps): longer when
            // capacity was lower while they waited (a group woken from zero). Booked per
            // cohort, so a backlog that builds and drains keeps its spread of waits.
            behind = queued_before.min(served);
            let delay = queued_before as f64 / service_rate;
            let (latency, mean_service) = (&mut self.latency, self.mean_service);
            let mut in_system = 0.0;
            self.cohorts.take(behind, |at, n| {
                let wait = delay.max(now - at - dt);
                let stats = latency.add_backlogged(n as f64, wait);
                in_system += n as f64 * (stats.mean_wait + mean_service);
            });
            self.in_system_seconds += in_system;
        }
        // Newcomers that stay queued (the room's excess was dropped, newest first).
        self.cohorts
            .join(now, backlog.saturating_sub(queued_before - behind));
        // The others arrived to no backlog: they wait as in the queue below saturation.
        self.served_ahead += served - behind;
        (served, waiting - served - backlog)
    }

    /// A step in the stationary law: arrivals that find the room full are lost (PASTA: at
    /// the probability it is full), the backlog is the law's mean queue. Returns
    /// (served, dropped).
    #[inline]
    fn advance_stationary(&mut self, arrivals: u64, whole: u64, dt: f64) -> (u64, u64) {
        let (served, dropped) = self.admit(arrivals, whole, self.law.p_block, self.steady_queue);
        self.served_steady += served;
        if self.law.mean_queue > 0.0 {
            self.queue_seconds += self.law.mean_queue * dt;
        }
        (served, dropped)
    }

    /// A step of the chain: the same, with what arrivals see in the chain's distribution,
    /// on which the served are booked. Returns (served, dropped).
    fn advance_chain(&mut self, arrivals: u64, whole: u64, dt: f64) -> (u64, u64) {
        let Some(chain) = &mut self.chain else {
            return self.advance_stationary(arrivals, whole, dt);
        };
        chain.step(dt);
        let seen = chain.see();
        let target = ((seen.mean_queue + 0.5) as u64).min(self.queue_limit);
        let (served, dropped) = self.admit(arrivals, whole, seen.p_full, target);
        self.queue_seconds += seen.mean_queue * dt;
        if served > 0 {
            self.in_system_seconds += served as f64 * (seen.mean_wait + self.mean_service);
            if let Some(chain) = &mut self.chain {
                chain.book(served as f64);
            }
        }
        (served, dropped)
    }

    /// Arrivals lost at `p_full` (carried over in whole requests), the rest served
    /// within capacity down to a backlog of `target`. Returns (served, dropped).
    #[inline]
    fn admit(&mut self, arrivals: u64, whole: u64, p_full: f64, target: u64) -> (u64, u64) {
        let mut blocked = 0;
        // Below 10⁻¹² a drop would take 10¹² arrivals: skip the float work.
        if p_full > 1e-12 {
            self.blocking_carry += arrivals as f64 * p_full;
            blocked = (self.blocking_carry as u64).min(arrivals);
            self.blocking_carry -= blocked as f64;
        }
        let waiting = self.backlog + arrivals - blocked;
        let served = waiting.saturating_sub(target).min(whole);
        let backlog = waiting - served;
        self.backlog = backlog.min(self.queue_limit);
        (served, blocked + (backlog - self.backlog))
    }

    /// The law capped at ρ = 0.99, for requests served ahead of a fluid backlog: they
    /// wait as in the queue below saturation.
    fn capped_law(&mut self) -> (GridLoad, Law) {
        if let Some(capped) = self.capped {
            return capped;
        }
        let (slots, lambda) = self.target;
        let cap = 0.99 * slots as f64 / self.mean_service;
        let load = self.laws.grid.locate(slots, lambda.min(cap));
        let capped = (load, self.laws.at(load));
        self.capped = Some(capped);
        capped
    }

    /// Hands the bookings of the stationary law, of the requests served ahead of a fluid
    /// backlog and of the chain to the latency model (and the first two to Little's law).
    fn flush_bookings(&mut self) {
        let steady = std::mem::take(&mut self.served_steady) as f64;
        if steady > 0.0 {
            self.latency.add_stationary(steady, self.load);
            // Little's law: served × mean response time.
            self.in_system_seconds += steady * (self.law.mean_wait + self.mean_service);
        }
        let ahead = std::mem::take(&mut self.served_ahead) as f64;
        if ahead > 0.0 {
            let (load, law) = self.capped_law();
            self.latency.add_stationary(ahead, load);
            self.in_system_seconds += ahead * (law.mean_wait + self.mean_service);
        }
        if let Some(chain) = &mut self.chain {
            let slots = chain.slots();
            for (phases, n) in chain.take_book() {
                self.latency.add_phases(slots, phases, n);
            }
        }
    }

    /// The slots or λ changed: the queue's law is looked up again and its mode chosen
    /// afresh from where the queue stands (see the module docs).
    fn retarget(&mut self, slots: u32, lambda: f64) {
        if self.target == (slots, lambda) {
            return;
        }
        let standing = match (self.mode, &self.chain) {
            (Mode::Stationary, _) => self.law.mean_queue,
            (Mode::Chain, Some(chain)) => chain.mean_queue(),
            _ => self.backlog as f64,
        };
        // The chain's bookings are for its old rates.
        self.flush_bookings();
        let old = std::mem::replace(&mut self.target, (slots, lambda));
        self.load = self.laws.grid.locate(slots, lambda);
        self.law = self.laws.at(self.load);
        self.capped = None;
        self.steady_queue = ((self.law.mean_queue + 0.5) as u64).min(self.queue_limit);
        if self.queue_limit == 0 {
            self.mode = Mode::Stationary;
            return;
        }
        let distance = (standing - self.law.mean_queue).abs();
        if self.settles(distance) {
            self.mode = Mode::Stationary;
        } else if slots == 0 || self.peclet(distance) >= PECLET {
            self.mode = Mode::Fluid;
        } else {
            let start = match self.mode {
                Mode::Stationary if old.0 > 0 => Start::Law(old.0, old.1),
                Mode::Chain => Start::Standing,
                _ => Start::Backlog,
            };
            let chain = self.start_chain(start);
            self.mode = if chain.distance_to_stationary() < CONVERGED {
                Mode::Stationary
            } else {
                Mode::Chain
            };
        }
    }

    /// The chain (built on first use), started as `start` says and set for the current
    /// slots and λ.
    fn start_chain(&mut self, start: Start) -> &mut Chain {
        let (limit, mean_service, backlog) = (self.queue_limit, self.mean_service, self.backlog);
        let (slots, lambda) = self.target;
        self.unchecked = 0;
        let chain = self.chain.get_or_insert_with(|| Chain::new(limit));
        match start {
            Start::Law(old_slots, old_lambda) => {
                chain.set_rates(old_slots, old_lambda, mean_service);
                chain.set_stationary();
            }
            Start::Backlog => chain.set_point(backlog),
            Start::Standing => {}
        }
        chain.set_rates(slots, lambda, mean_service);
        chain
    }

    /// After a step: a fluid backlog near where the law would put it hands over to the
    /// law (or to the chain), and a chain close enough to its stationary law to that.
    fn settle(&mut self) {
        match self.mode {
            Mode::Stationary => {}
            Mode::Fluid => {
                let distance = (self.backlog as f64 - self.law.mean_queue).abs();
                if self.settles(distance) {
                    self.mode = Mode::Stationary;
                } else if self.target.0 > 0 && self.peclet(distance) < PECLET {
                    self.start_chain(Start::Backlog);
                    self.mode = Mode::Chain;
                }
            }
            Mode::Chain => {
                self.unchecked += 1;
                if self.unchecked >= CHECK_EVERY {
                    self.unchecked = 0;
                    if let Some(chain) = &mut self.chain
                        && chain.distance_to_stationary() < CONVERGED
                    {
                        self.mode = Mode::Stationary;
                    }
                }
            }
        }
    }

    /// λ − cμ and (λ + cμ)/2 at the current target: the queue's drift and diffusion.
    fn drift_diffusion(&self) -> (f64, f64) {
        let (slots, lambda) = self.target;
        let capacity = slots as f64 / self.mean_service;
        (lambda - capacity, 0.5 * (lambda + capacity))
    }

    /// Whether the queue, `distance` from its stationary mean, gets there within
    /// [`SETTLE`]: its relaxation time plus the faster of drifting and diffusing there.
    fn settles(&self, distance: f64) -> bool {
        let (drift, diffusion) = self.drift_diffusion();
        let travel = if distance < 0.5 {
            0.0
        } else {
            let by_drift = distance / drift.abs();
            let by_diffusion = distance * distance / (2.0 * diffusion);
            by_drift.min(by_diffusion)
        };
        self.law.relax + travel <= SETTLE
    }

    /// |λ − cμ|·`distance` / (2D): how much faster the queue travels `distance` than it
    /// spreads on the way.
    fn peclet(&self, distance: f64) -> f64 {
        let (drift, diffusion) = self.drift_diffusion();
        if diffusion <= 0.0 {
            return f64::INFINITY;
        }
        drift.abs() * distance / (2.0 * diffusion)
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
        self.flush_bookings();
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
        let rest = (lost - from_block).min(self.rt.recorder.served);
        self.rt.recorder.unserve(rest);
        let lost = from_block + rest;
        self.backlog += lost;
        self.rt.requeued += lost;
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
