//! The keyed queue of FIFO, SJF, CFQ and UWFQ: ready stages in one ordered set by (key,
//! job arrival seq, stage, slot); free cores go to the smallest keys first, each stage up
//! to its pending tasks. The key is the job's arrival order (FIFO), its true work (SJF),
//! its UWFQ global deadline (moved when its user's chain is re-built), or the stage's own
//! CFQ deadline.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::{Launch, ReadyQueue};
use crate::error::CoreResult;
use crate::fair::job::Job;
use crate::fair::vtime::{Cfq, Uwfq, K};

/// What a stage's key is, with the virtual-time system that computes it.
pub(in crate::fair) enum Key {
    Fifo,
    Sjf,
    Cfq(Cfq),
    Uwfq(Uwfq),
}

/// A ready stage's place: (key, job arrival seq, stage, slot).
type Entry = (K, u64, usize, usize);

/// The ready stages, smallest entry first: a binary heap where a key never changes once
/// filed (FIFO, SJF, CFQ), which stays allocated while it empties and fills again (as
/// the queue does at every arrival on a cluster with free cores); an ordered set where
/// UWFQ moves keys.
enum StageOrder {
    Heap(BinaryHeap<Reverse<Entry>>),
    Set(BTreeSet<Entry>),
}

impl StageOrder {
    fn insert(&mut self, e: Entry) {
        match self {
            StageOrder::Heap(h) => h.push(Reverse(e)),
            StageOrder::Set(s) => {
                s.insert(e);
            }
        }
    }

    fn first(&self) -> Option<&Entry> {
        match self {
            StageOrder::Heap(h) => h.peek().map(|Reverse(e)| e),
            StageOrder::Set(s) => s.first(),
        }
    }

    fn pop_first(&mut self) {
        match self {
            StageOrder::Heap(h) => {
                h.pop();
            }
            StageOrder::Set(s) => {
                s.pop_first();
            }
        }
    }
}

pub(in crate::fair) struct KeyedQueue {
    key: Key,
    set: StageOrder,
    free: usize,
    /// CFQ: key every stage on the whole job's estimate (the Spark overhead model's
    /// `cfq_job_estimate`), not on its share.
    cfq_job_estimate: bool,
}

impl KeyedQueue {
    pub fn new(key: Key, cores: usize, cfq_job_estimate: bool) -> Self {
        let set = match key {
            Key::Uwfq(_) => StageOrder::Set(BTreeSet::new()),
            Key::Fifo | Key::Sjf | Key::Cfq(_) => StageOrder::Heap(BinaryHeap::new()),
        };
        KeyedQueue {
            key,
            set,
            free: cores,
            cfq_job_estimate,
        }
    }
}

impl ReadyQueue for KeyedQueue {
    fn add_user(&mut self, _u: usize, weight: f64, _pool: usize) -> CoreResult<()> {
        if let Key::Uwfq(q) = &mut self.key {
            q.add_user(weight);
        }
        Ok(())
    }

    fn on_arrive(&mut self, t: f64, jobs: &mut [Job], slot: usize) {
        let job = &mut jobs[slot];
        job.key = match self.key {
            Key::Fifo => job.seq as f64,
            Key::Sjf => job.work,
            Key::Cfq(_) | Key::Uwfq(_) => 0.0,
        };
        let (Key::Uwfq(q), StageOrder::Set(set)) = (&mut self.key, &mut self.set) else {
            return;
        };
        let (user, gid, est) = (job.user, job.gid, job.est);
        q.arrive(t, user, gid, slot, est, |gid, k, dl| {
            let job = &mut jobs[k];
            if !job.live || job.gid != gid {
                return; // finished for real while still in the virtual system
            }
            for (s, st) in job.stages.iter_mut().enumerate() {
                if st.queued {
                    set.remove(&(K(st.key), job.seq, s, k));
                    set.insert((K(dl), job.seq, s, k));
                    st.key = dl;
                }
            }
            job.key = dl;
        });
    }

    /// CFQ is stage-level, as the authors' code is: a stage's deadline is v(submission) +
    /// its estimated work. The other keys are the job's.
    fn on_ready(&mut self, t: f64, job: &mut Job, slot: usize, s: usize) {
        let key = match &mut self.key {
            Key::Cfq(q) if self.cfq_job_estimate => q.arrive(t, job.est),
            Key::Cfq(q) => q.arrive(t, job.stage_estimate(s)),
            _ => job.key,
        };
        job.stages[s].key = key;
        self.set.insert((K(key), job.seq, s, slot));
    }

    /// Keys do not change within a round, so taking the smallest key each time hands out
    /// the cores in the order of one sort at the start of the round.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        if self.free == 0 {
            return None;
        }
        let &(_, _, stage, slot) = self.set.first()?;
        let st = &jobs[slot].stages[stage];
        let left = st.n - st.next;
        let k = left.min(self.free);
        self.free -= k;
        if k == left {
            self.set.pop_first();
        }
        Some(Launch {
            slot,
            stage,
            k,
            node: 0,
        })
    }

    fn on_task_finish(&mut self, _job: &Job, _slot: usize, _s: usize, _node: usize) {
        self.free += 1;
    }
}
