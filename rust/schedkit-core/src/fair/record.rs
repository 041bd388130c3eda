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
    pub n_tasks: Vec<usize>,
    /// Response time of the job alone on the cluster (list-scheduled, stages in order).
    pub alone: Vec<f64>,
}

impl Finished {
    /// The records in push order (gid order), when they are every job of gids `first ..
    /// first + len` (a run taken whole at its end); None otherwise. One pass per column in
    /// place of a sort, so a run's result table needs no reordering afterwards.
    pub fn into_push_order(self) -> Option<Finished> {
        let n = self.gid.len();
        let first = self.gid.iter().copied().min().unwrap_or(0);
        let mut pos = vec![usize::MAX; n];
        for (i, &g) in self.gid.iter().enumerate() {
            let k = usize::try_from(g - first).ok().filter(|&k| k < n)?;
            if pos[k] != usize::MAX {
                return None;
            }
            pos[k] = i;
        }
        fn gather<T: Copy>(v: &[T], pos: &[usize]) -> Vec<T> {
            pos.iter().map(|&i| v[i]).collect()
        }
        Some(Finished {
            gid: gather(&self.gid, &pos),
            tag: gather(&self.tag, &pos),
            user: gather(&self.user, &pos),
            class: gather(&self.class, &pos),
            submit: gather(&self.submit, &pos),
            start: gather(&self.start, &pos),
            finish: gather(&self.finish, &pos),
            work: gather(&self.work, &pos),
            estimate: gather(&self.estimate, &pos),
            n_tasks: gather(&self.n_tasks, &pos),
            alone: gather(&self.alone, &pos),
        })
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
        self.n_tasks.push(job.n_tasks);
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
