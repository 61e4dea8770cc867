//! Engine and request-level throughput.
//!
//! - `engine/hold`: the classic hold model: ~100 pending events, pop one, push one at a
//!   random later time. Reports events/s.
//! - `request-level/mmc`: an M/M/c run (c = 10 slots, 80 % load) through the whole
//!   request-level model, one policy. Reports requests/s.
//! - `request-level/mmc-1e7-csv`: the same model for 125,000 s, about 10⁷ customers, as
//!   `provsim run --no-charts` does it: read the file, simulate (histograms and time
//!   series on), write `summary.csv`, `timeseries.csv` and the scenario copy. Reports
//!   customers/s of the whole run.
//! - `rules/*`: the same spiky hour, request level, once with the foundation's rules
//!   (plain target tracking; a plain owned fleet) and once with every later rule switched
//!   on (several metrics, a schedule, boot-time spread, application warmup, provider
//!   limits, reserved + spot instances with interruptions; load-following power and a
//!   purchase rule; lease renewal, minimum terms, an early exit fee and a 95th-percentile
//!   bandwidth commit). The ratio of each pair is what those rules cost per request.
//!   `rules/hybrid-every-rule` routes the same hour through a leased base (8 servers,
//!   the everyday load) that overflows into an autoscaled cloud burst paying egress:
//!   against `rules/lease-foundation` and `rules/cloud-foundation`, what routing two
//!   fleets costs per request.
//! - `spot/*`: `rules/cloud-foundation`'s policy as is, with half its instances on spot
//!   (no interruptions: the same service, so the ratio is what tracking spot instances
//!   costs per request), and with interruptions at 0.5 per instance-hour.
//! - `containers/*`: the spiky hour under the Kubernetes HPA, once as an `autoscale`
//!   group of VMs (`vm-hpa`) and once as pods on nodes under the cluster autoscaler
//!   (`containers-hpa`: the same pods, 8 to a node, nodes booting in 90 s): what the node
//!   layer costs per request.
//! - `functions/*`: the same spiky hour served by serverless functions (Lambda: one
//!   request per instance; Cloud Run: 80), next to `functions/autoscale`, the
//!   `rules/cloud-foundation` policy measured in the same group: what a per-request
//!   instance model costs against the fleet model.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use provsim::engine::Engine;

const PENDING: usize = 100;
const HOLD_OPS: u64 = 1_000_000;

/// Exponential-ish increments from a fixed table so the bench measures the queue, not
/// the random number generator.
fn increments() -> Vec<u64> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            (-(1.0 - u).ln() * 1000.0) as u64 + 1
        })
        .collect()
}

fn hold_model(c: &mut Criterion) {
    let inc = increments();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(HOLD_OPS));
    group.bench_function("hold/100-pending", |b| {
        b.iter(|| {
            let mut engine: Engine<u32> = Engine::with_capacity(PENDING + 1);
            for (i, &t) in inc.iter().take(PENDING).enumerate() {
                engine.schedule(t, i as u32);
            }
            for k in PENDING..PENDING + HOLD_OPS as usize {
                let (t, ev) = engine.pop().unwrap_or((0, 0));
                engine.schedule(t + inc[k & 4095], ev);
            }
            black_box(engine.now())
        })
    });
    group.finish();
}

const MMC: &str = r#"
name = "mmc-bench"
horizon = "1h"
seed = 1
sample_every = "1m"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 10
queue_limit = 1000000
[workload]
base_rate = 80.0
[[policy]]
name = "c10"
type = "fixed"
servers = 1
cost = { capex_per_server = 1000.0, amortization = "4y" }
"#;

fn request_level(c: &mut Criterion) {
    let scenario =
        provsim::scenario::parse(MMC, "mmc.toml", "mmc").expect("bench scenario is valid");
    let requests = provsim::simulation::run_quiet(&scenario).policies[0]
        .summary
        .arrived;
    let mut group = c.benchmark_group("request-level");
    group.throughput(Throughput::Elements(requests));
    group.sample_size(20);
    group.bench_function("mmc/c10-rho0.8", |b| {
        b.iter(|| black_box(provsim::simulation::run_quiet(&scenario)))
    });

    // About 10⁷ customers: 80/s for 125,000 s, through `provsim run --no-charts`.
    let long = MMC.replace("horizon = \"1h\"", "horizon = \"125000s\"");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mmc-1e7.toml");
    std::fs::write(&file, &long).expect("bench scenario written");
    let scenario = provsim::scenario::parse(&long, "mmc-1e7.toml", "mmc").expect("valid");
    let customers = provsim::simulation::run_quiet(&scenario).policies[0]
        .summary
        .arrived;
    let request = provsim::app::RunRequest {
        scenarios: vec![file],
        out: Some(dir.path().join("out")),
        seed: None,
        replications: None,
        fidelity: None,
        charts: false,
        print: false,
        allow_large: false,
    };
    group.throughput(Throughput::Elements(customers));
    group.sample_size(10);
    group.bench_function("mmc-1e7-csv", |b| {
        b.iter(|| provsim::app::run(&request).expect("bench scenario runs"))
    });
    group.finish();
}

/// The year-long shipped scenario's traffic against one autoscaled policy, in fluid
/// fidelity with 1 s steps: reports policy-steps/s.
const FLUID: &str = r#"
name = "fluid-bench"
horizon = "30d"
seed = 1
sample_every = "1h"
fidelity = "fluid"
step = "1s"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 8
queue_limit = 5000
[workload]
base_rate = 100.0
[[workload.shape]]
type = "diurnal"
amplitude = 0.6
[[workload.shape]]
type = "spike"
start = "10d"
ramp_up = "1h"
hold = "10h"
ramp_down = "4h"
factor = 3.0
[[policy]]
name = "cloud"
type = "autoscale"
min = 2
max = 40
initial = 2
boot_time = "90s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.384 }
"#;

fn fluid_steps(c: &mut Criterion) {
    let scenario =
        provsim::scenario::parse(FLUID, "fluid.toml", "fluid").expect("bench scenario is valid");
    let steps = provsim::simulation::run_quiet(&scenario).policies[0].events;
    let mut group = c.benchmark_group("fluid");
    group.throughput(Throughput::Elements(steps));
    group.sample_size(10);
    group.bench_function("steps/30d-1s-autoscale", |b| {
        b.iter(|| black_box(provsim::simulation::run_quiet(&scenario)))
    });
    group.finish();
}

/// One spiky hour at 400 req/s (×3 for 15 minutes), 8-slot servers.
const RULES_BASE: &str = r#"
name = "rules-bench"
horizon = "1h"
seed = 3
sample_every = "1m"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 8
queue_limit = 5000
[workload]
base_rate = 400.0
[[workload.shape]]
type = "spike"
start = "20m"
ramp_up = "2m"
hold = "15m"
ramp_down = "3m"
factor = 3.0
"#;

const RULES: [(&str, &str); 7] = [
    (
        "cloud-foundation",
        r#"[[policy]]
name = "cloud"
type = "autoscale"
min = 4
max = 40
initial = 8
boot_time = "90s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.384 }
"#,
    ),
    (
        "cloud-every-rule",
        r#"[[policy]]
name = "cloud"
type = "autoscale"
min = 4
max = 40
initial = 8
boot_time = "90s"
boot_time_p95 = "180s"
scaling = { type = "target-tracking", target = 0.6, request_rate_target = 40.0, queue_length_target = 20.0 }
schedule = [{ at = "00:15", min = 6 }, { at = "00:45", min = 4 }]
billing = { preset = "aws-linux", price_per_hour = 0.384 }
limits = { quota = 30, launches_per_minute = 10, shortages = [{ start = "25m", duration = "2m" }] }
app_warmup = { duration = "60s", capacity = 0.5 }
purchase = { reserved = 4, reserved_discount = 0.35, spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 0.5, spot_notice = "120s" }
"#,
    ),
    (
        "own-foundation",
        r#"[[policy]]
name = "own"
type = "fixed"
servers = 16
cost = { capex_per_server = 2500.0, amortization = "4y", watts = 150.0 }
"#,
    ),
    (
        "own-every-rule",
        r#"[[policy]]
name = "own"
type = "fixed"
servers = 16
cost = { capex_per_server = 2500.0, amortization = "4y", watts = 150.0, idle_watts = 60.0 }
purchase = { threshold = 0.5, lookback = "1h", order = 2, lead_time = "1d" }
"#,
    ),
    (
        "lease-foundation",
        r#"[[policy]]
name = "idc"
type = "lease"
servers = 16
term = "30d"
price_per_server_term = 140.0
"#,
    ),
    (
        "lease-every-rule",
        r#"[[policy]]
name = "idc"
type = "lease"
servers = 16
term = "30d"
price_per_server_term = 140.0
setup_fee_per_server = 100.0
min_terms = 3
early_exit_fee = 200.0
renewal = { notice = "10d", lead_time = "7d", min_servers = 8 }
bandwidth = { bytes_per_request = 50000.0, commit_mbps = 100.0, price_per_mbps = 1.5, overage_per_mbps = 2.0 }
"#,
    ),
    (
        "hybrid-every-rule",
        r#"[[policy]]
name = "hybrid"
type = "hybrid"
[policy.base]
type = "lease"
servers = 8
term = "30d"
price_per_server_term = 140.0
renewal = { notice = "10d", min_servers = 8 }
[policy.burst]
type = "autoscale"
min = 0
max = 32
boot_time = "90s"
scaling = { type = "target-tracking", target = 0.6 }
billing = { price_per_hour = 0.384 }
egress = { bytes_per_request = 50000.0, price_per_gb = 0.09 }
"#,
    ),
];

fn later_rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("rules");
    group.sample_size(10);
    for (name, policy) in RULES {
        let text = format!("{RULES_BASE}{policy}");
        let scenario = provsim::scenario::parse(&text, "rules.toml", "rules")
            .expect("bench scenario is valid");
        let requests = provsim::simulation::run_quiet(&scenario).policies[0]
            .summary
            .arrived;
        group.throughput(Throughput::Elements(requests));
        group.bench_function(name, |b| {
            b.iter(|| black_box(provsim::simulation::run_quiet(&scenario)))
        });
    }
    group.finish();
}

/// `rules/cloud-foundation`'s policy with and without half its instances on spot: the
/// same requests and, without interruptions, the same service, so the difference is
/// what tracking spot instances costs per request.
const SPOT: [(&str, &str); 3] = [
    ("on-demand", ""),
    (
        "half-spot",
        "purchase = { spot_share = 0.5, spot_discount = 0.7 }\n",
    ),
    (
        "half-spot-interrupted",
        "purchase = { spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 0.5, spot_notice = \"120s\" }\n",
    ),
];

fn spot(c: &mut Criterion) {
    let mut group = c.benchmark_group("spot");
    group.sample_size(10);
    let (_, cloud) = RULES[0];
    for (name, purchase) in SPOT {
        let text = format!("{RULES_BASE}{cloud}{purchase}");
        let scenario =
            provsim::scenario::parse(&text, "spot.toml", "spot").expect("bench scenario is valid");
        let requests = provsim::simulation::run_quiet(&scenario).policies[0]
            .summary
            .arrived;
        group.throughput(Throughput::Elements(requests));
        group.bench_function(name, |b| {
            b.iter(|| black_box(provsim::simulation::run_quiet(&scenario)))
        });
    }
    group.finish();
}

/// The same HPA on VMs and on pods: the pods take the VMs' slots (8) and start in the
/// VMs' boot time less the nodes' (5 s), nodes of 8 CPUs hold 8 pods of 1 CPU.
const CONTAINERS: [(&str, &str); 2] = [
    (
        "vm-hpa",
        r#"[[policy]]
name = "vms"
type = "autoscale"
min = 4
max = 40
initial = 4
boot_time = "90s"
scaling = { type = "hpa", target = 0.6 }
billing = { price_per_hour = 0.384 }
"#,
    ),
    (
        "containers-hpa",
        r#"[[policy]]
name = "pods"
type = "containers"
pods = { slots = 8, cpu = 1.0, memory_gb = 2.0, start = "5s", min = 4, max = 40 }
nodes = { cpus = 8.0, memory_gb = 32.0, boot_time = "90s", min = 1, max = 10, billing = { price_per_hour = 0.384 } }
scaling = { type = "hpa", target = 0.6 }
control_plane_per_hour = 0.10
"#,
    ),
];

/// The spiky hour as functions, and the autoscaled cloud beside them.
const FUNCTIONS: [(&str, &str); 3] = [
    ("autoscale", ""),
    (
        "lambda",
        r#"[[policy]]
name = "lambda"
type = "functions"
preset = "aws-lambda"
cold_start = "250ms"
cold_start_p95 = "800ms"
"#,
    ),
    (
        "cloud-run",
        r#"[[policy]]
name = "cloud-run"
type = "functions"
preset = "cloud-run"
cold_start = "1s"
cold_start_p95 = "3s"
"#,
    ),
];

/// Each `(name, policy)` of `policies` on the spiky hour in benchmark group `group` (an
/// empty policy is `rules/cloud-foundation`'s, measured in the same group).
fn policies_on_the_spiky_hour(c: &mut Criterion, group: &str, policies: &[(&str, &str)]) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    for &(name, policy) in policies {
        let policy = if policy.is_empty() {
            RULES[0].1
        } else {
            policy
        };
        let text = format!("{RULES_BASE}{policy}");
        let scenario = provsim::scenario::parse(&text, "bench.toml", "bench")
            .expect("bench scenario is valid");
        let requests = provsim::simulation::run_quiet(&scenario).policies[0]
            .summary
            .arrived;
        group.throughput(Throughput::Elements(requests));
        group.bench_function(name, |b| {
            b.iter(|| black_box(provsim::simulation::run_quiet(&scenario)))
        });
    }
    group.finish();
}

fn containers(c: &mut Criterion) {
    policies_on_the_spiky_hour(c, "containers", &CONTAINERS);
}

fn functions(c: &mut Criterion) {
    policies_on_the_spiky_hour(c, "functions", &FUNCTIONS);
}

criterion_group!(
    benches,
    hold_model,
    request_level,
    fluid_steps,
    later_rules,
    spot,
    containers,
    functions
);
criterion_main!(benches);
