//! What both fidelities share: the fleet under its policy, the clock and its discrete
//! events (boots, control periods, samples, the end), and the recorder. A fidelity adds
//! only how traffic meets capacity, and tells the runtime how much work was done.

use crate::billing::bandwidth::{self, BandwidthMeter};
use crate::engine::{Engine, Time, to_seconds};
use crate::fleet::{Decision, Fleet, PurchaseBook, SpotMarket};
use crate::metrics::{PolicyStats, Recorder, Sample, ratio};
use crate::policy::{self, Observation, Policy};
use crate::provider::Provider;
use crate::scenario::{PolicyKind, PolicySpec, Scenario};
use crate::workload::RateFunction;

use super::PolicyOutcome;

/// Events of both fidelities (the fluid one never sees `Arrival` or `Departure`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    Arrival,
    Departure {
        server: u32,
        arrived: Time,
    },
    BootDone(u32),
    /// The cloud announces it will reclaim spot instance `u32` after the notice.
    SpotNotice(u32),
    /// The notice is over: the spot instance is gone.
    SpotGone(u32),
    Control,
    /// Launches the provider refused are tried again.
    RetryLaunches,
    /// A server's application warmup is over: it serves with all its slots.
    WarmupDone(u32),
    /// Ordered servers arrive, ready.
    Delivery(u32),
    /// A 5-minute bandwidth measurement (95th-percentile billing).
    Traffic,
    Sample,
    End,
}

/// Integrals at the start of an interval, to take differences at its end.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    at: Time,
    busy: f64,
    serving: f64,
    paid: f64,
}

/// Cumulative counts a fidelity reports at a control instant, from t = 0.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Measured {
    /// ∫ busy slots dt, slot-seconds (as the autoscaler sees it).
    pub busy: f64,
    /// Requests arrived.
    pub arrivals: u64,
    /// ∫ waiting requests dt, request-seconds.
    pub queue_seconds: f64,
}

pub(super) struct Runtime<'a> {
    pub scenario: &'a Scenario,
    pub spec: &'a PolicySpec,
    pub policy: Box<dyn Policy>,
    pub fleet: Fleet,
    pub engine: Engine<Event>,
    pub recorder: Recorder,
    provider: Provider,
    bandwidth: Option<BandwidthMeter>,
    /// Application warmup: its length and the slots a warming server serves with.
    app_warmup: Option<(Time, u32)>,
    rate: RateFunction,
    series: Vec<Sample>,
    last_sample: Mark,
    last_control: Mark,
    last_measured: Measured,
    peak_servers: u64,
    spot: Option<SpotMarket>,
    /// Spot interruption notices received.
    pub spot_interruptions: u64,
    /// Requests (or fluid work) sent back to the queue by interrupted instances.
    pub requeued: u64,
}

impl<'a> Runtime<'a> {
    pub fn new(scenario: &'a Scenario, spec: &'a PolicySpec, seed: u64) -> Self {
        let policy = policy::build(spec);
        let autoscale = match &spec.kind {
            PolicyKind::Autoscale(a) => Some(a),
            _ => None,
        };
        let tariff = policy.tariff();
        let price = tariff.linear_rate().unwrap_or(0.0);
        let mut fleet = Fleet::new(scenario.service.slots_per_server, tariff);
        let mut spot = None;
        if let Some(purchase) = policy.purchase() {
            fleet = fleet.with_purchase(PurchaseBook::new(purchase, price));
            // Names are unique: the policy's place in the file keys its interruptions.
            let index = scenario
                .policies
                .iter()
                .position(|p| p.name == spec.name)
                .unwrap_or(0);
            spot = SpotMarket::new(purchase, seed, index);
        }
        let samples = (scenario.horizon / scenario.sample_every + 1) as usize;
        Runtime {
            scenario,
            spec,
            policy,
            fleet,
            engine: Engine::with_capacity(1024),
            recorder: Recorder::new(scenario.service.slo, scenario.horizon),
            provider: Provider::new(autoscale, seed),
            bandwidth: match &spec.kind {
                PolicyKind::Lease(l) => l.bandwidth.map(BandwidthMeter::new),
                _ => None,
            },
            app_warmup: autoscale.and_then(|a| a.app_warmup).map(|w| {
                let slots = scenario.service.slots_per_server as f64 * w.capacity;
                (w.duration, (slots.round() as u32).max(1))
            }),
            rate: RateFunction::new(&scenario.workload),
            series: Vec::with_capacity(samples),
            last_sample: Mark::default(),
            last_control: Mark::default(),
            last_measured: Measured::default(),
            peak_servers: 0,
            spot,
            spot_interruptions: 0,
            requeued: 0,
        }
    }

    /// Launches a server; a spot instance gets its interruption notice scheduled.
    fn launch(&mut self, now: Time) -> u32 {
        let id = self.fleet.launch(now);
        if self.fleet.is_spot(id)
            && let Some(market) = &mut self.spot
        {
            let at = market.notice_at(now);
            self.schedule_if_inside(at, Event::SpotNotice(id));
        }
        id
    }

    /// A spot interruption notice: the instance keeps serving until it is gone.
    pub fn spot_notice(&mut self, now: Time, id: u32) {
        if !self.fleet.is_alive(id) {
            return;
        }
        self.spot_interruptions += 1;
        let notice = self.spot.as_ref().map_or(0, |m| m.notice);
        self.schedule_if_inside(now.saturating_add(notice), Event::SpotGone(id));
    }

    /// Schedules the end of the window, the first sample and control period, and makes
    /// the initial fleet ready at t = 0.
    pub fn start(&mut self) {
        // Scheduled first, so it pops before anything else due at the horizon: the window
        // is [0, horizon).
        self.engine.schedule(self.scenario.horizon, Event::End);
        for _ in 0..self.policy.initial_servers() {
            let id = self.launch(0);
            self.fleet.mark_ready(id, 0);
        }
        self.peak_servers = self.fleet.paid_servers.value();
        self.schedule_if_inside(self.scenario.sample_every, Event::Sample);
        if let Some(period) = self.policy.control_period() {
            self.schedule_if_inside(period, Event::Control);
        }
        if self.bandwidth.is_some() {
            self.schedule_if_inside(bandwidth::SAMPLE, Event::Traffic);
        }
    }

    /// A 5-minute bandwidth interval ended: its traffic is what was served in it.
    pub fn traffic(&mut self, now: Time) {
        if let Some(meter) = &mut self.bandwidth {
            meter.sample(now, self.recorder.served);
        }
        self.schedule_if_inside(now + bandwidth::SAMPLE, Event::Traffic);
    }

    /// Bandwidth cost attributable to `[0, now)` and committed by `now`.
    fn bandwidth_costs(&self, now: Time) -> (f64, f64) {
        self.bandwidth
            .as_ref()
            .map_or((0.0, 0.0), |m| (m.cost(now), m.committed(now)))
    }

    pub fn schedule_if_inside(&mut self, at: Time, event: Event) {
        if at < self.scenario.horizon {
            self.engine.schedule(at, event);
        }
    }

    fn mark(&self, now: Time, busy: f64) -> Mark {
        Mark {
            at: now,
            busy,
            serving: self.fleet.serving_slots.integral(now),
            paid: self.fleet.paid_seconds(now),
        }
    }

    /// End of a control period, with what the fidelity measured from 0 to now.
    pub fn control(&mut self, now: Time, m: Measured) {
        let mark = self.mark(now, m.busy);
        let before = std::mem::replace(&mut self.last_measured, m);
        let seen = Observation {
            utilization: ratio(
                mark.busy - self.last_control.busy,
                mark.serving - self.last_control.serving,
            ),
            pending_launches: self.provider.pending(),
            arrivals: m.arrivals.saturating_sub(before.arrivals),
            queue_seconds: (m.queue_seconds - before.queue_seconds).max(0.0),
        };
        self.last_control = mark;
        match self.policy.control(now, &self.fleet, seen) {
            Decision::Hold => {}
            Decision::Launch(n) => {
                self.provider.request(n);
                self.launch_granted(now);
            }
            Decision::Order { servers, after } => {
                self.schedule_if_inside(now.saturating_add(after), Event::Delivery(servers));
            }
            Decision::Remove(n) => {
                // Launches not made yet are the cheapest to give up.
                let cancelled = self.provider.cancel(n);
                self.fleet.remove(n - cancelled, now);
            }
        }
        if let Some(period) = self.policy.control_period() {
            self.schedule_if_inside(now + period, Event::Control);
        }
    }

    /// A server finished booting; returns false if it was cancelled meanwhile. With an
    /// application warmup it serves with fewer slots until [`Event::WarmupDone`].
    pub fn boot_done(&mut self, id: u32, now: Time) -> bool {
        let Some((duration, slots)) = self.app_warmup else {
            return self.fleet.mark_ready(id, now);
        };
        let ready = self.fleet.mark_ready_with(id, now, slots);
        if ready {
            self.schedule_if_inside(now.saturating_add(duration), Event::WarmupDone(id));
        }
        ready
    }

    /// Ordered servers arrive: ready at once, paid from now on.
    pub fn deliver(&mut self, now: Time, servers: u32) {
        for _ in 0..servers {
            let id = self.fleet.launch(now);
            self.fleet.mark_ready(id, now);
        }
        self.peak_servers = self.peak_servers.max(self.fleet.paid_servers.value());
    }

    /// A retry of refused launches is due.
    pub fn retry_launches(&mut self, now: Time) {
        self.provider.retry_due();
        self.launch_granted(now);
    }

    /// Launches what the provider grants of the pending launches, each with its own boot
    /// time, and schedules a retry for the rest.
    fn launch_granted(&mut self, now: Time) {
        let granted = self.provider.grant(now, self.fleet.paid_servers.value());
        for _ in 0..granted {
            let boot = self.provider.boot_time();
            let id = self.launch(now);
            self.engine.schedule(now + boot, Event::BootDone(id));
        }
        self.peak_servers = self.peak_servers.max(self.fleet.paid_servers.value());
        if let Some(at) = self.provider.retry_at(now) {
            self.schedule_if_inside(at, Event::RetryLaunches);
        }
    }

    /// A sample event: closes the interval and schedules the next one.
    pub fn sample(&mut self, now: Time, busy: f64, queue_length: u64, progress: &dyn Fn(Time)) {
        self.take_sample(now, busy, queue_length);
        progress(self.scenario.sample_every);
        self.schedule_if_inside(now + self.scenario.sample_every, Event::Sample);
    }

    /// The end of the window: closes a last, partial interval if there is one.
    pub fn end(&mut self, now: Time, busy: f64, queue_length: u64, progress: &dyn Fn(Time)) {
        let tail = now - self.last_sample.at;
        if tail > 0 {
            self.take_sample(now, busy, queue_length);
            progress(tail);
        }
    }

    fn take_sample(&mut self, now: Time, busy: f64, queue_length: u64) {
        let mark = self.mark(now, busy);
        let prev = std::mem::replace(&mut self.last_sample, mark);
        let dt = to_seconds(now - prev.at);
        let slots = self.fleet.slots_per_server() as f64;
        let busy = (mark.busy - prev.busy) / dt;
        let paid_slots = (mark.paid - prev.paid) * slots / dt;
        let serving = (mark.serving - prev.serving) / dt;
        let (arrived, served, dropped, slo_misses, p99) = self.recorder.take_interval();
        let counts = self.fleet.counts();
        let options = self.fleet.option_counts();
        self.series.push(Sample {
            policy: self.spec.name.clone(),
            time_s: to_seconds(now),
            offered_rate: self.rate.mean_over(prev.at, now),
            arrival_rate: arrived as f64 / dt,
            servers_booting: counts.booting,
            servers_ready: counts.ready,
            servers_draining: counts.draining,
            servers_pending: self.provider.pending(),
            servers_on_demand: options.on_demand,
            servers_reserved: options.reserved,
            servers_spot: options.spot,
            busy_slots: busy,
            idle_slots: (paid_slots - busy).max(0.0),
            capacity_rate: serving / self.scenario.service.service_time.mean(),
            queue_length,
            served,
            dropped,
            slo_misses,
            response_p99_s: p99,
            cost_cumulative: self.fleet.cost(now)
                + self.fleet.load_cost(mark.busy)
                + self.bandwidth_costs(now).0,
        });
    }

    /// The policy's outcome. `busy` is ∫ busy slots dt over the window.
    pub fn finish(
        self,
        busy: f64,
        in_system_at_end: u64,
        in_system_seconds: f64,
        events: u64,
    ) -> PolicyOutcome {
        let h = self.scenario.horizon;
        let (bandwidth_cost, bandwidth_committed) = self.bandwidth_costs(h);
        let stats = PolicyStats {
            horizon: h,
            slots_per_server: self.fleet.slots_per_server(),
            billed_server_seconds: self.fleet.billed_server_seconds(h),
            busy_slot_seconds: busy,
            // Power above idle is paid as used: committed when charged.
            total_cost: self.fleet.cost(h) + self.fleet.load_cost(busy) + bandwidth_cost,
            committed_cost: self.fleet.committed(h)
                + self.fleet.load_cost(busy)
                + bandwidth_committed,
            in_system_at_end,
            in_system_seconds,
            paid_server_seconds: self.fleet.paid_servers.integral(h),
            peak_servers: self.peak_servers,
            launches: self.fleet.launches(),
            launches_refused: self.provider.refused(),
            penalty: self.scenario.service.penalty,
            option_costs: self.fleet.option_costs(h),
            spot_interruptions: self.spot_interruptions,
            requeued: self.requeued,
            bandwidth_cost,
            bandwidth_p95_mbps: self.bandwidth.as_ref().map_or(0.0, |m| m.peak_p95()),
        };
        let summary = stats.summary(&self.spec.name, self.spec.kind.type_name(), &self.recorder);
        PolicyOutcome {
            summary,
            series: self.series,
            events,
        }
    }
}
