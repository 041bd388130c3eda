//! The Lagrangian time-indexed relaxation that gives every node its lower bound.
//!
//! Tanaka, Fujikuma & Araki (2009), stages 1–2: relax "each job exactly once" in the
//! time-indexed model. What is left is a sequence of jobs, repetitions allowed, filling
//! [0, P] exactly, with cost Σ (f_j(C_j) − μ_j) + Σ μ_j, solved by a DP over time with "no job
//! twice in a row" and, for integral data, "no strictly dominated adjacent pair".
//! Multipliers come from subgradient optimisation at the root. The DP table F(t, j) (cheapest
//! relaxed sequence filling [0, t] and ending with j) then bounds every node in O(1):
//! LB = g(S) + min{F(p(U), i) : i may precede k} + Σ_{i∈U} μ_i, because a relaxed head
//! followed by the exact tail is a relaxed sequence of the whole horizon. (With the adjacency
//! constraint this bounds every completion free of strictly improvable adjacent pairs, which
//! includes every optimal sequence, and that is all the pruning needs.)
//!
//! With real-valued p the horizon is scaled and every p_j rounded down (completions only get
//! earlier, so the bound stays valid) and only the "no repeat" constraint is used. When even
//! the scaled horizon is too long for a table, [`Relax::new`] gives up and the search falls
//! back to the linear bound of `bound.rs`.

use super::bound::Cut;
use std::cmp::Ordering;

use super::{INF, NONE};
use crate::budget::Budget;
use crate::tardiness::Jobs;

/// The relaxation of one instance: its (scaled) horizon, the multipliers and the DP tables
/// of the best multipliers found so far, which the search reads its node bounds from.
pub(super) struct Relax {
    m: usize,
    /// Relaxed time t' stands for real time s·t'.
    s: f64,
    /// Scaled processing times, ≥ 1 and with s·pp_j ≤ p_j.
    pub(super) pp: Vec<usize>,
    /// The scaled horizon Σ pp_j.
    pub(super) pt: usize,
    /// s = 1 and pp = p (integral p) and the table fits: completion times are exact, so the
    /// adjacent-pair rule may be used inside the relaxation.
    adjacency: bool,
    /// The multipliers the tables were built with, and their sum.
    pub(super) mu: Vec<f64>,
    pub(super) mu_sum: f64,
    // "No repeat" DP: best and second best value over the last job at each t.
    g1: Vec<f64>,
    g2: Vec<f64>,
    a1: Vec<u32>,
    a2: Vec<u32>,
    // Adjacency DP: fwd[t·m + j] and edge[t·m + j] (see `eval_adjacency`).
    fwd: Vec<f64>,
    edge: Vec<f64>,
    /// Which table the node bound reads.
    use_fwd: bool,
    /// Subgradient state, so that a second call continues where the first stopped.
    sg: Subgradient,
}

struct Subgradient {
    started: bool,
    mu: Vec<f64>,
    best: f64,
    best_mu: Vec<f64>,
    lambda: f64,
    stall: u32,
    /// No further progress is possible (step factor exhausted, bound closed, or the
    /// relaxed optimum is a permutation).
    converged: bool,
}

/// The cost of i (completing at `ci`) then j against j then i in the same two slots:
/// `Less` when i first is strictly cheaper.
#[inline]
fn pair_order(jobs: Jobs, i: usize, j: usize, ci: f64) -> Ordering {
    let start = ci - jobs.p[i];
    let cj = ci + jobs.p[j];
    let here = jobs.cost(i, ci) + jobs.cost(j, cj);
    let swapped = jobs.cost(j, start + jobs.p[j]) + jobs.cost(i, cj);
    here.total_cmp(&swapped)
}

/// i directly before j obeys the interchange rule with ties broken by index: swapping them
/// is dearer, or as dear and i < j. (Exact data: the costs are integers.)
#[inline]
pub(in crate::tardiness) fn tie_ok(jobs: Jobs, i: usize, j: usize, ci: f64) -> bool {
    match pair_order(jobs, i, j, ci) {
        Ordering::Less => true,
        Ordering::Equal => i < j,
        Ordering::Greater => false,
    }
}

/// i directly before j is not strictly dearer than j before i (the strict interchange rule,
/// which the pair at a head's boundary with the tail keeps).
#[inline]
pub(in crate::tardiness) fn strict_ok(jobs: Jobs, i: usize, j: usize, ci: f64) -> bool {
    pair_order(jobs, i, j, ci) != Ordering::Greater
}

/// Starting multipliers read off a good sequence: μ_j = f_j(C_j) + p_j·(weight of the tardy
/// jobs after j), i.e. j's own cost plus what its processing time costs the later jobs.
/// From there the Lagrangian bound rises several times faster than from μ = 0 (measured for
/// the branch and bound's root and for SSDP's stage 1).
pub(in crate::tardiness) fn initial_prices(jobs: Jobs, seq: &[usize]) -> Vec<f64> {
    let mut mu = vec![0.0; jobs.p.len()];
    let mut c = vec![0.0; jobs.p.len()];
    let mut t = 0.0;
    for &j in seq {
        t += jobs.p[j];
        c[j] = t;
    }
    let mut after = 0.0;
    for &j in seq.iter().rev() {
        let fj = jobs.cost(j, c[j]);
        mu[j] = fj + jobs.p[j] * after;
        if fj > 0.0 {
            after += jobs.w[j];
        }
    }
    mu
}

impl Relax {
    /// `None` when the scaled horizon would need a grid step longer than the shortest job.
    pub(super) fn new(jobs: Jobs) -> Option<Relax> {
        let m = jobs.p.len();
        let total: f64 = jobs.p.iter().sum();
        let pmin = jobs.p.iter().cloned().fold(INF, f64::min);
        // Horizon cap: the DP costs m·P' per evaluation and the adjacency table m·P' cells.
        let cap = (2.0e7 / m as f64).clamp(1000.0, 4.0e6);
        let integral_p = jobs.p.iter().all(|x| x.fract() == 0.0);
        let (s, exact) = if integral_p && total <= cap {
            (1.0, true)
        } else {
            // About 100 grid steps per average job, never coarser than the shortest job.
            let target = (100.0 * m as f64).min(cap);
            let s = (total / target).max(total / cap);
            if s > pmin {
                return None;
            }
            (s * (1.0 - 1e-12), false)
        };
        let pp: Vec<usize> = jobs
            .p
            .iter()
            .map(|&x| {
                if exact {
                    x as usize
                } else {
                    ((x / s).floor() as usize).max(1)
                }
            })
            .collect();
        if !exact && pp.iter().zip(jobs.p).any(|(&q, &x)| q as f64 * s > x) {
            return None; // guards the rounding argument; never expected to trigger
        }
        let pt: usize = pp.iter().sum();
        // The adjacency table costs up to m²·P' pair tests to build.
        let adjacency =
            exact && (m as f64) * (pt as f64 + 1.0) <= 1.0e7 && (m * m) as f64 * pt as f64 <= 2.0e9;
        Some(Relax {
            m,
            s,
            pp,
            pt,
            adjacency,
            mu: vec![0.0; m],
            mu_sum: 0.0,
            g1: vec![INF; pt + 1],
            g2: vec![INF; pt + 1],
            a1: vec![NONE; pt + 1],
            a2: vec![NONE; pt + 1],
            fwd: Vec::new(),
            edge: Vec::new(),
            use_fwd: false,
            sg: Subgradient {
                started: false,
                mu: vec![0.0; m],
                best: -INF,
                best_mu: vec![0.0; m],
                lambda: 1.5,
                stall: 0,
                converged: false,
            },
        })
    }

    #[inline]
    fn f(&self, jobs: Jobs, j: usize, t: usize) -> f64 {
        jobs.w[j] * (self.s * t as f64 - jobs.d[j]).max(0.0)
    }

    /// No-repeat DP with multipliers `mu`: returns L(μ) and fills `path` (jobs in time order).
    #[allow(clippy::needless_range_loop)] // j indexes several per-job arrays
    fn eval_norepeat(&mut self, jobs: Jobs, mu: &[f64], path: &mut Vec<usize>) -> f64 {
        // per job (p', w, d, μ) side by side: the inner loop is the hot spot of the root
        let per: Vec<(usize, f64, f64, f64)> = (0..self.m)
            .map(|j| (self.pp[j], jobs.w[j], jobs.d[j], mu[j]))
            .collect();
        // (best, second best, job of the best) per t side by side, one cache line per read;
        // t = 0 reads as "best 0 after no job", so the inner loop needs no test for it
        let mut state: Vec<(f64, f64, u32)> = Vec::with_capacity(self.pt + 1);
        state.push((0.0, INF, NONE));
        // below the longest job some jobs do not fit yet; from there on every job does
        let pmax = self.pp.iter().copied().max().unwrap_or(0);
        for t in 1..=self.pt {
            let (mut b1, mut j1, mut b2, mut j2) = (INF, NONE, INF, NONE);
            let ts = self.s * t as f64;
            let all_fit = t >= pmax;
            for (j, &(pj, wj, dj, mj)) in per.iter().enumerate() {
                if !all_fit && pj > t {
                    continue;
                }
                // INF stays INF below, so no test for an unreachable prev
                let (p1, p2, pa) = state[t - pj];
                let base = if pa != j as u32 { p1 } else { p2 };
                let v = base + wj * (ts - dj).max(0.0) - mj;
                if v < b2 {
                    if v < b1 {
                        b2 = b1;
                        j2 = j1;
                        b1 = v;
                        j1 = j as u32;
                    } else {
                        b2 = v;
                        j2 = j as u32;
                    }
                }
            }
            state.push((b1, b2, j1));
            self.g1[t] = b1;
            self.g2[t] = b2;
            self.a1[t] = j1;
            self.a2[t] = j2;
        }
        path.clear();
        let mut t = self.pt;
        let mut j = self.a1[t];
        while j != NONE {
            path.push(j as usize);
            let prev = t - self.pp[j as usize];
            if prev == 0 {
                break;
            }
            j = if self.a1[prev] != j {
                self.a1[prev]
            } else {
                self.a2[prev]
            };
            t = prev;
        }
        path.reverse();
        self.g1[self.pt] + mu.iter().sum::<f64>()
    }

    /// Adjacency DP (exact data only). `fwd` holds F(t, j): the cheapest relaxed path ending
    /// with j at t with no repeats and every adjacent pair kept by the interchange rule with
    /// ties broken by job index ([`tie_ok`]); `edge` holds the same but with only the strict
    /// rule on its last pair (the pair a node bound puts at the head/tail boundary). Returns
    /// L(μ). O(m²·P) in the worst case, but a pair test only runs for a predecessor that would
    /// improve a running minimum.
    ///
    /// Why the tie rule is safe in a node bound: for a node on the path of an optimal
    /// sequence σ, σ's head is an optimal order of U, and so is the optimal order of U with
    /// the fewest inversions against job index; that one obeys the tie rule inside (a
    /// violating pair could be swapped at no cost, removing an inversion), and no strictly
    /// improving swap exists at its boundary with the tail (σ is optimal). So it is a path of
    /// `edge`, and the bound stays at or below σ's objective whatever other rule chose σ.
    #[allow(clippy::needless_range_loop)] // j indexes several per-job arrays
    fn eval_adjacency(&mut self, jobs: Jobs, mu: &[f64]) -> f64 {
        let m = self.m;
        let cells = (self.pt + 1) * m;
        self.fwd.clear();
        self.fwd.resize(cells, INF);
        self.edge.clear();
        self.edge.resize(cells, INF);
        for t in 1..=self.pt {
            for j in 0..m {
                let pj = self.pp[j];
                if pj > t {
                    continue;
                }
                let prev = t - pj;
                let (tie, strict) = if prev == 0 {
                    (0.0, 0.0)
                } else {
                    let row = &self.fwd[prev * m..prev * m + m];
                    let (mut bt, mut bs) = (INF, INF);
                    for (i, &v) in row.iter().enumerate() {
                        if v < bs && i != j {
                            match pair_order(jobs, i, j, prev as f64) {
                                Ordering::Less => {
                                    bs = v;
                                    bt = bt.min(v);
                                }
                                Ordering::Equal => {
                                    bs = v;
                                    if i < j {
                                        bt = bt.min(v);
                                    }
                                }
                                Ordering::Greater => {}
                            }
                        } else if v < bt && i != j && tie_ok(jobs, i, j, prev as f64) {
                            bt = v;
                        }
                    }
                    (bt, bs)
                };
                let here = self.f(jobs, j, t) - mu[j];
                if tie < INF {
                    self.fwd[t * m + j] = tie + here;
                }
                if strict < INF {
                    self.edge[t * m + j] = strict + here;
                }
            }
        }
        let best = self.fwd[self.pt * m..].iter().cloned().fold(INF, f64::min);
        best + mu.iter().sum::<f64>()
    }

    /// Starts the multipliers at the prices ([`initial_prices`]) of whichever of `seqs`
    /// gives the highest bound (one no-repeat DP each). Where the subgradient starts decides
    /// how far it gets before its step factor runs out: on n200_tf0.8_rdd0.2_0 the prices of
    /// the caller's incumbent began 40,000 below those of another start and left the
    /// instance unproven at 60 s; from the best start it is proven in 2.5 s, and the n = 100
    /// set needs a third fewer nodes, rounds and DP cells (counting harness in tests.rs).
    /// Returns the bound of the chosen start.
    pub(super) fn seed_prices(&mut self, jobs: Jobs, seqs: &[Vec<usize>]) -> f64 {
        let mut path = Vec::new();
        let mut best: Option<(f64, Vec<f64>)> = None;
        for s in seqs {
            let mu = initial_prices(jobs, s);
            let l = self.eval_norepeat(jobs, &mu, &mut path);
            if best.as_ref().is_none_or(|b| l > b.0) {
                best = Some((l, mu));
            }
        }
        match best {
            Some((l, mu)) => {
                self.sg.started = true;
                self.sg.best_mu.clone_from(&mu);
                self.sg.mu = mu;
                l
            }
            None => -INF,
        }
    }

    /// Restarts the subgradient from the prices of `seq` ([`initial_prices`]) with a fresh
    /// step factor, forgetting the best multipliers so far (the caller keeps the bound they
    /// proved). For a seeded start the steps could not leave (see `STUCK_ROUNDS` in mod.rs).
    pub(super) fn restart_prices(&mut self, jobs: Jobs, seq: &[usize]) {
        let mu = initial_prices(jobs, seq);
        self.sg = Subgradient {
            started: true,
            best_mu: mu.clone(),
            mu,
            best: -INF,
            lambda: 1.5,
            stall: 0,
            converged: false,
        };
    }

    /// Subgradient optimisation of μ with the cheap no-repeat DP (Polyak steps towards the
    /// upper bound, the step factor halved after 10 rounds without progress), `rounds` more
    /// rounds from where the previous call stopped; then the table of the best multipliers
    /// for the node bound, with the adjacency DP where it applies (unless `tables` is false:
    /// then the caller adopts tables built elsewhere, and `self.mu` is left as it was).
    /// Returns the best L(μ) and, if a relaxed optimum was a permutation, that sequence.
    ///
    /// Start: [`Relax::seed_prices`] if called, else [`initial_prices`] of `ub_seq`. The
    /// second root phase on integral data tunes further on the adjacency relaxation instead
    /// (`tune_on_adjacency` in mod.rs).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn optimise(
        &mut self,
        jobs: Jobs,
        ub: f64,
        ub_seq: &[usize],
        cut: Cut,
        budget: &Budget,
        rounds: usize,
        tables: bool,
    ) -> (f64, Option<Vec<usize>>) {
        let m = self.m;
        let mut perm = None;
        let mut path = Vec::new();
        let mut counts = vec![0i64; m];
        let mut sg = std::mem::replace(
            &mut self.sg,
            Subgradient {
                started: true,
                mu: Vec::new(),
                best: -INF,
                best_mu: Vec::new(),
                lambda: 0.0,
                stall: 0,
                converged: true,
            },
        );
        if !sg.started {
            sg.started = true;
            sg.mu = initial_prices(jobs, ub_seq);
            sg.best_mu.clone_from(&sg.mu);
        }
        for it in 0..rounds {
            if sg.converged || (it % 4 == 0 && budget.exhausted()) {
                break;
            }
            let l = self.eval_norepeat(jobs, &sg.mu, &mut path);
            if l > sg.best + 1e-9 * sg.best.abs().max(1.0) {
                sg.stall = 0;
            } else {
                sg.stall += 1;
                if sg.stall >= 10 {
                    sg.lambda *= 0.5;
                    sg.stall = 0;
                }
            }
            if l > sg.best {
                sg.best = l;
                sg.best_mu.clone_from(&sg.mu);
            }
            counts.iter_mut().for_each(|c| *c = 0);
            for &j in &path {
                counts[j] += 1;
            }
            let norm: f64 = counts.iter().map(|&c| ((1 - c) * (1 - c)) as f64).sum();
            if norm == 0.0 {
                // The relaxed optimum is a permutation: a feasible sequence (and, with an
                // unscaled horizon, an optimal one). The subgradient is zero, so stop.
                if jobs.total(&path) < ub {
                    perm = Some(path.clone());
                }
                sg.converged = true;
                break;
            }
            if cut.closed(sg.best, ub) || sg.lambda < 1e-3 {
                sg.converged = true;
                break;
            }
            let step = sg.lambda * (ub - l).max(1e-6 * ub.abs().max(1.0)) / norm;
            for (mu, &c) in sg.mu.iter_mut().zip(&counts) {
                *mu += step * (1 - c) as f64;
            }
        }
        if budget.exhausted() || !tables {
            // No search follows, or the caller builds the tables (`adopt_tables`); leave
            // these as they are (consistent with self.mu).
            let best = sg.best;
            self.sg = sg;
            return (best, perm);
        }
        // Tables of the best multipliers for the node bound.
        self.mu.clone_from(&sg.best_mu);
        self.mu_sum = sg.best_mu.iter().sum();
        let best_mu = std::mem::take(&mut sg.best_mu);
        let l = if self.adjacency {
            self.use_fwd = true;
            self.eval_adjacency(jobs, &best_mu)
        } else {
            self.eval_norepeat(jobs, &best_mu, &mut path)
        };
        sg.best_mu = best_mu;
        let best = sg.best.max(l);
        self.sg = sg;
        (best, perm)
    }

    /// Takes the node-bound tables `fwd` and `edge` built elsewhere for multipliers `mu` (by
    /// SSDP's adjacency DP, the same relaxation as [`Relax::eval_adjacency`]: F(t, j) and
    /// E(t, j) at t·m + j) and stops further rounds here. Only where the adjacency table
    /// applies ([`Relax::has_adjacency`]).
    pub(super) fn adopt_tables(&mut self, mu: &[f64], fwd: Vec<f64>, edge: Vec<f64>) {
        debug_assert!(self.adjacency && fwd.len() == (self.pt + 1) * self.m && edge.len() == fwd.len());
        self.mu = mu.to_vec();
        self.mu_sum = mu.iter().sum();
        self.sg.best_mu = mu.to_vec();
        self.sg.mu = mu.to_vec();
        self.sg.converged = true;
        self.use_fwd = true;
        self.fwd = fwd;
        self.edge = edge;
    }

    /// F(t, j) at t·m + j of the tables the node bounds read (nodes removed against the
    /// incumbent are INF); only where [`Relax::has_adjacency`].
    pub(super) fn fwd_table(&self) -> &[f64] {
        &self.fwd
    }

    /// Test access: the stage-1 adjacency tables for `mu` (nothing removed), as the node
    /// bounds would read them, and L(μ).
    #[cfg(test)]
    pub(super) fn adjacency_tables(&mut self, jobs: Jobs, mu: &[f64]) -> f64 {
        self.mu = mu.to_vec();
        self.mu_sum = mu.iter().sum();
        self.use_fwd = true;
        self.eval_adjacency(jobs, mu)
    }

    /// Test access: E(t, k) at t·m + k of the tables the node bounds read.
    #[cfg(test)]
    pub(super) fn edge_table(&self) -> &[f64] {
        &self.edge
    }

    /// The best multipliers the subgradient rounds found so far.
    pub(super) fn best_mu(&self) -> &[f64] {
        &self.sg.best_mu
    }

    /// Exact completion times and a table that fits: the node bounds use `fwd`/`edge`.
    pub(super) fn has_adjacency(&self) -> bool {
        self.adjacency
    }

    /// True when further subgradient rounds cannot raise the bound.
    pub(super) fn converged(&self) -> bool {
        self.sg.converged
    }

    /// Lower bound on the relaxed cost of a head filling [0, tp] (scaled) that is followed by
    /// job `next` (NONE: nothing follows), without the Σ_{U} μ term.
    #[inline]
    pub(super) fn head(&self, jobs: Jobs, tp: usize, next: u32) -> f64 {
        if tp == 0 {
            return 0.0;
        }
        if self.use_fwd {
            let m = self.m;
            if next == NONE {
                return self.fwd[tp * m..tp * m + m].iter().cloned().fold(INF, f64::min);
            }
            let k = next as usize;
            let t = tp + self.pp[k];
            let v = self.edge[t * m + k];
            if v == INF {
                return INF;
            }
            v - self.f(jobs, k, t) + self.mu[k]
        } else if next != NONE && self.a1[tp] == next {
            self.g2[tp]
        } else {
            self.g1[tp]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::SplitMix64;

    /// The plain O(m²·P) DP of the no-repeat relaxation over (t, last job), straight from
    /// its definition.
    fn norepeat_by_definition(r: &Relax, jobs: Jobs, mu: &[f64]) -> f64 {
        let (m, pt) = (r.m, r.pt);
        let mut best = vec![vec![INF; m]; pt + 1];
        for t in 1..=pt {
            for j in 0..m {
                let pj = r.pp[j];
                if pj > t {
                    continue;
                }
                let before = if t == pj {
                    0.0
                } else {
                    (0..m)
                        .filter(|&i| i != j)
                        .map(|i| best[t - pj][i])
                        .fold(INF, f64::min)
                };
                best[t][j] = before + r.f(jobs, j, t) - mu[j];
            }
        }
        best[pt].iter().cloned().fold(INF, f64::min) + mu.iter().sum::<f64>()
    }

    /// The fast no-repeat DP (best and second best per t, jobs longer than t skipped only
    /// below the longest job) gives the value of the definition, and a path of that value
    /// that fills the horizon with no job twice in a row; integral and scaled horizons.
    #[test]
    fn norepeat_dp_matches_its_definition() {
        let mut g = SplitMix64::from_state(7);
        for case in 0..300 {
            let n = 1 + case % 6;
            let real = case % 3 == 2;
            let p: Vec<f64> = (0..n)
                .map(|_| g.int(1, 60) as f64 + if real { g.uniform() } else { 0.0 })
                .collect();
            let total: f64 = p.iter().sum();
            let d: Vec<f64> = (0..n).map(|_| (g.uniform() * total).floor()).collect();
            let w: Vec<f64> = (0..n).map(|_| g.int(1, 10) as f64).collect();
            let mu: Vec<f64> = (0..n).map(|_| g.uniform() * 2.0 * total).collect();
            let jobs = Jobs { p: &p, w: &w, d: &d };
            let Some(mut r) = Relax::new(jobs) else {
                continue;
            };
            let mut path = Vec::new();
            let fast = r.eval_norepeat(jobs, &mu, &mut path);
            let slow = norepeat_by_definition(&r, jobs, &mu);
            assert!(
                (fast - slow).abs() <= 1e-9 * slow.abs().max(1.0),
                "{fast} vs {slow}: p={p:?}"
            );
            if slow < INF {
                assert!(path.windows(2).all(|x| x[0] != x[1]), "repeat in {path:?}");
                let mut t = 0;
                let mut cost = mu.iter().sum::<f64>();
                for &j in &path {
                    t += r.pp[j];
                    cost += r.f(jobs, j, t) - mu[j];
                }
                assert_eq!(t, r.pt, "path {path:?} does not fill the horizon");
                assert!(
                    (cost - fast).abs() <= 1e-9 * fast.abs().max(1.0),
                    "path costs {cost}, DP {fast}"
                );
            }
        }
    }
}

#[cfg(test)]
mod seed_tests {
    use super::{initial_prices, Relax};
    use crate::budget::Budget;
    use crate::tardiness::exact_bb::bound::Cut;
    use crate::tardiness::Jobs;
    use crate::util::SplitMix64;

    /// `seed_prices` starts the subgradient at the candidate whose prices give the highest
    /// bound, and `optimise` keeps that start instead of the prices of its own `ub_seq`
    /// (here the worst candidate, so ignoring the seed shows up as a lower first bound).
    #[test]
    fn seeded_start_is_the_best_candidates_prices() {
        let mut g = SplitMix64::from_state(41);
        let mut differ = 0;
        for case in 0..200 {
            let n = 5 + case % 25;
            let p: Vec<f64> = (0..n).map(|_| g.int(1, 30) as f64).collect();
            let total: f64 = p.iter().sum();
            let d: Vec<f64> = (0..n).map(|_| (g.uniform() * total).floor()).collect();
            let w: Vec<f64> = (0..n).map(|_| g.int(1, 10) as f64).collect();
            let jobs = Jobs { p: &p, w: &w, d: &d };
            let seqs: Vec<Vec<usize>> = (0..4)
                .map(|_| {
                    let mut s: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        s.swap(i, g.below(i + 1));
                    }
                    s
                })
                .collect();
            let mut r = Relax::new(jobs).expect("small integral horizon");
            let mut path = Vec::new();
            let bounds: Vec<f64> = seqs
                .iter()
                .map(|s| r.eval_norepeat(jobs, &initial_prices(jobs, s), &mut path))
                .collect();
            let best = bounds.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let worst = (0..4).min_by(|&a, &b| bounds[a].total_cmp(&bounds[b])).unwrap();
            if bounds[worst] < best {
                differ += 1;
            }
            r.seed_prices(jobs, &seqs);
            let ub = seqs.iter().map(|s| jobs.total(s)).fold(f64::INFINITY, f64::min);
            let cut = Cut { integral: true };
            let (first, _) = r.optimise(jobs, ub + 1e9, &seqs[worst], cut, &Budget::unlimited(), 1, false);
            assert_eq!(first, best, "case {case}: bounds {bounds:?}");
        }
        assert!(
            differ > 100,
            "the candidates' prices should usually differ ({differ})"
        );
    }
}
