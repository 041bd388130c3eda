//! The workload a batch of jobs is pushed as (offsets + values layout, ready for arrays
//! from NumPy) and its checks, which name the offending field and index so that a bad
//! batch is an error and never a panic inside the engine.

use super::record::Finished;
use super::MAX_STAGES;
use crate::error::{CoreError, CoreResult};
use crate::util::HORIZON_LIMIT;

/// What checking a pushed batch depends on in the engine it goes into (see
/// [`Engine::push_context`](super::Engine::push_context)): the batch can be checked away
/// from the engine, e.g. on the caller's thread while the engine simulates the batch before.
/// Floats are kept as bits, so that two contexts are equal only when every message and
/// comparison made from them is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushContext {
    pub(super) n_users: usize,
    /// FAIR: the bound of a job's pool index; `usize::MAX` for the other policies.
    pub(super) n_pools: usize,
    /// The last open arrival still queued (its submit time's bits), if any.
    pub(super) back: Option<u64>,
    /// The horizon's bits.
    pub(super) horizon: u64,
    /// gid of the batch's first job.
    pub(super) next_gid: u64,
    pub(super) drf_max_node: Option<(u64, u64)>,
    /// `estimate='historic'`, which refuses given estimates.
    pub(super) historic: bool,
    /// `finished_in_push_order`: the batch comes with room for its jobs' records.
    pub(super) records: bool,
}

/// A batch checked against a [`PushContext`], with what the engine adds from it: the
/// parents resolved, the open arrivals, the closed-loop successor lists. The engine takes
/// it as it is when its context is still the one it was checked against
/// ([`Engine::push_checked`](super::Engine::push_checked)), and checks it again otherwise.
#[derive(Debug)]
pub struct Checked {
    pub(super) ctx: PushContext,
    pub(super) w: Workload,
    /// The parents as indices within their jobs.
    pub(super) parents: Vec<usize>,
    /// The open arrivals (submit time, gid), in push order.
    pub(super) open: Vec<(f64, u64)>,
    /// Closed loop: the successors of job `j` are `succ[succ_off[j]..succ_off[j + 1]]`;
    /// both empty when no job has a predecessor.
    pub(super) succ_off: Vec<usize>,
    pub(super) succ: Vec<usize>,
    /// With `finished_in_push_order`: the batch's job records, to be filled in as its jobs
    /// finish ([`Finished::for_push_order`], made with the check so that its memory is
    /// touched on the thread that checks); else empty.
    /// (Boxed: the batch travels by value to the engine's thread.)
    pub(super) records: Box<Finished>,
}

impl Checked {
    /// The batch checked.
    pub fn workload(&self) -> &Workload {
        &self.w
    }
}

impl PushContext {
    fn not_before(&self) -> f64 {
        let h = f64::from_bits(self.horizon);
        self.back.map_or(h, |b| f64::from_bits(b).max(h))
    }

    /// Checks `w` (the engine's only check of a batch; errors name the field and index) and
    /// prepares what the engine adds from it. On an error, `w` comes back with it.
    pub fn check(self, w: Workload) -> Result<Checked, Box<(CoreError, Workload)>> {
        match self.prepare(&w) {
            Ok((parents, open, succ_off, succ)) => Ok(Checked {
                records: Box::new(if self.records {
                    Finished::for_push_order(w.n_jobs())
                } else {
                    Finished::default()
                }),
                ctx: self,
                w,
                parents,
                open,
                succ_off,
                succ,
            }),
            Err(e) => Err(Box::new((e, w))),
        }
    }

    /// [`PushContext::check`]'s parts: (parents, open arrivals, successor offsets and lists).
    #[allow(clippy::type_complexity)]
    fn prepare(&self, w: &Workload) -> CoreResult<(Vec<usize>, Vec<(f64, u64)>, Vec<usize>, Vec<usize>)> {
        let parents = w.check(
            self.n_users,
            self.n_pools,
            self.not_before(),
            self.drf_max_node
                .map(|(c, m)| (f64::from_bits(c), f64::from_bits(m))),
        )?;
        if self.historic && !w.job_estimate.is_empty() {
            // Historic estimates are class means of finished work: a given estimate would
            // be ignored, so it is refused.
            return Err(CoreError::invalid(
                "estimate",
                None,
                "given with estimate='historic', which uses its class's mean finished work instead; \
                 use 'oracle' or 'noisy'",
            ));
        }
        let n = w.n_jobs();
        let (mut succ_off, mut succ) = (Vec::new(), Vec::new());
        if w.job_after.iter().any(|&a| a >= 0) {
            // Successor lists (CSR) of the closed-loop predecessors; `check` made every
            // predecessor an earlier job of the batch.
            succ_off = vec![0usize; n + 1];
            for &a in &w.job_after {
                if a >= 0 {
                    succ_off[a as usize + 1] += 1;
                }
            }
            for j in 0..n {
                succ_off[j + 1] += succ_off[j];
            }
            succ = vec![0usize; succ_off[n]];
            let mut fill = succ_off.clone();
            for (j, &a) in w.job_after.iter().enumerate() {
                if a >= 0 {
                    succ[fill[a as usize]] = j;
                    fill[a as usize] += 1;
                }
            }
        }
        let first = self.next_gid;
        let open = (w.job_after.iter().zip(&w.job_submit).enumerate())
            .filter(|(_, (&after, _))| after < 0)
            .map(|(j, (_, &submit))| (submit, first + j as u64))
            .collect();
        Ok((parents, open, succ_off, succ))
    }

    /// The context after the engine has added `w` (its open arrivals queued behind the
    /// others) and then advanced to `until`, which takes every queued open arrival before
    /// `until`, when neither fails. For the caller to check the next batch while the engine
    /// still simulates; the engine compares it with its own before relying on it.
    pub fn after(self, w: &Workload, until: f64) -> PushContext {
        let last_open = (w.job_after.iter().zip(&w.job_submit))
            .rev()
            .find(|(&a, _)| a < 0)
            .map(|(_, &s)| s.to_bits());
        let horizon = f64::from_bits(self.horizon).max(until);
        PushContext {
            back: last_open.or(self.back).filter(|&b| f64::from_bits(b) >= until),
            horizon: horizon.to_bits(),
            next_gid: self.next_gid + w.n_jobs() as u64,
            ..self
        }
    }
}

/// Jobs, their stages and their tasks. Ragged lists use an offsets + values layout.
///
/// A job is a DAG of stages (Spark's unit of scheduling); a stage is a bag of tasks that
/// becomes schedulable when all its parent stages have finished. With `job_stages` empty
/// every job has exactly one stage, so `task_offsets` is then per job.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// The caller's job id, returned with the results (empty: the job's index).
    pub job_tag: Vec<i64>,
    /// User index per job (0-based, a user added to the engine).
    pub job_user: Vec<usize>,
    /// Submit time of jobs without a predecessor (seconds).
    pub job_submit: Vec<f64>,
    /// Closed loop: index of the job (in this workload) whose completion releases this
    /// one (< own index), or -1.
    pub job_after: Vec<i64>,
    /// Think time added after the predecessor completes (seconds).
    pub job_think: Vec<f64>,
    /// Job class for historic estimates.
    pub job_class: Vec<usize>,
    /// The scheduler's estimate of each job's work in core-seconds (e.g. a user's requested
    /// runtime), read in place of the executed work by the oracle and noisy estimates;
    /// empty = the executed work. The tasks still run their durations.
    pub job_estimate: Vec<f64>,
    /// FAIR: the pool of each job (an index from `Engine::pool`, or -1 for its user's
    /// pool); empty = every job goes to its user's pool. Other policies ignore it.
    pub job_pool: Vec<i64>,
    /// FAIR and UJF: each job's tie rank inside a pool that is FAIR inside (>= 0): of two
    /// stages with as many tasks running, the smaller rank goes first, then the earlier job
    /// (Spark breaks that tie by the task set's name; the caller ranks the names). Empty =
    /// every rank 0, so submission order alone. Pools FIFO inside and other policies ignore
    /// it.
    pub job_tie: Vec<i64>,
    /// Stage offsets per job into the stages (len n_jobs + 1); empty = one stage per job.
    pub job_stages: Vec<usize>,
    /// Task offsets per stage into `task_duration` (len n_stages + 1).
    pub task_offsets: Vec<usize>,
    /// The caller's id of each stage (e.g. a trace's `stage` column), increasing within a
    /// job; empty = a stage's id is its index within its job.
    pub stage_id: Vec<i64>,
    /// Parent offsets per stage into `parents` (len n_stages + 1); empty = every stage
    /// waits for the previous stage of its job (a chain).
    pub stage_parents: Vec<usize>,
    /// Parent stages by id (see `stage_id`), each an earlier stage of the same job.
    pub parents: Vec<i64>,
    /// Task durations in seconds on one core.
    pub task_duration: Vec<f64>,
    /// DRF only: cpu (cores) and memory request of each task of the stage (empty: 1, 0).
    pub stage_cpu: Vec<f64>,
    pub stage_mem: Vec<f64>,
}

impl Workload {
    pub fn n_jobs(&self) -> usize {
        self.job_user.len()
    }

    /// Stage range of job `j`.
    pub fn stages_of(&self, j: usize) -> std::ops::Range<usize> {
        if self.job_stages.is_empty() {
            j..j + 1
        } else {
            self.job_stages[j]..self.job_stages[j + 1]
        }
    }

    /// Checks a batch of jobs against the engine it is pushed into: `n_users` users added,
    /// open jobs not submitted before `not_before`, and for DRF the largest node's (cpu,
    /// memory). Names the field and the index within the batch. Returns the parents as
    /// indices within their jobs (laid out as `parents`).
    pub(super) fn check(
        &self,
        n_users: usize,
        n_pools: usize,
        not_before: f64,
        drf_max_node: Option<(f64, f64)>,
    ) -> CoreResult<Vec<usize>> {
        let n = self.n_jobs();
        for (name, len) in [
            ("job_submit", self.job_submit.len()),
            ("job_after", self.job_after.len()),
            ("job_think", self.job_think.len()),
            ("job_class", self.job_class.len()),
        ] {
            if len != n {
                return Err(CoreError::invalid(
                    name,
                    None,
                    format!("length {len} != number of jobs {n}"),
                ));
            }
        }
        if !self.job_pool.is_empty() && self.job_pool.len() != n {
            return Err(CoreError::invalid("pool", None, "one pool per job"));
        }
        if let Some(j) = self
            .job_pool
            .iter()
            .position(|&p| p < -1 || usize::try_from(p).is_ok_and(|p| p >= n_pools))
        {
            return Err(CoreError::invalid(
                "pool",
                Some(j),
                format!(
                    "job {}: pool index {} out of range",
                    self.tag(j),
                    self.job_pool[j]
                ),
            ));
        }
        if !self.job_tie.is_empty() && self.job_tie.len() != n {
            return Err(CoreError::invalid("job_tie", None, "one tie rank per job"));
        }
        if let Some(j) = self.job_tie.iter().position(|&r| r < 0) {
            return Err(CoreError::invalid(
                "job_tie",
                Some(j),
                format!(
                    "job {}: tie rank must be >= 0, got {}",
                    self.tag(j),
                    self.job_tie[j]
                ),
            ));
        }
        if !self.job_estimate.is_empty() && self.job_estimate.len() != n {
            return Err(CoreError::invalid("estimate", None, "one estimate per job"));
        }
        if let Some(j) = self
            .job_estimate
            .iter()
            .position(|&e| !(e.is_finite() && e > 0.0))
        {
            return Err(CoreError::invalid(
                "estimate",
                Some(j),
                format!(
                    "job {}: estimate must be finite and > 0 core-s, got {}",
                    self.tag(j),
                    self.job_estimate[j]
                ),
            ));
        }
        if !self.job_tag.is_empty() && self.job_tag.len() != n {
            return Err(CoreError::invalid("job_id", None, "one id per job"));
        }
        if !self.job_stages.is_empty() && (self.job_stages.len() != n + 1 || self.job_stages[0] != 0) {
            return Err(CoreError::invalid(
                "job_stages",
                None,
                "must be n_jobs + 1 offsets starting at 0",
            ));
        }
        let ns = if self.job_stages.is_empty() {
            n
        } else {
            self.job_stages[n]
        };
        if !self.job_stages.is_empty() {
            for j in 0..n {
                if self.job_stages[j + 1] <= self.job_stages[j] {
                    return Err(CoreError::invalid(
                        "job_stages",
                        Some(j),
                        "every job needs at least one stage",
                    ));
                }
            }
        }
        let off = &self.task_offsets;
        if off.len() != ns + 1 || off[0] != 0 || off[ns] != self.task_duration.len() {
            return Err(CoreError::invalid(
                "task_offsets",
                None,
                "must be n_stages + 1 offsets from 0 to the number of tasks",
            ));
        }
        // Each column first in one pass without branches (vectorised), row by row only
        // when it holds a bad value, to name it.
        let offsets_ok = off.windows(2).fold(true, |ok, p| ok & (p[1] > p[0]));
        if !offsets_ok {
            for s in 0..ns {
                if off[s + 1] <= off[s] {
                    return Err(CoreError::invalid(
                        "task_offsets",
                        Some(s),
                        "every stage needs at least one task (offsets strictly increasing)",
                    ));
                }
            }
        }
        // Open jobs must come in submit order, not before the last pushed one nor before
        // the horizon: the engine queues them first in, first out.
        let mut last = not_before;
        for (i, &x) in self.job_submit.iter().enumerate() {
            if !x.is_finite() {
                return Err(CoreError::invalid(
                    "submit_time",
                    Some(i),
                    format!("must be finite, got {x}"),
                ));
            }
            if self.job_after.get(i).is_some_and(|&a| a < 0) {
                if x < last {
                    return Err(CoreError::invalid(
                        "submit_time",
                        Some(i),
                        format!(
                            "job submitted at {x} after a job submitted at {last}: push jobs in submit order"
                        ),
                    ));
                }
                last = x;
            }
        }
        // without job_stages every job is one stage
        if !self.job_stages.is_empty() {
            for j in 0..n {
                if self.stages_of(j).len() > MAX_STAGES {
                    return Err(CoreError::invalid(
                        "stage",
                        Some(j),
                        format!("a job has at most {MAX_STAGES} stages"),
                    ));
                }
            }
        }
        finite_nonneg("duration", &self.task_duration)?;
        finite_nonneg("think_time", &self.job_think)?;
        // The batch ends by its latest submit plus all its work and think time on one core:
        // bounded, so no finish, response time or mean of them overflows to inf.
        let latest = self.job_submit.iter().copied().fold(last, f64::max);
        let bound = latest + self.task_duration.iter().sum::<f64>() + self.job_think.iter().sum::<f64>();
        if bound > HORIZON_LIMIT {
            return Err(CoreError::invalid(
                "duration",
                None,
                format!(
                    "latest submit time + total duration and think time is {bound:e}, over the \
                     {HORIZON_LIMIT:e} limit that keeps every time finite: rescale the times"
                ),
            ));
        }
        let users_ok = self.job_user.iter().fold(true, |ok, &u| ok & (u < n_users));
        if !users_ok {
            for (j, &u) in self.job_user.iter().enumerate() {
                if u >= n_users {
                    return Err(CoreError::invalid(
                        "user",
                        Some(j),
                        format!("user index {u} >= n_users {n_users}"),
                    ));
                }
            }
        }
        let after_ok =
            (self.job_after.iter().enumerate()).fold(true, |ok, (j, &a)| ok & (a < j as i64) & (a >= -1));
        if !after_ok {
            for (j, &a) in self.job_after.iter().enumerate() {
                if a >= j as i64 || a < -1 {
                    return Err(CoreError::invalid(
                        "after",
                        Some(j),
                        "predecessor must be -1 or an earlier job index",
                    ));
                }
            }
        }
        if let Some(max_node) = drf_max_node {
            for (name, v, cap) in [
                ("cpu", &self.stage_cpu, max_node.0),
                ("memory", &self.stage_mem, max_node.1),
            ] {
                if !v.is_empty() && v.len() != ns {
                    return Err(CoreError::invalid(name, None, "one request per stage"));
                }
                for (i, &x) in v.iter().enumerate() {
                    if !x.is_finite() || x < 0.0 {
                        return Err(CoreError::invalid(
                            name,
                            Some(i),
                            format!(
                                "{}: request must be finite and >= 0, got {x}",
                                self.where_stage(i)
                            ),
                        ));
                    }
                    if x > cap {
                        return Err(CoreError::invalid(
                            name,
                            Some(i),
                            format!(
                                "{}: request {x} fits on no node (the largest has {cap})",
                                self.where_stage(i)
                            ),
                        ));
                    }
                }
            }
            if self.stage_cpu.is_empty() && 1.0 > max_node.0 {
                return Err(CoreError::invalid(
                    "cpu",
                    None,
                    "a task needs 1 cpu and no node has that much",
                ));
            }
        }
        self.resolve_parents(ns)
    }

    /// The stage DAG's check, the only one (the trace readers check single rows, to skip
    /// them; the Python side passes parents through): offsets, stage ids increasing within a
    /// job, and every parent id the id of an earlier stage of the same job. Returns the
    /// parents as indices within their jobs.
    fn resolve_parents(&self, ns: usize) -> CoreResult<Vec<usize>> {
        if !self.stage_id.is_empty() && self.stage_id.len() != ns {
            return Err(CoreError::invalid(
                "stage",
                None,
                format!("{} stage ids for {ns} stages", self.stage_id.len()),
            ));
        }
        if self.stage_parents.is_empty() {
            return Ok(Vec::new());
        }
        let po = &self.stage_parents;
        if po.len() != ns + 1
            || po[0] != 0
            || po[ns] != self.parents.len()
            || po.windows(2).any(|p| p[1] < p[0])
        {
            return Err(CoreError::invalid(
                "stage_parents",
                None,
                "must be n_stages + 1 non-decreasing offsets",
            ));
        }
        let mut out = Vec::with_capacity(self.parents.len());
        for j in 0..self.n_jobs() {
            let r = self.stages_of(j);
            // The job's stage ids, sorted, so that a parent id resolves by binary search.
            let ids = (!self.stage_id.is_empty()).then(|| &self.stage_id[r.clone()]);
            if let Some(ids) = ids {
                if let Some(k) = ids.windows(2).position(|w| w[1] <= w[0]) {
                    return Err(CoreError::invalid(
                        "stage",
                        Some(r.start + k + 1),
                        format!(
                            "job {}: stage ids must increase within a job, got {} after {}",
                            self.tag(j),
                            ids[k + 1],
                            ids[k]
                        ),
                    ));
                }
            }
            for s in r.clone() {
                let k = s - r.start;
                for &p in &self.parents[po[s]..po[s + 1]] {
                    let found = match ids {
                        Some(ids) => ids[..k].binary_search(&p).ok(),
                        None => usize::try_from(p).ok().filter(|&p| p < k),
                    };
                    let Some(i) = found else {
                        let sid = ids.map_or(k as i64, |ids| ids[k]);
                        return Err(CoreError::invalid(
                            "parents",
                            Some(s),
                            format!(
                                "job {}: stage {sid} names parent stage {p}, which is not an earlier stage of the same job",
                                self.tag(j)
                            ),
                        ));
                    };
                    out.push(i);
                }
            }
        }
        Ok(out)
    }

    /// "job <id>, stage <k>" for stage `s` (an index among all stages), for messages.
    fn where_stage(&self, s: usize) -> String {
        let (j, first) = if self.job_stages.is_empty() {
            (s, s)
        } else {
            let j = self.job_stages.partition_point(|&o| o <= s) - 1;
            (j, self.job_stages[j])
        };
        format!("job {}, stage {}", self.tag(j), s - first)
    }

    /// The caller's id of job `j`, for messages.
    fn tag(&self, j: usize) -> i64 {
        self.job_tag.get(j).copied().unwrap_or(j as i64)
    }
}

// `&` of the two comparisons rather than `Range::contains`' `&&`: no branch per value.
#[allow(clippy::manual_range_contains)]
fn finite_nonneg(field: &str, v: &[f64]) -> CoreResult<()> {
    // One pass without branches first: `x >= 0 && x < inf` holds exactly for the finite
    // non-negative values (NaN fails both); the row is looked for only when one fails.
    if v.iter()
        .fold(true, |ok, &x| ok & (x >= 0.0) & (x < f64::INFINITY))
    {
        return Ok(());
    }
    for (i, &x) in v.iter().enumerate() {
        if !x.is_finite() || x < 0.0 {
            return Err(CoreError::invalid(
                field,
                Some(i),
                format!("must be finite and >= 0, got {x}"),
            ));
        }
    }
    Ok(())
}
