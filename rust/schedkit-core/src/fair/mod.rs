//! Multi-user cluster scheduling: an event-driven simulator of C identical cores running
//! jobs made of non-preemptive tasks, under Spark-style policies (FIFO, FAIR with pools,
//! CFQ, UWFQ, oracle SJF), with optional runtime partitioning and runtime estimates.
//!
//! Dispatch follows specs/fair.md B.4: at every event (job arrival or task completion) the
//! schedulable jobs are sorted once with the policy's comparator and free cores are handed
//! out greedily in that order, one task per core, each job up to its pending-task count.
//! The dispatch is therefore work-conserving: no core idles while a task is pending.

pub mod sim;
pub mod vtime;

pub use sim::{simulate, SimResult};
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
    /// Cluster fair queuing: job-level virtual finish times, ignores users.
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

/// Jobs and their tasks. Ragged task lists use an offsets + values layout.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// User index per job (0-based, < n_users).
    pub job_user: Vec<usize>,
    /// Submit time of jobs without a predecessor (seconds).
    pub job_submit: Vec<f64>,
    /// Closed loop: index of the job whose completion releases this one (< own index), or -1.
    pub job_after: Vec<i64>,
    /// Think time added after the predecessor completes (seconds).
    pub job_think: Vec<f64>,
    /// Job class for historic estimates.
    pub job_class: Vec<usize>,
    /// Multiplicative estimate factor (1.0 = oracle).
    pub job_noise: Vec<f64>,
    /// Task offsets into `task_duration` (len n_jobs + 1).
    pub task_offsets: Vec<usize>,
    /// Task durations in seconds on one core.
    pub task_duration: Vec<f64>,
    pub n_users: usize,
    /// DRF only: cpu (cores) and memory request of each of the job's tasks (empty: 1 core, 0).
    pub job_cpu: Vec<f64>,
    pub job_mem: Vec<f64>,
}

/// Pools of the FAIR policy: each user belongs to one pool.
#[derive(Clone, Debug, Default)]
pub struct Pools {
    pub user_pool: Vec<usize>,
    pub weight: Vec<f64>,
    pub min_share: Vec<f64>,
    /// true: FAIR inside the pool (fewest running tasks first); false: FIFO inside.
    pub fair_inside: Vec<bool>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub cores: usize,
    pub policy: Policy,
    /// Runtime partitioning granule tau (core-seconds); None = keep the given tasks.
    pub partition: Option<f64>,
    pub max_partition_tasks: usize,
    pub estimate: Estimate,
    /// Per-user weights for UWFQ (len n_users; empty = all 1).
    pub user_weight: Vec<f64>,
    pub pools: Pools,
    /// UWFQ grace period in virtual units (core-seconds per unit weight).
    pub grace: f64,
    pub record_tasks: bool,
    /// DRF only: memory capacity of the cluster (the cpu capacity is `cores`).
    pub mem_capacity: f64,
}

impl Config {
    pub fn new(cores: usize, policy: Policy) -> Self {
        Config {
            cores,
            policy,
            partition: None,
            max_partition_tasks: 100_000,
            estimate: Estimate::Given,
            user_weight: Vec::new(),
            pools: Pools::default(),
            grace: 1.5 * cores as f64 * 1.0,
            record_tasks: false,
            mem_capacity: f64::INFINITY,
        }
    }
}

fn finite_nonneg(field: &str, v: &[f64]) -> CoreResult<()> {
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

impl Workload {
    pub fn n_jobs(&self) -> usize {
        self.job_user.len()
    }

    /// Checks lengths, values and the closed-loop links; names field and index.
    pub fn validate(&self) -> CoreResult<()> {
        let n = self.n_jobs();
        for (name, len) in [
            ("job_submit", self.job_submit.len()),
            ("job_after", self.job_after.len()),
            ("job_think", self.job_think.len()),
            ("job_class", self.job_class.len()),
            ("job_noise", self.job_noise.len()),
        ] {
            if len != n {
                return Err(CoreError::invalid(
                    name,
                    None,
                    format!("length {len} != number of jobs {n}"),
                ));
            }
        }
        if self.task_offsets.len() != n + 1 {
            return Err(CoreError::invalid(
                "task_offsets",
                None,
                format!("length must be n_jobs + 1 = {}", n + 1),
            ));
        }
        if self.task_offsets[0] != 0 || self.task_offsets[n] != self.task_duration.len() {
            return Err(CoreError::invalid(
                "task_offsets",
                None,
                "must start at 0 and end at the number of tasks",
            ));
        }
        for j in 0..n {
            if self.task_offsets[j + 1] <= self.task_offsets[j] {
                return Err(CoreError::invalid(
                    "task_offsets",
                    Some(j),
                    "every job needs at least one task (offsets strictly increasing)",
                ));
            }
        }
        for (i, &x) in self.job_submit.iter().enumerate() {
            if !x.is_finite() {
                return Err(CoreError::invalid(
                    "submit_time",
                    Some(i),
                    format!("must be finite, got {x}"),
                ));
            }
        }
        finite_nonneg("duration", &self.task_duration)?;
        finite_nonneg("think_time", &self.job_think)?;
        for (i, &x) in self.job_noise.iter().enumerate() {
            if !x.is_finite() || x <= 0.0 {
                return Err(CoreError::invalid(
                    "estimate_noise",
                    Some(i),
                    format!("must be finite and > 0, got {x}"),
                ));
            }
        }
        for (j, &u) in self.job_user.iter().enumerate() {
            if u >= self.n_users {
                return Err(CoreError::invalid(
                    "user",
                    Some(j),
                    format!("user index {u} >= n_users {}", self.n_users),
                ));
            }
        }
        for (j, &a) in self.job_after.iter().enumerate() {
            if a >= j as i64 || a < -1 {
                return Err(CoreError::invalid(
                    "after",
                    Some(j),
                    "predecessor must be -1 or an earlier job index",
                ));
            }
        }
        Ok(())
    }
}

impl Config {
    pub fn validate(&self, w: &Workload) -> CoreResult<()> {
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
        if !self.user_weight.is_empty() {
            if self.user_weight.len() != w.n_users {
                return Err(CoreError::invalid("weights", None, "one weight per user"));
            }
            for (i, &x) in self.user_weight.iter().enumerate() {
                if !x.is_finite() || x <= 0.0 {
                    return Err(CoreError::invalid(
                        "weights",
                        Some(i),
                        format!("must be finite and > 0, got {x}"),
                    ));
                }
            }
        }
        if self.policy == Policy::Drf {
            if self.mem_capacity.is_nan() || self.mem_capacity <= 0.0 {
                return Err(CoreError::invalid(
                    "memory",
                    None,
                    "memory capacity must be > 0",
                ));
            }
            for (name, v, cap) in [
                ("cpu", &w.job_cpu, self.cores as f64),
                ("memory", &w.job_mem, self.mem_capacity),
            ] {
                if !v.is_empty() && v.len() != w.n_jobs() {
                    return Err(CoreError::invalid(name, None, "one request per job"));
                }
                for (i, &x) in v.iter().enumerate() {
                    if !x.is_finite() || x < 0.0 {
                        return Err(CoreError::invalid(
                            name,
                            Some(i),
                            format!("request must be finite and >= 0, got {x}"),
                        ));
                    }
                    if x > cap {
                        return Err(CoreError::invalid(
                            name,
                            Some(i),
                            format!("request {x} exceeds the cluster capacity {cap}"),
                        ));
                    }
                }
            }
        }
        if self.policy == Policy::Fair {
            let p = &self.pools;
            if p.user_pool.len() != w.n_users {
                return Err(CoreError::invalid("pools", None, "one pool index per user"));
            }
            let np = p.weight.len();
            if p.min_share.len() != np || p.fair_inside.len() != np {
                return Err(CoreError::invalid(
                    "pools",
                    None,
                    "weight, min_share and mode need one entry per pool",
                ));
            }
            for (u, &q) in p.user_pool.iter().enumerate() {
                if q >= np {
                    return Err(CoreError::invalid(
                        "pools",
                        Some(u),
                        "pool index out of range",
                    ));
                }
            }
            for i in 0..np {
                if !p.weight[i].is_finite() || p.weight[i] <= 0.0 {
                    return Err(CoreError::invalid(
                        "pool_weight",
                        Some(i),
                        "must be finite and > 0",
                    ));
                }
                if !p.min_share[i].is_finite() || p.min_share[i] < 0.0 {
                    return Err(CoreError::invalid(
                        "pool_min_share",
                        Some(i),
                        "must be finite and >= 0",
                    ));
                }
            }
        }
        Ok(())
    }
}
