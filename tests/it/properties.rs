//! Property tests over random *valid* scenarios.
//!
//! A proptest strategy draws the parameters of a scenario (traffic shapes, service,
//! queue, one to four policies of every kind), renders them as scenario TOML the way a
//! user would write it, and checks that the file parses and that every policy's outcome
//! keeps the model's invariants: conservation of requests, paid = idle + busy, billing
//! never below the lives it bills, the hand formulas of own servers and leases, the
//! autoscaler's fleet bounds, ordered latency quantiles, common random numbers,
//! determinism, and a time series that adds up to the summary.
//!
//! Horizons are short (2–40 min) and the expected number of requests is capped, so the
//! whole file runs in a few seconds under the optimised test profile. For a deeper
//! search: `PROPTEST_CASES=5000 cargo test --test it properties::`.

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use provsim::metrics::{Sample, Summary};
use provsim::scenario::{self, PolicyKind, Scenario};
use provsim::simulation::{Outcome, run_quiet};
use provsim::workload::RateFunction;

/// Most requests a case is expected to simulate (per policy): keeps the file fast.
const MAX_EXPECTED_REQUESTS: f64 = 30_000.0;
/// Seconds in a month, over which `ops_per_server_month` is spread: 30.44 days, as
/// humantime defines a month.
const MONTH_SECONDS: f64 = 2_630_016.0;

// ---------------------------------------------------------------------------------------
// The generated scenario, before it becomes TOML
// ---------------------------------------------------------------------------------------

/// Times of shapes are fractions of the horizon, so one strategy fits every horizon.
#[derive(Debug, Clone)]
enum ShapeG {
    Spike {
        start: f64,
        ramp_up: f64,
        hold: f64,
        /// `ramp_down`, or `decay` when `decay` is set.
        tail: f64,
        decay: bool,
        factor: f64,
    },
    Step {
        at: f64,
        until: Option<f64>,
        factor: f64,
    },
    Diurnal {
        amplitude: f64,
        period: f64,
        peak_at: f64,
    },
    Profile {
        period: f64,
        points: Vec<f64>,
        step: bool,
        offset: f64,
    },
    Growth {
        factor: f64,
        per_s: u64,
    },
}

#[derive(Debug, Clone)]
enum ServiceG {
    Exponential { mean_ms: u64 },
    Constant { value_ms: u64 },
    LogNormal { mean_ms: u64, cv: f64 },
}

#[derive(Debug, Clone)]
struct FixedG {
    servers: u32,
    capex: f64,
    amortization_days: u64,
    watts: f64,
    pue: f64,
    price_per_kwh: f64,
    ops_per_server_month: f64,
}

#[derive(Debug, Clone)]
struct LeaseG {
    servers: u32,
    term_s: u64,
    price: f64,
    setup: f64,
    /// Terms each server is committed for (`min_terms`).
    min_terms: u32,
}

#[derive(Debug, Clone)]
struct AutoscaleG {
    min: u32,
    max: u32,
    /// `None`: left out of the file (defaults to `min`).
    initial: Option<u32>,
    boot_s: u64,
    target: f64,
    period_s: u64,
    scale_out_periods: u32,
    scale_in_periods: u32,
    warmup_s: u64,
    price_per_hour: f64,
    minimum_s: u64,
    granularity_s: u64,
    /// 0: utilisation only; 1: + request rate and queue length targets; 2: predictive
    /// over it; 3: + a scheduled action at minute `.1` (limits `.2`–`.4` as fractions of
    /// [min, max], so the fleet stays within the policy's own limits).
    extras: (u8, u64, f64, f64, f64),
    /// A `purchase` table, or none (all on-demand).
    purchase: Option<PurchaseG>,
}

#[derive(Debug, Clone)]
struct PurchaseG {
    /// `reserved` = round(this × max).
    reserved_fraction: f64,
    reserved_discount: f64,
    spot_share: f64,
    spot_discount: f64,
    /// High enough that short runs see interruptions.
    interruptions_per_hour: f64,
    notice_s: u64,
}

impl PurchaseG {
    fn reserved(&self, max: u32) -> u32 {
        (self.reserved_fraction * max as f64).round() as u32
    }
}

fn purchase() -> impl Strategy<Value = PurchaseG> {
    (
        prop_oneof![Just(0.0), 0.0..=1.0f64],
        0.0..0.9f64,
        prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64],
        0.0..0.95f64,
        prop_oneof![Just(0.0), 0.0..=30.0f64],
        0..=120u64,
    )
        .prop_map(
            |(
                reserved_fraction,
                reserved_discount,
                spot_share,
                spot_discount,
                interruptions_per_hour,
                notice_s,
            )| PurchaseG {
                reserved_fraction,
                reserved_discount,
                spot_share,
                spot_discount,
                interruptions_per_hour,
                notice_s,
            },
        )
}

/// An autoscale policy that may mix purchase options.
fn with_purchase(a: impl Strategy<Value = AutoscaleG>) -> impl Strategy<Value = AutoscaleG> {
    (a, proptest::option::of(purchase())).prop_map(|(a, purchase)| AutoscaleG { purchase, ..a })
}

#[derive(Debug, Clone)]
enum PolicyG {
    Fixed(FixedG),
    Lease(LeaseG),
    Autoscale(AutoscaleG),
    /// A base (`Fixed` or `Lease`), a burst group (its `min` may be 0), and the bytes per
    /// response its egress is priced at ($0.09/GB), if any.
    Hybrid(Box<PolicyG>, AutoscaleG, Option<f64>),
}

#[derive(Debug, Clone)]
struct ScenarioG {
    horizon_ms: u64,
    sample_every_ms: u64,
    seed: u64,
    /// Before the budget cap of [`ScenarioG::base_rate`].
    base_rate_raw: f64,
    shapes: Vec<ShapeG>,
    service: ServiceG,
    slots: u32,
    queue_limit: u64,
    slo_ms: u64,
    policies: Vec<PolicyG>,
}

impl ShapeG {
    /// An upper bound on the shape's multiplier over `[0, horizon]`.
    fn max_factor(&self, horizon_s: f64) -> f64 {
        match self {
            ShapeG::Spike { factor, .. } | ShapeG::Step { factor, .. } => factor.max(1.0),
            ShapeG::Diurnal { amplitude, .. } => 1.0 + amplitude,
            ShapeG::Profile { points, .. } => {
                let mean = points.iter().sum::<f64>() / points.len() as f64;
                points.iter().copied().fold(0.0, f64::max) / mean
            }
            ShapeG::Growth { factor, per_s } => factor.powf(horizon_s / *per_s as f64).max(1.0),
        }
    }
}

impl ScenarioG {
    fn horizon_s(&self) -> f64 {
        self.horizon_ms as f64 / 1000.0
    }

    /// The base rate, lowered if needed so that at most [`MAX_EXPECTED_REQUESTS`] arrive.
    fn base_rate(&self) -> f64 {
        let h = self.horizon_s();
        let bound: f64 = self.shapes.iter().map(|s| s.max_factor(h)).product();
        self.base_rate_raw.min(MAX_EXPECTED_REQUESTS / (h * bound))
    }

    fn ms(&self, fraction: f64) -> u64 {
        (fraction * self.horizon_ms as f64).round() as u64
    }

    /// The scenario file a user would write.
    fn toml(&self) -> String {
        let mut t = String::new();
        let w = &mut t;
        writeln!(w, "name = \"prop\"").unwrap();
        writeln!(w, "horizon = \"{}ms\"", self.horizon_ms).unwrap();
        writeln!(w, "seed = {}", self.seed).unwrap();
        writeln!(w, "sample_every = \"{}ms\"", self.sample_every_ms).unwrap();
        writeln!(w, "\n[service]").unwrap();
        match &self.service {
            ServiceG::Exponential { mean_ms } => writeln!(
                w,
                "service_time = {{ distribution = \"exponential\", mean = \"{mean_ms}ms\" }}"
            ),
            ServiceG::Constant { value_ms } => writeln!(
                w,
                "service_time = {{ distribution = \"constant\", value = \"{value_ms}ms\" }}"
            ),
            ServiceG::LogNormal { mean_ms, cv } => writeln!(
                w,
                "service_time = {{ distribution = \"lognormal\", mean = \"{mean_ms}ms\", cv = {cv:?} }}"
            ),
        }
        .unwrap();
        writeln!(w, "slots_per_server = {}", self.slots).unwrap();
        writeln!(w, "queue_limit = {}", self.queue_limit).unwrap();
        writeln!(w, "slo = \"{}ms\"", self.slo_ms).unwrap();
        writeln!(w, "\n[workload]\nbase_rate = {:?}", self.base_rate()).unwrap();
        for s in &self.shapes {
            writeln!(w, "\n[[workload.shape]]").unwrap();
            match s {
                ShapeG::Spike {
                    start,
                    ramp_up,
                    hold,
                    tail,
                    decay,
                    factor,
                } => {
                    writeln!(w, "type = \"spike\"").unwrap();
                    writeln!(w, "start = \"{}ms\"", self.ms(*start)).unwrap();
                    writeln!(w, "ramp_up = \"{}ms\"", self.ms(*ramp_up)).unwrap();
                    writeln!(w, "hold = \"{}ms\"", self.ms(*hold)).unwrap();
                    if *decay {
                        writeln!(w, "decay = \"{}ms\"", self.ms(*tail).max(1)).unwrap();
                    } else {
                        writeln!(w, "ramp_down = \"{}ms\"", self.ms(*tail)).unwrap();
                    }
                    writeln!(w, "factor = {factor:?}").unwrap();
                }
                ShapeG::Step { at, until, factor } => {
                    let at = self.ms(*at);
                    writeln!(w, "type = \"step\"\nat = \"{at}ms\"").unwrap();
                    if let Some(u) = until {
                        writeln!(w, "until = \"{}ms\"", at + self.ms(*u).max(1)).unwrap();
                    }
                    writeln!(w, "factor = {factor:?}").unwrap();
                }
                ShapeG::Diurnal {
                    amplitude,
                    period,
                    peak_at,
                } => {
                    writeln!(w, "type = \"diurnal\"\namplitude = {amplitude:?}").unwrap();
                    writeln!(w, "period = \"{}ms\"", self.ms(*period).max(1)).unwrap();
                    writeln!(w, "peak_at = \"{}ms\"", self.ms(*peak_at)).unwrap();
                }
                ShapeG::Profile {
                    period,
                    points,
                    step,
                    offset,
                } => {
                    writeln!(w, "type = \"profile\"").unwrap();
                    writeln!(w, "period = \"{}ms\"", self.ms(*period).max(1)).unwrap();
                    let pts: Vec<String> = points.iter().map(|p| format!("{p:?}")).collect();
                    writeln!(w, "points = [{}]", pts.join(", ")).unwrap();
                    let interp = if *step { "step" } else { "linear" };
                    writeln!(w, "interpolate = \"{interp}\"").unwrap();
                    writeln!(w, "offset = \"{}ms\"", self.ms(*offset)).unwrap();
                }
                ShapeG::Growth { factor, per_s } => {
                    writeln!(
                        w,
                        "type = \"growth\"\nfactor = {factor:?}\nper = \"{per_s}s\""
                    )
                    .unwrap();
                }
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            writeln!(w, "\n[[policy]]").unwrap();
            let kind = match p {
                PolicyG::Fixed(_) => "own",
                PolicyG::Lease(_) => "idc",
                PolicyG::Autoscale(_) => "cloud",
                PolicyG::Hybrid(..) => "hybrid",
            };
            writeln!(w, "name = \"p{i}-{kind}\"").unwrap();
            match p {
                PolicyG::Hybrid(base, burst, egress) => {
                    writeln!(w, "type = \"hybrid\"\n\n[policy.base]").unwrap();
                    base.write_block(w);
                    writeln!(w, "\n[policy.burst]").unwrap();
                    PolicyG::Autoscale(burst.clone()).write_block(w);
                    if let Some(bytes) = egress {
                        writeln!(
                            w,
                            "egress = {{ bytes_per_request = {bytes:?}, price_per_gb = 0.09 }}"
                        )
                        .unwrap();
                    }
                }
                p => p.write_block(w),
            }
        }
        t
    }
}

impl PolicyG {
    /// The policy's keys after its name: its `type` and parameters.
    fn write_block(&self, w: &mut String) {
        match self {
            PolicyG::Fixed(f) => {
                writeln!(w, "type = \"fixed\"").unwrap();
                writeln!(w, "servers = {}", f.servers).unwrap();
                writeln!(
                        w,
                        "cost = {{ capex_per_server = {:?}, amortization = \"{}d\", watts = {:?}, pue = {:?}, price_per_kwh = {:?}, ops_per_server_month = {:?} }}",
                        f.capex, f.amortization_days, f.watts, f.pue, f.price_per_kwh, f.ops_per_server_month
                    )
                    .unwrap();
            }
            PolicyG::Lease(l) => {
                writeln!(w, "type = \"lease\"").unwrap();
                writeln!(w, "servers = {}", l.servers).unwrap();
                writeln!(w, "term = \"{}s\"", l.term_s).unwrap();
                writeln!(w, "price_per_server_term = {:?}", l.price).unwrap();
                writeln!(w, "setup_fee_per_server = {:?}", l.setup).unwrap();
                writeln!(w, "min_terms = {}", l.min_terms).unwrap();
            }
            PolicyG::Autoscale(a) => {
                writeln!(w, "type = \"autoscale\"").unwrap();
                writeln!(w, "min = {}\nmax = {}", a.min, a.max).unwrap();
                if let Some(initial) = a.initial {
                    writeln!(w, "initial = {initial}").unwrap();
                }
                writeln!(w, "boot_time = \"{}s\"", a.boot_s).unwrap();
                let (variant, minute, lo, hi, want) = a.extras;
                let more = if variant == 1 {
                    ", request_rate_target = 20.0, queue_length_target = 5.0"
                } else {
                    ""
                };
                let tt = format!(
                    "{{ type = \"target-tracking\", target = {:?}{more}, period = \"{}s\", scale_out_periods = {}, scale_in_periods = {}, warmup = \"{}s\" }}",
                    a.target, a.period_s, a.scale_out_periods, a.scale_in_periods, a.warmup_s
                );
                if variant == 2 {
                    writeln!(
                            w,
                            "scaling = {{ type = \"predictive\", target = {:?}, history = \"1d\", reactive = {tt} }}",
                            a.target
                        )
                        .unwrap();
                } else {
                    writeln!(w, "scaling = {tt}").unwrap();
                }
                if variant == 3 {
                    let within = |from: u32, f: f64| from + ((a.max - from) as f64 * f) as u32;
                    let smin = within(a.min, lo);
                    let smax = within(smin, hi);
                    let desired = within(smin, want).min(smax);
                    writeln!(
                            w,
                            "schedule = [{{ at = \"00:{minute:02}\", min = {smin}, max = {smax}, desired = {desired} }}, {{ at = \"00:{:02}\", min = {}, max = {} }}]",
                            (minute + 10).min(59),
                            a.min,
                            a.max
                        )
                        .unwrap();
                }
                writeln!(
                        w,
                        "billing = {{ price_per_hour = {:?}, minimum = \"{}s\", granularity = \"{}s\" }}",
                        a.price_per_hour, a.minimum_s, a.granularity_s
                    )
                    .unwrap();
                if let Some(p) = &a.purchase {
                    writeln!(
                            w,
                            "purchase = {{ reserved = {}, reserved_discount = {:?}, spot_share = {:?}, spot_discount = {:?}, spot_interruptions_per_hour = {:?}, spot_notice = \"{}s\" }}",
                            p.reserved(a.max), p.reserved_discount, p.spot_share, p.spot_discount, p.interruptions_per_hour, p.notice_s
                        )
                        .unwrap();
                }
            }
            PolicyG::Hybrid(..) => unreachable!("hybrids are written by ScenarioG::toml"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn shape() -> impl Strategy<Value = ShapeG> {
    prop_oneof![
        (
            0.0..1.0f64,
            0.0..0.5f64,
            0.0..0.5f64,
            0.0..0.5f64,
            any::<bool>(),
            0.0..5.0f64
        )
            .prop_map(
                |(start, ramp_up, hold, tail, decay, factor)| ShapeG::Spike {
                    start,
                    ramp_up,
                    hold,
                    tail,
                    decay,
                    factor
                }
            ),
        (0.0..1.0f64, proptest::option::of(0.0..1.0f64), 0.0..4.0f64)
            .prop_map(|(at, until, factor)| ShapeG::Step { at, until, factor }),
        (0.0..=1.0f64, 0.02..2.0f64, 0.0..1.0f64).prop_map(|(amplitude, period, peak_at)| {
            ShapeG::Diurnal {
                amplitude,
                period,
                peak_at,
            }
        }),
        (
            0.05..2.0f64,
            prop::collection::vec(0.0..3.0f64, 1..=8),
            any::<bool>(),
            0.0..1.0f64
        )
            .prop_map(|(period, mut points, step, offset)| {
                // At least one point must be > 0.
                if points.iter().sum::<f64>() < 1e-3 {
                    points[0] += 0.5;
                }
                ShapeG::Profile {
                    period,
                    points,
                    step,
                    offset,
                }
            }),
        (0.5..3.0f64, 600..=7200u64).prop_map(|(factor, per_s)| ShapeG::Growth { factor, per_s }),
    ]
}

fn service() -> impl Strategy<Value = ServiceG> {
    prop_oneof![
        (10..=500u64).prop_map(|mean_ms| ServiceG::Exponential { mean_ms }),
        (10..=500u64).prop_map(|value_ms| ServiceG::Constant { value_ms }),
        (10..=500u64, 0.1..10.0f64).prop_map(|(mean_ms, cv)| ServiceG::LogNormal { mean_ms, cv }),
    ]
}

fn fixed() -> impl Strategy<Value = FixedG> {
    (
        1..=40u32,
        0.0..20_000.0f64,
        365..=2200u64,
        0.0..800.0f64,
        1.0..3.0f64,
        0.0..0.5f64,
        0.0..200.0f64,
    )
        .prop_map(
            |(servers, capex, amortization_days, watts, pue, price_per_kwh, ops)| FixedG {
                servers,
                capex,
                amortization_days,
                watts,
                pue,
                price_per_kwh,
                ops_per_server_month: ops,
            },
        )
}

fn lease() -> impl Strategy<Value = LeaseG> {
    (
        1..=40u32,
        // Terms shorter than the horizon (several started) and month-like ones.
        prop_oneof![60..=3600u64, 3600..=5_184_000u64],
        0.0..1000.0f64,
        0.0..300.0f64,
        prop_oneof![3 => Just(1u32), 1 => 2..=6u32],
    )
        .prop_map(|(servers, term_s, price, setup, min_terms)| LeaseG {
            servers,
            term_s,
            price,
            setup,
            min_terms,
        })
}

fn autoscale() -> impl Strategy<Value = AutoscaleG> {
    (1..=30u32)
        .prop_flat_map(|max| (Just(max), 1..=max))
        .prop_flat_map(|(max, min)| {
            (
                Just((min, max)),
                proptest::option::of(min..=max),
                0..=180u64,
                0.3..0.9f64,
                10..=120u64,
                1..=5u32,
                1..=20u32,
                0..=300u64,
                0.0..1.0f64,
                0..=120u64,
                prop_oneof![Just(1u64), Just(60u64)],
                (0..4u8, 0..40u64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
            )
        })
        .prop_map(
            |(
                (min, max),
                initial,
                boot_s,
                target,
                period_s,
                scale_out_periods,
                scale_in_periods,
                warmup_s,
                price_per_hour,
                minimum_s,
                granularity_s,
                extras,
            )| AutoscaleG {
                min,
                max,
                initial,
                boot_s,
                target,
                period_s,
                scale_out_periods,
                scale_in_periods,
                warmup_s,
                price_per_hour,
                minimum_s,
                granularity_s,
                extras,
                purchase: None,
            },
        )
}

fn policy() -> impl Strategy<Value = PolicyG> {
    prop_oneof![
        fixed().prop_map(PolicyG::Fixed),
        lease().prop_map(PolicyG::Lease),
        with_purchase(autoscale()).prop_map(PolicyG::Autoscale),
        hybrid(),
    ]
}

/// A hybrid: own or leased servers as the base, a burst group (empty at times: min 0)
/// that may mix purchase options, and egress or none.
fn hybrid() -> impl Strategy<Value = PolicyG> {
    (
        prop_oneof![
            fixed().prop_map(PolicyG::Fixed),
            lease().prop_map(PolicyG::Lease)
        ],
        with_purchase(autoscale()),
        any::<bool>(),
        proptest::option::of(0.0..2e6f64),
    )
        .prop_map(|(base, mut burst, empty, egress)| {
            if empty {
                burst.min = 0;
                burst.initial = burst.initial.map(|_| 0);
            }
            PolicyG::Hybrid(Box::new(base), burst, egress)
        })
}

fn scenario_with(queue_limit: BoxedStrategy<u64>) -> impl Strategy<Value = ScenarioG> {
    (120_000..=2_400_000u64)
        .prop_flat_map(move |horizon_ms| {
            (
                Just(horizon_ms),
                // From 500 samples per policy (at least 1 s apart) down to a single one.
                (horizon_ms / 500).max(1000)..=horizon_ms,
                any::<u64>(),
                1.0..300.0f64,
                prop::collection::vec(shape(), 0..=3),
                service(),
                1..=16u32,
                queue_limit.clone(),
                50..=2000u64,
                prop::collection::vec(policy(), 1..=4),
            )
        })
        .prop_map(
            |(
                horizon_ms,
                sample_every_ms,
                seed,
                base_rate_raw,
                shapes,
                service,
                slots,
                queue_limit,
                slo_ms,
                policies,
            )| ScenarioG {
                horizon_ms,
                sample_every_ms,
                seed,
                base_rate_raw,
                shapes,
                service,
                slots,
                queue_limit,
                slo_ms,
                policies,
            },
        )
}

/// An autoscaler that reacts quickly (short periods, warmup and streaks), so launches,
/// cancelled boots, scale-in and draining all happen within a short horizon.
fn eager_autoscale() -> impl Strategy<Value = AutoscaleG> {
    (2..=30u32)
        .prop_flat_map(|max| (Just(max), 1..=(max / 2).max(1)))
        .prop_flat_map(|(max, min)| {
            (
                Just((min, max)),
                (min.max(1)..=max).prop_map(Some),
                0..=60u64,
                0.3..0.9f64,
                10..=30u64,
                1..=2u32,
                1..=3u32,
                0..=60u64,
                0.0..1.0f64,
                0..=120u64,
                prop_oneof![Just(1u64), Just(60u64)],
                (0..4u8, 0..40u64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64),
            )
        })
        .prop_map(
            |(
                (min, max),
                initial,
                boot_s,
                target,
                period_s,
                scale_out_periods,
                scale_in_periods,
                warmup_s,
                price_per_hour,
                minimum_s,
                granularity_s,
                extras,
            )| AutoscaleG {
                min,
                max,
                initial,
                boot_s,
                target,
                period_s,
                scale_out_periods,
                scale_in_periods,
                warmup_s,
                price_per_hour,
                minimum_s,
                granularity_s,
                extras,
                purchase: None,
            },
        )
}

/// Bursty traffic (spikes and steps up and down) against eager autoscalers.
fn bursty_scenario() -> impl Strategy<Value = ScenarioG> {
    (600_000..=2_400_000u64)
        .prop_flat_map(|horizon_ms| {
            let burst = prop_oneof![
                (
                    0.0..0.8f64,
                    0.0..0.1f64,
                    0.05..0.3f64,
                    0.0..0.1f64,
                    2.0..8.0f64
                )
                    .prop_map(|(start, ramp_up, hold, tail, factor)| {
                        ShapeG::Spike {
                            start,
                            ramp_up,
                            hold,
                            tail,
                            decay: false,
                            factor,
                        }
                    }),
                (0.0..0.8f64, proptest::option::of(0.05..0.5f64), 0.0..6.0f64)
                    .prop_map(|(at, until, factor)| ShapeG::Step { at, until, factor }),
            ];
            (
                Just(horizon_ms),
                1000..=30_000u64,
                any::<u64>(),
                5.0..100.0f64,
                prop::collection::vec(burst, 1..=3),
                service(),
                1..=8u32,
                any_queue_limit(),
                50..=2000u64,
                prop::collection::vec(
                    prop_oneof![
                        3 => with_purchase(eager_autoscale()).prop_map(PolicyG::Autoscale),
                        1 => fixed().prop_map(PolicyG::Fixed),
                    ],
                    1..=3,
                ),
            )
        })
        .prop_map(
            |(
                horizon_ms,
                sample_every_ms,
                seed,
                base_rate_raw,
                shapes,
                service,
                slots,
                queue_limit,
                slo_ms,
                policies,
            )| ScenarioG {
                horizon_ms,
                sample_every_ms,
                seed,
                base_rate_raw,
                shapes,
                service,
                slots,
                queue_limit,
                slo_ms,
                policies,
            },
        )
}

fn any_queue_limit() -> BoxedStrategy<u64> {
    prop_oneof![1 => Just(0u64), 4 => 0..=1000u64].boxed()
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// `a ≈ b` within `rel` of the larger magnitude (plus a hair for values near zero).
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-9
}

macro_rules! check {
    ($cond:expr, $ctx:expr, $($fmt:tt)+) => {
        prop_assert!($cond, "{}: {}", $ctx, format!($($fmt)+))
    };
}

fn parse(g: &ScenarioG) -> Result<Scenario, TestCaseError> {
    let text = g.toml();
    match scenario::parse(&text, "prop.toml", "prop") {
        Ok(s) => Ok(s),
        Err(e) => Err(TestCaseError::fail(format!(
            "generated scenario does not parse: {e}\n{text}"
        ))),
    }
}

/// Expected arrivals: ∫ λ over the window by the midpoint rule at 10 ms steps (fine
/// enough for the shortest profile steps and daily cycles generated here).
fn expected_arrivals(sc: &Scenario) -> f64 {
    let rate = RateFunction::new(&sc.workload);
    let horizon_s = sc.horizon as f64 / 1e6;
    let n = (horizon_s / 0.01).ceil() as usize;
    let h = horizon_s / n as f64;
    (0..n).map(|i| rate.at((i as f64 + 0.5) * h)).sum::<f64>() * h
}

fn check_summary_basics(s: &Summary, sc: &Scenario, ctx: &str) -> Result<(), TestCaseError> {
    let horizon_s = sc.horizon as f64 / 1e6;
    let floats = [
        ("wait_mean_s", s.wait_mean_s),
        ("waited_fraction", s.waited_fraction),
        ("response_mean_s", s.response_mean_s),
        ("response_p50_s", s.response_p50_s),
        ("response_p95_s", s.response_p95_s),
        ("response_p99_s", s.response_p99_s),
        ("response_max_s", s.response_max_s),
        ("paid_slot_seconds", s.paid_slot_seconds),
        ("busy_slot_seconds", s.busy_slot_seconds),
        ("idle_slot_seconds", s.idle_slot_seconds),
        ("idle_fraction", s.idle_fraction),
        ("billed_server_seconds", s.billed_server_seconds),
        ("total_cost", s.total_cost),
        ("committed_cost", s.committed_cost),
        ("idle_cost", s.idle_cost),
        ("cost_per_million_requests", s.cost_per_million_requests),
        ("mean_in_system", s.mean_in_system),
        ("mean_servers", s.mean_servers),
        ("drop_fraction", s.drop_fraction),
        ("slo_miss_fraction", s.slo_miss_fraction),
    ];
    for (name, v) in floats {
        check!(
            v.is_finite() && v >= 0.0,
            ctx,
            "{name} = {v} is not finite and ≥ 0"
        );
    }

    // Conservation: every request that arrived was served, dropped, or is still in the
    // system at the end.
    check!(
        s.arrived == s.served + s.dropped + s.in_system_at_end,
        ctx,
        "arrived {} != served {} + dropped {} + in system {}",
        s.arrived,
        s.served,
        s.dropped,
        s.in_system_at_end
    );
    check!(
        s.slo_misses <= s.served,
        ctx,
        "slo_misses {} > served {}",
        s.slo_misses,
        s.served
    );

    // Paid = idle + busy; idle never negative, so paid ≥ busy.
    check!(
        close(
            s.paid_slot_seconds,
            s.idle_slot_seconds + s.busy_slot_seconds,
            1e-9
        ),
        ctx,
        "paid {} != idle {} + busy {}",
        s.paid_slot_seconds,
        s.idle_slot_seconds,
        s.busy_slot_seconds
    );
    check!(
        s.busy_slot_seconds <= s.paid_slot_seconds * (1.0 + 1e-9) + 1e-9,
        ctx,
        "busy {} > paid {}",
        s.busy_slot_seconds,
        s.paid_slot_seconds
    );
    check!(
        close(
            s.paid_slot_seconds,
            s.billed_server_seconds * sc.service.slots_per_server as f64,
            1e-9
        ),
        ctx,
        "paid slot-seconds {} != billed server-seconds {} × slots {}",
        s.paid_slot_seconds,
        s.billed_server_seconds,
        sc.service.slots_per_server
    );
    check!(
        (0.0..=1.0).contains(&s.idle_fraction),
        ctx,
        "idle_fraction {} outside [0, 1]",
        s.idle_fraction
    );
    check!(
        s.idle_cost <= s.total_cost * (1.0 + 1e-9) + 1e-12,
        ctx,
        "idle_cost {} > total_cost {}",
        s.idle_cost,
        s.total_cost
    );
    check!(
        (0.0..=1.0).contains(&s.waited_fraction)
            && (0.0..=1.0).contains(&s.drop_fraction)
            && (0.0..=1.0).contains(&s.slo_miss_fraction),
        ctx,
        "a fraction outside [0, 1]: waited {} dropped {} slo {}",
        s.waited_fraction,
        s.drop_fraction,
        s.slo_miss_fraction
    );

    // Billing only adds to lives (minimum, rounding): billed ≥ ∫ servers paid dt.
    check!(
        s.billed_server_seconds >= s.mean_servers * horizon_s * (1.0 - 1e-9) - 1e-9,
        ctx,
        "billed {} < mean servers {} × horizon {}",
        s.billed_server_seconds,
        s.mean_servers,
        horizon_s
    );
    check!(
        s.mean_servers <= s.peak_servers as f64 * (1.0 + 1e-9),
        ctx,
        "mean servers {} > peak {}",
        s.mean_servers,
        s.peak_servers
    );
    check!(
        s.peak_servers <= s.launches,
        ctx,
        "peak servers {} > launches {}",
        s.peak_servers,
        s.launches
    );

    // Latency quantiles.
    check!(
        s.response_p50_s <= s.response_p95_s
            && s.response_p95_s <= s.response_p99_s
            && s.response_p99_s <= s.response_max_s,
        ctx,
        "quantiles out of order: p50 {} p95 {} p99 {} max {}",
        s.response_p50_s,
        s.response_p95_s,
        s.response_p99_s,
        s.response_max_s
    );
    check!(
        (s.wait_mean_s == 0.0) == (s.waited_fraction == 0.0),
        ctx,
        "wait mean {} but waited fraction {}",
        s.wait_mean_s,
        s.waited_fraction
    );
    // SLO misses are responses above the SLO; the HDR max is never below the true max.
    let slo_s = sc.service.slo as f64 / 1e6;
    if s.slo_misses > 0 {
        check!(
            s.response_max_s > slo_s,
            ctx,
            "{} SLO misses but max response {} ≤ SLO {slo_s}",
            s.slo_misses,
            s.response_max_s
        );
    }
    if s.response_max_s <= slo_s {
        check!(
            s.slo_misses == 0,
            ctx,
            "max response {} ≤ SLO {slo_s} but {} misses",
            s.response_max_s,
            s.slo_misses
        );
    }
    // Little: ∫ N dt = Σ responses of the served + time so far of those still inside
    // (+ the time of restarted requests dropped for want of room, at most the horizon).
    let in_system_s = s.mean_in_system * horizon_s;
    let responses_s = s.response_mean_s * s.served as f64;
    let inside = s.in_system_at_end + s.requeued;
    check!(
        in_system_s >= responses_s * (1.0 - 1e-9) - 1e-6
            && in_system_s <= responses_s * (1.0 + 1e-9) + inside as f64 * horizon_s + 1e-6,
        ctx,
        "∫ requests in system dt = {in_system_s} s, but the served spent {responses_s} s and {} remain",
        s.in_system_at_end
    );
    if let scenario::ServiceTime::Constant { value } = sc.service.service_time {
        if s.served > 0 {
            check!(
                s.response_p50_s >= value * (1.0 - 1e-12)
                    && s.response_mean_s >= value * (1.0 - 1e-9),
                ctx,
                "constant service {value} s but p50 {} / mean {}",
                s.response_p50_s,
                s.response_mean_s
            );
        }
    }
    // The HDR max is the top of the max's bucket (≥ the true max ≥ the mean).
    check!(
        s.response_mean_s <= s.response_max_s * (1.0 + 1e-9) + 1e-6,
        ctx,
        "response mean {} > max {}",
        s.response_mean_s,
        s.response_max_s
    );
    if s.served == 0 {
        check!(
            s.response_p50_s == 0.0
                && s.response_p95_s == 0.0
                && s.response_p99_s == 0.0
                && s.response_max_s == 0.0
                && s.response_mean_s == 0.0
                && s.cost_per_million_requests == 0.0,
            ctx,
            "nothing served but latency/cost per request not 0: {s:?}"
        );
    } else {
        check!(
            close(
                s.cost_per_million_requests,
                s.total_cost * 1e6 / s.served as f64,
                1e-9
            ),
            ctx,
            "cost per million {} != total {} × 1e6 / served {}",
            s.cost_per_million_requests,
            s.total_cost,
            s.served
        );
    }
    // A request restarted after a spot interruption waited from its arrival to the
    // start of the service that completed, lost service included.
    if sc.service.queue_limit == 0 && s.requeued == 0 {
        check!(
            s.wait_mean_s == 0.0 && s.waited_fraction == 0.0,
            ctx,
            "queue_limit = 0 yet requests waited: wait mean {} waited fraction {}",
            s.wait_mean_s,
            s.waited_fraction
        );
    }
    Ok(())
}

fn check_series(
    s: &Summary,
    series: &[Sample],
    sc: &Scenario,
    ctx: &str,
) -> Result<(), TestCaseError> {
    let horizon_s = sc.horizon as f64 / 1e6;
    let every_s = sc.sample_every as f64 / 1e6;
    let slots = sc.service.slots_per_server as f64;
    let n = sc.horizon.div_ceil(sc.sample_every) as usize;
    check!(
        series.len() == n,
        ctx,
        "{} samples, expected {n}",
        series.len()
    );
    let Some(last) = series.last() else {
        return Ok(());
    };
    check!(
        last.time_s == horizon_s,
        ctx,
        "last sample at {} s, horizon {} s",
        last.time_s,
        horizon_s
    );
    check!(
        close(last.cost_cumulative, s.total_cost, 1e-9),
        ctx,
        "last cost_cumulative {} != total_cost {}",
        last.cost_cumulative,
        s.total_cost
    );
    let alive_end = last.servers_booting + last.servers_ready + last.servers_draining;
    check!(
        s.in_system_at_end
            <= sc.service.queue_limit
                + (last.servers_ready + last.servers_draining) as u64
                    * sc.service.slots_per_server as u64,
        ctx,
        "{} in system at the end, more than queue {} + slots of {} serving servers",
        s.in_system_at_end,
        sc.service.queue_limit,
        last.servers_ready + last.servers_draining
    );

    let (mut arrived, mut served, mut dropped, mut slo) = (0u64, 0u64, 0u64, 0u64);
    let (mut interruptions, mut refused) = (0u64, 0u64);
    let (mut busy, mut lives) = (0.0f64, 0.0f64);
    let mut prev_t = 0.0;
    let mut prev_cost = 0.0f64;
    for (i, x) in series.iter().enumerate() {
        let dt = x.time_s - prev_t;
        let want_t = if i + 1 < n {
            (i + 1) as f64 * every_s
        } else {
            horizon_s
        };
        check!(
            close(x.time_s, want_t, 1e-12),
            ctx,
            "sample {i} at {} s, expected {want_t} s",
            x.time_s
        );
        check!(dt > 0.0, ctx, "sample {i}: interval {dt} s");
        check!(
            x.cost_cumulative >= prev_cost * (1.0 - 1e-12) - 1e-12,
            ctx,
            "cost_cumulative decreases at sample {i}: {prev_cost} → {}",
            x.cost_cumulative
        );
        check!(
            x.queue_length <= sc.service.queue_limit,
            ctx,
            "sample {i}: queue {} > limit {}",
            x.queue_length,
            sc.service.queue_limit
        );
        check!(
            x.busy_slots >= 0.0
                && x.idle_slots >= 0.0
                && x.busy_slots.is_finite()
                && x.idle_slots.is_finite()
                && x.offered_rate.is_finite()
                && x.offered_rate >= 0.0
                && x.capacity_rate.is_finite(),
            ctx,
            "sample {i} has a negative or non-finite value: {x:?}"
        );
        check!(
            x.servers_booting + x.servers_ready + x.servers_draining <= s.peak_servers as u32,
            ctx,
            "sample {i}: {} servers alive, more than peak {}",
            x.servers_booting + x.servers_ready + x.servers_draining,
            s.peak_servers
        );
        check!(
            x.slo_misses <= x.served,
            ctx,
            "sample {i}: slo misses > served"
        );
        if let Some(p99) = x.response_p99_s {
            check!(
                x.served > 0 && p99.is_finite() && p99 >= 0.0,
                ctx,
                "sample {i}: p99 {p99} with {} served",
                x.served
            );
        } else {
            check!(
                x.served == 0,
                ctx,
                "sample {i}: no p99 with {} served",
                x.served
            );
        }
        arrived += (x.arrival_rate * dt).round() as u64;
        served += x.served;
        dropped += x.dropped;
        slo += x.slo_misses;
        interruptions += x.spot_interruptions;
        refused += x.launches_refused;
        busy += x.busy_slots * dt;
        lives += (x.busy_slots + x.idle_slots) * dt;
        prev_t = x.time_s;
        prev_cost = x.cost_cumulative;
    }
    check!(
        arrived == s.arrived,
        ctx,
        "series arrivals {arrived} != {}",
        s.arrived
    );
    check!(
        served == s.served,
        ctx,
        "series served {served} != {}",
        s.served
    );
    check!(
        dropped == s.dropped,
        ctx,
        "series dropped {dropped} != {}",
        s.dropped
    );
    check!(
        interruptions == s.spot_interruptions && refused == s.launches_refused,
        ctx,
        "series spot interruptions {interruptions} / refused launches {refused} != {} / {}",
        s.spot_interruptions,
        s.launches_refused
    );
    check!(
        slo == s.slo_misses,
        ctx,
        "series slo misses {slo} != {}",
        s.slo_misses
    );
    check!(
        close(busy, s.busy_slot_seconds, 1e-9),
        ctx,
        "series busy slot-seconds {busy} != {}",
        s.busy_slot_seconds
    );
    let autoscale = sc
        .policies
        .iter()
        .find(|p| p.name == s.policy)
        .and_then(|p| p.kind.cloud());
    let hybrid = s.policy_type == "hybrid";
    let reserved = autoscale.map_or(0, |a| a.purchase.reserved);
    if reserved == 0 {
        check!(
            close(lives, s.mean_servers * horizon_s * slots, 1e-9),
            ctx,
            "series paid slot-seconds {lives} != mean servers {} × horizon × slots",
            s.mean_servers
        );
    } else {
        // Unused committed instances are paid slots too: between the lives and the bill.
        check!(
            lives >= s.mean_servers * horizon_s * slots * (1.0 - 1e-9)
                && lives <= s.paid_slot_seconds * (1.0 + 1e-9) + 1e-9,
            ctx,
            "series paid slot-seconds {lives} outside [lives {}, paid {}]",
            s.mean_servers * horizon_s * slots,
            s.paid_slot_seconds
        );
    }
    if let Some(a) = autoscale {
        for (i, x) in series.iter().enumerate() {
            // A hybrid's options count its cloud instances only.
            let running = if hybrid {
                x.servers_burst
            } else {
                x.servers_booting + x.servers_ready + x.servers_draining
            };
            check!(
                x.servers_on_demand + x.servers_reserved + x.servers_spot == running
                    && x.servers_reserved <= reserved,
                ctx,
                "sample {i}: on-demand {} + reserved {} + spot {} != running instances (reserved ≤ {reserved})",
                x.servers_on_demand,
                x.servers_reserved,
                x.servers_spot
            );
            if a.purchase.spot_share == 0.0 {
                check!(x.servers_spot == 0, ctx, "sample {i}: spot without a share");
            }
        }
    }

    // Billing keeps the per-launch minimum for every instance terminated in the window,
    // except spot instances the cloud interrupted (billed as lived).
    let terminated = (s.launches - alive_end as u64).saturating_sub(s.spot_interruptions);
    if let Some(PolicyKind::Autoscale(a)) = sc
        .policies
        .iter()
        .find(|p| p.name == s.policy)
        .map(|p| &p.kind)
    {
        let minimum_s = a.billing.minimum as f64 / 1e6;
        check!(
            s.billed_server_seconds >= terminated as f64 * minimum_s * (1.0 - 1e-9),
            ctx,
            "billed {} s < {terminated} terminated launches × minimum {minimum_s} s",
            s.billed_server_seconds
        );
    }
    Ok(())
}

fn check_policy(
    s: &Summary,
    series: &[Sample],
    kind: &PolicyKind,
    sc: &Scenario,
    ctx: &str,
) -> Result<(), TestCaseError> {
    let horizon_s = sc.horizon as f64 / 1e6;
    check!(
        s.policy_type == kind.type_name(),
        ctx,
        "policy_type {} for a {} policy",
        s.policy_type,
        kind.type_name()
    );
    match kind {
        PolicyKind::Fixed(_) | PolicyKind::Lease(_) => {
            let servers = match kind {
                PolicyKind::Fixed(f) => f.servers,
                PolicyKind::Lease(l) => l.servers,
                _ => unreachable!(),
            };
            check!(
                close(s.billed_server_seconds, servers as f64 * horizon_s, 1e-6),
                ctx,
                "billed {} != servers {servers} × horizon {horizon_s}",
                s.billed_server_seconds
            );
            check!(
                s.peak_servers == servers as u64 && s.launches == servers as u64,
                ctx,
                "peak {} / launches {} for a fleet of {servers}",
                s.peak_servers,
                s.launches
            );
            for (i, x) in series.iter().enumerate() {
                check!(
                    x.servers_ready == servers && x.servers_booting == 0 && x.servers_draining == 0,
                    ctx,
                    "sample {i}: fleet {}/{}/{} (booting/ready/draining) for a fixed {servers}",
                    x.servers_booting,
                    x.servers_ready,
                    x.servers_draining
                );
            }
        }
        PolicyKind::Autoscale(_) => {}
        PolicyKind::Containers(c) => {
            // Server columns count nodes, the pod columns pods; the bill is at least
            // the control plane's.
            check!(
                s.peak_servers <= u64::from(c.nodes.max)
                    && s.pods_peak <= u64::from(c.pods.max)
                    && s.pods_peak >= u64::from(c.pods.min),
                ctx,
                "nodes peak {} (max {}), pods peak {} (min {}, max {})",
                s.peak_servers,
                c.nodes.max,
                s.pods_peak,
                c.pods.min,
                c.pods.max
            );
            check!(
                s.total_cost >= c.control_plane_per_hour * horizon_s / 3600.0 * (1.0 - 1e-12)
                    && s.unrequested_cost <= s.total_cost * (1.0 + 1e-12)
                    && s.unrequested_slot_seconds >= 0.0,
                ctx,
                "cost {}, unrequested {} / {}",
                s.total_cost,
                s.unrequested_cost,
                s.unrequested_slot_seconds
            );
        }
        PolicyKind::Functions(f) => {
            check!(
                s.peak_servers <= u64::from(f.concurrency_limit) && s.throttled <= s.dropped,
                ctx,
                "peak {} instances above the limit {}, or throttled {} above dropped {}",
                s.peak_servers,
                f.concurrency_limit,
                s.throttled,
                s.dropped
            );
        }
        PolicyKind::Hybrid(h) => {
            check!(
                close(
                    s.total_cost,
                    s.base_cost + s.burst_cost + s.egress_cost,
                    1e-9
                ),
                ctx,
                "hybrid cost {} != base {} + burst {} + egress {}",
                s.total_cost,
                s.base_cost,
                s.burst_cost,
                s.egress_cost
            );
            check!(
                s.served_by_burst <= s.served
                    && close(
                        s.egress_cost,
                        s.served_by_burst as f64 * h.burst.egress.per_request(),
                        1e-9
                    ),
                ctx,
                "burst served {} of {}, egress {}",
                s.served_by_burst,
                s.served,
                s.egress_cost
            );
            for (i, x) in series.iter().enumerate() {
                check!(
                    x.servers_burst <= h.burst.max + x.servers_draining,
                    ctx,
                    "sample {i}: {} burst servers above max {}",
                    x.servers_burst,
                    h.burst.max
                );
            }
        }
    }
    match kind {
        PolicyKind::Fixed(f) => {
            let per_s = f.capex_per_server / f.amortization
                + f.watts * f.pue / 1000.0 * f.price_per_kwh / 3600.0
                + f.ops_per_server_month / MONTH_SECONDS;
            let want = f.servers as f64 * per_s * horizon_s;
            check!(
                close(s.total_cost, want, 1e-9),
                ctx,
                "own servers cost {} != hand formula {want}",
                s.total_cost
            );
            check!(
                close(s.committed_cost, s.total_cost, 1e-9),
                ctx,
                "own servers commit {} != cost {}",
                s.committed_cost,
                s.total_cost
            );
        }
        PolicyKind::Lease(l) => {
            let term_s = l.term as f64 / 1e6;
            let n = l.servers as f64;
            // The term fee spread per second; the setup fee over the first term.
            let want = n
                * (l.price_per_server_term * horizon_s
                    + l.setup_fee_per_server * horizon_s.min(term_s))
                / term_s;
            if sc.horizon <= l.term {
                let simple =
                    n * (l.price_per_server_term + l.setup_fee_per_server) * horizon_s / term_s;
                check!(close(want, simple, 1e-12), ctx, "test formula mismatch");
            }
            check!(
                close(s.total_cost, want, 1e-9),
                ctx,
                "lease cost {} != hand formula {want} (term {term_s} s)",
                s.total_cost
            );
            // Every term started, and at least the minimum commitment.
            let terms = sc.horizon.div_ceil(l.term).max(u64::from(l.min_terms)) as f64;
            let committed = n * (terms * l.price_per_server_term + l.setup_fee_per_server);
            check!(
                close(s.committed_cost, committed, 1e-9),
                ctx,
                "lease committed {} != {committed} ({terms} terms)",
                s.committed_cost
            );
        }
        PolicyKind::Functions(_) => {}
        PolicyKind::Hybrid(_) => {
            // The burst's bill is the sum of its purchase options.
            let parts = s.cost_on_demand + s.cost_reserved + s.cost_spot;
            check!(
                close(s.burst_cost, parts, 1e-9),
                ctx,
                "burst cost {} != on-demand + reserved + spot {parts}",
                s.burst_cost
            );
        }
        PolicyKind::Autoscale(a) => {
            // Every sample: ready + booting within [min, max]; draining servers are on
            // their way out (the group's size, which min and max bound, is its ready and
            // booting servers). A spot
            // interruption may take the group below min until the autoscaler replaces it.
            let floor = if s.spot_interruptions > 0 { 0 } else { a.min };
            for (i, x) in series.iter().enumerate() {
                let total = x.servers_ready + x.servers_booting;
                check!(
                    (floor..=a.max).contains(&total),
                    ctx,
                    "sample {i} at {} s: ready {} + booting {} = {total} outside [{}, {}]",
                    x.time_s,
                    x.servers_ready,
                    x.servers_booting,
                    a.min,
                    a.max
                );
            }
            check!(
                s.peak_servers >= a.initial as u64,
                ctx,
                "peak {} < initial {}",
                s.peak_servers,
                a.initial
            );
            check!(
                s.launches >= a.initial as u64,
                ctx,
                "launches {} < initial {}",
                s.launches,
                a.initial
            );
            // The bill is the sum of its purchase options, and egress for every response.
            let parts = s.cost_on_demand + s.cost_reserved + s.cost_spot;
            check!(
                close(s.total_cost - s.egress_cost, parts, 1e-9),
                ctx,
                "cloud cost {} − egress {} != on-demand + reserved + spot {parts}",
                s.total_cost,
                s.egress_cost
            );
            check!(
                close(
                    s.egress_cost,
                    s.served as f64 * a.egress.per_request(),
                    1e-9
                ),
                ctx,
                "egress {} for {} responses",
                s.egress_cost,
                s.served
            );
            check!(
                s.requeued <= s.spot_interruptions * sc.service.slots_per_server as u64,
                ctx,
                "{} re-queued by {} interruptions of {}-slot servers",
                s.requeued,
                s.spot_interruptions,
                sc.service.slots_per_server
            );
            let p = &a.purchase;
            if p.spot_share == 0.0 || p.spot_interruptions_per_hour == 0.0 {
                check!(s.spot_interruptions == 0, ctx, "interruptions without spot");
            }
            if p.is_mixed() {
                // The commitment runs every second; on-demand and spot never exceed their
                // full-price bill; the commitment's whole term is committed.
                let price_s = a.billing.price_per_hour / 3600.0;
                let reserved =
                    p.reserved as f64 * price_s * (1.0 - p.reserved_discount) * horizon_s;
                check!(
                    close(s.cost_reserved, reserved, 1e-9),
                    ctx,
                    "reserved cost {} != {reserved}",
                    s.cost_reserved
                );
                check!(
                    s.cost_on_demand + s.cost_spot
                        <= price_s * s.billed_server_seconds * (1.0 + 1e-9) + 1e-12,
                    ctx,
                    "metered {} + {} above full price for billed {} s",
                    s.cost_on_demand,
                    s.cost_spot,
                    s.billed_server_seconds
                );
                check!(
                    s.committed_cost >= s.total_cost * (1.0 - 1e-9),
                    ctx,
                    "committed {} < cost {}",
                    s.committed_cost,
                    s.total_cost
                );
                return Ok(());
            }
            // Metered: cost = price × billed time, all of it committed.
            let want = a.billing.price_per_hour / 3600.0 * s.billed_server_seconds;
            check!(
                close(s.total_cost, want, 1e-9),
                ctx,
                "cloud cost {} != price × billed {want}",
                s.total_cost
            );
            check!(
                close(s.committed_cost, s.total_cost, 1e-9),
                ctx,
                "cloud commits {} != cost {}",
                s.committed_cost,
                s.total_cost
            );
        }
        PolicyKind::Containers(_) => check!(
            close(s.committed_cost, s.total_cost, 1e-9),
            ctx,
            "cluster commits {} != cost {}",
            s.committed_cost,
            s.total_cost
        ),
    }
    Ok(())
}

fn check_outcome(sc: &Scenario, out: &Outcome, text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(out.policies.len(), sc.policies.len());
    let first = &out.policies[0];
    let expected = expected_arrivals(sc);
    for (p, spec) in out.policies.iter().zip(&sc.policies) {
        let ctx = format!("policy {:?} of\n{text}\n", spec.name);
        let s = &p.summary;
        check!(s.policy == spec.name, &ctx, "summary of {:?}", s.policy);
        // Common random numbers: every policy saw the same request stream.
        check!(
            s.arrived == first.summary.arrived,
            &ctx,
            "arrived {} but the first policy saw {}",
            s.arrived,
            first.summary.arrived
        );
        check_summary_basics(s, sc, &ctx)?;
        check_series(s, &p.series, sc, &ctx)?;
        check_policy(s, &p.series, &spec.kind, sc, &ctx)?;
    }
    // The arrivals are a Poisson draw of ∫λ: within 7 standard deviations (plus a
    // margin for the quadrature and for small counts).
    let arrived = first.summary.arrived as f64;
    check!(
        (arrived - expected).abs() <= 7.0 * expected.sqrt() + 0.002 * expected + 8.0,
        text,
        "{arrived} arrivals, expected about {expected:.1}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// `default` cases, or `PROPTEST_CASES` from the environment for a deeper search
/// (`PROPTEST_CASES=5000 cargo test --test it properties::`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), failure_persistence: None, ..ProptestConfig::default() })]

    /// Every invariant of one run, plus determinism and seed sensitivity.
    #[test]
    fn random_scenarios_keep_the_invariants(g in scenario_with(any_queue_limit())) {
        let text = g.toml();
        let sc = parse(&g)?;
        let out = run_quiet(&sc);
        check_outcome(&sc, &out, &text)?;

        // Determinism: the same file gives the same outcome, bit for bit.
        let again = run_quiet(&sc);
        prop_assert!(out == again, "two runs of the same scenario differ:\n{}", text);

        // Another seed draws another request stream.
        let expected = expected_arrivals(&sc);
        if expected > 100.0 {
            let mut other = sc.clone();
            other.seed = sc.seed.wrapping_add(1);
            let out2 = run_quiet(&other);
            prop_assert!(
                out != out2,
                "seed {} and {} give identical outcomes ({expected:.0} arrivals expected):\n{}",
                sc.seed,
                other.seed,
                text
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    /// Bursts against quick autoscalers: the fleet bounds and billing under real
    /// scale-out, cancelled boots, scale-in and draining.
    #[test]
    fn bursty_traffic_against_eager_autoscalers(g in bursty_scenario()) {
        let text = g.toml();
        let sc = parse(&g)?;
        let out = run_quiet(&sc);
        check_outcome(&sc, &out, &text)?;
    }

    /// No queue at all: a request is served at once or dropped, never waits.
    #[test]
    fn without_a_queue_nobody_waits(g in scenario_with(Just(0u64).boxed())) {
        let text = g.toml();
        let sc = parse(&g)?;
        let out = run_quiet(&sc);
        check_outcome(&sc, &out, &text)?;
        for p in &out.policies {
            // Restarted requests (spot interruptions) wait for a free slot, not in a queue.
            prop_assert!(
                (p.summary.wait_mean_s == 0.0 || p.summary.requeued > 0)
                    && p.series.iter().all(|x| x.queue_length == 0),
                "{} waited with queue_limit = 0:\n{}",
                p.summary.policy,
                text
            );
        }
    }
}

/// Comparable service-level results of one policy (everything but money and fleet).
fn service_view(p: &provsim::simulation::PolicyOutcome) -> impl PartialEq + std::fmt::Debug {
    let s = &p.summary;
    let series: Vec<_> = p
        .series
        .iter()
        .map(|x| {
            (
                x.time_s,
                x.arrival_rate,
                x.busy_slots,
                x.queue_length,
                x.served,
                x.dropped,
                x.slo_misses,
                x.response_p99_s,
            )
        })
        .collect();
    (
        (
            s.arrived,
            s.served,
            s.dropped,
            s.in_system_at_end,
            s.slo_misses,
        ),
        (s.wait_mean_s, s.waited_fraction, s.response_mean_s),
        (
            s.response_p50_s,
            s.response_p95_s,
            s.response_p99_s,
            s.response_max_s,
        ),
        (s.busy_slot_seconds, s.mean_in_system, s.mean_servers),
        series,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    /// The same fleet serves the same way whatever pays for it: n own servers, n leased
    /// ones and an autoscaler pinned at min = max = initial = n see identical requests
    /// and give identical latency, drops and busy time; only the bills differ.
    #[test]
    fn the_same_fleet_serves_alike_whatever_the_bill(
        g in scenario_with(any_queue_limit()),
        n in 1..=40u32,
        f in fixed(),
        l in lease(),
        a in autoscale(),
    ) {
        let mut g = g;
        g.policies = vec![
            PolicyG::Fixed(FixedG { servers: n, ..f.clone() }),
            PolicyG::Lease(LeaseG { servers: n, ..l }),
            PolicyG::Autoscale(AutoscaleG { min: n, max: n, initial: Some(n), ..a.clone() }),
        ];
        // A hybrid of k own servers and n − k pinned cloud instances: same slots, same
        // queue, so the same service, whichever side a request lands on.
        if n >= 2 {
            let k = 1 + n / 3;
            let m = n - k;
            g.policies.push(PolicyG::Hybrid(
                Box::new(PolicyG::Fixed(FixedG { servers: k, ..f })),
                AutoscaleG { min: m, max: m, initial: Some(m), ..a },
                Some(100_000.0),
            ));
        }
        let text = g.toml();
        let sc = parse(&g)?;
        let out = run_quiet(&sc);
        check_outcome(&sc, &out, &text)?;
        let own = service_view(&out.policies[0]);
        for p in &out.policies[1..] {
            prop_assert_eq!(&own, &service_view(p), "{} differs from own servers:\n{}", p.summary.policy, text);
        }
        let cloud = &out.policies[2].summary;
        let horizon_s = sc.horizon as f64 / 1e6;
        prop_assert!(
            cloud.launches == n as u64
                && cloud.peak_servers == n as u64
                && close(cloud.billed_server_seconds, n as f64 * horizon_s, 1e-9),
            "pinned autoscaler launched {} (peak {}), billed {} s:\n{}",
            cloud.launches,
            cloud.peak_servers,
            cloud.billed_server_seconds,
            text
        );
    }
}

/// Found by `random_scenarios_keep_the_invariants`: a step profile whose pieces are
/// shorter than the thinning segment (60 s). λ is 5 × base on [71.26 s, 89.08 s), but the
/// rate bound of the segment [60 s, 120 s) comes out 0, so no request arrives at all.
#[test]
fn a_short_step_profile_piece_keeps_its_arrivals() {
    let text = r#"
horizon = "123054ms"
seed = 0
[service]
service_time = { distribution = "exponential", mean = "10ms" }
slots_per_server = 1
[workload]
base_rate = 48.75908137890682
[[workload.shape]]
type = "profile"
period = "89078ms"
points = [0.0, 0.0, 0.0, 0.0, 2.7392713166198948]
interpolate = "step"
[[policy]]
name = "own"
type = "fixed"
servers = 1
cost = { capex_per_server = 0.0, amortization = "365d" }
"#;
    let sc = scenario::parse(text, "short-step.toml", "short-step").unwrap();
    let rate = RateFunction::new(&sc.workload);
    let peak = rate.at(80.0);
    let bound = rate.max_over(60_000_000, 120_000_000);
    assert!(
        bound >= peak,
        "max_over(60 s, 120 s) = {bound} < λ(80 s) = {peak}"
    );
    let expected = expected_arrivals(&sc);
    let arrived = run_quiet(&sc).policies[0].summary.arrived as f64;
    assert!(
        (arrived - expected).abs() <= 7.0 * expected.sqrt() + 8.0,
        "{arrived} arrivals, expected about {expected:.0}"
    );
}
