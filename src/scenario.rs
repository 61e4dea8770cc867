//! Scenario files: the serde types that mirror the TOML, and the validation that turns
//! them into a checked, typed [`Scenario`] the simulator can trust.
//!
//! Every error names the file, the field (as a path like `policy[2].max`), the line and
//! column where the file has them, and what was expected. Unknown fields are errors.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::engine::{SECOND, Time};

/// The scenario used when `provsim run` is given no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/flash-crowd.toml");
/// The name shown for the built-in default scenario in messages.
pub const DEFAULT_SCENARIO_FILE: &str = "<built-in flash-crowd>";

/// Longest horizon accepted: request-level time is `u64` microseconds, and a century is
/// already far past any planning question.
const MAX_HORIZON: Time = 100 * 31_557_600 * SECOND;
/// Most time-series samples per policy: keeps memory bounded whatever the file says.
const MAX_SAMPLES: u64 = 2_000_000;
const MAX_SERVERS: u64 = 1_000_000;
/// Most fluid steps per policy: ten years of 1 s steps.
const MAX_STEPS: u64 = 315_576_000;
const MAX_SLOTS: u64 = 100_000;
/// Most slots one policy may have (servers × slots per server): every slot is simulated,
/// so this bounds memory (a few bytes per slot) whatever the file says.
const MAX_POLICY_SLOTS: u64 = 10_000_000;

/// A scenario file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read scenario file: {reason}")]
    Read { file: String, reason: String },
    /// The file is not valid TOML or does not match the scenario's shape.
    #[error("{file}{at}: {message}")]
    Syntax {
        file: String,
        at: LineCol,
        message: String,
    },
    /// A field has a value the model cannot use.
    #[error("{file}{at}: field `{field}`: {message}")]
    Invalid {
        file: String,
        at: LineCol,
        field: String,
        message: String,
    },
}

/// `:line:column` when known, empty otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCol(pub Option<(usize, usize)>);

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((line, col)) => write!(f, ":{line}:{col}"),
            None => Ok(()),
        }
    }
}

impl LineCol {
    fn of_offset(src: &str, offset: usize) -> LineCol {
        let offset = offset.min(src.len());
        let before = &src.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        LineCol(Some((line, col)))
    }
}

// ---------------------------------------------------------------------------------------
// The checked model
// ---------------------------------------------------------------------------------------

/// A validated scenario: every value is in range and in simulator units.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Output folder name.
    pub name: String,
    pub description: String,
    /// Length of the simulated window.
    pub horizon: Time,
    pub seed: u64,
    /// Time-series resolution.
    pub sample_every: Time,
    pub service: Service,
    pub workload: Workload,
    pub policies: Vec<PolicySpec>,
    /// How the traffic is simulated.
    pub fidelity: Fidelity,
    /// Independent runs (seeds) to average; 1 = a single run.
    pub replications: u32,
}

/// How finely traffic and service are simulated (DESIGN.md §2, "two fidelities").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fidelity {
    /// Every request is an event: exact, for horizons of hours to weeks.
    Request,
    /// Traffic and service integrated in fixed steps, latency from queueing theory: for
    /// months and years.
    Fluid { step: Time },
}

impl Fidelity {
    /// The name used in scenario files and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Fidelity::Request => "request",
            Fidelity::Fluid { .. } => "fluid",
        }
    }
}

/// What a request needs from a server.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub service_time: ServiceTime,
    pub slots_per_server: u32,
    /// Most requests waiting (not in service); an arrival beyond it is dropped.
    pub queue_limit: u64,
    /// A response slower than this is an SLO miss.
    pub slo: Time,
    /// What lost and late traffic costs (0 unless `[service.penalty]` says).
    pub penalty: Penalty,
}

/// The price of lost and late traffic, to weigh against the price of idle capacity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Penalty {
    /// USD per dropped request (e.g. lost revenue per failed checkout).
    pub per_dropped_request: f64,
    /// USD per response slower than the SLO.
    pub per_slo_miss: f64,
}

impl Penalty {
    /// Whether the scenario prices lost traffic at all.
    pub fn is_set(&self) -> bool {
        self.per_dropped_request > 0.0 || self.per_slo_miss > 0.0
    }
}

/// Service-time distribution, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTime {
    Exponential { mean: f64 },
    Constant { value: f64 },
    LogNormal { mean: f64, cv: f64 },
}

impl ServiceTime {
    /// Mean service time in seconds.
    pub fn mean(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { mean } | ServiceTime::LogNormal { mean, .. } => mean,
            ServiceTime::Constant { value } => value,
        }
    }

    /// Squared coefficient of variation (1 for exponential, 0 for constant).
    pub fn scv(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { .. } => 1.0,
            ServiceTime::Constant { .. } => 0.0,
            ServiceTime::LogNormal { cv, .. } => cv * cv,
        }
    }
}

/// Traffic: a base rate shaped by multiplicative shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Requests per second before shapes.
    pub base_rate: f64,
    pub shapes: Vec<Shape>,
}

/// A multiplier on the base rate, as a function of time. See `workload::rate`.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Rises linearly from 1 to `factor` over `ramp_up`, holds, then falls back to 1
    /// linearly over `ramp_down` or exponentially with time constant `decay`.
    Spike {
        start: Time,
        ramp_up: Time,
        hold: Time,
        ramp_down: Time,
        decay: Option<Time>,
        factor: f64,
    },
    /// `factor` from `at` (until `until`, if given).
    Step {
        at: Time,
        until: Option<Time>,
        factor: f64,
    },
    /// `1 + amplitude × cos(2π (t − peak_at) / period)`.
    Diurnal {
        amplitude: f64,
        period: Time,
        peak_at: Time,
    },
    /// A cyclic profile of equally spaced points, scaled to mean 1.
    Profile {
        period: Time,
        /// Already divided by their mean.
        points: Vec<f64>,
        interpolate: Interpolate,
        offset: Time,
    },
    /// Compound growth: `factor^(t / per)`.
    Growth { factor: f64, per: Time },
}

/// How a profile goes from one point to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolate {
    Linear,
    Step,
}

/// One provisioning policy to play the traffic against.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    pub kind: PolicyKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyKind {
    Fixed(FixedSpec),
    Lease(LeaseSpec),
    Autoscale(AutoscaleSpec),
    Hybrid(HybridSpec),
}

impl PolicyKind {
    /// The `type` string of the scenario file.
    pub fn type_name(&self) -> &'static str {
        match self {
            PolicyKind::Fixed(_) => "fixed",
            PolicyKind::Lease(_) => "lease",
            PolicyKind::Autoscale(_) => "autoscale",
            PolicyKind::Hybrid(_) => "hybrid",
        }
    }

    /// The autoscaling group of this policy: itself, or a hybrid's burst.
    pub fn cloud(&self) -> Option<&AutoscaleSpec> {
        match self {
            PolicyKind::Autoscale(a) => Some(a),
            PolicyKind::Hybrid(h) => Some(&h.burst),
            _ => None,
        }
    }
}

/// Cloud bursting: own or leased servers (`base`, a `fixed` or `lease` policy) take the
/// traffic first; what finds them full overflows to cloud instances (`burst`, an
/// `autoscale` group). The burst group scales the hybrid as one fleet: it measures
/// utilisation (or request rate, queue) over base and burst together and counts the
/// base's ready servers as capacity it cannot remove; its `min` and `max` bound the
/// cloud instances alone, so `min = 0` is allowed. Responses the burst serves pay its
/// `egress`.
#[derive(Debug, Clone, PartialEq)]
pub struct HybridSpec {
    /// A [`PolicyKind::Fixed`] or [`PolicyKind::Lease`].
    pub base: Box<PolicyKind>,
    pub burst: AutoscaleSpec,
}

/// Data egress of responses served from the cloud (AWS to the internet: $0.09/GB for
/// the first 10 TB a month).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Egress {
    pub bytes_per_request: f64,
    pub price_per_gb: f64,
}

impl Egress {
    /// USD per request served from the cloud.
    pub fn per_request(&self) -> f64 {
        self.bytes_per_request * self.price_per_gb / 1e9
    }
}

/// Own servers, bought up front.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedSpec {
    pub servers: u32,
    pub capex_per_server: f64,
    /// Seconds over which capex is spread.
    pub amortization: f64,
    /// Power drawn at full load (and at any load without `idle_watts`).
    pub watts: f64,
    /// Power drawn idle: with it, a server draws `idle_watts + (watts − idle_watts) ×
    /// utilisation`.
    pub idle_watts: Option<f64>,
    pub pue: f64,
    pub price_per_kwh: f64,
    pub ops_per_server_month: f64,
    /// How the owner buys more (and retires) servers, if at all.
    pub purchase: Option<PurchaseRule>,
}

/// An owner's rule for growing the fleet: when utilisation over `lookback` exceeds
/// `threshold`, order `order` servers, delivered (and paid from then on) `lead_time`
/// later; when it falls below `retire_below`, retire `order` servers, never below the
/// initial fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseRule {
    pub threshold: f64,
    pub lookback: Time,
    pub order: u32,
    pub lead_time: Time,
    pub max_servers: u32,
    pub retire_below: Option<f64>,
}

/// An IDC lease: a fixed fleet paid per term.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseSpec {
    pub servers: u32,
    pub term: Time,
    pub price_per_server_term: f64,
    pub setup_fee_per_server: f64,
    /// Terms each server is committed for from its start (the contract's minimum
    /// length): it cannot be handed back before, and is owed for them all.
    pub min_terms: u32,
    /// USD per server to leave before `min_terms` are served, instead of paying them out;
    /// without it a committed server stays until its commitment ends.
    pub early_exit_fee: Option<f64>,
    /// How the fleet is resized at each renewal, if at all.
    pub renewal: Option<Renewal>,
    /// A bandwidth commit billed at the 95th percentile, if any.
    pub bandwidth: Option<Bandwidth>,
}

/// A bandwidth commit billed at the monthly 95th percentile of 5-minute rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandwidth {
    /// Bytes sent per request served (response size).
    pub bytes_per_request: f64,
    pub commit_mbps: f64,
    /// USD per committed Mbps per month.
    pub price_per_mbps: f64,
    /// USD per Mbps per month above the commit.
    pub overage_per_mbps: f64,
}

/// Resizing a lease at its renewals: `notice` before each term boundary the fleet for the
/// next term is set to the term's observed peak busy servers × `headroom` (at least
/// `min_servers`, the contract's minimum commitment); added servers are provisioned
/// `lead_time` after that decision (not before the boundary), returned ones leave at the
/// boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    pub headroom: f64,
    pub notice: Time,
    pub lead_time: Time,
    pub min_servers: u32,
    pub max_servers: u32,
}

/// Cloud on-demand instances under an autoscaler.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscaleSpec {
    pub min: u32,
    pub max: u32,
    pub initial: u32,
    /// Boot time: the constant, or the median when `boot_time_p95` is set.
    pub boot_time: Time,
    /// 95th percentile of a lognormal boot time.
    pub boot_time_p95: Option<Time>,
    pub scaling: Scaling,
    /// Scheduled actions that change min, max or the desired capacity at times of day.
    pub schedule: Vec<ScheduledAction>,
    pub billing: CloudBilling,
    pub limits: ProviderLimits,
    pub app_warmup: Option<AppWarmup>,
    /// How instances are bought: on-demand, a reserved commitment, spot (`purchase`).
    pub purchase: Purchase,
    /// What each response served from these instances pays to leave the cloud.
    pub egress: Egress,
}

/// After booting, the application serves at reduced capacity for a while (JIT
/// compilation, caches filling, connection pools opening).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppWarmup {
    pub duration: Time,
    /// Fraction of its slots a warming server serves with, in (0, 1].
    pub capacity: f64,
}

/// What the cloud provider refuses (see `provider.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderLimits {
    /// Instances alive at once in the account.
    pub quota: Option<u32>,
    /// Launch token bucket: size and refill per minute.
    pub launches_per_minute: Option<u32>,
    /// [start, end) windows in which every launch fails.
    pub shortages: Vec<(Time, Time)>,
    /// How often refused launches are retried.
    pub retry_every: Time,
}

impl Default for ProviderLimits {
    fn default() -> Self {
        ProviderLimits {
            quota: None,
            launches_per_minute: None,
            shortages: Vec::new(),
            retry_every: 30 * SECOND,
        }
    }
}

/// Purchase options of an autoscaling group, mixable (`purchase = { … }`). Without the
/// table every instance is on-demand.
///
/// - Reserved / savings plan: `reserved` instances are paid every second of the window
///   at `(1 − reserved_discount)` × the on-demand price, used or not; at every instant up
///   to `reserved` running on-demand instances are covered by it, the rest are billed
///   on-demand.
/// - Spot: a `spot_share` of the running instances are spot instances, billed at
///   `(1 − spot_discount)` × the on-demand price and interrupted at
///   `spot_interruptions_per_hour` per running instance-hour (Poisson), `spot_notice`
///   after the notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub reserved: u32,
    pub reserved_discount: f64,
    /// Commitment term: whole terms started in the window are `committed_cost`.
    pub reserved_term: Time,
    pub spot_share: f64,
    pub spot_discount: f64,
    pub spot_interruptions_per_hour: f64,
    pub spot_notice: Time,
}

/// A savings plan's usual term: one year (AWS 1-year no-upfront).
const DEFAULT_RESERVED_TERM: Time = 31_557_600 * SECOND;
/// AWS's spot interruption notice: two minutes.
const DEFAULT_SPOT_NOTICE: Time = 120 * SECOND;
/// Longest spot notice accepted (clouds give 30 s to 2 min).
const MAX_SPOT_NOTICE: Time = 3600 * SECOND;
/// Most spot interruptions per instance-hour: one a minute is already far past any
/// market's history, and it bounds the events a run schedules.
const MAX_INTERRUPTIONS_PER_HOUR: f64 = 60.0;

impl Default for Purchase {
    /// Every instance on-demand.
    fn default() -> Self {
        Purchase {
            reserved: 0,
            reserved_discount: 0.0,
            reserved_term: DEFAULT_RESERVED_TERM,
            spot_share: 0.0,
            spot_discount: 0.0,
            spot_interruptions_per_hour: 0.0,
            spot_notice: DEFAULT_SPOT_NOTICE,
        }
    }
}

/// One recurring scheduled action (AWS scheduled scaling; time 0 is Monday 00:00).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAction {
    /// Time of day it runs, from 00:00.
    pub at: Time,
    /// Days of the week it runs on: bit 0 = Monday … bit 6 = Sunday.
    pub days: u8,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

impl Purchase {
    /// Whether anything but on-demand instances is bought.
    pub fn is_mixed(&self) -> bool {
        self.reserved > 0 || self.spot_share > 0.0
    }
}

/// How an autoscaler decides (`scaling.type`); each runs in `policy::autoscale::*`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scaling {
    TargetTracking(TargetTracking),
    Simple(SimpleScaling),
    Step(StepScaling),
    Hpa(HpaScaling),
    /// No reactive rule: only the policy's `schedule` changes the fleet.
    Scheduled {
        period: Time,
    },
    Predictive(PredictiveScaling),
}

impl Scaling {
    /// How often the strategy is evaluated.
    pub fn period(&self) -> Time {
        match self {
            Scaling::TargetTracking(t) => t.period,
            Scaling::Simple(s) => s.period,
            Scaling::Step(s) => s.period,
            Scaling::Hpa(h) => h.period,
            Scaling::Scheduled { period } => *period,
            Scaling::Predictive(p) => p.reactive.as_ref().map_or(p.period, |r| r.period()),
        }
    }

    /// The `type` string of the scenario file.
    pub fn type_name(&self) -> &'static str {
        match self {
            Scaling::TargetTracking(_) => "target-tracking",
            Scaling::Simple(_) => "simple",
            Scaling::Step(_) => "step",
            Scaling::Hpa(_) => "hpa",
            Scaling::Scheduled { .. } => "scheduled",
            Scaling::Predictive(_) => "predictive",
        }
    }
}

/// A metric target tracking can follow, per ready instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Busy ÷ serving slot-seconds (AWS `ASGAverageCPUUtilization`), 0–1.
    Utilization,
    /// Arrivals per second per ready instance (AWS `ALBRequestCountPerTarget`, per s).
    RequestRate,
    /// Time-average waiting requests per ready instance (an SQS backlog per instance).
    QueueLength,
}

/// One metric with its target value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tracked {
    pub metric: Metric,
    pub target: f64,
}

/// AWS-style target tracking (DESIGN.md §1) on one or more metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    /// At least one; scale out if any asks, scale in only if all do.
    pub metrics: Vec<Tracked>,
    pub period: Time,
    pub scale_out_periods: u32,
    pub scale_in_periods: u32,
    pub warmup: Time,
}

/// AWS simple scaling: a CloudWatch alarm on utilisation, one adjustment, a cooldown.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleScaling {
    /// Alarm metric period.
    pub period: Time,
    /// Scale out when utilisation > this for `evaluation_periods` periods.
    pub scale_out_threshold: f64,
    /// Scale in when utilisation < this for `evaluation_periods` periods.
    pub scale_in_threshold: f64,
    pub evaluation_periods: u32,
    /// Servers added (or removed) per alarm.
    pub adjustment: u32,
    /// No further simple scaling until this long after an activity completes.
    pub cooldown: Time,
}

/// AWS step scaling: an alarm threshold and step adjustments relative to it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScaling {
    pub period: Time,
    /// Utilisation the step bounds are relative to.
    pub threshold: f64,
    /// Non-overlapping, sorted by bound; each wholly above or wholly below the threshold.
    pub steps: Vec<StepAdjustment>,
    pub adjustment_type: AdjustmentType,
    /// For percent changes: the least number of servers a step changes (0 = none).
    pub min_adjustment_magnitude: u32,
    pub evaluation_periods: u32,
    pub warmup: Time,
}

/// One step: applies when `threshold + lower ≤ util < threshold + upper` (above the
/// threshold) or `threshold + lower < util ≤ threshold + upper` (below it), as AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAdjustment {
    /// `None` = unbounded (−∞).
    pub lower: Option<f64>,
    /// `None` = unbounded (+∞).
    pub upper: Option<f64>,
    /// Servers, percent or exact capacity, by the adjustment type.
    pub change: i64,
}

/// How a step's `change` is read (AWS `AdjustmentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdjustmentType {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity,
}

/// Kubernetes HorizontalPodAutoscaler (autoscaling/v2) on utilisation.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaScaling {
    pub target: f64,
    /// No change while |util / target − 1| ≤ tolerance.
    pub tolerance: f64,
    /// Sync period.
    pub period: Time,
    /// Scale down to the highest recommendation of this window.
    pub scale_down_stabilization: Time,
    /// Scale-up limit per period: the larger of +pods and +percent.
    pub scale_up_pods: u32,
    pub scale_up_percent: f64,
}

/// AWS-style predictive scaling: an hourly capacity forecast from the load already seen,
/// as a floor under an optional reactive strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveScaling {
    /// Utilisation the forecast capacity is sized for.
    pub target: f64,
    /// Capacity for an hour is launched this long before the hour starts.
    pub scheduling_buffer: Time,
    /// How far back the forecast looks.
    pub history: Time,
    /// Evaluation period when there is no reactive strategy.
    pub period: Time,
    /// The reactive strategy for the forecast's error; capacity = max of both.
    pub reactive: Option<Box<Scaling>>,
}

/// Per-instance metered billing.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudBilling {
    pub price_per_hour: f64,
    /// Minimum billed per launch.
    pub minimum: Time,
    /// Billing unit: lifetimes are rounded up to a multiple of it (1 s = per second).
    pub granularity: Time,
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    if path.is_dir() {
        return Err(ScenarioError::Read {
            file,
            reason: "is a directory, expected a .toml scenario file".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Syntax {
        at: LineCol::of_offset(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        ),
        file: file.clone(),
        message: "not UTF-8 text; a scenario file is TOML".into(),
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    parse(&text, &file, &stem)
}

/// Parses and validates scenario text. `file` names it in errors; `default_name` is used
/// when the file has no `name`.
pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        let Some(span) = e.span() else {
            return ScenarioError::Syntax {
                file: file.to_string(),
                at: LineCol::default(),
                message,
            };
        };
        // Tagged tables (a policy, a shape, a scaling rule) are read whole before their
        // fields are, so serde reports their errors at the table: find the culprit inside.
        let (offset, field) = match blame_in_table(text, span.start, &message) {
            Some((field, offset)) => (offset, Some(field)),
            None => (span.start, field_at(text, span.start)),
        };
        let at = LineCol::of_offset(text, offset);
        match field {
            // serde's message says what was wrong ("invalid type: string, expected u64");
            // the path says where.
            Some(field) if !message.contains(&format!("`{field}`")) => ScenarioError::Invalid {
                file: file.to_string(),
                at,
                field,
                message,
            },
            _ => ScenarioError::Syntax {
                file: file.to_string(),
                at,
                message,
            },
        }
    })?;
    let mut checker = Checker {
        text,
        file,
        doc: None,
    };
    raw.check(&mut checker, default_name)
}

/// The field path (like `policy[1].scaling.target`) whose key or value covers byte
/// `offset`, for errors the TOML deserializer reports only by position.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let from_document = toml_edit::Document::parse(text).ok().and_then(|doc| {
        let root = doc.as_item().as_table_like()?;
        let mut path = Vec::new();
        field_in_table(root, offset, &mut path).then(|| path.concat())
    });
    // Not valid TOML (a duplicate key, an integer too large), or a table header: read the
    // key or header on that line, inside the table header above it.
    from_document.or_else(|| field_on_line(text, offset))
}

fn field_on_line(text: &str, offset: usize) -> Option<String> {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = text[line_start..].lines().next()?.trim();
    let is_key = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    let header = |l: &str| -> Option<(String, bool)> {
        let l = l.split('#').next()?.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            Some((name.trim().to_string(), true))
        } else {
            let name = l.strip_prefix('[').and_then(|r| r.strip_suffix(']'))?;
            Some((name.trim().to_string(), false))
        }
    };
    if let Some((name, _)) = header(line) {
        return is_key(&name).then_some(name);
    }
    let key = line.split_once('=')?.0.trim();
    if !is_key(key) {
        return None;
    }
    // The enclosing table: the nearest header above, indexed if it is an array of tables.
    let lines_above: Vec<&str> = text[..line_start].lines().collect();
    let Some((pos, (name, array))) = lines_above
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| header(l.trim()).map(|h| (i, h)))
    else {
        return Some(key.to_string());
    };
    let prefix = if array {
        let index = lines_above[..pos]
            .iter()
            .filter(|l| header(l.trim()).is_some_and(|(n, a)| a && n == name))
            .count();
        format!("{name}[{index}]")
    } else {
        name
    };
    Some(format!("{prefix}.{key}"))
}

/// For an error serde reports at a whole table: the field inside that table the message
/// is about (an unknown key, or the value whose type or range is wrong) and its offset;
/// for a missing field, the table itself. `None` when the error is not at a table or
/// nothing in it matches.
fn blame_in_table(text: &str, offset: usize, message: &str) -> Option<(String, usize)> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let root = doc.as_item().as_table_like()?;
    let mut path = Vec::new();
    if let Some((table, table_offset)) = table_at(root, offset, &mut path) {
        if let Some(found) = blame(table, table_offset, message, &mut path) {
            return Some(found);
        }
    }
    // An array of tables may be reported at its start: try each element in turn.
    let array_path = field_at(text, offset)?;
    let mut item = doc.as_item();
    for key in array_path.split('.') {
        item = item.as_table_like()?.get(key)?;
    }
    item.as_array_of_tables()?
        .iter()
        .enumerate()
        .find_map(|(i, t)| {
            let mut path = vec![format!("{array_path}[{i}]")];
            let at = t.span().map_or(offset, |s| s.start);
            blame(t, at, message, &mut path)
        })
}

/// The culprit of `message` inside `table` (at `table_offset`, with path `path`).
fn blame(
    table: &dyn toml_edit::TableLike,
    table_offset: usize,
    message: &str,
    path: &mut Vec<String>,
) -> Option<(String, usize)> {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next()?;
        if !table.contains_key(key) {
            return Some((path.concat(), table_offset));
        }
        // The table has it: serde reports a sub-table under its `[header]` (a hybrid's
        // `[policy.burst]`) at the enclosing table, so blame the first one that lacks it.
        return table.iter().find_map(|(name, item)| {
            let sub = item.as_table().filter(|t| !t.contains_key(key))?;
            let at = sub.span().map_or(table_offset, |s| s.start);
            push_key(path, name);
            Some((path.concat(), at))
        });
    }
    let wanted = Culprit::of(message)?;
    find_culprit(table, &wanted, path).map(|at| (path.concat(), at))
}

/// What an error message says is wrong.
enum Culprit {
    /// `unknown field `x``.
    Key(String),
    /// `invalid type: string "x", expected …` / `invalid value: integer `-1`, …`: the value
    /// as serde prints it.
    Value(String),
}

impl Culprit {
    fn of(message: &str) -> Option<Culprit> {
        if let Some(rest) = message.strip_prefix("unknown field `") {
            return Some(Culprit::Key(rest.split('`').next()?.to_string()));
        }
        let rest = message
            .strip_prefix("invalid type: ")
            .or_else(|| message.strip_prefix("invalid value: "))?;
        let shown = rest.rsplit_once(", expected")?.0;
        Some(Culprit::Value(shown.to_string()))
    }

    fn matches_value(&self, value: &toml_edit::Value) -> bool {
        let Culprit::Value(shown) = self else {
            return false;
        };
        let printed = match value {
            toml_edit::Value::String(v) => format!("string {:?}", v.value()),
            toml_edit::Value::Integer(v) => format!("integer `{}`", v.value()),
            toml_edit::Value::Float(v) => format!("floating point `{}`", v.value()),
            toml_edit::Value::Boolean(v) => format!("boolean `{}`", v.value()),
            _ => return false,
        };
        // serde prints floats its own way (`1.0` vs `1`): compare the kind and the number.
        printed == *shown
            || matches!(value, toml_edit::Value::Float(_))
                && shown.strip_prefix("floating point `").is_some_and(|n| {
                    n.trim_end_matches('`').parse::<f64>().ok() == value.as_float()
                })
    }
}

/// The innermost table whose header (or inline braces) covers `offset`, with its path
/// and its own offset.
fn table_at<'t>(
    table: &'t dyn toml_edit::TableLike,
    offset: usize,
    path: &mut Vec<String>,
) -> Option<(&'t dyn toml_edit::TableLike, usize)> {
    for (key, item) in table.iter() {
        let depth = path.len();
        push_key(path, key);
        let found = match item {
            toml_edit::Item::Table(t) => this_or_inner(t, t.span(), offset, path),
            toml_edit::Item::ArrayOfTables(a) => a.iter().enumerate().find_map(|(i, t)| {
                indexed(path, i, |path| this_or_inner(t, t.span(), offset, path))
            }),
            toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => {
                this_or_inner(t, t.span(), offset, path)
            }
            toml_edit::Item::Value(toml_edit::Value::Array(a)) => {
                a.iter().enumerate().find_map(|(i, v)| {
                    let t = v.as_inline_table()?;
                    indexed(path, i, |path| this_or_inner(t, t.span(), offset, path))
                })
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        path.truncate(depth);
    }
    None
}

/// A table inside `table` that covers `offset`, else `table` itself if its `span` does.
fn this_or_inner<'t>(
    table: &'t dyn toml_edit::TableLike,
    span: Option<std::ops::Range<usize>>,
    offset: usize,
    path: &mut Vec<String>,
) -> Option<(&'t dyn toml_edit::TableLike, usize)> {
    table_at(table, offset, path).or_else(|| {
        let start = span.as_ref().map(|s| s.start);
        covers(span, offset).then_some((table, start.unwrap_or(offset)))
    })
}

/// Runs `f` with `[i]` on the path, keeping it only if `f` finds something.
fn indexed<T>(
    path: &mut Vec<String>,
    i: usize,
    f: impl FnOnce(&mut Vec<String>) -> Option<T>,
) -> Option<T> {
    path.push(format!("[{i}]"));
    let found = f(path);
    if found.is_none() {
        path.pop();
    }
    found
}

/// Depth-first, in file order: the first key or value inside `table` that `wanted`
/// describes; extends `path` to it and returns its offset.
fn find_culprit(
    table: &dyn toml_edit::TableLike,
    wanted: &Culprit,
    path: &mut Vec<String>,
) -> Option<usize> {
    for (key, item) in table.iter() {
        let depth = path.len();
        push_key(path, key);
        let key_offset = table.key(key).and_then(|k| k.span()).map(|s| s.start);
        if matches!(wanted, Culprit::Key(k) if k == key) {
            return key_offset;
        }
        let found = match item {
            toml_edit::Item::Value(v) => find_in_value(v, wanted, path, key_offset),
            toml_edit::Item::Table(t) => find_culprit(t, wanted, path),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        path.truncate(depth);
    }
    None
}

fn find_in_value(
    value: &toml_edit::Value,
    wanted: &Culprit,
    path: &mut Vec<String>,
    key_offset: Option<usize>,
) -> Option<usize> {
    match value {
        toml_edit::Value::InlineTable(t) => find_culprit(t, wanted, path),
        toml_edit::Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            indexed(path, i, |path| {
                find_in_value(v, wanted, path, v.span().map(|s| s.start))
            })
        }),
        v if wanted.matches_value(v) => key_offset.or_else(|| v.span().map(|s| s.start)),
        _ => None,
    }
}

fn covers(span: Option<std::ops::Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
}

fn push_key(path: &mut Vec<String>, key: &str) {
    if path.is_empty() {
        path.push(key.to_string());
    } else {
        path.push(format!(".{key}"));
    }
}

fn field_in_table(table: &dyn toml_edit::TableLike, offset: usize, path: &mut Vec<String>) -> bool {
    for (key, item) in table.iter() {
        let depth = path.len();
        push_key(path, key);
        if covers(table.key(key).and_then(|k| k.span()), offset) {
            return true;
        }
        let found = match item {
            toml_edit::Item::Value(v) => {
                covers(v.span(), offset) && {
                    field_in_value(v, offset, path);
                    true
                }
            }
            toml_edit::Item::Table(t) => field_in_table(t, offset, path),
            toml_edit::Item::ArrayOfTables(a) => a.iter().enumerate().any(|(i, t)| {
                path.push(format!("[{i}]"));
                field_in_table(t, offset, path) || {
                    path.pop();
                    false
                }
            }),
            toml_edit::Item::None => false,
        };
        if found {
            return true;
        }
        path.truncate(depth);
    }
    false
}

/// Refines `path` inside an inline table or array value that covers `offset`.
fn field_in_value(value: &toml_edit::Value, offset: usize, path: &mut Vec<String>) {
    match value {
        toml_edit::Value::InlineTable(t) => {
            field_in_table(t, offset, path);
        }
        toml_edit::Value::Array(a) => {
            if let Some((i, v)) = a.iter().enumerate().find(|(_, v)| covers(v.span(), offset)) {
                path.push(format!("[{i}]"));
                field_in_value(v, offset, path);
            }
        }
        _ => {}
    }
}

/// Builds errors that point into the file.
struct Checker<'a> {
    text: &'a str,
    file: &'a str,
    doc: Option<Option<toml_edit::Document<&'a str>>>,
}

impl Checker<'_> {
    fn error(&mut self, field: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            at: self.locate(field),
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Finds the line of a field path like `policy[1].scaling.target`.
    fn locate(&mut self, field: &str) -> LineCol {
        let text = self.text;
        let doc = self
            .doc
            .get_or_insert_with(|| toml_edit::Document::parse(text).ok());
        let Some(doc) = doc else {
            return LineCol::default();
        };
        let mut item = doc.as_item();
        let mut best: Option<usize> = item.span().map(|s| s.start);
        for part in field.split('.') {
            let (key, index) = match part.split_once('[') {
                Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            let Some((k, next)) = item.as_table_like().and_then(|t| t.get_key_value(key)) else {
                break;
            };
            best = k.span().or_else(|| next.span()).map(|s| s.start).or(best);
            item = next;
            if let Some(i) = index {
                let Some(next) = item.get(i) else { break };
                best = next.span().map(|s| s.start).or(best);
                item = next;
            }
        }
        best.map_or(LineCol::default(), |o| LineCol::of_offset(text, o))
    }

    /// A server count whose slots stay within [`MAX_POLICY_SLOTS`].
    fn fleet_size(
        &mut self,
        field: &str,
        v: u64,
        min: u64,
        slots: u32,
    ) -> Result<u32, ScenarioError> {
        let most = (MAX_POLICY_SLOTS / slots.max(1) as u64).min(MAX_SERVERS);
        if v > most && v <= MAX_SERVERS {
            return Err(self.error(
                field,
                format!(
                    "{v} servers × {slots} slots is more than the {MAX_POLICY_SLOTS} slots a policy may have; at most {most} servers at this slots_per_server"
                ),
            ));
        }
        self.count(field, v, min, MAX_SERVERS)
    }

    fn time(&mut self, field: &str, d: Duration) -> Result<Time, ScenarioError> {
        let us = d.as_micros();
        if us > MAX_HORIZON as u128 {
            return Err(self.error(
                field,
                format!("{} is too long (at most 100 years)", fmt_duration(d)),
            ));
        }
        Ok(us as Time)
    }

    fn positive_time(&mut self, field: &str, d: Duration) -> Result<Time, ScenarioError> {
        let t = self.time(field, d)?;
        if t == 0 {
            return Err(self.error(field, "must be longer than zero"));
        }
        Ok(t)
    }

    fn finite(&mut self, field: &str, v: f64, what: &str, ok: bool) -> Result<f64, ScenarioError> {
        if !v.is_finite() || !ok {
            return Err(self.error(field, format!("expected {what}, got {v}")));
        }
        Ok(v)
    }

    fn non_negative(&mut self, field: &str, v: f64) -> Result<f64, ScenarioError> {
        self.finite(field, v, "a finite number ≥ 0", v >= 0.0)
    }

    fn count(&mut self, field: &str, v: u64, min: u64, max: u64) -> Result<u32, ScenarioError> {
        if v < min || v > max {
            return Err(self.error(
                field,
                format!("expected a whole number from {min} to {max}, got {v}"),
            ));
        }
        Ok(v as u32)
    }
}

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

// ---------------------------------------------------------------------------------------
// Raw (serde) types: exactly the file's shape
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(with = "humantime_serde")]
    horizon: Duration,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(with = "humantime_serde", default = "default_sample_every")]
    sample_every: Duration,
    #[serde(default)]
    fidelity: RawFidelity,
    #[serde(with = "humantime_serde", default = "default_step")]
    step: Duration,
    #[serde(default = "default_replications")]
    replications: u64,
    service: RawService,
    workload: RawWorkload,
    policy: Vec<RawPolicy>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum RawFidelity {
    #[default]
    Request,
    Fluid,
}

fn default_step() -> Duration {
    Duration::from_secs(1)
}
fn default_replications() -> u64 {
    1
}

fn default_seed() -> u64 {
    1
}
fn default_sample_every() -> Duration {
    Duration::from_secs(60)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    service_time: RawServiceTime,
    slots_per_server: u64,
    #[serde(default = "default_queue_limit")]
    queue_limit: u64,
    #[serde(with = "humantime_serde", default = "default_slo")]
    slo: Duration,
    #[serde(default)]
    penalty: Option<RawPenalty>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPenalty {
    #[serde(default)]
    per_dropped_request: f64,
    #[serde(default)]
    per_slo_miss: f64,
}

fn default_queue_limit() -> u64 {
    10_000
}
fn default_slo() -> Duration {
    Duration::from_secs(1)
}

#[derive(Deserialize)]
#[serde(tag = "distribution", rename_all = "kebab-case", deny_unknown_fields)]
enum RawServiceTime {
    Exponential {
        #[serde(with = "humantime_serde")]
        mean: Duration,
    },
    Constant {
        #[serde(with = "humantime_serde")]
        value: Duration,
    },
    Lognormal {
        #[serde(with = "humantime_serde")]
        mean: Duration,
        cv: f64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    base_rate: f64,
    #[serde(default)]
    shape: Vec<RawShape>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum RawShape {
    Spike {
        #[serde(with = "humantime_serde")]
        start: Duration,
        #[serde(with = "humantime_serde", default)]
        ramp_up: Duration,
        #[serde(with = "humantime_serde", default)]
        hold: Duration,
        #[serde(with = "humantime_serde", default)]
        ramp_down: Duration,
        #[serde(with = "humantime_serde", default)]
        decay: Option<Duration>,
        factor: f64,
    },
    Step {
        #[serde(with = "humantime_serde")]
        at: Duration,
        #[serde(with = "humantime_serde", default)]
        until: Option<Duration>,
        factor: f64,
    },
    Diurnal {
        amplitude: f64,
        #[serde(with = "humantime_serde", default = "default_day")]
        period: Duration,
        #[serde(with = "humantime_serde", default = "default_peak_at")]
        peak_at: Duration,
    },
    Profile {
        #[serde(with = "humantime_serde", default = "default_day")]
        period: Duration,
        points: Vec<f64>,
        #[serde(default = "default_interpolate")]
        interpolate: Interpolate,
        #[serde(with = "humantime_serde", default)]
        offset: Duration,
    },
    Growth {
        factor: f64,
        #[serde(with = "humantime_serde")]
        per: Duration,
    },
}

fn default_day() -> Duration {
    Duration::from_secs(86_400)
}
fn default_peak_at() -> Duration {
    Duration::from_secs(14 * 3600)
}
fn default_interpolate() -> Interpolate {
    Interpolate::Linear
}

// Parsed once per policy and dropped after checking: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum RawPolicy {
    Fixed {
        // Optional here so a hybrid's base and burst can go without; a policy of its own
        // must have one (see `RawPolicy::check`).
        #[serde(default)]
        name: Option<String>,
        servers: u64,
        cost: RawFixedCost,
        #[serde(default)]
        purchase: Option<RawPurchaseRule>,
    },
    Lease {
        #[serde(default)]
        name: Option<String>,
        servers: u64,
        #[serde(with = "humantime_serde")]
        term: Duration,
        price_per_server_term: f64,
        #[serde(default)]
        setup_fee_per_server: f64,
        #[serde(default = "one_term")]
        min_terms: i64,
        #[serde(default)]
        early_exit_fee: Option<f64>,
        #[serde(default)]
        renewal: Option<RawRenewal>,
        #[serde(default)]
        bandwidth: Option<RawBandwidth>,
    },
    Autoscale {
        #[serde(default)]
        name: Option<String>,
        min: u64,
        max: u64,
        initial: Option<u64>,
        #[serde(with = "humantime_serde")]
        boot_time: Duration,
        #[serde(with = "humantime_serde", default)]
        boot_time_p95: Option<Duration>,
        scaling: RawScaling,
        #[serde(default)]
        schedule: Vec<RawAction>,
        billing: RawCloudBilling,
        #[serde(default)]
        limits: Option<RawLimits>,
        #[serde(default)]
        app_warmup: Option<RawAppWarmup>,
        // Boxed: most policies have none, and the enum stays small.
        purchase: Option<Box<RawPurchase>>,
        #[serde(default)]
        egress: Option<RawEgress>,
    },
    Hybrid {
        #[serde(default)]
        name: Option<String>,
        base: Box<RawPolicy>,
        burst: Box<RawPolicy>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEgress {
    bytes_per_request: f64,
    price_per_gb: f64,
}

/// Where a policy block stands: a policy of its own, or one side of a hybrid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Alone,
    Base,
    Burst,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppWarmup {
    #[serde(with = "humantime_serde")]
    duration: Duration,
    capacity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    quota: Option<u64>,
    launches_per_minute: Option<u64>,
    #[serde(default)]
    shortages: Vec<RawShortage>,
    #[serde(with = "humantime_serde", default)]
    retry_every: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShortage {
    #[serde(with = "humantime_serde")]
    start: Duration,
    #[serde(with = "humantime_serde")]
    duration: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurchase {
    #[serde(default)]
    reserved: u64,
    #[serde(default)]
    reserved_discount: f64,
    #[serde(with = "humantime_serde", default)]
    reserved_term: Option<Duration>,
    #[serde(default)]
    spot_share: f64,
    #[serde(default)]
    spot_discount: f64,
    #[serde(default)]
    spot_interruptions_per_hour: f64,
    #[serde(with = "humantime_serde", default)]
    spot_notice: Option<Duration>,
}

impl RawPurchase {
    fn check(self, c: &mut Checker<'_>, p: &str, max: u32) -> Result<Purchase, ScenarioError> {
        let discount = |c: &mut Checker<'_>, field: &str, v: f64| {
            c.finite(
                &format!("{p}.{field}"),
                v,
                "a discount from 0 up to (not including) 1, e.g. 0.4 for 40 % off",
                (0.0..1.0).contains(&v),
            )
        };
        let reserved = if self.reserved > max as u64 {
            return Err(c.error(
                &format!("{p}.reserved"),
                format!(
                    "expected at most max ({max}) reserved instances (a commitment the group can never use is money thrown away), got {}",
                    self.reserved
                ),
            ));
        } else {
            self.reserved as u32
        };
        let spot_notice = match self.spot_notice {
            Some(d) => c.time(&format!("{p}.spot_notice"), d)?,
            None => DEFAULT_SPOT_NOTICE,
        };
        if spot_notice > MAX_SPOT_NOTICE {
            return Err(c.error(
                &format!("{p}.spot_notice"),
                format!(
                    "expected a notice of at most 1h (AWS gives 2 minutes, GCP and Azure 30 s), got {}",
                    crate::engine::human_duration(spot_notice)
                ),
            ));
        }
        Ok(Purchase {
            reserved,
            reserved_discount: discount(c, "reserved_discount", self.reserved_discount)?,
            reserved_term: match self.reserved_term {
                Some(d) => c.positive_time(&format!("{p}.reserved_term"), d)?,
                None => DEFAULT_RESERVED_TERM,
            },
            spot_share: c.finite(
                &format!("{p}.spot_share"),
                self.spot_share,
                "a share of instances from 0 to 1",
                (0.0..=1.0).contains(&self.spot_share),
            )?,
            spot_discount: discount(c, "spot_discount", self.spot_discount)?,
            spot_interruptions_per_hour: c.finite(
                &format!("{p}.spot_interruptions_per_hour"),
                self.spot_interruptions_per_hour,
                "interruptions per spot instance-hour from 0 to 60",
                (0.0..=MAX_INTERRUPTIONS_PER_HOUR).contains(&self.spot_interruptions_per_hour),
            )?,
            spot_notice,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixedCost {
    capex_per_server: f64,
    #[serde(with = "humantime_serde")]
    amortization: Duration,
    #[serde(default)]
    watts: f64,
    idle_watts: Option<f64>,
    #[serde(default = "default_pue")]
    pue: f64,
    #[serde(default)]
    price_per_kwh: f64,
    #[serde(default)]
    ops_per_server_month: f64,
}

fn default_pue() -> f64 {
    1.58
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurchaseRule {
    threshold: f64,
    #[serde(with = "humantime_serde", default = "default_lookback")]
    lookback: Duration,
    order: u64,
    #[serde(with = "humantime_serde")]
    lead_time: Duration,
    max_servers: Option<u64>,
    retire_below: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBandwidth {
    bytes_per_request: f64,
    #[serde(default)]
    commit_mbps: f64,
    #[serde(default)]
    price_per_mbps: f64,
    #[serde(default)]
    overage_per_mbps: f64,
}

impl RawBandwidth {
    fn check(self, c: &mut Checker<'_>, f: &str) -> Result<Bandwidth, ScenarioError> {
        Ok(Bandwidth {
            bytes_per_request: c.finite(
                &format!("{f}.bytes_per_request"),
                self.bytes_per_request,
                "bytes per response, > 0 and at most 1e12",
                self.bytes_per_request > 0.0 && self.bytes_per_request <= 1e12,
            )?,
            commit_mbps: c.non_negative(&format!("{f}.commit_mbps"), self.commit_mbps)?,
            price_per_mbps: c.non_negative(&format!("{f}.price_per_mbps"), self.price_per_mbps)?,
            overage_per_mbps: c
                .non_negative(&format!("{f}.overage_per_mbps"), self.overage_per_mbps)?,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRenewal {
    #[serde(default = "default_headroom")]
    headroom: f64,
    #[serde(with = "humantime_serde", default)]
    notice: Option<Duration>,
    #[serde(with = "humantime_serde", default)]
    lead_time: Duration,
    #[serde(default = "default_min_servers")]
    min_servers: u64,
    max_servers: Option<u64>,
}

/// A lease commits each server for one term unless the contract says more.
fn one_term() -> i64 {
    1
}
/// Ten years of monthly terms: longer contracts are not leases any more.
const MAX_MIN_TERMS: i64 = 120;

/// Peak × 1.25: the usual planning margin over the observed peak.
fn default_headroom() -> f64 {
    1.25
}
/// Colocation and dedicated-server contracts ask for about 30 days' notice; a contract
/// whose term is that short or shorter asks for half a term.
fn default_notice(term: Time) -> Time {
    const MONTH_NOTICE: Time = 30 * 86_400 * crate::engine::SECOND;
    if term > MONTH_NOTICE {
        MONTH_NOTICE
    } else {
        term / 2
    }
}
fn default_min_servers() -> u64 {
    1
}

impl RawRenewal {
    fn check(
        self,
        c: &mut Checker<'_>,
        f: &str,
        term: Time,
        slots: u32,
    ) -> Result<Renewal, ScenarioError> {
        let headroom = c.finite(
            &format!("{f}.headroom"),
            self.headroom,
            "a headroom factor from 1 to 10",
            (1.0..=10.0).contains(&self.headroom),
        )?;
        let notice = match self.notice {
            Some(notice) => c.time(&format!("{f}.notice"), notice)?,
            None => default_notice(term),
        };
        if notice >= term {
            return Err(c.error(
                &format!("{f}.notice"),
                format!(
                    "must be shorter than the term ({}), got {}",
                    crate::engine::human_duration(term),
                    crate::engine::human_duration(notice)
                ),
            ));
        }
        let min_servers = c.fleet_size(&format!("{f}.min_servers"), self.min_servers, 1, slots)?;
        let max_servers = c.fleet_size(
            &format!("{f}.max_servers"),
            self.max_servers.unwrap_or(largest_fleet(slots)),
            min_servers as u64,
            slots,
        )?;
        Ok(Renewal {
            headroom,
            notice,
            lead_time: c.time(&format!("{f}.lead_time"), self.lead_time)?,
            min_servers,
            max_servers,
        })
    }
}

/// The most servers of `slots` slots a policy may have (see [`MAX_POLICY_SLOTS`]): the
/// default ceiling of rules that grow a fleet.
fn largest_fleet(slots: u32) -> u64 {
    MAX_SERVERS.min(MAX_POLICY_SLOTS / u64::from(slots.max(1)))
}

/// A week of hourly utilisation: long enough to see past one day's peak.
fn default_lookback() -> Duration {
    Duration::from_secs(7 * 86_400)
}

impl RawPurchaseRule {
    fn check(
        self,
        c: &mut Checker<'_>,
        f: &str,
        servers: u32,
        slots: u32,
    ) -> Result<PurchaseRule, ScenarioError> {
        let util = |c: &mut Checker<'_>, field: &str, v: f64| {
            c.finite(
                &format!("{f}.{field}"),
                v,
                "a utilisation in (0, 1]",
                v > 0.0 && v <= 1.0,
            )
        };
        let threshold = util(c, "threshold", self.threshold)?;
        let lookback = c.positive_time(&format!("{f}.lookback"), self.lookback)?;
        if lookback < 3600 * SECOND {
            return Err(c.error(
                &format!("{f}.lookback"),
                format!(
                    "expected at least 1h (utilisation is reviewed hourly), got {}",
                    fmt_duration(self.lookback)
                ),
            ));
        }
        let max_servers = c.fleet_size(
            &format!("{f}.max_servers"),
            self.max_servers.unwrap_or(largest_fleet(slots)),
            servers as u64,
            slots,
        )?;
        let retire_below = match self.retire_below {
            None => None,
            Some(v) => {
                let v = util(c, "retire_below", v)?;
                if v >= threshold {
                    return Err(c.error(
                        &format!("{f}.retire_below"),
                        format!("must be below threshold ({threshold}), got {v}"),
                    ));
                }
                Some(v)
            }
        };
        Ok(PurchaseRule {
            threshold,
            lookback,
            order: c.count(&format!("{f}.order"), self.order, 1, MAX_SERVERS)?,
            lead_time: c.time(&format!("{f}.lead_time"), self.lead_time)?,
            max_servers,
            retire_below,
        })
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
enum RawScaling {
    TargetTracking {
        target: Option<f64>,
        request_rate_target: Option<f64>,
        queue_length_target: Option<f64>,
        #[serde(with = "humantime_serde", default = "default_period")]
        period: Duration,
        #[serde(default = "default_out_periods")]
        scale_out_periods: u64,
        #[serde(default = "default_in_periods")]
        scale_in_periods: u64,
        #[serde(with = "humantime_serde", default = "default_warmup")]
        warmup: Duration,
    },
    Simple {
        #[serde(with = "humantime_serde", default = "default_period")]
        period: Duration,
        scale_out_threshold: f64,
        scale_in_threshold: f64,
        #[serde(default = "default_evaluation_periods")]
        evaluation_periods: u64,
        #[serde(default = "default_adjustment")]
        adjustment: u64,
        #[serde(with = "humantime_serde", default = "default_cooldown")]
        cooldown: Duration,
    },
    Step {
        #[serde(with = "humantime_serde", default = "default_period")]
        period: Duration,
        threshold: f64,
        steps: Vec<RawStep>,
        #[serde(default = "default_adjustment_type")]
        adjustment_type: AdjustmentType,
        min_adjustment_magnitude: Option<u64>,
        #[serde(default = "default_evaluation_periods")]
        evaluation_periods: u64,
        #[serde(with = "humantime_serde", default = "default_warmup")]
        warmup: Duration,
    },
    Hpa {
        target: f64,
        #[serde(default = "default_tolerance")]
        tolerance: f64,
        #[serde(with = "humantime_serde", default = "default_hpa_period")]
        period: Duration,
        #[serde(with = "humantime_serde", default = "default_stabilization")]
        scale_down_stabilization: Duration,
        #[serde(default = "default_scale_up_pods")]
        scale_up_pods: u64,
        #[serde(default = "default_scale_up_percent")]
        scale_up_percent: f64,
    },
    Scheduled {
        #[serde(with = "humantime_serde", default = "default_period")]
        period: Duration,
    },
    Predictive {
        target: f64,
        #[serde(with = "humantime_serde", default = "default_scheduling_buffer")]
        scheduling_buffer: Duration,
        #[serde(with = "humantime_serde", default = "default_history")]
        history: Duration,
        #[serde(with = "humantime_serde", default = "default_period")]
        period: Duration,
        reactive: Option<Box<RawScaling>>,
    },
}

/// A scheduled action as written: `{ at = "08:00", days = ["mon"], min = 4 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    at: String,
    days: Option<Vec<String>>,
    min: Option<u64>,
    max: Option<u64>,
    desired: Option<u64>,
}

// Predictive scaling (AWS API `PredictiveScalingConfiguration`): SchedulingBufferTime
// defaults to 300 s and must be less than the 3600 s forecast interval; the forecast
// uses up to 14 days of history (user guide, "Predictive scaling").
fn default_scheduling_buffer() -> Duration {
    Duration::from_secs(300)
}
fn default_history() -> Duration {
    Duration::from_secs(14 * 86_400)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    lower: Option<f64>,
    upper: Option<f64>,
    change: i64,
}

// Simple and step scaling (AWS EC2 Auto Scaling user guide, "Step and simple scaling
// policies"): CloudWatch alarms evaluate 60 s periods with detailed monitoring; an alarm
// fires after 1 of 1 breaching datapoints unless told otherwise; the default cooldown is
// 300 s; step adjustments default to a change in capacity; instance warmup defaults to
// 300 s like target tracking.
fn default_evaluation_periods() -> u64 {
    1
}
fn default_adjustment() -> u64 {
    1
}
fn default_cooldown() -> Duration {
    Duration::from_secs(300)
}
fn default_adjustment_type() -> AdjustmentType {
    AdjustmentType::ChangeInCapacity
}
// Kubernetes HPA (kubernetes.io, "Horizontal Pod Autoscaling"): tolerance 0.1
// (--horizontal-pod-autoscaler-tolerance), sync period 15 s
// (--horizontal-pod-autoscaler-sync-period), scale-down stabilisation window 300 s, and
// the default scale-up behaviour: the larger of 4 pods or 100 % per 15 s.
fn default_tolerance() -> f64 {
    0.1
}
fn default_hpa_period() -> Duration {
    Duration::from_secs(15)
}
fn default_stabilization() -> Duration {
    Duration::from_secs(300)
}
fn default_scale_up_pods() -> u64 {
    4
}
fn default_scale_up_percent() -> f64 {
    100.0
}

fn default_period() -> Duration {
    Duration::from_secs(60)
}
fn default_out_periods() -> u64 {
    3
}
fn default_in_periods() -> u64 {
    15
}
fn default_warmup() -> Duration {
    Duration::from_secs(300)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCloudBilling {
    /// A [`BillingPreset`] name; checked by the validator so errors name the field.
    preset: Option<String>,
    price_per_hour: f64,
    #[serde(with = "humantime_serde", default)]
    minimum: Option<Duration>,
    #[serde(with = "humantime_serde", default)]
    granularity: Option<Duration>,
}

/// Named billing rules: (granularity, minimum per launch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BillingPreset {
    /// AWS EC2 Linux on-demand since Oct 2017: per second, 60 s minimum per start.
    AwsLinux,
    /// GCP Compute Engine: per second after a 1-minute minimum.
    Gcp,
    /// Azure VMs as historically billed: per whole minute (60 s minimum).
    AzureMinute,
    /// Per started hour (AWS before Oct 2017, Windows/marketplace images).
    Hourly,
}

impl BillingPreset {
    /// Every preset with its name in scenario files.
    pub const ALL: [(&'static str, BillingPreset); 4] = [
        ("aws-linux", BillingPreset::AwsLinux),
        ("gcp", BillingPreset::Gcp),
        ("azure-minute", BillingPreset::AzureMinute),
        ("hourly", BillingPreset::Hourly),
    ];

    /// (granularity, minimum) in simulator time.
    pub fn rules(self) -> (Time, Time) {
        match self {
            BillingPreset::AwsLinux | BillingPreset::Gcp => (SECOND, 60 * SECOND),
            BillingPreset::AzureMinute => (60 * SECOND, 60 * SECOND),
            BillingPreset::Hourly => (3600 * SECOND, 3600 * SECOND),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

impl RawScenario {
    fn check(self, c: &mut Checker<'_>, default_name: &str) -> Result<Scenario, ScenarioError> {
        let name = self.name.unwrap_or_else(|| default_name.to_string());
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.len() > 100
            || !name
                .chars()
                .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.'))
        {
            return Err(c.error(
                "name",
                format!(
                    "expected a folder name of letters, digits, '-', '_' or '.' (at most 100), got {name:?}"
                ),
            ));
        }
        let horizon = c.positive_time("horizon", self.horizon)?;
        let sample_every = c.positive_time("sample_every", self.sample_every)?;
        if sample_every > horizon {
            return Err(c.error(
                "sample_every",
                format!(
                    "must not be longer than the horizon ({}), got {}",
                    fmt_duration(self.horizon),
                    fmt_duration(self.sample_every)
                ),
            ));
        }
        if horizon / sample_every > MAX_SAMPLES {
            return Err(c.error(
                "sample_every",
                format!(
                    "{} samples over the horizon; at most {MAX_SAMPLES} are kept, so sample less often",
                    horizon / sample_every
                ),
            ));
        }
        let service = self.service.check(c)?;
        let workload = self.workload.check(c, horizon)?;
        if self.policy.is_empty() {
            return Err(c.error("policy", "expected at least one [[policy]]"));
        }
        let mut policies = Vec::with_capacity(self.policy.len());
        for (i, p) in self.policy.into_iter().enumerate() {
            let spec = p.check(c, i, service.slots_per_server, horizon)?;
            if policies.iter().any(|q: &PolicySpec| q.name == spec.name) {
                return Err(c.error(
                    &format!("policy[{i}].name"),
                    format!("policy names must be unique; {:?} is used twice", spec.name),
                ));
            }
            policies.push(spec);
        }
        let step = c.positive_time("step", self.step)?;
        let fidelity = match self.fidelity {
            RawFidelity::Request => Fidelity::Request,
            RawFidelity::Fluid => {
                if step > sample_every {
                    return Err(c.error(
                        "step",
                        format!(
                            "must not be longer than sample_every ({}), got {}",
                            fmt_duration(self.sample_every),
                            fmt_duration(self.step)
                        ),
                    ));
                }
                if horizon / step > MAX_STEPS {
                    return Err(c.error(
                        "step",
                        format!(
                            "{} steps over the horizon; at most {MAX_STEPS}",
                            horizon / step
                        ),
                    ));
                }
                Fidelity::Fluid { step }
            }
        };
        let replications = c.count("replications", self.replications, 1, 10_000)?;
        Ok(Scenario {
            name,
            description: self.description,
            horizon,
            seed: self.seed,
            sample_every,
            service,
            workload,
            policies,
            fidelity,
            replications,
        })
    }
}

impl RawService {
    fn check(self, c: &mut Checker<'_>) -> Result<Service, ScenarioError> {
        let f = "service.service_time";
        let service_time = match self.service_time {
            RawServiceTime::Exponential { mean } => ServiceTime::Exponential {
                mean: c.positive_time(&format!("{f}.mean"), mean)? as f64 / SECOND as f64,
            },
            RawServiceTime::Constant { value } => ServiceTime::Constant {
                value: c.positive_time(&format!("{f}.value"), value)? as f64 / SECOND as f64,
            },
            RawServiceTime::Lognormal { mean, cv } => ServiceTime::LogNormal {
                mean: c.positive_time(&format!("{f}.mean"), mean)? as f64 / SECOND as f64,
                cv: c.finite(
                    &format!("{f}.cv"),
                    cv,
                    "a coefficient of variation in (0, 20]",
                    cv > 0.0 && cv <= 20.0,
                )?,
            },
        };
        Ok(Service {
            service_time,
            slots_per_server: c.count(
                "service.slots_per_server",
                self.slots_per_server,
                1,
                MAX_SLOTS,
            )?,
            queue_limit: {
                if self.queue_limit > 100_000_000 {
                    return Err(c.error(
                        "service.queue_limit",
                        format!("expected at most 100000000, got {}", self.queue_limit),
                    ));
                }
                self.queue_limit
            },
            slo: c.positive_time("service.slo", self.slo)?,
            penalty: match self.penalty {
                None => Penalty::default(),
                Some(p) => Penalty {
                    per_dropped_request: c.non_negative(
                        "service.penalty.per_dropped_request",
                        p.per_dropped_request,
                    )?,
                    per_slo_miss: c.non_negative("service.penalty.per_slo_miss", p.per_slo_miss)?,
                },
            },
        })
    }
}

impl RawWorkload {
    fn check(self, c: &mut Checker<'_>, horizon: Time) -> Result<Workload, ScenarioError> {
        let base_rate = c.finite(
            "workload.base_rate",
            self.base_rate,
            "requests per second > 0 and at most 10000000",
            self.base_rate > 0.0 && self.base_rate <= 1e7,
        )?;
        let mut shapes = Vec::with_capacity(self.shape.len());
        for (i, s) in self.shape.into_iter().enumerate() {
            let f = format!("workload.shape[{i}]");
            shapes.push(s.check(c, &f)?);
        }
        let workload = Workload { base_rate, shapes };
        let peak = crate::workload::RateFunction::new(&workload).max_over(0, horizon);
        if !(peak.is_finite() && peak <= 1e8) {
            return Err(c.error(
                "workload.shape",
                format!("the shapes multiply the rate to {peak:.3e} requests/s; at most 1e8 is supported"),
            ));
        }
        Ok(workload)
    }
}

impl RawShape {
    fn check(self, c: &mut Checker<'_>, f: &str) -> Result<Shape, ScenarioError> {
        let factor_ok = |c: &mut Checker<'_>, v: f64| {
            c.finite(
                &format!("{f}.factor"),
                v,
                "a finite factor ≥ 0 and at most 10000",
                (0.0..=1e4).contains(&v),
            )
        };
        Ok(match self {
            RawShape::Spike {
                start,
                ramp_up,
                hold,
                ramp_down,
                decay,
                factor,
            } => {
                if decay.is_some() && !ramp_down.is_zero() {
                    return Err(c.error(
                        &format!("{f}.decay"),
                        "give either ramp_down (linear) or decay (exponential), not both",
                    ));
                }
                Shape::Spike {
                    start: c.time(&format!("{f}.start"), start)?,
                    ramp_up: c.time(&format!("{f}.ramp_up"), ramp_up)?,
                    hold: c.time(&format!("{f}.hold"), hold)?,
                    ramp_down: c.time(&format!("{f}.ramp_down"), ramp_down)?,
                    decay: match decay {
                        Some(d) => Some(c.positive_time(&format!("{f}.decay"), d)?),
                        None => None,
                    },
                    factor: factor_ok(c, factor)?,
                }
            }
            RawShape::Step { at, until, factor } => {
                let at = c.time(&format!("{f}.at"), at)?;
                let until = match until {
                    Some(u) => Some(c.time(&format!("{f}.until"), u)?),
                    None => None,
                };
                if until.is_some_and(|u| u <= at) {
                    return Err(c.error(&format!("{f}.until"), "must be later than `at`"));
                }
                Shape::Step {
                    at,
                    until,
                    factor: factor_ok(c, factor)?,
                }
            }
            RawShape::Diurnal {
                amplitude,
                period,
                peak_at,
            } => Shape::Diurnal {
                amplitude: c.finite(
                    &format!("{f}.amplitude"),
                    amplitude,
                    "an amplitude from 0 to 1",
                    (0.0..=1.0).contains(&amplitude),
                )?,
                period: c.positive_time(&format!("{f}.period"), period)?,
                peak_at: c.time(&format!("{f}.peak_at"), peak_at)?,
            },
            RawShape::Profile {
                period,
                points,
                interpolate,
                offset,
            } => {
                let pf = format!("{f}.points");
                if points.is_empty() || points.len() > 100_000 {
                    return Err(c.error(&pf, "expected 1 to 100000 points"));
                }
                for &p in &points {
                    c.finite(&pf, p, "finite values ≥ 0", p >= 0.0)?;
                }
                let mean = points.iter().sum::<f64>() / points.len() as f64;
                if !(mean > 0.0 && mean.is_finite()) {
                    return Err(c.error(&pf, "at least one point must be > 0"));
                }
                Shape::Profile {
                    period: c.positive_time(&format!("{f}.period"), period)?,
                    points: points.iter().map(|p| p / mean).collect(),
                    interpolate,
                    offset: c.time(&format!("{f}.offset"), offset)?,
                }
            }
            RawShape::Growth { factor, per } => Shape::Growth {
                factor: c.finite(
                    &format!("{f}.factor"),
                    factor,
                    "a growth factor > 0 and at most 1000",
                    factor > 0.0 && factor <= 1e3,
                )?,
                per: c.positive_time(&format!("{f}.per"), per)?,
            },
        })
    }
}

impl RawPolicy {
    fn check(
        self,
        c: &mut Checker<'_>,
        i: usize,
        slots: u32,
        horizon: Time,
    ) -> Result<PolicySpec, ScenarioError> {
        let f = format!("policy[{i}]");
        let (name, kind) = self.check_block(c, &f, slots, horizon, Role::Alone)?;
        let Some(name) = name else {
            return Err(c.error(&f, "missing field `name`: every policy needs a name"));
        };
        if name.trim().is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(c.error(
                &format!("{f}.name"),
                format!("expected a short printable name, got {name:?}"),
            ));
        }
        Ok(PolicySpec { name, kind })
    }

    /// The `type` string of the block.
    fn type_name(&self) -> &'static str {
        match self {
            RawPolicy::Fixed { .. } => "fixed",
            RawPolicy::Lease { .. } => "lease",
            RawPolicy::Autoscale { .. } => "autoscale",
            RawPolicy::Hybrid { .. } => "hybrid",
        }
    }

    /// Checks a policy block at field path `f`, in its `role`; returns its name (if it
    /// has one) and what it is.
    fn check_block(
        self,
        c: &mut Checker<'_>,
        f: &str,
        slots: u32,
        horizon: Time,
        role: Role,
    ) -> Result<(Option<String>, PolicyKind), ScenarioError> {
        let wanted = match role {
            Role::Alone => None,
            Role::Base => Some((
                "fixed",
                "lease",
                "the base of a hybrid is own servers or a lease",
            )),
            Role::Burst => Some((
                "autoscale",
                "autoscale",
                "a hybrid bursts into a cloud autoscaling group",
            )),
        };
        if let Some((a, b, why)) = wanted {
            let got = self.type_name();
            if got != a && got != b {
                let expected = if a == b {
                    format!("\"{a}\"")
                } else {
                    format!("\"{a}\" or \"{b}\"")
                };
                return Err(c.error(
                    &format!("{f}.type"),
                    format!("{why}: expected {expected}, got \"{got}\""),
                ));
            }
        }
        let (name, kind) = match self {
            RawPolicy::Fixed {
                name,
                servers,
                cost,
                purchase,
            } => {
                let k = &format!("{f}.cost");
                let servers = c.fleet_size(&format!("{f}.servers"), servers, 1, slots)?;
                let purchase = match purchase {
                    None => None,
                    Some(p) => Some(p.check(c, &format!("{f}.purchase"), servers, slots)?),
                };
                let spec = FixedSpec {
                    servers,
                    purchase,
                    capex_per_server: c
                        .non_negative(&format!("{k}.capex_per_server"), cost.capex_per_server)?,
                    amortization: c
                        .positive_time(&format!("{k}.amortization"), cost.amortization)?
                        as f64
                        / SECOND as f64,
                    watts: c.non_negative(&format!("{k}.watts"), cost.watts)?,
                    idle_watts: match cost.idle_watts {
                        None => None,
                        Some(w) => Some(c.finite(
                            &format!("{k}.idle_watts"),
                            w,
                            &format!("watts drawn idle, from 0 to `watts` ({})", cost.watts),
                            w >= 0.0 && w <= cost.watts,
                        )?),
                    },
                    pue: c.finite(
                        &format!("{k}.pue"),
                        cost.pue,
                        "a PUE from 1 to 5",
                        (1.0..=5.0).contains(&cost.pue),
                    )?,
                    price_per_kwh: c
                        .non_negative(&format!("{k}.price_per_kwh"), cost.price_per_kwh)?,
                    ops_per_server_month: c.non_negative(
                        &format!("{k}.ops_per_server_month"),
                        cost.ops_per_server_month,
                    )?,
                };
                (name, PolicyKind::Fixed(spec))
            }
            RawPolicy::Lease {
                name,
                servers,
                term,
                price_per_server_term,
                setup_fee_per_server,
                min_terms,
                early_exit_fee,
                renewal,
                bandwidth,
            } => {
                let servers = c.fleet_size(&format!("{f}.servers"), servers, 1, slots)?;
                let term = c.positive_time(&format!("{f}.term"), term)?;
                if !(1..=MAX_MIN_TERMS).contains(&min_terms) {
                    return Err(c.error(
                        &format!("{f}.min_terms"),
                        format!("expected a whole number of terms from 1 to {MAX_MIN_TERMS}, got {min_terms}"),
                    ));
                }
                let early_exit_fee = match early_exit_fee {
                    None => None,
                    Some(_) if min_terms == 1 => {
                        return Err(c.error(
                            &format!("{f}.early_exit_fee"),
                            "applies only to servers committed for more than one term: set `min_terms` above 1 (a one-term lease is free to leave at its end)".to_string(),
                        ));
                    }
                    Some(fee) => Some(c.non_negative(&format!("{f}.early_exit_fee"), fee)?),
                };
                let renewal = match renewal {
                    None => None,
                    Some(r) => Some(r.check(c, &format!("{f}.renewal"), term, slots)?),
                };
                let bandwidth = match bandwidth {
                    None => None,
                    Some(b) => Some(b.check(c, &format!("{f}.bandwidth"))?),
                };
                let spec = LeaseSpec {
                    servers,
                    term,
                    renewal,
                    bandwidth,
                    price_per_server_term: c.non_negative(
                        &format!("{f}.price_per_server_term"),
                        price_per_server_term,
                    )?,
                    setup_fee_per_server: c
                        .non_negative(&format!("{f}.setup_fee_per_server"), setup_fee_per_server)?,
                    min_terms: min_terms as u32,
                    early_exit_fee,
                };
                (name, PolicyKind::Lease(spec))
            }
            RawPolicy::Autoscale {
                name,
                min,
                max,
                initial,
                boot_time,
                boot_time_p95,
                scaling,
                schedule,
                billing,
                limits,
                app_warmup,
                purchase,
                egress,
            } => {
                let max = c.fleet_size(&format!("{f}.max"), max, 1, slots)?;
                // Utilisation is measured on ready servers: with none there is nothing to
                // measure, so (as on AWS) target tracking could never scale out again.
                // A hybrid's burst measures base and burst together, so it may start empty.
                if min == 0 && role != Role::Burst {
                    return Err(c.error(
                        &format!("{f}.min"),
                        "target tracking on utilisation cannot scale out from zero servers (with none ready there is no utilisation to measure, as on AWS); use min ≥ 1",
                    ));
                }
                let min = c.count(
                    &format!("{f}.min"),
                    min,
                    u64::from(role != Role::Burst),
                    MAX_SERVERS,
                )?;
                if min > max {
                    return Err(c.error(
                        &format!("{f}.min"),
                        format!("must not exceed max ({max}), got {min}"),
                    ));
                }
                let initial = initial.unwrap_or(min as u64);
                if initial < min as u64 || initial > max as u64 {
                    return Err(c.error(
                        &format!("{f}.initial"),
                        format!(
                            "expected a whole number from min ({min}) to max ({max}), got {initial}"
                        ),
                    ));
                }
                let scaling = scaling.check(c, &format!("{f}.scaling"), max, false)?;
                let least = u64::from(role != Role::Burst);
                let schedule = check_schedule(c, f, schedule, slots, least)?;
                if matches!(scaling, Scaling::Scheduled { .. }) && schedule.is_empty() {
                    return Err(c.error(
                        &format!("{f}.scaling"),
                        "type = \"scheduled\" scales only by the policy's `schedule`, which is missing or empty",
                    ));
                }
                let b = format!("{f}.billing");
                // Without a preset: per second, 60 s minimum (AWS Linux, GCP).
                let (granularity, minimum) = match &billing.preset {
                    None => (SECOND, 60 * SECOND),
                    Some(name) => match BillingPreset::ALL.iter().find(|(n, _)| n == name) {
                        Some((_, p)) => p.rules(),
                        None => {
                            return Err(c.error(
                                &format!("{b}.preset"),
                                format!(
                                    "expected one of \"aws-linux\", \"gcp\", \"azure-minute\", \"hourly\", got {name:?}"
                                ),
                            ));
                        }
                    },
                };
                let billing = CloudBilling {
                    price_per_hour: c
                        .non_negative(&format!("{b}.price_per_hour"), billing.price_per_hour)?,
                    minimum: match billing.minimum {
                        Some(m) => c.time(&format!("{b}.minimum"), m)?,
                        None => minimum,
                    },
                    granularity: match billing.granularity {
                        Some(g) => c.positive_time(&format!("{b}.granularity"), g)?,
                        None => granularity,
                    },
                };
                let boot_time = c.time(&format!("{f}.boot_time"), boot_time)?;
                let boot_time_p95 = match boot_time_p95 {
                    None => None,
                    Some(p95) => {
                        let field = format!("{f}.boot_time_p95");
                        let p95 = c.time(&field, p95)?;
                        if p95 < boot_time || p95 > 100 * boot_time.max(1) {
                            return Err(c.error(
                                &field,
                                format!(
                                    "expected the 95th percentile of the boot time, from boot_time (the median, {}) to 100 times it, got {}",
                                    fmt_duration(Duration::from_micros(boot_time)),
                                    fmt_duration(Duration::from_micros(p95))
                                ),
                            ));
                        }
                        Some(p95)
                    }
                };
                let limits = match limits {
                    None => ProviderLimits::default(),
                    Some(l) => l.check(c, &format!("{f}.limits"), horizon)?,
                };
                let app_warmup = match app_warmup {
                    None => None,
                    Some(w) => Some(AppWarmup {
                        duration: c.time(&format!("{f}.app_warmup.duration"), w.duration)?,
                        capacity: c.finite(
                            &format!("{f}.app_warmup.capacity"),
                            w.capacity,
                            "a fraction of capacity in (0, 1]",
                            w.capacity > 0.0 && w.capacity <= 1.0,
                        )?,
                    }),
                };
                let purchase = match purchase {
                    Some(p) => p.check(c, &format!("{f}.purchase"), max)?,
                    None => Purchase::default(),
                };
                let egress = match egress {
                    None => Egress::default(),
                    Some(e) => Egress {
                        bytes_per_request: c.finite(
                            &format!("{f}.egress.bytes_per_request"),
                            e.bytes_per_request,
                            "bytes per response, from 0 to 1e12",
                            (0.0..=1e12).contains(&e.bytes_per_request),
                        )?,
                        price_per_gb: c
                            .non_negative(&format!("{f}.egress.price_per_gb"), e.price_per_gb)?,
                    },
                };
                let spec = AutoscaleSpec {
                    egress,
                    min,
                    max,
                    initial: initial as u32,
                    boot_time,
                    boot_time_p95,
                    scaling,
                    schedule,
                    billing,
                    limits,
                    app_warmup,
                    purchase,
                };
                (name, PolicyKind::Autoscale(spec))
            }
            RawPolicy::Hybrid { name, base, burst } => {
                if role != Role::Alone {
                    return Err(c.error(
                        &format!("{f}.type"),
                        "a hybrid's base or burst cannot itself be a hybrid",
                    ));
                }
                let (_, base) =
                    base.check_block(c, &format!("{f}.base"), slots, horizon, Role::Base)?;
                let (_, burst) =
                    burst.check_block(c, &format!("{f}.burst"), slots, horizon, Role::Burst)?;
                let PolicyKind::Autoscale(burst) = burst else {
                    return Err(c.error(&format!("{f}.burst.type"), "expected \"autoscale\""));
                };
                let spec = HybridSpec {
                    base: Box::new(base),
                    burst,
                };
                (name, PolicyKind::Hybrid(spec))
            }
        };
        if role != Role::Alone && name.is_some() {
            return Err(c.error(
                &format!("{f}.name"),
                "a hybrid's base and burst go by the hybrid's name; remove this one",
            ));
        }
        Ok((name, kind))
    }
}

impl RawLimits {
    fn check(
        self,
        c: &mut Checker<'_>,
        f: &str,
        horizon: Time,
    ) -> Result<ProviderLimits, ScenarioError> {
        let quota = match self.quota {
            None => None,
            Some(q) => Some(c.count(&format!("{f}.quota"), q, 1, MAX_SERVERS)?),
        };
        let launches_per_minute = match self.launches_per_minute {
            None => None,
            Some(r) => Some(c.count(&format!("{f}.launches_per_minute"), r, 1, MAX_SERVERS)?),
        };
        let mut shortages = Vec::with_capacity(self.shortages.len());
        for (i, w) in self.shortages.into_iter().enumerate() {
            let start = c.time(&format!("{f}.shortages[{i}].start"), w.start)?;
            let length = c.positive_time(&format!("{f}.shortages[{i}].duration"), w.duration)?;
            if start >= horizon {
                return Err(c.error(
                    &format!("{f}.shortages[{i}].start"),
                    "expected a start inside the horizon",
                ));
            }
            shortages.push((start, start.saturating_add(length)));
        }
        let retry_every = match self.retry_every {
            None => ProviderLimits::default().retry_every,
            Some(r) => c.positive_time(&format!("{f}.retry_every"), r)?,
        };
        Ok(ProviderLimits {
            quota,
            launches_per_minute,
            shortages,
            retry_every,
        })
    }
}

impl RawScaling {
    /// `nested`: this is a predictive policy's `reactive` strategy.
    fn check(
        self,
        c: &mut Checker<'_>,
        s: &str,
        max: u32,
        nested: bool,
    ) -> Result<Scaling, ScenarioError> {
        let util = |c: &mut Checker<'_>, field: &str, v: f64| {
            c.finite(
                &format!("{s}.{field}"),
                v,
                "a utilisation in (0, 1]",
                v > 0.0 && v <= 1.0,
            )
        };
        Ok(match self {
            RawScaling::TargetTracking {
                target,
                request_rate_target,
                queue_length_target,
                period,
                scale_out_periods,
                scale_in_periods,
                warmup,
            } => Scaling::TargetTracking(TargetTracking {
                metrics: check_tracked(
                    c,
                    s,
                    [
                        (Metric::Utilization, target),
                        (Metric::RequestRate, request_rate_target),
                        (Metric::QueueLength, queue_length_target),
                    ],
                )?,
                period: c.positive_time(&format!("{s}.period"), period)?,
                scale_out_periods: c.count(
                    &format!("{s}.scale_out_periods"),
                    scale_out_periods,
                    1,
                    10_000,
                )?,
                scale_in_periods: c.count(
                    &format!("{s}.scale_in_periods"),
                    scale_in_periods,
                    1,
                    10_000,
                )?,
                warmup: c.time(&format!("{s}.warmup"), warmup)?,
            }),
            RawScaling::Simple {
                period,
                scale_out_threshold,
                scale_in_threshold,
                evaluation_periods,
                adjustment,
                cooldown,
            } => {
                let out = util(c, "scale_out_threshold", scale_out_threshold)?;
                let inn = c.finite(
                    &format!("{s}.scale_in_threshold"),
                    scale_in_threshold,
                    &format!("a utilisation in [0, scale_out_threshold ({out}))"),
                    (0.0..out).contains(&scale_in_threshold),
                )?;
                Scaling::Simple(SimpleScaling {
                    period: c.positive_time(&format!("{s}.period"), period)?,
                    scale_out_threshold: out,
                    scale_in_threshold: inn,
                    evaluation_periods: c.count(
                        &format!("{s}.evaluation_periods"),
                        evaluation_periods,
                        1,
                        10_000,
                    )?,
                    adjustment: c.count(&format!("{s}.adjustment"), adjustment, 1, max as u64)?,
                    cooldown: c.time(&format!("{s}.cooldown"), cooldown)?,
                })
            }
            RawScaling::Step {
                period,
                threshold,
                steps,
                adjustment_type,
                min_adjustment_magnitude,
                evaluation_periods,
                warmup,
            } => {
                let threshold = util(c, "threshold", threshold)?;
                let steps = check_steps(c, s, steps, adjustment_type, max)?;
                let min_adjustment_magnitude = match min_adjustment_magnitude {
                    None => 0,
                    Some(_) if adjustment_type != AdjustmentType::PercentChangeInCapacity => {
                        return Err(c.error(
                            &format!("{s}.min_adjustment_magnitude"),
                            "applies only to adjustment_type = \"percent-change-in-capacity\" (as on AWS)",
                        ));
                    }
                    Some(m) => {
                        c.count(&format!("{s}.min_adjustment_magnitude"), m, 1, max as u64)?
                    }
                };
                Scaling::Step(StepScaling {
                    period: c.positive_time(&format!("{s}.period"), period)?,
                    threshold,
                    steps,
                    adjustment_type,
                    min_adjustment_magnitude,
                    evaluation_periods: c.count(
                        &format!("{s}.evaluation_periods"),
                        evaluation_periods,
                        1,
                        10_000,
                    )?,
                    warmup: c.time(&format!("{s}.warmup"), warmup)?,
                })
            }
            RawScaling::Hpa {
                target,
                tolerance,
                period,
                scale_down_stabilization,
                scale_up_pods,
                scale_up_percent,
            } => Scaling::Hpa(HpaScaling {
                target: util(c, "target", target)?,
                tolerance: c.finite(
                    &format!("{s}.tolerance"),
                    tolerance,
                    "a tolerance in [0, 1)",
                    (0.0..1.0).contains(&tolerance),
                )?,
                period: c.positive_time(&format!("{s}.period"), period)?,
                scale_down_stabilization: c.time(
                    &format!("{s}.scale_down_stabilization"),
                    scale_down_stabilization,
                )?,
                scale_up_pods: c.count(
                    &format!("{s}.scale_up_pods"),
                    scale_up_pods,
                    0,
                    MAX_SERVERS,
                )?,
                scale_up_percent: c.finite(
                    &format!("{s}.scale_up_percent"),
                    scale_up_percent,
                    "a percentage from 0 to 100000",
                    (0.0..=1e5).contains(&scale_up_percent),
                )?,
            }),
            RawScaling::Scheduled { .. } | RawScaling::Predictive { .. } if nested => {
                return Err(c.error(
                    &format!("{s}.type"),
                    "a predictive policy's reactive strategy must be target-tracking, simple, step or hpa",
                ));
            }
            RawScaling::Scheduled { period } => Scaling::Scheduled {
                period: c.positive_time(&format!("{s}.period"), period)?,
            },
            RawScaling::Predictive {
                target,
                scheduling_buffer,
                history,
                period,
                reactive,
            } => {
                let target = util(c, "target", target)?;
                let buffer = c.time(&format!("{s}.scheduling_buffer"), scheduling_buffer)?;
                if buffer >= 3600 * SECOND {
                    return Err(c.error(
                        &format!("{s}.scheduling_buffer"),
                        format!(
                            "must be less than the 1-hour forecast interval (as on AWS), got {}",
                            fmt_duration(scheduling_buffer)
                        ),
                    ));
                }
                let history_t = c.time(&format!("{s}.history"), history)?;
                if !(86_400 * SECOND..=366 * 86_400 * SECOND).contains(&history_t) {
                    return Err(c.error(
                        &format!("{s}.history"),
                        format!(
                            "expected 1 day (the least AWS forecasts from) to 366 days, got {}",
                            fmt_duration(history)
                        ),
                    ));
                }
                let reactive = match reactive {
                    Some(r) => Some(Box::new(r.check(c, &format!("{s}.reactive"), max, true)?)),
                    None => None,
                };
                Scaling::Predictive(PredictiveScaling {
                    target,
                    scheduling_buffer: buffer,
                    history: history_t,
                    period: c.positive_time(&format!("{s}.period"), period)?,
                    reactive,
                })
            }
        })
    }
}

/// Target tracking's metrics: each given target in range, at least one.
fn check_tracked(
    c: &mut Checker<'_>,
    s: &str,
    given: [(Metric, Option<f64>); 3],
) -> Result<Vec<Tracked>, ScenarioError> {
    let mut metrics = Vec::new();
    for (metric, target) in given {
        let Some(v) = target else { continue };
        let (field, what, ok) = match metric {
            Metric::Utilization => ("target", "a utilisation target in (0, 1]", v <= 1.0),
            Metric::RequestRate => (
                "request_rate_target",
                "requests per second per instance, > 0 and at most 1e9",
                v <= 1e9,
            ),
            Metric::QueueLength => (
                "queue_length_target",
                "waiting requests per instance, > 0 and at most 1e9",
                v <= 1e9,
            ),
        };
        let target = c.finite(&format!("{s}.{field}"), v, what, v > 0.0 && ok)?;
        metrics.push(Tracked { metric, target });
    }
    if metrics.is_empty() {
        return Err(c.error(
            s,
            "expected at least one of `target` (utilisation), `request_rate_target` or `queue_length_target`",
        ));
    }
    Ok(metrics)
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A time of day `HH:MM` or `HH:MM:SS`, in simulator time from 00:00.
fn time_of_day(text: &str) -> Option<Time> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    (h < 24 && m < 60 && sec < 60).then_some((h * 3600 + m * 60 + sec) * SECOND)
}

/// Scheduled actions: a time of day, days of the week, and a consistent min/max/desired
/// (`min` and `desired` at least `least`: 0 for a hybrid's burst, else 1).
fn check_schedule(
    c: &mut Checker<'_>,
    f: &str,
    raw: Vec<RawAction>,
    slots: u32,
    least: u64,
) -> Result<Vec<ScheduledAction>, ScenarioError> {
    if raw.len() > 1000 {
        return Err(c.error(&format!("{f}.schedule"), "at most 1000 scheduled actions"));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, a) in raw.into_iter().enumerate() {
        let g = format!("{f}.schedule[{i}]");
        let at = time_of_day(&a.at).ok_or_else(|| {
            c.error(
                &format!("{g}.at"),
                format!(
                    "expected a time of day \"HH:MM\" or \"HH:MM:SS\" from 00:00 to 23:59:59, got {:?}",
                    a.at
                ),
            )
        })?;
        let days = match &a.days {
            None => 0x7f,
            Some(list) => {
                let mut bits = 0u8;
                for (j, d) in list.iter().enumerate() {
                    let bit = DAY_NAMES
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(d.trim()))
                        .map(|k| 1u8 << k);
                    match bit {
                        Some(b) if bits & b == 0 => bits |= b,
                        _ => {
                            return Err(c.error(
                                &format!("{g}.days[{j}]"),
                                format!("expected one of \"mon\" … \"sun\", each once, got {d:?}"),
                            ));
                        }
                    }
                }
                if bits == 0 {
                    return Err(c.error(
                        &format!("{g}.days"),
                        "expected at least one day, or no `days` for every day",
                    ));
                }
                bits
            }
        };
        let mut size = |name: &str, v: Option<u64>| -> Result<Option<u32>, ScenarioError> {
            v.map(|v| c.fleet_size(&format!("{g}.{name}"), v, least, slots))
                .transpose()
        };
        let (min, max, desired) = (
            size("min", a.min)?,
            size("max", a.max)?,
            size("desired", a.desired)?,
        );
        if min.is_none() && max.is_none() && desired.is_none() {
            return Err(c.error(&g, "expected at least one of `min`, `max`, `desired`"));
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(c.error(
                    &format!("{g}.min"),
                    format!("must not exceed this action's max ({hi}), got {lo}"),
                ));
            }
        }
        if let Some(d) = desired {
            if min.is_some_and(|lo| d < lo) || max.is_some_and(|hi| d > hi) {
                return Err(c.error(
                    &format!("{g}.desired"),
                    format!("must lie within this action's min and max, got {d}"),
                ));
            }
        }
        out.push(ScheduledAction {
            at,
            days,
            min,
            max,
            desired,
        });
    }
    Ok(out)
}

/// Step adjustments as AWS accepts them: each wholly above or wholly below the
/// threshold, bounds ordered, no overlaps, changes that point the right way.
fn check_steps(
    c: &mut Checker<'_>,
    s: &str,
    steps: Vec<RawStep>,
    kind: AdjustmentType,
    max: u32,
) -> Result<Vec<StepAdjustment>, ScenarioError> {
    let f = format!("{s}.steps");
    if steps.is_empty() || steps.len() > 100 {
        return Err(c.error(
            &f,
            "expected 1 to 100 steps like { lower = 0.0, upper = 0.1, change = 1 }",
        ));
    }
    let mut out: Vec<StepAdjustment> = Vec::with_capacity(steps.len());
    for (i, st) in steps.into_iter().enumerate() {
        let g = format!("{f}[{i}]");
        for (name, v) in [("lower", st.lower), ("upper", st.upper)] {
            if let Some(v) = v {
                c.finite(
                    &format!("{g}.{name}"),
                    v,
                    "a finite bound in [-1, 1]",
                    (-1.0..=1.0).contains(&v),
                )?;
            }
        }
        let lo = st.lower.unwrap_or(f64::NEG_INFINITY);
        let hi = st.upper.unwrap_or(f64::INFINITY);
        if lo >= hi {
            return Err(c.error(
                &format!("{g}.upper"),
                format!("must be greater than lower ({lo})"),
            ));
        }
        let above = lo >= 0.0;
        if !above && hi > 0.0 {
            return Err(c.error(
                &g,
                "a step must lie wholly above the threshold (lower ≥ 0, scale out) or wholly below it (upper ≤ 0, scale in)",
            ));
        }
        match kind {
            AdjustmentType::ExactCapacity => {
                if st.change < 0 || st.change > max as i64 {
                    return Err(c.error(
                        &format!("{g}.change"),
                        format!(
                            "an exact capacity must be from 0 to max ({max}), got {}",
                            st.change
                        ),
                    ));
                }
            }
            _ => {
                if (above && st.change <= 0) || (!above && st.change >= 0) {
                    return Err(c.error(
                        &format!("{g}.change"),
                        format!(
                            "a step {} the threshold must {} capacity (change {} 0), got {}",
                            if above { "above" } else { "below" },
                            if above { "add" } else { "remove" },
                            if above { ">" } else { "<" },
                            st.change
                        ),
                    ));
                }
                if st.change.unsigned_abs() > MAX_SERVERS.max(100_000) {
                    return Err(
                        c.error(&format!("{g}.change"), format!("too large: {}", st.change))
                    );
                }
            }
        }
        out.push(StepAdjustment {
            lower: st.lower,
            upper: st.upper,
            change: st.change,
        });
    }
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        let la = out[a].lower.unwrap_or(f64::NEG_INFINITY);
        let lb = out[b].lower.unwrap_or(f64::NEG_INFINITY);
        la.total_cmp(&lb)
    });
    for w in order.windows(2) {
        let prev_hi = out[w[0]].upper.unwrap_or(f64::INFINITY);
        let next_lo = out[w[1]].lower.unwrap_or(f64::NEG_INFINITY);
        if next_lo < prev_hi {
            return Err(c.error(
                &format!("{f}[{}]", w[1]),
                format!("overlaps step {} (steps must not overlap)", w[0]),
            ));
        }
    }
    Ok(order.into_iter().map(|i| out[i].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
horizon = "1h"
[service]
service_time = { distribution = "exponential", mean = "100ms" }
slots_per_server = 4
[workload]
base_rate = 10.0
[[policy]]
name = "own"
type = "fixed"
servers = 2
cost = { capex_per_server = 1000.0, amortization = "4y" }
"#;

    #[test]
    fn purchase_options_parse_with_defaults() {
        let cloud = "[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 8\nboot_time = \"90s\"\nscaling = { type = \"target-tracking\", target = 0.6 }\nbilling = { price_per_hour = 1.0 }\n";
        let plain = parse(&format!("{MINIMAL}{cloud}"), "t.toml", "t").unwrap();
        let PolicyKind::Autoscale(a) = &plain.policies[1].kind else {
            panic!("autoscale expected");
        };
        assert_eq!(a.purchase, Purchase::default());
        assert!(!a.purchase.is_mixed());
        let text = format!(
            "{MINIMAL}{cloud}purchase = {{ reserved = 4, reserved_discount = 0.4, spot_share = 0.5, spot_discount = 0.7, spot_interruptions_per_hour = 0.05, spot_notice = \"30s\" }}\n"
        );
        let mixed = parse(&text, "t.toml", "t").unwrap();
        let PolicyKind::Autoscale(a) = &mixed.policies[1].kind else {
            panic!("autoscale expected");
        };
        let p = &a.purchase;
        assert_eq!((p.reserved, p.reserved_discount), (4, 0.4));
        assert_eq!((p.spot_share, p.spot_discount), (0.5, 0.7));
        assert_eq!(p.spot_interruptions_per_hour, 0.05);
        assert_eq!(p.spot_notice, 30 * SECOND);
        // Defaults: a one-year commitment term.
        assert_eq!(p.reserved_term, 31_557_600 * SECOND);
        assert!(p.is_mixed());
    }

    #[test]
    fn lease_contract_defaults() {
        let lease = |term: &str| {
            let text = format!(
                "{MINIMAL}[[policy]]\nname = \"idc\"\ntype = \"lease\"\nservers = 2\nterm = \"{term}\"\nprice_per_server_term = 140.0\nrenewal = {{}}\n"
            );
            let s = parse(&text, "t.toml", "t").unwrap();
            let PolicyKind::Lease(l) = &s.policies[1].kind else {
                panic!("lease expected");
            };
            l.clone()
        };
        let day = 86_400 * SECOND;
        // 30 days' notice, or half a term when the term is no longer than that.
        let quarter = lease("90d");
        assert_eq!(quarter.renewal.unwrap().notice, 30 * day);
        let month = lease("30d");
        assert_eq!(month.renewal.unwrap().notice, 15 * day);
        // One term committed, no exit clause.
        assert_eq!((month.min_terms, month.early_exit_fee), (1, None));
    }

    #[test]
    fn the_default_scenario_is_valid() {
        let s = parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE, "flash-crowd").unwrap();
        assert_eq!(s.name, "flash-crowd");
        assert_eq!(s.policies.len(), 3);
    }

    #[test]
    fn defaults_fill_in() {
        let s = parse(MINIMAL, "m.toml", "minimal").unwrap();
        assert_eq!(s.name, "minimal");
        assert_eq!(s.seed, 1);
        assert_eq!(s.sample_every, 60 * SECOND);
        assert_eq!(s.service.queue_limit, 10_000);
        let PolicyKind::Fixed(f) = &s.policies[0].kind else {
            panic!()
        };
        assert_eq!(f.pue, 1.58);
        assert_eq!(f.amortization, 4.0 * 31_557_600.0);
    }

    #[test]
    fn unknown_field_is_an_error_with_its_line() {
        let text = MINIMAL.replace("slots_per_server = 4", "slots_per_server = 4\nslots = 3");
        let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
        assert!(e.starts_with("m.toml:6:"), "{e}");
        assert!(e.contains("unknown field `slots`"), "{e}");
    }

    /// Policies, shapes and scaling rules are tagged tables that serde reads whole; their
    /// errors must still name the field inside and its line.
    #[test]
    fn errors_inside_tagged_tables_name_the_field_and_line() {
        let two = format!(
            "{MINIMAL}[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 4\n\
             boot_time = \"90s\"\nscaling = {{ type = \"target-tracking\", target = 0.6 }}\n\
             billing = {{ price_per_hour = 0.4 }}\n"
        );
        parse(&two, "m.toml", "m").expect("the base text is valid");
        let cases = [
            (
                "boot_time = \"90s\"",
                "boot_time = 90",
                "m.toml:18:1: field `policy[1].boot_time`: invalid type: integer `90`",
            ),
            (
                "min = 1",
                "min = -1",
                "m.toml:16:1: field `policy[1].min`: invalid value",
            ),
            (
                "target = 0.6",
                "target = \"high\"",
                "m.toml:19:39: field `policy[1].scaling.target`: invalid type",
            ),
            (
                "servers = 2",
                "servers = 2\nsize = 3",
                "m.toml:12:1: field `policy[0].size`: unknown field `size`",
            ),
            (
                "type = \"fixed\"\n",
                "",
                "m.toml:8:1: field `policy[0]`: missing field `type`",
            ),
            (
                "mean = \"100ms\" }",
                "mean = \"100ms\", sd = 1 }",
                "m.toml:4:64: field `service.service_time.sd`",
            ),
        ];
        for (from, to, want) in cases {
            let text = two.replacen(from, to, 1);
            let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}\n wanted {want}");
        }
    }

    #[test]
    fn semantic_error_names_field_and_line() {
        let text = MINIMAL.replace("servers = 2", "servers = 0");
        let e = parse(&text, "m.toml", "m").unwrap_err().to_string();
        assert!(
            e.starts_with("m.toml:11:1: field `policy[0].servers`"),
            "{e}"
        );
    }

    #[test]
    fn profile_points_are_scaled_to_mean_one() {
        let text = MINIMAL.replace(
            "base_rate = 10.0",
            "base_rate = 10.0\n[[workload.shape]]\ntype = \"profile\"\npoints = [1.0, 3.0]",
        );
        let s = parse(&text, "m.toml", "m").unwrap();
        let Shape::Profile { points, .. } = &s.workload.shapes[0] else {
            panic!()
        };
        assert_eq!(points, &vec![0.5, 1.5]);
    }

    /// MINIMAL with an autoscale policy (policy[1]) whose scaling / billing are given.
    fn with_cloud(scaling: &str, billing: &str) -> Result<Scenario, ScenarioError> {
        let text = format!(
            "{MINIMAL}\n[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 20\nboot_time = \"90s\"\nscaling = {scaling}\nbilling = {billing}\n"
        );
        parse(&text, "m.toml", "m")
    }

    fn cloud(s: &Scenario) -> &AutoscaleSpec {
        let PolicyKind::Autoscale(a) = &s.policies[1].kind else {
            panic!()
        };
        a
    }

    const PRICE: &str = "{ price_per_hour = 0.384 }";

    #[test]
    fn scaling_strategies_parse_with_aws_and_kubernetes_defaults() {
        let s = with_cloud(
            r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3 }"#,
            PRICE,
        )
        .unwrap();
        assert_eq!(
            cloud(&s).scaling,
            Scaling::Simple(SimpleScaling {
                period: 60 * SECOND,
                scale_out_threshold: 0.7,
                scale_in_threshold: 0.3,
                evaluation_periods: 1,
                adjustment: 1,
                cooldown: 300 * SECOND,
            })
        );
        let s = with_cloud(r#"{ type = "hpa", target = 0.6 }"#, PRICE).unwrap();
        assert_eq!(
            cloud(&s).scaling,
            Scaling::Hpa(HpaScaling {
                target: 0.6,
                tolerance: 0.1,
                period: 15 * SECOND,
                scale_down_stabilization: 300 * SECOND,
                scale_up_pods: 4,
                scale_up_percent: 100.0,
            })
        );
        // Steps come back sorted by bound.
        let s = with_cloud(
            r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.2, change = 3 }, { lower = 0.0, upper = 0.2, change = 1 }, { upper = -0.3, change = -1 }] }"#,
            PRICE,
        )
        .unwrap();
        let Scaling::Step(st) = &cloud(&s).scaling else {
            panic!()
        };
        assert_eq!(st.adjustment_type, AdjustmentType::ChangeInCapacity);
        assert_eq!(st.warmup, 300 * SECOND);
        assert_eq!(st.evaluation_periods, 1);
        let changes: Vec<i64> = st.steps.iter().map(|s| s.change).collect();
        assert_eq!(changes, vec![-1, 1, 3]);
    }

    #[test]
    fn scaling_errors_name_the_field() {
        let cases = [
            (
                r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.8 }"#,
                "policy[1].scaling.scale_in_threshold",
            ),
            (
                r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3, cooldown = "101y" }"#,
                "policy[1].scaling.cooldown",
            ),
            (
                r#"{ type = "simple", scale_out_threshold = 0.7, scale_in_threshold = 0.3, adjustment = 0 }"#,
                "policy[1].scaling.adjustment",
            ),
            (
                r#"{ type = "step", threshold = 0.6, steps = [] }"#,
                "policy[1].scaling.steps",
            ),
            (
                r#"{ type = "step", threshold = 0.6, steps = [{ lower = -0.1, upper = 0.1, change = 1 }] }"#,
                "policy[1].scaling.steps[0]",
            ),
            (
                r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, change = -1 }] }"#,
                "policy[1].scaling.steps[0].change",
            ),
            (
                r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, upper = 0.2, change = 1 }, { lower = 0.1, change = 2 }] }"#,
                "policy[1].scaling.steps[1]",
            ),
            (
                r#"{ type = "step", threshold = 0.6, steps = [{ lower = 0.0, change = 1 }], min_adjustment_magnitude = 2 }"#,
                "policy[1].scaling.min_adjustment_magnitude",
            ),
            (
                r#"{ type = "step", threshold = 0.6, adjustment_type = "exact-capacity", steps = [{ lower = 0.0, change = 21 }] }"#,
                "policy[1].scaling.steps[0].change",
            ),
            (
                r#"{ type = "hpa", target = 0.6, tolerance = 1.5 }"#,
                "policy[1].scaling.tolerance",
            ),
            (
                r#"{ type = "hpa", target = 0.0 }"#,
                "policy[1].scaling.target",
            ),
        ];
        for (scaling, field) in cases {
            let e = with_cloud(scaling, PRICE).unwrap_err().to_string();
            assert!(e.contains(&format!("field `{field}`")), "{scaling}: {e}");
            assert!(e.starts_with("m.toml:"), "{e}");
        }
        // Unknown fields inside a strategy are errors too.
        let e = with_cloud(r#"{ type = "hpa", target = 0.6, cooldown = "1m" }"#, PRICE)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `cooldown`"), "{e}");
        let e = with_cloud(r#"{ type = "cron" }"#, PRICE)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cron"), "{e}");
    }

    #[test]
    fn new_strategies_parse_with_their_defaults() {
        let s = with_cloud(
            r#"{ type = "target-tracking", target = 0.6, queue_length_target = 10.0, request_rate_target = 50.0 }"#,
            PRICE,
        )
        .unwrap();
        let Scaling::TargetTracking(t) = &cloud(&s).scaling else {
            panic!()
        };
        // Always in the order utilisation, request rate, queue length.
        let metrics: Vec<(Metric, f64)> = t.metrics.iter().map(|m| (m.metric, m.target)).collect();
        assert_eq!(
            metrics,
            vec![
                (Metric::Utilization, 0.6),
                (Metric::RequestRate, 50.0),
                (Metric::QueueLength, 10.0)
            ]
        );
        let s = with_cloud(
            r#"{ type = "predictive", target = 0.5, reactive = { type = "hpa", target = 0.6 } }"#,
            PRICE,
        )
        .unwrap();
        let Scaling::Predictive(p) = &cloud(&s).scaling else {
            panic!()
        };
        assert_eq!(p.scheduling_buffer, 300 * SECOND);
        assert_eq!(p.history, 14 * 86_400 * SECOND);
        // The group is evaluated at the reactive strategy's period (HPA: 15 s).
        assert_eq!(cloud(&s).scaling.period(), 15 * SECOND);
        let text = format!(
            "{MINIMAL}\n[[policy]]\nname = \"cloud\"\ntype = \"autoscale\"\nmin = 1\nmax = 20\nboot_time = \"90s\"\nscaling = {{ type = \"scheduled\" }}\nbilling = {PRICE}\n\
             [[policy.schedule]]\nat = \"08:30\"\ndays = [\"Mon\", \"fri\"]\ndesired = 6\n\
             [[policy.schedule]]\nat = \"23:59:30\"\nmin = 1\nmax = 2\n"
        );
        let s = parse(&text, "m.toml", "m").unwrap();
        let a = &cloud(&s).schedule;
        assert_eq!(cloud(&s).scaling.period(), 60 * SECOND);
        assert_eq!(
            (a[0].at, a[0].days, a[0].desired),
            (8 * 3600 * SECOND + 1800 * SECOND, 0b1_0001, Some(6))
        );
        assert_eq!(
            (a[1].at, a[1].days, a[1].min, a[1].max),
            ((86_400 - 30) * SECOND, 0x7f, Some(1), Some(2))
        );
        // An error inside the second action names it and its line.
        let bad = text.replace("max = 2\n", "max = 2\ndesired = 3\n");
        let e = parse(&bad, "m.toml", "m").unwrap_err().to_string();
        assert!(
            e.starts_with("m.toml:30:1: field `policy[1].schedule[1].desired`"),
            "{e}"
        );
    }

    #[test]
    fn time_of_day_is_strict() {
        assert_eq!(time_of_day("00:00"), Some(0));
        assert_eq!(time_of_day("23:59:59"), Some(86_399 * SECOND));
        for bad in [
            "24:00",
            "8:00",
            "08:60",
            "08",
            "08:00:00:00",
            "-1:00",
            "08:0a",
            "",
        ] {
            assert_eq!(time_of_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn billing_presets_map_to_granularity_and_minimum() {
        let tt = r#"{ type = "target-tracking", target = 0.6 }"#;
        let rules = |billing: &str| {
            let s = with_cloud(tt, billing).unwrap();
            let b = &cloud(&s).billing;
            (b.granularity / SECOND, b.minimum / SECOND)
        };
        assert_eq!(rules(PRICE), (1, 60));
        assert_eq!(
            rules(r#"{ preset = "aws-linux", price_per_hour = 1.0 }"#),
            (1, 60)
        );
        assert_eq!(
            rules(r#"{ preset = "gcp", price_per_hour = 1.0 }"#),
            (1, 60)
        );
        assert_eq!(
            rules(r#"{ preset = "azure-minute", price_per_hour = 1.0 }"#),
            (60, 60)
        );
        assert_eq!(
            rules(r#"{ preset = "hourly", price_per_hour = 1.0 }"#),
            (3600, 3600)
        );
        // Explicit fields override the preset.
        assert_eq!(
            rules(r#"{ preset = "hourly", price_per_hour = 1.0, minimum = "0s" }"#),
            (3600, 0)
        );
        assert_eq!(
            rules(r#"{ price_per_hour = 1.0, granularity = "10s" }"#),
            (10, 60)
        );
        let e = with_cloud(tt, r#"{ preset = "oracle", price_per_hour = 1.0 }"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `policy[1].billing.preset`"), "{e}");
        assert!(e.contains("\"oracle\""), "{e}");
    }
}
