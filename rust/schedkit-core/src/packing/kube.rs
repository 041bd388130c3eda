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

#[derive(Debug, Clone)]
pub struct KubeOptions {
    pub strategy: Strategy,
    /// Resource weights of the Fit score (cpu, memory).
    pub resource_weights: (i64, i64),
    /// Plugin weights: NodeResourcesFit and NodeResourcesBalancedAllocation.
    pub fit_weight: i64,
    pub balanced_weight: i64,
    pub preemption: bool,
    /// Some(seed): ties broken uniformly at random (reservoir sampling, the real behaviour);
    /// None: the tie goes to the node of lowest `node_rank` (by name).
    pub seed: Option<u64>,
    /// Rank of each node for the deterministic tie-break (empty: node index).
    pub node_rank: Vec<i64>,
    /// Adaptive `percentageOfNodesToScore` sampling for clusters of >= 100 nodes.
    pub sample_nodes: bool,
    /// Recreate evicted victims (ReplicaSet pods) and queue them again.
    pub requeue_victims: bool,
    /// Pods that may never be preempted (empty: none), like a failing `IsEligiblePod` check.
    pub protected: Vec<bool>,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            strategy: Strategy::LeastAllocated,
            resource_weights: (1, 1),
            fit_weight: 1,
            balanced_weight: 1,
            preemption: true,
            seed: None,
            node_rank: Vec::new(),
            sample_nodes: true,
            requeue_victims: true,
            protected: Vec::new(),
        }
    }
}

/// Outcome: the final assignment and each preemption as (preemptor, node, victims).
#[derive(Debug, Clone)]
pub struct KubeOutcome {
    pub assignment: Vec<i64>,
    pub preemptions: Vec<(usize, usize, Vec<usize>)>,
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

/// NodeResourcesFit score for requested (including the pod) and allocatable per resource.
pub fn fit_score(strategy: &Strategy, weights: (i64, i64), req: [i64; 2], alloc: [i64; 2]) -> i64 {
    let w = [weights.0, weights.1];
    match strategy {
        Strategy::LeastAllocated | Strategy::MostAllocated => {
            let (mut s, mut ws) = (0i64, 0i64);
            for r in 0..2 {
                let v = if *strategy == Strategy::LeastAllocated {
                    least_requested(req[r], alloc[r])
                } else {
                    most_requested(req[r], alloc[r])
                };
                s += v * w[r];
                ws += w[r];
            }
            if ws == 0 {
                0
            } else {
                s / ws
            }
        }
        Strategy::RequestedToCapacityRatio(shape) => {
            let (mut s, mut ws) = (0i64, 0i64);
            for r in 0..2 {
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
                    s += f * w[r];
                    ws += w[r];
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

/// NodeResourcesBalancedAllocation: ⌊(1 − |f_cpu − f_mem|/2)·100⌋ with f = min(1, req/alloc).
pub fn balanced_score(req: [i64; 2], alloc: [i64; 2]) -> i64 {
    let mut f = [0.0f64; 2];
    for r in 0..2 {
        f[r] = if alloc[r] == 0 {
            1.0
        } else {
            (req[r] as f64 / alloc[r] as f64).min(1.0)
        };
    }
    let std = (f[0] - f[1]).abs() / 2.0;
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// numFeasibleNodesToFind with the adaptive percentage (minFeasibleNodesToFind = 100).
pub fn num_feasible_nodes_to_find(n: usize) -> usize {
    if n < 100 {
        return n;
    }
    let pct = (50 - n as i64 / 125).max(5);
    ((n as i64 * pct / 100) as usize).max(100).min(n)
}

struct Sim<'a> {
    c: &'a Cluster,
    o: &'a KubeOptions,
    st: State,
    nz_cpu: Vec<i64>,
    nz_mem: Vec<i64>,
    on_node: Vec<Vec<usize>>,
    start: Vec<u64>,
    clock: u64,
    rng: SplitMix64,
    next_start: usize,
}

fn nz(v: i64, d: i64) -> i64 {
    if v == 0 {
        d
    } else {
        v
    }
}

impl<'a> Sim<'a> {
    fn rank(&self, j: usize) -> i64 {
        if self.o.node_rank.is_empty() {
            j as i64
        } else {
            self.o.node_rank[j]
        }
    }

    fn add(&mut self, pod: usize, node: usize) {
        self.st.place(self.c, pod, node);
        self.nz_cpu[node] += nz(self.c.pod_cpu[pod], DEFAULT_CPU);
        self.nz_mem[node] += nz(self.c.pod_mem[pod], DEFAULT_MEM);
        self.on_node[node].push(pod);
        self.clock += 1;
        self.start[pod] = self.clock;
    }

    fn evict(&mut self, pod: usize) {
        let node = self.st.assignment[pod] as usize;
        self.st.remove(self.c, pod);
        self.nz_cpu[node] -= nz(self.c.pod_cpu[pod], DEFAULT_CPU);
        self.nz_mem[node] -= nz(self.c.pod_mem[pod], DEFAULT_MEM);
        self.on_node[node].retain(|&p| p != pod);
    }

    fn score(&self, pod: usize, j: usize) -> i64 {
        let c = self.c;
        let alloc = [c.node_cpu[j], c.node_mem[j]];
        let req_nz = [
            self.nz_cpu[j] + nz(c.pod_cpu[pod], DEFAULT_CPU),
            self.nz_mem[j] + nz(c.pod_mem[pod], DEFAULT_MEM),
        ];
        let mut s = self.o.fit_weight * fit_score(&self.o.strategy, self.o.resource_weights, req_nz, alloc);
        if self.o.balanced_weight != 0 && (c.pod_cpu[pod] > 0 || c.pod_mem[pod] > 0) {
            let req = [
                alloc[0] - self.st.free_cpu[j] + c.pod_cpu[pod],
                alloc[1] - self.st.free_mem[j] + c.pod_mem[pod],
            ];
            s += self.o.balanced_weight * balanced_score(req, alloc);
        }
        s
    }

    /// Filter (with sampling) then score and selectHost; None when no node is feasible.
    fn schedule_one(&mut self, pod: usize) -> Option<usize> {
        let n = self.c.num_nodes();
        if n == 0 {
            return None;
        }
        let want = if self.o.sample_nodes {
            num_feasible_nodes_to_find(n)
        } else {
            n
        };
        let mut best: Option<(i64, usize)> = None;
        let mut ties = 0u64;
        let mut found = 0usize;
        let mut processed = 0usize;
        for k in 0..n {
            let j = (self.next_start + k) % n;
            processed += 1;
            if !self.st.fits(self.c, pod, j) {
                continue;
            }
            found += 1;
            let s = self.score(pod, j);
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
                        match self.o.seed {
                            Some(_) => {
                                if self.rng.below(ties as usize) == 0 {
                                    best = Some((s, j));
                                }
                            }
                            None => {
                                if self.rank(j) < self.rank(bj) {
                                    best = Some((s, j));
                                }
                            }
                        }
                    }
                }
            }
            if found >= want {
                break;
            }
        }
        self.next_start = (self.next_start + processed) % n;
        best.map(|b| b.1)
    }

    /// SelectVictimsOnNode: None if the pod cannot fit even with every lower-priority pod gone.
    fn victims_on(&mut self, pod: usize, j: usize) -> Option<Vec<usize>> {
        let c = self.c;
        let prio = c.pod_priority[pod];
        let mut potential: Vec<usize> = self.on_node[j]
            .iter()
            .copied()
            .filter(|&q| c.pod_priority[q] < prio && !self.o.protected.get(q).copied().unwrap_or(false))
            .collect();
        let (mut fc, mut fm, mut fp) = (self.st.free_cpu[j], self.st.free_mem[j], self.st.free_pods[j]);
        for &q in &potential {
            fc += c.pod_cpu[q];
            fm += c.pod_mem[q];
            fp += 1;
        }
        let fits = |fc: i64, fm: i64, fp: i64| {
            fp >= 1
                && (c.pod_cpu[pod] == 0 || c.pod_cpu[pod] <= fc)
                && (c.pod_mem[pod] == 0 || c.pod_mem[pod] <= fm)
        };
        if !fits(fc, fm, fp) {
            return None;
        }
        // Most important first: higher priority, then older (earlier start).
        potential.sort_by_key(|&q| (Reverse(c.pod_priority[q]), self.start[q], q));
        let mut victims = Vec::new();
        for q in potential {
            let (nc, nm, np) = (fc - c.pod_cpu[q], fm - c.pod_mem[q], fp - 1);
            if fits(nc, nm, np) {
                fc = nc;
                fm = nm;
                fp = np;
            } else {
                victims.push(q);
            }
        }
        Some(victims)
    }

    /// DefaultPreemption: candidates from an offset, then pickOneNodeForPreemption.
    fn preempt(&mut self, pod: usize) -> Option<(usize, Vec<usize>)> {
        let n = self.c.num_nodes();
        if n == 0 {
            return None;
        }
        let num_candidates = (n / 10).max(100).min(n);
        let offset = if self.o.seed.is_some() {
            self.rng.below(n)
        } else {
            0
        };
        let mut cands: Vec<(usize, Vec<usize>)> = Vec::new();
        for k in 0..n {
            let j = (offset + k) % n;
            if let Some(v) = self.victims_on(pod, j) {
                cands.push((j, v));
                if cands.len() >= num_candidates {
                    break;
                }
            }
        }
        if cands.is_empty() {
            return None;
        }
        let c = self.c;
        if let Some(k) = cands.iter().position(|(_, v)| v.is_empty()) {
            return Some(cands.swap_remove(k));
        }
        let key = |(j, v): &(usize, Vec<usize>)| {
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
            let _ = j;
            (highest, sum, v.len(), Reverse(earliest))
        };
        let mut best = 0usize;
        let mut best_key = key(&cands[0]);
        for (k, cand) in cands.iter().enumerate().skip(1) {
            let kk = key(cand);
            if kk < best_key {
                best = k;
                best_key = kk;
            }
        }
        Some(cands.swap_remove(best))
    }
}

/// Simulates the default scheduler on the pending pods of `c` (running pods stay put).
pub fn simulate(c: &Cluster, o: &KubeOptions, budget: &Budget) -> CoreResult<KubeOutcome> {
    let n = c.num_nodes();
    let m = c.num_pods();
    if !o.node_rank.is_empty() && o.node_rank.len() != n {
        return Err(CoreError::invalid(
            "node_rank",
            None,
            format!("length {}, expected {n}", o.node_rank.len()),
        ));
    }
    if let Strategy::RequestedToCapacityRatio(shape) = &o.strategy {
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
    let mut sim = Sim {
        c,
        o,
        st: State::from_assignment(c, vec![-1; m]),
        nz_cpu: vec![0; n],
        nz_mem: vec![0; n],
        on_node: vec![Vec::new(); n],
        start: vec![0; m],
        clock: 0,
        rng: SplitMix64::new(o.seed.unwrap_or(0)),
        next_start: 0,
    };
    for i in 0..m {
        if c.pod_node[i] >= 0 {
            sim.add(i, c.pod_node[i] as usize);
        }
    }
    // activeQ: max-heap on (priority, Reverse(timestamp)).
    let mut queue: BinaryHeap<(i64, Reverse<u64>, usize)> = BinaryHeap::new();
    let mut ts = 0u64;
    for i in 0..m {
        if c.pod_node[i] < 0 {
            queue.push((c.pod_priority[i], Reverse(ts), i));
            ts += 1;
        }
    }
    let mut failed: Vec<usize> = Vec::new();
    let mut preemptions = Vec::new();
    let mut steps = 0usize;
    let max_steps = 20 * m + 1000;
    while let Some((_, _, pod)) = queue.pop() {
        steps += 1;
        if steps % 4096 == 0 && budget.interrupted() {
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
    })
}
