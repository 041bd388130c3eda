//! The information boundary between the simulator and a policy.
//!
//! The simulator owns the hidden truth (every operation size) in [`Hot`] records; a policy
//! only ever receives a [`Known`], whose accessors return `None` for what the policy's
//! [`Info`] class does not allow:
//!
//! | accessor | NonClairvoyant | Estimated | Revealed | Clairvoyant |
//! |---|---|---|---|---|
//! | `release`, `weight`, `attained`, `op_index`, `op_attained` | yes | yes | yes | yes |
//! | `op_size`, `op_remaining` (current, revealed operation) | - | - | yes | yes |
//! | `estimate` (p̂_j, when the jobs carry one) | - | yes | yes | yes |
//! | `remaining`, `size` (of the whole job) | - | - | - | yes |
//! | `ops_total` (number of operations) | only with `known_count` | same | same | yes |
//!
//! The size of operation i + 1 is never in a view before operation i has completed: a view
//! reads the current operation only; future sizes stay in [`super::Jobs`] and in the
//! simulator's `rest` (their sum, exposed as `remaining` to clairvoyant policies alone),
//! neither of which a policy can reach.

use super::Jobs;

/// What a policy may know about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Info {
    /// Release, weight, service received and operation boundaries; no size at all.
    NonClairvoyant,
    /// As NonClairvoyant, plus the job's size estimate p̂_j (robust setting).
    Estimated,
    /// As Estimated, plus the size of the current operation once it is revealed.
    Revealed,
    /// Everything: the total remaining size of each job.
    Clairvoyant,
}

impl Info {
    pub fn name(self) -> &'static str {
        match self {
            Info::NonClairvoyant => "nonclairvoyant",
            Info::Estimated => "estimated",
            Info::Revealed => "revealed",
            Info::Clairvoyant => "clairvoyant",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "nonclairvoyant" => Some(Info::NonClairvoyant),
            "estimated" => Some(Info::Estimated),
            "revealed" => Some(Info::Revealed),
            "clairvoyant" => Some(Info::Clairvoyant),
            _ => None,
        }
    }
}

/// What a policy sees of one alive job at an event: read through methods, each of which
/// returns `None` when the policy's [`Info`] class does not allow it.
#[derive(Clone, Copy)]
pub struct Known<'a> {
    jobs: &'a Jobs,
    h: &'a Hot,
    info: Info,
    known_count: bool,
}

impl<'a> Known<'a> {
    #[inline(always)]
    pub(crate) fn new(jobs: &'a Jobs, h: &'a Hot, info: Info, known_count: bool) -> Self {
        Known {
            jobs,
            h,
            info,
            known_count,
        }
    }
    #[inline(always)]
    fn j(&self) -> usize {
        self.h.job as usize
    }
    /// The job's id (position in the instance).
    #[inline(always)]
    pub fn job(&self) -> usize {
        self.j()
    }
    #[inline(always)]
    pub fn release(&self) -> f64 {
        self.jobs.release()[self.j()]
    }
    #[inline(always)]
    pub fn weight(&self) -> f64 {
        self.jobs.weight()[self.j()]
    }
    /// Total service received so far.
    #[inline(always)]
    pub fn attained(&self) -> f64 {
        self.h.done + self.op_attained()
    }
    /// Index of the current operation (= operations completed).
    #[inline(always)]
    pub fn op_index(&self) -> u32 {
        self.h.cur
    }
    /// Service received on the current operation.
    #[inline(always)]
    pub fn op_attained(&self) -> f64 {
        self.h.size - self.h.op_rem
    }
    /// Size of the current operation (Revealed, Clairvoyant).
    #[inline(always)]
    pub fn op_size(&self) -> Option<f64> {
        matches!(self.info, Info::Revealed | Info::Clairvoyant).then_some(self.h.size)
    }
    /// Remaining size of the current operation (Revealed, Clairvoyant).
    #[inline(always)]
    pub fn op_remaining(&self) -> Option<f64> {
        matches!(self.info, Info::Revealed | Info::Clairvoyant).then_some(self.h.op_rem)
    }
    /// The job's estimate p̂_j (Estimated and above, when the jobs carry estimates).
    #[inline(always)]
    pub fn estimate(&self) -> Option<f64> {
        if self.info == Info::NonClairvoyant {
            return None;
        }
        self.jobs.estimate().map(|e| e[self.j()])
    }
    /// Total remaining size (Clairvoyant only).
    #[inline(always)]
    pub fn remaining(&self) -> Option<f64> {
        (self.info == Info::Clairvoyant).then_some(self.h.rest + self.h.op_rem)
    }
    /// Total size of the job (Clairvoyant only).
    #[inline(always)]
    pub fn size(&self) -> Option<f64> {
        (self.info == Info::Clairvoyant).then(|| self.jobs.total()[self.j()])
    }
    /// Number of operations of the job (Clairvoyant, or with `known_count`).
    #[inline(always)]
    pub fn ops_total(&self) -> Option<u32> {
        (self.info == Info::Clairvoyant || self.known_count).then(|| self.jobs.num_ops(self.j()) as u32)
    }
}

/// The simulator's truth about one alive job, packed in one record.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Hot {
    /// Remaining size of the current operation.
    pub op_rem: f64,
    /// Size of the current operation.
    pub size: f64,
    /// Total size of the completed operations.
    pub done: f64,
    /// Total size of the operations after the current one (hidden from all but clairvoyant).
    pub rest: f64,
    /// Index of the current operation.
    pub cur: u32,
    /// The job's id.
    pub job: u32,
}

impl Hot {
    /// The state of job `j` at its release: the first operation revealed.
    #[inline(always)]
    pub fn released(jobs: &Jobs, j: usize) -> Hot {
        let first = jobs.op(j, 0);
        Hot {
            op_rem: first,
            size: first,
            done: 0.0,
            rest: jobs.total()[j] - first,
            cur: 0,
            job: j as u32,
        }
    }

    /// The current operation completed: reveals the next one and returns true, or returns
    /// false when it was the last.
    #[inline(always)]
    pub fn finish_op(&mut self, jobs: &Jobs) -> bool {
        let j = self.job as usize;
        let i = self.cur as usize + 1;
        self.done += self.size;
        if i < jobs.num_ops(j) {
            let next = jobs.op(j, i);
            self.cur = i as u32;
            self.op_rem = next;
            self.size = next;
            self.rest = (self.rest - next).max(0.0);
            true
        } else {
            self.op_rem = 0.0;
            self.rest = 0.0;
            false
        }
    }
}

/// Per-job state for the engines that keep every job (sharing, SETF, callbacks).
pub(crate) struct JobState<'a> {
    pub jobs: &'a Jobs,
    pub hot: Vec<Hot>,
    /// Completion time (NaN until the job completes).
    pub completion: Vec<f64>,
    pub info: Info,
    pub known_count: bool,
}

impl<'a> JobState<'a> {
    pub fn new(jobs: &'a Jobs, info: Info, known_count: bool) -> Self {
        let n = jobs.len();
        JobState {
            jobs,
            hot: vec![Hot::default(); n],
            completion: vec![f64::NAN; n],
            info,
            known_count,
        }
    }

    #[inline(always)]
    pub fn op_rem(&self, j: usize) -> f64 {
        self.hot[j].op_rem
    }
    #[inline(always)]
    pub fn set_op_rem(&mut self, j: usize, v: f64) {
        self.hot[j].op_rem = v;
    }
    #[inline(always)]
    pub fn cur(&self, j: usize) -> u32 {
        self.hot[j].cur
    }
    #[inline(always)]
    pub fn done(&self, j: usize) -> f64 {
        self.hot[j].done
    }

    /// Reveals the first operation of a job at its release.
    #[inline(always)]
    pub fn release(&mut self, j: usize) {
        self.hot[j] = Hot::released(self.jobs, j);
    }

    /// The current operation of `j` completed at `t`: reveals the next one and returns true,
    /// or records the completion and returns false.
    #[inline(always)]
    pub fn finish_op(&mut self, j: usize, t: f64) -> bool {
        let more = self.hot[j].finish_op(self.jobs);
        if !more {
            self.completion[j] = t;
        }
        more
    }

    /// The view of job `j` a policy of class `self.info` may see.
    #[inline(always)]
    pub fn view(&self, j: usize) -> Known<'_> {
        Known::new(self.jobs, &self.hot[j], self.info, self.known_count)
    }
}
