//! Functions at request level: every request and every instance exact.
//!
//! Free slots of warm instances are a stack of (instance, generation) entries, one per
//! free slot, so the most recently freed instance is reused first and the others age
//! out. Entries of an instance that has since been removed are skipped when popped (its
//! generation moved on) and swept out when they outnumber the live ones. Idle instances
//! wait in a FIFO for their `keep_alive` to run out; the FIFO is in removal order, so
//! expiry is checked lazily at each event, and an instance removed between two events is
//! counted as gone from its exact removal time.

use std::collections::VecDeque;

use crate::engine::{Engine, Time, to_seconds};
use crate::fleet::Tally;
use crate::metrics::{Recorder, Sample};
use crate::scenario::{Basis, FunctionsSpec, PolicySpec, Scenario};
use crate::workload::{RateFunction, Request, RequestStream};

use super::super::PolicyOutcome;
use super::{Bill, ColdStarts, Interval, Totals, round_up, sample, summary};

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    /// The request in `in_service[u32]` is done.
    Departure(u32),
    /// Instance `u32`'s cold start is over.
    Ready(u32),
    Sample,
    End,
}

#[derive(Debug, Clone, Copy, Default)]
struct Instance {
    alive: bool,
    ready: bool,
    provisioned: bool,
    /// Requests in service on it.
    active: u32,
    /// Bumped when the instance is removed: stale stack and FIFO entries no longer match.
    generation: u32,
    idle_since: Time,
    /// Start of its current active period (`Instance` basis), if one is open.
    open_since: Option<Time>,
}

#[derive(Debug, Clone, Copy)]
struct InService {
    request: Request,
    instance: u32,
}

pub(crate) struct RequestFunctions<'a> {
    scenario: &'a Scenario,
    spec: &'a PolicySpec,
    f: &'a FunctionsSpec,
    engine: Engine<Ev>,
    stream: RequestStream,
    next_request: Option<Request>,
    recorder: Recorder,
    cold: ColdStarts,
    instances: Vec<Instance>,
    /// Ids of removed instances, for reuse.
    spare: Vec<u32>,
    /// One entry per free slot of a warm on-demand instance (plus stale ones): (id,
    /// generation).
    free: Vec<(u32, u32)>,
    /// One entry per free slot of a provisioned instance: used first, as provisioned
    /// concurrency is (they are never removed, so no entry goes stale).
    free_provisioned: Vec<u32>,
    free_slots: u64,
    /// Idle instances in the order they went idle: (id, generation, idle since).
    idle: VecDeque<(u32, u32, Time)>,
    /// Requests waiting for a booting instance.
    waiting: VecDeque<Request>,
    /// Slots of booting instances.
    booting_slots: u64,
    booting: u32,
    alive: Tally,
    busy: Tally,
    provisioned_busy: Tally,
    in_system: Tally,
    in_service: Vec<InService>,
    spare_places: Vec<u32>,
    peak: u64,
    cold_starts: u64,
    throttled: u64,
    bill: Bill,
    series: Vec<Sample>,
    rate: RateFunction,
    last_sample: (Time, f64, f64),
}

impl<'a> RequestFunctions<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        spec: &'a PolicySpec,
        f: &'a FunctionsSpec,
        seed: u64,
    ) -> Self {
        let stream = RequestStream::new(
            &scenario.workload,
            scenario.service.service_time,
            scenario.horizon,
            seed,
        );
        RequestFunctions {
            scenario,
            spec,
            f,
            engine: Engine::with_capacity(1024),
            stream,
            next_request: None,
            recorder: Recorder::new(scenario.service.slo, scenario.horizon),
            cold: ColdStarts::new(f, seed),
            instances: Vec::new(),
            spare: Vec::new(),
            free: Vec::new(),
            free_provisioned: Vec::new(),
            free_slots: 0,
            idle: VecDeque::new(),
            waiting: VecDeque::new(),
            booting_slots: 0,
            booting: 0,
            alive: Tally::default(),
            busy: Tally::default(),
            provisioned_busy: Tally::default(),
            in_system: Tally::default(),
            in_service: Vec::new(),
            spare_places: Vec::new(),
            peak: 0,
            cold_starts: 0,
            throttled: 0,
            bill: Bill::default(),
            series: Vec::new(),
            rate: RateFunction::new(&scenario.workload),
            last_sample: (0, 0.0, 0.0),
        }
    }

    pub(crate) fn run(mut self, progress: &(dyn Fn(Time) + Sync)) -> PolicyOutcome {
        let h = self.scenario.horizon;
        self.engine.schedule(h, Ev::End);
        if self.scenario.sample_every < h {
            self.engine.schedule(self.scenario.sample_every, Ev::Sample);
        }
        for _ in 0..self.f.provisioned {
            let id = self.new_instance(0);
            let inst = &mut self.instances[id as usize];
            inst.provisioned = true;
            self.make_ready(id, 0);
        }
        self.next_arrival();
        while let Some((now, ev, ordered)) = self.engine.pop_sourced() {
            self.expire(now);
            if ordered {
                self.on_arrival(now);
                continue;
            }
            match ev {
                Ev::Arrival => self.on_arrival(now),
                Ev::Departure(place) => self.on_departure(now, place),
                Ev::Ready(id) => self.on_ready(now, id),
                Ev::Sample => {
                    self.take_sample(now);
                    progress(self.scenario.sample_every);
                    let next = now + self.scenario.sample_every;
                    if next < h {
                        self.engine.schedule(next, Ev::Sample);
                    }
                }
                Ev::End => {
                    let tail = now - self.last_sample.0;
                    if tail > 0 {
                        self.take_sample(now);
                        progress(tail);
                    }
                    break;
                }
            }
        }
        self.finish()
    }

    fn next_arrival(&mut self) {
        self.next_request = self.stream.next_request();
        if let Some(r) = self.next_request {
            self.engine.schedule_next(r.arrival, Ev::Arrival);
        }
    }

    /// A new instance (booting) at `now`; returns its id.
    fn new_instance(&mut self, now: Time) -> u32 {
        let fresh = Instance {
            alive: true,
            ..Instance::default()
        };
        let id = match self.spare.pop() {
            Some(id) => {
                let generation = self.instances[id as usize].generation;
                self.instances[id as usize] = Instance {
                    generation,
                    ..fresh
                };
                id
            }
            None => {
                self.instances.push(fresh);
                (self.instances.len() - 1) as u32
            }
        };
        self.alive.enter(now, 1);
        self.peak = self.peak.max(self.alive.value());
        id
    }

    /// Instance `id` can serve from `now`: its free slots go on the stack.
    fn make_ready(&mut self, id: u32, now: Time) {
        let c = self.f.concurrency;
        let inst = &mut self.instances[id as usize];
        inst.ready = true;
        let free = c - inst.active;
        let generation = inst.generation;
        for _ in 0..free {
            if inst.provisioned {
                self.free_provisioned.push(id);
            } else {
                self.free.push((id, generation));
            }
        }
        self.free_slots += u64::from(free);
        if self.instances[id as usize].active == 0 {
            self.go_idle(id, now);
        }
    }

    /// Instance `id` has nothing to do from `now`: its active period (if billed) ends,
    /// and unless provisioned it starts ageing out.
    fn go_idle(&mut self, id: u32, now: Time) {
        let g = self.f.billing.granularity;
        let inst = &mut self.instances[id as usize];
        if let Some(since) = inst.open_since.take() {
            let billed = to_seconds(round_up(now - since, g));
            self.bill.active_seconds += billed;
            if inst.provisioned {
                self.bill.provisioned_active_seconds += billed;
            }
        }
        inst.idle_since = now;
        if !inst.provisioned {
            self.idle.push_back((id, inst.generation, now));
        }
    }

    /// Removes instances whose keep-alive ran out by `now`, each at its own time.
    fn expire(&mut self, now: Time) {
        let keep = self.f.keep_alive;
        while let Some(&(id, generation, since)) = self.idle.front() {
            let gone_at = since.saturating_add(keep);
            if gone_at > now {
                break;
            }
            self.idle.pop_front();
            let inst = &mut self.instances[id as usize];
            if !inst.alive || inst.generation != generation || inst.active > 0 {
                continue;
            }
            if inst.idle_since != since {
                continue;
            }
            inst.alive = false;
            inst.ready = false;
            inst.generation = inst.generation.wrapping_add(1);
            self.free_slots -= u64::from(self.f.concurrency);
            self.alive.leave(gone_at, 1);
            self.spare.push(id);
        }
        // Sweep stale stack entries once they outnumber the live ones.
        if self.free.len() as u64 > 2 * self.free_slots + 1024 {
            let instances = &self.instances;
            self.free.retain(|&(id, g)| {
                let i = &instances[id as usize];
                i.alive && i.ready && i.generation == g
            });
        }
    }

    /// A free slot of a warm instance, if any.
    #[inline]
    fn take_free(&mut self) -> Option<u32> {
        if let Some(id) = self.free_provisioned.pop() {
            self.free_slots -= 1;
            return Some(id);
        }
        while let Some((id, g)) = self.free.pop() {
            let i = &self.instances[id as usize];
            if i.alive && i.ready && i.generation == g {
                self.free_slots -= 1;
                return Some(id);
            }
        }
        None
    }

    fn on_arrival(&mut self, now: Time) {
        let Some(request) = self.next_request else {
            return;
        };
        self.recorder.arrival();
        if let Some(id) = self.take_free() {
            self.in_system.enter(now, 1);
            self.start(now, id, request);
        } else if (self.waiting.len() as u64) < self.booting_slots {
            self.in_system.enter(now, 1);
            self.waiting.push_back(request);
        } else if self.alive.value() < u64::from(self.f.concurrency_limit) {
            self.in_system.enter(now, 1);
            self.waiting.push_back(request);
            self.cold_start(now);
        } else {
            self.throttled += 1;
            self.recorder.drop_request();
        }
        self.next_arrival();
    }

    /// Starts an instance for waiting requests.
    fn cold_start(&mut self, now: Time) {
        let id = self.new_instance(now);
        self.cold_starts += 1;
        self.booting += 1;
        self.booting_slots += u64::from(self.f.concurrency);
        let d = self.cold.draw();
        let b = &self.f.billing;
        if b.bill_init {
            match b.basis {
                Basis::Request => {
                    self.bill.gb_seconds +=
                        self.f.memory_gb * to_seconds(round_up(d, b.granularity));
                }
                Basis::Instance => self.instances[id as usize].open_since = Some(now),
            }
        }
        self.engine.schedule(now.saturating_add(d), Ev::Ready(id));
    }

    fn on_ready(&mut self, now: Time, id: u32) {
        self.booting -= 1;
        self.booting_slots -= u64::from(self.f.concurrency);
        // The oldest waiting requests take its slots.
        let take = (self.f.concurrency as usize).min(self.waiting.len());
        for _ in 0..take {
            if let Some(request) = self.waiting.pop_front() {
                self.start(now, id, request);
            }
        }
        self.make_ready(id, now);
    }

    fn start(&mut self, now: Time, id: u32, request: Request) {
        let inst = &mut self.instances[id as usize];
        inst.active += 1;
        if inst.active == 1 && inst.open_since.is_none() && self.f.billing.basis == Basis::Instance
        {
            inst.open_since = Some(now);
        }
        if inst.provisioned {
            self.provisioned_busy.enter(now, 1);
        }
        self.recorder.service_start(now - request.arrival);
        self.busy.enter(now, 1);
        let entry = InService {
            request,
            instance: id,
        };
        let place = match self.spare_places.pop() {
            Some(p) => {
                self.in_service[p as usize] = entry;
                p
            }
            None => {
                self.in_service.push(entry);
                (self.in_service.len() - 1) as u32
            }
        };
        self.engine
            .schedule(now + request.service, Ev::Departure(place));
    }

    fn on_departure(&mut self, now: Time, place: u32) {
        let InService { request, instance } = self.in_service[place as usize];
        self.spare_places.push(place);
        self.recorder.completion(now - request.arrival);
        self.in_system.leave(now, 1);
        self.busy.leave(now, 1);
        let b = &self.f.billing;
        self.bill.requests += 1.0;
        let inst = &mut self.instances[instance as usize];
        if inst.provisioned {
            self.provisioned_busy.leave(now, 1);
        }
        if b.basis == Basis::Request {
            let gb_s = self.f.memory_gb * to_seconds(round_up(request.service, b.granularity));
            if inst.provisioned {
                self.bill.provisioned_gb_seconds += gb_s;
            } else {
                self.bill.gb_seconds += gb_s;
            }
        }
        inst.active -= 1;
        if inst.provisioned {
            self.free_provisioned.push(instance);
        } else {
            self.free.push((instance, inst.generation));
        }
        self.free_slots += 1;
        if inst.active == 0 {
            self.go_idle(instance, now);
        }
    }

    fn take_sample(&mut self, now: Time) {
        let (at, busy0, alive0) = self.last_sample;
        let busy = self.busy.integral(now);
        let alive = self.alive.integral(now);
        self.last_sample = (now, busy, alive);
        let interval = Interval {
            at,
            now,
            busy_slot_seconds: busy - busy0,
            instance_seconds: alive - alive0,
            alive: self.alive.value() as u32,
            booting: self.booting,
            queue_length: self.waiting.len() as u64,
            cost: self.bill_at(now).cost(self.f, now),
        };
        let mean_service = self.scenario.service.service_time.mean();
        let row = sample(
            self.spec,
            self.f,
            mean_service,
            &self.rate,
            &mut self.recorder,
            interval,
        );
        self.series.push(row);
    }

    /// The bill at `now` with open active periods counted up to `now` (unrounded).
    fn bill_at(&self, now: Time) -> Bill {
        let mut bill = self.bill;
        if self.f.billing.basis == Basis::Instance {
            let g = self.f.billing.granularity;
            for i in self.instances.iter().filter(|i| i.alive) {
                if let Some(since) = i.open_since {
                    let billed = to_seconds(round_up(now - since, g));
                    bill.active_seconds += billed;
                    if i.provisioned {
                        bill.provisioned_active_seconds += billed;
                    }
                }
            }
        }
        bill
    }

    fn finish(self) -> PolicyOutcome {
        let h = self.scenario.horizon;
        let in_service = self.busy.value();
        let totals = Totals {
            bill: self.bill_at(h),
            instance_seconds: self.alive.integral(h),
            busy_slot_seconds: self.busy.integral(h),
            in_system_at_end: self.waiting.len() as u64 + in_service,
            in_system_seconds: self.in_system.integral(h),
            peak_instances: self.peak,
            cold_starts: self.cold_starts,
            throttled: self.throttled,
            provisioned_busy_seconds: self.provisioned_busy.integral(h),
        };
        let summary = summary(self.scenario, self.spec, self.f, &totals, &self.recorder);
        PolicyOutcome {
            summary,
            series: self.series,
            events: self.engine.events_processed(),
        }
    }
}
