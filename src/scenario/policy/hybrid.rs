//! `type = "hybrid"`: cloud bursting. A `fixed` or `lease` base takes the traffic first;
//! what finds it full overflows to an `autoscale` burst.

use serde::Deserialize;

use super::{AutoscaleSpec, Context, PolicyKind, Role, check_block};
use crate::scenario::check::{Deferred, Scope};
use crate::scenario::error::ScenarioError;

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

/// Both sides are read at their own scope (`policy[i].base`, `[policy.burst]`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // checked for presence only
pub(crate) struct Raw {
    base: Deferred,
    burst: Deferred,
}

/// Checks a `hybrid` block (scope `s`).
pub(crate) fn check(s: &Scope, _raw: Raw, cx: Context) -> Result<HybridSpec, ScenarioError> {
    let base = check_block(&s.scope("base"), cx, Role::Base)?;
    let PolicyKind::Autoscale(burst) = check_block(&s.scope("burst"), cx, Role::Burst)? else {
        return Err(s.scope("burst").error("type", "expected \"autoscale\""));
    };
    Ok(HybridSpec {
        base: Box::new(base),
        burst,
    })
}
