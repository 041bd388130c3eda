//! The event-driven engine of index policies: every alive job has a priority key computed
//! from its [`Known`] view; the m smallest keys (ties: release order) run at rate 1.
//!
//! Keys are recomputed only at events (releases, operation completions, and a rule's
//! horizon, e.g. an MLF level change). A rule must therefore never make a *running* job's
//! key worse between events except at its declared horizon; all built-in rules satisfy
//! this (SRPT-like keys only decrease while a job runs, FCFS/SPT/HDF/class keys are
//! constant). Waiting jobs are kept in a binary heap; running jobs are outside it and are
//! compared against the heap top at each event, so an event costs O(m + log n). The state
//! of alive jobs lives in a slab of reusable records, so memory and cache footprint follow
//! the number of alive jobs, not n.
//!
//! Exactness: with every running job at rate 1, the next completion is `dt = min op_rem`,
//! and subtracting `dt` leaves exactly 0 for every job that attains the minimum, so
//! completion detection needs no tolerance.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

use rayon::prelude::*;

use super::info::{Hot, Info, Known};
use super::log::Recorder;
use super::Jobs;
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

/// An index policy as seen by [`run`].
pub(crate) trait IndexRule: Clone + Send + Sync {
    /// Priority key: smaller runs first; ties go to the earlier release, then lower id.
    type Key: Ord + Copy;
    /// The information class; [`run`] builds every [`Known`] with exactly this much.
    const INFO: Info;
    /// False: a running job keeps its machine until it completes (SPT).
    const PREEMPTIVE: bool = true;
    /// True when [`IndexRule::horizon`] may be finite.
    const HAS_HORIZON: bool = false;
    /// True when the rule keeps no per-job state, so busy periods may run in parallel.
    const STATELESS: bool = true;

    /// The key of job `j` (its id) from its view.
    fn key(&self, j: usize, k: &Known<'_>) -> Self::Key;
    /// Called when job `j` is released (its first operation revealed).
    fn on_release(&mut self, _j: usize, _k: &Known<'_>, _t: f64) {}
    /// Called when a new operation of `j` is revealed (the previous one completed).
    fn on_reveal(&mut self, _j: usize, _k: &Known<'_>, _t: f64) {}
    /// Further service after which `j`'s key must be recomputed (MLF); infinity for never.
    fn horizon(&self, _j: usize, _k: &Known<'_>) -> f64 {
        f64::INFINITY
    }
    /// Called when a running job reaches its horizon.
    fn on_horizon(&mut self, _j: usize, _k: &Known<'_>, _t: f64) {}
}

/// Reusable records of the alive jobs.
#[derive(Default)]
struct Slab {
    hot: Vec<Hot>,
    free: Vec<u32>,
}

impl Slab {
    #[inline(always)]
    fn insert(&mut self, h: Hot) -> u32 {
        match self.free.pop() {
            Some(s) => {
                self.hot[s as usize] = h;
                s
            }
            None => {
                self.hot.push(h);
                (self.hot.len() - 1) as u32
            }
        }
    }
    #[inline(always)]
    fn remove(&mut self, s: u32) {
        self.free.push(s);
    }
}

/// What every engine returns: completion per job, events processed, finished (false when
/// the time limit stopped the simulation; unfinished jobs have NaN completion).
pub(crate) type EngineOut = (Vec<f64>, u64, bool);

/// How often (in units of work) the engines poll the budget.
pub(crate) const POLL: u64 = 1024;

/// Cost-aware budget polling. An engine ticks once per event *and* once per job it releases
/// or completes inside an event, so an event that releases ten million jobs at once still
/// reads the clock every [`POLL`] of them: Ctrl-C and time limits take effect within
/// milliseconds whatever an event costs (a plain event counter checked every 1,024 events let
/// one such event run for seconds).
#[derive(Default)]
pub(crate) struct Poll(u64);

impl Poll {
    /// Counts one unit of work; Err on Ctrl-C, Ok(true) once the time limit has passed.
    #[inline(always)]
    pub(crate) fn tick(&mut self, budget: &Budget) -> CoreResult<bool> {
        self.tick_n(1, budget)
    }

    /// Counts `units` of work (an event that touches `units` jobs).
    #[inline(always)]
    pub(crate) fn tick_n(&mut self, units: u64, budget: &Budget) -> CoreResult<bool> {
        let before = self.0 / POLL;
        self.0 = self.0.saturating_add(units);
        if self.0 / POLL != before && budget.exhausted() {
            if budget.interrupted() {
                return Err(CoreError::Interrupted);
            }
            return Ok(true);
        }
        Ok(false)
    }
}

/// Below this many jobs a single-machine simulation always runs on one thread.
const PAR_MIN_JOBS: usize = 100_000;

/// Simulates `rule` on `m` machines.
///
/// On one machine every work-conserving policy has the same busy periods (they depend on
/// releases and sizes only), and a busy period starts from an empty system, so without an
/// event log a large instance of a stateless rule is cut between busy periods and the pieces
/// run in parallel on rayon's threads; the results are identical to the sequential run.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<R: IndexRule>(
    jobs: &Jobs,
    rule: &mut R,
    known_count: bool,
    m: usize,
    threads: Option<usize>,
    rec: &mut Recorder,
    budget: &Budget,
) -> CoreResult<EngineOut> {
    let n = jobs.len();
    if m == 1 && R::STATELESS && !rec.on() && n >= PAR_MIN_JOBS {
        match threads {
            None if rayon::current_num_threads() > 1 => return run_parallel(jobs, rule, known_count, budget),
            Some(k) if k > 1 => {
                if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(k).build() {
                    return pool.install(|| run_parallel(jobs, rule, known_count, budget));
                }
            }
            _ => {}
        }
    }
    let mut out = vec![f64::NAN; n];
    let (events, finished) = match (m == 1, rec.on()) {
        (true, false) => Single::<R, false>::new(jobs, rule, known_count, rec, 0..n, &mut out).run(budget)?,
        (true, true) => Single::<R, true>::new(jobs, rule, known_count, rec, 0..n, &mut out).run(budget)?,
        (false, false) => {
            Many::<R, false>::new(jobs, rule, known_count, m, rec, 0..n, &mut out).run(budget)?
        }
        (false, true) => Many::<R, true>::new(jobs, rule, known_count, m, rec, 0..n, &mut out).run(budget)?,
    };
    Ok((jobs.by_id(out), events, finished))
}

/// Rank ranges of whole busy periods (one machine), each of about `target` jobs or more. A
/// cut needs a clear gap (relative 1e-9) between the previous period's end, computed from
/// the sizes, and the next release, so float rounding cannot merge the periods in a run.
fn busy_period_chunks(jobs: &Jobs, target: usize) -> Vec<Range<usize>> {
    let (order, release, total) = (jobs.order(), jobs.release(), jobs.total());
    let mut chunks = Vec::new();
    let (mut start, mut end) = (0usize, 0.0f64);
    for (r, &j) in order.iter().enumerate() {
        let rj = release[j as usize];
        if r - start >= target && rj > end + 1e-9 * end.abs().max(1.0) {
            chunks.push(start..r);
            start = r;
        }
        end = end.max(rj) + total[j as usize];
    }
    chunks.push(start..order.len());
    chunks
}

fn run_parallel<R: IndexRule>(
    jobs: &Jobs,
    rule: &R,
    known_count: bool,
    budget: &Budget,
) -> CoreResult<EngineOut> {
    let n = jobs.len();
    let target = (n / (4 * rayon::current_num_threads())).max(PAR_MIN_JOBS / 4);
    let chunks = busy_period_chunks(jobs, target);
    let mut out = vec![f64::NAN; n];
    let mut pieces: Vec<(Range<usize>, &mut [f64])> = Vec::with_capacity(chunks.len());
    let mut rest: &mut [f64] = &mut out;
    for range in chunks {
        let (head, tail) = rest.split_at_mut(range.len());
        pieces.push((range, head));
        rest = tail;
    }
    let results: Vec<CoreResult<(u64, bool)>> = pieces
        .into_par_iter()
        .map(|(range, piece)| {
            let mut rule = rule.clone();
            let mut rec = Recorder::new(false, 0);
            Single::<R, false>::new(jobs, &mut rule, known_count, &mut rec, range, piece).run(budget)
        })
        .collect();
    let (mut events, mut finished) = (0u64, true);
    for r in results {
        let (e, f) = r?;
        events += e;
        finished &= f;
    }
    Ok((jobs.by_id(out), events, finished))
}

/// A heap entry: (key, rank, slot); ordered by key, then release rank.
type Entry<K> = Reverse<(K, u32, u32)>;

/// The state shared by both engines.
struct Core<'a, R: IndexRule, const LOG: bool> {
    jobs: &'a Jobs,
    order: &'a [u32],
    release: &'a [f64],
    rule: &'a mut R,
    known_count: bool,
    rec: &'a mut Recorder,
    slab: Slab,
    heap: BinaryHeap<Entry<R::Key>>,
    /// Completion times by rank - `base`.
    out: &'a mut [f64],
    base: usize,
    end: usize,
    t: f64,
    next: usize,
    t_rel: f64,
}

impl<'a, R: IndexRule, const LOG: bool> Core<'a, R, LOG> {
    fn new(
        jobs: &'a Jobs,
        rule: &'a mut R,
        known_count: bool,
        rec: &'a mut Recorder,
        range: Range<usize>,
        out: &'a mut [f64],
    ) -> Self {
        let order = &jobs.order()[..range.end];
        let release = jobs.release();
        let t_rel = order
            .get(range.start)
            .map_or(f64::INFINITY, |&j| release[j as usize]);
        Core {
            jobs,
            order,
            release,
            rule,
            known_count,
            rec,
            slab: Slab::default(),
            heap: BinaryHeap::new(),
            out,
            base: range.start,
            end: range.end,
            t: 0.0,
            next: range.start,
            t_rel,
        }
    }

    #[inline(always)]
    fn view(&self, s: u32) -> Known<'_> {
        Known::new(self.jobs, &self.slab.hot[s as usize], R::INFO, self.known_count)
    }

    #[inline(always)]
    fn key(&self, s: u32) -> R::Key {
        let k = self.view(s);
        self.rule.key(k.job(), &k)
    }

    /// Logs the run of slot `s` on [since, t).
    #[inline(always)]
    fn log_run(&mut self, s: u32, since: f64) -> CoreResult<()> {
        if LOG {
            let h = self.slab.hot[s as usize];
            self.rec.run(since, self.t, h.job as usize, h.cur, 1.0)?;
        }
        Ok(())
    }

    /// Releases the next job: returns its slot and (key, rank).
    #[inline(always)]
    fn release_next(&mut self) -> CoreResult<(u32, R::Key, u32)> {
        let rank = self.next as u32;
        let j = self.order[self.next] as usize;
        self.next += 1;
        self.t_rel = self
            .order
            .get(self.next)
            .map_or(f64::INFINITY, |&k| self.release[k as usize]);
        let s = self.slab.insert(Hot::released(self.jobs, j));
        if LOG {
            let size = self.slab.hot[s as usize].size;
            self.rec.release(self.release[j], j, size)?;
        }
        let rj = self.release[j];
        let k = Known::new(self.jobs, &self.slab.hot[s as usize], R::INFO, self.known_count);
        self.rule.on_release(j, &k, rj);
        let key = self.key(s);
        Ok((s, key, rank))
    }

    /// The operation of slot `s` (release rank `rank`) completed at t: true if the job goes
    /// on with a revealed operation (its key must be recomputed), false if it completed
    /// (slot freed).
    #[inline(always)]
    fn finish(&mut self, s: u32, rank: u32) -> CoreResult<bool> {
        let t = self.t;
        let h = &mut self.slab.hot[s as usize];
        let (j, op) = (h.job as usize, h.cur);
        if h.finish_op(self.jobs) {
            if LOG {
                let size = h.size;
                self.rec.op_done(t, j, op, Some(size))?;
            }
            let k = Known::new(self.jobs, &self.slab.hot[s as usize], R::INFO, self.known_count);
            self.rule.on_reveal(j, &k, t);
            Ok(true)
        } else {
            if LOG {
                self.rec.op_done(t, j, op, None)?;
            }
            if let Some(c) = self.out.get_mut(rank as usize - self.base) {
                *c = t;
            }
            self.slab.remove(s);
            Ok(false)
        }
    }

    /// True when the job in slot `s` has received no service yet.
    #[inline(always)]
    fn unserved(&self, s: u32) -> bool {
        let h = &self.slab.hot[s as usize];
        h.cur == 0 && h.op_rem == h.size
    }

    #[inline(always)]
    fn horizon(&self, s: u32) -> f64 {
        if R::HAS_HORIZON {
            let k = self.view(s);
            self.rule.horizon(k.job(), &k).max(0.0)
        } else {
            f64::INFINITY
        }
    }

    #[inline(always)]
    fn on_horizon(&mut self, s: u32) {
        let t = self.t;
        let k = Known::new(self.jobs, &self.slab.hot[s as usize], R::INFO, self.known_count);
        self.rule.on_horizon(k.job(), &k, t);
    }
}

/// One machine: a single running slot, the textbook event loop.
struct Single<'a, R: IndexRule, const LOG: bool> {
    c: Core<'a, R, LOG>,
}

impl<'a, R: IndexRule, const LOG: bool> Single<'a, R, LOG> {
    fn new(
        jobs: &'a Jobs,
        rule: &'a mut R,
        known_count: bool,
        rec: &'a mut Recorder,
        range: Range<usize>,
        out: &'a mut [f64],
    ) -> Self {
        Single {
            c: Core::new(jobs, rule, known_count, rec, range, out),
        }
    }

    /// Runs to the end (or the budget); returns (events, finished).
    fn run(mut self, budget: &Budget) -> CoreResult<(u64, bool)> {
        let c = &mut self.c;
        let n = c.end;
        // The running job: (slot, key, rank), and when its current run segment began. Its key
        // is recomputed only when compared: at a release, or after a reveal or level change
        // (`worse`), the only events that can make it lose the machine.
        let mut cur: Option<(u32, R::Key, u32)> = None;
        let mut fresh = true;
        let mut since = 0.0f64;
        let mut events = 0u64;
        let mut poll = Poll::default();
        loop {
            if cur.is_none() && c.next >= n {
                break;
            }
            events += 1;
            if poll.tick(budget)? {
                if let Some((s, _, _)) = cur {
                    c.log_run(s, since)?;
                }
                return Ok((events, false));
            }
            let mut worse = false;
            if let Some((s, key, rank)) = cur {
                let rem = c.slab.hot[s as usize].op_rem;
                let horizon = c.horizon(s);
                let d = rem.min(horizon);
                let dt;
                if c.t_rel - c.t <= d {
                    dt = (c.t_rel - c.t).max(0.0);
                    c.t = c.t_rel;
                } else {
                    dt = d;
                    c.t += d;
                }
                c.slab.hot[s as usize].op_rem -= dt;
                fresh = false;
                if R::HAS_HORIZON && horizon <= dt {
                    c.on_horizon(s);
                    worse = true;
                }
                if c.slab.hot[s as usize].op_rem <= 0.0 {
                    c.log_run(s, since)?;
                    since = c.t;
                    if c.finish(s, rank)? {
                        worse = true;
                    } else {
                        cur = c.heap.pop().map(|Reverse(e)| (e.2, e.0, e.1));
                        fresh = true;
                    }
                } else {
                    cur = Some((s, key, rank));
                }
            } else {
                // Idle: jump to the next release.
                c.t = c.t.max(c.t_rel);
                since = c.t;
            }
            // Releases due now: each takes the machine if idle or if it beats the running job.
            while c.next < n && c.t_rel <= c.t {
                if poll.tick(budget)? {
                    if let Some((s, _, _)) = cur {
                        c.log_run(s, since)?;
                    }
                    return Ok((events, false));
                }
                let (s, key, rank) = c.release_next()?;
                match cur {
                    None => {
                        cur = Some((s, key, rank));
                        fresh = true;
                        since = c.t;
                    }
                    Some((rs, rkey, rrank)) if R::PREEMPTIVE || c.unserved(rs) => {
                        let rkey = if fresh { rkey } else { c.key(rs) };
                        fresh = true;
                        if (key, rank) < (rkey, rrank) {
                            c.log_run(rs, since)?;
                            c.heap.push(Reverse((rkey, rrank, rs)));
                            cur = Some((s, key, rank));
                            since = c.t;
                        } else {
                            cur = Some((rs, rkey, rrank));
                            c.heap.push(Reverse((key, rank, s)));
                        }
                    }
                    Some(_) => c.heap.push(Reverse((key, rank, s))),
                }
            }
            // A running job whose key got worse (a reveal, a level change) yields.
            if R::PREEMPTIVE && worse {
                if let Some((s, key, rank)) = cur {
                    let key = if fresh { key } else { c.key(s) };
                    fresh = true;
                    cur = Some((s, key, rank));
                    let mut swapped = None;
                    if c.heap
                        .peek()
                        .is_some_and(|top| (top.0 .0, top.0 .1) < (key, rank))
                    {
                        if let Some(mut top) = c.heap.peek_mut() {
                            let Reverse(best) = std::mem::replace(&mut *top, Reverse((key, rank, s)));
                            swapped = Some(best);
                        }
                    }
                    if let Some((k2, r2, s2)) = swapped {
                        c.log_run(s, since)?;
                        cur = Some((s2, k2, r2));
                        since = c.t;
                    }
                }
            }
        }
        Ok((events, true))
    }
}

struct Slot<K> {
    s: u32,
    key: K,
    rank: u32,
    since: f64,
    horizon: f64,
}

/// m >= 2 machines: the m best keys run.
struct Many<'a, R: IndexRule, const LOG: bool> {
    c: Core<'a, R, LOG>,
    m: usize,
}

impl<'a, R: IndexRule, const LOG: bool> Many<'a, R, LOG> {
    fn new(
        jobs: &'a Jobs,
        rule: &'a mut R,
        known_count: bool,
        m: usize,
        rec: &'a mut Recorder,
        range: Range<usize>,
        out: &'a mut [f64],
    ) -> Self {
        Many {
            c: Core::new(jobs, rule, known_count, rec, range, out),
            m,
        }
    }

    /// Runs to the end (or the budget); returns (events, finished).
    fn run(mut self, budget: &Budget) -> CoreResult<(u64, bool)> {
        let m = self.m;
        let c = &mut self.c;
        let n = c.end;
        let mut running: Vec<Slot<R::Key>> = Vec::with_capacity(m.min(n));
        let mut events = 0u64;
        let mut poll = Poll::default();
        loop {
            // 1. The next event and the advance of every running job to it.
            let mut dt = 0.0;
            if running.is_empty() {
                if c.next >= n {
                    break;
                }
                c.t = c.t.max(c.t_rel);
            } else {
                let mut d = f64::INFINITY;
                for r in running.iter_mut() {
                    d = d.min(c.slab.hot[r.s as usize].op_rem);
                    r.horizon = c.horizon(r.s);
                    d = d.min(r.horizon);
                }
                if c.t_rel - c.t <= d {
                    dt = (c.t_rel - c.t).max(0.0);
                    c.t = c.t_rel;
                } else {
                    dt = d;
                    c.t += d;
                }
                for r in &running {
                    c.slab.hot[r.s as usize].op_rem -= dt;
                }
            }
            events += 1;
            if poll.tick_n(1 + running.len() as u64, budget)? {
                for r in &running {
                    c.log_run(r.s, r.since)?;
                }
                return Ok((events, false));
            }
            // 2. Horizons, then operation completions, of the running jobs; keys refreshed.
            if R::HAS_HORIZON {
                for r in &running {
                    if r.horizon <= dt {
                        c.on_horizon(r.s);
                    }
                }
            }
            let mut i = 0;
            while i < running.len() {
                let s = running[i].s;
                if c.slab.hot[s as usize].op_rem <= 0.0 {
                    c.log_run(s, running[i].since)?;
                    running[i].since = c.t;
                    if !c.finish(s, running[i].rank)? {
                        running.swap_remove(i);
                        continue;
                    }
                }
                running[i].key = c.key(s);
                i += 1;
            }
            // 3. Free machines take the best waiting jobs.
            while running.len() < m {
                let Some(Reverse((key, rank, s))) = c.heap.pop() else {
                    break;
                };
                running.push(Slot {
                    s,
                    key,
                    rank,
                    since: c.t,
                    horizon: f64::INFINITY,
                });
            }
            // 4. Releases: a new job takes a free machine, or the worst running job's machine
            // if it beats it, or waits.
            while c.next < n && c.t_rel <= c.t {
                if poll.tick(budget)? {
                    for r in &running {
                        c.log_run(r.s, r.since)?;
                    }
                    return Ok((events, false));
                }
                let (s, key, rank) = c.release_next()?;
                if running.len() < m {
                    running.push(Slot {
                        s,
                        key,
                        rank,
                        since: c.t,
                        horizon: f64::INFINITY,
                    });
                    continue;
                }
                let w = if R::PREEMPTIVE {
                    Some(worst(&running))
                } else {
                    // Non-preemptive: only a job that has not started yet (it took the machine
                    // at this very instant) can still give it up.
                    worst_where(&running, |r| c.unserved(r.s))
                };
                if let Some(w) = w {
                    let ws = &running[w];
                    if (key, rank) < (ws.key, ws.rank) {
                        let (ws_s, ws_key, ws_rank, ws_since) = (ws.s, ws.key, ws.rank, ws.since);
                        c.log_run(ws_s, ws_since)?;
                        c.heap.push(Reverse((ws_key, ws_rank, ws_s)));
                        running[w] = Slot {
                            s,
                            key,
                            rank,
                            since: c.t,
                            horizon: f64::INFINITY,
                        };
                        continue;
                    }
                }
                c.heap.push(Reverse((key, rank, s)));
            }
            // 5. A running job whose key got worse (a revealed operation) yields.
            if R::PREEMPTIVE {
                while !running.is_empty() {
                    let Some(mut top) = c.heap.peek_mut() else { break };
                    let w = worst(&running);
                    let ws = &running[w];
                    if (top.0 .0, top.0 .1) >= (ws.key, ws.rank) {
                        break;
                    }
                    let (ws_s, ws_since) = (ws.s, ws.since);
                    let Reverse((key, rank, s)) =
                        std::mem::replace(&mut *top, Reverse((ws.key, ws.rank, ws.s)));
                    drop(top);
                    c.log_run(ws_s, ws_since)?;
                    running[w] = Slot {
                        s,
                        key,
                        rank,
                        since: c.t,
                        horizon: f64::INFINITY,
                    };
                }
            }
        }
        Ok((events, true))
    }
}

/// Index of the running job with the largest (key, rank) among those `ok` accepts.
#[inline(always)]
fn worst_where<K: Ord + Copy>(running: &[Slot<K>], ok: impl Fn(&Slot<K>) -> bool) -> Option<usize> {
    let mut w: Option<usize> = None;
    for (i, r) in running.iter().enumerate() {
        if ok(r) && w.is_none_or(|w| (r.key, r.rank) > (running[w].key, running[w].rank)) {
            w = Some(i);
        }
    }
    w
}

/// Index of the running job with the largest (key, rank); `running` is non-empty.
#[inline(always)]
fn worst<K: Ord + Copy>(running: &[Slot<K>]) -> usize {
    let mut w = 0;
    for i in 1..running.len() {
        if (running[i].key, running[i].rank) > (running[w].key, running[w].rank) {
            w = i;
        }
    }
    w
}
