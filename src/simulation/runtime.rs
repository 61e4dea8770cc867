//! What both fidelities share: the fleets under their policies, the clock and its
//! discrete events (boots, control periods, samples, the end), and the recorder. A
//! fidelity adds only how traffic meets capacity, and tells the runtime how much work was
//! done.
//!
//! A policy runs one fleet, its *base*; a hybrid adds a second, its *burst* (cloud
//! instances under their own autoscaler). Events name a server, or a slot, by a reference
//! whose [`BURST`] bit says which fleet it is in, so one queue serves both.
//!
//! A `containers` policy runs its pods as the base fleet and adds a node pool under a
//! cluster autoscaler ([`cluster`]): pods launch only where a node has room.

mod cluster;

use crate::billing::bandwidth::{self, BandwidthMeter};
use crate::engine::{Engine, Time, to_seconds};
use crate::fleet::{Decision, Fleet, FleetCounts, PurchaseBook, SpotMarket};
use crate::metrics::{PolicyStats, Recorder, Sample, ratio};
use crate::policy::{self, Observation, Policy};
use crate::provider::Provider;
use crate::scenario::{AutoscaleSpec, PolicyKind, PolicySpec, Scenario};
use crate::workload::RateFunction;

use super::PolicyOutcome;

/// The bit of a server or slot reference that marks the burst fleet (ids stay far below:
/// a fleet holds at most 10⁷ slots, and server ids count launches).
pub(super) const BURST: u32 = 1 << 31;

/// Which fleet of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// The policy's own fleet (a hybrid's own or leased servers).
    Base,
    /// A hybrid's cloud instances.
    Burst,
}

/// Events of both fidelities (the fluid one never sees `Arrival` or `Departure`).
/// Servers and slots are named by reference (see [`BURST`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    Arrival,
    /// The request in service on slot `u32` is done (the request model's table of
    /// requests in service, indexed by slot, holds it).
    Departure(u32),
    BootDone(u32),
    /// The cloud announces it will reclaim spot instance `u32` after the notice.
    SpotNotice(u32),
    /// The notice is over: the spot instance is gone.
    SpotGone(u32),
    Control(Side),
    /// Launches the provider refused are tried again.
    RetryLaunches(Side),
    /// A server's application warmup is over: it serves with all its slots.
    WarmupDone(u32),
    /// Ordered servers arrive, ready.
    Delivery(Side, u32),
    /// A 5-minute bandwidth measurement (95th-percentile billing).
    Traffic,
    /// Node `u32` of a `containers` policy finished booting.
    NodeUp(u32),
    /// The cluster autoscaler's scan.
    ClusterScan,
    Sample,
    End,
}

// Heap entries copy events around: keep them as small as a departure (an entry is then
// 24 bytes).
const _: () = assert!(std::mem::size_of::<Event>() == 8);

/// Integrals at the start of an interval, to take differences at its end.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    at: Time,
    busy: f64,
    serving: f64,
    paid: f64,
    /// Spot interruptions and refused launches so far.
    interruptions: u64,
    refused: u64,
}

/// Cumulative counts a fidelity reports at a control instant, from t = 0.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Measured {
    /// ∫ busy slots dt of the fleets the policy watches (see [`Runtime::watched`]),
    /// slot-seconds, as the policy sees it.
    pub busy: f64,
    /// Requests arrived.
    pub arrivals: u64,
    /// ∫ waiting requests dt, request-seconds.
    pub queue_seconds: f64,
}

/// ∫ busy slots dt of each fleet, and of both (summed before rounding, so a hybrid's
/// total is exactly what one fleet with all its slots would integrate), slot-seconds.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Busy {
    pub base: f64,
    pub burst: f64,
    pub total: f64,
}

/// One fleet under its policy, with what the policy's provider and contracts add.
pub(super) struct Fleetside {
    pub policy: Box<dyn Policy>,
    pub fleet: Fleet,
    /// 0 for the base, [`BURST`] for the burst: or-ed into server references.
    tag: u32,
    provider: Provider,
    /// Application warmup: its length and the slots a warming server serves with.
    app_warmup: Option<(Time, u32)>,
    spot: Option<SpotMarket>,
    last_control: Mark,
    last_measured: Measured,
}

impl Fleetside {
    fn new(
        scenario: &Scenario,
        kind: &PolicyKind,
        cloud: Option<&AutoscaleSpec>,
        policy_index: usize,
        seed: u64,
        tag: u32,
    ) -> Fleetside {
        let policy = policy::build(kind);
        let tariff = policy.tariff();
        let price = tariff.linear_rate().unwrap_or(0.0);
        let slots = kind.slots_per_server(scenario.service.slots_per_server);
        let mut fleet = Fleet::new(slots, tariff);
        let mut spot = None;
        if let Some(purchase) = policy.purchase() {
            fleet = fleet.with_purchase(PurchaseBook::new(purchase, price));
            spot = SpotMarket::new(purchase, seed, policy_index);
        }
        Fleetside {
            policy,
            fleet,
            tag,
            provider: Provider::new(cloud, seed),
            app_warmup: cloud.and_then(|a| a.app_warmup).map(|w| {
                let slots = scenario.service.slots_per_server as f64 * w.capacity;
                (w.duration, (slots.round() as u32).max(1))
            }),
            spot,
            last_control: Mark::default(),
            last_measured: Measured::default(),
        }
    }
}

pub(super) struct Runtime<'a> {
    pub scenario: &'a Scenario,
    pub spec: &'a PolicySpec,
    pub base: Fleetside,
    /// A hybrid's cloud instances.
    pub burst: Option<Fleetside>,
    pub engine: Engine<Event>,
    pub recorder: Recorder,
    bandwidth: Option<BandwidthMeter>,
    /// USD per request served by cloud instances (see [`Runtime::served_by_cloud`]).
    egress_per_request: f64,
    /// Requests served by the burst fleet (booked by the fidelity).
    pub served_burst: u64,
    rate: RateFunction,
    series: Vec<Sample>,
    last_sample: Mark,
    peak_servers: u64,
    /// Spot interruption notices received.
    pub spot_interruptions: u64,
    /// Requests (or fluid work) sent back to the queue by interrupted instances.
    pub requeued: u64,
    /// A `containers` policy's nodes and cluster autoscaler.
    cluster: Option<cluster::Cluster>,
}

impl<'a> Runtime<'a> {
    pub fn new(scenario: &'a Scenario, spec: &'a PolicySpec, seed: u64) -> Self {
        // Names are unique: the policy's place in the file keys its spot interruptions.
        let index = scenario
            .policies
            .iter()
            .position(|p| p.name == spec.name)
            .unwrap_or(0);
        let (base_kind, burst) = match &spec.kind {
            PolicyKind::Hybrid(h) => {
                let burst_kind = PolicyKind::Autoscale(h.burst.clone());
                let burst =
                    Fleetside::new(scenario, &burst_kind, Some(&h.burst), index, seed, BURST);
                (&*h.base, Some(burst))
            }
            kind => (kind, None),
        };
        let base = Fleetside::new(scenario, base_kind, base_kind.cloud(), index, seed, 0);
        let samples = (scenario.horizon / scenario.sample_every + 1) as usize;
        Runtime {
            scenario,
            spec,
            base,
            burst,
            engine: Engine::with_capacity(1024),
            recorder: Recorder::new(scenario.service.slo, scenario.horizon),
            bandwidth: match base_kind {
                PolicyKind::Lease(l) => l.bandwidth.map(BandwidthMeter::new),
                _ => None,
            },
            egress_per_request: spec.kind.cloud().map_or(0.0, |a| a.egress.per_request()),
            served_burst: 0,
            rate: RateFunction::new(&scenario.workload),
            series: Vec::with_capacity(samples),
            last_sample: Mark::default(),
            peak_servers: 0,
            spot_interruptions: 0,
            requeued: 0,
            cluster: match &spec.kind {
                PolicyKind::Containers(c) => Some(cluster::Cluster::new(c)),
                _ => None,
            },
        }
    }

    pub fn side(&self, side: Side) -> &Fleetside {
        match (side, &self.burst) {
            (Side::Burst, Some(b)) => b,
            _ => &self.base,
        }
    }

    pub fn side_mut(&mut self, side: Side) -> &mut Fleetside {
        match (side, &mut self.burst) {
            (Side::Burst, Some(b)) => b,
            _ => &mut self.base,
        }
    }

    /// The fleet server (or slot) reference `reference` is in, and its id there.
    #[inline]
    pub fn fleet_of(&mut self, reference: u32) -> (&mut Fleet, u32) {
        match &mut self.burst {
            Some(b) if reference & BURST != 0 => (&mut b.fleet, reference & !BURST),
            _ => (&mut self.base.fleet, reference),
        }
    }

    /// Both fleets (one unless a hybrid).
    pub fn fleets(&self) -> impl Iterator<Item = &Fleet> {
        std::iter::once(&self.base.fleet).chain(self.burst.as_ref().map(|b| &b.fleet))
    }

    /// The fleets whose load `side`'s policy watches: the base its own; a hybrid's
    /// burst both, since it scales the hybrid as one fleet.
    pub fn watched(&self, side: Side) -> impl Iterator<Item = &Fleet> {
        let both = side == Side::Burst;
        self.fleets().take(if both { 2 } else { 1 })
    }

    /// The sides a policy has, base first.
    fn sides(&self) -> Vec<Side> {
        match self.burst {
            Some(_) => vec![Side::Base, Side::Burst],
            None => vec![Side::Base],
        }
    }

    /// Servers paid for in both fleets.
    fn paid_servers(&self) -> u64 {
        self.fleets().map(|f| f.paid_servers.value()).sum()
    }

    /// A free slot, base first (a hybrid bursts only when its base is full), as a slot
    /// reference.
    #[inline]
    pub fn take_free_slot(&mut self) -> Option<u32> {
        if let Some(slot) = self.base.fleet.take_free_slot() {
            return Some(slot);
        }
        let burst = self.burst.as_mut()?;
        burst.fleet.take_free_slot().map(|slot| slot | BURST)
    }

    pub fn has_free_slot(&self) -> bool {
        self.fleets().any(Fleet::has_free_slot)
    }

    pub fn free_slots(&self) -> usize {
        self.fleets().map(Fleet::free_slots).sum()
    }

    /// ∫ busy slots dt of each fleet, as the fleets integrated it (request level).
    pub fn fleet_busy(&self, now: Time) -> Busy {
        let base = self.base.fleet.busy_slots.area(now);
        let burst = self
            .burst
            .as_ref()
            .map_or(0, |b| b.fleet.busy_slots.area(now));
        Busy {
            base: base as f64 / 1e6,
            burst: burst as f64 / 1e6,
            total: (base + burst) as f64 / 1e6,
        }
    }

    /// Slots of ready and draining servers in both fleets.
    pub fn serving_slots(&self) -> u64 {
        self.fleets().map(|f| f.serving_slots.value()).sum()
    }

    /// Launches a server on `side`; a spot instance gets its interruption notice
    /// scheduled. Returns its reference.
    fn launch(&mut self, side: Side, now: Time) -> u32 {
        let s = self.side_mut(side);
        let id = s.fleet.launch(now);
        let reference = id | s.tag;
        let notice = match &mut s.spot {
            Some(market) if s.fleet.is_spot(id) => Some(market.notice_at(now)),
            _ => None,
        };
        if let Some(at) = notice {
            self.schedule_if_inside(at, Event::SpotNotice(reference));
        }
        reference
    }

    /// A spot interruption notice: the instance keeps serving until it is gone.
    pub fn spot_notice(&mut self, now: Time, server: u32) {
        let side = if server & BURST != 0 {
            Side::Burst
        } else {
            Side::Base
        };
        let (fleet, id) = self.fleet_of(server);
        if !fleet.is_alive(id) {
            return;
        }
        self.spot_interruptions += 1;
        let notice = self.side(side).spot.as_ref().map_or(0, |m| m.notice);
        self.schedule_if_inside(now.saturating_add(notice), Event::SpotGone(server));
    }

    /// Schedules the end of the window, the first sample and control periods, and makes
    /// the initial fleets ready at t = 0.
    pub fn start(&mut self) {
        // Scheduled first, so it pops before anything else due at the horizon: the window
        // is [0, horizon).
        self.engine.schedule(self.scenario.horizon, Event::End);
        self.start_cluster();
        for side in self.sides() {
            for _ in 0..self.side(side).policy.initial_servers() {
                let server = self.launch(side, 0);
                self.place_pod(server);
                let (fleet, id) = self.fleet_of(server);
                fleet.mark_ready(id, 0);
            }
        }
        self.peak_servers = self.paid_servers();
        // Before the control periods: a sample due with a control sees the fleet as it
        // was before that control acted.
        self.schedule_if_inside(self.scenario.sample_every, Event::Sample);
        for side in self.sides() {
            if let Some(period) = self.side(side).policy.control_period() {
                self.schedule_if_inside(period, Event::Control(side));
            }
        }
        if self.bandwidth.is_some() {
            self.schedule_if_inside(bandwidth::SAMPLE, Event::Traffic);
        }
    }

    /// A 5-minute bandwidth interval ended: its traffic is what the base served in it
    /// (a hybrid's burst sends its responses from the cloud).
    pub fn traffic(&mut self, now: Time) {
        let served = self.recorder.served.saturating_sub(self.served_burst);
        if let Some(meter) = &mut self.bandwidth {
            meter.sample(now, served);
        }
        self.schedule_if_inside(now + bandwidth::SAMPLE, Event::Traffic);
    }

    /// Bandwidth cost attributable to `[0, now)` and committed by `now`.
    fn bandwidth_costs(&self, now: Time) -> (f64, f64) {
        self.bandwidth
            .as_ref()
            .map_or((0.0, 0.0), |m| (m.cost(now), m.committed(now)))
    }

    /// Requests served by cloud instances: a hybrid's burst, or every one an
    /// autoscaling group served.
    fn served_by_cloud(&self) -> u64 {
        match &self.burst {
            Some(_) => self.served_burst,
            None => self.recorder.served,
        }
    }

    /// Egress of the responses cloud instances served so far.
    fn egress_cost(&self) -> f64 {
        if self.egress_per_request == 0.0 {
            return 0.0;
        }
        self.served_by_cloud() as f64 * self.egress_per_request
    }

    pub fn schedule_if_inside(&mut self, at: Time, event: Event) {
        if at < self.scenario.horizon {
            self.engine.schedule(at, event);
        }
    }

    /// Launches refused so far, by either side's provider.
    fn launches_refused(&self) -> u64 {
        self.base.provider.refused() + self.burst.as_ref().map_or(0, |b| b.provider.refused())
    }

    /// Integrals of the `fleets` up to `now`, with `busy` their busy integral.
    fn mark<'f>(now: Time, busy: f64, fleets: impl Iterator<Item = &'f Fleet>) -> Mark {
        let mut mark = Mark {
            at: now,
            busy,
            ..Mark::default()
        };
        for f in fleets {
            mark.serving += f.serving_slots.integral(now);
            mark.paid += f.paid_seconds(now);
        }
        mark
    }

    /// End of a control period of `side`, with what the fidelity measured from 0 to now
    /// on the fleets it watches.
    pub fn control(&mut self, now: Time, side: Side, m: Measured) {
        let mark = Self::mark(now, m.busy, self.watched(side));
        // A hybrid's burst counts the base's ready servers as capacity it cannot remove.
        let base_ready = match side {
            Side::Burst => self.base.fleet.counts().ready,
            Side::Base => 0,
        };
        let s = self.side_mut(side);
        let before = std::mem::replace(&mut s.last_measured, m);
        let serving = mark.serving - s.last_control.serving;
        let seen = Observation {
            utilization: ratio(mark.busy - s.last_control.busy, serving),
            serving_slot_seconds: serving.max(0.0),
            base_ready,
            pending_launches: s.provider.pending(),
            arrivals: m.arrivals.saturating_sub(before.arrivals),
            queue_seconds: (m.queue_seconds - before.queue_seconds).max(0.0),
        };
        s.last_control = mark;
        match s.policy.control(now, &s.fleet, seen) {
            Decision::Hold => {}
            Decision::Launch(n) => {
                s.provider.request(n);
                self.launch_granted(side, now);
            }
            Decision::Order { servers, after } => {
                self.schedule_if_inside(now.saturating_add(after), Event::Delivery(side, servers));
            }
            Decision::Remove(n) => {
                // Launches not made yet are the cheapest to give up.
                let cancelled = s.provider.cancel(n);
                s.fleet.remove(n - cancelled, now);
            }
        }
        if let Some(period) = self.side(side).policy.control_period() {
            self.schedule_if_inside(now + period, Event::Control(side));
        }
    }

    /// A server finished booting; returns false if it was cancelled meanwhile. With an
    /// application warmup it serves with fewer slots until [`Event::WarmupDone`].
    pub fn boot_done(&mut self, server: u32, now: Time) -> bool {
        let warmup = if server & BURST != 0 {
            self.side(Side::Burst).app_warmup
        } else {
            self.base.app_warmup
        };
        let (fleet, id) = self.fleet_of(server);
        let Some((duration, slots)) = warmup else {
            return fleet.mark_ready(id, now);
        };
        let ready = fleet.mark_ready_with(id, now, slots);
        if ready {
            self.schedule_if_inside(now.saturating_add(duration), Event::WarmupDone(server));
        }
        ready
    }

    /// Server `server`'s application warmup is over; false if it no longer serves.
    pub fn finish_warmup(&mut self, server: u32, now: Time) -> bool {
        let (fleet, id) = self.fleet_of(server);
        fleet.finish_warmup(id, now)
    }

    /// The cloud reclaims spot instance `server` (see [`Fleet::interrupt`]).
    pub fn interrupt(&mut self, server: u32, now: Time) -> Option<bool> {
        let (fleet, id) = self.fleet_of(server);
        fleet.interrupt(id, now)
    }

    /// Ordered servers arrive on `side`: ready at once, paid from now on.
    pub fn deliver(&mut self, now: Time, side: Side, servers: u32) {
        let fleet = &mut self.side_mut(side).fleet;
        for _ in 0..servers {
            let id = fleet.launch(now);
            fleet.mark_ready(id, now);
        }
        self.peak_servers = self.peak_servers.max(self.paid_servers());
    }

    /// A retry of refused launches is due on `side`.
    pub fn retry_launches(&mut self, now: Time, side: Side) {
        self.side_mut(side).provider.retry_due();
        self.launch_granted(side, now);
    }

    /// Launches what the provider grants of `side`'s pending launches, each with its own
    /// boot time, and schedules a retry for the rest.
    fn launch_granted(&mut self, side: Side, now: Time) {
        let granted = match self.pod_room() {
            Some(room) => self.side_mut(side).provider.cancel(room),
            None => {
                let s = self.side_mut(side);
                s.provider.grant(now, s.fleet.paid_servers.value())
            }
        };
        for _ in 0..granted {
            let boot = self.side_mut(side).provider.boot_time();
            let server = self.launch(side, now);
            self.place_pod(server);
            self.engine.schedule(now + boot, Event::BootDone(server));
        }
        self.peak_servers = self.peak_servers.max(self.paid_servers());
        // Pods waiting for a node are placed when one has room, not retried.
        if self.cluster.is_some() {
            return;
        }
        if let Some(at) = self.side_mut(side).provider.retry_at(now) {
            self.schedule_if_inside(at, Event::RetryLaunches(side));
        }
    }

    /// Launch requests pending at the provider, over both fleets.
    fn pending_launches(&self) -> u32 {
        self.base.provider.pending() + self.burst.as_ref().map_or(0, |b| b.provider.pending())
    }

    /// A sample event: closes the interval and schedules the next one.
    pub fn sample(&mut self, now: Time, busy: Busy, queue_length: u64, progress: &dyn Fn(Time)) {
        self.take_sample(now, busy, queue_length);
        progress(self.scenario.sample_every);
        self.schedule_if_inside(now + self.scenario.sample_every, Event::Sample);
    }

    /// The end of the window: closes a last, partial interval if there is one.
    pub fn end(&mut self, now: Time, busy: Busy, queue_length: u64, progress: &dyn Fn(Time)) {
        let tail = now - self.last_sample.at;
        if tail > 0 {
            self.take_sample(now, busy, queue_length);
            progress(tail);
        }
    }

    /// The cloud fleet of the policy (a hybrid's burst), whose purchase options count.
    fn cloud(&self) -> &Fleet {
        &self.burst.as_ref().unwrap_or(&self.base).fleet
    }

    /// Everything paid up to `now` (`busy`: the fleets' busy integrals): servers, power
    /// above idle, bandwidth, egress.
    fn cost(&self, now: Time, busy: Busy) -> f64 {
        self.base.fleet.cost(now)
            + self.base.fleet.load_cost(busy.base)
            + self
                .burst
                .as_ref()
                .map_or(0.0, |b| b.fleet.cost(now) + b.fleet.load_cost(busy.burst))
            + self.bandwidth_costs(now).0
            + self.egress_cost()
            + self.cluster.as_ref().map_or(0.0, |c| c.cost(now))
    }

    fn take_sample(&mut self, now: Time, busy: Busy, queue_length: u64) {
        let mark = Mark {
            interruptions: self.spot_interruptions,
            refused: self.launches_refused(),
            ..Self::mark(now, busy.total, self.fleets())
        };
        let prev = std::mem::replace(&mut self.last_sample, mark);
        let dt = to_seconds(now - prev.at);
        let slots = self.base.fleet.slots_per_server() as f64;
        let busy_slots = (mark.busy - prev.busy) / dt;
        let paid_slots = (mark.paid - prev.paid) * slots / dt;
        let serving = (mark.serving - prev.serving) / dt;
        let (arrived, served, dropped, slo_misses, p99) = self.recorder.take_interval();
        let mut counts = FleetCounts::default();
        for f in self.fleets() {
            let c = f.counts();
            counts.booting += c.booting;
            counts.ready += c.ready;
            counts.draining += c.draining;
        }
        let options = self.cloud().option_counts();
        self.series.push(Sample {
            policy: self.spec.name.clone(),
            time_s: to_seconds(now),
            offered_rate: self.rate.mean_over(prev.at, now),
            arrival_rate: arrived as f64 / dt,
            servers_booting: counts.booting,
            servers_ready: counts.ready,
            servers_draining: counts.draining,
            servers_pending: self.pending_launches(),
            servers_on_demand: options.on_demand,
            servers_reserved: options.reserved,
            servers_spot: options.spot,
            servers_burst: self
                .burst
                .as_ref()
                .map_or(0, |b| b.fleet.paid_servers.value() as u32),
            busy_slots,
            idle_slots: (paid_slots - busy_slots).max(0.0),
            capacity_rate: serving / self.scenario.service.service_time.mean(),
            queue_length,
            served,
            dropped,
            slo_misses,
            spot_interruptions: mark.interruptions - prev.interruptions,
            launches_refused: mark.refused - prev.refused,
            response_p99_s: p99,
            cost_cumulative: self.cost(now, busy),
            arrivals: arrived,
            demand_servers: 0,
        });
    }

    /// The policy's outcome. `busy` is ∫ busy slots dt of each fleet over the window.
    pub fn finish(
        self,
        busy: Busy,
        in_system_at_end: u64,
        in_system_seconds: f64,
        events: u64,
    ) -> PolicyOutcome {
        let h = self.scenario.horizon;
        let (bandwidth_cost, bandwidth_committed) = self.bandwidth_costs(h);
        let egress_cost = self.egress_cost();
        let base = &self.base.fleet;
        // Power above idle and egress are paid as used: committed when charged.
        let base_cost = base.cost(h) + base.load_cost(busy.base) + bandwidth_cost;
        let base_committed = base.committed(h) + base.load_cost(busy.base) + bandwidth_committed;
        let (burst_cost, burst_committed) = self.burst.as_ref().map_or((0.0, 0.0), |b| {
            let load = b.fleet.load_cost(busy.burst);
            (b.fleet.cost(h) + load, b.fleet.committed(h) + load)
        });
        let sum = |f: &dyn Fn(&Fleet) -> f64| self.fleets().map(f).sum::<f64>();
        let hybrid = self.burst.is_some();
        let mut stats = PolicyStats {
            horizon: h,
            slots_per_server: base.slots_per_server(),
            billed_server_seconds: sum(&|f| f.billed_server_seconds(h)),
            busy_slot_seconds: busy.total,
            total_cost: base_cost + burst_cost + egress_cost,
            committed_cost: base_committed + burst_committed + egress_cost,
            in_system_at_end,
            in_system_seconds,
            // Summed exactly, then rounded once, as one fleet would be.
            paid_server_seconds: self.fleets().map(|f| f.paid_servers.area(h)).sum::<u128>() as f64
                / 1e6,
            peak_servers: self.peak_servers,
            launches: self.fleets().map(Fleet::launches).sum(),
            launches_refused: self.launches_refused(),
            penalty: self.scenario.service.penalty,
            option_costs: self.cloud().option_costs(h),
            spot_interruptions: self.spot_interruptions,
            requeued: self.requeued,
            bandwidth_cost,
            bandwidth_p95_mbps: self.bandwidth.as_ref().map_or(0.0, |m| m.peak_p95()),
            early_exit_fees: self.base.fleet.early_exit_fees(),
            egress_cost,
            hybrid: hybrid.then_some(crate::metrics::HybridSplit {
                base_cost,
                burst_cost,
                served_burst: self.served_burst,
            }),
            containers: None,
        };
        self.containers_stats(&mut stats);
        let summary = stats.summary(&self.spec.name, self.spec.kind.type_name(), &self.recorder);
        PolicyOutcome {
            summary,
            series: self.series,
            events,
        }
    }
}
