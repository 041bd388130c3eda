//! Multi-user cluster scheduling: an event-driven simulator of C identical cores (or DRF
//! nodes with cpu and memory) running jobs made of stages of non-preemptive tasks, under
//! Spark-style policies (FIFO, FAIR with pools, CFQ, UWFQ, DRF, oracle SJF), with optional
//! runtime partitioning and runtime estimates.
//!
//! Dispatch follows specs/fair.md B.4: at every event (job arrival or task completion) the
//! schedulable stages are sorted once with the policy's comparator and free cores are handed
//! out greedily in that order, one task per core, each stage up to its pending-task count.
//! The dispatch is therefore work-conserving: no core idles while a task is pending.

mod engine;
mod job;
mod queue;
mod record;
pub mod vtime;
mod workload;

pub use engine::Engine;
pub use record::{Finished, TaskRows};
pub use vtime::{Cfq, Uwfq};
pub use workload::Workload;

use crate::error::{CoreError, CoreResult};

/// Most stages per job and most DRF nodes (the engine stores them in 16 bits).
pub const MAX_STAGES: usize = u16::MAX as usize;

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
            if self.node_cpu.len() > MAX_STAGES {
                return Err(CoreError::invalid(
                    "nodes",
                    None,
                    format!("at most {} nodes", MAX_STAGES),
                ));
            }
            for (i, (c, m)) in self.drf_nodes().into_iter().enumerate() {
                if c <= 0.0 || c.is_nan() || m <= 0.0 || m.is_nan() {
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
