//! `type = "containers"`: pods on a Kubernetes-like cluster whose nodes are cloud
//! instances. Two autoscalers work together:
//!
//! - the **pod autoscaler** (any `scaling` strategy; by default the HorizontalPodAutoscaler
//!   with Kubernetes' defaults: 15 s sync, 10 % tolerance, 5-minute scale-down
//!   stabilisation) sizes the pods between `pods.min` and `pods.max`. A pod has
//!   `pods.slots` slots, which take the place of `service.slots_per_server`;
//! - the **cluster autoscaler** (`simulation::cluster`) launches nodes for pods that
//!   find no room, and drains and removes nodes that stay underused, with the Cluster
//!   Autoscaler's defaults (10 s scan, 50 % utilisation threshold, 10 minutes unneeded,
//!   10 minutes after a scale-up).
//!
//! Nodes are billed like `autoscale` instances (`nodes.billing`); pods cost nothing of
//! their own. `control_plane_per_hour` adds a cluster fee (EKS and GKE: $0.10 per
//! cluster-hour).

use std::time::Duration;

use serde::Deserialize;

use super::autoscale::{self, CloudBilling, ProviderLimits};
use super::{AutoscaleSpec, Context};
use crate::engine::{SECOND, Time};
use crate::scenario::check::{Deferred, MAX_SERVERS, Scope};
use crate::scenario::error::ScenarioError;
use crate::scenario::scaling::{self, HpaScaling, Scaling};

/// Most pods one node may hold: the kubelet's default `--max-pods` (110).
pub const DEFAULT_MAX_PODS: u32 = 110;
/// Most slots one pod may have (as `service.slots_per_server`).
const MAX_POD_SLOTS: u64 = 100_000;
/// Largest node, and largest pod request: far above any instance type (the largest EC2
/// instances have 896 vCPUs and 32 TiB of memory).
const MAX_CPUS: f64 = 1e5;
const MAX_MEMORY_GB: f64 = 1e6;

/// The pods, their requests and the pod autoscaler's bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSpec {
    /// Slots of one pod (requests it serves at once).
    pub slots: u32,
    /// CPU and memory a pod requests of its node.
    pub cpu: f64,
    pub memory_gb: f64,
    /// From being placed on a node to serving (image pull, container start, readiness).
    pub start: Time,
    pub min: u32,
    pub max: u32,
}

/// The node pool the cluster autoscaler manages.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    pub cpus: f64,
    pub memory_gb: f64,
    /// Most pods a node holds whatever their requests (kubelet `--max-pods`).
    pub max_pods: u32,
    pub boot_time: Time,
    pub min: u32,
    pub max: u32,
    pub billing: CloudBilling,
}

/// Pods under a pod autoscaler, on nodes under a cluster autoscaler.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainersSpec {
    pub pods: PodSpec,
    pub nodes: NodeSpec,
    /// The pod autoscaler's strategy.
    pub scaling: Scaling,
    /// Cluster fee, USD per hour of the window.
    pub control_plane_per_hour: f64,
    /// Pods per node: min(⌊cpus ÷ pod cpu⌋, ⌊memory ÷ pod memory⌋, max_pods).
    pub pods_per_node: u32,
    /// Nodes ready at t = 0: enough for `pods.min` pods, and at least `nodes.min`.
    pub initial_nodes: u32,
    /// The pods as an autoscaling group: what the pod autoscaler runs (no price, no
    /// provider limits; a pod's "boot" is `pods.start`).
    pub group: AutoscaleSpec,
}

impl ContainersSpec {
    /// The share of a node one pod requests: the larger of its CPU and memory shares.
    pub fn pod_share(&self) -> f64 {
        (self.pods.cpu / self.nodes.cpus).max(self.pods.memory_gb / self.nodes.memory_gb)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read at their own scopes
pub(crate) struct Raw {
    pods: Deferred,
    nodes: Deferred,
    #[serde(default)]
    scaling: Option<Deferred>,
    #[serde(default)]
    control_plane_per_hour: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPods {
    slots: u64,
    cpu: f64,
    memory_gb: f64,
    #[serde(with = "humantime_serde", default = "default_start")]
    start: Duration,
    min: u64,
    max: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNodes {
    cpus: f64,
    memory_gb: f64,
    #[serde(default)]
    max_pods: Option<u64>,
    #[serde(with = "humantime_serde")]
    boot_time: Duration,
    #[serde(default)]
    min: u64,
    max: u64,
    billing: autoscale::BillingRaw,
}

/// A container start on a node that has its image: a few seconds.
fn default_start() -> Duration {
    Duration::from_secs(5)
}

/// The pod autoscaler when `scaling` is left out: the HPA at Kubernetes' defaults, on a
/// 50 % utilisation target (the target of the Kubernetes HPA walkthrough,
/// `kubectl autoscale --cpu-percent=50`).
pub fn default_scaling() -> Scaling {
    Scaling::Hpa(HpaScaling {
        target: 0.5,
        tolerance: 0.1,
        period: 15 * SECOND,
        scale_down_stabilization: 300 * SECOND,
        scale_up_pods: 4,
        scale_up_percent: 100.0,
    })
}

/// Checks a `containers` block (scope `s`).
pub(crate) fn check(s: &Scope, _raw: Raw, cx: Context) -> Result<ContainersSpec, ScenarioError> {
    let ps = s.scope("pods");
    if !ps.is_given() {
        return Err(s.error("pods", "missing field `pods`"));
    }
    let rp: RawPods = ps.read()?;
    let slots = ps.count("slots", rp.slots, 1, MAX_POD_SLOTS)?;
    let cpu = ps.finite(
        "cpu",
        rp.cpu,
        "the CPUs a pod requests, more than 0 and at most 1e5",
        rp.cpu > 0.0 && rp.cpu <= MAX_CPUS,
    )?;
    let memory_gb = ps.finite(
        "memory_gb",
        rp.memory_gb,
        "the memory a pod requests in GB, more than 0 and at most 1e6",
        rp.memory_gb > 0.0 && rp.memory_gb <= MAX_MEMORY_GB,
    )?;
    let start = ps.time("start", rp.start)?;
    let pods_max = ps.fleet_size("max", rp.max, 1, slots)?;
    let scaling = if s.has("scaling") {
        scaling::check(&s.scope("scaling"), pods_max, false)?
    } else {
        default_scaling()
    };
    // Pods scale to zero only under a pod autoscaler that sees load with no pod ready.
    if rp.min == 0 {
        if let Err(why) = scaling.wakes_from_zero(cx.queueing) {
            return Err(ps.error("min", why));
        }
    }
    let pods_min = ps.count("min", rp.min, 0, MAX_SERVERS)?;
    if pods_min > pods_max {
        return Err(ps.error(
            "min",
            format!("must not exceed pods.max ({pods_max}), got {pods_min}"),
        ));
    }

    let ns = s.scope("nodes");
    if !ns.is_given() {
        return Err(s.error("nodes", "missing field `nodes`"));
    }
    let rn: RawNodes = ns.read()?;
    let cpus = ns.finite(
        "cpus",
        rn.cpus,
        "a node's allocatable CPUs, more than 0 and at most 1e5",
        rn.cpus > 0.0 && rn.cpus <= MAX_CPUS,
    )?;
    let node_memory = ns.finite(
        "memory_gb",
        rn.memory_gb,
        "a node's allocatable memory in GB, more than 0 and at most 1e6",
        rn.memory_gb > 0.0 && rn.memory_gb <= MAX_MEMORY_GB,
    )?;
    let max_pods = match rn.max_pods {
        None => DEFAULT_MAX_PODS,
        Some(m) => ns.count("max_pods", m, 1, 100_000)?,
    };
    if cpu > cpus {
        return Err(ps.error(
            "cpu",
            format!(
                "a pod requesting {cpu} CPUs does not fit on a node of {cpus} CPUs (nodes.cpus)"
            ),
        ));
    }
    if memory_gb > node_memory {
        return Err(ps.error(
            "memory_gb",
            format!(
                "a pod requesting {memory_gb} GB does not fit on a node of {node_memory} GB (nodes.memory_gb)"
            ),
        ));
    }
    // Both ratios are ≥ 1 (checked above) and at most 1e10: exact enough as f64.
    let fit = (cpus / cpu).floor().min((node_memory / memory_gb).floor());
    let pods_per_node = (fit as u64).clamp(1, u64::from(max_pods)) as u32;
    let boot_time = ns.time("boot_time", rn.boot_time)?;
    let nodes_max = ns.count("max", rn.max, 1, MAX_SERVERS)?;
    let nodes_min = ns.count("min", rn.min, 0, MAX_SERVERS)?;
    if nodes_min > nodes_max {
        return Err(ns.error(
            "min",
            format!("must not exceed nodes.max ({nodes_max}), got {nodes_min}"),
        ));
    }
    let needed = u64::from(pods_min).div_ceil(u64::from(pods_per_node));
    if needed > u64::from(nodes_max) {
        return Err(ns.error(
            "max",
            format!(
                "pods.min ({pods_min}) pods need {needed} nodes of {pods_per_node} pods each, more than nodes.max ({nodes_max})"
            ),
        ));
    }
    let initial_nodes = (needed as u32).max(nodes_min);
    let billing = autoscale::check_billing(&ns.scope("billing"), rn.billing)?;

    if matches!(scaling, Scaling::Scheduled(_)) {
        return Err(s.error(
            "scaling",
            "type = \"scheduled\" needs a `schedule`, which containers policies do not have; use another strategy",
        ));
    }
    let control_plane_per_hour = match s.optional::<f64>("control_plane_per_hour")? {
        None => 0.0,
        Some(fee) => s.non_negative("control_plane_per_hour", fee)?,
    };
    let group = AutoscaleSpec {
        min: pods_min,
        max: pods_max,
        initial: pods_min,
        boot_time: start,
        boot_time_p95: None,
        scaling: scaling.clone(),
        schedule: Vec::new(),
        billing: CloudBilling {
            price_per_hour: 0.0,
            minimum: 0,
            granularity: SECOND,
        },
        limits: ProviderLimits::default(),
        app_warmup: None,
        purchase: Default::default(),
        egress: Default::default(),
    };
    Ok(ContainersSpec {
        pods: PodSpec {
            slots,
            cpu,
            memory_gb,
            start,
            min: pods_min,
            max: pods_max,
        },
        nodes: NodeSpec {
            cpus,
            memory_gb: node_memory,
            max_pods,
            boot_time,
            min: nodes_min,
            max: nodes_max,
            billing,
        },
        scaling,
        control_plane_per_hour,
        pods_per_node,
        initial_nodes,
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{PolicyKind, parse};

    fn containers(policy: &str) -> ContainersSpec {
        let text = format!(
            r#"
horizon = "1h"
[service]
service_time = {{ distribution = "exponential", mean = "100ms" }}
slots_per_server = 8
[workload]
base_rate = 10.0
[[policy]]
name = "k8s"
type = "containers"
{policy}
"#
        );
        let s = parse(&text, "c.toml", "c").unwrap();
        let PolicyKind::Containers(c) = &s.policies[0].kind else {
            panic!("not containers");
        };
        c.clone()
    }

    #[test]
    fn defaults_are_kubernetes_and_pods_pack_by_the_tighter_resource() {
        let c = containers(
            r#"pods = { slots = 4, cpu = 1.5, memory_gb = 5.0, min = 7, max = 30 }
nodes = { cpus = 8.0, memory_gb = 32.0, boot_time = "90s", max = 10, billing = { price_per_hour = 0.384 } }"#,
        );
        // CPU: ⌊8 / 1.5⌋ = 5 pods; memory: ⌊32 / 5⌋ = 6 pods: 5 to a node.
        assert_eq!(c.pods_per_node, 5);
        assert!((c.pod_share() - 1.5 / 8.0).abs() < 1e-15);
        // 7 pods need 2 nodes.
        assert_eq!((c.initial_nodes, c.nodes.min), (2, 0));
        assert_eq!(c.pods.start, 5 * SECOND);
        assert_eq!(c.nodes.max_pods, DEFAULT_MAX_PODS);
        assert_eq!(c.scaling, default_scaling());
        assert_eq!(c.control_plane_per_hour, 0.0);
        // The pods' group: their bounds, their start as boot time, no price.
        assert_eq!((c.group.min, c.group.max, c.group.initial), (7, 30, 7));
        assert_eq!(c.group.boot_time, 5 * SECOND);
        assert_eq!(c.group.billing.price_per_hour, 0.0);
    }

    #[test]
    fn max_pods_caps_a_large_node_and_nodes_min_sets_the_start() {
        let c = containers(
            r#"pods = { slots = 1, cpu = 0.1, memory_gb = 0.1, start = "0s", min = 1, max = 500 }
nodes = { cpus = 96.0, memory_gb = 384.0, boot_time = "2m", min = 3, max = 10, max_pods = 110, billing = { preset = "gcp", price_per_hour = 4.0 } }
scaling = { type = "target-tracking", target = 0.7 }
control_plane_per_hour = 0.1"#,
        );
        assert_eq!(c.pods_per_node, 110);
        assert_eq!(c.initial_nodes, 3);
        assert_eq!(c.scaling.type_name(), "target-tracking");
        assert_eq!(c.group.scaling.type_name(), "target-tracking");
    }
}
