//! Stage 1 of SSDP: the relaxation with "no job twice in a row", and the subgradient loop
//! that every stage uses to tune the multipliers.
//!
//! F(t, j), the cheapest relaxed path filling [0, t] and ending with j, needs only the best
//! and second-best values over the last job at t − p_j (the best whose last job is not j), so
//! one evaluation costs O(m·P).

use super::{is_sequence, knob, repair, Bounds, Problem, INF, NONE, PLAIN_STALL};
use crate::budget::Budget;
use crate::tardiness::pair_bound::{backward_one_strict, offer2};

/// The stage-1 tables: per time, the best two path values and their last jobs; after
/// [`Stage1::alive_nodes`], also the full forward table and the backward best two.
pub(super) struct Stage1 {
    b1: Vec<f64>,
    b2: Vec<f64>,
    k1: Vec<u32>,
    k2: Vec<u32>,
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
}

impl Relaxation for Stage1 {
    fn evaluate(&mut self, pb: &Problem, mu: &[f64]) -> (f64, Vec<usize>) {
        let v = self.forward(pb, mu, None);
        (v, self.path(pb))
    }
}

/// The stage-1 relaxation with the adjacency constraint: F(t, j) over paths with no job twice
/// in a row and no adjacent pair that the interchange rule ([`Problem::pair_ok`]) forbids at
/// its completion times, computed exactly: the best predecessor i of (t, j), completing at
/// s = t − p_j, is found without scanning row s, by splitting its jobs by due date.
///
/// * `late` (d_i ≤ s, late wherever a successor completes): before an on-time j every one
///   may stand; before a tardy j, when j would still be late if moved first (p_i ≤ t − d_j),
///   the swap changes the cost by w_j·p_i − w_i·p_j, so i may precede iff it comes first in
///   the order of w/p descending, index ascending (a prefix minimum over that order per row).
///   The few i with p_i > t − d_j (only when j is less than p_max late) are tested one by
///   one; the rule admits every one the ratio order admits, and maybe more.
/// * `early` (d_i ≥ s + p_max, on time at t): only the tie rule lets them precede, and only
///   an on-time j with j > i (a prefix minimum over job index per row).
/// * the middle (s < d_i < s + p_max, a due-date window one p_max wide): tested one by one.
///
/// So one evaluation costs O(P·m) plus the middle jobs, instead of a scan down each row.
/// Entries of a sorted row the backward pass of [`Adjacency::eliminate`] tests per cell
/// before it settles for a lower bound.
const BACKWARD_SCAN: usize = 12;

pub(super) struct Adjacency {
    /// F(t, j) at t·m + j.
    pub(super) f: Vec<f64>,
    /// The predecessor on the path F(t, j) is the value of, at t·m + j (NONE: j is first).
    pred: Vec<u32>,
    /// E(t, j), filled by [`Adjacency::forward_with_edge`] only: as F(t, j), but the last
    /// pair (predecessor, j) need only pass the strict rule ([`Problem::pair_not_worse`]).
    pub(super) edge: Vec<f64>,
    /// Nodes (t, j) removed for good by [`Adjacency::eliminate`] (t·m + j), or empty.
    dead: Vec<bool>,
    /// B(t, j): cheapest completion after j completes at t, at t·m + j (0 at the horizon).
    pub(super) b: Vec<f64>,
    pmax: usize,
    /// Jobs by w/p descending then index, each job's place in that order, and the place after
    /// the last job with the same ratio (the strict rule lets those precede too).
    by_ratio: Vec<u32>,
    rank: Vec<u32>,
    rank_end: Vec<u32>,
    /// Jobs by due date ascending.
    by_due: Vec<u32>,
    /// Rows s kept (s mod `slots`): every predecessor row is within p_max of its successor.
    slots: usize,
    /// Per slot, m + 1 prefix minima (value, job): `late` over the late jobs of rank < r,
    /// `early` over the early jobs of index < k.
    late: Vec<(f64, u32)>,
    early: Vec<(f64, u32)>,
    /// Per slot, the best two early jobs of any index (for E, where j itself may be early).
    early2: Vec<[(f64, u32); 2]>,
    /// Per slot, the range of `by_due` with d ≤ s (`.0`) and the middle jobs (`.0..1`).
    split: Vec<(u32, u32)>,
}

impl Adjacency {
    pub(super) fn new(pb: &Problem) -> Adjacency {
        let (m, rows) = (pb.m, pb.horizon + 1);
        let pmax = pb.p.iter().copied().max().unwrap_or(0);
        // w_a·p_b vs w_b·p_a is exact: both stay below MAX_EXACT (see `applicable`)
        let mut by_ratio: Vec<u32> = (0..m as u32).collect();
        by_ratio.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            let (x, y) = (pb.w[a] * pb.p[b] as f64, pb.w[b] * pb.p[a] as f64);
            y.total_cmp(&x).then(a.cmp(&b))
        });
        let mut rank = vec![0u32; m];
        for (r, &j) in by_ratio.iter().enumerate() {
            rank[j as usize] = r as u32;
        }
        let mut rank_end = vec![0u32; m];
        let mut end = m;
        for r in (0..m).rev() {
            let a = by_ratio[r] as usize;
            if let Some(&b) = by_ratio.get(r + 1) {
                let b = b as usize;
                if pb.w[a] * pb.p[b] as f64 != pb.w[b] * pb.p[a] as f64 {
                    end = r + 1;
                }
            }
            rank_end[a] = end as u32;
        }
        let mut by_due: Vec<u32> = (0..m as u32).collect();
        by_due.sort_by(|&a, &b| pb.d[a as usize].total_cmp(&pb.d[b as usize]).then(a.cmp(&b)));
        let slots = pmax + 1;
        Adjacency {
            f: vec![INF; rows * m],
            pred: vec![NONE; rows * m],
            edge: Vec::new(),
            dead: Vec::new(),
            b: Vec::new(),
            pmax,
            by_ratio,
            rank,
            rank_end,
            by_due,
            slots,
            late: vec![(INF, NONE); slots * (m + 1)],
            early: vec![(INF, NONE); slots * (m + 1)],
            early2: vec![[(INF, NONE); 2]; slots],
            split: vec![(0, 0); slots],
        }
    }

    /// Builds the prefix minima and the due-date split of row s of F.
    fn index_row(&mut self, pb: &Problem, s: usize) {
        let m = pb.m;
        let o = (s % self.slots) * (m + 1);
        let row = &self.f[s * m..s * m + m];
        let sf = s as f64;
        let early_from = (s + self.pmax) as f64;
        let mut acc = (INF, NONE);
        for (r, &i) in self.by_ratio.iter().enumerate() {
            self.late[o + r] = acc;
            let i = i as usize;
            if pb.d[i] <= sf && row[i] < acc.0 {
                acc = (row[i], i as u32);
            }
        }
        self.late[o + m] = acc;
        let mut acc = (INF, NONE);
        let mut second = (INF, NONE);
        for (i, &v) in row.iter().enumerate() {
            self.early[o + i] = acc;
            if pb.d[i] >= early_from {
                if v < acc.0 {
                    second = acc;
                    acc = (v, i as u32);
                } else if v < second.0 {
                    second = (v, i as u32);
                }
            }
        }
        self.early[o + m] = acc;
        self.early2[s % self.slots] = [acc, second];
        let lo = self.by_due.partition_point(|&i| pb.d[i as usize] <= sf);
        let hi = self.by_due.partition_point(|&i| pb.d[i as usize] < early_from);
        self.split[s % self.slots] = (lo as u32, hi as u32);
    }

    /// The cheapest predecessor of j completing at t whose pair with j obeys the rule:
    /// (F(t − p_j, i), i), or (INF, NONE). `strict`: the strict rule instead of the tie rule
    /// for this last pair (for E).
    #[inline]
    fn best_pred(&self, pb: &Problem, s: usize, j: usize, t: usize, strict: bool) -> (f64, u32) {
        let m = pb.m;
        let o = (s % self.slots) * (m + 1);
        let row = &self.f[s * m..s * m + m];
        let (lo, hi) = self.split[s % self.slots];
        let tf = t as f64;
        let ok = |i: usize| {
            if strict {
                pb.pair_not_worse(i, j, t)
            } else {
                pb.pair_ok(i, j, t)
            }
        };
        let mut best;
        if tf <= pb.d[j] {
            best = self.late[o + m];
            // an early i ties with an on-time j: the tie rule wants i < j, the strict rule
            // only i ≠ j
            let e = if strict {
                let [a, b] = self.early2[s % self.slots];
                if a.1 == j as u32 {
                    b
                } else {
                    a
                }
            } else {
                self.early[o + j]
            };
            if e.0 < best.0 {
                best = e;
            }
        } else {
            best = self.late[o + self.rank[j] as usize];
            if strict {
                // late jobs of j's own ratio after it: a tie either way
                for &i in &self.by_ratio[self.rank[j] as usize + 1..self.rank_end[j] as usize] {
                    let iu = i as usize;
                    if pb.d[iu] <= s as f64 && row[iu] < best.0 && ok(iu) {
                        best = (row[iu], i);
                    }
                }
            }
            let late_by = tf - pb.d[j];
            if late_by < self.pmax as f64 {
                for &i in &self.by_due[..lo as usize] {
                    let iu = i as usize;
                    if iu != j && pb.p[iu] as f64 > late_by && row[iu] < best.0 && ok(iu) {
                        best = (row[iu], i);
                    }
                }
            }
        }
        for &i in &self.by_due[lo as usize..hi as usize] {
            let iu = i as usize;
            if iu != j && row[iu] < best.0 && ok(iu) {
                best = (row[iu], i);
            }
        }
        best
    }

    /// Fills F for `mu`; returns the relaxed optimum without Σμ.
    pub(super) fn forward(&mut self, pb: &Problem, mu: &[f64]) -> f64 {
        self.fill(pb, mu, false)
    }

    /// As [`Adjacency::forward`], and fills E too (the branch and bound's node tables).
    pub(super) fn forward_with_edge(&mut self, pb: &Problem, mu: &[f64]) -> f64 {
        self.fill(pb, mu, true)
    }

    #[allow(clippy::needless_range_loop)] // j indexes p, mu and the row of F alike
    fn fill(&mut self, pb: &Problem, mu: &[f64], with_edge: bool) -> f64 {
        let (m, h) = (pb.m, pb.horizon);
        if with_edge {
            self.edge.clear();
            self.edge.resize((h + 1) * m, INF);
        }
        for t in 1..=h {
            for j in 0..m {
                let c = t * m + j;
                self.f[c] = INF;
                self.pred[c] = NONE;
                let pj = pb.p[j];
                if pj > t {
                    continue;
                }
                let s = t - pj;
                let here = pb.cost(j, t) - mu[j];
                // a removed node has no F, but E is still read there (its last pair differs)
                let alive = self.dead.is_empty() || !self.dead[c];
                if s == 0 {
                    if alive {
                        self.f[c] = here;
                    }
                    if with_edge {
                        self.edge[c] = here;
                    }
                    continue;
                }
                if alive {
                    #[cfg(test)]
                    crate::tardiness::exact_bb::DP_CELLS.with(|c| c.set(c.get() + 1));
                    let (base, i) = self.best_pred(pb, s, j, t, false);
                    if base < INF {
                        self.f[c] = base + here;
                        self.pred[c] = i;
                    }
                }
                if with_edge {
                    let (e, _) = self.best_pred(pb, s, j, t, true);
                    if e < INF {
                        self.edge[c] = e + here;
                    }
                }
            }
            self.index_row(pb, t);
        }
        self.f[h * m..].iter().cloned().fold(INF, f64::min)
    }

    /// The relaxed optimum's jobs in order, read back from the last `forward`.
    pub(super) fn path(&self, pb: &Problem) -> Vec<usize> {
        let (m, h) = (pb.m, pb.horizon);
        let mut out = Vec::new();
        let mut j = (0..m)
            .filter(|&j| self.f[h * m + j] < INF)
            .min_by(|&a, &b| self.f[h * m + a].total_cmp(&self.f[h * m + b]));
        let mut t = h;
        while let Some(k) = j {
            out.push(k);
            let i = self.pred[t * m + k];
            t -= pb.p[k];
            j = (i != NONE).then_some(i as usize);
        }
        out.reverse();
        out
    }

    /// Removes for good every node (t, j) through which no relaxed path of value below
    /// `ub − 1` (with the slack of [`Bounds::keeps`]) passes under `mu`, F being that of the
    /// last `forward` for `mu`. The paths counted keep the tie rule ([`Problem::pair_ok`]) on
    /// every pair except at most one after (t, j), which keeps the strict rule
    /// ([`Problem::pair_not_worse`]): the backward values are `pair_bound::backward_one_strict`.
    /// Returns the number of nodes left.
    ///
    /// Why the branch and bound may read its node bounds from what is left (see
    /// `Relax::eval_adjacency`): let σ be an optimal sequence the search keeps, and a node on
    /// its path have head set U and tail T. Take H, the optimal order of U in [0, p(U)] with
    /// the fewest inversions against job index, and T', the same for the tail's jobs from
    /// p(U) on. Both keep the tie rule inside (a violating pair could be swapped at no cost,
    /// removing an inversion), cost(T') ≤ cost(T), and H then T' is optimal, so its one
    /// pair across the boundary keeps the strict rule. So every node of H has a path of
    /// value ≤ OPT through it of the kind counted here, and stays unless the incumbent is
    /// already optimal; and H followed by T's first job keeps the strict rule too (H then T
    /// is optimal), which is what the node bound's E table asks of the boundary pair.
    pub(super) fn eliminate(&mut self, pb: &Problem, mu: &[f64], ub: f64) -> usize {
        let (m, h) = (pb.m, pb.horizon);
        let musum: f64 = mu.iter().sum();
        let b = backward_one_strict(pb, &pb.p, pb.horizon, mu, BACKWARD_SCAN);
        if self.dead.is_empty() {
            self.dead = vec![false; (h + 1) * m];
        }
        let keep = Bounds {
            ub,
            best: Vec::new(),
            lb: 0.0,
            cut: INF,
        };
        let mut left = 0;
        let cells = self.f.iter().zip(&b).zip(self.dead.iter_mut()).skip(m);
        for ((&f, &bc), dead) in cells {
            if f < INF && bc < INF && keep.keeps(f + bc + musum) {
                left += 1;
            } else {
                *dead = true;
            }
        }
        left
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

impl Adjacency {
    /// Removes for good the nodes through which no tie-rule path may beat the incumbent under
    /// `mu` ([`Adjacency::alive_nodes`]); the later forward passes skip them. Only for SSDP's
    /// own stage 1: its relaxations need keep only the paths that obey the tie rule
    /// throughout (module notes), while the branch and bound's tables need the one strict
    /// pair of [`Adjacency::eliminate`]. Returns the number of nodes left.
    pub(super) fn remove_dead(&mut self, pb: &Problem, mu: &[f64], bounds: &Bounds) -> usize {
        let alive = self.alive_nodes(pb, mu, bounds);
        self.dead = alive.iter().map(|&a| !a).collect();
        alive.iter().filter(|&&a| a).count()
    }
}

impl Relaxation for Adjacency {
    fn evaluate(&mut self, pb: &Problem, mu: &[f64]) -> (f64, Vec<usize>) {
        let v = self.forward(pb, mu);
        (v, self.path(pb))
    }
}

/// A Lagrangian relaxation whose multipliers [`subgradient`] tunes (the plain and adjacency
/// stage-1 relaxations, the stage-2 arc network).
pub(super) trait Relaxation {
    /// The relaxed optimum under `mu` and a path attaining it.
    fn evaluate(&mut self, pb: &Problem, mu: &[f64]) -> (f64, Vec<usize>);

    /// Subgradient optimisation of `mu` over this relaxation, from step factor `lambda` (left
    /// at the best multipliers found, `lambda` where the run ended); `Some` is a proven
    /// optimal sequence (the relaxed optimum happened to be one).
    #[allow(clippy::too_many_arguments)]
    fn optimise(
        &mut self,
        pb: &Problem,
        pf: &[f64],
        mu: &mut Vec<f64>,
        bounds: &mut Bounds,
        budget: &Budget,
        rounds: usize,
        lambda: &mut f64,
    ) -> Option<Vec<usize>> {
        subgradient(pb, pf, mu, bounds, budget, rounds, lambda, |mu| {
            self.evaluate(pb, mu)
        })
    }
}

/// The subgradient loop (Polyak steps toward the incumbent, the step factor `lambda` halved
/// after LONG_STALL rounds without progress in runs of over 50 rounds, 5 in shorter ones; the
/// caller keeps it between calls). `eval(mu)` returns the relaxed optimum without Σμ and its path.
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
    eval: impl FnMut(&[f64]) -> (f64, Vec<usize>),
) -> Option<Vec<usize>> {
    // the stage-1 run and the stage-2 runs wait longer before halving the step than short
    // runs (tests)
    let stall_max = if rounds > 50 {
        knob("SSDP_STALL", LONG_STALL)
    } else {
        5
    };
    subgradient_counted(
        pb, pf, mu, bounds, budget, rounds, lambda, stall_max, &mut 0, eval,
    )
}

/// The plain stage-1 run: [`subgradient_counted`] over `eval` from step factor `lambda`,
/// halving it only after PLAIN_STALL rounds without progress (mod.rs says why).
#[allow(clippy::too_many_arguments)]
pub(super) fn plain_run(
    pb: &Problem,
    pf: &[f64],
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    rounds: usize,
    lambda: &mut f64,
    eval: impl FnMut(&[f64]) -> (f64, Vec<usize>),
) -> Option<Vec<usize>> {
    let stall = knob("SSDP_PLAIN_STALL", PLAIN_STALL);
    subgradient_counted(pb, pf, mu, bounds, budget, rounds, lambda, stall, &mut 0, eval)
}

/// Rounds without progress after which [`subgradient`]'s runs of over 50 rounds (the stage-2
/// runs; the plain stage-1 run has its own, PLAIN_STALL) halve the step factor. 40 rather than 20: at 20 the factor
/// ran down long before the bound stopped rising, so on n = 200 the plain run ended further
/// from its optimum, stage 2 settled lower, and the incumbent (repaired from relaxed paths)
/// stayed worse (n200_tf0.6_rdd0.6_3: stage-2 bound 472,408 against 472,251; with
/// PLAIN_LAMBDA and ADJACENCY_STALL, see mod.rs).
pub(super) const LONG_STALL: usize = 40;

/// The step factor below which [`subgradient`] stops.
pub(super) const SUBGRADIENT_MIN_LAMBDA: f64 = 1e-4;

/// [`subgradient`] halving the step after `stall_max` rounds without progress, adding the
/// rounds it evaluated to `ran`.
#[allow(clippy::too_many_arguments)]
pub(super) fn subgradient_counted(
    pb: &Problem,
    pf: &[f64],
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    rounds: usize,
    lambda: &mut f64,
    stall_max: usize,
    ran: &mut usize,
    eval: impl FnMut(&[f64]) -> (f64, Vec<usize>),
) -> Option<Vec<usize>> {
    subgradient_patient(
        pb,
        pf,
        mu,
        bounds,
        budget,
        rounds,
        lambda,
        stall_max,
        ran,
        (usize::MAX, 0.0),
        &std::cell::Cell::new(false),
        eval,
    )
}

/// [`subgradient_counted`] that also stops once the best bound has risen by less than
/// `patience.1` times the remaining gap (incumbent − best bound) over the last `patience.0`
/// rounds, or once `eval` has set `enough`: the caller has a stronger relaxation to go on
/// with.
#[allow(clippy::too_many_arguments)]
pub(super) fn subgradient_patient(
    pb: &Problem,
    pf: &[f64],
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    rounds: usize,
    lambda: &mut f64,
    stall_max: usize,
    ran: &mut usize,
    patience: (usize, f64),
    enough: &std::cell::Cell<bool>,
    mut eval: impl FnMut(&[f64]) -> (f64, Vec<usize>),
) -> Option<Vec<usize>> {
    let (window, gain) = patience;
    // best bound after each round, for the patience test
    let mut history: Vec<f64> = Vec::new();
    let mut best_mu = mu.clone();
    let mut best = -INF;
    let mut stall = 0;
    let mut count = vec![0i64; pb.m];
    let mut dir = vec![0.0; pb.m];
    for round in 0..rounds {
        if budget.exhausted() {
            break;
        }
        let (v, path) = eval(mu);
        *ran += 1;
        if v == INF {
            // no relaxed path survives: nothing beats the limit
            bounds.none_below_limit();
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
                if *lambda < SUBGRADIENT_MIN_LAMBDA {
                    break;
                }
            }
        }
        if bounds.closed() {
            break;
        }
        if enough.get() {
            break;
        }
        history.push(best);
        if history.len() > window {
            let then = history[history.len() - 1 - window];
            if best - then < gain * (bounds.ub - best) {
                break;
            }
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
