//! `scaling = { type = "…", … }`: how an autoscaling group decides. Each strategy is one
//! unit here (its serde struct, defaults, checked struct and validation) and one behaviour
//! in `policy::autoscale`; the [`strategies!`] list below registers both halves' types.
//!
//! Adding a strategy `foo`:
//! 1. `scenario/scaling/foo.rs`: `pub struct FooScaling` (checked), a `Raw` serde struct
//!    with its defaults, and `impl Rule for FooScaling` (validation, period, and whether it
//!    can wake a group from zero servers);
//! 2. one line in the `strategies!` list below: `Foo(foo::FooScaling) = "foo",`;
//! 3. `policy/autoscale/foo.rs`: the decision, `impl Strategy`, then `mod foo;` and one
//!    arm of `strategy()` in `policy/autoscale.rs`.

use serde::de::DeserializeOwned;

use super::check::Scope;
use super::error::ScenarioError;
use crate::engine::Time;

/// What a strategy's scenario unit provides.
pub(crate) trait Rule: Sized {
    /// The table as written (without its `type`).
    type Raw: DeserializeOwned;
    /// Whether a predictive policy may use it as its reactive strategy.
    const REACTIVE: bool = true;
    /// Validates `raw`, read at scope `s`, for a group of at most `max` servers.
    fn check(raw: Self::Raw, s: &Scope, max: u32) -> Result<Self, ScenarioError>;
    /// How often the strategy is evaluated.
    fn period(&self) -> Time;
    /// Whether it can scale a group out of zero servers by itself (`min = 0`, or a
    /// scheduled `desired = 0`): with none ready, nothing per server can be measured, so
    /// only a rule that sees arrivals, waiting requests or a clock can wake the group.
    /// `Err` says why not, naming the strategy. `queueing`: requests can wait
    /// (`service.queue_limit > 0`), so a waiting line can be measured.
    fn wakes_from_zero(&self, queueing: bool) -> Result<(), String>;
}

/// Declares each strategy's module, its `Scaling` variant and its `type` name.
macro_rules! strategies {
    ($($(#[$doc:meta])* $variant:ident($unit:ident::$typed:ident) = $name:literal,)*) => {
        $(mod $unit; pub use $unit::$typed;)*

        /// How an autoscaler decides (`scaling.type`); each runs in `policy::autoscale::*`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Scaling {
            $($(#[$doc])* $variant($typed),)*
        }

        /// Every strategy's `type` name, and whether it may be a reactive strategy.
        const STRATEGIES: &[(&str, bool)] = &[$(($name, <$typed as Rule>::REACTIVE)),*];

        impl Scaling {
            /// The `type` string of the scenario file.
            pub fn type_name(&self) -> &'static str {
                match self { $(Scaling::$variant(_) => $name,)* }
            }

            /// How often the strategy is evaluated.
            pub fn period(&self) -> Time {
                match self { $(Scaling::$variant(s) => s.period(),)* }
            }

            /// Whether the strategy can scale out of zero servers (see [`Rule::wakes_from_zero`]).
            pub fn wakes_from_zero(&self, queueing: bool) -> Result<(), String> {
                match self { $(Scaling::$variant(s) => s.wakes_from_zero(queueing),)* }
            }
        }

        /// Reads the strategy called `name` at scope `s`.
        fn read(name: &str, s: &Scope, max: u32) -> Result<Scaling, ScenarioError> {
            match name {
                $($name => {
                    let raw = s.read_without(&["type"])?;
                    <$typed as Rule>::check(raw, s, max).map(Scaling::$variant)
                })*
                _ => Err(s.error("type", format!("unknown strategy {name:?}"))),
            }
        }
    };
}

strategies! {
    /// AWS target tracking on utilisation, request rate and queue length per instance.
    TargetTracking(target_tracking::TargetTracking) = "target-tracking",
    /// AWS simple scaling: one adjustment per alarm, then a cooldown.
    Simple(simple::SimpleScaling) = "simple",
    /// AWS step scaling: step adjustments relative to an alarm threshold.
    Step(step::StepScaling) = "step",
    /// The Kubernetes HorizontalPodAutoscaler.
    Hpa(hpa::HpaScaling) = "hpa",
    /// No reactive rule: only the policy's `schedule` changes the fleet.
    Scheduled(scheduled::ScheduledScaling) = "scheduled",
    /// AWS predictive scaling: an hourly forecast under an optional reactive strategy.
    Predictive(predictive::PredictiveScaling) = "predictive",
    /// The Google Compute Engine managed-instance-group autoscaler.
    GcpMig(gcp_mig::GcpMigScaling) = "gcp-mig",
}

pub use step::{AdjustmentType, StepAdjustment};
pub use target_tracking::{Metric, Tracked};

/// Checks the strategy at scope `s` (a `scaling` table, or a predictive policy's
/// `reactive` one when `reactive`) for a group of at most `max` servers.
pub(crate) fn check(s: &Scope, max: u32, reactive: bool) -> Result<Scaling, ScenarioError> {
    let allowed: Vec<&str> = STRATEGIES
        .iter()
        .filter(|(_, ok)| *ok || !reactive)
        .map(|(name, _)| *name)
        .collect();
    let what = if reactive {
        "reactive strategy"
    } else {
        "scaling"
    };
    let name = s.tag("type", &allowed, what)?;
    read(name, s, max)
}

/// Why a strategy that scales on utilisation cannot leave zero servers.
fn utilisation_from_zero(strategy: &str, provider: &str) -> Result<(), String> {
    Err(format!(
        "{strategy} scales on utilisation, which cannot be measured with no server ready, so a group at zero would never scale out again ({provider}); use min ≥ 1, or target tracking with `request_rate_target` or `queue_length_target`, or a `scheduled` scaling"
    ))
}

/// A utilisation in (0, 1] at `field` of `s`.
fn utilisation(s: &Scope, field: &str, v: f64) -> Result<f64, ScenarioError> {
    s.finite(field, v, "a utilisation in (0, 1]", v > 0.0 && v <= 1.0)
}

/// AWS's metric period with detailed monitoring, and the period of CloudWatch alarms.
fn default_period() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}

/// AWS's default instance warmup for target tracking and step scaling.
fn default_warmup() -> std::time::Duration {
    std::time::Duration::from_secs(300)
}

/// CloudWatch alarms fire after 1 of 1 breaching datapoints unless told otherwise.
fn default_evaluation_periods() -> u64 {
    1
}
