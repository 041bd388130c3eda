//! Stage 1 of SSDP: the relaxation with "no job twice in a row", and the subgradient loop
//! that every stage uses to tune the multipliers.
//!
//! F(t, j), the cheapest relaxed path filling [0, t] and ending with j, needs only the best
//! and second-best values over the last job at t − p_j (the best whose last job is not j), so
//! one evaluation costs O(m·P).

use super::{is_sequence, repair, Bounds, Problem, INF, NONE};
use crate::budget::Budget;

/// The stage-1 tables: per time, the best two path values and their last jobs; after
/// [`Stage1::alive_nodes`], also the full forward table and the backward best two.
pub(super) struct Stage1 {
    b1: Vec<f64>,
    b2: Vec<f64>,
    k1: Vec<u32>,
    k2: Vec<u32>,
}

/// Best-two bookkeeping: offers value `v` with label `k` (labels are distinct per call site).
#[inline]
pub(super) fn offer2(v: f64, k: u32, b1: &mut f64, k1: &mut u32, b2: &mut f64, k2: &mut u32) {
    if v < *b1 {
        *b2 = *b1;
        *k2 = *k1;
        *b1 = v;
        *k1 = k;
    } else if v < *b2 {
        *b2 = v;
        *k2 = k;
    }
}

impl Stage1 {
    pub(super) fn new(pb: &Problem) -> Stage1 {
        let h = pb.horizon + 1;
        Stage1 {
            b1: vec![INF; h],
            b2: vec![INF; h],
            k1: vec![NONE; h],
            k2: vec![NONE; h],
        }
    }

    /// Best value of a path ending at t whose last job is not j (t = 0: the empty path).
    #[inline]
    fn excl(&self, t: usize, j: usize) -> f64 {
        if t == 0 {
            0.0
        } else if self.k1[t] != j as u32 {
            self.b1[t]
        } else {
            self.b2[t]
        }
    }

    /// Fills the tables for `mu`; returns the relaxed optimum without Σμ. `table`, when
    /// given, receives F(t, j) at t·m + j.
    pub(super) fn forward(&mut self, pb: &Problem, mu: &[f64], mut table: Option<&mut Vec<f64>>) -> f64 {
        let m = pb.m;
        for t in 1..=pb.horizon {
            let (mut b1, mut b2, mut k1, mut k2) = (INF, INF, NONE, NONE);
            for j in 0..m {
                let pj = pb.p[j];
                if pj > t {
                    continue;
                }
                let base = self.excl(t - pj, j);
                if base == INF {
                    continue;
                }
                let v = base + pb.cost(j, t) - mu[j];
                if let Some(tab) = table.as_deref_mut() {
                    tab[t * m + j] = v;
                }
                offer2(v, j as u32, &mut b1, &mut k1, &mut b2, &mut k2);
            }
            self.b1[t] = b1;
            self.b2[t] = b2;
            self.k1[t] = k1;
            self.k2[t] = k2;
        }
        self.b1[pb.horizon]
    }

    /// The relaxed optimum's jobs in order, read back from the tables of the last `forward`.
    fn path(&self, pb: &Problem) -> Vec<usize> {
        let mut out = Vec::new();
        let mut t = pb.horizon;
        let mut not = NONE;
        while t > 0 {
            let j = if self.k1[t] != not { self.k1[t] } else { self.k2[t] };
            if j == NONE {
                break;
            }
            out.push(j as usize);
            t -= pb.p[j as usize];
            not = j;
        }
        out.reverse();
        out
    }

    /// Subgradient optimisation of `mu` (left at the best multipliers found); `Some` is a
    /// proven optimal sequence (the relaxed optimum happened to be one).
    pub(super) fn optimise(
        &mut self,
        pb: &Problem,
        pf: &[f64],
        mu: &mut Vec<f64>,
        bounds: &mut Bounds,
        budget: &Budget,
        rounds: usize,
    ) -> Option<Vec<usize>> {
        let mut lambda = 1.0;
        subgradient(pb, pf, mu, bounds, budget, rounds, &mut lambda, |mu| {
            let v = self.forward(pb, mu, None);
            (v, self.path(pb))
        })
    }
}

/// The stage-1 relaxation with the adjacency constraint: F(t, j) over paths with no job twice
/// in a row and no adjacent pair that the interchange rule ([`Problem::pair_ok`]) forbids at
/// its completion times. The best predecessor of (t, j) is the first job of row t − p_j, in
/// increasing F, that may precede j there; rows are sorted once, so one evaluation costs
/// O(P·m log m) plus the few pair tests until one passes (usually the first or second).
/// How many of a row's cheapest jobs per class the adjacency DP tries as predecessors
/// (see [`Lists::first`]): 16 kept the DP within 2-3x of the plain one on n = 100.
const SCAN: usize = 16;

pub(super) struct Adjacency {
    /// F(t, j) at t·m + j.
    pub(super) f: Vec<f64>,
    /// B(t, j): cheapest completion after j completes at t, at t·m + j (0 at the horizon).
    pub(super) b: Vec<f64>,
    /// Per row s, the best `scan` jobs in increasing F of two classes: `early`, the jobs
    /// on time at s + p_max (so on time wherever a successor completes: only the tie rule
    /// lets them precede, and only an on-time successor), and `rest`; each at s·scan.
    early: Lists,
    rest: Lists,
    pmax: usize,
}

/// Per-row short lists of job ids: ids[s·cap..], `len` kept, `full` when none was cut.
struct Lists {
    cap: usize,
    ids: Vec<u32>,
    len: Vec<u32>,
    full: Vec<bool>,
}

impl Lists {
    fn new(rows: usize, cap: usize) -> Lists {
        Lists {
            cap,
            ids: vec![NONE; rows * cap],
            len: vec![0; rows],
            full: vec![true; rows],
        }
    }

    /// Keeps the `cap` jobs of `cand` with the smallest `row` values, in increasing value.
    fn set(&mut self, s: usize, cand: &mut [u32], row: &[f64]) {
        let by = |a: &u32, b: &u32| row[*a as usize].total_cmp(&row[*b as usize]).then(a.cmp(b));
        let mut k = cand.len();
        self.full[s] = k <= self.cap;
        if k > self.cap {
            cand.select_nth_unstable_by(self.cap - 1, by);
            k = self.cap;
        }
        cand[..k].sort_unstable_by(by);
        self.ids[s * self.cap..s * self.cap + k].copy_from_slice(&cand[..k]);
        self.len[s] = k as u32;
    }

    fn row(&self, s: usize) -> &[u32] {
        &self.ids[s * self.cap..s * self.cap + self.len[s] as usize]
    }

    /// The first job of row s that `ok` accepts; when none is and the row was cut, the
    /// last one other than `j`: every job cut off is at least as costly, so the DP stays a
    /// relaxation (a few more arcs, never fewer). `None`: no job of the row may be used.
    #[inline]
    fn first(&self, s: usize, j: usize, ok: impl Fn(usize) -> bool) -> Option<usize> {
        let mut last = None;
        for &i in self.row(s) {
            let i = i as usize;
            if i == j {
                continue;
            }
            if ok(i) {
                return Some(i);
            }
            last = Some(i);
        }
        if self.full[s] {
            None
        } else {
            last
        }
    }
}

impl Adjacency {
    pub(super) fn new(pb: &Problem) -> Adjacency {
        let rows = pb.horizon + 1;
        let scan = SCAN.min(pb.m).max(1);
        Adjacency {
            f: vec![INF; rows * pb.m],
            b: Vec::new(),
            early: Lists::new(rows, scan),
            rest: Lists::new(rows, scan),
            pmax: pb.p.iter().copied().max().unwrap_or(0),
        }
    }

    /// The job of row s to take as the predecessor of j completing at t (see [`Lists::first`]).
    #[inline]
    fn best_pred(&self, pb: &Problem, s: usize, j: usize, t: usize) -> Option<usize> {
        let m = pb.m;
        let r = self.rest.first(s, j, |i| pb.pair_ok(i, j, t));
        // an early job may precede j only if j is on time at t too, and i < j
        let e = if t as f64 <= pb.d[j] {
            self.early.first(s, j, |i| i < j)
        } else {
            None
        };
        match (r, e) {
            (Some(a), Some(b)) => Some(if self.f[s * m + b] < self.f[s * m + a] {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        }
    }

    /// Sorts row s of F into the two lists.
    fn sort_row(&mut self, pb: &Problem, s: usize, cand: &mut Vec<u32>, other: &mut Vec<u32>) {
        let m = pb.m;
        let row = &self.f[s * m..s * m + m];
        let horizon = (s + self.pmax) as f64;
        cand.clear();
        other.clear();
        for (j, &v) in row.iter().enumerate() {
            if v < INF {
                if pb.d[j] >= horizon {
                    other.push(j as u32);
                } else {
                    cand.push(j as u32);
                }
            }
        }
        let row = &self.f[s * m..s * m + m];
        self.rest.set(s, cand, row);
        self.early.set(s, other, row);
    }

    /// Fills F for `mu`; returns the relaxed optimum without Σμ.
    pub(super) fn forward(&mut self, pb: &Problem, mu: &[f64]) -> f64 {
        let (m, h) = (pb.m, pb.horizon);
        let mut row = vec![INF; m];
        let (mut cand, mut other) = (Vec::with_capacity(m), Vec::with_capacity(m));
        for t in 1..=h {
            for (j, r) in row.iter_mut().enumerate() {
                *r = INF;
                let pj = pb.p[j];
                if pj > t {
                    continue;
                }
                let s = t - pj;
                let base = if s == 0 {
                    0.0
                } else {
                    match self.best_pred(pb, s, j, t) {
                        Some(i) => self.f[s * m + i],
                        None => continue,
                    }
                };
                *r = base + pb.cost(j, t) - mu[j];
            }
            self.f[t * m..t * m + m].copy_from_slice(&row);
            self.sort_row(pb, t, &mut cand, &mut other);
        }
        self.f[h * m..].iter().cloned().fold(INF, f64::min)
    }

    /// Forward and backward tables for `mu`, and the nodes (t, j) through which some relaxed
    /// path may beat the incumbent (a flag per t·m + j).
    pub(super) fn alive_nodes(&mut self, pb: &Problem, mu: &[f64], bounds: &Bounds) -> Vec<bool> {
        let (m, h) = (pb.m, pb.horizon);
        self.forward(pb, mu);
        // backward: V(t, k) = cost of k completing at t + p_k plus B(t + p_k, k) depends on
        // the next job only, so row t of V is sorted once and B(t, j) is its first entry that
        // may follow j.
        self.b = vec![INF; (h + 1) * m];
        self.b[h * m..].iter_mut().for_each(|x| *x = 0.0);
        let mut v = vec![INF; m];
        let mut order: Vec<usize> = Vec::with_capacity(m);
        for t in (1..h).rev() {
            for (k, vk) in v.iter_mut().enumerate() {
                let tk = t + pb.p[k];
                *vk = if tk <= h && self.b[tk * m + k] < INF {
                    pb.cost(k, tk) - mu[k] + self.b[tk * m + k]
                } else {
                    INF
                };
            }
            // once per run, so every job is sorted and the rule is exact here
            order.clear();
            order.extend((0..m).filter(|&k| v[k] < INF));
            order.sort_unstable_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
            for j in 0..m {
                if pb.p[j] > t {
                    continue;
                }
                if let Some(&k) = order.iter().find(|&&k| k != j && pb.pair_ok(j, k, t + pb.p[k])) {
                    self.b[t * m + j] = v[k];
                }
            }
        }
        let musum: f64 = mu.iter().sum();
        (0..(h + 1) * m)
            .map(|c| c >= m && self.f[c] < INF && bounds.keeps(self.f[c] + self.b[c] + musum))
            .collect()
    }
}

/// The subgradient loop (Polyak steps toward the incumbent, the step factor `lambda` halved
/// after 10 rounds without progress; the caller keeps it between calls). `eval(mu)` returns the relaxed optimum without Σμ and its path.
/// Leaves `mu` at the best multipliers; `Some` is a relaxed optimum that is a sequence, hence
/// optimal.
#[allow(clippy::too_many_arguments)]
pub(super) fn subgradient(
    pb: &Problem,
    pf: &[f64],
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    rounds: usize,
    lambda: &mut f64,
    mut eval: impl FnMut(&[f64]) -> (f64, Vec<usize>),
) -> Option<Vec<usize>> {
    let mut best_mu = mu.clone();
    let mut best = -INF;
    let mut stall = 0;
    let mut count = vec![0i64; pb.m];
    let mut dir = vec![0.0; pb.m];
    // long runs (stage 1) wait longer before halving the step than the short stage-2 runs
    let stall_max = if rounds > 50 { 20 } else { 5 };
    for round in 0..rounds {
        if budget.exhausted() {
            break;
        }
        let (v, path) = eval(mu);
        if v == INF {
            // no relaxed path survives: nothing beats the incumbent
            bounds.lb = bounds.ub;
            break;
        }
        let lb = v + mu.iter().sum::<f64>();
        bounds.raise_lb(lb);
        if is_sequence(pb.m, &path) {
            return Some(path);
        }
        if lb > best + 1e-9 {
            best = lb;
            best_mu.clone_from(mu);
            stall = 0;
            if round % 5 == 0 {
                bounds.offer(pb, repair(pb, pf, &path, budget));
            }
        } else {
            stall += 1;
            if stall >= stall_max {
                *lambda /= 2.0;
                stall = 0;
                if *lambda < 1e-4 {
                    break;
                }
            }
        }
        if bounds.closed() {
            break;
        }
        count.iter_mut().for_each(|c| *c = 0);
        for &j in &path {
            count[j] += 1;
        }
        // Deflected (conjugate) direction, Camerini, Fratta & Maffioli (1975): add a share of
        // the last direction when the new subgradient turns against it, which damps the
        // zig-zag of plain subgradient steps. Tanaka et al. tune stage 1 with the same idea.
        let sdot: f64 = count.iter().zip(&dir).map(|(&c, &d)| (1 - c) as f64 * d).sum();
        let dnorm: f64 = dir.iter().map(|d| d * d).sum();
        let beta = if sdot < 0.0 && dnorm > 0.0 {
            -1.5 * sdot / dnorm
        } else {
            0.0
        };
        for (d, &c) in dir.iter_mut().zip(&count) {
            *d = (1 - c) as f64 + beta * *d;
        }
        let norm: f64 = dir.iter().map(|d| d * d).sum();
        if norm <= 0.0 {
            break;
        }
        let step = *lambda * (bounds.ub - lb).max(1.0) / norm;
        for (m, &d) in mu.iter_mut().zip(&dir) {
            *m += step * d;
        }
    }
    *mu = best_mu;
    None
}
