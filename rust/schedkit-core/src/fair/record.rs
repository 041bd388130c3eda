//! Result records of the engine: finished jobs and launched tasks as structs of arrays,
//! which the binding hands to NumPy column by column.

use super::job::Job;

/// Finished jobs as a struct of arrays, in completion order (from [`Engine::take_finished`](super::Engine::take_finished)).
#[derive(Clone, Debug, Default)]
pub struct Finished {
    /// Push order of the job (0 for the first job ever pushed).
    pub gid: Vec<u64>,
    pub tag: Vec<i64>,
    pub user: Vec<usize>,
    pub class: Vec<usize>,
    pub submit: Vec<f64>,
    pub start: Vec<f64>,
    pub finish: Vec<f64>,
    pub work: Vec<f64>,
    pub estimate: Vec<f64>,
    /// As i64, the type NumPy gets it as (no conversion copy of the column).
    pub n_tasks: Vec<i64>,
    /// Response time of the job alone on the cluster (list-scheduled, stages in order).
    pub alone: Vec<f64>,
}

impl Finished {
    /// No records, room for `n` (so that the next batch of records, about as many as the
    /// last, is not copied as its columns grow).
    pub(super) fn with_capacity(n: usize) -> Finished {
        Finished {
            gid: Vec::with_capacity(n),
            tag: Vec::with_capacity(n),
            user: Vec::with_capacity(n),
            class: Vec::with_capacity(n),
            submit: Vec::with_capacity(n),
            start: Vec::with_capacity(n),
            finish: Vec::with_capacity(n),
            work: Vec::with_capacity(n),
            estimate: Vec::with_capacity(n),
            n_tasks: Vec::with_capacity(n),
            alone: Vec::with_capacity(n),
        }
    }

    /// Room for the records of gids below `n` in push order (each filled in when its job
    /// finishes; see `Config::finished_in_push_order`). Only the columns the run decides
    /// grow: `gid`, `tag`, `user` and `class` stay empty, as record `i` is the `i`-th job
    /// pushed, whose id, user and class the caller pushed. Each column is memory the engine
    /// touches first (a page fault per 4 KiB on its thread), so none is filled twice.
    pub(super) fn grow_to(&mut self, n: usize) {
        self.submit.resize(n, f64::NAN);
        self.start.resize(n, f64::NAN);
        self.finish.resize(n, f64::NAN);
        self.work.resize(n, f64::NAN);
        self.estimate.resize(n, f64::NAN);
        self.n_tasks.resize(n, 0);
        self.alone.resize(n, f64::NAN);
    }

    /// Writes `job`, finished at `t`, as record `i` (made by [`Finished::grow_to`]).
    pub(super) fn put(&mut self, i: usize, job: &Job, t: f64) {
        self.submit[i] = job.submit;
        self.start[i] = job.start;
        self.finish[i] = t;
        self.work[i] = job.work;
        self.estimate[i] = job.est;
        self.n_tasks[i] = job.n_tasks as i64;
        self.alone[i] = job.alone;
    }

    /// Appends `job`, finished at `t`.
    pub(super) fn push(&mut self, job: &Job, t: f64) {
        self.gid.push(job.gid);
        self.tag.push(job.tag);
        self.user.push(job.user);
        self.class.push(job.class);
        self.submit.push(job.submit);
        self.start.push(job.start);
        self.finish.push(t);
        self.work.push(job.work);
        self.estimate.push(job.est);
        self.n_tasks.push(job.n_tasks as i64);
        self.alone.push(job.alone);
    }
}

/// Task records (with `record_tasks`), in launch order.
#[derive(Clone, Debug, Default)]
pub struct TaskRows {
    pub gid: Vec<u64>,
    pub stage: Vec<usize>,
    /// DRF node (0 for the other policies).
    pub node: Vec<usize>,
    pub start: Vec<f64>,
    pub end: Vec<f64>,
    /// The task's cpu and memory request (DRF; 1 and 0 otherwise unless given).
    pub cpu: Vec<f64>,
    pub mem: Vec<f64>,
}

impl TaskRows {
    /// Appends a task of stage `s` of `job` run on `node` from `start` to `end`.
    pub(super) fn push(&mut self, job: &Job, s: usize, node: usize, start: f64, end: f64) {
        self.gid.push(job.gid);
        self.stage.push(s);
        self.node.push(node);
        self.start.push(start);
        self.end.push(end);
        self.cpu.push(job.stages[s].cpu);
        self.mem.push(job.stages[s].mem);
    }
}
