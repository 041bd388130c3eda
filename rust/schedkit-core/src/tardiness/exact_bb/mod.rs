//! Exact 1||Σw_jT_j: branch and bound with backward sequencing, memoised dominance over job
//! sets, and a Lagrangian time-indexed lower bound.
//!
//! **Branching.** A node fixes the tail of the sequence: a set S of jobs in a fixed order at
//! the end. The remaining jobs U (the "head") fill [0, p(U)], so the start of the tail is
//! known and the tail's cost g(S) is exact. A child puts one more job j ∈ U last in the head;
//! it completes at p(U).
//!
//! **Pruning.** Dominance rules (static precedence, Emmons rule 3, adjacent interchange, memo
//! over job sets, exact heads) keep only children that some optimal order can use, and a node
//! closes when its lower bound cannot beat the incumbent. With integral data every objective
//! is an integer, so a node closes as soon as its bound exceeds UB − 1.
//!
//! The solver is split by responsibility:
//! - this file: the entry point and the driver (upper bounds from heuristics, the root
//!   relaxation, then at most two search rounds);
//! - `search.rs`: the depth-first search over tails and every dominance rule, with the
//!   argument why each keeps an optimum;
//! - `relaxation.rs`: the Lagrangian time-indexed relaxation (Tanaka, Fujikuma & Araki 2009),
//!   its subgradient optimisation and the O(1) node bound read off its DP table;
//! - `two_job.rs`: SSDP's stage-2 relaxation (memory of two jobs) as node tables, for the
//!   instances still open after the stage-1 tuning;
//! - `bound.rs`: the bounds that need no table, and `Cut`, which decides when a bound closes a
//!   node and what bound may be reported.

// Diagnostic trace of the driver (tests only, env BB_TRACE set).
#[cfg(test)]
macro_rules! bbtrace {
    ($($arg:tt)*) => {
        if std::env::var_os("BB_TRACE").is_some() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64();
            eprintln!("[bb {:8.2}] {}", t % 10000.0, format!($($arg)*));
        }
    };
}
#[cfg(not(test))]
macro_rules! bbtrace {
    ($($arg:tt)*) => {};
}

mod bound;
pub(super) mod relaxation;
mod search;
#[cfg(test)]
mod tests;
mod two_job;

pub(super) use self::bound::simple_lower_bound;
use self::bound::Cut;
use self::relaxation::Relax;
use self::search::{search, SearchEnd};
use self::two_job::TwoJob;
use super::exact_dp::solve_unweighted;
use super::local_search::{descend, iterated_descent, iterated_descent_with, swap_span, QUADRATIC_LIMIT};
use super::ssdp::AdjacencyTuner;
use super::{rules, settle_trivial, sorted_by, Instance, Jobs, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

/// "No job" in the u32 job fields of the search and the relaxation.
const NONE: u32 = u32::MAX;
const INF: f64 = f64::INFINITY;
/// Subgradient rounds at the root before the first search (each costs one O(m·P) DP), and
/// the further rounds (at most) before the second search if the first hits its node limit.
const FIRST_ROUNDS: usize = 60;
const MORE_ROUNDS: usize = 400;
/// When the first rounds from the seeded prices (`Relax::seed_prices`) never raise the bound
/// above the start's, on more than `STUCK_MIN_JOBS` jobs, the subgradient restarts from the
/// incumbent's own prices for up to `STUCK_ROUNDS` rounds. On n300_tf0.2_rdd0.2_1
/// (OR-Library class, 70 % of the horizon before the first due date) the seeded start had the
/// highest bound, 17,782 (the incumbent's prices: −64,513), but sat at a point where every
/// step breaks the ties of μ_j/p_j among the jobs that are early at no cost, so the relaxed
/// path collapses onto the two unit jobs alternating thousands of times (path length 12,000,
/// ‖g‖² = 6·10⁷); the bound fell, the step factor halved every 10 rounds, and no round ever
/// beat the start. The adjacency tuning then crept from 24,433 to 25,920 in 250 rounds and
/// the instance ended at a 16.8 % gap (UB 31,564; SSDP's stage 1, also started from the
/// incumbent's prices, reached 31,441). From the incumbent's prices 400 rounds reach 27,296,
/// the adjacency tables 29,555, and the first search proves 31,564 optimal in 3.5 s
/// (counting harness, tests.rs, BB_TRACE=1 for the driver's trace). Of the n = 300 set's
/// stragglers only n300_tf0.4_rdd0.6_4 also restarts (69,535 → 70,228): bound at 60 s 73,216
/// against 73,058, incumbent 75,140 against 74,929 (same window), about even. Only above 150
/// jobs: the n = 100 set is proven by its first searches whatever the root bound.
const STUCK_MIN_JOBS: usize = 150;
const STUCK_ROUNDS: usize = 400;
/// The second root phase on integral data tunes the multipliers on SSDP's adjacency
/// relaxation with ties broken by index (the relaxation the node bounds read, see
/// `Relax::eval_adjacency`) instead: runs of `ADJACENCY_RUN` rounds, each followed by the
/// removal of nodes against the incumbent and a search limited to `ADJACENCY_RUN_NODES`
/// nodes per m·P cell (a node costs about ten cells of one round, so about a fifth of the
/// run's work); most middle n = 100 instances are proven after one or two runs instead of
/// 100 rounds. After `max_rounds` rounds, or when the step factor runs out, the search
/// runs without limit. `ADJACENCY_ROUNDS` per job, at least `ADJACENCY_ROUNDS_MIN`: the bound
/// of larger instances needs more rounds to settle. Measured (counting harness in tests.rs):
/// on n = 100, 100 and 150 rounds within the noise, 400 slower on the hardest instance
/// (n100_tf0.6_rdd0.6_2: 7.2 M nodes against 5.8 M, the unfinished limited searches are
/// lost work); on n = 200, 400 rounds proved n200_tf0.6_rdd0.4_0 in 14 s (225 rounds), which
/// 150 left at a 0.94 % gap after 60 s.
const ADJACENCY_ROUNDS: f64 = 1.5;
const ADJACENCY_ROUNDS_MIN: usize = 150;
const ADJACENCY_RUN: usize = 25;
const ADJACENCY_RUN_NODES: f64 = 0.4;

/// After a limited search fails on more than `PHASE_ILS_MIN_JOBS` jobs, an ILS with block
/// moves (`iterated_descent_with`) continues from the incumbent: first about
/// `PHASE_ILS_SHARE` of the search's node limit in rounds per job (a round's descent costs
/// about m nodes' work), then twice as many after each run that improved the incumbent (at
/// most 8 times the first), half as many after one that did not, and none after a second
/// failure. On the n = 200 stragglers the starting incumbent was up to 0.3 % above the
/// best known value (n200_tf1_rdd1_0: 1,112,605 against 1,110,811; n200_tf1_rdd1_4:
/// 756,481 against 754,250), which both weakens pruning by UB − 1 and misaims the Polyak
/// steps; with it n200_tf1_rdd1_4 is proven in 4.1 s (unproven at 60 s before). At n ≤ 150
/// the starting ILS already finds every n = 100 optimum (same nodes with and without), so
/// there it would only cost time (n = 100 set: 31.2 s against 27.9 s, counting harness).
const PHASE_ILS_MIN_JOBS: usize = 150;

/// Stage 2 (`two_job.rs`) once the stage-1 tuning is over and the search is still open:
/// runs of `TWO_RUN` subgradient rounds on the two-job relaxation from step factor
/// `TWO_LAMBDA` (halved after `TWO_STALL` rounds without progress), each followed by a
/// removal of arcs against the incumbent, while a run raises the bound by at least `TWO_GAIN`
/// of the gap left (at most `TWO_RUNS` runs, until the step factor falls under
/// `TWO_MIN_LAMBDA`). The schedule is SSDP's stage 2 (`ssdp::mod`, 60-round runs from 1 with
/// 40 flat rounds per halving): a run returns the best multipliers it met, and the Polyak
/// steps from a tuned start first lower the bound for some 40 rounds before they raise it,
/// so shorter runs never leave the start (runs of 10 or 20 rounds, from 1 or 0.5: no gain at
/// all on n200_tf0.8_rdd0.4_3). Measured (counting harness in tests.rs, the 20 n = 200
/// instances that reach stage 2, back to back with the previous schedule of 10-round runs
/// from 0.5 halving after 5 flat rounds, on a loaded machine): n200_tf0.8_rdd0.4_3 two-job
/// bound 1,155,874 against 1,155,421, proven in 24 s (unproven at 60 s before);
/// n200_tf0.8_rdd0.8_2 847,146 against 846,829, proven in 26 s (unproven before);
/// n200_tf0.8_rdd0.4_2 and n200_tf1_rdd1_2 9-14 s sooner, the others within 5 s either way;
/// on TF 0.6 the first run gains nothing and stops the stage, after 2-7 s on networks of
/// 13-46 M arcs (n200_tf0.6_rdd0.6_4 and n200_tf0.6_rdd1_3 4-5 s slower).
/// Triggering stage 2 after 25 or 100 stage-1 rounds instead of all of them proved
/// n200_tf1_rdd0.6_2 sooner but left n200_tf0.6_rdd0.6_2 and n200_tf1_rdd1_0 at lower
/// bounds (stage 2 does not make up for the shorter stage-1 tuning there; measured with the
/// previous schedule).
/// Only above `TWO_MIN_JOBS` jobs (and in the unit tests' forced runs): on the n = 100 set
/// only n100_tf0.6_rdd0.6_2 reaches stage 2, and there it cost time (2.95 s against 2.3 s,
/// bench_tardiness --only, same window).
const TWO_MIN_JOBS: usize = 150;
const TWO_RUN: usize = 60;
const TWO_RUNS: usize = 60;
const TWO_LAMBDA: f64 = 1.0;
const TWO_STALL: usize = 40;
const TWO_MIN_LAMBDA: f64 = 1e-3;
const TWO_GAIN: f64 = 0.01;

const PHASE_ILS_SHARE: f64 = 0.05;

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
        None,
    )?;
    Ok(finish(out.seq, out.optimal, out.lb))
}

/// How the two-job stage ended.
enum TwoEnd {
    /// Its tables were adopted; the bound it proved.
    Bound(f64),
    /// A relaxed optimum was a sequence: an optimal one.
    Sequence(Vec<usize>),
}

/// SSDP's stage 2 for the node bounds: the two-job arc network from `r`'s stage-1 tables and
/// multipliers, tuned in runs with arc removal in between, then its tables adopted by `r`.
/// `None` when the network would be too big (then `r` is left as it was).
fn two_job_tables(jobs: Jobs, r: &mut Relax, ub: f64, budget: &Budget) -> Option<TwoEnd> {
    let mut net = TwoJob::build(jobs, r, ub, budget)?;
    let mut mu = r.mu.clone();
    let mut lambda = TWO_LAMBDA;
    let mut lb = net.eliminate(jobs, &mu, ub);
    #[cfg(test)]
    TWO_RUN_LOG.with(|l| l.borrow_mut().push(Vec::new()));
    for _ in 0..TWO_RUNS {
        if lb > ub - 1.0 + 1e-6 || budget.exhausted() || lambda < TWO_MIN_LAMBDA {
            break;
        }
        let (b, perm) = net.tune(jobs, &mut mu, ub, TWO_RUN, TWO_STALL, &mut lambda, budget);
        if let Some(perm) = perm {
            // an optimal sequence: logged as a run that closed the gap
            #[cfg(test)]
            TWO_RUN_LOG.with(|l| l.borrow_mut().last_mut().unwrap().push((lb, ub, ub, lambda)));
            return Some(TwoEnd::Sequence(perm));
        }
        let before = lb;
        lb = lb.max(b).max(net.eliminate(jobs, &mu, ub));
        bbtrace!("two-job run: lb {lb} lambda {lambda} arcs {}", net.len());
        #[cfg(test)]
        TWO_RUN_LOG.with(|l| l.borrow_mut().last_mut().unwrap().push((before, lb, ub, lambda)));
        if lb - before < TWO_GAIN * (ub - before) {
            break;
        }
    }
    lb = lb.max(net.forward(jobs, &mu) + mu.iter().sum::<f64>());
    let (fwd, edge) = net.tables(jobs, &mu);
    r.adopt_tables(&mu, fwd, edge);
    #[cfg(test)]
    TWO_ADOPTED.with(|c| c.set(c.get() + 1));
    Some(TwoEnd::Bound(lb.min(ub)))
}

/// The root's first subgradient rounds on `r` from the best-bounding prices of the starting
/// sequences `tried` (`Relax::seed_prices`); on more than `min_jobs` jobs, a restart from the
/// incumbent `seq`'s own prices when no round beat the seeded start (see `STUCK_ROUNDS`),
/// keeping whichever multipliers bound better. `tables`: as in `Relax::optimise`. Returns
/// the bound and a relaxed optimum that is a sequence, if one was met.
fn root_rounds(
    jobs: Jobs,
    r: &mut Relax,
    (tried, seq, ub): (&[Vec<usize>], &[usize], f64),
    cut: Cut,
    budget: &Budget,
    tables: bool,
    min_jobs: usize,
) -> (f64, Option<Vec<usize>>) {
    let seeded = r.seed_prices(jobs, tried);
    let (lb, perm) = r.optimise(jobs, ub, seq, cut, budget, FIRST_ROUNDS, tables);
    let stuck = lb <= seeded && perm.is_none() && !cut.closed(lb, ub);
    if jobs.p.len() <= min_jobs || !stuck || budget.exhausted() {
        return (lb, perm);
    }
    bbtrace!("seeded start stuck at {lb}: restart from the incumbent's prices");
    #[cfg(test)]
    RESTARTS.with(|c| c.set(c.get() + 1));
    r.restart_prices(jobs, seq);
    let (again, perm) = r.optimise(jobs, ub, seq, cut, budget, STUCK_ROUNDS, tables);
    if again > lb || perm.is_some() {
        return (again.max(lb), perm);
    }
    // the seeded multipliers bound better: back to them, from a fresh state
    r.restart_prices(jobs, seq);
    r.seed_prices(jobs, tried);
    r.optimise(jobs, ub, seq, cut, budget, 0, tables);
    (lb, None)
}

// Work counters of the last `branch_and_bound` on this thread (unit tests and the ignored
// counting harness only): search nodes, adjacency rounds, cells left after removal.
#[cfg(test)]
thread_local! {
    pub(super) static COUNTS: std::cell::Cell<(u64, u64, u64)> = const { std::cell::Cell::new((0, 0, 0)) };
}
// Cells of the adjacency DP evaluated (alive, with a predecessor row), same use.
#[cfg(test)]
thread_local! {
    pub(super) static DP_CELLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
// Times `root_rounds` restarted from the incumbent's prices (unit tests).
#[cfg(test)]
thread_local! {
    pub(super) static RESTARTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
// Per two-job stage, per run: the bound before and after it, the incumbent and the step
// factor after it (unit tests).
#[cfg(test)]
pub(super) type TwoRun = (f64, f64, f64, f64);
#[cfg(test)]
thread_local! {
    pub(super) static TWO_RUN_LOG: std::cell::RefCell<Vec<Vec<TwoRun>>> = const { std::cell::RefCell::new(Vec::new()) };
}
// Times the two-job tables were adopted (unit tests: the stage is reached).
#[cfg(test)]
thread_local! {
    pub(super) static TWO_ADOPTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}
#[cfg(test)]
pub(super) fn count(nodes: u64, rounds: u64, cells: u64) {
    COUNTS.with(|c| {
        let (a, b, d) = c.get();
        c.set((a + nodes, b + rounds, if cells > 0 { cells } else { d }));
    });
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

/// `improve = false` (unit tests only) skips the heuristics, so that the search itself has to
/// find the optimum and any unsafe pruning shows up as a wrong value; `node_limits` (unit
/// tests only) overrides the node limit of every limited search, to force the second root
/// phase and every run of it.
fn branch_and_bound(
    jobs: Jobs,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    improve: bool,
    node_limits: Option<u64>,
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
    let mut tried = Vec::new();
    for mut s in starts {
        if improve {
            descend(jobs, &mut s, budget, swap_span(m));
        }
        let o = jobs.total(&s);
        if best.as_ref().is_none_or(|b| o < b.0) {
            best = Some((o, s.clone()));
        }
        tried.push(s);
    }
    let (_, mut seq) = best.unwrap_or((0.0, edd.clone()));
    // A short ILS: the search itself closes the remaining gap quickly, so a long one mostly
    // costs time; it matters when the time limit stops the search.
    if improve {
        iterated_descent(jobs, &mut seq, budget, if m <= 150 { 20 } else { 5 }, 0x5eed);
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
    // SSDP's adjacency DP builds the node tables where it applies (integral data).
    let mut tuner = relax
        .as_ref()
        .filter(|r| cut.integral && r.has_adjacency())
        .map(|_| AdjacencyTuner::new(jobs, &seq));
    if let Some(r) = relax.as_mut() {
        // Start from the best-bounding prices of every starting sequence, not only of the
        // incumbent (see `Relax::seed_prices`).
        tried.push(seq.clone());
        let (lb, perm) = root_rounds(
            jobs,
            r,
            (&tried, &seq, ub),
            cut,
            budget,
            tuner.is_none(),
            STUCK_MIN_JOBS,
        );
        if let Some(perm) = perm {
            let o = jobs.total(&perm);
            if o < ub {
                ub = o;
                seq = perm;
            }
        }
        root_lb = root_lb.max(lb);
        bbtrace!("first optimise: lb {lb} ub {ub} simple {simple}");
        if let Some(tn) = tuner.as_mut() {
            if !budget.exhausted() {
                let mu = r.best_mu().to_vec();
                let (lb, fwd, edge) = tn.tables(&mu, ub);
                r.adopt_tables(&mu, fwd, edge);
                root_lb = root_lb.max(lb);
                bbtrace!("adjacency tables: lb {lb}");
            }
        }
    }

    // ---- Depth-first branch and bound over tails: a first search with a node limit of
    // about the work of the first subgradient rounds; if that is not enough, the
    // multipliers are improved further (a tighter bound shrinks hard searches many times
    // over) and the search restarts, keeping its incumbent: after each run of adjacency
    // rounds with a limit again, after the last one (or on real data) without.
    let mut phase = 0;
    let max_rounds = ((ADJACENCY_ROUNDS * m as f64) as usize).max(ADJACENCY_ROUNDS_MIN);
    // the adjacency tuning has nothing left to gain
    let mut tuned = false;
    // rounds of the next ILS between runs (None: not run yet; Some(0): given up)
    let mut ils_rounds: Option<usize> = None;
    // the two-job tables were tried (built, or found too big)
    let mut two_tried = false;
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
        // A limited search first, then one after each run of adjacency rounds while runs
        // are left; the last search has no limit.
        let cells = m as f64 * relax.as_ref().map_or(0, |r| r.pt) as f64;
        let limited = if phase == 0 {
            node_limits.is_some() || relax.as_ref().is_some_and(|r| tuner.is_some() || !r.converged())
        } else {
            tuner.as_ref().is_some_and(|tn| !tuned && tn.rounds < max_rounds)
        };
        let node_limit = match node_limits {
            _ if !limited => u64::MAX,
            Some(l) => l,
            None if phase == 0 => (0.4 * cells).clamp(2.0e4, 2.0e6) as u64,
            None => (ADJACENCY_RUN_NODES * cells).clamp(2.0e4, 4.0e6) as u64,
        };
        bbtrace!("phase {phase} search: limit {node_limit} ub {ub} root_lb {root_lb}");
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
                bbtrace!("timeout: ub {bub} pending {pending} root_lb {root_lb}");
                let lb = root_lb.max(pending.min(bub));
                return Outcome::stopped(bseq, cut.report(lb).min(bub));
            }
            SearchEnd::NodeLimit(bseq, bub) => {
                seq = bseq;
                ub = bub;
                if improve && m > PHASE_ILS_MIN_JOBS && ils_rounds != Some(0) {
                    // A longer ILS between runs while it keeps paying (see PHASE_ILS_SHARE).
                    let first = ((PHASE_ILS_SHARE * node_limit as f64 / m as f64) as usize).max(1);
                    let rounds = ils_rounds.unwrap_or(first);
                    let before = ub;
                    iterated_descent_with(jobs, &mut seq, budget, rounds, 0x5eed + phase as u64, true);
                    ub = jobs.total(&seq);
                    ils_rounds = Some(if ub < before {
                        (rounds * 2).min(8 * first)
                    } else if rounds * 2 > first {
                        rounds / 2
                    } else {
                        0
                    });
                }
                match (relax.as_mut(), tuner.as_mut()) {
                    (Some(r), Some(tn)) => {
                        tn.offer(&seq);
                        let mut mu = r.mu.clone();
                        tuned = tn.tune(jobs, &mut mu, ADJACENCY_RUN, budget);
                        let (best, o) = tn.best();
                        if improve && o < ub {
                            ub = o;
                            seq = best.to_vec();
                        }
                        if !budget.exhausted() {
                            let (lb, fwd, edge) = tn.tables(&mu, ub);
                            r.adopt_tables(&mu, fwd, edge);
                            root_lb = root_lb.max(lb);
                        }
                        root_lb = root_lb.max(tn.lb());
                        bbtrace!(
                            "phase {phase} tuned: rounds {} tuned {tuned} ub {ub} root_lb {root_lb}",
                            tn.rounds
                        );
                        let two_wanted = m > TWO_MIN_JOBS || node_limits.is_some();
                        if two_wanted
                            && (tuned || tn.rounds >= max_rounds)
                            && !two_tried
                            && !budget.exhausted()
                        {
                            // The next search would run without limit: give it the two-job
                            // node tables first.
                            two_tried = true;
                            match two_job_tables(jobs, r, ub, budget) {
                                Some(TwoEnd::Bound(lb)) => {
                                    bbtrace!("two-job bound {lb}");
                                    root_lb = root_lb.max(lb);
                                    tuned = true;
                                }
                                Some(TwoEnd::Sequence(perm)) => {
                                    let o = jobs.total(&perm);
                                    if o < ub {
                                        return Outcome::proven(perm, o);
                                    }
                                    // a relaxed optimum that is a sequence is optimal
                                    return Outcome::proven(seq, ub);
                                }
                                None => {}
                            }
                        }
                    }
                    (Some(r), None) => {
                        let (lb, perm) = r.optimise(jobs, ub, &seq, cut, budget, MORE_ROUNDS, true);
                        if let Some(perm) = perm {
                            let o = jobs.total(&perm);
                            if o < ub {
                                ub = o;
                                seq = perm;
                            }
                        }
                        root_lb = root_lb.max(lb);
                    }
                    _ => {}
                }
                phase += 1;
            }
        }
    }
}
