//! Exact 1||ΣT_j (unit weights) by branching and memorisation: the decomposition algorithm
//! of Szwarc, Grosso & Della Croce ("Algorithmic paradoxes of the single-machine total
//! tardiness problem", J. Scheduling 4, 2001) inside Branch & Memorize (Shang, T'kindt &
//! Della Croce, Computers & OR 128, 2021, 105171).
//!
//! Jobs are renumbered in EDD order (d, then p, then id), so a sub-problem is a sorted list of
//! EDD indices S started at time t. "Longer" means larger (p, EDD index). For S:
//!
//! * at most one tardy job in EDD order: EDD is optimal (ΣT ≥ T_max ≥ L_max(EDD));
//! * every job late wherever it goes (t + p_j ≥ d_j for all j): ΣT = ΣC - Σd, SPT is optimal;
//! * the EDD-last job, on time at the end of S, can go last (Emmons); repeated while it holds;
//! * otherwise branch. Lawler (1977): the longest job k, at EDD position s, is preceded by
//!   exactly S[..=r] ∖ k for some r ≥ s. Positions are cut by the 2001 paper's rules, which
//!   compare integers and so run only on integral data (below 2^53), where f64 is exact:
//!   rule 3, r ≥ s + 2 and C(r) ≤ max_{s<i<r} (d_i + p_i), with C(r) the completion of
//!   S[..=r]; rule 4, with T(r) the tardiness of EDD with k moved right after S[r],
//!   T(r) ≥ min_{s≤i<r} T(i), or T(r) > T(r+1).
//! * Double decomposition (Della Croce, Tadei, Baracco & Grosso, JORS 49, 1998), when k is
//!   not EDD-first: the EDD-first job e precedes every job not shorter than it (Emmons) and is
//!   preceded by the first q jobs shorter than it, in EDD order, for some q. A pair (r, q) is
//!   compatible when those q jobs lie in S[..=r]; it cuts S into left (the q short jobs, at t),
//!   e, middle (the rest of S[..=r] but k), k, right (S[r+1..], at C(r)). The positions q are
//!   cut by rule 4 on the sub-sequence e + short jobs, where e is the longest and EDD-first.
//!
//! Every solved branching node is memorised under (job set, t): per set (two independent
//! 64-bit Zobrist sums: a false match needs a 128-bit collision of two different sets), the
//! start times it was solved at, in order, each with its value and chosen (r, q); the sequence
//! is rebuilt from the choices at the end. The memo is a cache, so memory stays bounded and
//! the answer exact: when it reaches its cap (`memory_limit`), the entries not used since the
//! last clean-up are removed (the paper's strategy 9; all of them if that frees less than a
//! quarter), at the cost of re-solving what was removed.
//!
//! Bounded splits (ours; integral data only, where every sum below is exact). Nearly all the
//! work is in the splits beyond the first (following only the first split at each node gives
//! a sequence ~10 % above the optimum in 64 nodes at n = 500), and a set recurs at many start
//! times (n = 500, TF 0.6: 2.5 M nodes on 15 k distinct sets). So when a node has several
//! splits, each gets a lower bound: its exact costs (k's and e's tardiness) plus a bound of
//! each part, the larger of the SPT/EDD pairing bound and what the memo knows of the part's
//! set at other start times (V(t) ≥ V(t') + (t - t')·(Moore's fewest tardy jobs at t') for
//! t' < t, and V(t) ≥ V(t'') - |S|·(t'' - t) for t'' > t; `neighbour_bound`). Splits are
//! solved in increasing order of bound, a split's later parts are skipped once its solved
//! parts plus the others' bounds reach the best value, and the search of the node stops
//! once the next bound does. Every part solved is solved exactly, so the memo holds exact
//! values only. (Passing the best value down as a cut-off, so that children may stop with a
//! bound instead, made proofs of failure that multiplied and were searched again under higher
//! cut-offs: 2.1 M nodes against 1.1 M with exact parts on one n = 400 instance; dropped.)
//!
//! Where this differs from the papers: the three direct cases above are ours (exact, cheap);
//! small sets are branched, not enumerated; the memo compares 128-bit set hashes, not the
//! stored job lists; rule 3 is not applied to the positions q (only rule 4 is, on the
//! sub-sequence where e is the longest job, the same rule as for k); the memo's cap is in
//! bytes of this table, not the process's RSS.
//!
//! Stopped by the time limit, the answer is the best heuristic sequence with the simple lower
//! bound, as in `exact_dp.rs`.
//!
//! Tried and dropped (n = 500, paired runs against the same build): children's memo keys from
//! the parent's Zobrist prefix sums, probed before the child's pass, were 10-15 % slower (a
//! probe of a 240 MB table is a cache miss, and most children end in a direct case without one);
//! building the middle part only when the left part leaves room gained nothing measurable.

use super::exact_dp::{proven_optimum, stopped_answer};
use super::{settle_trivial, sorted_by, Instance, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::{FastMap, SplitMix64};

/// `q` of a node branched on the longest job only.
const SINGLE: u32 = u32::MAX;
/// Bytes one memo entry takes with its share of the tables' slack (a 40-byte slot in a
/// per-set vector that may be half empty, plus the set's key and vector header).
const ENTRY_BYTES: usize = 96;
/// Memo size when the caller gives no `memory_limit`.
pub const DEFAULT_MEMORY: usize = 2 << 30;
/// Integral data below this magnitude is exact in f64 (position rules 3 and 4 need it).
const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// Counters of one run, for the benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Branching nodes solved (memo misses that branched).
    pub nodes: u64,
    /// Memo hits.
    pub hits: u64,
    /// Entries in the memo at the end.
    pub memo_entries: u64,
    /// Calls on sets of two jobs or more.
    pub calls: u64,
    /// Sets solved by SPT (every job late wherever it goes).
    pub all_late: u64,
    /// Times the memo was full and cleaned up.
    pub clean_ups: u64,
    /// Splits (r, q) skipped because a lower bound of their cost reached the best found.
    pub pruned: u64,
}

/// What one call on a set gives: its value, or the length of the prefix to solve instead
/// (the jobs after it go last, on time).
enum Step {
    Value(f64),
    Prefix(usize),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    No,
    Budget,
}

/// Scratch of one recursion level.
#[derive(Default)]
struct Frame {
    /// EDD completion time of each member.
    c: Vec<f64>,
    lpos: Vec<u32>,
    qpos: Vec<u32>,
    /// Members shorter than the EDD-first job, in EDD order, and their positions in S.
    short: Vec<u32>,
    short_at: Vec<u32>,
    left: Vec<u32>,
    mid: Vec<u32>,
    /// The candidate splits: lower bound, r, q, and the bounds of the middle and right parts.
    cands: Vec<Candidate>,
    /// Values of right parts already solved at this node: (r, value).
    rights: Vec<(u32, f64)>,
    /// Bounds of left parts of the double decomposition (the q short jobs at t, so one per
    /// q) already computed at this node: (q, bound).
    lefts: Vec<(u32, f64)>,
}

/// A split (r, q) with a lower bound of its cost and of its middle and right parts.
#[derive(Clone, Copy)]
struct Candidate {
    lb: f64,
    r: u32,
    q: u32,
    lb_mid: f64,
    lb_right: f64,
}

struct Search<'b> {
    p: Vec<f64>,
    d: Vec<f64>,
    jobs: Vec<Job>,
    /// Solved sub-problems: per set (its two Zobrist sums), the start times it was solved
    /// at, in increasing order.
    memo: FastMap<(u64, u64), SetMemo>,
    entries: usize,
    max_entries: usize,
    /// Rules 3 and 4 and the lower bounds (integral data only: exact in f64).
    rules: bool,
    /// Double decomposition.
    double: bool,
    /// Scratch per recursion level, boxed so that lending one out moves a pointer.
    pool: Vec<Option<Box<Frame>>>,
    /// Scratch of `sort_p`: the sorted processing times, all jobs in SPT order, each job's
    /// rank in it, and a bitset over ranks (all zero between uses; `fewest_late` uses it too).
    sorted_p: Vec<f64>,
    spt: Vec<u32>,
    rank: Vec<u32>,
    bits: Vec<u64>,
    /// The processing time of each SPT rank, and a bitset over ranks that `quick_bound`
    /// fills in its first pass and [`Self::pair_ranked`] reads back (all zero between uses).
    p_of_rank: Vec<f64>,
    rank_bits: Vec<u64>,
    stats: Stats,
    stop: Stop,
    budget: Budget<'b>,
}

#[inline]
fn tard(c: f64, d: f64) -> f64 {
    (c - d).max(0.0)
}

/// What one pass over a set gives.
struct Scan {
    /// Jobs late in EDD order, and their total tardiness.
    late: usize,
    total: f64,
    /// Every job is late wherever it goes (t + p_j ≥ d_j for all j): then ΣT = ΣC - Σd and
    /// SPT is optimal.
    all_late: bool,
    /// Memo key: the set's two Zobrist sums.
    key: (u64, u64),
    /// Jobs late wherever they go (t + p_j > d_j).
    always_late: u32,
    /// Position of the longest member (largest p, ties to the larger EDD index).
    sk: usize,
}

/// A set solved at one start time (kept in [`SetMemo`]): its value, its choice (r, q),
/// whether it was used since the last clean-up, and the slope that bounds its value at later
/// start times.
#[derive(Clone, Copy)]
struct Slot {
    value: f64,
    r: u32,
    q: u32,
    /// Jobs late in every sequence from this start time: those late wherever they go, then,
    /// once `moore` (computed when first needed), the fewest tardy jobs (Moore & Hodgson),
    /// which is never fewer.
    slope: u32,
    moore: bool,
    used: bool,
}

/// The start times one set was solved at. The times are sorted and dense, each with the
/// index of its slot; the slots stay in the order they were solved. (One sorted vector of
/// whole slots cost 15-20 % of the run at n = 500: a set is solved at hundreds of start
/// times, so each binary search missed the cache at most probes and each insertion moved
/// kilobytes. Now a probe reads 8 bytes and an insertion moves 12 per later time.)
#[derive(Default)]
struct SetMemo {
    t: Vec<f64>,
    at: Vec<u32>,
    slots: Vec<Slot>,
}

impl SetMemo {
    /// Where start time `t` is, or would go, among the sorted times.
    fn find(&self, t: f64) -> usize {
        self.t.partition_point(|&x| x < t)
    }

    /// The slot of the `i`-th start time.
    fn slot_mut(&mut self, i: usize) -> &mut Slot {
        &mut self.slots[self.at[i] as usize]
    }

    /// The slot solved at exactly `t`, if any.
    fn exact_mut(&mut self, t: f64) -> Option<&mut Slot> {
        let i = self.find(t);
        (i < self.t.len() && self.t[i] == t).then(|| self.slot_mut(i))
    }

    /// Adds `slot` at start time `t` (not present).
    #[cfg(test)]
    fn insert(&mut self, t: f64, slot: Slot) {
        self.insert_at(self.find(t), t, slot);
    }

    /// Whether `t` (not present) goes at position `i` among the times.
    fn fits_at(&self, i: usize, t: f64) -> bool {
        i <= self.t.len() && (i == 0 || self.t[i - 1] < t) && (i == self.t.len() || self.t[i] > t)
    }

    /// Adds `slot` at start time `t`, at its position `i` among the times.
    fn insert_at(&mut self, i: usize, t: f64, slot: Slot) {
        self.t.insert(i, t);
        self.at.insert(i, self.slots.len() as u32);
        self.slots.push(slot);
    }

    /// Keeps the slots used since the last clean-up, marked unused.
    fn retain_used(&mut self) {
        let mut kept = SetMemo::default();
        for (&t, &i) in self.t.iter().zip(&self.at) {
            let mut slot = self.slots[i as usize];
            if std::mem::replace(&mut slot.used, false) {
                kept.t.push(t);
                kept.at.push(kept.slots.len() as u32);
                kept.slots.push(slot);
            }
        }
        *self = kept;
    }
}

/// Per-job data, together for locality.
#[derive(Clone, Copy)]
struct Job {
    p: f64,
    d: f64,
    /// d - p: the job is late wherever it goes from any start time above this.
    slack: f64,
    z1: u64,
    z2: u64,
    /// Rank in SPT order (p, then EDD index).
    rank: u32,
}

/// How a node's set is cut once (r, q) is chosen (shared by the search and the rebuild, so
/// that both compute the children's start times with the same bits).
struct Cut {
    /// Start of the middle part (after left and e); unused for single branching.
    t_mid: f64,
    /// Completion of k = start of the right part.
    t_right: f64,
}

impl<'b> Search<'b> {
    fn new(p: Vec<f64>, d: Vec<f64>, budget: &Budget<'b>, memory: usize) -> Self {
        let n = p.len();
        let spt: Vec<u32> = sorted_by(n, |j| (p[j], j as f64))
            .into_iter()
            .map(|j| j as u32)
            .collect();
        let mut rank = vec![0u32; n];
        for (i, &j) in spt.iter().enumerate() {
            rank[j as usize] = i as u32;
        }
        let mut rng = SplitMix64::new(0x5d7_2001);
        let jobs = (0..n)
            .map(|j| Job {
                p: p[j],
                d: d[j],
                slack: d[j] - p[j],
                z1: rng.next_u64(),
                z2: rng.next_u64(),
                rank: rank[j],
            })
            .collect();
        let p_of_rank = spt.iter().map(|&j| p[j as usize]).collect();
        let rules = p
            .iter()
            .chain(d.iter())
            .all(|&x| x.fract() == 0.0 && x.abs() < EXACT_LIMIT)
            && p.iter().sum::<f64>() + d.iter().fold(0.0f64, |a, &x| a.max(x.abs())) < EXACT_LIMIT;
        Search {
            p,
            d,
            jobs,
            memo: FastMap::default(),
            entries: 0,
            max_entries: memory / ENTRY_BYTES,
            rules,
            double: true,
            pool: (0..n + 2).map(|_| None).collect(),
            sorted_p: Vec::new(),
            spt,
            rank,
            bits: vec![0; n.div_ceil(64)],
            p_of_rank,
            rank_bits: vec![0; n.div_ceil(64)],
            stats: Stats::default(),
            stop: Stop::No,
            budget: *budget,
        }
    }

    /// The processing times of `s` in increasing order, into `self.sorted_p`: the members'
    /// SPT ranks set in a bitset, read back in order (no sort, a pass of n/64 words).
    fn sort_p(&mut self, s: &[u32]) {
        let ps = &mut self.sorted_p;
        ps.clear();
        for &j in s {
            let r = self.rank[j as usize] as usize;
            self.bits[r >> 6] |= 1u64 << (r & 63);
        }
        for (w, word) in self.bits.iter_mut().enumerate() {
            let mut x = std::mem::take(word);
            while x != 0 {
                let r = (w << 6) | x.trailing_zeros() as usize;
                x &= x - 1;
                ps.push(self.p[self.spt[r] as usize]);
            }
        }
    }

    /// ΣT of `s` in SPT order from `t` (optimal when every job is late wherever it goes).
    fn spt_value(&mut self, s: &[u32], t: f64) -> f64 {
        self.sort_p(s);
        let ps = &self.sorted_p;
        let mut now = t;
        let mut total = 0.0;
        for (&pj, &j) in ps.iter().zip(s) {
            now += pj;
            // paired with any due date the sum is the same: Σ C - Σ d, every term ≥ 0
            total += now - self.d[j as usize];
        }
        total
    }

    /// SPT order of `s` (p, then EDD index).
    fn spt_order(&self, s: &[u32]) -> Vec<usize> {
        let mut v: Vec<usize> = s.iter().map(|&j| j as usize).collect();
        v.sort_by(|&a, &b| self.p[a].total_cmp(&self.p[b]).then(a.cmp(&b)));
        v
    }

    /// One pass over `s` from `t`: EDD completions into `c`, and the [`Scan`].
    fn scan(&self, s: &[u32], t: f64, c: &mut Vec<f64>) -> Scan {
        c.clear();
        let mut now = t;
        let (mut late, mut total) = (0usize, 0.0);
        let (mut a, mut b) = (0u64, 0u64);
        let mut sk = 0;
        let mut pmax = f64::NEG_INFINITY;
        let mut slack = f64::NEG_INFINITY;
        let mut always_late = 0u32;
        for (i, &j) in s.iter().enumerate() {
            let job = &self.jobs[j as usize];
            now += job.p;
            c.push(now);
            let tj = tard(now, job.d);
            // branch-free: whether a job is late is close to a coin flip here
            late += usize::from(tj > 0.0);
            total += tj;
            a = a.wrapping_add(job.z1);
            b = b.wrapping_add(job.z2);
            if job.p >= pmax {
                pmax = job.p;
                sk = i;
            }
            slack = slack.max(job.slack);
            // t > d - p, i.e. t + p > d (the same test on integral data, the only data where
            // the count is used)
            always_late += u32::from(t > job.slack);
        }
        Scan {
            late,
            total,
            all_late: t >= slack,
            key: (a, b),
            always_late,
            sk,
        }
    }

    /// Members of `s` kept once the trailing ones on time at the very end go last.
    fn kept(&self, s: &[u32], c: &[f64]) -> usize {
        let mut cut = s.len();
        while cut > 1 && self.d[s[cut - 1] as usize] >= c[cut - 1] {
            cut -= 1;
        }
        cut
    }

    /// Lawler positions of the longest job (at `sk`) that rules 3 and 4 keep.
    fn lawler_positions(&self, s: &[u32], sk: usize, f: &mut Frame) {
        let n = s.len();
        f.lpos.clear();
        if !self.rules {
            f.lpos.extend((sk..n).map(|r| r as u32));
            return;
        }
        let k = s[sk] as usize;
        let (pk, dk) = (self.p[k], self.d[k]);
        // T(r) by moving k right one job at a time: only that pair's costs change. The rules
        // only compare T values, so they are kept relative to T(s) (exact in integers). One
        // pass: T(r + 1) is computed one step ahead of the rules at r, and each step adds one
        // difference, so the loop's only dependency chain is one addition long.
        let mut x = if sk == 0 { f.c[0] - pk } else { f.c[sk - 1] };
        let mut cur = 0.0; // T(r)
        let mut min_t = f64::INFINITY; // min T(i), s <= i < r
        let mut max_dp = f64::NEG_INFINITY; // max d_i + p_i, s < i < r
        for r in sk..n {
            let next = match s.get(r + 1) {
                Some(&a) => {
                    let (a, end) = (a as usize, f.c[r + 1]);
                    let (pa, da) = (self.p[a], self.d[a]);
                    let before = tard(x + pk, dk) + tard(end, da);
                    let after = tard(x + pa, da) + tard(end, dk);
                    x += pa;
                    cur + (after - before)
                }
                None => cur,
            };
            if r >= sk + 2 {
                let j = s[r - 1] as usize;
                max_dp = max_dp.max(self.d[j] + self.p[j]);
            }
            let rule3 = r >= sk + 2 && f.c[r] <= max_dp;
            let rule4 = (r > sk && cur >= min_t) || (r + 1 < n && cur > next);
            if !(rule3 || rule4) {
                f.lpos.push(r as u32);
            }
            min_t = min_t.min(cur);
            cur = next;
        }
        if f.lpos.is_empty() {
            // The rules keep the first position of least T(r) unless rule 3 removes it; never
            // seen, kept as a safety net: every position is valid.
            f.lpos.extend((sk..n).map(|r| r as u32));
        }
    }

    /// Positions q of the EDD-first job e = s[0] among the jobs shorter than it (rule 4 on
    /// the sub-sequence e + short jobs, where e is longest and EDD-first), up to those whose
    /// short jobs all lie in S[..=max_r] (the others fit no Lawler position).
    fn double_positions(&self, s: &[u32], t: f64, max_r: usize, f: &mut Frame) {
        let e = s[0] as usize;
        let (pe, de) = (self.p[e], self.d[e]);
        // Short jobs up to S[max_r], and the next one (rule 4 compares T(q) with T(q + 1)).
        // Branch-free compaction up to S[max_r]: shorter or not is close to a coin flip.
        let max_r = max_r.min(s.len() - 1);
        f.short.resize(s.len(), 0);
        f.short_at.resize(s.len(), 0);
        let (short_jobs, short_at) = (&mut f.short[..], &mut f.short_at[..]);
        let mut m = 0;
        for (&j, i) in s[1..=max_r].iter().zip(1u32..) {
            short_jobs[m] = j;
            short_at[m] = i;
            m += usize::from(self.jobs[j as usize].p < pe);
        }
        let usable = m;
        if let Some(i) = (max_r + 1..s.len()).find(|&i| self.jobs[s[i] as usize].p < pe) {
            short_jobs[m] = s[i];
            short_at[m] = i as u32;
            m += 1;
        }
        f.short.truncate(m);
        f.short_at.truncate(m);
        f.qpos.clear();
        if !self.rules {
            f.qpos.extend(0..=usable as u32);
            return;
        }
        // T(q) of the sequence e + short jobs from t with e moved after the first q, relative
        // to T(0): moving e right one job at a time changes only that pair's costs. One pass,
        // T(q + 1) computed one step ahead of the rule at q (as in `lawler_positions`).
        let mut x = t;
        let mut cur = 0.0; // T(q)
        let mut min_t = f64::INFINITY; // min T(i), i < q
        for q in 0..=usable {
            let next = match f.short.get(q) {
                Some(&a) => {
                    let a = a as usize;
                    let (pa, da) = (self.p[a], self.d[a]);
                    let end = x + pe + pa;
                    let before = tard(x + pe, de) + tard(end, da);
                    let after = tard(x + pa, da) + tard(end, de);
                    x += pa;
                    cur + (after - before)
                }
                None => cur,
            };
            if !((q > 0 && cur >= min_t) || (q < m && cur > next)) {
                f.qpos.push(q as u32);
            }
            min_t = min_t.min(cur);
            cur = next;
        }
        if f.qpos.is_empty() {
            f.qpos.extend(0..=usable as u32);
        }
    }

    /// Fills `f.left` and `f.mid` for the cut (r, q) of `s` (at `sk` the longest job).
    fn cut(&self, s: &[u32], t: f64, sk: usize, r: usize, q: u32, f: &mut Frame) -> Cut {
        f.left.clear();
        f.mid.clear();
        let t_right = f.c[r];
        if q == SINGLE {
            f.left.extend_from_slice(&s[..sk]);
            f.left.extend_from_slice(&s[sk + 1..=r]);
            return Cut { t_mid: t, t_right };
        }
        let q = q as usize;
        f.left.extend_from_slice(&f.short[..q]);
        let mut t_mid = t;
        for &j in &f.left {
            t_mid += self.p[j as usize];
        }
        t_mid += self.p[s[0] as usize];
        // S[1..=r] but k and the first q short jobs: the runs between those positions (in
        // increasing order, all in 1..=r, k not short), copied whole
        let mut from = 1;
        let mut k_left = true;
        for &x in &f.short_at[..q] {
            let x = x as usize;
            if k_left && sk < x {
                f.mid.extend_from_slice(&s[from..sk]);
                (from, k_left) = (sk + 1, false);
            }
            f.mid.extend_from_slice(&s[from..x]);
            from = x + 1;
        }
        if k_left {
            f.mid.extend_from_slice(&s[from..sk]);
            from = sk + 1;
        }
        f.mid.extend_from_slice(&s[from..=r]);
        Cut { t_mid, t_right }
    }

    /// Optimal ΣT of `s` (sorted EDD indices) started at `t`; 0.0 once stopped.
    fn solve(&mut self, s: &[u32], t: f64, depth: usize) -> f64 {
        let mut s = s;
        loop {
            match s.len() {
                0 => return 0.0,
                1 => return tard(t + self.p[s[0] as usize], self.d[s[0] as usize]),
                _ => {}
            }
            if self.stop != Stop::No {
                return 0.0;
            }
            let mut f = self.pool[depth].take().unwrap_or_default();
            let step = self.solve_in(s, t, depth, &mut f);
            self.pool[depth] = Some(f);
            match step {
                Step::Value(v) => return v,
                // the prefix needs none of this frame: it takes it at the same depth
                Step::Prefix(kept) => s = &s[..kept],
            }
        }
    }

    fn solve_in(&mut self, s: &[u32], t: f64, depth: usize, f: &mut Frame) -> Step {
        self.stats.calls += 1;
        let scan = self.scan(s, t, &mut f.c);
        if scan.late <= 1 {
            return Step::Value(scan.total);
        }
        if scan.all_late {
            self.stats.all_late += 1;
            return Step::Value(self.spt_value(s, t));
        }
        let kept = self.kept(s, &f.c);
        if kept < s.len() {
            return Step::Prefix(kept);
        }
        // where t goes among the set's start times, kept for the insertion below (the
        // children are other sets, so only a clean-up can move it)
        let mut at = 0;
        if let Some(m) = self.memo.get_mut(&scan.key) {
            at = m.find(t);
            if at < m.t.len() && m.t[at] == t {
                self.stats.hits += 1;
                let slot = m.slot_mut(at);
                slot.used = true;
                return Step::Value(slot.value);
            }
        }
        let clean_ups = self.stats.clean_ups;
        self.stats.nodes += 1;
        if self.stats.nodes % 1024 == 0 && self.budget.exhausted() {
            self.stop = Stop::Budget;
            return Step::Value(0.0);
        }
        let (v, r, q) = self.branch(s, t, scan.sk, depth, f);
        if self.stop == Stop::No {
            if self.entries >= self.max_entries {
                self.clean_up();
            }
            if self.entries < self.max_entries {
                let slot = Slot {
                    value: v,
                    r,
                    q,
                    slope: scan.always_late,
                    moore: false,
                    used: false,
                };
                // not present: a hit would have returned above, and the children are other sets
                let m = self.memo.entry(scan.key).or_default();
                if self.stats.clean_ups != clean_ups || !m.fits_at(at, t) {
                    at = m.find(t);
                }
                m.insert_at(at, t, slot);
                self.entries += 1;
            }
        }
        Step::Value(v)
    }

    /// A lower bound of the optimal ΣT of `s` at `t`, without branching (0 on non-integral
    /// data, where the bounds are not exact in f64): the larger of
    /// * the SPT/EDD pairing bound: the i-th completion is at least t plus the i shortest
    ///   p, the i-th due date in EDD order at most d_i, and pairing sorted completions with
    ///   sorted due dates minimises the sum of max(0, C - d);
    /// * the memo: the value at t if solved, else bounds from the nearest start times it was
    ///   solved at ([`Self::neighbour_bound`]).
    fn quick_bound(&mut self, s: &[u32], t: f64) -> f64 {
        match s.len() {
            0 => return 0.0,
            1 => return tard(t + self.p[s[0] as usize], self.d[s[0] as usize]),
            _ => {}
        }
        if !self.rules {
            return 0.0;
        }
        // one pass: the memo key, and whether EDD is optimal (at most one job late)
        let mut now = t;
        let (mut late, mut total) = (0usize, 0.0);
        let mut key = (0u64, 0u64);
        for &j in s {
            let job = &self.jobs[j as usize];
            now += job.p;
            let tj = tard(now, job.d);
            late += usize::from(tj > 0.0);
            total += tj;
            key = (key.0.wrapping_add(job.z1), key.1.wrapping_add(job.z2));
            // the members' SPT ranks, for the pairing bound below
            let r = job.rank as usize;
            self.rank_bits[r >> 6] |= 1u64 << (r & 63);
        }
        if late <= 1 {
            self.rank_bits.fill(0);
            return total;
        }
        let mut lb = 0.0f64;
        if let Some(m) = self.memo.get_mut(&key) {
            let at = m.find(t);
            if at < m.t.len() && m.t[at] == t {
                self.rank_bits.fill(0);
                return m.slot_mut(at).value;
            }
            if at > 0 && !m.slot_mut(at - 1).moore {
                let ranked = Ranked {
                    p: &self.p,
                    d: &self.d,
                    spt: &self.spt,
                    rank: &self.rank,
                };
                let fewest = ranked.fewest_late(s, m.t[at - 1], &mut self.bits);
                let below = m.slot_mut(at - 1);
                (below.slope, below.moore) = (fewest, true);
            }
            lb = neighbour_bound(m, at, t, s.len());
        }
        lb.max(self.pair_ranked(s, t))
    }

    /// The SPT/EDD pairing bound of `s` at `t` ([`Self::quick_bound`]), from the members'
    /// ranks in `rank_bits` (cleared on the way).
    fn pair_ranked(&mut self, s: &[u32], t: f64) -> f64 {
        let mut now = t;
        let mut total = 0.0;
        let mut edd = s.iter();
        for (w, word) in self.rank_bits.iter_mut().enumerate() {
            let mut x = std::mem::take(word);
            while x != 0 {
                let r = (w << 6) | x.trailing_zeros() as usize;
                x &= x - 1;
                now += self.p_of_rank[r];
                // as many bits as members: `edd` never runs out
                let j = edd.next().map_or(0, |&j| j as usize);
                total += tard(now, self.d[j]);
            }
        }
        total
    }

    /// Makes room in a full memo: drops the entries not used since the last clean-up and
    /// marks the rest unused; if that frees less than a quarter, drops everything (so that
    /// clean-ups, each a pass over the table, stay rare).
    fn clean_up(&mut self) {
        self.stats.clean_ups += 1;
        let mut kept = 0;
        self.memo.retain(|_, m| {
            m.retain_used();
            kept += m.t.len();
            !m.t.is_empty()
        });
        self.entries = kept;
        if self.entries >= self.max_entries / 4 * 3 {
            self.memo.clear();
            self.entries = 0;
        }
    }

    /// Tries the kept splits (r, q) in increasing order of a lower bound of their cost (when
    /// there are several), until the next bound reaches the best value found; returns the
    /// best value and its (r, q).
    fn branch(&mut self, s: &[u32], t: f64, sk: usize, depth: usize, f: &mut Frame) -> (f64, u32, u32) {
        let k = s[sk] as usize;
        self.lawler_positions(s, sk, f);
        let double = self.double && sk > 0;
        if double {
            let max_r = f.lpos.iter().copied().max().unwrap_or(0) as usize;
            self.double_positions(s, t, max_r, f);
        } else {
            f.qpos.clear();
            f.qpos.push(SINGLE);
        }
        let mut cands = std::mem::take(&mut f.cands);
        cands.clear();
        for &r in &f.lpos {
            for &q in &f.qpos {
                // q's short jobs must all lie in S[..=r]
                if !double || q == 0 || f.short_at[q as usize - 1] <= r {
                    // bounds of 0 (valid) unless there are several splits, bounded below
                    cands.push(Candidate {
                        lb: 0.0,
                        r,
                        q,
                        lb_mid: 0.0,
                        lb_right: 0.0,
                    });
                }
            }
        }
        if cands.len() > 1 {
            // Bound each split: its exact costs (k, and e when double) plus its parts' bounds
            // (the right part depends on r only; with double decomposition, the left on q).
            let mut right_at = (u32::MAX, 0.0);
            f.lefts.clear();
            for c in cands.iter_mut() {
                let r = c.r as usize;
                let cut = self.cut(s, t, sk, r, c.q, f);
                if right_at.0 != c.r {
                    right_at = (c.r, self.quick_bound(&s[r + 1..], cut.t_right));
                }
                let (left, mid) = (std::mem::take(&mut f.left), std::mem::take(&mut f.mid));
                let known = f.lefts.iter().find(|x| x.0 == c.q).map(|x| x.1);
                let lb_left = match known {
                    Some(v) => v,
                    None => {
                        let v = self.quick_bound(&left, t);
                        if double {
                            f.lefts.push((c.q, v));
                        }
                        v
                    }
                };
                c.lb_mid = if double {
                    self.quick_bound(&mid, cut.t_mid)
                } else {
                    0.0
                };
                (f.left, f.mid) = (left, mid);
                c.lb_right = right_at.1;
                let fixed = tard(f.c[r], self.d[k])
                    + if double {
                        tard(cut.t_mid, self.d[s[0] as usize])
                    } else {
                        0.0
                    };
                c.lb = fixed + lb_left + c.lb_mid + c.lb_right;
            }
            // ties: the later split first (the best split is more often a late one)
            cands.sort_by(|a, b| a.lb.total_cmp(&b.lb).then((b.r, b.q).cmp(&(a.r, a.q))));
        }
        f.rights.clear();
        let mut best = (f64::INFINITY, 0u32, SINGLE);
        for (i, c) in cands.iter().enumerate() {
            if c.lb >= best.0 {
                // the splits are sorted by bound: none of the rest can do better
                self.stats.pruned += (cands.len() - i) as u64;
                break;
            }
            let r = c.r as usize;
            let cut = self.cut(s, t, sk, r, c.q, f);
            let (left, mid) = (std::mem::take(&mut f.left), std::mem::take(&mut f.mid));
            let te = if double {
                tard(cut.t_mid, self.d[s[0] as usize])
            } else {
                0.0
            };
            // The parts' values are exact and the bounds valid, so a split whose solved parts
            // and bounded rest already reach the best is dropped without solving the rest.
            let mut sum = tard(f.c[r], self.d[k]) + te + self.solve(&left, t, depth + 1);
            if double && sum + c.lb_mid + c.lb_right < best.0 {
                sum += self.solve(&mid, cut.t_mid, depth + 1);
            } else {
                sum += c.lb_mid;
            }
            (f.left, f.mid) = (left, mid);
            if self.stop != Stop::No {
                break;
            }
            if sum + c.lb_right >= best.0 {
                self.stats.pruned += 1;
                continue;
            }
            let vr = match f.rights.iter().find(|x| x.0 == c.r) {
                Some(x) => x.1,
                None => {
                    let v = self.solve(&s[r + 1..], cut.t_right, depth + 1);
                    f.rights.push((c.r, v));
                    v
                }
            };
            if self.stop != Stop::No {
                break;
            }
            if sum + vr < best.0 {
                best = (sum + vr, c.r, c.q);
                if best.0 == 0.0 {
                    break;
                }
            }
        }
        f.cands = cands;
        best
    }

    /// Appends the optimal sequence of `s` at `t` (EDD indices) to `out`; None if stopped.
    fn rebuild(&mut self, s: &[u32], t: f64, out: &mut Vec<usize>) -> Option<()> {
        if s.len() <= 1 {
            out.extend(s.iter().map(|&j| j as usize));
            return Some(());
        }
        let mut f = Frame::default();
        let scan = self.scan(s, t, &mut f.c);
        if scan.late <= 1 {
            out.extend(s.iter().map(|&j| j as usize));
            return Some(());
        }
        if scan.all_late {
            out.extend(self.spt_order(s));
            return Some(());
        }
        let kept = self.kept(s, &f.c);
        if kept < s.len() {
            self.rebuild(&s[..kept], t, out)?;
            out.extend(s[kept..].iter().map(|&j| j as usize));
            return Some(());
        }
        let sk = scan.sk;
        let slot = self.memo.get_mut(&scan.key).and_then(|m| m.exact_mut(t).copied());
        let (r, q) = match slot {
            Some(e) => (e.r, e.q),
            None => {
                // Not memorised (memo full): solve it again to learn its choice.
                let (_, r, q) = self.branch(s, t, sk, 0, &mut f);
                if self.stop != Stop::No {
                    return None;
                }
                (r, q)
            }
        };
        if q != SINGLE {
            self.double_positions(s, t, r as usize, &mut f);
        }
        let cut = self.cut(s, t, sk, r as usize, q, &mut f);
        let (left, mid) = (std::mem::take(&mut f.left), std::mem::take(&mut f.mid));
        self.rebuild(&left, t, out)?;
        if q != SINGLE {
            out.push(s[0] as usize);
            self.rebuild(&mid, cut.t_mid, out)?;
        }
        out.push(s[sk] as usize);
        self.rebuild(&s[r as usize + 1..], cut.t_right, out)
    }
}

/// A lower bound of V(S, t), the optimal ΣT of a set S started at t, from the values memorised
/// for S at other start times (`m`; `at`: where t would go among its times), |S| = `n`:
/// * from t' < t: every job late in a sequence at t' is late by t - t' more at t, and every
///   sequence has at least the fewest-tardy count (Moore) of late jobs at t' (or, before that
///   is computed, the count of jobs late wherever they go), so V(t) >= V(t') + (t - t')·that;
/// * from t'' > t: starting t'' - t later costs at most n·(t'' - t) more, so
///   V(t) >= V(t'') - n·(t'' - t).
fn neighbour_bound(m: &SetMemo, at: usize, t: f64, n: usize) -> f64 {
    let mut lb: f64 = 0.0;
    if at > 0 {
        let b = &m.slots[m.at[at - 1] as usize];
        lb = lb.max(b.value + (t - m.t[at - 1]) * f64::from(b.slope));
    }
    if at < m.t.len() {
        let a = &m.slots[m.at[at] as usize];
        lb = lb.max(a.value - (m.t[at] - t) * n as f64);
    }
    lb
}

/// The jobs' data with their SPT order and ranks, borrowed apart from the memo.
struct Ranked<'a> {
    p: &'a [f64],
    d: &'a [f64],
    spt: &'a [u32],
    rank: &'a [u32],
}

impl Ranked<'_> {
    /// Fewest tardy jobs of `s` (EDD order) started at `t`: Moore & Hodgson's algorithm (add
    /// jobs in EDD order; when one ends late, drop the longest so far). The jobs kept are a
    /// bitset over SPT ranks (`bits`: zero on entry and on return), so the longest is the
    /// highest bit.
    fn fewest_late(&self, s: &[u32], t: f64, bits: &mut [u64]) -> u32 {
        let mut now = t;
        let mut late = 0;
        let mut top = 0;
        for &j in s {
            let j = j as usize;
            now += self.p[j];
            let r = self.rank[j] as usize;
            bits[r >> 6] |= 1 << (r & 63);
            top = top.max(r >> 6);
            if now > self.d[j] {
                // j's own bit is set: the loop stops
                while bits[top] == 0 {
                    top -= 1;
                }
                let b = 63 - bits[top].leading_zeros() as usize;
                bits[top] &= !(1 << b);
                now -= self.p[self.spt[(top << 6) | b] as usize];
                late += 1;
            }
        }
        bits[..=top].fill(0);
        late
    }
}

/// The optimal value and sequence (EDD indices) a finished search found; None if stopped.
type Found = Option<(f64, Vec<usize>)>;

/// Runs the search on EDD-ordered data: what it found, plus the counters.
fn run(p: Vec<f64>, d: Vec<f64>, budget: &Budget, memory: usize, double: bool) -> (Found, Stats) {
    let n = p.len();
    let mut search = Search::new(p, d, budget, memory);
    search.double = double;
    let all: Vec<u32> = (0..n as u32).collect();
    let value = search.solve(&all, 0.0, 0);
    let mut out = Vec::with_capacity(n);
    let done = search.stop == Stop::No && search.rebuild(&all, 0.0, &mut out).is_some();
    search.stats.memo_entries = search.entries as u64;
    (done.then_some((value, out)), search.stats)
}

/// Runs `run` on a thread whose stack fits n recursion levels (a level takes well under
/// 1 KB; callers' threads may have 2 MB stacks). None if the thread could not start.
fn run_sized(
    p: Vec<f64>,
    d: Vec<f64>,
    budget: &Budget,
    memory: usize,
    double: bool,
) -> Option<(Found, Stats)> {
    let stack = p.len().saturating_mul(4096).saturating_add(8 << 20);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(scope, move || run(p, d, budget, memory, double))
            .ok()
            .and_then(|h| h.join().ok())
    })
}

/// Exact 1||ΣT_j by the decomposition branching with memorisation (module notes).
/// `memory_limit` caps the memo in bytes (default [`DEFAULT_MEMORY`]); when it is full, the
/// entries not used since the last clean-up are dropped. `incumbent`, if given, must be a permutation; it is
/// used only when the time limit stops the search (best heuristic sequence, simple bound).
pub fn solve_unweighted_bm(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    memory_limit: Option<usize>,
) -> CoreResult<Solution> {
    solve_with_stats(inst, incumbent, budget, memory_limit, true).map(|x| x.0)
}

/// [`solve_unweighted_bm`] with the run's counters; `double = false` turns the double
/// decomposition off (for tests and measurements).
pub fn solve_with_stats(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    budget: &Budget,
    memory_limit: Option<usize>,
    double: bool,
) -> CoreResult<(Solution, Stats)> {
    if !inst.has_unit_weights() {
        return Err(CoreError::invalid(
            "w",
            None,
            "the branch and memorize method solves unit weights only (all w_j = 1)",
        ));
    }
    if let Some(done) = settle_trivial(inst, incumbent.as_deref(), budget)? {
        return Ok((done, Stats::default()));
    }
    let n = inst.len();
    if n > u32::MAX as usize - 1 {
        return Err(CoreError::invalid(
            "p",
            None,
            format!("{n} jobs: too many for this method"),
        ));
    }
    let edd = sorted_by(n, |j| (inst.d()[j], inst.p()[j]));
    let p: Vec<f64> = edd.iter().map(|&j| inst.p()[j]).collect();
    let d: Vec<f64> = edd.iter().map(|&j| inst.d()[j]).collect();
    let memory = memory_limit.unwrap_or(DEFAULT_MEMORY);
    let mut stats = Stats::default();
    if !budget.exhausted() {
        if let Some((found, s)) = run_sized(p, d, budget, memory, double) {
            stats = s;
            if let Some((_, seq)) = found.filter(|(_, s)| s.len() == n) {
                return Ok((proven_optimum(inst, &edd, &seq, incumbent), stats));
            }
        }
    }
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok((stopped_answer(inst, incumbent, budget), stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tardiness::exact_dp::solve_unweighted;

    /// OR-Library-style unit-weight instance: p ~ U{1..pmax}, d ~ U over the TF/RDD window.
    fn orlib(g: &mut SplitMix64, n: usize, pmax: i64, tf: f64, rdd: f64) -> Instance {
        let p: Vec<f64> = (0..n).map(|_| g.int(1, pmax) as f64).collect();
        let total: f64 = p.iter().sum();
        let lo = (total * (1.0 - tf - rdd / 2.0)).ceil().max(0.0) as i64;
        let hi = ((total * (1.0 - tf + rdd / 2.0)).floor() as i64).max(lo);
        let d = (0..n).map(|_| g.int(lo, hi) as f64).collect();
        Instance::new(p, d, None).unwrap()
    }

    fn brute(inst: &Instance) -> f64 {
        fn go(inst: &Instance, left: &mut Vec<usize>, t: f64, acc: f64, best: &mut f64) {
            if acc >= *best {
                return;
            }
            if left.is_empty() {
                *best = acc;
                return;
            }
            for i in 0..left.len() {
                let j = left.swap_remove(i);
                let c = t + inst.p()[j];
                go(inst, left, c, acc + (c - inst.d()[j]).max(0.0), best);
                left.push(j);
                let last = left.len() - 1;
                left.swap(i, last);
            }
        }
        let mut best = f64::INFINITY;
        go(inst, &mut (0..inst.len()).collect(), 0.0, 0.0, &mut best);
        best
    }

    fn check(inst: &Instance, want: f64, double: bool) -> Stats {
        let (sol, st) = solve_with_stats(inst, None, &Budget::unlimited(), None, double).unwrap();
        assert!(sol.optimal);
        inst.check_permutation(&sol.sequence, "sequence").unwrap();
        assert_eq!(inst.objective(&sol.sequence), sol.objective);
        assert_eq!(
            sol.objective,
            want,
            "p={:?} d={:?} double={double}",
            inst.p(),
            inst.d()
        );
        st
    }

    #[test]
    fn agrees_with_brute_force_on_small_instances() {
        let mut g = SplitMix64::new(15);
        let mut pruned = 0;
        for it in 0..3000 {
            let n = 1 + it % 8;
            let tf = [0.2, 0.4, 0.6, 0.8, 1.0][it % 5];
            let rdd = [0.2, 0.4, 0.6, 0.8, 1.0][(it / 5) % 5];
            // small p ranges make ties in p and d, where the tie rules matter
            let pmax = [3, 10, 100][it % 3];
            let inst = orlib(&mut g, n, pmax, tf, rdd);
            let want = brute(&inst);
            pruned += check(&inst, want, true).pruned;
            pruned += check(&inst, want, false).pruned;
        }
        // bound-ordered splits were cut here, so these instances check the cuts too
        assert!(pruned > 100, "{pruned}");
    }

    /// Optimal ΣT and fewest tardy jobs of all of `p`, `d` started at `t`, over every order.
    fn subset_dp(p: &[f64], d: &[f64], t: f64) -> (f64, u32) {
        let n = p.len();
        let mut best = vec![(f64::INFINITY, u32::MAX); 1 << n];
        best[0] = (0.0, 0);
        for set in 1usize..1 << n {
            let end = t + (0..n).filter(|j| set >> j & 1 == 1).map(|j| p[j]).sum::<f64>();
            for j in (0..n).filter(|j| set >> j & 1 == 1) {
                let (v, u) = best[set & !(1 << j)];
                let (bv, bu) = &mut best[set];
                *bv = bv.min(v + tard(end, d[j]));
                *bu = (*bu).min(u + u32::from(end > d[j]));
            }
        }
        best[(1 << n) - 1]
    }

    #[test]
    fn the_split_bounds_never_exceed_the_optimum() {
        // SPT/EDD pairing, Moore's count, and the bounds from other start times, against
        // every order of small tie-heavy sets, at start times on both sides
        let mut g = SplitMix64::new(1999);
        for it in 0..2000 {
            let n = 2 + it % 8;
            let inst = orlib(&mut g, n, [3, 10, 100][it % 3], 0.6, [0.2, 1.0][it % 2]);
            let edd = sorted_by(n, |j| (inst.d()[j], inst.p()[j]));
            let p: Vec<f64> = edd.iter().map(|&j| inst.p()[j]).collect();
            let d: Vec<f64> = edd.iter().map(|&j| inst.d()[j]).collect();
            let total: f64 = p.iter().sum();
            let mut search = Search::new(p.clone(), d.clone(), &Budget::unlimited(), 1 << 20);
            let all: Vec<u32> = (0..n as u32).collect();
            let times: Vec<f64> = (0..4).map(|_| g.int(-5, total as i64) as f64).collect();
            for &t in &times {
                let (v, u) = subset_dp(&p, &d, t);
                let ranked = Ranked {
                    p: &search.p,
                    d: &search.d,
                    spt: &search.spt,
                    rank: &search.rank,
                };
                let mut bits = vec![0; n.div_ceil(64)];
                assert_eq!(ranked.fewest_late(&all, t, &mut bits), u);
                assert!(bits.iter().all(|&w| w == 0));
                // the memo is empty: the SPT/EDD pairing bound (or EDD's exact value)
                assert!(search.quick_bound(&all, t) <= v, "t={t} p={p:?} d={d:?}");
                for &t2 in times.iter().filter(|&&t2| t2 != t) {
                    let (v2, u2) = subset_dp(&p, &d, t2);
                    let scan = search.scan(&all, t2, &mut Vec::new());
                    for (slope, moore) in [(scan.always_late, false), (u2, true)] {
                        let mut m = SetMemo::default();
                        let slot = Slot {
                            value: v2,
                            r: 0,
                            q: SINGLE,
                            slope,
                            moore,
                            used: false,
                        };
                        m.insert(t2, slot);
                        let at = m.find(t);
                        assert_eq!(at, usize::from(t2 < t));
                        assert!(neighbour_bound(&m, at, t, n) <= v, "t={t} t2={t2}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_memo_keeps_start_times_sorted_and_finds_them() {
        let mut g = SplitMix64::new(128);
        let mut m = SetMemo::default();
        let mut want: Vec<(f64, f64)> = Vec::new();
        for i in 0..300u32 {
            let t = g.int(-50, 500) as f64;
            if want.iter().any(|x| x.0 == t) {
                continue;
            }
            let slot = Slot {
                value: f64::from(i),
                r: i,
                q: SINGLE,
                slope: 0,
                moore: false,
                used: i % 3 == 0,
            };
            // the position the hit test finds is where the insertion goes
            let at = m.find(t);
            assert!(m.fits_at(at, t) && !m.fits_at(at + 1, t));
            m.insert_at(at, t, slot);
            want.push((t, f64::from(i)));
        }
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(m.t.windows(2).all(|w| w[0] < w[1]));
        for &(t, v) in &want {
            assert_eq!(m.exact_mut(t).map(|s| s.value), Some(v));
            assert!(m.exact_mut(t + 0.5).is_none());
        }
        // a clean-up keeps the used slots, sorted, marked unused
        m.retain_used();
        let used: Vec<f64> = want.iter().filter(|x| x.1 as u32 % 3 == 0).map(|x| x.0).collect();
        assert_eq!(m.t, used);
        for &t in &used {
            let slot = m.exact_mut(t).unwrap();
            assert!(!slot.used && slot.value as u32 % 3 == 0 && slot.r == slot.value as u32);
        }
    }

    #[test]
    fn agrees_with_lawler_dp_up_to_60_jobs() {
        let mut g = SplitMix64::new(2001);
        for it in 0..600 {
            let n = 10 + it % 51;
            let tf = [0.2, 0.4, 0.6, 0.8, 1.0][it % 5];
            let rdd = [0.2, 0.4, 0.6, 0.8, 1.0][(it / 5) % 5];
            let pmax = [5, 100][it % 2];
            let inst = orlib(&mut g, n, pmax, tf, rdd);
            let want = solve_unweighted(&inst, None, &Budget::unlimited())
                .unwrap()
                .objective;
            check(&inst, want, true);
            check(&inst, want, it % 4 == 0);
        }
    }

    #[test]
    fn real_valued_data_skips_the_integer_rules_and_stays_exact() {
        let mut g = SplitMix64::new(7);
        for it in 0..300 {
            let n = 1 + it % 8;
            let p: Vec<f64> = (0..n).map(|_| 0.5 + g.below(1000) as f64 / 97.0).collect();
            let total: f64 = p.iter().sum();
            let d = (0..n)
                .map(|_| total * (0.1 + g.below(1000) as f64 / 1500.0) - 1.3)
                .collect();
            let inst = Instance::new(p, d, None).unwrap();
            let (sol, _) = solve_with_stats(&inst, None, &Budget::unlimited(), None, true).unwrap();
            assert!((sol.objective - brute(&inst)).abs() <= 1e-9 * (1.0 + sol.objective));
        }
    }

    #[test]
    fn a_tiny_memo_or_a_spent_budget_still_gives_valid_answers() {
        let mut g = SplitMix64::new(3);
        for it in 0..40 {
            let inst = orlib(&mut g, 30 + it, 100, 0.6, 0.2);
            let want = solve_unweighted(&inst, None, &Budget::unlimited())
                .unwrap()
                .objective;
            // a memo of a few entries: exact, only slower
            for entries in [0, 3, 40] {
                let (sol, st) = solve_with_stats(
                    &inst,
                    None,
                    &Budget::unlimited(),
                    Some(ENTRY_BYTES * entries),
                    true,
                )
                .unwrap();
                assert!(sol.optimal && sol.objective == want);
                assert!(st.memo_entries <= entries as u64);
                if entries == 40 && st.nodes > 200 {
                    assert!(st.clean_ups > 0);
                }
            }
            let spent = Budget::new(Some(0.0), None);
            let sol = solve_unweighted_bm(&inst, None, &spent, None).unwrap();
            inst.check_permutation(&sol.sequence, "sequence").unwrap();
            assert!(sol.lower_bound <= want && sol.objective >= want);
        }
    }

    #[test]
    fn weighted_data_is_refused() {
        let inst = Instance::new(vec![1.0, 2.0], vec![1.0, 1.0], Some(vec![1.0, 2.0])).unwrap();
        assert!(solve_unweighted_bm(&inst, None, &Budget::unlimited(), None).is_err());
    }

    /// `SK_FILES=a.txt,b.txt cargo test --release -p schedkit-core exact_bm::tests::timing_files
    /// -- --ignored --nocapture`: each file two lines, p then d, whitespace-separated
    /// (SK_REPS runs each, the best time printed).
    #[test]
    #[ignore]
    fn timing_files() {
        let files = std::env::var("SK_FILES").unwrap_or_default();
        let reps: usize = std::env::var("SK_REPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        for file in files.split(',').filter(|f| !f.is_empty()) {
            let text = std::fs::read_to_string(file).unwrap();
            let mut lines = text.lines().map(|l| {
                l.split_whitespace()
                    .map(|x| x.parse::<f64>().unwrap())
                    .collect::<Vec<f64>>()
            });
            let (p, d) = (lines.next().unwrap(), lines.next().unwrap());
            let inst = Instance::new(p, d, None).unwrap();
            let mut best = f64::INFINITY;
            let mut out = None;
            for _ in 0..reps {
                let t0 = std::time::Instant::now();
                let r = solve_with_stats(&inst, None, &Budget::unlimited(), None, true).unwrap();
                best = best.min(t0.elapsed().as_secs_f64());
                out = Some(r);
            }
            let (sol, st) = out.unwrap();
            println!(
                "{file} obj={} opt={} best={best:.3}s {st:?}",
                sol.objective, sol.optimal
            );
        }
    }

    /// `cargo test --release -p schedkit-core exact_bm::tests::timing -- --ignored --nocapture`
    /// (SK_N jobs, default 500; SK_TF; SK_COUNT instances).
    #[test]
    #[ignore]
    fn timing() {
        let n: usize = std::env::var("SK_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(500);
        let tf: f64 = std::env::var("SK_TF")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.6);
        let count: usize = std::env::var("SK_COUNT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        let dbl = std::env::var("SK_SINGLE").is_err();
        let mut g = SplitMix64::new(500);
        for _ in 0..count {
            let inst = orlib(&mut g, n, 100, tf, 0.2);
            let t0 = std::time::Instant::now();
            let (sol, st) = solve_with_stats(&inst, None, &Budget::unlimited(), None, dbl).unwrap();
            println!(
                "n={n} obj={} opt={} {:.3}s {:?}",
                sol.objective,
                sol.optimal,
                t0.elapsed().as_secs_f64(),
                st
            );
        }
    }
}
