//! # provsim — own servers, an IDC lease, or cloud autoscaling?
//!
//! provsim is a discrete-event simulator for the people who run a web service. It plays
//! the *same* traffic, spikes included, against several provisioning policies and reports
//! side by side what each costs, how much paid capacity sits idle, and what users feel
//! (latency, SLO misses, dropped requests).
//!
//! ## The model in a page
//!
//! - **Time** is integer microseconds ([`engine::Time`]); the [`engine::Engine`] pops
//!   events by `(time, sequence)`, so equal times are FIFO and runs are reproducible.
//! - **Traffic** is a rate λ(t) = `base_rate` × shapes (spike, step, diurnal, profile,
//!   growth), or a replayed trace (your own access log or metric export) × shapes.
//!   Arrivals are a non-homogeneous Poisson process drawn exactly by thinning (or, for an
//!   access log replayed `exact`, each logged request at its own time); each request
//!   carries a service demand from the scenario's distribution. The request
//!   stream depends only on the seed, so every policy sees identical requests (common
//!   random numbers) and differences between policies are the policies'.
//! - **Service** is M/M/c-like: every ready server has `slots_per_server` slots fed by one
//!   shared FIFO queue of at most `queue_limit` waiting requests; an arrival that finds it
//!   full is dropped. Response time = wait + service.
//! - **Fleet**: servers go `booting → ready → draining → terminated`. Booting servers are
//!   paid but serve nothing; scale-in prefers booting, then idle servers; busy ones drain.
//! - **Policies**: `fixed` (own servers: amortised capex + power, optionally following
//!   load, + operations; optionally a purchase rule that orders servers delivered weeks
//!   later), `lease` (IDC contract: term fees, setup fees, whole terms committed;
//!   optionally resized at each renewal from the term's peak, with notice) and `autoscale`
//!   (cloud instances billed per second with a minimum, under AWS target tracking, simple,
//!   step, scheduled or predictive scaling, or the Kubernetes HPA). An autoscale group may
//!   mix purchase options: a reserved / savings-plan commitment covering up to N running
//!   instances, and spot instances at a discount that the cloud interrupts (Poisson, with
//!   a notice); their in-service requests are re-queued. The cloud itself is modelled too:
//!   boot times spread (lognormal), applications warm up, and quotas, launch-rate limits
//!   and capacity shortages refuse launches, which are retried.
//!   A `hybrid` is cloud bursting: a `fixed` or `lease` base takes each request it has a
//!   free slot for, and the overflow goes to an `autoscale` burst that sizes base and
//!   burst as one fleet; responses served from the cloud pay egress.
//!   `containers` are pods (a pod's `slots`) on a node pool: a pod autoscaler (any
//!   strategy, the HPA by default) sizes the pods, a cluster autoscaler launches nodes for
//!   pending pods and removes nodes under half requested; nodes and the control plane are
//!   billed, and node capacity no pod requested is its own idle (`unrequested_*`).
//!   Groups may scale to zero (`min = 0`) under a strategy that sees load with no server.
//!   `functions` are serverless (AWS Lambda, Cloud Run): instances of `concurrency` slots
//!   start with the requests (a cold start each), go after `keep_alive` idle, are capped
//!   by `concurrency_limit` (beyond it requests are throttled), and are billed per
//!   request or per active instance time.
//! - **Metrics**: paid slot-seconds − busy slot-seconds = idle slot-seconds, the capacity
//!   you pay for and do not use; idle cost = total cost × idle fraction. Lost and late
//!   traffic can be priced (`[service.penalty]`), giving an all-in cost to compare options
//!   by; [`break_even`] finds the spike height at which their costs cross. Elasticity
//!   (SPEC RG) compares each policy's serving servers with the servers its traffic needs. Latency
//!   percentiles come from HDR histograms. Conservation holds exactly:
//!   `arrived = served + dropped + in_system_at_end`.
//! - **Two fidelities**: every request as an event, or (`fidelity = "fluid"`, for months
//!   and years) traffic and service integrated in steps with latency and losses from the
//!   M/M/c/K queue ([`analytic::MMcK`]) of the serving slots — its stationary law at any
//!   load, or its transient as a birth–death chain; `provsim compare-fidelity` shows how
//!   far apart they are on a scenario. Replications give Student-t confidence intervals.
//!
//! ## Example
//!
//! ```
//! let scenario = provsim::scenario::parse(
//!     provsim::scenario::DEFAULT_SCENARIO,
//!     "flash-crowd.toml",
//!     "flash-crowd",
//! )
//! .unwrap();
//! let outcome = provsim::simulation::run_quiet(&scenario);
//! for policy in &outcome.policies {
//!     let s = &policy.summary;
//!     assert_eq!(s.arrived, s.served + s.dropped + s.in_system_at_end);
//!     assert!(s.idle_slot_seconds >= 0.0 && s.total_cost > 0.0);
//! }
//! // Common random numbers: every policy saw exactly the same requests.
//! let arrived: Vec<u64> = outcome.policies.iter().map(|p| p.summary.arrived).collect();
//! assert!(arrived.windows(2).all(|w| w[0] == w[1]));
//! ```

#![forbid(unsafe_code)]

pub mod analytic;
pub mod app;
pub(crate) mod billing;
pub mod bounds;
pub mod break_even;
pub mod compare;
pub(crate) mod elasticity;
pub mod engine;
pub(crate) mod fleet;
pub mod metrics;
pub(crate) mod policy;
pub(crate) mod provider;
pub mod replication;
pub mod report;
pub mod scenario;
pub mod simulation;
pub mod sweep;
pub mod workload;
