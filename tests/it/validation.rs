//! Validation of the request-level simulator against queueing theory.
//!
//! A `fixed` fleet with a constant arrival rate and exponential service is exactly the
//! M/M/c queue (c = servers × slots per server), so its long-run averages have closed
//! forms (`provsim::analytic`). Each test runs the *real* simulator on a scenario written
//! as TOML and checks the theory against the simulation's own statistical error.
//!
//! # How the tolerances are derived (no hand-tuned slack)
//!
//! - **Independent replications.** Each case is run [`REPLICATIONS`] times with seeds
//!   1..=N (fixed, not chosen to pass). Different seeds give independent request streams,
//!   so the N per-run estimates (e.g. `wait_mean_s`) are i.i.d., and each is an average
//!   over 10⁵–10⁶ requests, so close to normal. The Student-t interval
//!   `mean ± t(1 − α/2, N − 1)·s/√N` is then a valid confidence interval for the run's
//!   expected value.
//! - **Confidence level.** The file makes 18 interval checks. At 99 % each, a correct
//!   simulator would fail one of them ~16 % of the time; at 99.9 % ([`CONFIDENCE`]) the
//!   chance of any false failure is at most 1.8 % (Bonferroni, whatever the dependence
//!   between checks). The 99 % half-width is printed as well. With fixed seeds the
//!   outcome is deterministic: the suite either passes or fails the same way every time.
//! - **Start-up bias.** Runs start empty and the summary has no warm-up cut, so each
//!   run's averages include the transient. Its relative size is about the relaxation
//!   time τ over the run length T. The relaxation time of M/M/c is about
//!   E\[S\] / (c·(1 − √ρ)²): 12, 45, 9 and 16 E\[S\] for the four Erlang C cases,
//!   ≈ 40–60 E\[S\] for the M/G/1 cases, ≈ E\[S\] for the loss system. Every run is
//!   10⁴–3·10⁵ E\[S\] long, so the relative bias, about τ/T, is ≤ 2.3·10⁻⁴ in every
//!   case but M/M/100 (1.6·10⁻³, where the half-widths are ≥ 0.66 %), a small fraction
//!   of every printed half-width (≥ 0.2 % relative). Instead of discarding a
//!   warm-up, the runs are made long; the bias is accounted for, not hidden. (200
//!   replications, 10× the default, were run once while writing this file: every
//!   simulated value then agreed with theory within 0.2 %, inside its interval.)
//! - **Little's law** is checked two ways: the time-average number in system against
//!   theory (statistically, as above), and the sample-path identity
//!   ∫N(t)dt = Σ responses exactly, on runs whose arrivals stop before the horizon so
//!   that every request completes (no boundary terms, so no tolerance beyond float
//!   rounding).
//! - **Non-exponential service** has no exact M/G/c formula. For c = 1 the
//!   Pollaczek–Khinchine formula *is* exact (Allen–Cunneen reduces to it), so M/D/1 and
//!   M/LN/1 are checked with intervals like the rest. For c = 10 the Allen–Cunneen
//!   approximation is only checked to lie within ±[`ALLEN_CUNNEEN_BAND`] of the simulated
//!   mean (plus its interval): a sanity check on the approximation's usual error, not an
//!   exact test.
//!
//! Run with `cargo test --test it validation:: -- --nocapture` to see every comparison.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use provsim::analytic::{MMc, MMcK, allen_cunneen_wait, erlang_b};
use provsim::metrics::Summary;

/// Independent replications per case (seeds 1..=N).
const REPLICATIONS: u64 = 20;
/// Two-sided confidence of the asserted intervals (see the module docs).
const CONFIDENCE: f64 = 0.999;
/// Allowed relative error of the Allen–Cunneen approximation for M/G/c, c > 1.
const ALLEN_CUNNEEN_BAND: f64 = 0.20;

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

/// One queue to simulate: a fixed fleet, a constant Poisson rate.
#[derive(Clone, Copy)]
struct Case {
    servers: u32,
    slots_per_server: u32,
    /// TOML inline table of the service-time distribution.
    service: &'static str,
    mean_service: f64,
    arrival_rate: f64,
    queue_limit: u64,
    /// Simulated seconds.
    horizon_s: u64,
    /// If set, arrivals stop at this second (the rest of the horizon drains the queue).
    arrivals_stop_s: Option<u64>,
}

const EXP_100MS: &str = r#"{ distribution = "exponential", mean = "100ms" }"#;
const CONST_100MS: &str = r#"{ distribution = "constant", value = "100ms" }"#;
const LOGN_100MS_CV15: &str = r#"{ distribution = "lognormal", mean = "100ms", cv = 1.5 }"#;
/// "Unlimited" waiting room.
const NO_LIMIT: u64 = 10_000_000;

impl Case {
    fn mmc(servers: u32, slots_per_server: u32, load: f64, horizon_s: u64) -> Case {
        Case {
            servers,
            slots_per_server,
            service: EXP_100MS,
            mean_service: 0.1,
            arrival_rate: load / 0.1,
            queue_limit: NO_LIMIT,
            horizon_s,
            arrivals_stop_s: None,
        }
    }

    fn slots(&self) -> u32 {
        self.servers * self.slots_per_server
    }

    fn offered_load(&self) -> f64 {
        self.arrival_rate * self.mean_service
    }

    fn theory(&self) -> MMc {
        MMc {
            servers: self.slots(),
            arrival_rate: self.arrival_rate,
            mean_service: self.mean_service,
        }
    }

    fn toml(&self, seed: u64) -> String {
        let stop = match self.arrivals_stop_s {
            Some(s) => {
                format!("[[workload.shape]]\ntype = \"step\"\nat = \"{s}s\"\nfactor = 0.0\n")
            }
            None => String::new(),
        };
        format!(
            r#"
name = "validation"
horizon = "{h}s"
seed = {seed}
sample_every = "{h}s"

[service]
service_time = {service}
slots_per_server = {slots}
queue_limit = {limit}

[workload]
base_rate = {rate:?}
{stop}
[[policy]]
name = "fixed"
type = "fixed"
servers = {servers}
cost = {{ capex_per_server = 1000.0, amortization = "4y" }}
"#,
            h = self.horizon_s,
            service = self.service,
            slots = self.slots_per_server,
            limit = self.queue_limit,
            rate = self.arrival_rate,
            servers = self.servers,
        )
    }

    /// One full simulation run with `seed`.
    fn run(&self, seed: u64) -> Summary {
        let text = self.toml(seed);
        let scenario = provsim::scenario::parse(&text, "validation.toml", "validation")
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut outcome = provsim::simulation::run_quiet(&scenario);
        assert_eq!(outcome.policies.len(), 1);
        let s = outcome.policies.remove(0).summary;
        assert_eq!(s.arrived, s.served + s.dropped + s.in_system_at_end);
        s
    }

    /// Runs seeds 1..=REPLICATIONS, spread over the machine's cores.
    fn replicate(&self) -> Vec<Summary> {
        let next = AtomicU64::new(1);
        let out = Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let seed = next.fetch_add(1, Ordering::Relaxed);
                        if seed > REPLICATIONS {
                            break;
                        }
                        let s = self.run(seed);
                        out.lock().unwrap().push((seed, s));
                    }
                });
            }
        });
        let mut runs = out.into_inner().unwrap();
        runs.sort_by_key(|(seed, _)| *seed);
        runs.into_iter().map(|(_, s)| s).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

/// Mean and Student-t confidence half-widths of i.i.d. replication estimates.
struct Estimate {
    mean: f64,
    /// Half-width at 99 % (printed) and at [`CONFIDENCE`] (asserted).
    half_99: f64,
    half: f64,
}

impl Estimate {
    fn of(xs: &[f64]) -> Estimate {
        let n = xs.len() as f64;
        assert!(xs.len() >= 2, "need at least two replications");
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        let df = n - 1.0;
        Estimate {
            mean,
            half_99: student_t_quantile(0.995, df) * se,
            half: student_t_quantile(1.0 - (1.0 - CONFIDENCE) / 2.0, df) * se,
        }
    }
}

/// Prints theory against the simulated mean and asserts theory lies in the interval.
fn check(label: &str, theory: f64, xs: &[f64]) {
    let e = Estimate::of(xs);
    let inside = (theory - e.mean).abs() <= e.half;
    println!(
        "{label:<44} theory {theory:>12.6}  sim {:>12.6}  ±{:.6} (99%)  ±{:.6} ({:.1}%)  rel.err {:+.4}  {}",
        e.mean,
        e.half_99,
        e.half,
        CONFIDENCE * 100.0,
        (e.mean - theory) / theory,
        if inside { "ok" } else { "OUTSIDE" },
    );
    assert!(
        inside,
        "{label}: theory {theory} outside the {:.1}% interval {} ± {}",
        CONFIDENCE * 100.0,
        e.mean,
        e.half
    );
}

fn field(runs: &[Summary], f: impl Fn(&Summary) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes §6.4).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The p-quantile of Student's t (p > 0.5), by bisection on the CDF.
fn student_t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1e4);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[test]
fn student_t_quantiles_match_tables() {
    for (p, df, want) in [
        (0.975, 10.0, 2.228_139),
        (0.995, 19.0, 2.860_935),
        (0.9995, 19.0, 3.883_406),
        (0.975, 1.0, 12.706_205),
        (0.995, 1000.0, 2.580_755),
    ] {
        let got = student_t_quantile(p, df);
        assert!(
            (got - want).abs() < 1e-5,
            "t({p}, {df}) = {got}, want {want}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Erlang C: M/M/c with an unlimited queue
// ---------------------------------------------------------------------------------------

/// P(wait), mean wait and mean number in system of one M/M/c case.
fn erlang_c_case(label: &str, case: Case) {
    let q = case.theory();
    let runs = case.replicate();
    let requests: u64 = runs.iter().map(|s| s.arrived).sum();
    println!(
        "\n{label}: c = {}, A = {}, ρ = {:.2}, {} runs × {} s, {requests} requests",
        case.slots(),
        case.offered_load(),
        q.utilization(),
        runs.len(),
        case.horizon_s
    );
    check(
        &format!("{label} P(wait) (Erlang C)"),
        q.p_wait(),
        &field(&runs, |s| s.waited_fraction),
    );
    check(
        &format!("{label} mean wait Wq (s)"),
        q.mean_wait(),
        &field(&runs, |s| s.wait_mean_s),
    );
    // Little's law: the time-average number in system against λ·W.
    check(
        &format!("{label} mean in system L = λW"),
        q.mean_in_system(),
        &field(&runs, |s| s.mean_in_system),
    );
    // Printed for comparison: the same L from the customer averages, λ̂·Ŵ.
    let little = Estimate::of(&field(&runs, |s| {
        (s.arrived - s.dropped) as f64 / case.horizon_s as f64 * s.response_mean_s
    }));
    println!(
        "{:<44} theory {:>12.6}  sim {:>12.6}  ±{:.6} (99%)  (λ̂·Ŵ, printed only)",
        format!("{label} (arrived−dropped)/T × response"),
        q.mean_in_system(),
        little.mean,
        little.half_99
    );
}

#[test]
fn erlang_c_single_slot_half_load() {
    // M/M/1, ρ = 0.5: P(wait) = 0.5, Wq = 0.1 s. 20 × 100k requests.
    erlang_c_case("M/M/1 ρ=0.5", Case::mmc(1, 1, 0.5, 20_000));
}

#[test]
fn erlang_c_two_slots_eighty_percent() {
    // One server with two slots, A = 1.6: P(wait) = 32/45. 20 × 320k requests.
    erlang_c_case("M/M/2 ρ=0.8", Case::mmc(1, 2, 1.6, 20_000));
}

#[test]
fn erlang_c_ten_slots_eighty_percent() {
    // Five servers × two slots, A = 8: P(wait) = 0.409180. 20 × 640k requests.
    erlang_c_case("M/M/10 ρ=0.8", Case::mmc(5, 2, 8.0, 8_000));
}

#[test]
fn erlang_c_hundred_slots_ninety_five_percent() {
    // 25 servers × four slots, A = 95. 20 × 950k requests.
    erlang_c_case("M/M/100 ρ=0.95", Case::mmc(25, 4, 95.0, 1_000));
}

// ---------------------------------------------------------------------------------------
// Erlang B: no waiting room
// ---------------------------------------------------------------------------------------

#[test]
fn erlang_b_loss_system() {
    let case = Case {
        queue_limit: 0,
        ..Case::mmc(10, 1, 8.0, 2_500)
    };
    let b = erlang_b(10, 8.0);
    let runs = case.replicate();
    println!(
        "\nM/M/10/10 A=8: {} runs × {} s",
        runs.len(),
        case.horizon_s
    );
    for s in &runs {
        // Nobody waits in a loss system.
        assert_eq!(s.wait_mean_s, 0.0);
        assert_eq!(s.waited_fraction, 0.0);
    }
    check(
        "M/M/10/10 drop fraction (Erlang B)",
        b,
        &field(&runs, |s| s.drop_fraction),
    );
    check(
        "M/M/10/10 mean busy slots A(1−B)",
        8.0 * (1.0 - b),
        &field(&runs, |s| s.busy_slot_seconds / case.horizon_s as f64),
    );
}

/// A small waiting room: the M/M/c/K queue, between the loss system and M/M/c.
#[test]
fn finite_waiting_room_mmck() {
    let case = Case {
        queue_limit: 3,
        ..Case::mmc(10, 1, 8.0, 2_500)
    };
    let theory = MMcK {
        servers: 10,
        arrival_rate: 80.0,
        mean_service: 0.1,
        queue_limit: 3,
    };
    let runs = case.replicate();
    println!(
        "\nM/M/10/13 A=8: {} runs × {} s",
        runs.len(),
        case.horizon_s
    );
    check(
        "M/M/10/13 drop fraction",
        theory.p_block(),
        &field(&runs, |s| s.drop_fraction),
    );
    check(
        "M/M/10/13 P(wait | admitted)",
        theory.p_wait(),
        &field(&runs, |s| s.waited_fraction),
    );
    check(
        "M/M/10/13 mean wait (s)",
        theory.mean_wait(),
        &field(&runs, |s| s.wait_mean_s),
    );
}

// ---------------------------------------------------------------------------------------
// Little's law on the sample path
// ---------------------------------------------------------------------------------------

/// When every accepted request has left by the horizon, ∫N(t)dt equals the sum of the
/// responses exactly (both are integer microseconds inside the simulator).
#[test]
fn littles_law_holds_exactly_on_drained_runs() {
    let cases = [
        Case::mmc(5, 2, 8.0, 1_000),
        Case {
            queue_limit: 0,
            ..Case::mmc(10, 1, 8.0, 1_000)
        },
        Case {
            queue_limit: 5,
            service: LOGN_100MS_CV15,
            ..Case::mmc(2, 1, 1.9, 1_000)
        },
    ];
    for (i, case) in cases.into_iter().enumerate() {
        // Arrivals stop 200 s (2000 mean services) before the horizon.
        let case = Case {
            arrivals_stop_s: Some(case.horizon_s - 200),
            ..case
        };
        let s = case.run(1 + i as u64);
        assert_eq!(s.in_system_at_end, 0, "case {i} did not drain");
        assert_eq!(s.arrived, s.served + s.dropped);
        let area = s.mean_in_system * case.horizon_s as f64;
        let sum = s.served as f64 * s.response_mean_s;
        let lambda_w = (s.arrived - s.dropped) as f64 / case.horizon_s as f64 * s.response_mean_s;
        println!(
            "Little (drained) case {i}: ∫N dt = {area:.6} s, Σ response = {sum:.6} s; L = {:.6}, λ̂Ŵ = {lambda_w:.6}",
            s.mean_in_system
        );
        assert!(
            (area - sum).abs() <= 1e-9 * sum,
            "case {i}: ∫N dt = {area} but Σ responses = {sum}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Non-exponential service
// ---------------------------------------------------------------------------------------

/// M/G/1: Pollaczek–Khinchine is exact, and P(wait) = ρ.
fn mg1_case(label: &str, service: &'static str, scv: f64) {
    let rho = 0.7;
    let case = Case {
        service,
        ..Case::mmc(1, 1, rho, 30_000)
    };
    let runs = case.replicate();
    println!(
        "\n{label} ρ={rho}: {} runs × {} s",
        runs.len(),
        case.horizon_s
    );
    check(
        &format!("{label} P(wait) = ρ"),
        rho,
        &field(&runs, |s| s.waited_fraction),
    );
    check(
        &format!("{label} Wq (Pollaczek–Khinchine, exact)"),
        allen_cunneen_wait(1, rho, 0.1, 1.0, scv),
        &field(&runs, |s| s.wait_mean_s),
    );
}

#[test]
fn pollaczek_khinchine_constant_service() {
    mg1_case("M/D/1", CONST_100MS, 0.0);
}

#[test]
fn pollaczek_khinchine_lognormal_service() {
    mg1_case("M/LN(cv 1.5)/1", LOGN_100MS_CV15, 2.25);
}

/// M/G/10 at ρ = 0.8: Allen–Cunneen within its usual error band (a sanity check, not an
/// exact test). Its own error here, measured once with 200 replications, is −6.7 % for
/// constant service (Cosmetatos' M/D/c correction, +7.5 %, accounts for it) and +17 % for
/// lognormal service with cv 1.5 (two moments do not pin the wait down when service is
/// this variable); the band is ±20 % of the simulated mean plus its interval.
#[test]
fn allen_cunneen_multi_slot() {
    for (label, service, scv) in [
        ("M/D/10", CONST_100MS, 0.0),
        ("M/LN(cv 1.5)/10", LOGN_100MS_CV15, 2.25),
    ] {
        let case = Case {
            service,
            ..Case::mmc(5, 2, 8.0, 2_000)
        };
        let runs = case.replicate();
        let e = Estimate::of(&field(&runs, |s| s.wait_mean_s));
        let ac = allen_cunneen_wait(10, 8.0, 0.1, 1.0, scv);
        let rel = (ac - e.mean) / e.mean;
        let band = ALLEN_CUNNEEN_BAND * e.mean + e.half;
        println!(
            "{:<44} approx {ac:>12.6}  sim {:>12.6}  ±{:.6} (99%)  ±{:.6} ({:.1}%)  rel.err of approx {rel:+.4} (band ±{:.0}%)",
            format!("{label} ρ=0.8 Wq (Allen–Cunneen)"),
            e.mean,
            e.half_99,
            e.half,
            CONFIDENCE * 100.0,
            ALLEN_CUNNEEN_BAND * 100.0,
        );
        assert!(
            (ac - e.mean).abs() <= band,
            "{label}: Allen–Cunneen {ac} vs simulated {} ± {}: beyond ±{}%",
            e.mean,
            e.half,
            ALLEN_CUNNEEN_BAND * 100.0
        );
    }
}
