//! Online preemptive flow-time scheduling with gradually revealed jobs.
//!
//! Job j is released at r_j with weight w_j and a sequence of operations p_j1..p_jk,
//! processed in order; the size of an operation is revealed only when the previous one
//! completes. m identical machines, preemption and migration allowed, a job runs on at most
//! one machine at a time (rate <= 1). Objective: total (weighted) flow time Σ w_j (C_j - r_j).
//!
//! [`simulate`] runs a built-in [`Policy`] in an exact event-driven simulator (fluid rates
//! between events, never time slicing):
//!
//! - index policies ([`index`]): SRPT, SPT (non-preemptive), HDF / weighted SRPT, FCFS, MLF,
//!   operation-level SRPT, virtual chunks (ours), SPRPT on estimates;
//! - processor sharing ([`share`]): Round Robin, LAPS_β;
//! - least attained service ([`setf`]): SETF.
//!
//! On one machine, without an event log, a large instance of a rule without per-job state is
//! cut between busy periods (identical for every work-conserving policy) and the pieces are
//! simulated in parallel ([`Options::threads`]); the result is the sequential one exactly.
//!
//! [`simulate_callback`] runs user-defined priorities. Policies see jobs only through
//! [`info::Known`] / [`callback::ViewBatch`], filled according to their [`Info`] class;
//! future operation sizes never leave [`Jobs`]. [`lower_bound`] bounds Σ F_j of any schedule.

pub(crate) mod callback;
pub(crate) mod index;
pub mod info;
pub mod instance;
pub mod log;
pub mod policy;
pub(crate) mod rules;
pub(crate) mod setf;
pub(crate) mod share;

pub use callback::{PriorityFn, ViewBatch};
pub use info::{Info, Known};
pub use instance::Jobs;
pub use log::{EventLog, Kind, KIND_NAMES};
pub use policy::{Params, Policy, PolicySpec, SprptVariant, Value, POLICIES};

use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use log::Recorder;

/// Simulation options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Number of identical machines (>= 1).
    pub machines: usize,
    /// Record the event log.
    pub event_log: bool,
    /// Refuse (with an error) to record more log rows than this.
    pub max_log_rows: usize,
    /// Threads for a single-machine simulation split by busy periods: `None` = rayon's pool
    /// (all cores), `Some(1)` = sequential.
    pub threads: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            machines: 1,
            event_log: false,
            max_log_rows: 20_000_000,
            threads: None,
        }
    }
}

/// The outcome of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Completion time per job id (NaN for a job unfinished when the time limit hit).
    pub completion: Vec<f64>,
    /// Events processed (loop iterations: releases, operation completions, merges, ...).
    pub events: u64,
    /// False when the time limit stopped the simulation before every job completed.
    pub finished: bool,
    pub log: Option<EventLog>,
}

impl Outcome {
    /// Σ (C_j - r_j) over the jobs (NaN if any is unfinished).
    pub fn total_flow_time(&self, jobs: &Jobs) -> f64 {
        self.completion
            .iter()
            .zip(jobs.release())
            .map(|(c, r)| c - r)
            .sum()
    }
}

fn check_options(opts: &Options) -> CoreResult<()> {
    if opts.machines == 0 {
        return Err(CoreError::invalid("machines", None, "must be >= 1"));
    }
    if opts.threads == Some(0) {
        return Err(CoreError::invalid("threads", None, "must be >= 1"));
    }
    Ok(())
}

/// Simulates a built-in policy. Interrupts (the budget's stop flag) return
/// `CoreError::Interrupted`; the time limit returns the partial outcome with `finished = false`.
pub fn simulate(jobs: &Jobs, policy: &Policy, opts: &Options, budget: &Budget) -> CoreResult<Outcome> {
    check_options(opts)?;
    if matches!(policy, Policy::Sprpt { .. }) && jobs.estimate().is_none() {
        return Err(CoreError::invalid(
            "estimate",
            None,
            "policy \"sprpt\" needs jobs with size estimates",
        ));
    }
    let m = opts.machines;
    let mut rec = Recorder::new(opts.event_log, opts.max_log_rows);
    let r = &mut rec;
    let n = jobs.len();
    let th = opts.threads;
    let (completion, events, finished) = match *policy {
        Policy::Srpt => index::run(jobs, &mut rules::Srpt, false, m, th, r, budget)?,
        Policy::Spt => index::run(jobs, &mut rules::Spt, false, m, th, r, budget)?,
        Policy::Hdf { remaining } => {
            index::run(jobs, &mut rules::Hdf { remaining }, false, m, th, r, budget)?
        }
        Policy::Fcfs => index::run(jobs, &mut rules::Fcfs, false, m, th, r, budget)?,
        Policy::Mlf { base } => index::run(jobs, &mut rules::Mlf::new(n, base), false, m, th, r, budget)?,
        Policy::OpSrpt => index::run(jobs, &mut rules::OpSrpt, false, m, th, r, budget)?,
        Policy::Chunk {
            gamma,
            c,
            known_count,
        } => index::run(
            jobs,
            &mut rules::Chunk::new(n, gamma, c),
            known_count,
            m,
            th,
            r,
            budget,
        )?,
        Policy::Sprpt { variant } => {
            index::run(jobs, &mut rules::Sprpt { variant }, false, m, th, r, budget)?
        }
        Policy::Rr => share::run(jobs, 1.0, m, r, budget)?,
        Policy::Laps { beta } => share::run(jobs, beta, m, r, budget)?,
        Policy::Setf => setf::run(jobs, m, r, budget)?,
    };
    Ok(Outcome {
        completion,
        events,
        finished,
        log: rec.finish(),
    })
}

/// Simulates user-defined priorities `f` (see [`callback`]); `info` sets what the views hold,
/// `known_count` adds the number of operations, `quantum` adds periodic re-evaluations.
pub fn simulate_callback(
    jobs: &Jobs,
    f: &mut dyn PriorityFn,
    info: Info,
    known_count: bool,
    quantum: Option<f64>,
    opts: &Options,
    budget: &Budget,
) -> CoreResult<Outcome> {
    check_options(opts)?;
    let mut rec = Recorder::new(opts.event_log, opts.max_log_rows);
    let (completion, events, finished) = callback::run(
        jobs,
        f,
        info,
        known_count,
        quantum,
        opts.machines,
        &mut rec,
        budget,
    )?;
    Ok(Outcome {
        completion,
        events,
        finished,
        log: rec.finish(),
    })
}

/// A lower bound on Σ_j (C_j - r_j) of every feasible schedule on `machines` machines, or
/// `None` if the budget ran out.
///
/// One machine: SRPT's total flow time, which is optimal. m machines: the larger of SRPT's
/// total flow time on one machine of speed m (which can emulate any m-machine schedule) and
/// Σ p_j (a job never runs faster than rate 1).
pub fn lower_bound(jobs: &Jobs, machines: usize, budget: &Budget) -> CoreResult<Option<f64>> {
    check_options(&Options {
        machines,
        ..Options::default()
    })?;
    let mut rec = Recorder::new(false, 0);
    if machines == 1 {
        let (c, _, finished) = index::run(jobs, &mut rules::Srpt, false, 1, None, &mut rec, budget)?;
        return Ok(finished.then(|| c.iter().zip(jobs.release()).map(|(c, r)| c - r).sum()));
    }
    let speed = machines as f64;
    // A size divided by a huge machine count can underflow to 0, which Jobs refuses: it is
    // raised to the smallest positive float instead. The excess (under 5e-324 per job) is far
    // below the resolution of the bound, which is at least the total work.
    let scaled: Vec<f64> = jobs
        .total()
        .iter()
        .map(|p| (p / speed).max(f64::from_bits(1)))
        .collect();
    let fast = Jobs::single(jobs.release().to_vec(), scaled, None)?;
    let (c, _, finished) = index::run(&fast, &mut rules::Srpt, false, 1, None, &mut rec, budget)?;
    if !finished {
        return Ok(None);
    }
    let srpt_fast: f64 = c.iter().zip(jobs.release()).map(|(c, r)| c - r).sum();
    let work: f64 = jobs.total().iter().sum();
    Ok(Some(srpt_fast.max(work)))
}
