//! Multi-user cluster scheduling: an event-driven simulator of C identical cores (or DRF
//! nodes with cpu and memory) running jobs made of stages of non-preemptive tasks, under
//! Spark-style policies (FIFO, FAIR with pools, UJF, CFQ, UWFQ, DRF, oracle SJF), with optional
//! runtime partitioning and runtime estimates.
//!
//! Dispatch follows Spark's `TaskSchedulerImpl.resourceOffers`: at every event (job arrival or task completion) the
//! schedulable stages are sorted once with the policy's comparator and free cores are handed
//! out greedily in that order, one task per core, each stage up to its pending-task count.
//! The dispatch is therefore work-conserving: no core idles while a task is pending.

mod engine;
mod job;
mod overheads;
mod queue;
mod record;
pub mod vtime;
mod workload;

pub use engine::Engine;
pub use overheads::Overheads;
pub use record::{Finished, TaskRows};
pub use vtime::{uwfq_trace, Cfq, Uwfq, UwfqTrace};
pub use workload::{Checked, PushContext, Workload};

use crate::error::{CoreError, CoreResult};
use crate::util::{lookup, Entry};

/// Most stages per job and most DRF nodes (the engine stores them in 16 bits).
pub const MAX_STAGES: usize = u16::MAX as usize;

/// The dispatch order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Spark FIFO: arrival order of jobs (Spark job id), then stage.
    Fifo,
    /// Spark FAIR over pools (weight, minShare, internal FIFO or FAIR mode); users without a
    /// pool of their own share the `default` pool (FIFO inside).
    Fair,
    /// User-job fair: Spark FAIR with one pool per user (weight 1, minShare 0, FAIR inside),
    /// made by the engine when the user is added.
    Ujf,
    /// Cluster fair queuing: stage-level virtual finish times, ignores users.
    Cfq,
    /// User-weighted fair queuing (Kažemaks et al., arXiv:2510.15485), weighted.
    Uwfq,
    /// Oracle shortest job first: smallest true job work first.
    Sjf,
    /// Dominant resource fairness on (cpu, memory): progressive filling, next task to the
    /// user with the smallest weighted dominant share whose next task fits.
    Drf,
}

/// The policies [`Policy::parse`] accepts, by name: the one list of them (the bindings
/// export it; `schedkit.fair.POLICIES` is built from it).
pub const POLICIES: [Entry<Policy>; 7] = [
    Entry {
        name: "fifo",
        summary: "Spark FIFO (job id, then stage)",
        item: Policy::Fifo,
    },
    Entry {
        name: "fair",
        summary: "Spark FAIR with pools (no pools: FIFO in effect, the paper's 'Fair')",
        item: Policy::Fair,
    },
    Entry {
        name: "ujf",
        summary: "Spark FAIR, one pool per user (user-job fair)",
        item: Policy::Ujf,
    },
    Entry {
        name: "cfq",
        summary: "cluster fair queuing (stage-level virtual deadlines)",
        item: Policy::Cfq,
    },
    Entry {
        name: "uwfq",
        summary: "user-weighted fair queuing (user GPS + per-user chains)",
        item: Policy::Uwfq,
    },
    Entry {
        name: "drf",
        summary: "dominant resource fairness on (cpu, memory) requests",
        item: Policy::Drf,
    },
    Entry {
        name: "sjf",
        summary: "oracle shortest job first (reference)",
        item: Policy::Sjf,
    },
];

impl Policy {
    /// The policy named `name` (one of [`POLICIES`]); otherwise a `policy` error listing them.
    pub fn parse(name: &str) -> CoreResult<Policy> {
        Ok(lookup(&POLICIES, name, "policy", "policy")?.item)
    }

    /// Whether the policy reads the stages' (cpu, memory) requests (only DRF does), so a
    /// caller can skip gathering them for the others.
    pub fn uses_requests(self) -> bool {
        self == Policy::Drf
    }
}

/// How the scheduler estimates a job's work (core-seconds) when it arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// The true work, or the job's given estimate ([`Workload::job_estimate`]).
    Oracle,
    /// The true work (or the job's given estimate) times a log-normal factor `exp(noise * Z)`, Z standard normal, drawn by
    /// the engine per job in push order from its generator seeded with [`Config::seed`].
    Noisy,
    /// Mean true work of the finished jobs of the same class; before any of that class
    /// finished, the mean of all finished jobs; before any job finished, the true work.
    Historic,
}

/// The estimate modes [`Estimate::parse`] accepts, by name.
pub const ESTIMATES: [Entry<Estimate>; 3] = [
    Entry {
        name: "oracle",
        summary: "the true work",
        item: Estimate::Oracle,
    },
    Entry {
        name: "noisy",
        summary: "the true work times a seeded log-normal factor exp(noise * N(0, 1))",
        item: Estimate::Noisy,
    },
    Entry {
        name: "historic",
        summary: "the mean work of the finished jobs of the same class",
        item: Estimate::Historic,
    },
];

impl Estimate {
    /// The mode named `name` (one of [`ESTIMATES`]); otherwise an `estimate` error listing them.
    pub fn parse(name: &str) -> CoreResult<Estimate> {
        Ok(lookup(&ESTIMATES, name, "estimate", "estimate mode")?.item)
    }
}

/// A Spark FAIR pool's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolSpec {
    /// Share of the cores against the other pools (finite, > 0).
    pub weight: f64,
    /// Cores the pool is given first while it runs fewer (finite, >= 0).
    pub min_share: f64,
    /// FAIR inside the pool (stages by running tasks), else FIFO.
    pub fair_inside: bool,
}

impl PoolSpec {
    /// What Spark gives a pool nobody configured: weight 1, minShare 0, FIFO inside (the
    /// `default` pool, and a pool a user names that `pool_config` does not list).
    pub const SPARK_DEFAULT: PoolSpec = PoolSpec {
        weight: 1.0,
        min_share: 0.0,
        fair_inside: false,
    };

    /// A configured pool: `fair_inside` defaults to FAIR when not given.
    pub fn given(weight: f64, min_share: f64, fair_inside: Option<bool>) -> PoolSpec {
        PoolSpec {
            weight,
            min_share,
            fair_inside: fair_inside.unwrap_or(true),
        }
    }

    /// Checks the numbers; `field` and `index` locate the spec in the caller's settings.
    pub(crate) fn check(&self, field: &str, index: Option<usize>, what: &str) -> CoreResult<()> {
        if !self.weight.is_finite() || self.weight <= 0.0 {
            return Err(CoreError::invalid(
                field,
                index,
                format!("{what}: weight must be finite and > 0, got {}", self.weight),
            ));
        }
        if !self.min_share.is_finite() || self.min_share < 0.0 {
            return Err(CoreError::invalid(
                field,
                index,
                format!(
                    "{what}: min_share must be finite and >= 0, got {}",
                    self.min_share
                ),
            ));
        }
        Ok(())
    }
}

/// Where a user's jobs go under FAIR.
#[derive(Clone, Debug, PartialEq)]
pub enum UserPool {
    /// The pool of that name: one of `pool_config`, else made with Spark's defaults.
    Named(String),
    /// A pool of the user's own (named `pool:<user>`) with these settings.
    Own(PoolSpec),
}

/// DRF's nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum Nodes {
    /// One node holding all `cores` and all `memory`.
    Pooled,
    /// This many equal nodes sharing `cores` and `memory` (>= 1).
    Equal(i64),
    /// Explicit (cpu, memory) capacities, one per node.
    Given(Vec<(f64, f64)>),
}

/// Everything a run is set up with, in the caller's terms (the Python binding only converts
/// types into it): [`Config::validate`] is the one place the values are checked, and the
/// engine derives from them what the policies need (the virtual grace, the DRF node
/// capacities, the users' weights and pools, the noisy estimates).
#[derive(Clone, Debug)]
pub struct Config {
    /// Identical cores (>= 1); DRF: the cluster's cpus.
    pub cores: i64,
    pub policy: Policy,
    /// Runtime partitioning granule tau (core-seconds, finite and > 0); None = keep the
    /// given tasks.
    pub partition: Option<f64>,
    /// Most tasks runtime partitioning may make of one stage (>= 1; default 10^8, about a minute of simulation): a
    /// stage that would need more is an error naming its job, not a silent clamp.
    pub max_partition_tasks: usize,
    pub estimate: Estimate,
    /// [`Estimate::Noisy`] only: sigma of the log-normal factor (finite, >= 0).
    pub noise: f64,
    /// [`Estimate::Noisy`] only: seed of the factors.
    pub seed: u64,
    /// UWFQ grace period in seconds of real time (finite, >= 0): a user returning within it keeps
    /// its chain start. The engine uses `grace * cores / 2` virtual units (core-seconds per
    /// unit weight), as the authors' 3 s did.
    pub grace: f64,
    pub record_tasks: bool,
    /// Keep every finished job's record, in push order, until the run ends
    /// ([`Engine::take_finished`] then returns them all at once): a whole-run result needs
    /// no reordering. The records then hold only what the run decides (submit, start,
    /// finish, work, estimate, n_tasks, alone): record `i` is the `i`-th job pushed, and its
    /// `gid`, `tag`, `user` and `class` columns are empty (the caller pushed them). Otherwise
    /// full records come out in completion order as jobs finish.
    pub finished_in_push_order: bool,
    /// DRF only: the cluster's memory (> 0; infinity = unbounded), split by [`Nodes::Equal`].
    pub memory: f64,
    /// DRF only: the nodes a task is placed on.
    pub nodes: Nodes,
    /// UWFQ/DRF weight of the named users (finite, > 0); any other user weighs 1.
    pub weights: Vec<(String, f64)>,
    /// FAIR only: the pool of the named users; any other user joins the `default` pool.
    pub pools: Vec<(String, UserPool)>,
    /// FAIR only: the named pools, made in this order when the engine starts.
    pub pool_config: Vec<(String, PoolSpec)>,
    /// Spark's overheads around the scheduler (driver, launch latency, dispatch rounds);
    /// None = the plain simulator. See [`Overheads`].
    pub overheads: Option<Overheads>,
}

impl Config {
    /// `cores` cores under `policy`, every other setting at its default (oracle estimates, no
    /// partitioning, a 3-second grace, one unbounded DRF node, no weights or pools).
    pub fn new(cores: i64, policy: Policy) -> Self {
        Config {
            cores,
            policy,
            partition: None,
            max_partition_tasks: 100_000_000,
            estimate: Estimate::Oracle,
            noise: 0.5,
            seed: 0,
            grace: 3.0,
            record_tasks: false,
            finished_in_push_order: false,
            memory: f64::INFINITY,
            nodes: Nodes::Pooled,
            weights: Vec::new(),
            pools: Vec::new(),
            pool_config: Vec::new(),
            overheads: None,
        }
    }

    /// The number of cores, once [`Config::validate`] has passed.
    pub(crate) fn n_cores(&self) -> usize {
        self.cores.max(1) as usize
    }

    /// The UWFQ grace period in virtual units: `grace` seconds at the rate V advances with
    /// two users of weight 1 active, `cores / 2` (the authors' convention).
    pub(crate) fn virtual_grace(&self) -> f64 {
        self.grace * self.cores as f64 / 2.0
    }

    /// DRF nodes as (cpu, memory) capacities: the given nodes, `n` equal shares of `cores`
    /// and `memory`, or one pooled node.
    pub fn drf_nodes(&self) -> Vec<(f64, f64)> {
        match &self.nodes {
            Nodes::Pooled => vec![(self.cores as f64, self.memory)],
            Nodes::Equal(n) => {
                let n = (*n).max(1);
                vec![(self.cores as f64 / n as f64, self.memory / n as f64); n as usize]
            }
            Nodes::Given(v) => v.clone(),
        }
    }

    /// Checks every setting, each only where the policy and the other settings use it (tau
    /// when partitioning, noise when noisy, memory and nodes for DRF, pools for FAIR); the
    /// error names the field, and the index within a list.
    pub fn validate(&self) -> CoreResult<()> {
        check_cores(self.cores)?;
        if self.max_partition_tasks == 0 {
            return Err(CoreError::invalid("max_partition_tasks", None, "must be >= 1"));
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
        if self.estimate == Estimate::Noisy && (!self.noise.is_finite() || self.noise < 0.0) {
            return Err(CoreError::invalid(
                "noise",
                None,
                format!("must be finite and >= 0, got {}", self.noise),
            ));
        }
        if !self.grace.is_finite() || self.grace < 0.0 {
            return Err(CoreError::invalid(
                "grace",
                None,
                format!("must be finite and >= 0 (seconds), got {}", self.grace),
            ));
        }
        for (i, (user, w)) in self.weights.iter().enumerate() {
            check_weight(*w, Some(i), user)?;
        }
        if self.policy == Policy::Fair {
            for (i, (name, spec)) in self.pool_config.iter().enumerate() {
                spec.check("pool_config", Some(i), &format!("pool {name:?}"))?;
            }
            for (i, (user, pool)) in self.pools.iter().enumerate() {
                if let UserPool::Own(spec) = pool {
                    spec.check("pools", Some(i), &format!("user {user:?}"))?;
                }
            }
        }
        if self.policy == Policy::Drf {
            self.check_nodes()?;
        }
        if let Some(o) = &self.overheads {
            o.validate(self.cores)?;
        }
        Ok(())
    }

    fn check_nodes(&self) -> CoreResult<()> {
        if self.memory.is_nan() || self.memory <= 0.0 {
            return Err(CoreError::invalid(
                "memory",
                None,
                format!("must be > 0, got {}", self.memory),
            ));
        }
        let count = match &self.nodes {
            Nodes::Pooled => 1,
            Nodes::Equal(n) => {
                if *n < 1 {
                    return Err(CoreError::invalid(
                        "nodes",
                        None,
                        format!("must be >= 1, got {n}"),
                    ));
                }
                u64::try_from(*n).unwrap_or(u64::MAX)
            }
            Nodes::Given(v) => {
                if v.is_empty() {
                    return Err(CoreError::invalid("nodes", None, "at least one node"));
                }
                v.len() as u64
            }
        };
        if count > MAX_STAGES as u64 {
            return Err(CoreError::invalid(
                "nodes",
                None,
                format!("at most {MAX_STAGES} nodes, got {count}"),
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
        Ok(())
    }
}

/// The one check of a core count (the engine's and the UWFQ probe's): `cores` as a count.
pub(crate) fn check_cores(cores: i64) -> CoreResult<usize> {
    if cores < 1 {
        return Err(CoreError::invalid(
            "cores",
            None,
            format!("must be >= 1, got {cores}"),
        ));
    }
    Ok(cores as usize)
}

/// The one check of a user's UWFQ/DRF weight; `user` names the user in the message.
pub(crate) fn check_weight(w: f64, index: Option<usize>, user: &str) -> CoreResult<()> {
    if !w.is_finite() || w <= 0.0 {
        return Err(CoreError::invalid(
            "weights",
            index,
            format!("user {user:?}: must be finite and > 0, got {w}"),
        ));
    }
    Ok(())
}
