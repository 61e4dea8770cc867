//! Request-level fidelity: every request is an event.
//!
//! One shared FIFO queue feeds every free slot of every ready server (the M/M/c model);
//! an arrival that finds the queue at its limit is dropped. Arrivals are drawn in time
//! order, so only the next one is scheduled, in the engine's register for an ordered
//! source ([`crate::engine::Engine::schedule_next`]): an arrival is never a heap event.
//! The heap holds one departure per busy slot, and the few control events.
//!
//! A model draws its requests from its own stream, or (replications) from chunks of a
//! stream shared with the other policies of its replication: drawing a request costs
//! about as much as simulating it, so a replication that runs its policies one after
//! the other in lockstep draws each request once. A model that runs out of a chunk stops
//! right there — before any later event — and resumes when fed the next; the events it
//! processes, and their order, are the same either way.
//!
//! A request in service is kept in a table indexed by its slot (slots are numbered, see
//! [`crate::fleet`]), and its departure names only the slot: the departure finds the
//! request, its server and its fleet in O(1), the same way for every policy.
//!
//! Spot instances: when the cloud reclaims an instance, the requests it was serving
//! restart from scratch: on a free slot if there is one, else at the head of the queue,
//! oldest first (equal arrivals by slot number), while it has room under the queue
//! limit; the rest are dropped, as a client's retry would be refused. Their departures
//! are taken out of the engine. During the notice the instance keeps serving and taking
//! new work, as an instance does unless the application itself reacts to the notice.
//! Only an interruption, rare next to departures, costs anything for spot: nothing is
//! asked per request about which kind its instance is.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::engine::Time;
use crate::fleet::Tally;
use crate::scenario::{PolicySpec, Scenario};
use crate::workload::{Request, RequestStream};

use super::PolicyOutcome;
use super::runtime::{BURST, Event, Measured, Runtime, Side};

/// Where a slot reference keeps its request in the table of requests in service: base
/// slot `s` at `s`, or, for a hybrid, base slot `s` at `2s` and burst slot `s` at `2s + 1`
/// (the [`BURST`] bit rotated down).
#[derive(Clone, Copy)]
struct Places {
    /// 1 without a burst fleet (the rotated bit is always 0), else 0.
    shift: u32,
}

impl Places {
    #[inline(always)]
    fn of(self, slot: u32) -> usize {
        (slot.rotate_left(1) >> self.shift) as usize
    }
}

/// Requests a model with its own stream draws at a time. Drawing one by one puts the
/// stream's arithmetic (a division, two exponential draws, two roundings) on the event
/// loop's critical path, between an arrival and the next comparison of event times;
/// drawn ahead in a tight loop, successive draws overlap, and the loop only reads them.
/// The requests, and their order, are the same.
const OWN_CHUNK: usize = 256;

/// Where a model's requests come from.
enum Source {
    /// Its own stream, drawn [`OWN_CHUNK`] requests ahead into `drawn`; `ended` once it
    /// has returned `None` (it must not be asked again: a stream that said the window
    /// is over may draw once more from its last arrival).
    Own {
        stream: RequestStream,
        drawn: Vec<Request>,
        next: usize,
        ended: bool,
    },
    /// A chunk of a shared stream; `last` when no chunk follows it.
    Shared {
        chunk: Rc<[Request]>,
        next: usize,
        last: bool,
    },
}

pub(crate) struct RequestModel<'a> {
    rt: Runtime<'a>,
    source: Source,
    /// The shared chunk ran out before the stream did: wait for [`RequestModel::feed`].
    starved: bool,
    next_request: Option<Request>,
    queue: VecDeque<Request>,
    in_system: Tally,
    places: Places,
    /// The request in service on each slot, at its place (stale where the slot is free).
    in_service: Vec<Request>,
}

impl<'a> RequestModel<'a> {
    /// A model drawing its requests from its own stream of `seed`.
    pub(crate) fn new(scenario: &'a Scenario, spec: &'a PolicySpec, seed: u64) -> Self {
        let stream = RequestStream::new(
            &scenario.workload,
            scenario.service.service_time,
            scenario.horizon,
            seed,
        );
        let source = Source::Own {
            stream,
            drawn: Vec::with_capacity(OWN_CHUNK),
            next: 0,
            ended: false,
        };
        Self::with_source(scenario, spec, seed, source)
    }

    /// A model fed chunks of a shared stream of `seed` with [`RequestModel::feed`].
    pub(crate) fn shared(scenario: &'a Scenario, spec: &'a PolicySpec, seed: u64) -> Self {
        let source = Source::Shared {
            chunk: Rc::from(Vec::new()),
            next: 0,
            last: false,
        };
        Self::with_source(scenario, spec, seed, source)
    }

    fn with_source(
        scenario: &'a Scenario,
        spec: &'a PolicySpec,
        seed: u64,
        source: Source,
    ) -> Self {
        let rt = Runtime::new(scenario, spec, seed);
        let places = Places {
            shift: rt.burst.is_none() as u32,
        };
        RequestModel {
            rt,
            places,
            source,
            starved: false,
            next_request: None,
            queue: VecDeque::new(),
            in_system: Tally::default(),
            in_service: Vec::new(),
        }
    }

    pub(crate) fn run(mut self, progress: &(dyn Fn(Time) + Sync)) -> PolicyOutcome {
        self.begin();
        self.advance(progress);
        self.finish()
    }

    /// Starts the window: the initial fleet, the first events and arrival.
    pub(crate) fn begin(&mut self) {
        self.rt.start();
        self.schedule_next_arrival();
    }

    /// Hands a shared model its next chunk of requests (`last`: the stream ends with it).
    pub(crate) fn feed(&mut self, chunk: Rc<[Request]>, last: bool) {
        self.source = Source::Shared {
            chunk,
            next: 0,
            last,
        };
        if self.starved {
            self.starved = false;
            self.schedule_next_arrival();
        }
    }

    /// Processes events until the window ends (true) or the shared chunk runs out
    /// (false).
    pub(crate) fn advance(&mut self, progress: &(dyn Fn(Time) + Sync)) -> bool {
        while !self.starved {
            let Some((now, event, ordered)) = self.rt.engine.pop_sourced() else {
                return true;
            };
            // Arrivals are the ordered source's (the second test never holds).
            if ordered || matches!(event, Event::Arrival) {
                self.on_arrival(now);
                continue;
            }
            match event {
                Event::Arrival => {}
                Event::Departure(slot) => self.on_departure(now, slot),
                Event::BootDone(server) => {
                    if self.rt.boot_done(server, now) {
                        self.dispatch_queue(now);
                    }
                }
                Event::Delivery(side, servers) => {
                    self.rt.deliver(now, side, servers);
                    self.dispatch_queue(now);
                }
                Event::WarmupDone(server) => {
                    if self.rt.finish_warmup(server, now) {
                        self.dispatch_queue(now);
                    }
                }
                Event::SpotNotice(server) => self.rt.spot_notice(now, server),
                Event::SpotGone(server) => self.on_spot_gone(now, server),
                Event::Control(side) => {
                    // Waiting = in system − in service, so the queue's integral costs
                    // nothing per request.
                    let busy = self.rt.fleet_busy(now);
                    let watched = match side {
                        Side::Base => busy.base,
                        Side::Burst => busy.total,
                    };
                    let measured = Measured {
                        busy: watched,
                        arrivals: self.rt.recorder.arrived,
                        queue_seconds: (self.in_system.integral(now) - busy.total).max(0.0),
                    };
                    self.rt.control(now, side, measured);
                }
                Event::RetryLaunches(side) => self.rt.retry_launches(now, side),
                Event::Traffic => self.rt.traffic(now),
                Event::NodeUp(node) => self.rt.node_up(now, node),
                Event::ClusterScan => self.rt.cluster_scan(now),
                Event::Sample => {
                    let busy = self.rt.fleet_busy(now);
                    self.rt.sample(now, busy, self.queue.len() as u64, progress);
                }
                Event::End => {
                    let busy = self.rt.fleet_busy(now);
                    self.rt.end(now, busy, self.queue.len() as u64, progress);
                    return true;
                }
            }
        }
        false
    }

    /// The outcome, once [`RequestModel::advance`] has reached the end of the window.
    pub(crate) fn finish(self) -> PolicyOutcome {
        let h = self.rt.scenario.horizon;
        let events = self.rt.engine.events_processed();
        let busy = self.rt.fleet_busy(h);
        let in_service: u64 = self.rt.fleets().map(|f| f.busy_slots.value()).sum();
        let in_system_at_end = self.queue.len() as u64 + in_service;
        let in_system_seconds = self.in_system.integral(h);
        self.rt
            .finish(busy, in_system_at_end, in_system_seconds, events)
    }

    // Not forced inline: the stream's draw is inlined here instead (one call, not two).
    #[inline(never)]
    fn schedule_next_arrival(&mut self) {
        self.next_request = match &mut self.source {
            Source::Own {
                stream,
                drawn,
                next,
                ended,
            } => {
                if *next == drawn.len() && !*ended {
                    drawn.clear();
                    while drawn.len() < OWN_CHUNK {
                        let Some(request) = stream.next_request() else {
                            *ended = true;
                            break;
                        };
                        drawn.push(request);
                    }
                    *next = 0;
                }
                let request = drawn.get(*next).copied();
                *next += 1;
                request
            }
            Source::Shared { chunk, next, last } => {
                let request = chunk.get(*next).copied();
                *next += 1;
                self.starved = request.is_none() && !*last;
                request
            }
        };
        if let Some(r) = self.next_request {
            self.rt.engine.schedule_next(r.arrival, Event::Arrival);
        }
    }

    #[inline(always)]
    fn on_arrival(&mut self, now: Time) {
        let Some(request) = self.next_request else {
            return;
        };
        self.rt.recorder.arrival();
        if let Some(slot) = self.rt.take_free_slot() {
            self.in_system.enter(now, 1);
            self.start(now, slot, request);
        } else if (self.queue.len() as u64) < self.rt.scenario.service.queue_limit {
            self.in_system.enter(now, 1);
            self.queue.push_back(request);
        } else {
            self.rt.recorder.drop_request();
        }
        self.schedule_next_arrival();
    }

    // Inlined into the arrival and the departure: as a call, its prologue and epilogue
    // cost as much as its bookkeeping.
    #[inline(always)]
    fn start(&mut self, now: Time, slot: u32, request: Request) {
        let (fleet, id) = self.rt.fleet_of(slot);
        fleet.start_service(id, now);
        self.rt.recorder.service_start(now - request.arrival);
        let place = self.places.of(slot);
        match self.in_service.get_mut(place) {
            Some(entry) => *entry = request,
            None => self.in_service.resize(place + 1, request),
        }
        self.rt
            .engine
            .schedule(now + request.service, Event::Departure(slot));
    }

    #[inline]
    fn on_departure(&mut self, now: Time, slot: u32) {
        let arrived = self.in_service[self.places.of(slot)].arrival;
        self.rt.recorder.completion(now - arrived);
        self.in_system.leave(now, 1);
        if slot & BURST != 0 {
            self.rt.served_burst += 1;
        }
        let (fleet, id) = self.rt.fleet_of(slot);
        if fleet.end_service(id, now) {
            match self.queue.pop_front() {
                Some(next) => self.start(now, slot, next),
                None => self.rt.fleet_of(slot).0.return_slot(id),
            }
        }
    }

    /// Spot instance `server` is gone: what it was serving restarts from scratch — on
    /// free slots, else at the head of the queue, oldest first — or is dropped when
    /// neither has room.
    fn on_spot_gone(&mut self, now: Time, server: u32) {
        let tag = server & BURST;
        let (fleet, id) = self.rt.fleet_of(server);
        let slots = fleet.slots_of(id);
        if self.rt.interrupt(server, now).is_none() {
            return;
        }
        // Its requests in service are those whose departures are due on its slots.
        let ours = |slot: u32| slot & BURST == tag && slots.contains(&(slot & !BURST));
        let gone = self
            .rt
            .engine
            .cancel(|e| matches!(*e, Event::Departure(slot) if ours(slot)));
        let mut lost: Vec<(Request, Time, u32)> = gone
            .into_iter()
            .filter_map(|(done, e)| match e {
                Event::Departure(slot) => {
                    let request = self.in_service[self.places.of(slot)];
                    Some((request, done - request.service, slot))
                }
                _ => None,
            })
            .collect();
        lost.sort_by_key(|&(r, _, slot)| (r.arrival, slot));
        self.rt.requeued += lost.len() as u64;
        // Free slots exist only while nobody waits, so the oldest take those first.
        let room = self.rt.free_slots() as u64
            + self
                .rt
                .scenario
                .service
                .queue_limit
                .saturating_sub(self.queue.len() as u64);
        for (i, (request, started, _)) in lost.into_iter().enumerate().rev() {
            self.rt.recorder.unstart(started - request.arrival);
            if (i as u64) < room {
                self.queue.push_front(request);
            } else {
                self.rt.recorder.drop_request();
                self.in_system.leave(now, 1);
            }
        }
        self.dispatch_queue(now);
    }

    /// Starts queued requests on free slots (after servers become ready).
    fn dispatch_queue(&mut self, now: Time) {
        while !self.queue.is_empty() && self.rt.has_free_slot() {
            if let (Some(slot), Some(request)) = (self.rt.take_free_slot(), self.queue.pop_front())
            {
                self.start(now, slot, request);
            }
        }
    }
}
