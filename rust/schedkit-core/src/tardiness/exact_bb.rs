//! Exact 1||Σw_jT_j: branch and bound with backward sequencing, memoised dominance over job
//! sets, and a Lagrangian time-indexed lower bound.
//!
//! **Branching.** A node fixes the tail of the sequence: a set S of jobs in a fixed order at
//! the end. The remaining jobs U (the "head") fill [0, p(U)], so the start of the tail is
//! known and the tail's cost g(S) is exact. A child puts one more job j ∈ U last in the head;
//! it completes at p(U).
//!
//! **Dominance.** Every rule below says "some optimal order of U in [0, p(U)] ends with a job
//! from the candidate set C(U)", or removes only sequences that are strictly improvable, so
//! min over C(U) still gives the optimum of each head problem:
//! - *Static precedence* (Emmons rule 1 adapted to weights, cf. Rinnooy Kan, Lageweg &
//!   Lenstra 1975, without the predecessor-set term): i → j when p_i ≤ p_j, w_i ≥ w_j and
//!   d_i ≤ d_j (ties by the order (p, −w, d, id)). Swapping a violating pair moves the jobs in
//!   between earlier and, by convexity of max(0, ·), does not raise the cost; it also lowers
//!   the number of inversions against that total order, so an optimal order of every U obeys
//!   all of them. Hence only jobs without a successor left in U may be last.
//! - *Emmons rule 3*: if some j ∈ U has d_j ≥ p(U) it can be last (it is on time there and
//!   everyone else only gets earlier); we branch on that job alone. Any such job will do,
//!   since each rule is a statement about one head problem and the next level's head problem
//!   U ∖ j again has an optimal order obeying the precedences (we take the largest in the
//!   total order, which is also free of successors in U).
//! - *Adjacent interchange*: j directly before the tail's first job k is dropped when k, j
//!   (same two slots) is strictly cheaper; such a sequence is never optimal.
//! - *Memo dominance on sets*: two nodes with the same S have the same head problem, so
//!   only the one with the smaller g(S) is explored (a hash map from the set U to the best
//!   g seen). With depth-first search a set's owner is always either finished or still on
//!   the stack, so nothing is lost.
//! - *Exact heads*: EDD order of U with no tardy job, or WSPT order of U with every job
//!   tardy (then ΣwT = Σw(C − d) and WSPT minimises ΣwC), close a node directly.
//!
//! **Bound.** Lagrangian relaxation of "each job exactly once" in the time-indexed model
//! (Tanaka, Fujikuma & Araki 2009, stages 1–2): a sequence of jobs, repetitions allowed,
//! filling [0, P] exactly, with cost Σ (f_j(C_j) − μ_j) + Σ μ_j. Solved by DP over time with
//! "no job twice in a row" and, for integral data, "no strictly dominated adjacent pair".
//! Multipliers come from subgradient optimisation at the root. The DP table F(t, j) (cheapest
//! relaxed sequence filling [0, t] and ending with j) then bounds every node in O(1):
//! LB = g(S) + min{F(p(U), i) : i may precede k} + Σ_{i∈U} μ_i, because a relaxed head
//! followed by the exact tail is a relaxed sequence of the whole horizon. (With the adjacency
//! constraint this bounds every completion free of strictly improvable adjacent pairs, which
//! includes every optimal sequence, and that is all the pruning needs.) With integral data
//! every objective is an integer, so a node closes as soon as its bound exceeds UB − 1.
//! With real-valued
//! p the horizon is scaled and every p_j rounded down (completions only get earlier, so the
//! bound stays valid) and only the "no repeat" constraint is used. When the horizon is too
//! long for a table, a linear bound (Σ w_j(C_j − d_j) under WSPT) is used instead.

use super::exact_dp::{
    descend, iterated_search, simple_lower_bound, solve_unweighted, sorted_by, FastMap, Jobs, QUADRATIC_LIMIT,
};
use super::{rules, settle_trivial, Instance, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

const NONE: u32 = u32::MAX;
const INF: f64 = f64::INFINITY;
/// Subgradient rounds at the root before the first search (each costs one O(m·P) DP), and
/// the further rounds (at most) before the second search if the first hits its node limit.
const FIRST_ROUNDS: usize = 60;
const MORE_ROUNDS: usize = 400;

/// Exact 1||Σw_jT_j by branch and bound (see the module notes). `incumbent`, if given, must be
/// a permutation and is used as a starting upper bound. Equal positive weights are handed to
/// Lawler's DP; zero-weight jobs are put last (they cost nothing and delay nobody there).
pub fn solve_weighted(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
) -> CoreResult<Solution> {
    if let Some(done) = settle_trivial(inst, incumbent.as_deref(), budget)? {
        return Ok(done);
    }
    let n = inst.len();
    let (p, w, d) = (inst.p(), inst.w(), inst.d());
    let core: Vec<usize> = (0..n).filter(|&j| w[j] > 0.0).collect();
    let zeros: Vec<usize> = (0..n).filter(|&j| w[j] <= 0.0).collect();
    let mut index = vec![NONE; n];
    for (r, &j) in core.iter().enumerate() {
        index[j] = r as u32;
    }
    // The caller's incumbent restricted to the positive-weight jobs (dropping the zero-weight
    // jobs moves everyone else earlier, so it is no worse).
    let sub_incumbent: Option<Vec<usize>> = incumbent.as_ref().map(|s| {
        s.iter()
            .filter(|&&j| index[j] != NONE)
            .map(|&j| index[j] as usize)
            .collect()
    });
    let finish = |core_seq: Vec<usize>, optimal: bool, lb: f64| -> Solution {
        let mut sequence: Vec<usize> = core_seq.into_iter().map(|r| core[r]).collect();
        sequence.extend_from_slice(&zeros);
        let mut objective = inst.objective(&sequence);
        if let Some(inc) = &incumbent {
            let o = inst.objective(inc);
            if o < objective {
                sequence = inc.clone();
                objective = o;
            }
        }
        if optimal {
            Solution {
                sequence,
                objective,
                optimal,
                lower_bound: objective,
            }
        } else {
            let lb = lb.max(0.0).min(objective);
            Solution {
                sequence,
                objective,
                optimal: lb >= objective,
                lower_bound: lb,
            }
        }
    };
    if core.is_empty() {
        return Ok(finish(Vec::new(), true, 0.0));
    }
    let cp: Vec<f64> = core.iter().map(|&j| p[j]).collect();
    let cw: Vec<f64> = core.iter().map(|&j| w[j]).collect();
    let cd: Vec<f64> = core.iter().map(|&j| d[j]).collect();

    let w0 = cw[0];
    if cw.iter().all(|&x| x == w0) {
        // ΣwT = w0·ΣT: Lawler's DP is far faster than any branch and bound.
        let sub = Instance::new(cp, cd, None)?;
        let sol = solve_unweighted(&sub, sub_incumbent, budget)?;
        return Ok(finish(sol.sequence, sol.optimal, sol.lower_bound * w0));
    }
    let out = branch_and_bound(
        Jobs {
            p: &cp,
            w: &cw,
            d: &cd,
        },
        sub_incumbent,
        budget,
        true,
    )?;
    Ok(finish(out.seq, out.optimal, out.lb))
}

struct Outcome {
    seq: Vec<usize>,
    optimal: bool,
    lb: f64,
}

impl Outcome {
    /// `seq` is optimal: its objective `ub` is also the bound.
    fn proven(seq: Vec<usize>, ub: f64) -> CoreResult<Outcome> {
        Ok(Outcome {
            seq,
            optimal: true,
            lb: ub,
        })
    }

    /// Stopped by the time limit with the valid lower bound `lb`.
    fn stopped(seq: Vec<usize>, lb: f64) -> CoreResult<Outcome> {
        Ok(Outcome {
            seq,
            optimal: false,
            lb,
        })
    }
}

/// Decides "this bound cannot lead to a strictly better sequence than `ub`". With integral
/// data every objective is an integer, so a bound above ub − 1 already closes a node.
#[derive(Clone, Copy)]
struct Cut {
    integral: bool,
}

impl Cut {
    #[inline]
    fn closed(self, lb: f64, ub: f64) -> bool {
        if self.integral {
            lb > ub - 1.0 + 1e-6
        } else {
            lb >= ub - 1e-9 * ub.abs().max(1.0)
        }
    }
    /// A reportable lower bound (rounded up to an integer when the data are integral; the
    /// 1e-6 slack absorbs float error in the Lagrangian sums).
    fn report(self, lb: f64) -> f64 {
        if self.integral {
            (lb - 1e-6).ceil()
        } else {
            lb - 1e-9 * lb.abs().max(1.0)
        }
    }
}

/// `improve = false` (unit tests only) skips the heuristics, so that the search itself has to
/// find the optimum and any unsafe pruning shows up as a wrong value.
fn branch_and_bound(
    jobs: Jobs,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    improve: bool,
) -> CoreResult<Outcome> {
    let m = jobs.p.len();
    let total_p: f64 = jobs.p.iter().sum();
    let integral = jobs
        .p
        .iter()
        .chain(jobs.w)
        .chain(jobs.d)
        .all(|x| x.fract() == 0.0)
        && total_p * jobs.w.iter().cloned().fold(0.0, f64::max) * (m as f64) < 1e15;
    let cut = Cut { integral };

    // ---- Upper bound: several constructive starts, a descent on each, ILS on the best. ----
    let edd = sorted_by(m, |j| (jobs.d[j], jobs.p[j]));
    let wspt = sorted_by(m, |j| (jobs.p[j] / jobs.w[j], jobs.d[j]));
    let mut starts = Vec::new();
    if let Some(s) = incumbent {
        starts.push(s);
    }
    starts.push(edd.clone());
    starts.push(wspt.clone());
    if improve && m <= QUADRATIC_LIMIT && !budget.exhausted() {
        let inst = jobs.instance()?;
        starts.push(rules::mdd(&inst));
        for k in [0.5, 1.0, 2.0, 4.0] {
            if budget.exhausted() {
                break;
            }
            starts.push(rules::atc(&inst, k));
        }
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    for mut s in starts {
        if improve {
            descend(jobs, &mut s, budget, if m <= 150 { m } else { 30 });
        }
        let o = jobs.total(&s);
        if best.as_ref().is_none_or(|b| o < b.0) {
            best = Some((o, s));
        }
    }
    let (_, mut seq) = best.unwrap_or((0.0, edd.clone()));
    // A short ILS: the search itself closes the remaining gap quickly, so a long one mostly
    // costs time; it matters when the time limit stops the search.
    if improve {
        iterated_search(jobs, &mut seq, budget, if m <= 150 { 20 } else { 5 }, 0x5eed);
    }
    let mut ub = jobs.total(&seq);
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    let simple = simple_lower_bound(jobs);
    if ub == 0.0 || cut.closed(simple, ub) {
        return Outcome::proven(seq, ub);
    }
    if budget.exhausted() {
        return Outcome::stopped(seq, cut.report(simple));
    }

    // ---- Lagrangian time-indexed relaxation at the root. ----
    let mut root_lb = simple;
    let mut relax = Relax::new(jobs);
    if let Some(r) = relax.as_mut() {
        let (lb, perm) = r.optimise(jobs, ub, &seq, cut, budget, FIRST_ROUNDS);
        if let Some(perm) = perm {
            let o = jobs.total(&perm);
            if o < ub {
                ub = o;
                seq = perm;
            }
        }
        root_lb = root_lb.max(lb);
    }

    // ---- Depth-first branch and bound over tails, in at most two rounds: a first search
    // with a node limit of about the work of the first subgradient rounds; if that is not
    // enough, the multipliers are improved further (a tighter bound shrinks hard searches
    // many times over) and the search restarts, keeping its incumbent, without a limit.
    let mut phase = 0;
    loop {
        if budget.interrupted() {
            return Err(CoreError::Interrupted);
        }
        if cut.closed(root_lb, ub) {
            return Outcome::proven(seq, ub);
        }
        if budget.exhausted() {
            return Outcome::stopped(seq, cut.report(root_lb).min(ub));
        }
        let node_limit = match relax.as_ref() {
            Some(r) if phase == 0 && !r.sg.converged => {
                (0.4 * m as f64 * r.pt as f64).clamp(2.0e4, 2.0e6) as u64
            }
            _ => u64::MAX,
        };
        let end = search(
            jobs,
            relax.as_ref(),
            cut,
            &edd,
            &wspt,
            ub,
            seq.clone(),
            budget,
            node_limit,
        )?;
        match end {
            SearchEnd::Done(bseq, bub) => return Outcome::proven(bseq, bub),
            SearchEnd::TimeOut(bseq, bub, pending) => {
                let lb = root_lb.max(pending.min(bub));
                return Outcome::stopped(bseq, cut.report(lb).min(bub));
            }
            SearchEnd::NodeLimit(bseq, bub) => {
                seq = bseq;
                ub = bub;
                if let Some(r) = relax.as_mut() {
                    let (lb, perm) = r.optimise(jobs, ub, &seq, cut, budget, MORE_ROUNDS);
                    if let Some(perm) = perm {
                        let o = jobs.total(&perm);
                        if o < ub {
                            ub = o;
                            seq = perm;
                        }
                    }
                    root_lb = root_lb.max(lb);
                }
                phase += 1;
            }
        }
    }
}

enum SearchEnd {
    /// Finished: the sequence is optimal.
    Done(Vec<usize>, f64),
    /// Stopped by the time limit, with the smallest bound over the open nodes.
    TimeOut(Vec<usize>, f64, f64),
    /// Stopped by the node limit.
    NodeLimit(Vec<usize>, f64),
}

/// Runs the search with a set type sized for m jobs (up to 1024; beyond that no search, the
/// heuristic answer stands with the root bound).
#[allow(clippy::too_many_arguments)]
fn search(
    jobs: Jobs,
    relax: Option<&Relax>,
    cut: Cut,
    edd: &[usize],
    wspt: &[usize],
    ub: f64,
    seq: Vec<usize>,
    budget: &Budget,
    node_limit: u64,
) -> CoreResult<SearchEnd> {
    match jobs.p.len().div_ceil(64) {
        1 => Search::<1>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        2 => Search::<2>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        3 | 4 => Search::<4>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        5..=8 => Search::<8>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        9..=16 => Search::<16>::new(jobs, relax, cut, edd, wspt, ub, seq, budget).run(node_limit),
        _ => Ok(SearchEnd::TimeOut(seq, ub, -INF)),
    }
}

// ---------------------------------------------------------------------------------------------
// The relaxation.

/// "i then j", with i completing at `ci`, costs strictly more than "j then i" in the same two
/// slots: such an adjacent pair never occurs in an optimal sequence.
#[inline]
fn pair_dominated(jobs: Jobs, i: usize, j: usize, ci: f64) -> bool {
    let start = ci - jobs.p[i];
    let cj = ci + jobs.p[j];
    let cur = jobs.cost(i, ci) + jobs.cost(j, cj);
    let alt = jobs.cost(j, start + jobs.p[j]) + jobs.cost(i, cj);
    alt < cur
}

struct Relax {
    m: usize,
    /// Relaxed time t' stands for real time s·t'.
    s: f64,
    /// Scaled processing times, ≥ 1 and with s·pp_j ≤ p_j.
    pp: Vec<usize>,
    pt: usize,
    /// s = 1 and pp = p (integral p) and the table fits: completion times are exact, so the
    /// adjacent-pair rule may be used inside the relaxation.
    adjacency: bool,
    mu: Vec<f64>,
    mu_sum: f64,
    // "No repeat" DP: best and second best value over the last job at each t.
    g1: Vec<f64>,
    g2: Vec<f64>,
    a1: Vec<u32>,
    a2: Vec<u32>,
    // Adjacency DP: fwd[t·m + j].
    fwd: Vec<f64>,
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

impl Relax {
    fn new(jobs: Jobs) -> Option<Relax> {
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
            exact && (m as f64) * (pt as f64 + 1.0) <= 4.0e6 && (m * m) as f64 * pt as f64 <= 3.0e8;
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
        let m = self.m;
        for t in 1..=self.pt {
            let (mut b1, mut j1, mut b2, mut j2) = (INF, NONE, INF, NONE);
            for j in 0..m {
                let pj = self.pp[j];
                if pj > t {
                    continue;
                }
                let prev = t - pj;
                let base = if prev == 0 {
                    0.0
                } else if self.a1[prev] != j as u32 {
                    self.g1[prev]
                } else {
                    self.g2[prev]
                };
                if base == INF {
                    continue;
                }
                let v = base + self.f(jobs, j, t) - mu[j];
                if v < b1 {
                    b2 = b1;
                    j2 = j1;
                    b1 = v;
                    j1 = j as u32;
                } else if v < b2 {
                    b2 = v;
                    j2 = j as u32;
                }
            }
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

    /// Adjacency DP (exact data only): no repeats and no strictly dominated adjacent pair.
    /// Fills `fwd` and returns L(μ). O(m²·P) in the worst case, but the pair test only runs
    /// for a predecessor that would improve the running minimum.
    #[allow(clippy::needless_range_loop)] // j indexes several per-job arrays
    fn eval_adjacency(&mut self, jobs: Jobs, mu: &[f64]) -> f64 {
        let m = self.m;
        let cells = (self.pt + 1) * m;
        self.fwd.clear();
        self.fwd.resize(cells, INF);
        for t in 1..=self.pt {
            for j in 0..m {
                let pj = self.pp[j];
                if pj > t {
                    continue;
                }
                let prev = t - pj;
                let base = if prev == 0 {
                    0.0
                } else {
                    let row = &self.fwd[prev * m..prev * m + m];
                    let mut b = INF;
                    for (i, &v) in row.iter().enumerate() {
                        if v < b && i != j && !pair_dominated(jobs, i, j, prev as f64) {
                            b = v;
                        }
                    }
                    b
                };
                if base < INF {
                    self.fwd[t * m + j] = base + self.f(jobs, j, t) - mu[j];
                }
            }
        }
        let best = self.fwd[self.pt * m..].iter().cloned().fold(INF, f64::min);
        best + mu.iter().sum::<f64>()
    }

    /// Subgradient optimisation of μ with the cheap no-repeat DP (Polyak steps towards the
    /// upper bound, the step factor halved after 10 rounds without progress), `rounds` more
    /// rounds from where the previous call stopped; then the table of the best multipliers
    /// for the node bound, with the adjacency DP where it applies. Returns the best L(μ) and,
    /// if a relaxed optimum was a permutation, that sequence.
    ///
    /// Start: μ_j = f_j(C_j) + p_j·(weight of the tardy jobs after j) read off the incumbent,
    /// i.e. j's own cost plus what its processing time costs the later jobs; from there the
    /// bound rises several times faster than from μ = 0. Running the subgradient with the
    /// adjacency DP as well was tried and did not raise the bound.
    fn optimise(
        &mut self,
        jobs: Jobs,
        ub: f64,
        ub_seq: &[usize],
        cut: Cut,
        budget: &Budget,
        rounds: usize,
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
            let mut c = vec![0.0; m];
            let mut t = 0.0;
            for &j in ub_seq {
                t += jobs.p[j];
                c[j] = t;
            }
            let mut after = 0.0;
            for &j in ub_seq.iter().rev() {
                let fj = jobs.cost(j, c[j]);
                sg.mu[j] = fj + jobs.p[j] * after;
                if fj > 0.0 {
                    after += jobs.w[j];
                }
            }
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
        if budget.exhausted() {
            // No search follows; leave the tables as they are (consistent with self.mu).
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

    /// Lower bound on the relaxed cost of a head filling [0, tp] (scaled) that is followed by
    /// job `next` (NONE: nothing follows), without the Σ_{U} μ term.
    #[inline]
    fn head(&self, jobs: Jobs, tp: usize, next: u32) -> f64 {
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
            let v = self.fwd[t * m + k];
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

// ---------------------------------------------------------------------------------------------
// The search.

#[derive(Clone, Copy)]
struct Child {
    lb: f64,
    j: u32,
    g: f64,
}

struct Frame {
    job: u32,
    prev_tu: f64,
    prev_g: f64,
    prev_mu: f64,
    prev_k: u32,
    children: Vec<Child>,
    pos: usize,
}

struct Search<'a, const W: usize> {
    jobs: Jobs<'a>,
    m: usize,
    relax: Option<&'a Relax>,
    cut: Cut,
    preds: Vec<Vec<u32>>,
    lex: Vec<u32>,
    edd: &'a [usize],
    wspt: &'a [usize],
    memo: FastMap<[u64; W], f64>,
    max_memo: usize,
    ub: f64,
    best: Vec<usize>,
    budget: &'a Budget<'a>,
    // current node
    u: [u64; W],
    tu: f64,
    tp: usize,
    k: u32,
    g: f64,
    mu_u: f64,
    succ: Vec<u32>,
    path: Vec<usize>,
    spare: Vec<Vec<Child>>,
    head_buf: Vec<usize>,
}

#[inline]
fn has<const W: usize>(u: &[u64; W], j: usize) -> bool {
    u[j >> 6] >> (j & 63) & 1 == 1
}

impl<'a, const W: usize> Search<'a, W> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        jobs: Jobs<'a>,
        relax: Option<&'a Relax>,
        cut: Cut,
        edd: &'a [usize],
        wspt: &'a [usize],
        ub: f64,
        best: Vec<usize>,
        budget: &'a Budget<'a>,
    ) -> Self {
        let m = jobs.p.len();
        // The total order (p, −w, d, id) that extends the static precedence relation.
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| {
            jobs.p[a]
                .total_cmp(&jobs.p[b])
                .then((-jobs.w[a]).total_cmp(&-jobs.w[b]))
                .then(jobs.d[a].total_cmp(&jobs.d[b]))
                .then(a.cmp(&b))
        });
        let mut lex = vec![0u32; m];
        for (r, &j) in order.iter().enumerate() {
            lex[j] = r as u32;
        }
        let mut preds = vec![Vec::new(); m];
        let mut succ = vec![0u32; m];
        for i in 0..m {
            for j in 0..m {
                if i != j
                    && jobs.p[i] <= jobs.p[j]
                    && jobs.w[i] >= jobs.w[j]
                    && jobs.d[i] <= jobs.d[j]
                    && lex[i] < lex[j]
                {
                    preds[j].push(i as u32);
                    succ[i] += 1;
                }
            }
        }
        let mut u = [0u64; W];
        for j in 0..m {
            u[j >> 6] |= 1 << (j & 63);
        }
        let tp = relax.map_or(0, |r| r.pt);
        let mu_u = relax.map_or(0.0, |r| r.mu_sum);
        // Keep the memo to roughly 256 MB.
        let max_memo = (256usize << 20) / (8 * W + 24);
        Search {
            jobs,
            m,
            relax,
            cut,
            preds,
            lex,
            edd,
            wspt,
            memo: FastMap::default(),
            max_memo,
            ub,
            best,
            budget,
            u,
            tu: jobs.p.iter().sum(),
            tp,
            k: NONE,
            g: 0.0,
            mu_u,
            succ,
            path: Vec::with_capacity(m),

            spare: Vec::new(),
            head_buf: Vec::with_capacity(m),
        }
    }

    fn record(&mut self, cost: f64) {
        if cost < self.ub {
            self.ub = cost;
            self.best.clear();
            self.best.extend_from_slice(&self.head_buf);
            self.best.extend(self.path.iter().rev());
        }
    }

    /// Linear bound for the head when there is no relaxation table: Σ_{U} w_j (C_j − d_j)
    /// under WSPT (T_j ≥ C_j − d_j and WSPT minimises Σ w_j C_j), and 0.
    fn linear_head(&self, u: &[u64; W]) -> f64 {
        let mut c = 0.0;
        let mut s = 0.0;
        for &j in self.wspt {
            if has(u, j) {
                c += self.jobs.p[j];
                s += self.jobs.w[j] * (c - self.jobs.d[j]);
            }
        }
        s.max(0.0)
    }

    /// Closes the current node or lists its children (sorted by bound).
    fn expand(&mut self) -> Vec<Child> {
        let mut out = self.spare.pop().unwrap_or_default();
        out.clear();
        let jobs = self.jobs;
        let u = self.u;
        if u.iter().all(|&x| x == 0) {
            self.head_buf.clear();
            self.record(self.g);
            return out;
        }
        // Exact heads: EDD with no tardy job, or WSPT with every job tardy.
        let mut c = 0.0;
        let mut ok = true;
        for &j in self.edd {
            if has(&u, j) {
                c += jobs.p[j];
                if c > jobs.d[j] {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            self.head_buf.clear();
            self.head_buf
                .extend(self.edd.iter().copied().filter(|&j| has(&u, j)));
            self.record(self.g);
            return out;
        }
        let mut c = 0.0;
        let mut hc = 0.0;
        let mut ok = true;
        for &j in self.wspt {
            if has(&u, j) {
                c += jobs.p[j];
                if c < jobs.d[j] {
                    ok = false;
                    break;
                }
                hc += jobs.w[j] * (c - jobs.d[j]);
            }
        }
        if ok {
            self.head_buf.clear();
            self.head_buf
                .extend(self.wspt.iter().copied().filter(|&j| has(&u, j)));
            self.record(self.g + hc);
            return out;
        }
        let tu = self.tu;
        // Emmons rule 3: a job on time at the end of the head goes last.
        let mut single = NONE;
        for j in 0..self.m {
            if has(&u, j) && jobs.d[j] >= tu && (single == NONE || self.lex[j] > self.lex[single as usize]) {
                single = j as u32;
            }
        }
        let k = self.k;
        for j in 0..self.m {
            if !has(&u, j) {
                continue;
            }
            if single != NONE {
                if j as u32 != single {
                    continue;
                }
            } else if self.succ[j] != 0 {
                continue;
            }
            if k != NONE && pair_dominated(jobs, j, k as usize, tu) {
                continue;
            }
            let g = self.g + jobs.cost(j, tu);
            let mut key = u;
            key[j >> 6] &= !(1u64 << (j & 63));
            let head = match self.relax {
                Some(r) => r.head(jobs, self.tp - r.pp[j], j as u32) + (self.mu_u - r.mu[j]),
                None => self.linear_head(&key),
            };
            let lb = g + head;
            if self.cut.closed(lb, self.ub) {
                continue;
            }
            match self.memo.get_mut(&key) {
                Some(gs) => {
                    if *gs <= g {
                        continue;
                    }
                    *gs = g;
                }
                None => {
                    if self.memo.len() < self.max_memo {
                        self.memo.insert(key, g);
                    }
                }
            }
            out.push(Child { lb, j: j as u32, g });
        }
        out.sort_by(|a, b| a.lb.total_cmp(&b.lb).then(a.g.total_cmp(&b.g)));
        out
    }

    fn apply(&mut self, ch: Child) {
        let j = ch.j as usize;
        self.u[j >> 6] &= !(1u64 << (j & 63));
        self.tu -= self.jobs.p[j];
        if let Some(r) = self.relax {
            self.tp -= r.pp[j];
            self.mu_u -= r.mu[j];
        }
        self.g = ch.g;
        self.k = ch.j;
        for &i in &self.preds[j] {
            self.succ[i as usize] -= 1;
        }
        self.path.push(j);
    }

    fn undo(&mut self, f: &Frame) {
        let j = f.job as usize;
        self.u[j >> 6] |= 1u64 << (j & 63);
        self.tu = f.prev_tu;
        self.g = f.prev_g;
        self.mu_u = f.prev_mu;
        self.k = f.prev_k;
        if let Some(r) = self.relax {
            self.tp += r.pp[j];
        }
        for &i in &self.preds[j] {
            self.succ[i as usize] += 1;
        }
        self.path.pop();
    }

    /// Runs the search until it finishes, the time limit stops it (then the smallest bound
    /// over the open nodes comes back too), or it has expanded `node_limit` nodes.
    fn run(mut self, node_limit: u64) -> CoreResult<SearchEnd> {
        let root = self.expand();
        let mut stack = vec![Frame {
            job: NONE,
            prev_tu: self.tu,
            prev_g: 0.0,
            prev_mu: self.mu_u,
            prev_k: NONE,
            children: root,
            pos: 0,
        }];
        let mut nodes: u64 = 0;
        while let Some(top) = stack.last_mut() {
            if top.pos >= top.children.len() {
                if let Some(mut f) = stack.pop() {
                    if f.job != NONE {
                        self.undo(&f);
                    }
                    f.children.clear();
                    self.spare.push(std::mem::take(&mut f.children));
                }
                continue;
            }
            let ch = top.children[top.pos];
            if self.cut.closed(ch.lb, self.ub) {
                // children are sorted by bound: the rest are closed too
                top.pos = top.children.len();
                continue;
            }
            let j = ch.j as usize;
            let mut key = self.u;
            key[j >> 6] &= !(1u64 << (j & 63));
            if self.memo.get(&key).is_some_and(|&gs| gs < ch.g) {
                top.pos += 1;
                continue;
            }
            nodes += 1;
            if nodes % 256 == 0 && self.budget.exhausted() {
                if self.budget.interrupted() {
                    return Err(CoreError::Interrupted);
                }
                // Every open node is some frame's next child; each list is sorted.
                let mut pending = INF;
                for f in &stack {
                    if let Some(c) = f.children.get(f.pos) {
                        pending = pending.min(c.lb);
                    }
                }
                return Ok(SearchEnd::TimeOut(self.best, self.ub, pending));
            }
            if nodes >= node_limit {
                return Ok(SearchEnd::NodeLimit(self.best, self.ub));
            }
            top.pos += 1;
            let frame = Frame {
                job: ch.j,
                prev_tu: self.tu,
                prev_g: self.g,
                prev_mu: self.mu_u,
                prev_k: self.k,
                children: Vec::new(),
                pos: 0,
            };
            self.apply(ch);
            let children = self.expand();
            stack.push(Frame { children, ..frame });
        }
        Ok(SearchEnd::Done(self.best, self.ub))
    }
}

#[cfg(test)]
mod tests {
    //! The search without heuristic help, against exhaustive answers: with a poor starting
    //! sequence every wrong prune or bound shows up as a wrong optimum.
    use super::*;
    use crate::util::SplitMix64;

    fn held_karp(jobs: Jobs) -> f64 {
        let n = jobs.p.len();
        let full = 1usize << n;
        let mut psum = vec![0.0; full];
        let mut v = vec![INF; full];
        v[0] = 0.0;
        for s in 1..full {
            psum[s] = psum[s & (s - 1)] + jobs.p[s.trailing_zeros() as usize];
            for k in 0..n {
                if s >> k & 1 == 1 {
                    v[s] = v[s].min(v[s ^ (1 << k)] + jobs.cost(k, psum[s]));
                }
            }
        }
        v[full - 1]
    }

    fn check(g: &mut SplitMix64, n: usize, real: bool, ties: bool) {
        let hi = if ties { 5 } else { 100 };
        let mut p: Vec<f64> = (0..n).map(|_| g.int(1, hi) as f64).collect();
        let total: f64 = p.iter().sum();
        let tf = [0.2, 0.4, 0.6, 0.8, 1.0][g.int(0, 4) as usize];
        let rdd = [0.2, 0.6, 1.0][g.int(0, 2) as usize];
        let lo = total * (1.0 - tf - rdd / 2.0);
        let mut d: Vec<f64> = (0..n).map(|_| (lo + g.uniform() * total * rdd).floor()).collect();
        let mut w: Vec<f64> = (0..n)
            .map(|_| g.int(1, if ties { 3 } else { 10 }) as f64)
            .collect();
        if real {
            for j in 0..n {
                p[j] += g.uniform();
                d[j] += g.uniform();
                w[j] *= 0.5 + g.uniform();
            }
        }
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let opt = held_karp(jobs);
        // Start from the reverse of EDD: usually far from optimal.
        let mut start = sorted_by(n, |j| (d[j], p[j]));
        start.reverse();
        let out = branch_and_bound(jobs, Some(start), &Budget::unlimited(), false).expect("search");
        let got = jobs.total(&out.seq);
        assert!(out.optimal, "not proven: p={p:?} w={w:?} d={d:?}");
        assert!(
            (got - opt).abs() <= 1e-9 * opt.max(1.0),
            "search {got} vs held-karp {opt}: p={p:?} w={w:?} d={d:?}"
        );
    }

    #[test]
    fn search_alone_matches_held_karp() {
        let mut g = SplitMix64::from_state(11);
        for case in 0..600 {
            let n = 2 + case % 11; // 2..12
            check(&mut g, n, case % 4 == 3, case % 5 == 0);
        }
    }
}
