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

/// Multipliers to start from: each job's cost in the incumbent (the multipliers price a job's
/// occurrence, and its cost in a good sequence is a fair first price).
pub(super) fn initial_multipliers(pb: &Problem, best: &[usize]) -> Vec<f64> {
    let mut mu = vec![0.0; pb.m];
    let mut t = 0;
    for &j in best {
        t += pb.p[j];
        mu[j] = pb.cost(j, t);
    }
    mu
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
    fn forward(&mut self, pb: &Problem, mu: &[f64], mut table: Option<&mut Vec<f64>>) -> f64 {
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

    /// Nodes (t, j) through which some relaxed path may beat the incumbent, as a flag per
    /// t·m + j, plus the forward table F and the backward best-two that bound the arcs.
    pub(super) fn alive_nodes(&mut self, pb: &Problem, mu: &[f64], bounds: &Bounds) -> Alive {
        let m = pb.m;
        let h = pb.horizon;
        let mut f = vec![INF; (h + 1) * m];
        self.forward(pb, mu, Some(&mut f));
        let musum: f64 = mu.iter().sum();
        // backward: B(t, j) = cheapest completion from t when the last job was j
        let mut back = Stage1 {
            b1: vec![INF; h + 1],
            b2: vec![INF; h + 1],
            k1: vec![NONE; h + 1],
            k2: vec![NONE; h + 1],
        };
        back.b1[h] = 0.0;
        back.b2[h] = 0.0;
        for t in (0..h).rev() {
            let (mut b1, mut b2, mut k1, mut k2) = (INF, INF, NONE, NONE);
            for (k, &muk) in mu.iter().enumerate().take(m) {
                let tk = t + pb.p[k];
                if tk > h {
                    continue;
                }
                let rest = back.after(h, tk, k);
                if rest == INF {
                    continue;
                }
                let v = pb.cost(k, tk) - muk + rest;
                offer2(v, k as u32, &mut b1, &mut k1, &mut b2, &mut k2);
            }
            back.b1[t] = b1;
            back.b2[t] = b2;
            back.k1[t] = k1;
            back.k2[t] = k2;
        }
        let mut alive = vec![false; (h + 1) * m];
        for t in 1..=h {
            for j in 0..m {
                let fv = f[t * m + j];
                if fv < INF && bounds.keeps(fv + back.after(h, t, j) + musum) {
                    alive[t * m + j] = true;
                }
            }
        }
        Alive { alive, f, back }
    }

    /// Backward value from time t when the last job was j (0 at the horizon).
    #[inline]
    fn after(&self, h: usize, t: usize, j: usize) -> f64 {
        if t == h {
            0.0
        } else if self.k1[t] != j as u32 {
            self.b1[t]
        } else {
            self.b2[t]
        }
    }
}

/// What stage 1 hands to stage 2.
pub(super) struct Alive {
    pub(super) alive: Vec<bool>,
    /// F(t, j) at t·m + j.
    pub(super) f: Vec<f64>,
    back: Stage1,
}

impl Alive {
    /// Cheapest relaxed completion from t when the last job was j.
    #[inline]
    pub(super) fn after(&self, h: usize, t: usize, j: usize) -> f64 {
        self.back.after(h, t, j)
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
            if stall >= 10 {
                *lambda /= 2.0;
                stall = 0;
                if *lambda < 1e-3 {
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
