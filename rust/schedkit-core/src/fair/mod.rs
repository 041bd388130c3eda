//! Multi-user cluster scheduling: an event-driven simulator of C identical cores (or DRF
//! nodes with cpu and memory) running jobs made of stages of non-preemptive tasks, under
//! Spark-style policies (FIFO, FAIR with pools, CFQ, UWFQ, DRF, oracle SJF), with optional
//! runtime partitioning and runtime estimates.
//!
//! Dispatch follows specs/fair.md B.4: at every event (job arrival or task completion) the
//! schedulable stages are sorted once with the policy's comparator and free cores are handed
//! out greedily in that order, one task per core, each stage up to its pending-task count.
//! The dispatch is therefore work-conserving: no core idles while a task is pending.

pub mod sim;
pub mod vtime;

pub use sim::{Engine, Finished, TaskRows};
pub use vtime::{Cfq, Uwfq};

use crate::error::{CoreError, CoreResult};

/// Policy names accepted by [`Policy::parse`].
pub const POLICIES: [&str; 7] = ["fifo", "fair", "ujf", "cfq", "uwfq", "drf", "sjf"];

/// The dispatch order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Spark FIFO: arrival order of jobs (Spark job id), then stage.
    Fifo,
    /// Spark FAIR over pools (weight, minShare, internal FIFO or FAIR mode).
    Fair,
    /// Cluster fair queuing: stage-level virtual finish times, ignores users.
    Cfq,
    /// User-weighted fair queuing (specs/fair.md A.3, weighted).
    Uwfq,
    /// Oracle shortest job first: smallest true job work first.
    Sjf,
    /// Dominant resource fairness on (cpu, memory): progressive filling, next task to the
    /// user with the smallest weighted dominant share whose next task fits.
    Drf,
}

impl Policy {
    pub fn parse(name: &str) -> CoreResult<Policy> {
        match name {
            "fifo" => Ok(Policy::Fifo),
            "fair" | "ujf" => Ok(Policy::Fair),
            "cfq" => Ok(Policy::Cfq),
            "uwfq" => Ok(Policy::Uwfq),
            "sjf" => Ok(Policy::Sjf),
            "drf" => Ok(Policy::Drf),
            other => Err(CoreError::invalid(
                "policy",
                None,
                format!("unknown policy {other:?}; expected one of fifo, fair, ujf, cfq, uwfq, drf, sjf"),
            )),
        }
    }
}

/// How the scheduler estimates a job's work (core-seconds) when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// The true work times the job's `noise` factor (1.0 = oracle).
    Given,
    /// Mean true work of the finished jobs of the same class; before any of that class
    /// finished, the mean of all finished jobs; before any job finished, the true work.
    Historic,
}

/// Jobs, their stages and their tasks. Ragged lists use an offsets + values layout.
///
/// A job is a DAG of stages (Spark's unit of scheduling); a stage is a bag of tasks that
/// becomes schedulable when all its parent stages have finished. With `job_stages` empty
/// every job has exactly one stage, so `task_offsets` is then per job.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// The caller's job id, returned with the results (empty: the job's index).
    pub job_tag: Vec<i64>,
    /// User index per job (0-based, a user added to the engine).
    pub job_user: Vec<usize>,
    /// Submit time of jobs without a predecessor (seconds).
    pub job_submit: Vec<f64>,
    /// Closed loop: index of the job (in this workload) whose completion releases this
    /// one (< own index), or -1.
    pub job_after: Vec<i64>,
    /// Think time added after the predecessor completes (seconds).
    pub job_think: Vec<f64>,
    /// Job class for historic estimates.
    pub job_class: Vec<usize>,
    /// Multiplicative estimate factor (1.0 = oracle).
    pub job_noise: Vec<f64>,
    /// Stage offsets per job into the stages (len n_jobs + 1); empty = one stage per job.
    pub job_stages: Vec<usize>,
    /// Task offsets per stage into `task_duration` (len n_stages + 1).
    pub task_offsets: Vec<usize>,
    /// Parent offsets per stage into `parents` (len n_stages + 1); empty = every stage
    /// waits for the previous stage of its job (a chain).
    pub stage_parents: Vec<usize>,
    /// Parent stages as indices within the job, each smaller than the child's index.
    pub parents: Vec<usize>,
    /// Task durations in seconds on one core.
    pub task_duration: Vec<f64>,
    /// DRF only: cpu (cores) and memory request of each task of the stage (empty: 1, 0).
    pub stage_cpu: Vec<f64>,
    pub stage_mem: Vec<f64>,
}

impl Workload {
    pub fn n_jobs(&self) -> usize {
        self.job_user.len()
    }

    pub fn n_stages(&self) -> usize {
        self.task_offsets.len().saturating_sub(1)
    }

    /// Stage range of job `j`.
    pub fn stages_of(&self, j: usize) -> std::ops::Range<usize> {
        if self.job_stages.is_empty() {
            j..j + 1
        } else {
            self.job_stages[j]..self.job_stages[j + 1]
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub cores: usize,
    pub policy: Policy,
    /// Runtime partitioning granule tau (core-seconds); None = keep the given tasks.
    pub partition: Option<f64>,
    pub max_partition_tasks: usize,
    pub estimate: Estimate,
    /// UWFQ grace period in virtual units (core-seconds per unit weight).
    pub grace: f64,
    pub record_tasks: bool,
    /// DRF only: memory capacity of the single pooled node used when `node_cpu` is empty
    /// (its cpu capacity is `cores`).
    pub mem_capacity: f64,
    /// DRF only: per-node cpu and memory capacities; a task runs on one node.
    pub node_cpu: Vec<f64>,
    pub node_mem: Vec<f64>,
}

impl Config {
    pub fn new(cores: usize, policy: Policy) -> Self {
        Config {
            cores,
            policy,
            partition: None,
            max_partition_tasks: 100_000,
            estimate: Estimate::Given,
            grace: 1.5 * cores as f64 * 1.0,
            record_tasks: false,
            mem_capacity: f64::INFINITY,
            node_cpu: Vec::new(),
            node_mem: Vec::new(),
        }
    }

    /// DRF nodes as (cpu, memory) capacities: the given nodes, or one pooled node.
    pub fn drf_nodes(&self) -> Vec<(f64, f64)> {
        if self.node_cpu.is_empty() {
            vec![(self.cores as f64, self.mem_capacity)]
        } else {
            self.node_cpu
                .iter()
                .copied()
                .zip(self.node_mem.iter().copied())
                .collect()
        }
    }

    /// Checks the settings that do not depend on a workload; names the field.
    pub fn validate(&self) -> CoreResult<()> {
        if self.cores == 0 {
            return Err(CoreError::invalid("cores", None, "must be >= 1"));
        }
        if let Some(tau) = self.partition {
            if !tau.is_finite() || tau <= 0.0 {
                return Err(CoreError::invalid(
                    "tau",
                    None,
                    format!("must be finite and > 0, got {tau}"),
                ));
            }
        }
        if !self.grace.is_finite() && self.grace != f64::NEG_INFINITY {
            return Err(CoreError::invalid("grace", None, "must be finite"));
        }
        if self.policy == Policy::Drf {
            if self.mem_capacity.is_nan() || self.mem_capacity <= 0.0 {
                return Err(CoreError::invalid("memory", None, "memory capacity must be > 0"));
            }
            if self.node_cpu.len() != self.node_mem.len() {
                return Err(CoreError::invalid(
                    "nodes",
                    None,
                    "node cpu and memory capacities need the same length",
                ));
            }
            if self.node_cpu.len() > sim::MAX_STAGES {
                return Err(CoreError::invalid(
                    "nodes",
                    None,
                    format!("at most {} nodes", sim::MAX_STAGES),
                ));
            }
            for (i, (c, m)) in self.drf_nodes().into_iter().enumerate() {
                if !(c > 0.0) || c.is_nan() || !(m > 0.0) || m.is_nan() {
                    return Err(CoreError::invalid(
                        "nodes",
                        Some(i),
                        format!("capacities must be > 0, got cpu {c}, memory {m}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn finite_nonneg(field: &str, v: &[f64]) -> CoreResult<()> {
    for (i, &x) in v.iter().enumerate() {
        if !x.is_finite() || x < 0.0 {
            return Err(CoreError::invalid(
                field,
                Some(i),
                format!("must be finite and >= 0, got {x}"),
            ));
        }
    }
    Ok(())
}
