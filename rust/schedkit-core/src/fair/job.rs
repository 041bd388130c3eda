//! A job's run-time state inside the engine: its stages (inline when there is one), the
//! stage DAG as children lists, dispatch keys and counters, and what is derived on arrival
//! (runtime partitioning, a stage's share of the estimate, the response time alone).

use super::Workload;
use crate::error::{CoreError, CoreResult};

/// A stage's run-time state (Spark's TaskSetManager).
#[derive(Clone, Debug)]
pub(super) struct StageRt {
    /// Range of the stage's given task durations in the job's `durs`.
    pub(super) lo: usize,
    pub(super) hi: usize,
    pub(super) work: f64,
    /// Tasks to run (the given ones, or the partitioned count).
    pub(super) n: usize,
    pub(super) next: usize,
    pub(super) running: usize,
    pub(super) unfinished: usize,
    /// Parents not finished yet.
    pub(super) waiting: usize,
    /// Some(d) when partitioned into `n` equal tasks of d seconds.
    pub(super) split: Option<f64>,
    pub(super) cpu: f64,
    pub(super) mem: f64,
    /// Dispatch key of the keyed policies: the job's (FIFO: arrival order, SJF: work,
    /// UWFQ: global deadline), or the stage's own CFQ deadline, set when it is submitted.
    pub(super) key: f64,
    /// In its ready queue: set when the stage becomes ready, cleared when its last task starts.
    pub(super) queued: bool,
    /// Range of the stage's children in the job's `children`.
    pub(super) child_lo: usize,
    pub(super) child_hi: usize,
}

/// A job's run-time state, in a slot of the engine that a later job reuses.
#[derive(Clone, Debug, Default)]
pub(super) struct Job {
    pub(super) gid: u64,
    pub(super) tag: i64,
    pub(super) user: usize,
    /// FAIR: the pool the job was pushed into (a trace's `pool` column); None = its user's.
    pub(super) pool: Option<usize>,
    /// FAIR inside a pool: the tie rank (the workload's `job_tie`, else 0), compared before
    /// `seq`.
    pub(super) tie: u64,
    pub(super) class: usize,
    pub(super) noise: f64,
    /// The work the scheduler is told (the workload's `job_estimate`, else `work`).
    pub(super) told: f64,
    pub(super) submit: f64,
    pub(super) start: f64,
    pub(super) work: f64,
    pub(super) est: f64,
    pub(super) alone: f64,
    pub(super) seq: u64,
    /// Job-level dispatch key (FIFO: seq, SJF: work, UWFQ: deadline); see `StageRt::key`.
    pub(super) key: f64,
    pub(super) n_tasks: usize,
    pub(super) stages_left: usize,
    pub(super) stages: Stages,
    pub(super) durs: Durs,
    pub(super) children: Vec<usize>,
    /// Closed loop: jobs of its batch wait for this one to finish (see `Engine::build`).
    pub(super) has_successors: bool,
    pub(super) live: bool,
}

impl StageRt {
    /// Workload stage `s` as the only stage of its job, holding one task of duration `d`
    /// (the common small job: no range arithmetic). The work is a sum of one value, as for
    /// any other stage, so that a -0.0 comes out the same.
    #[inline(always)]
    fn single_task(w: &Workload, s: usize, d: f64) -> StageRt {
        StageRt {
            lo: 0,
            hi: 1,
            work: std::slice::from_ref(&d).iter().sum(),
            n: 1,
            next: 0,
            running: 0,
            unfinished: 1,
            waiting: 0,
            split: None,
            cpu: w.stage_cpu.get(s).copied().unwrap_or(1.0),
            mem: w.stage_mem.get(s).copied().unwrap_or(0.0),
            key: 0.0,
            queued: false,
            child_lo: 0,
            child_hi: 0,
        }
    }
}

/// Job `j`'s tie rank in `w` (`Workload::check` has made sure it is >= 0).
#[inline(always)]
fn tie_of(w: &Workload, j: usize) -> u64 {
    w.job_tie.get(j).map_or(0, |&r| r as u64)
}

impl Job {
    /// Job `j` of `w`, pushed as the `gid`-th job, not arrived yet; `parents` are the
    /// workload's parents as indices within their jobs (what `Workload::check` returns) and
    /// `noise` the job's estimate factor.
    #[inline(always)]
    pub(super) fn new(w: &Workload, parents: &[usize], j: usize, gid: u64, noise: f64) -> Job {
        let sr = w.stages_of(j);
        let t0 = w.task_offsets[sr.start];
        let durs = Durs::of(&w.task_duration[t0..w.task_offsets[sr.end]]);
        let m = sr.len();
        let (stages, children) = build_stages(w, parents, sr, &durs);
        let work = stages.iter().map(|s| s.work).sum();
        Job {
            gid,
            tag: w.job_tag.get(j).copied().unwrap_or(gid as i64),
            user: w.job_user[j],
            pool: w.job_pool.get(j).and_then(|&p| usize::try_from(p).ok()),
            tie: tie_of(w, j),
            class: w.job_class[j],
            noise,
            told: w.job_estimate.get(j).copied().unwrap_or(work),
            submit: f64::NAN,
            start: f64::NAN,
            work,
            est: f64::NAN,
            alone: f64::NAN,
            seq: 0,
            key: 0.0,
            n_tasks: 0,
            stages_left: m,
            stages,
            durs,
            children,
            has_successors: false,
            live: true,
        }
    }

    /// Makes this slot job `j` of `w`, as [`Job::new`] builds it. A single-task job into a
    /// slot that held one (the common small job) is written field by field where it is,
    /// rather than built aside and moved in over the old one.
    #[inline(always)]
    pub(super) fn rebuild(&mut self, w: &Workload, parents: &[usize], j: usize, gid: u64, noise: f64) {
        let sr = w.stages_of(j);
        let t0 = w.task_offsets[sr.start];
        let one_task = sr.len() == 1 && w.task_offsets[sr.end] - t0 == 1;
        let (true, Stages::One(st), Durs::One(dur)) = (one_task, &mut self.stages, &mut self.durs) else {
            *self = Job::new(w, parents, j, gid, noise);
            return;
        };
        let d = w.task_duration[t0];
        *dur = d;
        *st = StageRt::single_task(w, sr.start, d);
        let work = std::slice::from_ref(&st.work).iter().sum();
        self.children.clear();
        self.gid = gid;
        self.tag = w.job_tag.get(j).copied().unwrap_or(gid as i64);
        self.user = w.job_user[j];
        self.pool = w.job_pool.get(j).and_then(|&p| usize::try_from(p).ok());
        self.tie = tie_of(w, j);
        self.class = w.job_class[j];
        self.noise = noise;
        self.told = w.job_estimate.get(j).copied().unwrap_or(work);
        self.submit = f64::NAN;
        self.start = f64::NAN;
        self.work = work;
        self.est = f64::NAN;
        self.alone = f64::NAN;
        self.seq = 0;
        self.key = 0.0;
        self.n_tasks = 0;
        self.stages_left = 1;
        self.has_successors = false;
        self.live = true;
    }

    /// Whatever the job holds on the heap is freed (its slot waits for a later job); a
    /// single task's inline stage stays, for [`Job::rebuild`] to write over.
    pub(super) fn release(&mut self) {
        if let Stages::Many(_) = self.stages {
            self.stages = Stages::default();
        }
        if let Durs::Many(_) = self.durs {
            self.durs = Durs::default();
        }
        self.children = Vec::new();
    }

    /// Runtime partitioning: each stage becomes `max(1, ceil(its share of the estimate /
    /// tau))` equal tasks of its true work in total. More than `max_tasks` tasks for one
    /// stage is an error naming the job (a bound on the simulation's work, not a clamp).
    pub(super) fn partition(&mut self, tau: f64, max_tasks: usize) -> CoreResult<()> {
        for s in 0..self.stages.len() {
            let want = (self.stage_estimate(s) / tau).ceil();
            if want > max_tasks as f64 {
                return Err(CoreError::invalid(
                    "tau",
                    None,
                    format!(
                        "job {}: partitioning its stage {s} (estimate {:.6} core-s) at tau = {tau} \
                         makes {want} tasks, more than the bound of {max_tasks} tasks per stage; \
                         use a larger tau",
                        self.tag,
                        self.stage_estimate(s)
                    ),
                ));
            }
            let k = (want as usize).max(1);
            let st = &mut self.stages[s];
            st.n = k;
            st.unfinished = k;
            st.split = Some(st.work / k as f64);
        }
        Ok(())
    }

    /// The stage's share of the job's estimate, in proportion to its true work.
    pub(super) fn stage_estimate(&self, s: usize) -> f64 {
        if self.work > 0.0 {
            self.est * self.stages[s].work / self.work
        } else {
            self.est / self.stages.len() as f64
        }
    }

    /// Duration of task `i` of stage `s` (given, or the partitioned size).
    pub(super) fn task_duration(&self, s: usize, i: usize) -> f64 {
        let st = &self.stages[s];
        match st.split {
            Some(d) => d,
            None => self.durs[st.lo + i],
        }
    }

    /// A lower bound on the job's response time on the cluster, whatever else runs (the
    /// slowdown's denominator, so a slowdown is never below 1): the longest path through the
    /// stage DAG, a stage weighing its longest task or its work spread over the whole
    /// cluster, whichever is more, and at least the job's work spread over the cluster.
    /// Spread over the cluster: `work / c` on `c` core slots; with DRF resources
    /// (`totals` = the cluster's cpu and memory) the stage's cpu-seconds over the cpus and
    /// its memory-seconds over the memory.
    pub(super) fn alone_time(&self, c: usize, totals: Option<(f64, f64)>) -> f64 {
        let spread = |st: &StageRt| match totals {
            None => st.work / c as f64,
            Some((cpu, mem)) => (st.cpu * st.work / cpu).max(st.mem * st.work / mem),
        };
        let weight = |st: &StageRt| {
            let longest = match st.split {
                Some(d) => d,
                None => self.durs[st.lo..st.hi].iter().fold(0.0, |a: f64, &d| a.max(d)),
            };
            longest.max(spread(st))
        };
        if let [st] = &self.stages[..] {
            if let (None, Durs::One(d)) = (st.split, &self.durs) {
                // One given task (the common small job): its duration is the longest, as
                // the fold over the durations below would find it.
                let sp = spread(st);
                return 0.0f64.max(*d).max(sp).max(sp);
            }
            return weight(st).max(spread(st));
        }
        let total: f64 = self.stages.iter().map(spread).sum();
        // Parents are earlier stages, so index order is a topological order.
        let mut start = vec![0.0f64; self.stages.len()];
        let mut path: f64 = 0.0;
        for (k, st) in self.stages.iter().enumerate() {
            let end = start[k] + weight(st);
            path = path.max(end);
            for &ch in &self.children[st.child_lo..st.child_hi] {
                start[ch] = start[ch].max(end);
            }
        }
        path.max(total)
    }
}

/// A job's task durations: inline for the common single-task job (no allocation per job),
/// else a vector.
#[derive(Clone, Debug)]
pub(super) enum Durs {
    One(f64),
    Many(Vec<f64>),
}

impl Durs {
    fn of(d: &[f64]) -> Durs {
        match d {
            [x] => Durs::One(*x),
            _ => Durs::Many(d.to_vec()),
        }
    }
}

impl Default for Durs {
    fn default() -> Self {
        Durs::Many(Vec::new())
    }
}

impl std::ops::Deref for Durs {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        match self {
            Durs::One(x) => std::slice::from_ref(x),
            Durs::Many(v) => v,
        }
    }
}

/// A job's stages: inline for the common single-stage job (no allocation), else a vector.
#[derive(Clone, Debug)]
pub(super) enum Stages {
    One(StageRt),
    Many(Vec<StageRt>),
}

impl Default for Stages {
    fn default() -> Self {
        Stages::Many(Vec::new())
    }
}

impl std::ops::Deref for Stages {
    type Target = [StageRt];
    fn deref(&self) -> &[StageRt] {
        match self {
            Stages::One(s) => std::slice::from_ref(s),
            Stages::Many(v) => v,
        }
    }
}

impl std::ops::DerefMut for Stages {
    fn deref_mut(&mut self) -> &mut [StageRt] {
        match self {
            Stages::One(s) => std::slice::from_mut(s),
            Stages::Many(v) => v,
        }
    }
}

/// The run-time stages of the workload's stages `sr` (one job) and their children lists
/// (CSR, indices within the job); `parents` are the workload's resolved parents, `durs` the
/// job's task durations.
fn build_stages(
    w: &Workload,
    parents: &[usize],
    sr: std::ops::Range<usize>,
    durs: &[f64],
) -> (Stages, Vec<usize>) {
    if let [d] = durs {
        // One task (the common small job): the stage below without its range arithmetic.
        return (Stages::One(StageRt::single_task(w, sr.start, *d)), Vec::new());
    }
    let t0 = w.task_offsets[sr.start];
    let stage = |s: usize, waiting: usize, child_lo: usize, child_hi: usize| {
        let (lo, hi) = (w.task_offsets[s] - t0, w.task_offsets[s + 1] - t0);
        StageRt {
            lo,
            hi,
            work: durs[lo..hi].iter().sum(),
            n: hi - lo,
            next: 0,
            running: 0,
            unfinished: hi - lo,
            waiting,
            split: None,
            cpu: w.stage_cpu.get(s).copied().unwrap_or(1.0),
            mem: w.stage_mem.get(s).copied().unwrap_or(0.0),
            key: 0.0,
            queued: false,
            child_lo,
            child_hi,
        }
    };
    let m = sr.len();
    if m == 1 {
        return (Stages::One(stage(sr.start, 0, 0, 0)), Vec::new());
    }
    // Parents of local stage k: the given list, or the previous stage (the chain).
    let parent_list = |k: usize| -> Vec<usize> {
        if w.stage_parents.is_empty() {
            if k == 0 {
                Vec::new()
            } else {
                vec![k - 1]
            }
        } else {
            let s = sr.start + k;
            parents[w.stage_parents[s]..w.stage_parents[s + 1]].to_vec()
        }
    };
    let lists: Vec<Vec<usize>> = (0..m).map(parent_list).collect();
    let mut offs = vec![0usize; m + 1];
    for ps in &lists {
        for &p in ps {
            offs[p + 1] += 1;
        }
    }
    for k in 0..m {
        offs[k + 1] += offs[k];
    }
    let mut children = vec![0usize; offs[m]];
    let mut fill = offs.clone();
    for (k, ps) in lists.iter().enumerate() {
        for &p in ps {
            children[fill[p]] = k;
            fill[p] += 1;
        }
    }
    let stages = (0..m)
        .map(|k| stage(sr.start + k, lists[k].len(), offs[k], offs[k + 1]))
        .collect();
    (Stages::Many(stages), children)
}

#[cfg(test)]
mod tests {
    use super::{Job, Workload};

    /// A workload of single-task jobs (with and without ids, pools, estimates, requests)
    /// and multi-task and multi-stage jobs, so that a slot goes from every shape to every
    /// other.
    fn mixed() -> Vec<Workload> {
        let one = Workload {
            job_user: vec![0, 1, 0],
            job_submit: vec![0.0; 3],
            job_after: vec![-1; 3],
            job_think: vec![0.0; 3],
            job_class: vec![0, 2, 1],
            task_offsets: vec![0, 1, 2, 3],
            task_duration: vec![-0.0, 2.5, 1e-300],
            ..Workload::default()
        };
        let given = Workload {
            job_tag: vec![7, 9],
            job_pool: vec![-1, 3],
            job_estimate: vec![4.0, 0.5],
            stage_cpu: vec![2.0, 0.5],
            stage_mem: vec![1.0, 3.0],
            job_user: vec![1, 2],
            job_submit: vec![1.0; 2],
            job_after: vec![-1; 2],
            job_think: vec![0.0; 2],
            job_class: vec![0, 0],
            task_offsets: vec![0, 1, 2],
            task_duration: vec![3.0, 0.0],
            ..Workload::default()
        };
        let many = Workload {
            job_user: vec![0, 0],
            job_submit: vec![2.0; 2],
            job_after: vec![-1; 2],
            job_think: vec![0.0; 2],
            job_class: vec![0, 0],
            job_stages: vec![0, 1, 3],
            task_offsets: vec![0, 3, 4, 6],
            task_duration: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            ..Workload::default()
        };
        vec![one, given, many]
    }

    /// `Job::rebuild` over a slot released after any earlier job gives exactly the job
    /// `Job::new` builds (every field, -0.0 and NaN included, by their Debug text).
    #[test]
    fn rebuild_in_place_equals_new() {
        let ws = mixed();
        let jobs: Vec<(usize, usize)> = (0..ws.len())
            .flat_map(|b| (0..ws[b].n_jobs()).map(move |j| (b, j)))
            .collect();
        for &(b0, j0) in &jobs {
            for &(b, j) in &jobs {
                let mut slot = Job::new(&ws[b0], &[], j0, 11, 1.5);
                slot.submit = 3.0;
                slot.start = 4.0;
                slot.has_successors = true;
                slot.release();
                slot.rebuild(&ws[b], &[], j, 42, 0.75);
                let fresh = Job::new(&ws[b], &[], j, 42, 0.75);
                assert_eq!(
                    format!("{slot:?}"),
                    format!("{fresh:?}"),
                    "{b0}/{j0} then {b}/{j}"
                );
                assert_eq!(slot.work.to_bits(), fresh.work.to_bits());
                assert_eq!(slot.stages[0].work.to_bits(), fresh.stages[0].work.to_bits());
            }
        }
    }
}
