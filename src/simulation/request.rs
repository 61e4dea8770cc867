//! Request-level fidelity: every request is an event.
//!
//! One shared FIFO queue feeds every free slot of every ready server (the M/M/c model);
//! an arrival that finds the queue at its limit is dropped. Arrivals come from an ordered
//! engine lane (they are generated in time order), departures and control events from
//! the heap.

use std::collections::VecDeque;

use crate::engine::{Engine, Lane, Time, to_seconds};
use crate::fleet::{Decision, Fleet, Level};
use crate::metrics::{PolicyStats, Recorder, Sample, Summary, ratio};
use crate::policy::{self, Observation, Policy};
use crate::scenario::{PolicySpec, Scenario};
use crate::workload::{RateFunction, Request, RequestStream};

use super::PolicyOutcome;

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Departure { server: u32, arrived: Time },
    BootDone(u32),
    Control,
    Sample,
    End,
}

pub(crate) struct RequestModel<'a> {
    scenario: &'a Scenario,
    spec: &'a PolicySpec,
    policy: Box<dyn Policy>,
    fleet: Fleet,
    engine: Engine<Event>,
    arrivals: Lane,
    stream: RequestStream,
    next_request: Option<Request>,
    queue: VecDeque<Request>,
    in_system: Level,
    recorder: Recorder,
    rate: RateFunction,
    series: Vec<Sample>,
    last_sample: Mark,
    last_control: Mark,
    peak_servers: u64,
}

/// Integrals at the start of an interval, to take differences at its end.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    at: Time,
    busy: f64,
    serving: f64,
    paid: f64,
}

impl<'a> RequestModel<'a> {
    pub(crate) fn new(scenario: &'a Scenario, spec: &'a PolicySpec, seed: u64) -> Self {
        let policy = policy::build(spec);
        let fleet = Fleet::new(scenario.service.slots_per_server, policy.tariff());
        let mut engine = Engine::with_capacity(1024);
        let arrivals = engine.add_lane();
        let stream = RequestStream::new(
            &scenario.workload,
            scenario.service.service_time,
            scenario.horizon,
            seed,
        );
        let samples = (scenario.horizon / scenario.sample_every + 1) as usize;
        RequestModel {
            scenario,
            spec,
            policy,
            fleet,
            engine,
            arrivals,
            stream,
            next_request: None,
            queue: VecDeque::new(),
            in_system: Level::default(),
            recorder: Recorder::new(scenario.service.slo, scenario.horizon),
            rate: RateFunction::new(&scenario.workload),
            series: Vec::with_capacity(samples),
            last_sample: Mark::default(),
            last_control: Mark::default(),
            peak_servers: 0,
        }
    }

    pub(crate) fn run(mut self, progress: &(dyn Fn(Time) + Sync)) -> PolicyOutcome {
        let horizon = self.scenario.horizon;
        // Scheduled first, so it pops before anything else due at the horizon: the window
        // is [0, horizon).
        self.engine.schedule(horizon, Event::End);
        for _ in 0..self.policy.initial_servers() {
            let id = self.fleet.launch(0);
            self.fleet.mark_ready(id, 0);
        }
        self.peak_servers = self.fleet.paid_servers.value();
        self.schedule_if_inside(self.scenario.sample_every, Event::Sample);
        if let Some(period) = self.policy.control_period() {
            self.schedule_if_inside(period, Event::Control);
        }
        self.schedule_next_arrival();

        while let Some((now, event)) = self.engine.pop() {
            match event {
                Event::Arrival => self.on_arrival(now),
                Event::Departure { server, arrived } => self.on_departure(now, server, arrived),
                Event::BootDone(id) => {
                    if self.fleet.mark_ready(id, now) {
                        self.dispatch_queue(now);
                    }
                }
                Event::Control => self.on_control(now),
                Event::Sample => {
                    self.take_sample(now);
                    progress(self.scenario.sample_every);
                    self.schedule_if_inside(now + self.scenario.sample_every, Event::Sample);
                }
                Event::End => {
                    let tail = now - self.last_sample.at;
                    if tail > 0 {
                        self.take_sample(now);
                        progress(tail);
                    }
                    break;
                }
            }
        }
        let events = self.engine.events_processed();
        let summary = self.summarize();
        PolicyOutcome {
            summary,
            series: self.series,
            events,
        }
    }

    fn schedule_if_inside(&mut self, at: Time, event: Event) {
        if at < self.scenario.horizon {
            self.engine.schedule(at, event);
        }
    }

    fn schedule_next_arrival(&mut self) {
        self.next_request = self.stream.next_request();
        if let Some(r) = self.next_request {
            self.engine
                .schedule_ordered(self.arrivals, r.arrival, Event::Arrival);
        }
    }

    #[inline]
    fn on_arrival(&mut self, now: Time) {
        let Some(request) = self.next_request else {
            return;
        };
        self.recorder.arrival();
        if let Some(slot) = self.fleet.take_free_slot() {
            self.in_system.add(now, 1);
            self.start(now, slot, request);
        } else if (self.queue.len() as u64) < self.scenario.service.queue_limit {
            self.in_system.add(now, 1);
            self.queue.push_back(request);
        } else {
            self.recorder.drop_request();
        }
        self.schedule_next_arrival();
    }

    #[inline]
    fn start(&mut self, now: Time, server: u32, request: Request) {
        self.fleet.start_service(server, now);
        self.recorder.service_start(now - request.arrival);
        self.engine.schedule(
            now + request.service,
            Event::Departure {
                server,
                arrived: request.arrival,
            },
        );
    }

    #[inline]
    fn on_departure(&mut self, now: Time, server: u32, arrived: Time) {
        self.recorder.completion(now - arrived);
        self.in_system.add(now, -1);
        if self.fleet.end_service(server, now) {
            match self.queue.pop_front() {
                Some(next) => self.start(now, server, next),
                None => self.fleet.return_slot(server),
            }
        }
    }

    /// Starts queued requests on free slots (after servers become ready).
    fn dispatch_queue(&mut self, now: Time) {
        while !self.queue.is_empty() && self.fleet.has_free_slot() {
            if let (Some(slot), Some(request)) =
                (self.fleet.take_free_slot(), self.queue.pop_front())
            {
                self.start(now, slot, request);
            }
        }
    }

    fn mark(&self, now: Time) -> Mark {
        Mark {
            at: now,
            busy: self.fleet.busy_slots.integral(now),
            serving: self.fleet.serving_slots.integral(now),
            paid: self.fleet.paid_servers.integral(now),
        }
    }

    fn on_control(&mut self, now: Time) {
        let mark = self.mark(now);
        let seen = Observation {
            utilization: ratio(
                mark.busy - self.last_control.busy,
                mark.serving - self.last_control.serving,
            ),
        };
        self.last_control = mark;
        match self.policy.control(now, &self.fleet, seen) {
            Decision::Hold => {}
            Decision::Launch(n) => {
                let boot = self.policy.boot_time();
                for _ in 0..n {
                    let id = self.fleet.launch(now);
                    self.engine.schedule(now + boot, Event::BootDone(id));
                }
                self.peak_servers = self.peak_servers.max(self.fleet.paid_servers.value());
            }
            Decision::Remove(n) => {
                self.fleet.remove(n, now);
            }
        }
        if let Some(period) = self.policy.control_period() {
            self.schedule_if_inside(now + period, Event::Control);
        }
    }

    fn take_sample(&mut self, now: Time) {
        let mark = self.mark(now);
        let prev = std::mem::replace(&mut self.last_sample, mark);
        let dt = to_seconds(now - prev.at);
        let slots = self.fleet.slots_per_server() as f64;
        let busy = (mark.busy - prev.busy) / dt;
        let paid_slots = (mark.paid - prev.paid) * slots / dt;
        let serving = (mark.serving - prev.serving) / dt;
        let (arrived, served, dropped, slo_misses, p99) = self.recorder.take_interval();
        let counts = self.fleet.counts();
        self.series.push(Sample {
            policy: self.spec.name.clone(),
            time_s: to_seconds(now),
            offered_rate: self.rate.mean_over(prev.at, now),
            arrival_rate: arrived as f64 / dt,
            servers_booting: counts.booting,
            servers_ready: counts.ready,
            servers_draining: counts.draining,
            busy_slots: busy,
            idle_slots: (paid_slots - busy).max(0.0),
            capacity_rate: serving / self.scenario.service.service_time.mean(),
            queue_length: self.queue.len() as u64,
            served,
            dropped,
            slo_misses,
            response_p99_s: p99,
            cost_cumulative: self.fleet.cost(now),
        });
    }

    fn summarize(&self) -> Summary {
        let h = self.scenario.horizon;
        let stats = PolicyStats {
            horizon: h,
            slots_per_server: self.fleet.slots_per_server(),
            billed_server_seconds: self.fleet.billed_server_seconds(h),
            busy_slot_seconds: self.fleet.busy_slots.integral(h),
            total_cost: self.fleet.cost(h),
            committed_cost: self.fleet.committed(h),
            in_system_at_end: self.queue.len() as u64 + self.fleet.busy_slots.value(),
            in_system_seconds: self.in_system.integral(h),
            paid_server_seconds: self.fleet.paid_servers.integral(h),
            peak_servers: self.peak_servers,
            launches: self.fleet.launches(),
        };
        stats.summary(&self.spec.name, self.spec.kind.type_name(), &self.recorder)
    }
}
