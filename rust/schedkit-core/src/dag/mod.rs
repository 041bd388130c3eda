//! DAG scheduling on heterogeneous processors.
//!
//! A [`TaskGraph`] (tasks, edges with a data volume) runs on a [`Platform`] (an n x q matrix of
//! task-on-processor times, the unrelated-machines model of the HEFT paper, plus links:
//! communication of `data` from processor a to b != a takes `latency[a] + data / bandwidth[a, b]`,
//! 0 on the same processor). The list schedulers build a [`Schedule`]: processor, start and
//! finish per task.
//!
//! - [`heft::heft`], [`cpop::cpop`] (Topcuoglu et al. 2002), [`peft::peft`] (Arabnejad &
//!   Barbosa 2014), with the insertion policy (or append-only);
//! - baselines [`baselines::mct`], [`baselines::met`], [`baselines::random`];
//! - [`online`]: a stream of DAG jobs on one platform (runtime HEFT and per-job HEFT);
//! - [`generator`]: random layered DAGs with the parameters of the HEFT paper.
//!
//! Every algorithm is deterministic: ranks within a relative 1e-9 tie (see
//! [`ranks::order_by_rank`]) and ties go to the lower level, then the lower task id; equal
//! finish times go to the lowest processor index. Several entry or exit tasks behave as if a
//! zero-cost pseudo entry and exit were added. Inputs are validated by the constructors.

pub mod baselines;
pub mod cpop;
pub(crate) mod eft;
pub(crate) mod engine;
pub mod generator;
pub mod heft;
pub mod instance;
pub mod online;
pub mod peft;
pub mod ranks;
pub mod slots;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use instance::{check_pair, Platform, TaskGraph};

use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::{lookup, Entry};

/// A complete schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Processor of each task.
    pub proc: Vec<usize>,
    /// Start and finish time of each task.
    pub start: Vec<f64>,
    pub finish: Vec<f64>,
    /// Tasks in the order the algorithm placed them.
    pub order: Vec<usize>,
    /// max finish (0 for an empty graph).
    pub makespan: f64,
}

/// Options shared by the list schedulers.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Insertion policy (search idle gaps between reservations); false = append-only.
    pub insertion: bool,
    /// Seed of the random-priority scheduler.
    pub seed: u64,
    /// Drop idle gaps that end before every start still possible (a pure speed-up: the
    /// schedule is identical either way; the switch exists so tests can check that).
    pub sweep: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insertion: true,
            seed: 0,
            sweep: true,
        }
    }
}

/// A list scheduler of the [`ALGORITHMS`] registry.
#[derive(Debug, Clone, Copy)]
pub struct Algorithm {
    /// Whether the algorithm as published uses the insertion policy: the default of
    /// `Options::insertion` for it in the Python API (MCT and MET classically append).
    pub insertion: bool,
    /// Runs it.
    pub run: fn(&TaskGraph, &Platform, &Options, &Budget) -> CoreResult<Schedule>,
}

const fn algorithm(
    name: &'static str,
    summary: &'static str,
    insertion: bool,
    run: fn(&TaskGraph, &Platform, &Options, &Budget) -> CoreResult<Schedule>,
) -> Entry<Algorithm> {
    Entry {
        name,
        summary,
        item: Algorithm { insertion, run },
    }
}

/// The algorithms [`schedule`] accepts, by name.
pub const ALGORITHMS: [Entry<Algorithm>; 6] = [
    algorithm(
        "heft",
        "HEFT: tasks by non-increasing upward rank, each on its least-EFT processor",
        true,
        heft::heft,
    ),
    algorithm(
        "cpop",
        "CPOP: critical-path tasks on the processor fastest for the whole path, the rest by EFT",
        true,
        cpop::cpop,
    ),
    algorithm(
        "peft",
        "PEFT: a ready list by rank_oct, processor by EFT + optimistic cost",
        true,
        peft::peft,
    ),
    algorithm(
        "mct",
        "minimum completion time: tasks level by level, each where it finishes earliest",
        false,
        baselines::mct,
    ),
    algorithm(
        "met",
        "minimum execution time: tasks level by level, each where it runs fastest",
        false,
        baselines::met,
    ),
    algorithm(
        "random",
        "a ready list with seeded random priorities, each task on its least-EFT processor",
        true,
        baselines::random,
    ),
];

/// Runs the algorithm named `name` (one of [`ALGORITHMS`]).
pub fn schedule(
    g: &TaskGraph,
    p: &Platform,
    name: &str,
    opts: &Options,
    budget: &Budget,
) -> CoreResult<Schedule> {
    (lookup(&ALGORITHMS, name, "algorithm", "algorithm")?.item.run)(g, p, opts, budget)
}

/// Ready-list scheduling: repeatedly takes the ready task (all predecessors placed) of least
/// `key` (keys must be distinct), calls `place` on it, and releases its successors.
/// Err(Interrupted) once the budget's stop flag is raised: read between the phases of an
/// algorithm (ranks, sorts) as the engine reads it between placements.
pub(crate) fn check_stop(budget: &Budget) -> CoreResult<()> {
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok(())
}

pub(crate) fn ready_list(
    g: &TaskGraph,
    key: &[usize],
    mut place: impl FnMut(usize) -> CoreResult<()>,
) -> CoreResult<()> {
    let n = g.num_tasks();
    let mut missing: Vec<usize> = (0..n).map(|i| g.in_degree(i)).collect();
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = (0..n)
        .filter(|&i| missing[i] == 0)
        .map(|i| Reverse((key[i], i)))
        .collect();
    while let Some(Reverse((_, i))) = heap.pop() {
        place(i)?;
        for (j, _) in g.succ(i) {
            missing[j] -= 1;
            if missing[j] == 0 {
                heap.push(Reverse((key[j], j)));
            }
        }
    }
    Ok(())
}
