//! Exact 1||ΣT_j (unit weights): Lawler's (1977) decomposition DP, memoised over the
//! reachable states, with the two position-elimination rules of specs §3.3.
//!
//! Jobs are renumbered in EDD order (d, then p, then id). Each job gets the key
//! κ(l) = (p_l, l); `rank[l]` is its position in κ order. A sub-problem is a job set
//! J = {l : i ≤ l ≤ j, `rank[l] ≤ rank[k]`} started at time t. It is stored in canonical form
//! (i = first member, j = last member, k = member of largest rank), so two descriptions of
//! the same set share one memo entry. For the longest job k of J, Lawler's theorem lets k be
//! preceded exactly by the members with EDD index ≤ δ for some member δ ≥ k:
//!
//! ```text
//! V(J, t) = min_δ V(J[..=δ] ∖ k, t) + max(0, C_δ − d_k) + V(J[δ+1..], C_δ)
//! ```
//!
//! Candidate positions δ are skipped by rule (a) (δ > k and d_δ ≥ C_δ) and rule (b)
//! (d_next(δ) ≤ C_δ, the interchange form of Emmons' rule 1). Two exact shortcuts end a state
//! early: EDD with at most one tardy job is optimal (ΣT ≥ T_max ≥ L_max(EDD)), and when the
//! job with the largest due date is on time at the end of J it can go last (Emmons' rule 3),
//! which drops it from the state.
//!
//! The recursion depth is at most |J| ≤ n (each level removes at least one job), and every
//! frame is small, so n = 500 is far from the stack limit.
//!
//! If the DP is stopped (time limit or memory cap), the answer is the best heuristic sequence
//! (the descent of `local_search.rs` on EDD, MDD and the caller's incumbent) with the simple
//! lower bound of `exact_bb/bound.rs`.

use super::exact_bb::simple_lower_bound;
use super::local_search::{descend, swap_span, QUADRATIC_LIMIT};
use super::{rules, settle_trivial, sorted_by, Instance, Jobs, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::FastMap;

// ---------------------------------------------------------------------------------------------
// Lawler's DP.

/// Memo choice: the set is solved by its EDD order (at most one tardy job).
const EDD_MARK: u32 = u32::MAX;
/// Memo choice: the last EDD member goes last (on time there); the rest is solved first.
const LAST_MARK: u32 = u32::MAX - 1;
const NONE: u32 = u32::MAX;
/// Indices are packed in 21 bits each next to the 64 bits of t.
const MAX_DP_JOBS: usize = 1 << 21;

#[inline]
fn key(i: usize, j: usize, k: usize, t: f64) -> u128 {
    ((i as u128) << 106) | ((j as u128) << 85) | ((k as u128) << 64) | u128::from(t.to_bits())
}

#[derive(Default)]
struct Scratch {
    /// Members of the set, in EDD order.
    m: Vec<u32>,
    /// `suf[q]`: member of largest rank among `m[q..]`.
    suf: Vec<u32>,
    /// `lat[q]`: lateness of `m[q]` in the EDD order of the whole set started at t.
    lat: Vec<f64>,
    /// `sufl[q]`: max(0, max `lat[q..]`).
    sufl: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    No,
    Budget,
    Memory,
}

struct Lawler<'b> {
    p: Vec<f64>,
    d: Vec<f64>,
    rank: Vec<u32>,
    memo: FastMap<u128, (f64, u32)>,
    pool: Vec<Scratch>,
    evals: u64,
    stop: Stop,
    budget: Budget<'b>,
    max_states: usize,
}

/// What a memoised choice splits a set into, for the reconstruction.
enum Split {
    Edd,
    Last {
        rest: Option<(usize, usize, usize)>,
        last: usize,
    },
    Delta {
        left: Option<(usize, usize, usize)>,
        k: usize,
        right: Option<(usize, usize, usize, f64)>,
    },
}

impl<'b> Lawler<'b> {
    fn new(p: Vec<f64>, d: Vec<f64>, budget: &Budget<'b>) -> Self {
        let n = p.len();
        // κ(l) = (p_l, l): the longest job, ties to the larger EDD index.
        let order = sorted_by(n, |l| (p[l], l as f64));
        let mut rank = vec![0u32; n];
        for (r, &l) in order.iter().enumerate() {
            rank[l] = r as u32;
        }
        Lawler {
            p,
            d,
            rank,
            memo: FastMap::default(),
            pool: (0..n + 2).map(|_| Scratch::default()).collect(),
            evals: 0,
            stop: Stop::No,
            budget: *budget,
            // about 40 bytes per entry with the table's slack: ~2.7 GB at the cap.
            max_states: 1 << 26,
        }
    }

    /// Member with the largest rank among `m`, or NONE.
    fn max_rank(&self, m: &[u32]) -> u32 {
        let mut best = NONE;
        for &l in m {
            if best == NONE || self.rank[l as usize] > self.rank[best as usize] {
                best = l;
            }
        }
        best
    }

    fn members(&self, i: usize, j: usize, k: usize, out: &mut Vec<u32>) {
        out.clear();
        let rk = self.rank[k];
        for l in i..=j {
            if self.rank[l] <= rk {
                out.push(l as u32);
            }
        }
    }

    /// V(J(i, j, k), t) for a canonical (i, j, k).
    fn value(&mut self, i: usize, j: usize, k: usize, t: f64, depth: usize) -> f64 {
        if i == j {
            return (t + self.p[i] - self.d[i]).max(0.0);
        }
        let key = key(i, j, k, t);
        if let Some(e) = self.memo.get(&key) {
            return e.0;
        }
        if self.stop != Stop::No {
            return 0.0;
        }
        self.evals += 1;
        if self.evals % 2048 == 0 {
            if self.budget.exhausted() {
                self.stop = Stop::Budget;
                return 0.0;
            }
            if self.memo.len() >= self.max_states {
                self.stop = Stop::Memory;
                return 0.0;
            }
        }
        let mut s = std::mem::take(&mut self.pool[depth]);
        let (v, choice) = self.eval(i, j, k, t, depth, &mut s);
        self.pool[depth] = s;
        if self.stop == Stop::No {
            self.memo.insert(key, (v, choice));
        }
        v
    }

    fn eval(&mut self, i: usize, j: usize, k: usize, t: f64, depth: usize, s: &mut Scratch) -> (f64, u32) {
        self.members(i, j, k, &mut s.m);
        let m = &s.m;
        let len = m.len();
        // EDD from t: if at most one job is tardy it is optimal.
        s.lat.clear();
        let mut c = t;
        let mut tardy = 0u32;
        let mut tsum = 0.0;
        for &l in m {
            let l = l as usize;
            c += self.p[l];
            let late = c - self.d[l];
            s.lat.push(late);
            if late > 0.0 {
                tardy += 1;
                tsum += late;
            }
        }
        if tardy <= 1 {
            return (tsum, EDD_MARK);
        }
        // Emmons' rule 3: the member with the largest due date, on time at the very end,
        // can be put last; then the state loses that job.
        let last = m[len - 1] as usize;
        if self.d[last] >= c {
            let rest = &m[..len - 1];
            let kk = if last == k {
                self.max_rank(rest) as usize
            } else {
                k
            };
            let (a, b) = (rest[0] as usize, rest[len - 2] as usize);
            // The child needs none of this frame's scratch: lend it to the child at the same
            // depth, so that long chains of such steps use neither new depths nor memory.
            self.pool[depth] = std::mem::take(s);
            let v = self.value(a, b, kk, t, depth);
            *s = std::mem::take(&mut self.pool[depth]);
            return (v, LAST_MARK);
        }
        // Suffix argmax of rank (the longest job of each right part) and suffix max of the
        // EDD lateness. Every part of a split is a run of EDD members; its own EDD schedule
        // gives each member the completion it has in the whole set's EDD schedule (right
        // part), or that minus p_k (left part, members after k). So T_max ≥ L_max(EDD)
        // bounds each part in O(1), which lets us skip a split before solving its parts.
        s.suf.clear();
        s.suf.resize(len, 0);
        s.sufl.clear();
        s.sufl.resize(len + 1, 0.0);
        for q in (0..len).rev() {
            let l = m[q];
            s.suf[q] = if q + 1 < len && self.rank[s.suf[q + 1] as usize] > self.rank[l as usize] {
                s.suf[q + 1]
            } else {
                l
            };
            s.sufl[q] = s.sufl[q + 1].max(s.lat[q]);
        }
        let pk = m.iter().position(|&l| l as usize == k).unwrap_or(0);
        let dk = self.d[k];
        let p_k = self.p[k];
        let before_k = s.lat[..pk].iter().cloned().fold(0.0, f64::max);
        let mut best = f64::INFINITY;
        let mut best_delta = NONE;
        // Pass 0 uses rules (a) and (b); pass 1 (never needed in practice, kept as a safety
        // net) tries every δ if the rules removed them all.
        for pass in 0..2 {
            let rules = pass == 0;
            let mut lmax = self.max_rank(&m[..pk]);
            let mut left_lb = before_k;
            let mut cd = t;
            for &l in &m[..=pk] {
                cd += self.p[l as usize];
            }
            for q in pk..len {
                let delta = m[q] as usize;
                if q > pk {
                    cd += self.p[delta];
                    if lmax == NONE || self.rank[delta] > self.rank[lmax as usize] {
                        lmax = delta as u32;
                    }
                    left_lb = left_lb.max(s.lat[q] - p_k);
                    // (a): δ on time right after k: moving it before k is no worse.
                    if rules && self.d[delta] >= cd {
                        continue;
                    }
                }
                // (b): the next member is due by C_δ: it may precede k (Emmons 1, interchange).
                if rules && q + 1 < len && self.d[m[q + 1] as usize] <= cd {
                    continue;
                }
                let tk = (cd - dk).max(0.0);
                let right_lb = s.sufl[q + 1];
                if left_lb + tk + right_lb >= best {
                    continue;
                }
                let left = if lmax == NONE {
                    0.0
                } else {
                    let first = if pk > 0 { m[0] } else { m[pk + 1] } as usize;
                    let lastl = if q > pk { m[q] } else { m[pk - 1] } as usize;
                    self.value(first, lastl, lmax as usize, t, depth + 1)
                };
                if self.stop != Stop::No {
                    return (0.0, 0);
                }
                let partial = left + tk;
                if partial + right_lb >= best {
                    continue;
                }
                let right = if q + 1 < len {
                    self.value(
                        m[q + 1] as usize,
                        m[len - 1] as usize,
                        s.suf[q + 1] as usize,
                        cd,
                        depth + 1,
                    )
                } else {
                    0.0
                };
                if self.stop != Stop::No {
                    return (0.0, 0);
                }
                if partial + right < best {
                    best = partial + right;
                    best_delta = delta as u32;
                }
            }
            if best_delta != NONE {
                break;
            }
        }
        (best, best_delta)
    }

    /// Recomputes how a memoised choice splits the set (same summation order as `eval`, so
    /// the children's start times have the same bits).
    fn split(&self, i: usize, j: usize, k: usize, t: f64, choice: u32, m: &mut Vec<u32>) -> Option<Split> {
        self.members(i, j, k, m);
        let len = m.len();
        if choice == EDD_MARK {
            return Some(Split::Edd);
        }
        if choice == LAST_MARK {
            let last = m[len - 1] as usize;
            let rest = &m[..len - 1];
            let kk = if last == k {
                self.max_rank(rest) as usize
            } else {
                k
            };
            let rest = if rest.is_empty() {
                None
            } else {
                Some((rest[0] as usize, rest[rest.len() - 1] as usize, kk))
            };
            return Some(Split::Last { rest, last });
        }
        let pk = m.iter().position(|&l| l as usize == k)?;
        let q = m.iter().position(|&l| l == choice)?;
        if q < pk {
            return None;
        }
        let mut cd = t;
        for &l in &m[..=q] {
            cd += self.p[l as usize];
        }
        let left: Vec<u32> = m[..q + 1].iter().copied().filter(|&l| l as usize != k).collect();
        let left = if left.is_empty() {
            None
        } else {
            Some((
                left[0] as usize,
                left[left.len() - 1] as usize,
                self.max_rank(&left) as usize,
            ))
        };
        let right = if q + 1 < len {
            let r = &m[q + 1..];
            Some((
                r[0] as usize,
                r[r.len() - 1] as usize,
                self.max_rank(r) as usize,
                cd,
            ))
        } else {
            None
        };
        Some(Split::Delta { left, k, right })
    }

    /// Rebuilds the optimal sequence (EDD indices) from the memo, with an explicit stack.
    fn reconstruct(&self, root: (usize, usize, usize)) -> Option<Vec<usize>> {
        enum Task {
            Set(usize, usize, usize, f64),
            Job(usize),
        }
        let mut out = Vec::with_capacity(self.p.len());
        let mut stack = vec![Task::Set(root.0, root.1, root.2, 0.0)];
        let mut m = Vec::new();
        while let Some(task) = stack.pop() {
            match task {
                Task::Job(l) => out.push(l),
                Task::Set(i, j, k, t) => {
                    if i == j {
                        out.push(i);
                        continue;
                    }
                    let choice = self.memo.get(&key(i, j, k, t))?.1;
                    match self.split(i, j, k, t, choice, &mut m)? {
                        Split::Edd => out.extend(m.iter().map(|&l| l as usize)),
                        Split::Last { rest, last } => {
                            stack.push(Task::Job(last));
                            if let Some((a, b, c)) = rest {
                                stack.push(Task::Set(a, b, c, t));
                            }
                        }
                        Split::Delta { left, k, right } => {
                            if let Some((a, b, c, tr)) = right {
                                stack.push(Task::Set(a, b, c, tr));
                            }
                            stack.push(Task::Job(k));
                            if let Some((a, b, c)) = left {
                                stack.push(Task::Set(a, b, c, t));
                            }
                        }
                    }
                }
            }
        }
        Some(out)
    }
}

/// Callers' threads may have small stacks (2 MB for Rust threads); up to this many jobs the
/// DP's recursion (≤ n levels) runs inline, beyond it on a thread with a sized stack.
const INLINE_DEPTH: usize = 1000;

/// What `run_dp` returns: why it stopped, the root value, the optimal EDD-index sequence,
/// and the number of states memoised.
type DpRun = (Stop, f64, Option<Vec<usize>>, u64);

/// Runs the DP on EDD-ordered data.
fn run_dp(p: Vec<f64>, d: Vec<f64>, budget: &Budget) -> DpRun {
    let n = p.len();
    let mut dp = Lawler::new(p, d, budget);
    let kroot = dp.rank.iter().position(|&r| r as usize == n - 1).unwrap_or(0);
    let value = dp.value(0, n - 1, kroot, 0.0, 0);
    let states = dp.memo.len() as u64;
    if dp.stop != Stop::No {
        return (dp.stop, value, None, states);
    }
    let seq = if n == 1 {
        Some(vec![0])
    } else {
        dp.reconstruct((0, n - 1, kroot))
    };
    (Stop::No, value, seq, states)
}

/// Best of the caller's incumbent and our own quick starts (MDD, EDD), after an adjacent /
/// insertion descent that stops as soon as the budget is gone.
fn heuristic_sequence(inst: &Instance, incumbent: Option<Vec<usize>>, budget: &Budget) -> Vec<usize> {
    let jobs = Jobs {
        p: inst.p(),
        w: inst.w(),
        d: inst.d(),
    };
    let n = inst.len();
    let mut cands = vec![sorted_by(n, |j| (jobs.d[j], jobs.p[j]))];
    if n <= QUADRATIC_LIMIT && !budget.exhausted() {
        cands.push(rules::mdd(inst));
    }
    if let Some(s) = incumbent {
        cands.insert(0, s);
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    for mut s in cands {
        descend(jobs, &mut s, budget, swap_span(n));
        let obj = jobs.total(&s);
        if best.as_ref().is_none_or(|b| obj < b.0) {
            best = Some((obj, s));
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

/// Exact 1||ΣT_j by Lawler's decomposition DP (see the module notes). `incumbent`, if given,
/// must be a permutation; it is only used if the DP is stopped by the time limit (or by the
/// memory cap of about 67 million states), when the best heuristic sequence is returned with
/// `optimal = false` and a simple valid lower bound.
pub fn solve_unweighted(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
) -> CoreResult<Solution> {
    solve_unweighted_stats(inst, incumbent, budget).map(|x| x.0)
}

/// [`solve_unweighted`] and the number of states the DP memoised (for the benchmarks).
pub fn solve_unweighted_stats(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
) -> CoreResult<(Solution, u64)> {
    let mut states = 0;
    let sol = solve_inner(inst, incumbent, budget, &mut states)?;
    Ok((sol, states))
}

fn solve_inner(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    states: &mut u64,
) -> CoreResult<Solution> {
    if !inst.has_unit_weights() {
        return Err(CoreError::invalid(
            "w",
            None,
            "solve_unweighted needs unit weights (all w_j = 1); use solve_weighted",
        ));
    }
    if let Some(done) = settle_trivial(inst, incumbent.as_deref(), budget)? {
        return Ok(done);
    }
    let n = inst.len();
    // EDD order, ties by p then id.
    let edd = sorted_by(n, |j| (inst.d()[j], inst.p()[j]));
    let p: Vec<f64> = edd.iter().map(|&j| inst.p()[j]).collect();
    let d: Vec<f64> = edd.iter().map(|&j| inst.d()[j]).collect();

    // A budget that is already spent (time limit 0) gets the heuristic answer at once.
    if n < MAX_DP_JOBS && !budget.exhausted() {
        let outcome = if n <= INLINE_DEPTH {
            Some(run_dp(p, d, budget))
        } else {
            // The recursion is n levels deep at most; give it a stack of its own sized for
            // that (a level takes well under 1 KB) instead of trusting the caller's thread.
            let stack = n.saturating_mul(2048).saturating_add(8 << 20);
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, move || run_dp(p, d, budget))
                    .ok()
                    .and_then(|h| h.join().ok())
            })
        };
        match outcome {
            Some((Stop::No, value, seq, count)) => {
                *states = count;
                if let Some(seq) = seq.filter(|s| s.len() == n) {
                    return Ok(proven_optimum(inst, &edd, &seq, incumbent));
                }
                // Unreachable in practice (every state on the optimal path is memoised);
                // fall back to the heuristic answer with the DP value as the bound.
                let sequence = heuristic_sequence(inst, incumbent, budget);
                let objective = inst.objective(&sequence);
                let lb = value.min(objective);
                let optimal = lb >= objective;
                return Ok(Solution {
                    sequence,
                    objective,
                    optimal,
                    lower_bound: if optimal { objective } else { lb },
                });
            }
            Some((Stop::Budget, _, _, _)) if budget.interrupted() => return Err(CoreError::Interrupted),
            _ => {}
        }
    }
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok(stopped_answer(inst, incumbent, budget))
}

/// The answer of an exact search whose optimal sequence `seq` is in EDD positions (`edd[l]`
/// is the job at position `l`): the sequence in job ids, proven optimal. The incumbent can
/// only tie it (up to float rounding with real-valued data), so the smaller recomputed
/// objective is kept.
pub(super) fn proven_optimum(
    inst: &Instance,
    edd: &[usize],
    seq: &[usize],
    incumbent: Option<Vec<usize>>,
) -> Solution {
    let mut sequence: Vec<usize> = seq.iter().map(|&l| edd[l]).collect();
    let mut objective = inst.objective(&sequence);
    if let Some(inc) = incumbent {
        let o = inst.objective(&inc);
        if o < objective {
            sequence = inc;
            objective = o;
        }
    }
    Solution {
        sequence,
        objective,
        optimal: true,
        lower_bound: objective,
    }
}

/// The answer of an unweighted exact method stopped before its proof (time limit or memory
/// cap): the best heuristic sequence with the simple valid lower bound.
pub(super) fn stopped_answer(inst: &Instance, incumbent: Option<Vec<usize>>, budget: &Budget) -> Solution {
    let sequence = heuristic_sequence(inst, incumbent, budget);
    let objective = inst.objective(&sequence);
    let lb = simple_lower_bound(Jobs {
        p: inst.p(),
        w: inst.w(),
        d: inst.d(),
    })
    .min(objective);
    let optimal = objective == 0.0;
    Solution {
        sequence,
        objective,
        optimal,
        lower_bound: if optimal { 0.0 } else { lb },
    }
}
