//! The node bound with memory of two jobs: SSDP's stage 2 (Tanaka, Fujikuma & Araki 2009,
//! §4; Tanaka & Fujikuma 2012) turned into node tables for the search.
//!
//! A state is the arc "i then j, j completing at t" (i = NONE: j is first). A relaxed path
//! through arcs holds no job twice within three positions, and every arc keeps the
//! adjacent-interchange rule with ties broken by index ([`tie_ok`]). Its forward value is the
//! cheapest such path filling [0, t]; per node (t, j) the best two arcs (their predecessors
//! differ) are enough to extend a path by any next job k ≠ i.
//!
//! **Node bound.** For a node with head set U (filling [0, p(U)]) and first tail job k, any
//! relaxed head path ending with some j, pair (j, k) keeping the strict interchange rule and
//! the job before j not being k, costs at least E2(p(U) + p_k, k) − (f_k − μ_k), the table
//! read by `Relax::head` in place of stage 1's E. As for stage 1 (`Relax::eval_adjacency`),
//! the optimal order H of U with the fewest inversions against job index is such a path for a
//! node on the path of an optimal sequence: its inner pairs keep the tie rule, its boundary
//! pair the strict rule, and no job recurs in it at all. Every such path is also a stage-1
//! path, so E2 ≥ E at the same multipliers.
//!
//! **Which arcs exist.** Only arcs between nodes the stage-1 tables kept (a node of H is
//! kept, see `Adjacency::eliminate` in ssdp), and only those some relaxed path of value below
//! UB − 1 can pass: forward value into the arc plus B(t, j), a lower bound on every completion
//! after j whose pairs keep the tie rule except at most one that keeps the strict rule (H
//! followed by the optimal order of the tail's jobs with the fewest inversions is such a path,
//! of value OPT). Removal is for good: a later bound only rises for the arcs that stay.

use super::relaxation::{strict_ok, tie_ok, Relax};
use super::{INF, NONE};
use crate::budget::Budget;
use crate::tardiness::pair_bound::{backward_one_strict, offer2};
use crate::tardiness::Jobs;

#[cfg(test)]
#[path = "two_job_tests.rs"]
mod tests;

/// Slack on "bound < UB − 1" for the rounding noise of fractional μ sums.
const SLACK: f64 = 1e-4;
/// Entries of a sorted row a per-cell scan tests before it settles for the value there (a
/// lower bound on every later entry), in [`TwoJob::tables`] and the backward bound. Twice
/// SSDP's stage-1 cap: these tables are built once per solve, on instances hard enough to
/// reach them, where a tighter B removes more arcs.
const SCAN: usize = 24;
/// Largest number of arcs kept (4 bytes each, plus the per-node tables).
pub(super) const MAX_ARCS: usize = 60_000_000;

/// The two-job arc network of one instance with integral data (see the module notes).
///
/// Kept apart from SSDP's `ssdp::arcs::Arcs` on purpose, though both are arc networks over
/// the stage-1 nodes: this one admits every arc some path with one strict pair after it may
/// use (the backward bound B over all nodes, not stage 1's), labels an arc by its
/// predecessor *node* and keeps per node only the best two values, since the search reads
/// node tables and never an arc again; `Arcs` labels by predecessor job and keeps per-arc
/// forward and backward values, which its removal and stage 3's sublimation need.
pub(super) struct TwoJob {
    m: usize,
    h: usize,
    p: Vec<usize>,
    /// Node id at t·m + j, or NONE.
    node_of: Vec<u32>,
    node_t: Vec<u32>,
    node_j: Vec<u32>,
    /// Arcs into node n are start[n]..start[n + 1]; nodes are in increasing t.
    start: Vec<u32>,
    /// Per arc, the node its predecessor completes at (NONE: the path starts with the arc).
    src: Vec<u32>,
    /// Per node, the best two arc values and their predecessor jobs (NONE: a start arc).
    b1: Vec<f64>,
    k1: Vec<u32>,
    b2: Vec<f64>,
    k2: Vec<u32>,
    /// Subgradient state carried from one [`TwoJob::tune`] run to the next: the best bound
    /// so far and the rounds since it last rose.
    sg_best: f64,
    sg_stall: usize,
}

/// `x` keeps a path of value `x` (with Σμ) that may beat `ub`.
#[inline]
fn keeps(x: f64, ub: f64) -> bool {
    x < ub - 1.0 + SLACK
}

impl TwoJob {
    /// The arcs between the nodes alive in `relax`'s stage-1 table F (built for `relax.mu`)
    /// that keep the tie rule and may lie on a path of value below `ub − 1`. `None` when they
    /// would pass [`MAX_ARCS`] or the budget ran out while building.
    #[allow(clippy::needless_range_loop)] // j indexes μ, p and the rows of F alike
    pub(super) fn build(jobs: Jobs, relax: &Relax, ub: f64, budget: &Budget) -> Option<TwoJob> {
        let m = jobs.p.len();
        let h = relax.pt;
        let p = relax.pp.clone();
        let mu = &relax.mu;
        let musum = relax.mu_sum;
        let f1 = relax.fwd_table();
        let b = backward_one_strict(&jobs, &p, h, mu, SCAN);
        let mut net = TwoJob {
            m,
            h,
            p,
            node_of: vec![NONE; (h + 1) * m],
            node_t: Vec::new(),
            node_j: Vec::new(),
            start: vec![0],
            src: Vec::new(),
            b1: Vec::new(),
            k1: Vec::new(),
            b2: Vec::new(),
            k2: Vec::new(),
            sg_best: -INF,
            sg_stall: 0,
        };
        for t in 1..=h {
            if t % 64 == 0 && budget.exhausted() {
                return None;
            }
            for j in 0..m {
                let c = t * m + j;
                if f1[c] == INF || b[c] == INF {
                    continue;
                }
                let pj = net.p[j];
                let tail = jobs.cost(j, t as f64) - mu[j] + b[c] + musum;
                let before = net.src.len();
                let s = t - pj;
                if s == 0 {
                    if keeps(tail, ub) {
                        net.src.push(NONE);
                    }
                } else {
                    for i in 0..m {
                        let v = f1[s * m + i];
                        if i == j || !keeps(v + tail, ub) || !tie_ok(jobs, i, j, s as f64) {
                            continue;
                        }
                        let pn = net.node_of[s * m + i];
                        if pn != NONE {
                            net.src.push(pn);
                        }
                    }
                }
                if net.src.len() > before {
                    net.node_of[c] = net.node_t.len() as u32;
                    net.node_t.push(t as u32);
                    net.node_j.push(j as u32);
                    net.start.push(net.src.len() as u32);
                }
                if net.src.len() > MAX_ARCS {
                    return None;
                }
            }
        }
        net.size_tables();
        Some(net)
    }

    fn size_tables(&mut self) {
        let n = self.node_t.len();
        self.b1 = vec![INF; n];
        self.k1 = vec![NONE; n];
        self.b2 = vec![INF; n];
        self.k2 = vec![NONE; n];
    }

    /// Arcs left (for the driver's test trace).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.src.len()
    }

    /// The value of the best path into node `pn` that may be followed by job `j` (its last
    /// arc's predecessor is not j).
    #[inline]
    fn best_into(&self, pn: u32, j: u32) -> f64 {
        if pn == NONE {
            return 0.0;
        }
        let pn = pn as usize;
        if self.k1[pn] != j {
            self.b1[pn]
        } else {
            self.b2[pn]
        }
    }

    /// Forward values for `mu`; returns the relaxed optimum without Σμ.
    pub(super) fn forward(&mut self, jobs: Jobs, mu: &[f64]) -> f64 {
        let mut best = INF;
        for n in 0..self.node_t.len() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n]);
            let here = jobs.cost(j as usize, t as f64) - mu[j as usize];
            let (mut b1, mut k1, mut b2, mut k2) = (INF, NONE, INF, NONE);
            for a in self.start[n] as usize..self.start[n + 1] as usize {
                let pn = self.src[a];
                let v = self.best_into(pn, j) + here;
                if v < b2 {
                    // the label (predecessor job) is looked up only for a value that enters
                    let k = if pn == NONE {
                        NONE
                    } else {
                        self.node_j[pn as usize]
                    };
                    offer2(v, k, &mut b1, &mut k1, &mut b2, &mut k2);
                }
            }
            self.b1[n] = b1;
            self.k1[n] = k1;
            self.b2[n] = b2;
            self.k2[n] = k2;
            if t == self.h {
                best = best.min(b1);
            }
        }
        best
    }

    /// The relaxed optimum of the last `forward`, jobs in time order.
    pub(super) fn path(&self) -> Vec<usize> {
        let mut n = NONE;
        let mut best = INF;
        for c in self.h * self.m..(self.h + 1) * self.m {
            let x = self.node_of[c];
            if x != NONE && self.b1[x as usize] < best {
                best = self.b1[x as usize];
                n = x;
            }
        }
        let mut out = Vec::new();
        // the job that follows node n on the path (LAST: n is last; NONE would read as a
        // start arc's label)
        const LAST: u32 = NONE - 1;
        let mut next = LAST;
        while n != NONE {
            let x = n as usize;
            let (t, j) = (self.node_t[x] as usize, self.node_j[x]);
            out.push(j as usize);
            let k = if self.k1[x] != next {
                self.k1[x]
            } else {
                self.k2[x]
            };
            if k == NONE {
                break;
            }
            n = self.node_of[(t - self.p[j as usize]) * self.m + k as usize];
            next = j;
        }
        out.reverse();
        out
    }

    /// Removes for good every arc whose forward value under `mu` plus the backward bound
    /// after it cannot beat `ub − 1`, and every arc whose predecessor node has gone.
    /// Returns the relaxed optimum (with Σμ) of the forward pass it ran.
    pub(super) fn eliminate(&mut self, jobs: Jobs, mu: &[f64], ub: f64) -> f64 {
        let v = self.forward(jobs, mu);
        let musum: f64 = mu.iter().sum();
        let b = backward_one_strict(&jobs, &self.p, self.h, mu, SCAN);
        let m = self.m;
        let mut new_of = vec![NONE; self.node_of.len()];
        let (mut nt, mut nj, mut start, mut src) = (Vec::new(), Vec::new(), vec![0u32], Vec::new());
        for n in 0..self.node_t.len() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n]);
            let c = t * m + j as usize;
            let tail = jobs.cost(j as usize, t as f64) - mu[j as usize] + b[c] + musum;
            let before = src.len();
            for a in self.start[n] as usize..self.start[n + 1] as usize {
                let pn = self.src[a];
                if !keeps(self.best_into(pn, j) + tail, ub) {
                    continue;
                }
                if pn == NONE {
                    src.push(NONE);
                    continue;
                }
                let pc = self.node_t[pn as usize] as usize * m + self.node_j[pn as usize] as usize;
                if new_of[pc] != NONE {
                    src.push(new_of[pc]);
                }
            }
            if src.len() > before {
                new_of[c] = nt.len() as u32;
                nt.push(t as u32);
                nj.push(j);
                start.push(src.len() as u32);
            }
        }
        self.node_of = new_of;
        self.node_t = nt;
        self.node_j = nj;
        self.start = start;
        self.src = src;
        self.size_tables();
        v + musum
    }

    /// Subgradient rounds on this relaxation from `mu` (Polyak steps toward `ub`, the step
    /// factor `lambda` halved after `stall_max` rounds without progress, counted across
    /// runs), at most `rounds`; `mu` is left at the best multipliers of all runs so far (the
    /// next run starts there). Returns the best bound (with Σμ) and, if a relaxed
    /// optimum was a sequence (then optimal: its value is its objective), that sequence.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tune(
        &mut self,
        jobs: Jobs,
        mu: &mut Vec<f64>,
        ub: f64,
        rounds: usize,
        stall_max: usize,
        lambda: &mut f64,
        budget: &Budget,
    ) -> (f64, Option<Vec<usize>>) {
        let m = self.m;
        let mut best = self.sg_best;
        let mut best_mu = mu.clone();
        let mut count = vec![0i64; m];
        for _ in 0..rounds {
            if budget.exhausted() || *lambda < 1e-4 {
                break;
            }
            let v = self.forward(jobs, mu);
            if v == INF {
                // no path left: nothing beats the incumbent
                best = ub;
                break;
            }
            let lb = v + mu.iter().sum::<f64>();
            let path = self.path();
            count.iter_mut().for_each(|c| *c = 0);
            for &j in &path {
                count[j] += 1;
            }
            if lb > best + 1e-9 {
                best = lb;
                best_mu.clone_from(mu);
                self.sg_stall = 0;
            } else {
                self.sg_stall += 1;
                if self.sg_stall >= stall_max {
                    *lambda /= 2.0;
                    self.sg_stall = 0;
                }
            }
            if count.iter().all(|&c| c == 1) {
                self.sg_best = best;
                *mu = best_mu;
                return (best, Some(path));
            }
            if lb > ub - 1.0 + 1e-6 {
                break;
            }
            let norm: f64 = count.iter().map(|&c| ((1 - c) * (1 - c)) as f64).sum();
            let step = *lambda * (ub - lb).max(1.0) / norm;
            for (x, &c) in mu.iter_mut().zip(&count) {
                *x += step * (1 - c) as f64;
            }
        }
        self.sg_best = best;
        *mu = best_mu;
        (best, None)
    }

    /// The node tables for `mu` (after a `forward` for `mu`, e.g. by [`TwoJob::eliminate`]):
    /// F2(t, j), the best path ending with j at t, and E2(t, k) (see the module notes), each
    /// at t·m + j, as `Relax::adopt_tables` takes them.
    pub(super) fn tables(&self, jobs: Jobs, mu: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (m, h) = (self.m, self.h);
        let mut fwd = vec![INF; (h + 1) * m];
        for (n, (&t, &j)) in self.node_t.iter().zip(&self.node_j).enumerate() {
            fwd[t as usize * m + j as usize] = self.b1[n];
        }
        let mut edge = vec![INF; (h + 1) * m];
        // row s of the nodes, by best value
        let mut row: Vec<u32> = Vec::with_capacity(m);
        let mut n0 = 0;
        // start arcs: k first, completing at p_k
        for (k, &t) in self.p.iter().enumerate() {
            edge[t * m + k] = jobs.cost(k, t as f64) - mu[k];
        }
        for s in 1..h {
            row.clear();
            while n0 < self.node_t.len() && self.node_t[n0] as usize == s {
                row.push(n0 as u32);
                n0 += 1;
            }
            if row.is_empty() {
                continue;
            }
            row.sort_unstable_by(|&a, &b| self.b1[a as usize].total_cmp(&self.b1[b as usize]));
            for k in 0..m {
                let t = s + self.p[k];
                if t > h {
                    continue;
                }
                let mut best = INF;
                for (pos, &n) in row.iter().enumerate() {
                    let n = n as usize;
                    let lead = self.b1[n];
                    if lead >= best {
                        break;
                    }
                    if pos == SCAN {
                        best = lead;
                        break;
                    }
                    let j = self.node_j[n] as usize;
                    if j == k || !strict_ok(jobs, j, k, s as f64) {
                        continue;
                    }
                    let v = if self.k1[n] != k as u32 { lead } else { self.b2[n] };
                    best = best.min(v);
                }
                if best < INF {
                    edge[t * m + k] = best + jobs.cost(k, t as f64) - mu[k];
                }
            }
        }
        (fwd, edge)
    }
}
