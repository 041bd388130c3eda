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

    /// Room for `n` records in push order, one per job of a pushed batch (each filled in
    /// when its job finishes; see `Config::finished_in_push_order`). Only the columns the run
    /// decides are made: `gid`, `tag`, `user` and `class` stay empty, as record `i` is the
    /// batch's `i`-th job, whose id, user and class the caller pushed. Every value is written
    /// here, so that the pages are touched where this is called: the batch's check, on the
    /// caller's thread while the engine's thread simulates the batch before (the engine's
    /// thread then only writes into memory already mapped, and no column is ever regrown
    /// and copied).
    pub(super) fn for_push_order(n: usize) -> Finished {
        let filled = |x: f64| {
            let mut v = Vec::with_capacity(n);
            v.resize(n, x);
            v
        };
        // -1, not 0: zeroed memory may be handed over as pages not touched yet.
        let mut n_tasks = Vec::with_capacity(n);
        n_tasks.resize(n, -1);
        Finished {
            submit: filled(f64::NAN),
            start: filled(f64::NAN),
            finish: filled(f64::NAN),
            work: filled(f64::NAN),
            estimate: filled(f64::NAN),
            n_tasks,
            alone: filled(f64::NAN),
            ..Finished::default()
        }
    }

    /// Records in push order: the run's columns of `parts` one after the other (see
    /// [`Finished::for_push_order`]).
    pub fn concat(parts: Vec<Finished>) -> Finished {
        let mut all = Finished::default();
        for p in parts {
            all.submit.extend(p.submit);
            all.start.extend(p.start);
            all.finish.extend(p.finish);
            all.work.extend(p.work);
            all.estimate.extend(p.estimate);
            all.n_tasks.extend(p.n_tasks);
            all.alone.extend(p.alone);
        }
        all
    }

    /// Writes `job`, finished at `t`, as record `i` (made by [`Finished::for_push_order`]).
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
