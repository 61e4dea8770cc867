//! The node pool of a `containers` policy and its cluster autoscaler, shared by both
//! fidelities (the runtime calls it; the pods are the policy's ordinary [`Fleet`] under
//! the pod autoscaler).
//!
//! **Nodes** hold `pods_per_node` pods each (min(⌊cpus ÷ pod cpu⌋, ⌊memory ÷ pod
//! memory⌋, max_pods)): one pod requests a share `d` = max(pod cpu ÷ node cpus, pod
//! memory ÷ node memory) of a node, so a node's utilisation, as the Cluster Autoscaler
//! measures it (requested ÷ allocatable, the larger of CPU and memory), is pods × `d`.
//! Nodes boot for `nodes.boot_time` and are billed per node life like `autoscale`
//! instances (a [`Fleet`] of nodes keeps the lives and the bill; its slots are unused).
//!
//! **Pods** are placed when the pod autoscaler asks for them: on the ready node with the
//! most pods that still has room (bin-packing, like the scheduler's `MostAllocated`
//! scoring and GKE's `optimize-utilization` profile; Kubernetes' default scoring spreads
//! pods instead, which keeps more nodes above the scale-down threshold). A pod that finds
//! no room stays *pending* — the provider's pending launches, which the pod autoscaler
//! already counts as capacity asked for — until a node has room. Which pod a scale-in
//! removes is the fleet's rule (booting ones first, then idle ready ones, newest first,
//! then the least busy, which drain), close to a ReplicaSet's (not-ready before ready,
//! most recently ready first). A pod's node place is freed when the pod is gone; the
//! cluster learns of it when it next looks (placing pods, each scan), as its pods are
//! counted then.
//!
//! **The cluster autoscaler** scans every 10 s (`--scan-interval`):
//! - *scale-up*: pending pods beyond the room of nodes still booting launch enough
//!   nodes for them, up to `nodes.max`;
//! - *scale-down*: a ready node whose utilisation stays below 50 %
//!   (`--scale-down-utilization-threshold`) for 10 minutes
//!   (`--scale-down-unneeded-time`) is removed, never within 10 minutes of a scale-up
//!   (`--scale-down-delay-after-add`), never below `nodes.min`, and not while pods are
//!   pending. Empty nodes go together; a node with pods goes only if its pods fit on
//!   the other ready nodes, one per scan: its pods are evicted (they finish the requests
//!   they hold, as a graceful termination does) and re-created at once, placed on the
//!   other nodes and serving after `pods.start`. The node's bill stops at that scan:
//!   the requests its evicted pods still hold (typically well under a second of work)
//!   finish unbilled, an approximation.

use super::{Event, Runtime, Side};
use crate::billing::Tariff;
use crate::engine::{SECOND, Time};
use crate::fleet::Fleet;
use crate::metrics::{ContainerSplit, PolicyStats, ratio};
use crate::scenario::{ContainersSpec, PolicyKind};

/// `--scan-interval`: how often the cluster autoscaler looks.
pub(super) const SCAN_INTERVAL: Time = 10 * SECOND;
/// `--scale-down-utilization-threshold`.
const SCALE_DOWN_THRESHOLD: f64 = 0.5;
/// `--scale-down-unneeded-time`.
const UNNEEDED_TIME: Time = 600 * SECOND;
/// `--scale-down-delay-after-add`.
const DELAY_AFTER_ADD: Time = 600 * SECOND;

/// No node: a pod not placed (or gone).
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    Booting,
    Ready,
    Gone,
}

/// What a scan decided for the runtime to carry out.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ScanResult {
    /// Nodes launched, to schedule their boot.
    pub launched: Vec<u32>,
    /// Pods evicted from removed nodes (already removed from the pod fleet): the
    /// runtime asks for as many new ones.
    pub evicted: u32,
}

pub(super) struct Cluster {
    pods_per_node: u32,
    /// One pod's share of a node.
    share: f64,
    min: u32,
    max: u32,
    boot_time: Time,
    control_plane_per_second: f64,
    /// Node lives and their bill.
    nodes: Fleet,
    state: Vec<NodeState>,
    /// Pods placed on each node.
    pods_on: Vec<u32>,
    /// Since when each ready node has been under the scale-down threshold.
    under_since: Vec<Option<Time>>,
    /// Nodes not gone, in launch order.
    alive: Vec<u32>,
    /// The node of each pod (by pod id), [`NONE`] if not placed.
    pod_node: Vec<u32>,
    /// Pods placed and not yet seen gone.
    placed: Vec<u32>,
    last_scale_up: Option<Time>,
    peak_nodes: u64,
}

impl Cluster {
    pub(super) fn new(spec: &ContainersSpec) -> Cluster {
        Cluster {
            pods_per_node: spec.pods_per_node,
            share: spec.pod_share(),
            min: spec.nodes.min,
            max: spec.nodes.max,
            boot_time: spec.nodes.boot_time,
            control_plane_per_second: spec.control_plane_per_hour / 3600.0,
            nodes: Fleet::new(1, Tariff::metered(&spec.nodes.billing)),
            state: Vec::new(),
            pods_on: Vec::new(),
            under_since: Vec::new(),
            alive: Vec::new(),
            pod_node: Vec::new(),
            placed: Vec::new(),
            last_scale_up: None,
            peak_nodes: 0,
        }
    }

    /// `n` nodes ready at t = 0.
    pub(super) fn start(&mut self, n: u32) {
        for _ in 0..n {
            let id = self.launch(0);
            self.node_up(id, 0);
        }
    }

    fn launch(&mut self, now: Time) -> u32 {
        let id = self.nodes.launch(now);
        self.state.push(NodeState::Booting);
        self.pods_on.push(0);
        self.under_since.push(None);
        self.alive.push(id);
        self.peak_nodes = self.peak_nodes.max(self.nodes.paid_servers.value());
        id
    }

    /// Node `id` finished booting.
    pub(super) fn node_up(&mut self, id: u32, now: Time) {
        if self.state.get(id as usize) == Some(&NodeState::Booting) {
            self.nodes.mark_ready(id, now);
            self.state[id as usize] = NodeState::Ready;
        }
    }

    /// The node boot time.
    pub(super) fn boot_time(&self) -> Time {
        self.boot_time
    }

    /// Free pod places on ready nodes.
    pub(super) fn room(&self) -> u32 {
        self.ready()
            .map(|id| self.pods_per_node - self.pods_on[id as usize])
            .sum()
    }

    fn ready(&self) -> impl Iterator<Item = u32> + '_ {
        self.alive
            .iter()
            .copied()
            .filter(|&id| self.state[id as usize] == NodeState::Ready)
    }

    /// Places pod `pod` on the fullest ready node with room (the oldest among equals);
    /// false if there is no room.
    pub(super) fn place(&mut self, pod: u32) -> bool {
        let best = self
            .ready()
            .filter(|&id| self.pods_on[id as usize] < self.pods_per_node)
            .max_by_key(|&id| (self.pods_on[id as usize], std::cmp::Reverse(id)));
        let Some(node) = best else {
            return false;
        };
        self.pods_on[node as usize] += 1;
        let i = pod as usize;
        if self.pod_node.len() <= i {
            self.pod_node.resize(i + 1, NONE);
        }
        self.pod_node[i] = node;
        self.placed.push(pod);
        true
    }

    /// Frees the places of pods the pod fleet no longer has.
    pub(super) fn reconcile(&mut self, pods: &Fleet) {
        let (pod_node, pods_on) = (&mut self.pod_node, &mut self.pods_on);
        self.placed.retain(|&pod| {
            if pods.is_alive(pod) {
                return true;
            }
            let node = std::mem::replace(&mut pod_node[pod as usize], NONE);
            if node != NONE {
                pods_on[node as usize] -= 1;
            }
            false
        });
    }

    /// A scan at `now`, with `pending` pods waiting for room (after placing what fits),
    /// over the pod fleet `pods` (evicted pods are removed from it here).
    pub(super) fn scan(&mut self, now: Time, pending: u32, pods: &mut Fleet) -> ScanResult {
        let mut out = ScanResult::default();
        let booting = self
            .alive
            .iter()
            .filter(|&&id| self.state[id as usize] == NodeState::Booting)
            .count() as u64;
        let upcoming = booting * u64::from(self.pods_per_node);
        if u64::from(pending) > upcoming {
            let need = (u64::from(pending) - upcoming).div_ceil(u64::from(self.pods_per_node));
            let room = u64::from(self.max).saturating_sub(self.alive.len() as u64);
            for _ in 0..need.min(room) {
                out.launched.push(self.launch(now));
            }
            if !out.launched.is_empty() {
                self.last_scale_up = Some(now);
            }
        }
        // Unneeded timers run every scan, whatever else happens.
        let share = self.share;
        let ready: Vec<u32> = self.ready().collect();
        for &id in &ready {
            let under = f64::from(self.pods_on[id as usize]) * share < SCALE_DOWN_THRESHOLD;
            let since = &mut self.under_since[id as usize];
            *since = match (under, *since) {
                (false, _) => None,
                (true, None) => Some(now),
                (true, kept) => kept,
            };
        }
        let after_add = self
            .last_scale_up
            .is_none_or(|t| now.saturating_sub(t) >= DELAY_AFTER_ADD);
        if pending > 0 || !after_add {
            return out;
        }
        let unneeded = |c: &Cluster, id: u32| {
            c.under_since[id as usize].is_some_and(|t| now.saturating_sub(t) >= UNNEEDED_TIME)
        };
        let mut removable = (self.alive.len() as u32).saturating_sub(self.min);
        // Empty nodes together, newest first.
        for &id in ready.iter().rev() {
            if removable == 0 {
                return out;
            }
            if self.pods_on[id as usize] == 0 && unneeded(self, id) {
                self.remove_node(id, now);
                removable -= 1;
            }
        }
        if removable == 0 {
            return out;
        }
        // Then one node with pods: the least requested (newest among equals), if its pods
        // fit on the other ready nodes.
        let candidate = ready
            .iter()
            .copied()
            .filter(|&id| self.state[id as usize] == NodeState::Ready && unneeded(self, id))
            .min_by_key(|&id| (self.pods_on[id as usize], std::cmp::Reverse(id)));
        if let Some(node) = candidate {
            let moving = self.pods_on[node as usize];
            let room_elsewhere = self.room() - (self.pods_per_node - moving);
            if moving <= room_elsewhere {
                out.evicted = self.evict(node, now, pods);
                self.remove_node(node, now);
            }
        }
        out
    }

    /// Evicts every pod of `node` from the pod fleet; returns how many.
    fn evict(&mut self, node: u32, now: Time, pods: &mut Fleet) -> u32 {
        let mut evicted = 0;
        let pod_node = &mut self.pod_node;
        self.placed.retain(|&pod| {
            if pod_node[pod as usize] != node {
                return true;
            }
            pod_node[pod as usize] = NONE;
            if pods.is_alive(pod) {
                pods.remove_server(pod, now);
                evicted += 1;
            }
            false
        });
        self.pods_on[node as usize] = 0;
        evicted
    }

    fn remove_node(&mut self, id: u32, now: Time) {
        self.nodes.remove_server(id, now);
        self.state[id as usize] = NodeState::Gone;
        self.under_since[id as usize] = None;
        if let Some(pos) = self.alive.iter().position(|&a| a == id) {
            self.alive.remove(pos);
        }
    }

    /// Nodes and the control plane, attributable to `[0, now)`.
    pub(super) fn cost(&self, now: Time) -> f64 {
        self.nodes.cost(now) + self.control_plane(now)
    }

    /// Cash committed by `now`.
    pub(super) fn committed(&self, now: Time) -> f64 {
        self.nodes.committed(now) + self.control_plane(now)
    }

    fn control_plane(&self, now: Time) -> f64 {
        self.control_plane_per_second * crate::engine::to_seconds(now)
    }

    /// The node money alone, up to `now`.
    pub(super) fn node_cost(&self, now: Time) -> f64 {
        self.nodes.cost(now)
    }

    pub(super) fn nodes(&self) -> &Fleet {
        &self.nodes
    }

    pub(super) fn peak_nodes(&self) -> u64 {
        self.peak_nodes
    }

    /// One pod's share of a node.
    pub(super) fn share(&self) -> f64 {
        self.share
    }
}

/// The runtime's side of a `containers` policy: small hooks the shared code calls, which
/// do nothing for other policies.
impl Runtime<'_> {
    /// The initial nodes, ready at t = 0, and the first scan.
    pub(super) fn start_cluster(&mut self) {
        let PolicyKind::Containers(spec) = &self.spec.kind else {
            return;
        };
        let initial = spec.initial_nodes;
        if let Some(c) = &mut self.cluster {
            c.start(initial);
            self.schedule_if_inside(SCAN_INTERVAL, Event::ClusterScan);
        }
    }

    /// Puts pod `server` (a base fleet reference) on a node, if the policy has nodes.
    pub(super) fn place_pod(&mut self, server: u32) {
        if let Some(c) = &mut self.cluster {
            let placed = c.place(server);
            debug_assert!(placed, "pods launch only where there is room");
        }
    }

    /// Free pod places on ready nodes (after freeing those of pods gone); `None` if the
    /// policy has no nodes.
    pub(super) fn pod_room(&mut self) -> Option<u32> {
        let c = self.cluster.as_mut()?;
        c.reconcile(&self.base.fleet);
        Some(c.room())
    }

    /// Node `node` finished booting: pods waiting for room are placed.
    pub fn node_up(&mut self, now: Time, node: u32) {
        if let Some(c) = &mut self.cluster {
            c.node_up(node, now);
            self.launch_granted(Side::Base, now);
        }
    }

    /// The cluster autoscaler's scan: place what fits, launch nodes for the pods still
    /// pending, drain and remove unneeded nodes (their pods re-created elsewhere).
    pub fn cluster_scan(&mut self, now: Time) {
        if self.cluster.is_none() {
            return;
        }
        self.launch_granted(Side::Base, now);
        let pending = self.base.provider.pending();
        let Some(c) = &mut self.cluster else {
            return;
        };
        let out = c.scan(now, pending, &mut self.base.fleet);
        let boot = c.boot_time();
        for node in out.launched {
            self.schedule_if_inside(now.saturating_add(boot), Event::NodeUp(node));
        }
        if out.evicted > 0 {
            // The ReplicaSet re-creates evicted pods at once.
            self.base.provider.request(out.evicted);
            self.launch_granted(Side::Base, now);
        }
        self.schedule_if_inside(now + SCAN_INTERVAL, Event::ClusterScan);
    }

    /// A `containers` policy's totals: the server columns count nodes, the money is the
    /// nodes' and the control plane's, and the pods' share is split out.
    pub(super) fn containers_stats(&self, stats: &mut PolicyStats) {
        let Some(c) = &self.cluster else {
            return;
        };
        let h = self.scenario.horizon;
        let nodes = c.nodes();
        let node_seconds = nodes.paid_servers.area(h) as f64 / 1e6;
        let pod_seconds = self.base.fleet.paid_servers.area(h) as f64 / 1e6;
        let slots = f64::from(self.base.fleet.slots_per_server());
        let node_cost = c.node_cost(h);
        // A node holds 1 / share pods' worth of requests; what no pod requested of the
        // node-time paid for is unrequested.
        let requested = ratio(pod_seconds * c.share(), node_seconds).min(1.0);
        stats.billed_server_seconds = nodes.billed_server_seconds(h);
        stats.paid_server_seconds = node_seconds;
        stats.peak_servers = c.peak_nodes();
        stats.launches = nodes.launches();
        stats.total_cost += c.cost(h);
        stats.committed_cost += c.committed(h);
        stats.option_costs.on_demand += node_cost;
        stats.containers = Some(ContainerSplit {
            pod_slot_seconds: pod_seconds * slots,
            pods_mean: ratio(pod_seconds, crate::engine::to_seconds(h)),
            pods_peak: self.peak_servers,
            unrequested_slot_seconds: ((node_seconds / c.share() - pod_seconds) * slots).max(0.0),
            unrequested_cost: node_cost * (1.0 - requested),
            node_cost,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CloudBilling, ContainersSpec, NodeSpec, PodSpec};

    /// Nodes of 4 CPUs / 16 GB at $0.36 an hour; pods of 1 CPU / 2 GB: 4 per node.
    fn spec(nodes_min: u32, nodes_max: u32) -> ContainersSpec {
        let scaling = crate::scenario::policy::containers::default_scaling();
        let billing = CloudBilling {
            price_per_hour: 0.36,
            minimum: 60 * SECOND,
            granularity: SECOND,
        };
        let pods = PodSpec {
            slots: 2,
            cpu: 1.0,
            memory_gb: 2.0,
            start: 5 * SECOND,
            min: 1,
            max: 100,
        };
        ContainersSpec {
            group: crate::scenario::AutoscaleSpec {
                min: 1,
                max: 100,
                initial: 1,
                boot_time: 5 * SECOND,
                boot_time_p95: None,
                scaling: scaling.clone(),
                schedule: Vec::new(),
                billing: billing.clone(),
                limits: Default::default(),
                app_warmup: None,
                purchase: Default::default(),
                egress: Default::default(),
            },
            pods,
            nodes: NodeSpec {
                cpus: 4.0,
                memory_gb: 16.0,
                max_pods: 110,
                boot_time: 60 * SECOND,
                min: nodes_min,
                max: nodes_max,
                billing,
            },
            scaling,
            control_plane_per_hour: 0.1,
            pods_per_node: 4,
            initial_nodes: 1,
        }
    }

    fn pod_fleet() -> Fleet {
        Fleet::new(
            2,
            Tariff::metered(&CloudBilling {
                price_per_hour: 0.0,
                minimum: 0,
                granularity: SECOND,
            }),
        )
    }

    /// Launches a pod at `now`, ready at once, and places it.
    fn pod(c: &mut Cluster, pods: &mut Fleet, now: Time) -> bool {
        let id = pods.launch(now);
        pods.mark_ready(id, now);
        c.place(id)
    }

    #[test]
    fn pods_pack_onto_the_fullest_node_and_wait_when_there_is_no_room() {
        let mut c = Cluster::new(&spec(0, 3));
        let mut pods = pod_fleet();
        c.start(2);
        assert_eq!(c.room(), 8);
        for _ in 0..5 {
            assert!(pod(&mut c, &mut pods, 0));
        }
        // The first node filled before the second got one.
        assert_eq!(&c.pods_on[..2], &[4, 1]);
        for _ in 0..3 {
            assert!(pod(&mut c, &mut pods, 0));
        }
        assert!(!pod(&mut c, &mut pods, 0), "no room: the pod waits");
        // 3 pending: one node (of 4 places) is enough; it is the last one allowed.
        let out = c.scan(10 * SECOND, 3, &mut pods);
        assert_eq!(out.launched, vec![2]);
        assert_eq!(
            c.scan(20 * SECOND, 3, &mut pods).launched,
            vec![],
            "booting counts"
        );
        c.node_up(2, 70 * SECOND);
        assert_eq!(c.room(), 4);
    }

    #[test]
    fn an_underused_node_is_drained_after_ten_minutes_if_its_pods_fit_elsewhere() {
        let mut c = Cluster::new(&spec(1, 5));
        let mut pods = pod_fleet();
        c.start(2);
        // Node 0 holds 3 pods (75 %), node 1 one (25 %).
        for _ in 0..4 {
            pod(&mut c, &mut pods, 0);
        }
        assert_eq!(&c.pods_on[..2], &[4, 0]);
        // Free one place on node 0 and put a pod on node 1 by hand.
        pods.remove_server(3, 0);
        c.reconcile(&pods);
        assert_eq!(c.pods_on[0], 3);
        let id = pods.launch(0);
        pods.mark_ready(id, 0);
        c.pods_on[1] += 1;
        c.pod_node.resize(id as usize + 1, NONE);
        c.pod_node[id as usize] = 1;
        c.placed.push(id);
        // Under since the first scan (t = 10 s): unneeded from t = 610 s.
        let mut t = 10 * SECOND;
        while t < 610 * SECOND {
            assert_eq!(c.scan(t, 0, &mut pods), ScanResult::default(), "at {t}");
            t += SCAN_INTERVAL;
        }
        let out = c.scan(610 * SECOND, 0, &mut pods);
        assert_eq!(out.evicted, 1);
        assert_eq!(c.alive, vec![0]);
        assert!(!pods.is_alive(id));
        // Node 1 lived 610 s: billed 610 s at $0.36/h; node 0 still runs.
        let bill = 0.36 / 3600.0 * (610.0 + 610.0);
        assert!((c.node_cost(610 * SECOND) - bill).abs() < 1e-12);
        assert!((c.cost(610 * SECOND) - bill - 0.1 * 610.0 / 3600.0).abs() < 1e-12);
    }

    #[test]
    fn no_scale_down_within_ten_minutes_of_a_scale_up_nor_below_min() {
        let mut c = Cluster::new(&spec(1, 5));
        let mut pods = pod_fleet();
        c.start(1);
        let out = c.scan(10 * SECOND, 1, &mut pods);
        assert_eq!(out.launched, vec![1]);
        c.node_up(1, 70 * SECOND);
        // Node 0 has been empty since the scan at 10 s, node 1 since it came up (80 s);
        // the scale-up at 10 s holds both until 610 s.
        let mut t = 20 * SECOND;
        while t < 610 * SECOND {
            c.scan(t, 0, &mut pods);
            assert_eq!(c.alive.len(), 2, "at {t}");
            t += SCAN_INTERVAL;
        }
        c.scan(610 * SECOND, 0, &mut pods);
        assert_eq!(c.alive, vec![1]);
        // Node 1 is unneeded from 680 s but kept: nodes.min = 1.
        c.scan(700 * SECOND, 0, &mut pods);
        assert_eq!(c.alive, vec![1]);
    }
}
