//! Spark's overheads around the scheduler, as an optional model next to the engine (off by
//! default: a plain trace replays exactly as without it).
//!
//! Three mechanisms, each a small piece of state the engine consults at one place:
//!
//! * **A serial driver.** Spark's driver plans a submitted job and submits its first stages
//!   in one event of its single-threaded DAG scheduler loop, and submits a later stage in
//!   another event when its parents finish. The model is one FIFO server: a job arriving at
//!   `t` is served `job_service + stage_service x (its ready stages)` seconds after
//!   `max(t, driver free)`, and only then does the scheduler see the job (its virtual-time
//!   bookkeeping, its ready stages); a stage whose parents finish at `t` is served
//!   `stage_service` after `max(t, driver free)`. A burst of small jobs therefore waits on
//!   the driver.
//! * **Task launch latency.** Every task occupies its core `task_launch` seconds longer than
//!   its work (serialising, shipping and deserialising the task, reporting its result):
//!   counted as *busy* time of the core, so a task's record spans `work + task_launch`.
//! * **Serial dispatch rounds.** An offer round (the engine's dispatch after an event) costs
//!   the scheduler `round_delay` seconds, and rounds do not overlap: a round triggered at
//!   `t` starts at `max(t, end of the previous round)`; then it launches its tasks one after
//!   another, `task_dispatch` seconds each, in the policy's order, and each task starts when
//!   its launch is done (the round ends with the last). The cores it hands out are reserved
//!   (idle, not busy) from `t` until their task starts. With a serial dispatcher the
//!   policy's order matters even while cores are free.
//!
//! * **The task-scheduler lock.** Spark's `TaskSchedulerImpl.submitTasks` registers a stage
//!   (`createTaskSetManager`, then the pool builder's `addTaskSetManager`) inside
//!   `synchronized`, and every offer round (`CoarseGrainedSchedulerBackend.makeOffers` →
//!   `withLock` → `resourceOffers`) takes the same monitor. The last
//!   `stage_lock x (stages submitted)` seconds of each driver service hold that lock: a
//!   round triggered while it is held does not run (the hand-over that releases it starts
//!   the next round, which then sees the new stage), and a round whose start falls inside it
//!   waits for its end, so cores freed meanwhile stay idle. A round that took the lock
//!   before a registration does runs as planned (the registration's time is not moved:
//!   rounds last a few milliseconds).
//!
//! One ordering rule rides along: [`Overheads::cfq_job_estimate`] (CFQ stage deadlines on the
//! whole job's estimate), used only when the model runs.
//!
//! With every term zero, each delay is exactly zero and the engine takes its usual path at
//! the usual time, so results are bit-for-bit those without the model.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::vtime::K;
use crate::error::{CoreError, CoreResult};

/// The overhead model's parameters (seconds). See the module docs for what each term does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overheads {
    /// Driver time to plan one submitted job (finite, >= 0).
    pub job_service: f64,
    /// Driver time to submit one stage (finite, >= 0).
    pub stage_service: f64,
    /// Extra busy time of every task on its core (finite, >= 0).
    pub task_launch: f64,
    /// Duration of one dispatch round; rounds are serial (finite, >= 0).
    pub round_delay: f64,
    /// Dispatcher time to launch one task, after the round's `round_delay`: a round's
    /// tasks are launched one after another and each starts when its launch is done; the
    /// next round waits for the last (finite, >= 0).
    pub task_dispatch: f64,
    /// Executors of the cluster (>= 1); `executors * executor_cores` must equal the
    /// engine's `cores`. The engine hands out slots without data locality, so only the
    /// product shapes dispatch.
    pub executors: i64,
    /// Cores (task slots) per executor (>= 1).
    pub executor_cores: i64,
    /// CFQ only: every stage's virtual deadline is `v(its submission) + the whole job's
    /// estimate` instead of its share of it. With equal jobs this is what the UWFQ authors'
    /// CFQ does when its estimator has not yet registered a stage (each stage then counts as
    /// a one-stage job of the same default runtime, `ClusterFairScheduler.setPriority`):
    /// a burst's later stages queue behind every first stage submitted before them.
    pub cfq_job_estimate: bool,
    /// Of each stage's driver service, the seconds at its end spent holding the
    /// task-scheduler lock, during which no dispatch round runs (finite, >= 0, at most
    /// `stage_service`).
    pub stage_lock: f64,
}

impl Overheads {
    /// Checks every term; `cores` is the engine's core count. Errors name the field as
    /// `overheads.<term>`.
    pub fn validate(&self, cores: i64) -> CoreResult<()> {
        for (name, v) in [
            ("job_service", self.job_service),
            ("stage_service", self.stage_service),
            ("task_launch", self.task_launch),
            ("round_delay", self.round_delay),
            ("task_dispatch", self.task_dispatch),
            ("stage_lock", self.stage_lock),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(CoreError::invalid(
                    &format!("overheads.{name}"),
                    None,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        for (name, v) in [
            ("executors", self.executors),
            ("executor_cores", self.executor_cores),
        ] {
            if v < 1 {
                return Err(CoreError::invalid(
                    &format!("overheads.{name}"),
                    None,
                    format!("must be >= 1, got {v}"),
                ));
            }
        }
        if self.stage_lock > self.stage_service {
            return Err(CoreError::invalid(
                "overheads.stage_lock",
                None,
                format!(
                    "must be <= stage_service = {} (the lock is held during the stage's service), got {}",
                    self.stage_service, self.stage_lock
                ),
            ));
        }
        if self.executors.checked_mul(self.executor_cores) != Some(cores) {
            return Err(CoreError::invalid(
                "overheads.executors",
                None,
                format!(
                    "{} executors x {} cores must equal cores = {cores}",
                    self.executors, self.executor_cores
                ),
            ));
        }
        Ok(())
    }
}

/// Something the driver finishes later: a job's arrival (`stage == None`) or a stage
/// becoming schedulable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Served {
    pub slot: usize,
    pub stage: Option<usize>,
}

/// The model's state in one engine run: when the driver and the dispatcher are next free,
/// and what the driver has yet to hand over.
pub(super) struct OverheadState {
    pub p: Overheads,
    driver_free: f64,
    rounds_free: f64,
    /// (time served, sequence, slot, stage + 1 or 0 for a job), in the order served.
    served: BinaryHeap<Reverse<(K, u64, usize, usize)>>,
    seq: u64,
    /// The driver's spells on the task-scheduler lock not yet over, as (start, end), in
    /// time order (the driver serves one item after another).
    locks: VecDeque<(f64, f64)>,
    /// Rounds the lock held off since the last round ran.
    deferred: u32,
}

impl OverheadState {
    pub fn new(p: Overheads) -> Self {
        OverheadState {
            p,
            driver_free: f64::NEG_INFINITY,
            rounds_free: f64::NEG_INFINITY,
            served: BinaryHeap::new(),
            seq: 0,
            locks: VecDeque::new(),
            deferred: 0,
        }
    }

    /// Queues `what`, asked for at `t`, on the driver for `service` seconds, the last `lock`
    /// of them on the task-scheduler lock. Returns false when the service takes no time and
    /// the driver is free (the engine goes on now).
    fn queue(&mut self, t: f64, service: f64, lock: f64, what: Served) -> bool {
        let done = self.driver_free.max(t) + service;
        if done <= t {
            return false;
        }
        self.driver_free = done;
        if lock > 0.0 {
            self.locks.push_back((done - lock, done));
        }
        let stage = what.stage.map_or(0, |s| s + 1);
        self.served.push(Reverse((K(done), self.seq, what.slot, stage)));
        self.seq += 1;
        true
    }

    /// A job with `ready_stages` stages without parents arrives at `t`: true when the
    /// driver delays it (the engine then waits for [`OverheadState::pop`]).
    pub fn job_arrives(&mut self, t: f64, slot: usize, ready_stages: usize) -> bool {
        let service = self.p.job_service + self.p.stage_service * ready_stages as f64;
        let lock = self.p.stage_lock * ready_stages as f64;
        self.queue(t, service, lock, Served { slot, stage: None })
    }

    /// Stage `s` of the job in `slot` has its parents done at `t`: true when the driver
    /// delays it.
    pub fn stage_ready(&mut self, t: f64, slot: usize, s: usize) -> bool {
        self.queue(
            t,
            self.p.stage_service,
            self.p.stage_lock,
            Served { slot, stage: Some(s) },
        )
    }

    /// When the driver hands over its next item.
    pub fn next_time(&self) -> Option<f64> {
        self.served.peek().map(|Reverse((t, ..))| t.0)
    }

    /// The driver's next item (call when [`OverheadState::next_time`] is due).
    pub fn pop(&mut self) -> Option<Served> {
        self.served.pop().map(|Reverse((_, _, slot, stage))| Served {
            slot,
            stage: stage.checked_sub(1),
        })
    }

    /// Whether a dispatch round triggered at `t` finds the task-scheduler lock held by the
    /// driver (calls come in time order: spells over by `t` are dropped). Such a round does
    /// not run now; it is counted, and the driver's hand-over at the spell's end starts the
    /// next one, which pays every counted round's `round_delay` (Spark's offer thread works
    /// through the status updates queued meanwhile one at a time, an offer round each).
    pub fn locked(&mut self, t: f64) -> bool {
        while self.locks.front().is_some_and(|&(_, end)| end <= t) {
            self.locks.pop_front();
        }
        let held = self.locks.front().is_some_and(|&(start, _)| start <= t);
        self.deferred += u32::from(held);
        held
    }

    /// When the tasks of a dispatch round triggered at `t` start: after the previous round,
    /// outside the driver's spells on the lock, and `round_delay` later (once more for each
    /// round the lock held off since the last round).
    pub fn round_start(&mut self, t: f64) -> f64 {
        let mut at = self.rounds_free.max(t);
        for &(start, end) in &self.locks {
            if start > at {
                break;
            }
            at = at.max(end);
        }
        let rounds = 1.0 + f64::from(std::mem::take(&mut self.deferred));
        at + self.p.round_delay * rounds
    }

    /// A round that launched at least one task ends at `end` (its last task's start).
    pub fn round_done(&mut self, end: f64) {
        self.rounds_free = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(job: f64, stage: f64) -> Overheads {
        Overheads {
            job_service: job,
            stage_service: stage,
            task_launch: 0.0,
            round_delay: 0.0,
            task_dispatch: 0.0,
            executors: 8,
            executor_cores: 4,
            cfq_job_estimate: false,
            stage_lock: 0.0,
        }
    }

    #[test]
    fn driver_is_one_fifo_server() {
        let mut st = OverheadState::new(p(1.0, 0.5));
        // three jobs of one stage at t = 0: served 1.5 s each, one after the other
        for slot in 0..3 {
            assert!(st.job_arrives(0.0, slot, 1));
        }
        let mut got = Vec::new();
        while let Some(t) = st.next_time() {
            got.push((t, st.pop().unwrap()));
        }
        let times: Vec<f64> = got.iter().map(|g| g.0).collect();
        assert_eq!(times, vec![1.5, 3.0, 4.5]);
        assert_eq!(got[2].1, Served { slot: 2, stage: None });
        // a stage asked for while the driver is idle waits only its own service
        assert!(st.stage_ready(10.0, 7, 2));
        assert_eq!(st.next_time(), Some(10.5));
        assert_eq!(
            st.pop(),
            Some(Served {
                slot: 7,
                stage: Some(2)
            })
        );
    }

    #[test]
    fn zero_service_is_not_queued() {
        let mut st = OverheadState::new(p(0.0, 0.0));
        assert!(!st.job_arrives(3.0, 0, 4));
        assert!(!st.stage_ready(3.0, 0, 1));
        assert_eq!(st.next_time(), None);
        assert_eq!(st.round_start(3.0), 3.0);
    }

    #[test]
    fn rounds_are_serial() {
        let mut st = OverheadState::new(Overheads {
            round_delay: 0.25,
            ..p(0.0, 0.0)
        });
        let a = st.round_start(1.0);
        st.round_done(a);
        assert_eq!(a, 1.25);
        // a round triggered while the previous one runs waits for it
        assert_eq!(st.round_start(1.1), 1.5);
        // a round that launched nothing does not hold the dispatcher
        assert_eq!(st.round_start(2.0), 2.25);
    }

    #[test]
    fn lock_spells_hold_off_rounds() {
        let mut st = OverheadState::new(Overheads {
            stage_lock: 0.25,
            round_delay: 0.125,
            ..p(0.0, 0.5)
        });
        // served [0, 0.5] holding the lock over [0.25, 0.5]; then [0.5, 1], lock [0.75, 1]
        assert!(st.job_arrives(0.0, 0, 1));
        assert!(st.stage_ready(0.0, 1, 0));
        assert!(!st.locked(0.125));
        assert_eq!(st.round_start(0.125), 0.25);
        assert!(st.locked(0.25));
        // the spell ends with the hand-over, whose round pays for the one the lock held off
        assert!(!st.locked(0.5));
        assert_eq!(st.round_start(0.5), 0.75);
        // a round whose start falls inside a spell waits for its end
        assert!(st.locked(0.875));
        st.round_done(0.8125);
        assert_eq!(st.round_start(0.625), 1.0 + 0.25);
        assert!(!st.locked(1.0));
        assert_eq!(st.round_start(1.5), 1.625);
    }

    #[test]
    fn checks_name_the_field() {
        let bad = |o: Overheads| o.validate(32).unwrap_err().to_string();
        assert!(bad(p(-1.0, 0.0)).contains("overheads.job_service"));
        assert!(bad(p(0.0, f64::NAN)).contains("overheads.stage_service"));
        assert!(bad(Overheads {
            task_launch: f64::INFINITY,
            ..p(0.0, 0.0)
        })
        .contains("overheads.task_launch"));
        assert!(bad(Overheads {
            task_dispatch: -0.5,
            ..p(0.0, 0.0)
        })
        .contains("overheads.task_dispatch"));
        assert!(bad(Overheads {
            executors: 0,
            ..p(0.0, 0.0)
        })
        .contains("overheads.executors"));
        assert!(bad(Overheads {
            stage_lock: 0.5,
            ..p(0.0, 0.4)
        })
        .contains("overheads.stage_lock"));
        assert!(p(0.0, 0.0).validate(31).is_err());
        assert!(p(0.0, 0.0).validate(32).is_ok());
    }
}
