//! The default kube-scheduler, simulated pod by pod: PrioritySort queue, NodeResourcesFit
//! filter (with the adaptive node sampling of large clusters), NodeResourcesFit scoring
//! (LeastAllocated, MostAllocated or RequestedToCapacityRatio) plus
//! NodeResourcesBalancedAllocation with the Kubernetes integer arithmetic, `selectHost` tie-break
//! (seeded reservoir sampling, or deterministic by node rank as `MyDeterministicScore`), and
//! DefaultPreemption (single-node victim selection, `pickOneNodeForPreemption`).
//!
//! Simplifications (documented in the Python docstring): a preemptor binds at once to its
//! nominated node; victims are recreated (as by their ReplicaSet) and requeued behind it;
//! pods that failed are retried after every preemption (the pod-deleted cluster event).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::constraints;
use super::{Cluster, State};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::{Entry, SplitMix64};

/// A named variant of the kube-scheduler simulation: the [`KubeOptions::preemption`] it
/// stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    pub preemption: bool,
}

/// The kube-scheduler simulation by name, as `schedkit.packing.place` and the CLI accept it.
pub const METHODS: [Entry<Variant>; 2] = [
    Entry {
        name: "kube",
        summary: "the default kube-scheduler, pod by pod, with DefaultPreemption",
        item: Variant { preemption: true },
    },
    Entry {
        name: "kube-nopreempt",
        summary: "the default kube-scheduler, pod by pod, without preemption",
        item: Variant { preemption: false },
    },
];

pub const MAX_NODE_SCORE: i64 = 100;
/// NonZeroRequested defaults for pods that declare no request: 100m cpu, 200 MiB memory.
pub const DEFAULT_CPU: i64 = 100;
pub const DEFAULT_MEM: i64 = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    LeastAllocated,
    MostAllocated,
    /// Shape points (utilisation 0..100, score 0..10), utilisation increasing.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// Score plugins of the default profile, in the order of [`KubeOptions::weights`].
pub const SCORE_PLUGINS: [&str; 6] = [
    "TaintToleration",
    "NodeAffinity",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
];
/// The default profile's score weights (3, 2, 1, 2, 2, 1).
pub const DEFAULT_WEIGHTS: [i64; 6] = [3, 2, 1, 2, 2, 1];

#[derive(Debug, Clone)]
pub struct KubeOptions {
    pub strategy: Strategy,
    /// NodeResourcesFit scoring resources: (resource, weight); resource 0 is cpu, 1 memory,
    /// 2 + k the k-th extra resource.
    pub fit_resources: Vec<(usize, i64)>,
    /// NodeResourcesBalancedAllocation resources (default cpu and memory).
    pub balanced_resources: Vec<usize>,
    /// Plugin weights in [`SCORE_PLUGINS`] order; 0 disables a plugin's score.
    pub weights: [i64; 6],
    /// InterPodAffinity hardPodAffinityWeight (existing pods' required affinity, scored).
    pub hard_pod_affinity_weight: i64,
    pub preemption: bool,
    /// Some(seed): ties broken uniformly at random (reservoir sampling, the real behaviour);
    /// None: the tie goes to the node of lowest `node_rank` (by name).
    pub seed: Option<u64>,
    /// Rank of each node for the deterministic tie-break (empty: node index).
    pub node_rank: Vec<i64>,
    /// `percentageOfNodesToScore` sampling for clusters of >= 100 nodes.
    pub sample_nodes: bool,
    /// percentageOfNodesToScore: 0 adaptive, else 1..100.
    pub pct_nodes_to_score: i64,
    /// Recreate evicted victims (ReplicaSet pods) and queue them again.
    pub requeue_victims: bool,
    /// Pods that may never be preempted (empty: none), like a failing `IsEligiblePod` check.
    pub protected: Vec<bool>,
    /// Arrival batch of each pod (empty: every pending pod is queued at once). Batches arrive
    /// in increasing order, each scheduled until the queue is empty before the next arrives,
    /// as when workloads are created one after another.
    pub arrival: Vec<u32>,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            strategy: Strategy::LeastAllocated,
            fit_resources: vec![(0, 1), (1, 1)],
            balanced_resources: vec![0, 1],
            weights: DEFAULT_WEIGHTS,
            hard_pod_affinity_weight: 1,
            preemption: true,
            seed: None,
            node_rank: Vec::new(),
            sample_nodes: true,
            pct_nodes_to_score: 0,
            requeue_victims: true,
            protected: Vec::new(),
            arrival: Vec::new(),
        }
    }
}

impl KubeOptions {
    /// Rejects what Kubernetes' configuration validation rejects, naming the field.
    pub fn check(&self, c: &Cluster) -> CoreResult<()> {
        let n = c.num_nodes();
        let r = 2 + c.cons.num_res();
        if !self.arrival.is_empty() && self.arrival.len() != c.num_pods() {
            return Err(CoreError::invalid(
                "arrival",
                None,
                format!("length {}, expected {}", self.arrival.len(), c.num_pods()),
            ));
        }
        if !self.node_rank.is_empty() && self.node_rank.len() != n {
            return Err(CoreError::invalid(
                "node_rank",
                None,
                format!("length {}, expected {n}", self.node_rank.len()),
            ));
        }
        if let Strategy::RequestedToCapacityRatio(shape) = &self.strategy {
            if shape.is_empty() {
                return Err(CoreError::invalid("shape", None, "needs at least one point"));
            }
            for (k, &(u, s)) in shape.iter().enumerate() {
                if !(0..=100).contains(&u) || !(0..=10).contains(&s) || (k > 0 && u <= shape[k - 1].0) {
                    return Err(CoreError::invalid(
                        "shape",
                        Some(k),
                        "points need utilisation 0..100 strictly increasing and score 0..10",
                    ));
                }
            }
        }
        if self.fit_resources.is_empty() {
            return Err(CoreError::invalid(
                "resource_weights",
                None,
                "needs at least one resource",
            ));
        }
        for (k, &(res, w)) in self.fit_resources.iter().enumerate() {
            if res >= r {
                return Err(CoreError::invalid(
                    "resource_weights",
                    Some(k),
                    "unknown resource",
                ));
            }
            if !(1..=100).contains(&w) {
                return Err(CoreError::invalid(
                    "resource_weights",
                    Some(k),
                    format!("weight {w} out of range 1..100 (Kubernetes rejects it)"),
                ));
            }
        }
        if let Some(k) = self.balanced_resources.iter().position(|&x| x >= r) {
            return Err(CoreError::invalid(
                "balanced_resources",
                Some(k),
                "unknown resource",
            ));
        }
        for (k, &w) in self.weights.iter().enumerate() {
            if !(0..=100).contains(&w) {
                return Err(CoreError::invalid(
                    "plugin_weights",
                    Some(k),
                    format!(
                        "{}: weight {w} out of range (1..100, or 0 for disabled)",
                        SCORE_PLUGINS[k]
                    ),
                ));
            }
        }
        if !(0..=100).contains(&self.hard_pod_affinity_weight) {
            return Err(CoreError::invalid(
                "hard_pod_affinity_weight",
                None,
                "must be in 0..100",
            ));
        }
        if !(0..=100).contains(&self.pct_nodes_to_score) {
            return Err(CoreError::invalid(
                "percentage_of_nodes_to_score",
                None,
                "must be in 0..100",
            ));
        }
        Ok(())
    }
}

/// Outcome: the final assignment and each preemption as (preemptor, node, victims).
#[derive(Debug, Clone)]
pub struct KubeOutcome {
    pub assignment: Vec<i64>,
    pub preemptions: Vec<(usize, usize, Vec<usize>)>,
    /// Placements (pod, node) and evictions (pod, -1) in order.
    pub events: Vec<(usize, i64)>,
}

/// ⌊(alloc − req)·100 / alloc⌋, 0 when req > alloc or alloc = 0.
pub fn least_requested(req: i64, alloc: i64) -> i64 {
    if alloc == 0 || req > alloc {
        return 0;
    }
    mul_div(alloc - req, alloc)
}

/// ⌊v·100 / alloc⌋ for 0 <= v <= alloc, in i64 when it cannot overflow.
#[inline]
fn mul_div(v: i64, alloc: i64) -> i64 {
    if alloc <= i64::MAX / MAX_NODE_SCORE {
        v * MAX_NODE_SCORE / alloc
    } else {
        (v as i128 * MAX_NODE_SCORE as i128 / alloc as i128) as i64
    }
}

/// ⌊min(req, alloc)·100 / alloc⌋, 0 when alloc = 0.
pub fn most_requested(req: i64, alloc: i64) -> i64 {
    if alloc == 0 {
        return 0;
    }
    mul_div(req.min(alloc), alloc)
}

/// The broken-linear function of RequestedToCapacityRatio with scores scaled x10.
pub fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    let scaled: Vec<(i64, i64)> = shape.iter().map(|&(u, s)| (u, s * MAX_NODE_SCORE / 10)).collect();
    for i in 0..scaled.len() {
        if p <= scaled[i].0 {
            if i == 0 {
                return scaled[0].1;
            }
            let (u0, s0) = scaled[i - 1];
            let (u1, s1) = scaled[i];
            return s0 + (s1 - s0) * (p - u0) / (u1 - u0);
        }
    }
    scaled.last().map(|x| x.1).unwrap_or(0)
}

/// NodeResourcesFit score over the scoring resources: `weights[k]` weighs resource k with
/// requested (including the pod) `req[k]` and allocatable `alloc[k]`. A resource with
/// allocatable 0 drops out, as in Kubernetes' scorers.
pub fn fit_score(strategy: &Strategy, weights: &[i64], req: &[i64], alloc: &[i64]) -> i64 {
    let (mut s, mut ws) = (0i64, 0i64);
    match strategy {
        Strategy::LeastAllocated | Strategy::MostAllocated => {
            for r in 0..weights.len() {
                if alloc[r] == 0 {
                    continue;
                }
                let v = if *strategy == Strategy::LeastAllocated {
                    least_requested(req[r], alloc[r])
                } else {
                    most_requested(req[r], alloc[r])
                };
                s += v * weights[r];
                ws += weights[r];
            }
            if ws == 0 {
                0
            } else {
                s / ws
            }
        }
        Strategy::RequestedToCapacityRatio(shape) => {
            for r in 0..weights.len() {
                if alloc[r] == 0 {
                    continue;
                }
                let util = if req[r] > alloc[r] {
                    MAX_NODE_SCORE
                } else {
                    mul_div(req[r], alloc[r])
                };
                let f = broken_linear(shape, util);
                if f > 0 {
                    s += f * weights[r];
                    ws += weights[r];
                }
            }
            if ws == 0 {
                0
            } else {
                (s as f64 / ws as f64).round() as i64
            }
        }
    }
}

/// NodeResourcesBalancedAllocation: ⌊(1 − std)·100⌋ over the fractions f = min(1, req/alloc)
/// of the resources with allocatable > 0; std = |f₀ − f₁|/2 for two, the population standard
/// deviation for more, 0 for fewer.
pub fn balanced_score(req: &[i64], alloc: &[i64]) -> i64 {
    if req.len() == 2 && alloc[0] != 0 && alloc[1] != 0 {
        // The default (cpu, memory), the hot path.
        let f0 = (req[0] as f64 / alloc[0] as f64).min(1.0);
        let f1 = (req[1] as f64 / alloc[1] as f64).min(1.0);
        return ((1.0 - ((f0 - f1) / 2.0).abs()) * MAX_NODE_SCORE as f64) as i64;
    }
    // No allocation: this runs once per pod and candidate node.
    let mut f = [0.0f64; 16];
    let mut k = 0usize;
    for r in 0..req.len() {
        if alloc[r] != 0 {
            if k == f.len() {
                break; // more than 16 scored resources: the rest are not counted
            }
            f[k] = (req[r] as f64 / alloc[r] as f64).min(1.0);
            k += 1;
        }
    }
    let std = match k {
        0 | 1 => 0.0,
        2 => ((f[0] - f[1]) / 2.0).abs(),
        k => {
            let mean = f[..k].iter().sum::<f64>() / k as f64;
            (f[..k].iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / k as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// numFeasibleNodesToFind: every node below 100, else `pct`% of them (0: the adaptive
/// max(5, 50 − N/125)), at least 100.
pub fn num_feasible_nodes_to_find(n: usize, pct: i64) -> usize {
    if n < 100 {
        return n;
    }
    let pct = if pct > 0 {
        pct
    } else {
        (50 - n as i64 / 125).max(5)
    };
    ((n as i64 * pct / 100) as usize).max(100).min(n)
}

/// Per-node filter and score detail for one pod (see [`explain`]).
#[derive(Debug, Clone, Default)]
pub struct Explained {
    /// Per node: the failing filter plugin (index into `constraints::PLUGINS`) or -1.
    pub plugin: Vec<i64>,
    /// Per node: the reason texts, joined with ", " (empty when it passes).
    pub reason: Vec<String>,
    /// Per node and score plugin ([`SCORE_PLUGINS`]): raw and normalised scores (0 on
    /// nodes that fail a filter).
    pub raw: Vec<[i64; 6]>,
    pub norm: Vec<[i64; 6]>,
    /// Per node: Σ weight × normalised score.
    pub total: Vec<i64>,
}

struct Sim<'a> {
    c: &'a Cluster,
    o: &'a KubeOptions,
    st: State,
    /// Requested cpu and memory per node as the Fit score counts them (NonMissing defaults).
    nz_cpu: Vec<i64>,
    nz_mem: Vec<i64>,
    on_node: Vec<Vec<usize>>,
    start: Vec<u64>,
    clock: u64,
    rng: SplitMix64,
    next_start: usize,
    pdb_left: Vec<i64>,
}

fn nz(v: i64, d: i64) -> i64 {
    if v == 0 {
        d
    } else {
        v
    }
}

impl<'a> Sim<'a> {
    fn new(c: &'a Cluster, o: &'a KubeOptions, seed: u64) -> Self {
        let (n, m) = (c.num_nodes(), c.num_pods());
        Sim {
            c,
            o,
            st: State::from_assignment(c, vec![-1; m]),
            nz_cpu: vec![0; n],
            nz_mem: vec![0; n],
            on_node: vec![Vec::new(); n],
            start: vec![0; m],
            clock: 0,
            rng: SplitMix64::new(seed),
            next_start: 0,
            pdb_left: c.cons.pdb_allowed.clone(),
        }
    }

    fn rank(&self, j: usize) -> i64 {
        if self.o.node_rank.is_empty() {
            j as i64
        } else {
            self.o.node_rank[j]
        }
    }

    fn score_cpu(&self, pod: usize) -> i64 {
        match self.c.cons.pod_cpu_score.get(pod) {
            Some(&v) => v,
            None => nz(self.c.pod_cpu[pod], DEFAULT_CPU),
        }
    }
    fn score_mem(&self, pod: usize) -> i64 {
        match self.c.cons.pod_mem_score.get(pod) {
            Some(&v) => v,
            None => nz(self.c.pod_mem[pod], DEFAULT_MEM),
        }
    }

    fn add(&mut self, pod: usize, node: usize) {
        self.st.place(self.c, pod, node);
        self.nz_cpu[node] += self.score_cpu(pod);
        self.nz_mem[node] += self.score_mem(pod);
        self.on_node[node].push(pod);
        self.clock += 1;
        self.start[pod] = self.clock;
    }

    fn evict(&mut self, pod: usize) {
        let node = self.st.assignment[pod] as usize;
        self.st.remove(self.c, pod);
        self.nz_cpu[node] -= self.score_cpu(pod);
        self.nz_mem[node] -= self.score_mem(pod);
        self.on_node[node].retain(|&p| p != pod);
    }

    /// Requested (incl. the pod) and allocatable of resource `r` on node `j`, for the Fit
    /// score (`nonzero`: NonMissing defaults for cpu and memory) or the balanced one. An extra
    /// resource the pod does not request counts as absent (0, 0), as in Kubernetes.
    fn resource(&self, pod: usize, j: usize, r: usize, nonzero: bool) -> (i64, i64) {
        let c = self.c;
        match r {
            0 => {
                let alloc = c.node_cpu[j];
                if nonzero {
                    (self.nz_cpu[j] + self.score_cpu(pod), alloc)
                } else {
                    (alloc - self.st.free_cpu[j] + c.pod_cpu[pod], alloc)
                }
            }
            1 => {
                let alloc = c.node_mem[j];
                if nonzero {
                    (self.nz_mem[j] + self.score_mem(pod), alloc)
                } else {
                    (alloc - self.st.free_mem[j] + c.pod_mem[pod], alloc)
                }
            }
            r => {
                let k = r - 2;
                let q = c.cons.pod_res(pod)[k];
                if q == 0 {
                    return (0, 0);
                }
                let alloc = c.cons.node_res(j)[k];
                let rr = c.cons.num_res();
                (alloc - self.st.free_res[j * rr + k] + q, alloc)
            }
        }
    }

    /// Raw and normalised scores of every plugin over the feasible `nodes`, and the weighted
    /// totals.
    fn score_nodes(
        &self,
        pod: usize,
        nodes: &[usize],
        detail: bool,
    ) -> (Vec<[i64; 6]>, Vec<[i64; 6]>, Vec<i64>) {
        let c = self.c;
        let cons = &c.cons;
        let o = self.o;
        let n = c.num_nodes();
        let len = nodes.len();
        let mut raw = vec![[0i64; 6]; if detail { len } else { 0 }];
        let mut norm = vec![[0i64; 6]; if detail { len } else { 0 }];
        // TaintToleration and NodeAffinity: per-class raw counts, normalised over the nodes.
        let class = cons.class_of(pod).filter(|_| !cons.class_taint.is_empty());
        let mut taint = vec![0i64; len];
        let mut naff = vec![0i64; len];
        if let Some(k) = class {
            for (q, &j) in nodes.iter().enumerate() {
                taint[q] = cons.class_taint[k * n + j];
                naff[q] = cons.class_affinity[k * n + j];
            }
        }
        let taint_n = constraints::default_normalize(&taint, true);
        let naff_n = constraints::default_normalize(&naff, false);
        let fitw: Vec<i64> = o.fit_resources.iter().map(|x| x.1).collect();
        let mut req = vec![0i64; o.fit_resources.len()];
        let mut alloc = vec![0i64; o.fit_resources.len()];
        let br = &o.balanced_resources;
        let (mut breq, mut balloc) = (vec![0i64; br.len()], vec![0i64; br.len()]);
        let best_effort = br.iter().all(|&r| match r {
            0 => c.pod_cpu[pod] == 0,
            1 => c.pod_mem[pod] == 0,
            r => cons.pod_res(pod)[r - 2] == 0,
        });
        let (spread_raw, spread_n) = if o.weights[3] != 0 {
            constraints::spread_scores(cons, &self.st.tracker, pod, nodes)
        } else {
            (vec![0; len], vec![0; len])
        };
        let mut ipa = vec![0i64; len];
        let has_ipa = o.weights[4] != 0 && cons.has_terms() && self.st.tracker.has_interpod_score(cons, pod);
        if has_ipa {
            for (q, &j) in nodes.iter().enumerate() {
                ipa[q] = self
                    .st
                    .tracker
                    .interpod_raw(cons, pod, j, o.hard_pod_affinity_weight);
            }
        }
        let ipa_n = constraints::interpod_normalize(&ipa);
        let mut total = vec![0i64; len];
        for (q, &j) in nodes.iter().enumerate() {
            for (k, &(r, _)) in o.fit_resources.iter().enumerate() {
                (req[k], alloc[k]) = self.resource(pod, j, r, r < 2);
            }
            let fit = fit_score(&o.strategy, &fitw, &req, &alloc);
            let bal = if best_effort {
                0
            } else {
                for (k, &r) in br.iter().enumerate() {
                    (breq[k], balloc[k]) = self.resource(pod, j, r, false);
                }
                balanced_score(&breq, &balloc)
            };
            let nq = [taint_n[q], naff_n[q], fit, spread_n[q], ipa_n[q], bal];
            total[q] = (0..6).map(|p| o.weights[p] * nq[p]).sum();
            if detail {
                raw[q] = [taint[q], naff[q], fit, spread_raw[q], ipa[q], bal];
                norm[q] = nq;
            }
        }
        (raw, norm, total)
    }

    /// The weighted totals of a cluster without rules: only NodeResourcesFit and
    /// BalancedAllocation vary (TaintToleration normalises to 100 everywhere, the others to
    /// 0), computed without allocating; the same values as [`Self::score_nodes`].
    fn plain_totals(&self, pod: usize, nodes: &[usize]) -> Vec<i64> {
        let o = self.o;
        let c = self.c;
        let nf = o.fit_resources.len();
        let nb = o.balanced_resources.len();
        let mut fitw = [0i64; 8];
        for (k, &(_, w)) in o.fit_resources.iter().enumerate() {
            fitw[k] = w;
        }
        let best_effort = o.balanced_resources.iter().all(|&r| match r {
            0 => c.pod_cpu[pod] == 0,
            _ => c.pod_mem[pod] == 0,
        });
        let base = o.weights[0] * MAX_NODE_SCORE;
        let default_resources = nf == 2
            && o.fit_resources[0].0 == 0
            && o.fit_resources[1].0 == 1
            && o.balanced_resources == [0, 1];
        if default_resources {
            // cpu and memory only: the requests read straight from the state.
            let (pc, pm) = (c.pod_cpu[pod], c.pod_mem[pod]);
            let (sc, sm) = (self.score_cpu(pod), self.score_mem(pod));
            return nodes
                .iter()
                .map(|&j| {
                    let alloc = [c.node_cpu[j], c.node_mem[j]];
                    let fit = fit_score(
                        &o.strategy,
                        &fitw[..2],
                        &[self.nz_cpu[j] + sc, self.nz_mem[j] + sm],
                        &alloc,
                    );
                    let bal = if best_effort {
                        0
                    } else {
                        let req = [
                            alloc[0] - self.st.free_cpu[j] + pc,
                            alloc[1] - self.st.free_mem[j] + pm,
                        ];
                        balanced_score(&req, &alloc)
                    };
                    base + o.weights[2] * fit + o.weights[5] * bal
                })
                .collect();
        }
        nodes
            .iter()
            .map(|&j| {
                let (mut req, mut alloc) = ([0i64; 8], [0i64; 8]);
                for (k, &(r, _)) in o.fit_resources.iter().enumerate() {
                    (req[k], alloc[k]) = self.resource(pod, j, r, r < 2);
                }
                let fit = fit_score(&o.strategy, &fitw[..nf], &req[..nf], &alloc[..nf]);
                let bal = if best_effort {
                    0
                } else {
                    for (k, &r) in o.balanced_resources.iter().enumerate() {
                        (req[k], alloc[k]) = self.resource(pod, j, r, false);
                    }
                    balanced_score(&req[..nb], &alloc[..nb])
                };
                base + o.weights[2] * fit + o.weights[5] * bal
            })
            .collect()
    }

    /// Filter (with sampling) then score and selectHost; None when no node is feasible.
    fn schedule_one(&mut self, pod: usize) -> Option<usize> {
        let n = self.c.num_nodes();
        if n == 0 {
            return None;
        }
        let want = if self.o.sample_nodes {
            num_feasible_nodes_to_find(n, self.o.pct_nodes_to_score)
        } else {
            n
        };
        let mut feasible = Vec::new();
        let mut processed = 0usize;
        for k in 0..n {
            let j = (self.next_start + k) % n;
            processed += 1;
            if !self.st.fits(self.c, pod, j) {
                continue;
            }
            feasible.push(j);
            if feasible.len() >= want {
                break;
            }
        }
        self.next_start = (self.next_start + processed) % n;
        if feasible.len() <= 1 {
            return feasible.first().copied();
        }
        let total = if self.c.cons.is_empty()
            && self.o.fit_resources.len() <= 8
            && self.o.balanced_resources.len() <= 8
        {
            self.plain_totals(pod, &feasible)
        } else {
            self.score_nodes(pod, &feasible, false).2
        };
        let mut best: Option<(i64, usize)> = None;
        let mut ties = 0u64;
        for (q, &j) in feasible.iter().enumerate() {
            let s = total[q];
            match best {
                None => {
                    best = Some((s, j));
                    ties = 1;
                }
                Some((bs, bj)) => {
                    if s > bs {
                        best = Some((s, j));
                        ties = 1;
                    } else if s == bs {
                        ties += 1;
                        let take = match self.o.seed {
                            Some(_) => self.rng.below(ties as usize) == 0,
                            None => self.rank(j) < self.rank(bj),
                        };
                        if take {
                            best = Some((s, j));
                        }
                    }
                }
            }
        }
        best.map(|b| b.1)
    }

    /// SelectVictimsOnNode: None if the node's failure is unresolvable or the pod cannot pass
    /// the filters even with every lower-priority pod gone; else the victims (PDB-violating
    /// ones reprieved first) and how many of them violate a budget.
    fn victims_on(&mut self, pod: usize, j: usize) -> Option<(Vec<usize>, usize)> {
        let c = self.c;
        if let Some(r) = self.st.filter(c, pod, j) {
            if r.unresolvable() {
                return None;
            }
        }
        let prio = c.pod_priority[pod];
        let potential: Vec<usize> = self.on_node[j]
            .iter()
            .copied()
            .filter(|&q| c.pod_priority[q] < prio && !self.o.protected.get(q).copied().unwrap_or(false))
            .collect();
        // A dry run: these moves are not part of the plan.
        let record = std::mem::replace(&mut self.st.record, false);
        let out = self.dry_run(pod, j, potential);
        self.st.record = record;
        out
    }

    /// [`Self::dry_run`] where only NodeResourcesFit can change (no pod terms): the same
    /// victims by arithmetic on the free amounts, without touching the state.
    fn dry_run_fit(&self, pod: usize, j: usize, mut potential: Vec<usize>) -> Option<(Vec<usize>, usize)> {
        let c = self.c;
        if !self.fits_without(pod, j, &potential) {
            return None;
        }
        potential.sort_by_key(|&q| (Reverse(c.pod_priority[q]), self.start[q], q));
        let (violating, other) = self.split_by_budget(&potential);
        // Reprieve in order: a pod stays unless the preemptor no longer fits with it back.
        let mut gone = potential.clone();
        let mut victims = Vec::new();
        let mut num_violating = 0usize;
        for (group, is_violating) in [(violating, true), (other, false)] {
            for q in group {
                let k = gone.iter().position(|&x| x == q).unwrap_or(0);
                gone.swap_remove(k);
                if !self.fits_without(pod, j, &gone) {
                    gone.push(q);
                    victims.push(q);
                    num_violating += is_violating as usize;
                }
            }
        }
        Some((victims, num_violating))
    }

    /// The potential victims whose eviction would break a PodDisruptionBudget (in order), and
    /// the others (filterPodsWithPDBViolation).
    fn split_by_budget(&self, potential: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let c = self.c;
        if c.cons.pod_pdbs.is_empty() {
            return (Vec::new(), potential.to_vec());
        }
        let mut left = self.pdb_left.clone();
        let (mut violating, mut other) = (Vec::new(), Vec::new());
        for &q in potential {
            let mut v = false;
            for &b in &c.cons.pod_pdbs[q] {
                left[b as usize] -= 1;
                if left[b as usize] < 0 {
                    v = true;
                }
            }
            if v {
                violating.push(q);
            } else {
                other.push(q);
            }
        }
        (violating, other)
    }

    /// Whether `pod` passes NodeResourcesFit on node `j` with the `gone` pods removed and
    /// `back` of them re-added (arithmetic only: the dry run of clusters without pod terms).
    fn fits_without(&self, pod: usize, j: usize, gone: &[usize]) -> bool {
        let c = self.c;
        let r = c.cons.num_res();
        let (mut fc, mut fm, mut fp) = (self.st.free_cpu[j], self.st.free_mem[j], self.st.free_pods[j]);
        for &q in gone {
            fc += c.pod_cpu[q];
            fm += c.pod_mem[q];
            fp += 1;
        }
        let ok = fp >= 1
            && (c.pod_cpu[pod] == 0 || c.pod_cpu[pod] <= fc)
            && (c.pod_mem[pod] == 0 || c.pod_mem[pod] <= fm);
        ok && (0..r).all(|k| {
            let want = c.cons.pod_res[pod * r + k];
            let free =
                self.st.free_res[j * r + k] + gone.iter().map(|&q| c.cons.pod_res[q * r + k]).sum::<i64>();
            want == 0 || want <= free
        })
    }

    fn dry_run(&mut self, pod: usize, j: usize, mut potential: Vec<usize>) -> Option<(Vec<usize>, usize)> {
        let c = self.c;
        if !c.cons.has_terms() {
            return self.dry_run_fit(pod, j, potential);
        }
        for &q in &potential {
            self.st.remove(c, q);
        }
        if self.st.filter(c, pod, j).is_some() {
            for &q in &potential {
                self.st.place(c, q, j);
            }
            return None;
        }
        // Most important first: higher priority, then older (earlier start).
        potential.sort_by_key(|&q| (Reverse(c.pod_priority[q]), self.start[q], q));
        let (violating, other) = self.split_by_budget(&potential);
        let mut victims = Vec::new();
        let mut num_violating = 0usize;
        for (group, is_violating) in [(violating, true), (other, false)] {
            for q in group {
                self.st.place(c, q, j);
                if self.st.filter(c, pod, j).is_some() {
                    self.st.remove(c, q);
                    victims.push(q);
                    num_violating += is_violating as usize;
                }
            }
        }
        for &q in &victims {
            self.st.place(c, q, j);
        }
        Some((victims, num_violating))
    }

    /// DefaultPreemption: candidates from an offset, then pickOneNodeForPreemption.
    fn preempt(&mut self, pod: usize) -> Option<(usize, Vec<usize>)> {
        let n = self.c.num_nodes();
        if n == 0 || self.c.cons.never_preempt.get(pod).copied().unwrap_or(false) {
            return None;
        }
        let num_candidates = (n / 10).max(100).min(n);
        let offset = if self.o.seed.is_some() {
            self.rng.below(n)
        } else {
            0
        };
        let mut cands: Vec<(usize, Vec<usize>, usize)> = Vec::new();
        for k in 0..n {
            let j = (offset + k) % n;
            if let Some((v, nv)) = self.victims_on(pod, j) {
                cands.push((j, v, nv));
                if cands.len() >= num_candidates {
                    break;
                }
            }
        }
        if cands.is_empty() {
            return None;
        }
        let c = self.c;
        let key = |(_, v, nv): &(usize, Vec<usize>, usize)| {
            let highest = v.iter().map(|&q| c.pod_priority[q]).max().unwrap_or(i64::MIN);
            let sum: i128 = v
                .iter()
                .map(|&q| c.pod_priority[q] as i128 + i32::MAX as i128 + 1)
                .sum();
            // Earliest start among the highest-priority victims; later is better.
            let earliest = v
                .iter()
                .filter(|&&q| c.pod_priority[q] == highest)
                .map(|&q| self.start[q])
                .min()
                .unwrap_or(0);
            (*nv, highest, sum, v.len(), Reverse(earliest))
        };
        if let Some(k) = cands.iter().position(|(_, v, _)| v.is_empty()) {
            let (j, v, _) = cands.swap_remove(k);
            return Some((j, v));
        }
        let mut best = 0usize;
        let mut best_key = key(&cands[0]);
        for (k, cand) in cands.iter().enumerate().skip(1) {
            let kk = key(cand);
            if kk < best_key {
                best = k;
                best_key = kk;
            }
        }
        let (j, v, _) = cands.swap_remove(best);
        Some((j, v))
    }

    fn filter_all(&self, pod: usize, run_filters: bool) -> Explained {
        let n = self.c.num_nodes();
        let mut e = Explained {
            plugin: vec![-1; n],
            reason: vec![String::new(); n],
            raw: vec![[0; 6]; n],
            norm: vec![[0; 6]; n],
            total: vec![0; n],
        };
        let mut feasible = Vec::new();
        for j in 0..n {
            match self.st.filter(self.c, pod, j) {
                None => feasible.push(j),
                Some(r) => {
                    e.plugin[j] = r.plugin(&self.c.cons) as i64;
                    e.reason[j] = r.texts(&self.c.cons).join(", ");
                    if !run_filters {
                        feasible.push(j);
                    }
                }
            }
        }
        let (raw, norm, total) = self.score_nodes(pod, &feasible, true);
        for (q, &j) in feasible.iter().enumerate() {
            e.raw[j] = raw[q];
            e.norm[j] = norm[q];
            e.total[j] = total[q];
        }
        e
    }
}

/// Simulates the default scheduler on the pending pods of `c` (running pods stay put).
pub fn simulate(c: &Cluster, o: &KubeOptions, budget: &Budget) -> CoreResult<KubeOutcome> {
    o.check(c)?;
    let m = c.num_pods();
    let mut sim = Sim::new(c, o, o.seed.unwrap_or(0));
    for i in c.cons.start_order(&c.pod_node) {
        sim.add(i, c.pod_node[i] as usize);
    }
    sim.st.record = true;
    // activeQ: max-heap on (priority, Reverse(timestamp)).
    let mut queue: BinaryHeap<(i64, Reverse<u64>, usize)> = BinaryHeap::new();
    let mut ts = 0u64;
    let mut pending: Vec<usize> = (0..m).filter(|&i| c.pod_node[i] < 0).collect();
    if !o.arrival.is_empty() {
        pending.sort_by_key(|&i| (o.arrival[i], i));
    }
    let mut failed: Vec<usize> = Vec::new();
    let mut preemptions = Vec::new();
    let mut steps = 0usize;
    let max_steps = 20 * m + 1000;
    let mut next = 0usize;
    loop {
        // The next arrival batch (all pending pods when there are no batches) joins the queue.
        if queue.is_empty() {
            if next == pending.len() {
                break;
            }
            let batch = o.arrival.get(pending[next]).copied();
            while next < pending.len() && o.arrival.get(pending[next]).copied() == batch {
                let i = pending[next];
                queue.push((c.pod_priority[i], Reverse(ts), i));
                ts += 1;
                next += 1;
            }
        }
        let Some((_, _, pod)) = queue.pop() else {
            continue;
        };
        steps += 1;
        if steps % 256 == 0 && budget.interrupted() {
            return Err(CoreError::Interrupted);
        }
        if steps > max_steps {
            failed.push(pod);
            continue;
        }
        if let Some(j) = sim.schedule_one(pod) {
            sim.add(pod, j);
            continue;
        }
        if o.preemption {
            if let Some((j, victims)) = sim.preempt(pod) {
                for &v in &victims {
                    for &b in c.cons.pod_pdbs.get(v).map(|x| x.as_slice()).unwrap_or(&[]) {
                        sim.pdb_left[b as usize] -= 1;
                    }
                    sim.evict(v);
                }
                sim.add(pod, j);
                // Pod deletions move the unschedulable pods back to the active queue.
                for f in failed.drain(..) {
                    queue.push((c.pod_priority[f], Reverse(ts), f));
                    ts += 1;
                }
                if o.requeue_victims {
                    for &v in &victims {
                        queue.push((c.pod_priority[v], Reverse(ts), v));
                        ts += 1;
                    }
                }
                preemptions.push((pod, j, victims));
                continue;
            }
        }
        failed.push(pod);
    }
    Ok(KubeOutcome {
        assignment: sim.st.assignment,
        preemptions,
        events: sim.st.events,
    })
}

fn sim_at<'a>(c: &'a Cluster, o: &'a KubeOptions, assignment: &[i64]) -> CoreResult<Sim<'a>> {
    o.check(c)?;
    if assignment.len() != c.num_pods() {
        return Err(CoreError::invalid(
            "assignment",
            None,
            format!("length {}, expected {}", assignment.len(), c.num_pods()),
        ));
    }
    if let Some(i) = assignment
        .iter()
        .position(|&a| a < -1 || a >= c.num_nodes() as i64)
    {
        return Err(CoreError::invalid("assignment", Some(i), "node out of range"));
    }
    let mut sim = Sim::new(c, o, 0);
    for i in c.cons.start_order(assignment) {
        sim.add(i, assignment[i] as usize);
    }
    Ok(sim)
}

/// Every node's filter outcome and scores for `pod` against `assignment` with the pod itself
/// taken out (the question "why there / why not there" asked of the final plan). Scores cover
/// the nodes that pass the filters, or every node with `score_all` (as each Score plugin
/// computes them when called alone, which is how Kubernetes' own plugin tests call them).
pub fn explain(
    c: &Cluster,
    o: &KubeOptions,
    assignment: &[i64],
    pod: usize,
    score_all: bool,
) -> CoreResult<Explained> {
    if pod >= c.num_pods() {
        return Err(CoreError::invalid(
            "pod",
            None,
            format!("{pod} out of range 0..{}", c.num_pods()),
        ));
    }
    let mut a = assignment.to_vec();
    if a.get(pod).is_some_and(|&x| x >= 0) {
        a[pod] = -1;
    }
    let sim = sim_at(c, o, &a)?;
    Ok(sim.filter_all(pod, !score_all))
}

/// Kubernetes' FitError message for every pod left pending by `assignment` (empty string for
/// placed pods): `0/N nodes are available: <count> <reason>, ...` with the entries sorted as
/// strings, as the scheduler prints them.
pub fn pending_messages(
    c: &Cluster,
    o: &KubeOptions,
    assignment: &[i64],
    budget: &Budget,
) -> CoreResult<Vec<String>> {
    let sim = sim_at(c, o, assignment)?;
    let n = c.num_nodes();
    let mut out = vec![String::new(); c.num_pods()];
    for (i, msg) in out.iter_mut().enumerate() {
        if assignment[i] >= 0 {
            continue;
        }
        if budget.interrupted() {
            return Err(CoreError::Interrupted);
        }
        let mut hist: std::collections::BTreeMap<String, usize> = Default::default();
        let mut passing = 0usize;
        for j in 0..n {
            match sim.st.filter(c, i, j) {
                None => passing += 1,
                Some(r) => {
                    for t in r.texts(&c.cons) {
                        *hist.entry(t).or_default() += 1;
                    }
                }
            }
        }
        let mut parts: Vec<String> = hist.into_iter().map(|(k, v)| format!("{v} {k}")).collect();
        parts.sort();
        *msg = if passing > 0 {
            format!("{passing}/{n} nodes are available now (the pod was left pending by the simulation, not by the filters)")
        } else if parts.is_empty() {
            format!("0/{n} nodes are available.")
        } else {
            format!("0/{n} nodes are available: {}.", parts.join(", "))
        };
    }
    Ok(out)
}
