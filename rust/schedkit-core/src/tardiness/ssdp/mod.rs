//! Exact 1||Σw_jT_j by successive sublimation dynamic programming (SSDP).
//!
//! After Tanaka, Fujikuma & Araki, "An exact algorithm for single-machine scheduling without
//! machine idle time", J. Scheduling 12(6) 575–593 (2009), and Tanaka & Fujikuma (2012) for
//! the sublimation with memory of recent jobs. The idea, in three stages:
//!
//! 1. **Relax** "each job exactly once" with Lagrangian multipliers μ_j. What is left is a
//!    path of jobs (repeats allowed) filling [0, P] exactly, of cost Σ (f_j(C_j) − μ_j) + Σ μ_j,
//!    found by a DP over time. Every sequence is such a path with cost equal to its objective,
//!    so the DP optimum is a lower bound for any μ. Stage 1 forbids a job twice in a row and
//!    tunes μ by subgradient optimisation, first on that relaxation, then on the stronger one
//!    that also keeps adjacent pairs to the interchange rule (`stage1.rs`).
//! 2. **Memorise two jobs**: the DP state becomes the arc "i then j, j completing at t", so no
//!    job may recur within three positions, and arcs that break the adjacent-interchange rule
//!    (swapping i and j would be cheaper, or as cheap with j < i) are left out (`arcs.rs`).
//! 3. **Sublimate**: add to the state which of a set M of jobs are already done, so the jobs
//!    of M occur exactly once; M grows with the jobs the relaxed optimum repeats or misses,
//!    until the relaxed optimum is a sequence, which is then optimal (`sublimate.rs`).
//!
//! Between stages, forward and backward DP values bound the best path through every node and
//! arc; those that cannot lead to a sequence better than the incumbent by one unit (all data
//! are integers, so objectives are integers) are removed: this is what keeps the later state
//! spaces small. Removing them is safe because one sequence obeys every rule of every stage
//! at once: the lexicographically smallest optimal sequence (by job number; the jobs are
//! numbered in EDD order, [`tie_order`] says why). Each rule (the adjacent pair in stages
//! 1-2, the three successive jobs in stage 3) only refuses an order that another order of
//! the same jobs in the same slot beats, or ties while being lexicographically smaller, and
//! either would give a cheaper or an equally cheap and smaller sequence. Any sequence a
//! bound removes costs at least the incumbent.
//!
//! Stages 2 and 3 prune against a tentative bound below the incumbent rather than the
//! incumbent itself (Tanaka et al. do so in stage 3; here stage 2 does too, `Network`):
//! every path left is then a path below that bound, the relaxed optimum stays among them
//! while it is lower, and once it is not, no sequence costs less than the tentative bound,
//! which is proven.
//!
//! The method needs integral p, w and d (OR-Library data are); [`applicable`] says whether an
//! instance qualifies, and `solve` hands the others to the branch and bound. At a time limit
//! it returns the incumbent with the best bound proven so far; if its tables would pass
//! `memory_limit` it hands over to the branch and bound, whose memory is bounded.

/// Stage-by-stage progress on stderr, for the ignored counting harness (`tests.rs`) only.
#[cfg(test)]
macro_rules! trace {
    ($($arg:tt)*) => {
        if crate::tardiness::ssdp::tests::TRACE.with(|t| t.get()) {
            eprintln!("[{:7.2}s] {}", crate::tardiness::ssdp::tests::trace_secs(), format!($($arg)*));
        }
    };
}
#[cfg(not(test))]
macro_rules! trace {
    ($($arg:tt)*) => {};
}

mod arc_map;
mod arcs;
mod stage1;
mod sublimate;
#[cfg(test)]
mod tests;

use self::arcs::Arcs;
use self::stage1::{
    plain_run, subgradient_counted, subgradient_patient, Adjacency, Relaxation, Stage1,
    SUBGRADIENT_MIN_LAMBDA,
};
use self::sublimate::{sublimate, Carry, Sublimation};
use super::exact_bb::relaxation::initial_prices;
use super::local_search::{descend, iterated_descent, swap_span};
use super::pair_bound::PairRules;
use super::{exact_bb, rules, settle_trivial, Instance, Jobs, Solution};
use crate::budget::Budget;
use crate::error::CoreResult;

/// "No job" (the start of a path) in u32 job fields.
const NONE: u32 = u32::MAX;
const INF: f64 = f64::INFINITY;
/// Slack on "bound < UB − 1": Lagrangian sums of fractional μ carry rounding noise far below
/// this, and keeping a few more states is always safe.
const SLACK: f64 = 1e-4;
/// Largest horizon·m the stage-1 tables may take (cells of 8 bytes), and the largest
/// objective scale for which f64 sums of integers stay exact.
const MAX_CELLS: f64 = 4.0e8;
/// Subgradient rounds of stage 1 at most (the step factor usually runs out first: about
/// 300-900 rounds on n = 100). Cutting them to 300 on n = 200 left the adjacency rounds a
/// little further to go, but worse incumbents from fewer repairs (which stage 3 pays for).
const STAGE1_ROUNDS: usize = 600;
/// Subgradient rounds on the adjacency relaxation after the plain ones at most (with node
/// removals every ADJACENCY_CHUNK rounds, stopping once ADJACENCY_WINDOW rounds gained under
/// ADJACENCY_GAIN of the gap), and the step factor they start from. On n = 200 (TF 0.6) a round costs
/// about 50 ms once the removals have begun, against 80 ms before, and these rounds raise
/// the bound about twice as fast per second as stage 2's on a network of 10-20 M arcs.
const ADJACENCY_ROUNDS: usize = 400;
/// Adjacency rounds between two node removals.
const ADJACENCY_CHUNK: usize = 25;
/// Adjacency rounds over which the bound's gain is measured for the stop rule.
const ADJACENCY_WINDOW: usize = 50;
/// The share of the gap (incumbent − bound) ADJACENCY_WINDOW rounds must gain to go on.
const ADJACENCY_GAIN: f64 = 0.03;
/// The share of the stage-1 nodes under which (after ADJACENCY_MIN rounds) the adjacency
/// rounds stop: the stage-2 network then has some 2-5 M arcs on n = 200 (10-25 a node), and
/// its rounds cost no more than an adjacency round while raising the bound more (on TF
/// 0.8-1 instances, 80 rounds get there; on TF 0.6 ones, a quarter of the nodes are left).
const ADJACENCY_SMALL: f64 = 0.10;
const ADJACENCY_MIN: usize = 75;
/// Stage 2: subgradient runs of this many rounds between arc eliminations, until the step
/// factor falls below the minimum and an elimination removes under 3 % of the arcs (on
/// n = 200 these longer runs ended about 90 units closer to the optimum than runs of 12
/// rounds stopped at 0.01, in less time, as the eliminations shrink the network).
const STAGE2_ROUNDS: usize = 60;
const STAGE2_MIN_LAMBDA: f64 = 0.001;
/// Where between the lower bound and the incumbent stage 2's tentative bound sits (see
/// `Network`): a quarter of the way up. Full n = 200 runs, one after the other: a quarter
/// 123/125 in 912.0 s, peak RSS 2,024 MB; half 123/125 in 908.1 s, 2,470 MB. Stage
/// harness: stage 3 of n200_tf0.6_rdd0.6_3 starts at 18.3 s (a quarter), 23.2 s (half),
/// 22.5 s (three quarters); of n200_tf1_rdd1_0 at 8.0, 8.5 and 10.7 s.
const STAGE2_CUT: f64 = 0.25;
const ADJACENCY_LAMBDA: f64 = 1.0;
/// The step factor the plain stage-1 run starts from: 2, the top of the Polyak range (steps
/// toward the incumbent, which lies above the relaxation's optimum, so they fall short). From
/// 1 the 600 rounds ended well below where the rounds from 2 got (n200_tf0.6_rdd0.6_2: 362,375
/// against 364,129; from 4 the run diverged), and the adjacency rounds after it had further to
/// go. Any μ gives a valid bound: this only changes how fast it rises.
const PLAIN_LAMBDA: f64 = 2.0;
/// Rounds without progress before the plain stage-1 run halves its step (`plain_run`): 80,
/// not LONG_STALL's 40. At 40 the factor fell from 2 to 0.125 within the 600 rounds while
/// the bound still rose; at 80 it ends at 0.25-1 and the plain bound ends far higher in the
/// same rounds (n200_tf0.6_rdd0.6_2: 365,081 against 364,605; n200_tf0.4_rdd0.6_1: 54,858
/// against 51,506). Stage 2 then ends higher or sooner (full runs back to back on the shared
/// 2-core machine, stage-2 end: n200_tf0.6_rdd0.6_3 472,484 at 28.6 s against 472,408 at
/// 46.9 s; n200_tf0.6_rdd0.6_2 366,082 at 38.9 s against 366,069 at 39.6 s;
/// n200_tf0.8_rdd0.6_3 and n200_tf1_rdd1_0 the same bound within 41 units, ±4 s). 120 did
/// as well on those four; 900 plain rounds (at 80) ended stage 2 lower on both TF 0.6
/// instances (365,999 and 472,473). The stage-2 runs keep 40 (`LONG_STALL`) and start from
/// 1: from 0.5 they ended lower on both (366,038 and 472,473).
const PLAIN_STALL: usize = 80;
/// Rounds without progress before the adjacency rounds halve their step (as LONG_STALL).
const ADJACENCY_STALL: usize = 40;
/// Rounds without progress before the branch and bound's adjacency tuning halves its step
/// (its runs are short, but they continue one another).
const TUNE_STALL: usize = 10;
const MAX_EXACT: f64 = 4.0e15;
/// Stage 3's first tentative bound sits this fraction of the gap above the lower bound.
const CUT_PARTS: f64 = 8.0;
/// Forward states over a stage-3 pass under which the next step grows by half, and over
/// which it halves (a few seconds' work on n = 200). Growing by half, not doubling: a pass
/// costs far more as the cut rises, and one that does not end by the time limit proves
/// nothing (n200_tf1_rdd1_1 at 60 s: bound 1,069,112 against 1,068,864 when doubling;
/// n200_tf1_rdd1_0: 1,110,349 against 1,110,199). The cheap mark was 4 M when a state cost
/// about three times what it does since the successor lists (sublimate.rs); at 16 M a pass
/// of 7-8 M states (2-3 s) now grows the step: at 60 s n200_tf0.8_rdd0.6_3 proven (55.9 s;
/// bound 1,095,981 at 4 M), n200_tf0.8_rdd0.2_3 bound 1,292,913 (1,292,885), the other
/// TF 0.8-1 stragglers measured keep the same passes (stage harness, SSDP_CHEAP knob).
const CHEAP_PASS: usize = 16_000_000;
const DEAR_PASS: usize = 30_000_000;
/// Default memory for the SSDP tables when the caller gives no `memory_limit`.
pub const DEFAULT_MEMORY: usize = 4 << 30;

/// True when SSDP can run on `inst`: integral p, w and d, and an objective small enough that
/// every partial sum is an exact integer in f64.
pub fn applicable(inst: &Instance) -> bool {
    let integral = |v: &[f64]| v.iter().all(|x| x.fract() == 0.0 && x.abs() < 1e12);
    if !(integral(inst.p()) && integral(inst.w()) && integral(inst.d())) {
        return false;
    }
    let horizon: f64 = inst.p().iter().sum();
    let wsum: f64 = inst.w().iter().sum();
    horizon * inst.len() as f64 <= MAX_CELLS && horizon * wsum <= MAX_EXACT
}

/// The integral job data SSDP works on (positive-weight jobs only, renumbered 0..m).
pub(super) struct Problem {
    m: usize,
    p: Vec<usize>,
    w: Vec<f64>,
    d: Vec<f64>,
    horizon: usize,
}

impl Problem {
    /// The data of `jobs` of `inst`, job r of the problem being `jobs[r]`.
    fn of(inst: &Instance, jobs: &[usize]) -> Problem {
        Problem {
            m: jobs.len(),
            p: jobs.iter().map(|&j| inst.p()[j] as usize).collect(),
            w: jobs.iter().map(|&j| inst.w()[j]).collect(),
            d: jobs.iter().map(|&j| inst.d()[j]).collect(),
            horizon: jobs.iter().map(|&j| inst.p()[j] as usize).sum(),
        }
    }

    /// w_j·max(0, t − d_j): the cost of job j completing at t.
    #[inline(always)]
    fn cost(&self, j: usize, t: usize) -> f64 {
        self.w[j] * (t as f64 - self.d[j]).max(0.0)
    }

    /// The job data as the local search takes it; `pf` is p as f64.
    fn jobs<'a>(&'a self, pf: &'a [f64]) -> Jobs<'a> {
        Jobs {
            p: pf,
            w: &self.w,
            d: &self.d,
        }
    }

    /// True when i (completing at t − p_j) then j (completing at t) may stand in a sequence
    /// that obeys the adjacent-interchange rule: swapping them is not strictly cheaper, and
    /// not equally cheap with j < i.
    #[inline(always)]
    fn pair_ok(&self, i: usize, j: usize, t: usize) -> bool {
        // Shortcuts (w > 0): i on time at t costs nothing either way, so only the tie rule
        // can allow it, and only when j is on time too (a tardy j gains by going first);
        // j on time at t with i late at t: i first is strictly cheaper.
        let tf = t as f64;
        if tf <= self.d[i] {
            return tf <= self.d[j] && i < j;
        }
        if tf <= self.d[j] {
            return true;
        }
        let here = self.cost(i, t - self.p[j]) + self.cost(j, t);
        let swapped = self.cost(j, t - self.p[i]) + self.cost(i, t);
        here < swapped || (here == swapped && i < j)
    }

    /// True when i then j (j completing at t) is not strictly dearer than j then i: the
    /// strict interchange rule, without the tie break.
    #[inline(always)]
    fn pair_not_worse(&self, i: usize, j: usize, t: usize) -> bool {
        // as in `pair_ok`: i on time at t leaves only j's cost, equal iff j is on time
        let tf = t as f64;
        if tf <= self.d[i] {
            return tf <= self.d[j];
        }
        if tf <= self.d[j] {
            return true;
        }
        let here = self.cost(i, t - self.p[j]) + self.cost(j, t);
        let swapped = self.cost(j, t - self.p[i]) + self.cost(i, t);
        here <= swapped
    }

    /// Σ f_j(C_j) of `seq` (a permutation of 0..m).
    fn objective(&self, seq: &[usize]) -> f64 {
        let mut t = 0;
        seq.iter()
            .map(|&j| {
                t += self.p[j];
                self.cost(j, t)
            })
            .sum()
    }
}

/// The shared backward bound reads SSDP's own pair tests (exact on integral data, with the
/// shortcuts positive weights allow).
impl PairRules for Problem {
    #[inline(always)]
    fn cost(&self, k: usize, t: usize) -> f64 {
        Problem::cost(self, k, t)
    }
    #[inline(always)]
    fn tie(&self, j: usize, k: usize, t: usize) -> bool {
        self.pair_ok(j, k, t + self.p[k])
    }
    #[inline(always)]
    fn strict(&self, j: usize, k: usize, t: usize) -> bool {
        self.pair_not_worse(j, k, t + self.p[k])
    }
}

/// The incumbent and what is proven so far, shared by the stages.
pub(super) struct Bounds {
    ub: f64,
    best: Vec<usize>,
    lb: f64,
    /// A tentative upper bound below `ub` that stage 3 prunes with (INF otherwise): a pass
    /// that finds no path below it proves `cut` a lower bound (see [`Bounds::limit`]).
    cut: f64,
}

impl Bounds {
    /// What states are pruned against: the incumbent, or the tentative bound below it.
    #[inline]
    fn limit(&self) -> f64 {
        self.ub.min(self.cut)
    }
    /// A state whose bound is `b` may still lead to a sequence of objective below the limit
    /// (objectives are integers: below `limit − 1` once the slack is allowed for).
    #[inline]
    fn keeps(&self, b: f64) -> bool {
        b < self.limit() - 1.0 + SLACK
    }
    /// Takes `lb`, the optimum of a relaxation pruned against the limit, as a lower bound:
    /// the paths pruned cost at least the limit, so min(lb, limit) bounds every sequence.
    fn raise_lb(&mut self, lb: f64) {
        // objectives are integers: a bound of 41.2 proves 42
        let lb = (lb - SLACK).ceil().max(0.0);
        if lb > self.lb {
            self.lb = lb.min(self.limit());
        }
    }
    /// No relaxed path is left below the limit: no sequence costs less than it.
    fn none_below_limit(&mut self) {
        self.lb = self.lb.max(self.limit());
    }
    fn closed(&self) -> bool {
        self.lb >= self.ub
    }
    /// Takes `seq` if it is better than the incumbent.
    fn offer(&mut self, pb: &Problem, seq: Vec<usize>) {
        let v = pb.objective(&seq);
        if v < self.ub {
            self.ub = v;
            self.best = seq;
        }
    }
}

/// A sequence from a relaxed path: first occurrences in path order, then the missing jobs in
/// EDD order, improved by local search. Tanaka et al. use the same repair for upper bounds.
fn repair(pb: &Problem, pf: &[f64], path: &[usize], budget: &Budget) -> Vec<usize> {
    let mut seen = vec![false; pb.m];
    let mut seq = Vec::with_capacity(pb.m);
    for &j in path {
        if !seen[j] {
            seen[j] = true;
            seq.push(j);
        }
    }
    let mut missing: Vec<usize> = (0..pb.m).filter(|&j| !seen[j]).collect();
    missing.sort_by(|&a, &b| pb.d[a].total_cmp(&pb.d[b]).then(a.cmp(&b)));
    // each missing job goes where its due date fits among the kept ones
    for j in missing {
        let pos = seq.iter().position(|&k| pb.d[k] > pb.d[j]).unwrap_or(seq.len());
        seq.insert(pos, j);
    }
    descend(pb.jobs(pf), &mut seq, budget, swap_span(pb.m));
    seq
}

/// True when `path` holds every job of 0..m exactly once.
fn is_sequence(m: usize, path: &[usize]) -> bool {
    if path.len() != m {
        return false;
    }
    let mut seen = vec![false; m];
    path.iter().all(|&j| !std::mem::replace(&mut seen[j], true))
}

/// The positive-weight jobs of `inst` in earliest-due-date order (ties: shorter, then
/// lighter, then by index), the numbering SSDP works in.
///
/// Every rule that prunes (the pair rule of stages 1-2, the three-job rule of stage 3) keeps
/// the lexicographically smallest optimal sequence, so of two orders of equal cost it keeps
/// the one with the smaller number first: the numbering decides which tied orders the
/// relaxations may use. Ties are most common between jobs both on time, and EDD is the
/// order such jobs take in good sequences; SiPS breaks its ties by EDD too by default (its
/// `tiebreak` parameter). By plain index the relaxed paths chain repeats of cheap early
/// jobs in index order. On n200_tf0.6_rdd0.6_3, under the same multipliers (SiPS's at the end
/// of its stage 1), the adjacency relaxation is 472,094 by index and 472,198 by EDD, and
/// with each numbering's own stage 1 the first stage-2 network keeps 276,000 nodes by index
/// and 34,000 by EDD; the instance, open at 60 s by index, is proven in 9 s. A due date
/// before the job's own processing time counts as that time (the job is late by the same
/// amount either way), as SiPS does.
fn tie_order(inst: &Instance) -> Vec<usize> {
    let (p, w, d) = (inst.p(), inst.w(), inst.d());
    let mut jobs: Vec<usize> = (0..inst.len()).filter(|&j| w[j] > 0.0).collect();
    let due = |j: usize| d[j].max(p[j]);
    jobs.sort_by(|&a, &b| {
        (due(a), p[a], w[a])
            .partial_cmp(&(due(b), p[b], w[b]))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    jobs
}

/// Exact 1||Σw_jT_j by SSDP (module notes). The caller checks [`applicable`]; `incumbent`, if
/// given, must be a permutation. `memory_limit` bounds the SSDP tables in bytes.
pub fn solve_ssdp(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    memory_limit: Option<usize>,
) -> CoreResult<Solution> {
    if let Some(done) = settle_trivial(inst, incumbent.as_deref(), budget)? {
        return Ok(done);
    }
    let memory = memory_limit.unwrap_or(DEFAULT_MEMORY);
    let n = inst.len();
    let core = tie_order(inst);
    let zeros: Vec<usize> = (0..n).filter(|&j| inst.w()[j] <= 0.0).collect();
    let pb = Problem::of(inst, &core);
    let pf: Vec<f64> = pb.p.iter().map(|&x| x as f64).collect();
    let finish = |b: &Bounds, optimal: bool| -> Solution {
        let mut sequence: Vec<usize> = b.best.iter().map(|&r| core[r]).collect();
        sequence.extend_from_slice(&zeros);
        let objective = inst.objective(&sequence);
        let lower_bound = if optimal { objective } else { b.lb.min(objective) };
        Solution {
            sequence,
            objective,
            optimal,
            lower_bound,
        }
    };

    // Upper bound: the caller's incumbent restricted to the core jobs, MDD and ATC, each
    // improved by iterated descent.
    let mut index = vec![NONE; n];
    for (r, &j) in core.iter().enumerate() {
        index[j] = r as u32;
    }
    let mut bounds = Bounds {
        ub: INF,
        best: Vec::new(),
        lb: 0.0,
        cut: INF,
    };
    let core_inst = Instance::new(pf.clone(), pb.d.clone(), Some(pb.w.clone()))?;
    let mut starts = vec![rules::mdd(&core_inst), rules::atc_auto(&core_inst).0];
    if let Some(s) = &incumbent {
        starts.push(
            s.iter()
                .filter(|&&j| index[j] != NONE)
                .map(|&j| index[j] as usize)
                .collect(),
        );
    }
    for mut s in starts {
        iterated_descent(pb.jobs(&pf), &mut s, budget, 30, 1);
        bounds.offer(&pb, s);
    }
    if pb.m == 0 || bounds.ub == 0.0 {
        return Ok(finish(&bounds, true));
    }
    trace!("m {} horizon {} ub {}", pb.m, pb.horizon, bounds.ub);

    // Stage 1: no job twice in a row; tune μ, then remove nodes.
    let cells = (pb.horizon + 1) * pb.m;
    // F, B and the predecessors (24 bytes a cell with slack), and the adjacency DP's ring of
    // prefix minima: two (f64, u32) per job and row, p_max + 1 rows
    let pmax = pb.p.iter().copied().max().unwrap_or(0);
    let ring = (pmax + 1).saturating_mul(pb.m + 1).saturating_mul(32);
    if cells.saturating_mul(24).saturating_add(ring) > memory {
        return fallback(inst, &bounds, &core, &zeros, budget, finish);
    }
    let mut mu: Vec<f64> = initial_prices(pb.jobs(&pf), &bounds.best);
    let mut adj = Adjacency::new(&pb);
    if let Some(seq) = stage1(&pb, &pf, &mut mu, &mut bounds, budget, &mut adj) {
        bounds.offer(&pb, seq);
        return Ok(finish(&bounds, true));
    }
    if bounds.closed() {
        return Ok(finish(&bounds, true));
    }
    if budget.exhausted() {
        return Ok(finish(&bounds, false));
    }
    trace!("stage 1 done: lb {} ub {}", bounds.lb, bounds.ub);

    // Stage 2: memory of two jobs and adjacent-interchange arcs, pruned against a tentative
    // bound a quarter of the way up the gap (see `Network`).
    let mut net = Network {
        adj,
        memory: memory.saturating_sub(cells.saturating_mul(24)),
        limit: INF,
    };
    // a network for a limit of at least `floor`, or the answer to return (proven, out of
    // time, or the branch and bound's where the arcs would need too much memory)
    let rebuild = |net: &mut Network, bounds: &mut Bounds, mu: &[f64], floor: f64| {
        let Some(arcs) = net.build(&pb, mu, bounds, budget, floor) else {
            return Err(fallback(inst, bounds, &core, &zeros, budget, finish));
        };
        if bounds.closed() {
            return Err(Ok(finish(bounds, true)));
        }
        if budget.exhausted() {
            return Err(Ok(finish(bounds, false)));
        }
        trace!(
            "stage 2 network: lb {} limit {} arcs {} nodes {}",
            bounds.lb,
            bounds.limit(),
            arcs.len(),
            arcs.nodes()
        );
        Ok(arcs)
    };
    let mut arcs = match rebuild(&mut net, &mut bounds, &mu, 0.0) {
        Ok(arcs) => arcs,
        Err(answer) => return answer,
    };
    // Short subgradient runs between eliminations: each elimination with a closer bound
    // removes more arcs and makes the next runs cheaper.
    let mut lambda = knob("SSDP_STAGE2_LAMBDA_MILLI", 1000) as f64 / 1000.0;
    for _ in 0..knob("SSDP_STAGE2_RUNS", 60) {
        if let Some(seq) = arcs.optimise(
            &pb,
            &pf,
            &mut mu,
            &mut bounds,
            budget,
            knob("SSDP_STAGE2_ROUNDS", STAGE2_ROUNDS),
            &mut lambda,
        ) {
            bounds.offer(&pb, seq);
            return Ok(finish(&bounds, true));
        }
        if bounds.closed() {
            return Ok(finish(&bounds, true));
        }
        if budget.exhausted() {
            return Ok(finish(&bounds, false));
        }
        let before = arcs.len();
        if bounds.lb < bounds.limit() {
            arcs.eliminate(&pb, &mu, &mut bounds, budget);
            if arcs.is_empty() {
                bounds.none_below_limit();
            }
        }
        if bounds.closed() {
            return Ok(finish(&bounds, true));
        }
        if bounds.lb >= bounds.limit() {
            // the tentative bound is proven: a network for a higher one
            drop(arcs);
            arcs = match rebuild(&mut net, &mut bounds, &mu, 0.0) {
                Ok(arcs) => arcs,
                Err(answer) => return answer,
            };
            continue;
        }
        trace!(
            "stage 2: lb {} ub {} lambda {lambda:.4} arcs {} nodes {}",
            bounds.lb,
            bounds.ub,
            arcs.len(),
            arcs.nodes()
        );
        if lambda < STAGE2_MIN_LAMBDA && arcs.len() as f64 > 0.97 * before as f64 {
            break;
        }
    }

    // the stage harness may stop here to time stages 1-2 alone
    if knob("SSDP_STOP_STAGE2", 0) == 1 {
        return Ok(finish(&bounds, false));
    }

    // Stage 3: successive sublimation over the jobs the relaxed optimum gets wrong, in
    // passes under a tentative upper bound `cut` a step above the lower bound, as Tanaka et
    // al.'s SiPS does: pruning against `cut` instead of the incumbent leaves far fewer
    // states when the incumbent is not yet optimal or the gap is wide. A pass either finds
    // the optimum (below `cut`) or proves `cut` a lower bound; the step then grows while
    // passes stay cheap, so the last pass prunes against the incumbent itself.
    let mut step = ((bounds.ub - bounds.lb) / CUT_PARTS).ceil().max(1.0);
    let cheap = knob("SSDP_CHEAP", CHEAP_PASS);
    let mut carry = Carry::new();
    loop {
        let cut = bounds.lb + step;
        if cut.min(bounds.ub) > net.limit {
            // the stage-2 network was pruned below this pass's limit
            drop(arcs);
            arcs = match rebuild(&mut net, &mut bounds, &mu, cut) {
                Ok(arcs) => arcs,
                Err(answer) => return answer,
            };
            continue;
        }
        bounds.cut = if cut < bounds.ub { cut } else { INF };
        trace!(
            "stage 3 pass: lb {} cut {} ub {}",
            bounds.lb,
            bounds.cut,
            bounds.ub
        );
        let mut pass = arcs.clone();
        let mut work = 0;
        let end = sublimate(
            &pb,
            &pf,
            &mut pass,
            &mu,
            &mut bounds,
            budget,
            net.memory,
            &mut work,
            &mut carry,
        );
        let tentative = bounds.cut < INF;
        bounds.cut = INF;
        match end {
            Sublimation::Optimal if bounds.closed() => return Ok(finish(&bounds, true)),
            // the states a pass visits grow fast with the cut: a step that cost little
            // grows by half, one that cost much halves
            Sublimation::Optimal if work < cheap => step = (step * 1.5).ceil(),
            Sublimation::Optimal if work > DEAR_PASS => step = (step / 2.0).ceil(),
            Sublimation::Optimal => {}
            Sublimation::Stopped => return Ok(finish(&bounds, false)),
            // a lower cut leaves fewer states
            Sublimation::TooBig if tentative && step >= 2.0 => step = (step / 2.0).floor(),
            Sublimation::TooBig => return fallback(inst, &bounds, &core, &zeros, budget, finish),
        }
    }
}

/// Stage 2's network and what rebuilds it. The network is pruned against a tentative bound
/// (STAGE2_CUT of the way from the lower bound to the incumbent) rather than the incumbent:
/// while the relaxed optimum lies below that bound no pruned arc carries it, so the rounds
/// find the same multipliers and bounds on a smaller network. Once the lower bound reaches
/// the tentative one, that is proven (every path left costs at least as much, and the
/// paths pruned do too), and the network is built again from stage 1's nodes for a higher
/// one; so it is when a stage-3 pass prunes against a limit above it. Stage harness, one
/// binary after the other, the tentative bound halfway up against the incumbent: stage 2 of
/// n200_tf0.6_rdd0.6_2 ends at 25.8 s instead of 39.9 s with the same bound (366,083
/// against 366,082; 3.7 M arcs left instead of 7.0 M), of n200_tf0.6_rdd0.6_3 at 23.2 s
/// instead of 30.6 s, of n200_tf1_rdd1_0 and n200_tf0.8_rdd0.6_3 at 8.5-8.6 s instead of
/// 12.6-13.5 s (a rebuild costs 0.5-1 s); a quarter of the way up, stage 2 of the two TF 0.6
/// instances ends at 16.3 s (366,081) and 17.9 s (472,484, as before).
struct Network {
    /// Stage 1's relaxation, its dead nodes removed (for good: they were pruned against an
    /// incumbent no later limit exceeds).
    adj: Adjacency,
    /// Memory for the arcs (the stage-1 tables kept beside them taken off).
    memory: usize,
    /// The limit the current network was pruned against.
    limit: f64,
}

impl Network {
    /// The stage-2 arcs under `mu` for a tentative bound STAGE2_CUT up the gap (at least
    /// `floor`; none at or above the incumbent), after one backward elimination; where none
    /// is left, that bound is proven and the next one is tried. Leaves `bounds.cut` at the
    /// bound used. `None`: the arcs would need more than the memory.
    fn build(
        &mut self,
        pb: &Problem,
        mu: &[f64],
        bounds: &mut Bounds,
        budget: &Budget,
        floor: f64,
    ) -> Option<Arcs> {
        let share = knob("SSDP_STAGE2_CUT_MILLI", (STAGE2_CUT * 1000.0) as usize) as f64 / 1000.0;
        loop {
            let cut = (bounds.lb + ((bounds.ub - bounds.lb) * share).ceil()).max(floor);
            bounds.cut = if cut < bounds.ub { cut } else { INF };
            self.limit = bounds.limit();
            let alive = self.adj.alive_nodes(pb, mu, bounds);
            let mut arcs = Arcs::build(pb, &self.adj, &alive, mu, bounds, self.memory, budget)?;
            drop(alive);
            trace!("stage 2 arcs built: limit {} arcs {}", self.limit, arcs.len());
            if budget.exhausted() {
                return Some(arcs);
            }
            // the build pruned with forward values only: one backward pass under the same μ
            // removes the arcs no cheap completion leaves, before a round pays for them
            arcs.eliminate(pb, mu, bounds, budget);
            if !arcs.is_empty() && bounds.lb < bounds.limit() {
                return Some(arcs);
            }
            bounds.none_below_limit();
            if bounds.closed() || budget.exhausted() {
                return Some(arcs);
            }
        }
    }
}

/// Stage 1: multipliers tuned on the plain relaxation (a few ms per round), then on the
/// adjacency one (`adj`, a few times dearer, several % of the optimum closer on n = 100).
/// `Some` is a proven optimal sequence.
fn stage1(
    pb: &Problem,
    pf: &[f64],
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    adj: &mut Adjacency,
) -> Option<Vec<usize>> {
    let mut plain = Stage1::new(pb);
    let mut plain_lambda = knob("SSDP_PLAIN_LAMBDA_MILLI", (PLAIN_LAMBDA * 1000.0) as usize) as f64 / 1000.0;
    if let Some(seq) = plain_run(
        pb,
        pf,
        mu,
        bounds,
        budget,
        knob("SSDP_PLAIN_ROUNDS", STAGE1_ROUNDS),
        &mut plain_lambda,
        |mu| plain.evaluate(pb, mu),
    ) {
        return Some(seq);
    }
    drop(plain);
    trace!(
        "stage 1 plain: lb {} ub {} lambda {plain_lambda:.4}",
        bounds.lb,
        bounds.ub
    );
    if bounds.closed() || budget.exhausted() {
        return None;
    }
    // Every ADJACENCY_CHUNK rounds, the nodes no tie-rule path below the incumbent passes
    // are removed: the rounds after it skip those cells (on n = 200 half to three quarters
    // of them). The rounds stop once ADJACENCY_WINDOW of them gained under ADJACENCY_GAIN of
    // the gap, or once under ADJACENCY_SMALL of the nodes are left: from there stage 2's
    // rounds, on a network that has shrunk, do better.
    let mut lambda = knob("SSDP_ADJ_LAMBDA_MILLI", (ADJACENCY_LAMBDA * 1000.0) as usize) as f64 / 1000.0;
    let mut ran = 0;
    // The removals prune against the incumbent from before these rounds: `bounds` is lent to
    // the rounds below, so a better incumbent they find is not used here (valid, only weaker).
    let limit = Bounds {
        ub: bounds.ub,
        best: Vec::new(),
        lb: 0.0,
        cut: INF,
    };
    let mut evals = 0;
    #[cfg(test)]
    let mut adj_best = -INF;
    let small = std::cell::Cell::new(false);
    let cells = pb.m * (pb.horizon + 1);
    let out = subgradient_patient(
        pb,
        pf,
        mu,
        bounds,
        budget,
        knob("SSDP_ADJ_ROUNDS", ADJACENCY_ROUNDS),
        &mut lambda,
        knob("SSDP_ADJ_STALL", ADJACENCY_STALL),
        &mut ran,
        (ADJACENCY_WINDOW, ADJACENCY_GAIN),
        &small,
        |mu| {
            let r = adj.evaluate(pb, mu);
            evals += 1;
            #[cfg(test)]
            {
                adj_best = adj_best.max(r.0 + mu.iter().sum::<f64>());
            }
            if evals % ADJACENCY_CHUNK == 0 {
                let left = adj.remove_dead(pb, mu, &limit);
                trace!("stage 1 adjacency: {evals} rounds, nodes left {left}, best {adj_best:.0}");
                if evals >= ADJACENCY_MIN && (left as f64) < ADJACENCY_SMALL * cells as f64 {
                    small.set(true);
                }
            }
            r
        },
    );
    trace!(
        "stage 1 adjacency: {ran} rounds, lb {} ub {} lambda {lambda:.4}",
        bounds.lb,
        bounds.ub
    );
    out
}

/// The adjacency relaxation for the branch and bound's root (integral p, w, d with positive
/// weights): more subgradient rounds on it, in runs the caller interleaves with searches,
/// and the node tables for the multipliers it ends with.
pub(in crate::tardiness) struct AdjacencyTuner {
    pb: Problem,
    adj: Adjacency,
    bounds: Bounds,
    /// The step factor, carried from one run to the next.
    lambda: f64,
    /// Rounds run so far.
    pub(in crate::tardiness) rounds: usize,
    /// Some removal has run ([`Adjacency::eliminate`]).
    removed: bool,
}

impl AdjacencyTuner {
    /// `seq` is the incumbent (a permutation of the jobs).
    pub(in crate::tardiness) fn new(jobs: Jobs, seq: &[usize]) -> AdjacencyTuner {
        let pb = Problem {
            m: jobs.p.len(),
            p: jobs.p.iter().map(|&x| x as usize).collect(),
            w: jobs.w.to_vec(),
            d: jobs.d.to_vec(),
            horizon: jobs.p.iter().map(|&x| x as usize).sum(),
        };
        let mut bounds = Bounds {
            ub: INF,
            best: Vec::new(),
            lb: 0.0,
            cut: INF,
        };
        bounds.offer(&pb, seq.to_vec());
        let adj = Adjacency::new(&pb);
        AdjacencyTuner {
            pb,
            adj,
            bounds,
            lambda: ADJACENCY_LAMBDA,
            rounds: 0,
            removed: false,
        }
    }

    /// Takes `seq` as the incumbent if it is better (the Polyak steps aim at it).
    pub(in crate::tardiness) fn offer(&mut self, seq: &[usize]) {
        self.bounds.offer(&self.pb, seq.to_vec());
    }

    /// Up to `rounds` subgradient rounds from `mu` (left at the best multipliers of the run).
    /// Returns true when nothing is left to tune: the bound met the incumbent, the relaxed
    /// optimum was a sequence (then optimal, and the incumbent), or the step factor ran out.
    pub(in crate::tardiness) fn tune(
        &mut self,
        jobs: Jobs,
        mu: &mut Vec<f64>,
        rounds: usize,
        budget: &Budget,
    ) -> bool {
        if !self.removed {
            self.remove(mu, self.bounds.ub);
        }
        let (adj, pb, bounds) = (&mut self.adj, &self.pb, &mut self.bounds);
        let mut ran = 0;
        let opt = subgradient_counted(
            pb,
            jobs.p,
            mu,
            bounds,
            budget,
            rounds,
            &mut self.lambda,
            TUNE_STALL,
            &mut ran,
            |mu| adj.evaluate(pb, mu),
        );
        self.rounds += ran;
        #[cfg(test)]
        super::exact_bb::count(0, ran as u64, 0);
        if let Some(opt) = opt {
            self.bounds.offer(&self.pb, opt);
            self.bounds.lb = self.bounds.ub;
        }
        self.bounds.closed() || self.lambda < SUBGRADIENT_MIN_LAMBDA
    }

    /// Removes the nodes no sequence of value below `ub − 1` passes under `mu`.
    fn remove(&mut self, mu: &[f64], ub: f64) {
        self.adj.forward(&self.pb, mu);
        let _left = self.adj.eliminate(&self.pb, mu, ub);
        #[cfg(test)]
        super::exact_bb::count(0, 0, _left as u64);
        self.removed = true;
    }

    /// The bound proven so far, and the best sequence seen with its objective.
    pub(in crate::tardiness) fn lb(&self) -> f64 {
        self.bounds.lb
    }
    pub(in crate::tardiness) fn best(&self) -> (&[usize], f64) {
        (&self.bounds.best, self.bounds.ub)
    }

    /// The node tables for `mu`, after removing for good the nodes no sequence of value below
    /// `ub − 1` passes (`ub`: the caller's incumbent, see [`Adjacency::eliminate`]): F (tie
    /// rule throughout) and E (strict rule on the last pair), each at t·m + j, and the
    /// relaxed bound L(μ) with Σμ, at most `ub` (no path left: nothing beats `ub`).
    /// Before any tuning (the root's first search) nothing is removed yet: most instances
    /// are proven by that search, and for them the backward pass would be wasted; the first
    /// [`AdjacencyTuner::tune`] removes first.
    pub(in crate::tardiness) fn tables(&mut self, mu: &[f64], ub: f64) -> (f64, Vec<f64>, Vec<f64>) {
        if self.rounds > 0 {
            self.remove(mu, ub);
        }
        let v = self.adj.forward_with_edge(&self.pb, mu);
        let lb = (v + mu.iter().sum::<f64>()).min(ub);
        self.bounds.raise_lb(lb);
        (lb, self.adj.f.clone(), std::mem::take(&mut self.adj.edge))
    }
}

/// A tuning constant, overridden by the environment variable `name` in the stage harness
/// only (`tests.rs`, `ssdp_stages`), so that settings can be compared without rebuilds.
#[cfg(test)]
fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(default)
}
#[cfg(not(test))]
fn knob(_: &str, default: usize) -> usize {
    default
}

/// Bounded-memory mode: the branch and bound from the incumbent, keeping the better bound.
fn fallback(
    inst: &Instance,
    bounds: &Bounds,
    core: &[usize],
    zeros: &[usize],
    budget: &Budget,
    finish: impl Fn(&Bounds, bool) -> Solution,
) -> CoreResult<Solution> {
    let mut inc: Vec<usize> = bounds.best.iter().map(|&r| core[r]).collect();
    inc.extend_from_slice(zeros);
    let s = exact_bb::solve_weighted(inst, Some(inc), budget)?;
    if s.optimal {
        return Ok(s);
    }
    let mine = finish(bounds, false);
    let mut out = if s.objective <= mine.objective { s } else { mine };
    out.lower_bound = out.lower_bound.max(bounds.lb).min(out.objective);
    Ok(out)
}
