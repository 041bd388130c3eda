//! Ready queues: which schedulable stage gets capacity next. One kind per family of
//! policies (keyed: FIFO, SJF, CFQ, UWFQ; Spark FAIR pools: FAIR, UJF; DRF), all behind
//! [`ReadyQueue`]. The engine holds them as the enum [`Ready`], so the calls made on every
//! event are a match on three variants the compiler can inline, not virtual calls; a
//! dispatch round matches once and runs a loop monomorphic in the queue.

mod drf;
mod keyed;
mod pools;

use super::job::Job;
use super::vtime::{Cfq, Uwfq};
use super::{Config, Policy};
use crate::error::CoreResult;
use drf::DrfQueue;
use keyed::{Key, KeyedQueue};
use pools::PoolQueue;

/// `k` tasks of stage `stage` of the job in `slot`, to start now on `node` (0 unless DRF).
#[derive(Clone, Copy, Debug)]
pub(super) struct Launch {
    pub slot: usize,
    pub stage: usize,
    pub k: usize,
    pub node: usize,
}

/// What the engine needs from a ready queue. The queue owns the capacity it hands out
/// (free cores, or DRF's free node resources) and reads the jobs' stage counters; the
/// engine owns the jobs and launches the tasks.
pub(super) trait ReadyQueue {
    /// Registers user `u` (the next index) with weight `weight` (> 0, checked) in FAIR pool
    /// `pool`; an error leaves the queue unchanged.
    fn add_user(&mut self, u: usize, weight: f64, pool: usize) -> CoreResult<()>;

    /// Adds a FAIR pool (arguments checked); returns its index. Queues without pools
    /// ignore it.
    fn add_pool(&mut self, _name: &str, _weight: f64, _min_share: f64, _fair_inside: bool) -> usize {
        0
    }

    /// The job in `slot` arrived at `t` (its seq, estimate and tasks are set), before any
    /// of its stages is ready.
    fn on_arrive(&mut self, _t: f64, _jobs: &mut [Job], _slot: usize) {}

    /// Stage `s` of `job` (in `slot`) became schedulable at `t`: its job arrived or its
    /// parents finished.
    fn on_ready(&mut self, t: f64, job: &mut Job, slot: usize, s: usize);

    /// The next tasks of the current dispatch round, or None, which ends the round. The
    /// queue counts them as running from now: the engine launches exactly what it gets,
    /// before the next call.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch>;

    /// A task of stage `s` of `job` (in `slot`) finished on `node`; the stage's counters
    /// already count it as finished.
    fn on_task_finish(&mut self, job: &Job, slot: usize, s: usize, node: usize);
}

/// The queue of an engine: static dispatch over the three kinds. Not boxed: an engine
/// holds one, and a box would put a pointer chase on every event.
#[allow(clippy::large_enum_variant)]
pub(super) enum Ready {
    Keyed(KeyedQueue),
    Pools(PoolQueue),
    Drf(DrfQueue),
}

impl Ready {
    pub fn new(cfg: &Config) -> Ready {
        let cores = cfg.n_cores();
        let whole = cfg.overheads.is_some_and(|o| o.cfq_job_estimate);
        let keyed = |key| Ready::Keyed(KeyedQueue::new(key, cores, whole));
        match cfg.policy {
            Policy::Fifo => keyed(Key::Fifo),
            Policy::Sjf => keyed(Key::Sjf),
            Policy::Cfq => keyed(Key::Cfq(Cfq::new(cores))),
            Policy::Uwfq => keyed(Key::Uwfq(Uwfq::new(cores, &[], cfg.virtual_grace()))),
            Policy::Fair | Policy::Ujf => Ready::Pools(PoolQueue::new(cores)),
            Policy::Drf => Ready::Drf(DrfQueue::new(cfg.drf_nodes())),
        }
    }
}

/// Runs `$e` on the concrete queue, bound to `$q`.
macro_rules! each {
    ($self:ident, $q:ident => $e:expr) => {
        match $self {
            Ready::Keyed($q) => $e,
            Ready::Pools($q) => $e,
            Ready::Drf($q) => $e,
        }
    };
}

/// The calls the engine makes on its queue, forwarded to the concrete one. A dispatch
/// round matches once and then runs a loop of its own per kind (see the engine's
/// `dispatch`), so the picks are static calls too.
impl Ready {
    pub fn add_user(&mut self, u: usize, weight: f64, pool: usize) -> CoreResult<()> {
        each!(self, q => q.add_user(u, weight, pool))
    }

    pub fn add_pool(&mut self, name: &str, weight: f64, min_share: f64, fair_inside: bool) -> usize {
        each!(self, q => q.add_pool(name, weight, min_share, fair_inside))
    }

    #[inline]
    pub fn on_arrive(&mut self, t: f64, jobs: &mut [Job], slot: usize) {
        each!(self, q => q.on_arrive(t, jobs, slot))
    }

    #[inline]
    pub fn on_ready(&mut self, t: f64, job: &mut Job, slot: usize, s: usize) {
        each!(self, q => q.on_ready(t, job, slot, s))
    }

    #[inline]
    pub fn on_task_finish(&mut self, job: &Job, slot: usize, s: usize, node: usize) {
        each!(self, q => q.on_task_finish(job, slot, s, node))
    }
}
