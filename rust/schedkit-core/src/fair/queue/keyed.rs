//! The keyed queue of FIFO, SJF, CFQ and UWFQ: ready stages in one order by (key,
//! job arrival seq, stage, slot); free cores go to the smallest keys first, each stage up
//! to its pending tasks. The key is the job's arrival order (FIFO), its true work (SJF),
//! its UWFQ global deadline (moved when its user's chain is re-built), or the stage's own
//! CFQ deadline.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Launch, ReadyQueue};
use crate::error::CoreResult;
use crate::fair::job::Job;
use crate::fair::vtime::{ordered_bits, Cfq, Uwfq};

/// What a stage's key is, with the virtual-time system that computes it.
pub(in crate::fair) enum Key {
    Fifo,
    Sjf,
    Cfq(Cfq),
    Uwfq(Uwfq),
}

/// A ready stage's place: (key, job arrival seq, stage, slot), the key as its
/// [`ordered_bits`] (ordered as the float, compared as one integer).
type Entry = (i64, u64, usize, usize);

/// The ready stages, smallest entry first, in a binary heap, which stays allocated while
/// it empties and fills again (as the queue does at every arrival on a cluster with free
/// cores). Under UWFQ a queued stage's key moves when its user's chain is re-built: the
/// stage is filed again under its new key, and its old entry, stale, is dropped when it
/// comes to the top ([`KeyedQueue::pick`]); the entries in force are then taken in the
/// order an ordered set moving them would give. The other keys never change once filed.
/// Stale entries are also dropped all at once when they outnumber the others (a burst of
/// one user's jobs re-keys those queued behind each new one): the heap stays within about
/// twice the queued stages, as the ordered set did.
pub(in crate::fair) struct KeyedQueue {
    key: Key,
    heap: BinaryHeap<Reverse<Entry>>,
    /// Entries in `heap` made stale by a re-key and not dropped yet.
    stale: usize,
    free: usize,
    /// CFQ: key every stage on the whole job's estimate (the Spark overhead model's
    /// `cfq_job_estimate`), not on its share.
    cfq_job_estimate: bool,
}

impl KeyedQueue {
    pub fn new(key: Key, cores: usize, cfq_job_estimate: bool) -> Self {
        KeyedQueue {
            key,
            heap: BinaryHeap::new(),
            stale: 0,
            free: cores,
            cfq_job_estimate,
        }
    }
}

/// Stale entries tolerated before they are dropped at once (when they also outnumber the
/// entries in force).
const COMPACT_AFTER: usize = 1024;

/// Whether `e` is the entry in force of its stage (UWFQ): the job in the slot is still the
/// one that arrived as `seq` (a finished job's slot may hold a later job), the stage is
/// still queued, and its key is still `e`'s.
fn in_force(jobs: &[Job], e: &Entry) -> bool {
    let &(key, seq, stage, slot) = e;
    let job = &jobs[slot];
    job.live
        && job.seq == seq
        && job
            .stages
            .get(stage)
            .is_some_and(|st| st.queued && ordered_bits(st.key) == key)
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
        let Key::Uwfq(q) = &mut self.key else {
            return;
        };
        let (heap, stale) = (&mut self.heap, &mut self.stale);
        let (user, gid, est) = (job.user, job.gid, job.est);
        // The new job's stages are queued after this (`Engine::arrive`), under its key.
        let dl = q.arrive(t, user, gid, slot, est, |gid, k, dl| {
            let job = &mut jobs[k];
            if !job.live || job.gid != gid {
                return; // finished for real while still in the virtual system
            }
            for (s, st) in job.stages.iter_mut().enumerate() {
                if st.queued && st.key.to_bits() != dl.to_bits() {
                    // filed again; the old entry is stale now (see `pick`)
                    heap.push(Reverse((ordered_bits(dl), job.seq, s, k)));
                    *stale += 1;
                    st.key = dl;
                }
            }
            job.key = dl;
        });
        debug_assert!(!jobs[slot].stages.iter().any(|st| st.queued));
        jobs[slot].key = dl;
        if self.stale > COMPACT_AFTER && 2 * self.stale > self.heap.len() {
            self.heap.retain(|Reverse(e)| in_force(jobs, e));
            self.stale = 0;
        }
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
        self.heap.push(Reverse((ordered_bits(key), job.seq, s, slot)));
    }

    /// Keys do not change within a round, so taking the smallest key each time hands out
    /// the cores in the order of one sort at the start of the round.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        if self.free == 0 {
            return None;
        }
        // Every entry is in force while none is stale (`stale` counts each one a re-key
        // leaves behind, until it is dropped), as is every entry of a key that never moves.
        let moving = matches!(self.key, Key::Uwfq(_)) && self.stale > 0;
        let (stage, slot) = loop {
            let Reverse(e) = self.heap.peek()?;
            if !moving || in_force(jobs, e) {
                break (e.2, e.3);
            }
            self.heap.pop();
            self.stale = self.stale.saturating_sub(1);
        };
        let st = &jobs[slot].stages[stage];
        let left = st.n - st.next;
        let k = left.min(self.free);
        self.free -= k;
        if k == left {
            self.heap.pop();
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
