//! Online DAG scheduling: a stream of jobs (each a DAG) arriving over time on one platform, as
//! in DS3 / DeepSoCS.
//!
//! The jobs' tasks form one graph, job k owning tasks `job_ptr[k]..job_ptr[k+1]` (no edge
//! between jobs). Two policies decide with the *estimated* costs:
//!
//! - `"heft"` (whole-graph HEFT per job): when job k arrives, all its tasks are ranked by
//!   rank_u over its own DAG and placed by insertion EFT around the reservations already made,
//!   never before the arrival.
//! - `"heft_rt"` (runtime HEFT, DS3's HEFT_RT): at each decision epoch (a job arrival or a
//!   planned task completion) the tasks that have just become ready, of every job present, are
//!   ranked by mean cost w̄ (rank_u of the flat DAG of ready tasks between a dummy entry and exit)
//!   and placed by insertion EFT around the reservations already made, never before the epoch.
//!
//! A policy only sees jobs that have arrived. Execution then replays each processor's planned
//! order with the actual durations `cost * factor` (multiplicative noise): a task starts once its
//! processor is free, its inputs have arrived and its job has arrived. Decisions are not revised
//! when the actual times drift from the plan.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::engine::Engine;
use super::instance::{check_pair, horizon_bound, Platform, TaskGraph, HORIZON_LIMIT};
use super::ranks::{order_by_rank, upward_rank};
use super::{Options, Schedule};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::{lookup, Entry, OrdF64};

/// How an online policy plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planner {
    /// Whole-graph HEFT per job, at its arrival.
    PerJob,
    /// Runtime HEFT over the ready tasks of every job present, at each decision epoch.
    Runtime,
}

/// The online policies [`simulate`] accepts, by name.
pub const POLICIES: [Entry<Planner>; 2] = [
    Entry {
        name: "heft",
        summary: "per-job HEFT: at its arrival, a job's whole DAG by rank_u, insertion EFT",
        item: Planner::PerJob,
    },
    Entry {
        name: "heft_rt",
        summary: "runtime HEFT (DS3's HEFT_RT): at each epoch, the newly ready tasks by mean cost",
        item: Planner::Runtime,
    },
];

/// The outcome: the plan (with estimated costs) and the actual execution.
#[derive(Debug, Clone)]
pub struct OnlineOutcome {
    pub planned: Schedule,
    pub actual_start: Vec<f64>,
    pub actual_finish: Vec<f64>,
    /// Arrival time of each task's job.
    pub release: Vec<f64>,
}

/// Checks the job layout and returns the job of each task.
fn job_of_tasks(g: &TaskGraph, job_ptr: &[i64], arrival: &[f64]) -> CoreResult<Vec<usize>> {
    let n = g.num_tasks();
    let m = arrival.len();
    if job_ptr.len() != m + 1 || job_ptr.first() != Some(&0) || job_ptr[m] as u64 != n as u64 {
        return Err(CoreError::invalid(
            "job_ptr",
            None,
            format!("must have length {} (jobs + 1), start at 0 and end at {n}", m + 1),
        ));
    }
    if let Some(k) = job_ptr.windows(2).position(|w| w[0] > w[1]) {
        return Err(CoreError::invalid(
            "job_ptr",
            Some(k + 1),
            "must be non-decreasing",
        ));
    }
    if let Some(k) = arrival.iter().position(|a| !a.is_finite() || *a < 0.0) {
        return Err(CoreError::invalid(
            "arrival",
            Some(k),
            format!("must be finite and >= 0, got {}", arrival[k]),
        ));
    }
    let mut job = vec![0usize; n];
    for k in 0..m {
        job[job_ptr[k] as usize..job_ptr[k + 1] as usize].fill(k);
    }
    for e in 0..g.num_edges() {
        if job[g.src()[e]] != job[g.dst()[e]] {
            return Err(CoreError::invalid(
                "edges",
                Some(e),
                format!("edge {} -> {} joins two jobs", g.src()[e], g.dst()[e]),
            ));
        }
    }
    Ok(job)
}

/// Runs `policy` on the job stream and replays the plan with `factors` (one per task, finite
/// and >= 0; `None` means the estimates are exact).
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    g: &TaskGraph,
    p: &Platform,
    job_ptr: &[i64],
    arrival: &[f64],
    policy: &str,
    factors: Option<&[f64]>,
    insertion: bool,
    budget: &Budget,
) -> CoreResult<OnlineOutcome> {
    let planner = lookup(&POLICIES, policy, "policy", "online policy")?.item;
    check_pair(g, p)?;
    let job = job_of_tasks(g, job_ptr, arrival)?;
    let n = g.num_tasks();
    if let Some(f) = factors {
        if f.len() != n {
            return Err(CoreError::invalid(
                "factors",
                None,
                format!("has length {}, expected {n}", f.len()),
            ));
        }
        if let Some(i) = f.iter().position(|x| !x.is_finite() || *x < 0.0) {
            return Err(CoreError::invalid(
                "factors",
                Some(i),
                format!("must be finite and >= 0, got {}", f[i]),
            ));
        }
    }
    // Every planned and actual time is at most the last arrival plus the horizon of the union
    // (its costs scaled by the largest factor): keep that finite.
    let last = arrival.iter().copied().fold(0.0, f64::max);
    let fmax = factors.map_or(1.0, |f| f.iter().copied().fold(1.0, f64::max));
    let bound = last + fmax * horizon_bound(g, p);
    if !bound.is_finite() || bound > HORIZON_LIMIT {
        return Err(CoreError::invalid(
            "arrival",
            None,
            format!(
                "the last arrival plus the total cost and transfer time (scaled by the largest \
                 factor) is {bound:e}, over the {HORIZON_LIMIT:e} limit that keeps every time finite"
            ),
        ));
    }
    let release: Vec<f64> = job.iter().map(|&k| arrival[k]).collect();
    // Jobs in arrival order, ties by index.
    let mut jobs: Vec<usize> = (0..arrival.len()).collect();
    jobs.sort_by(|&a, &b| arrival[a].total_cmp(&arrival[b]).then(a.cmp(&b)));
    let opts = Options {
        insertion,
        ..Options::default()
    };
    let mut e = Engine::new(g, p, &opts, Some(&release), budget);
    match planner {
        Planner::PerJob => per_job_heft(&mut e, job_ptr, arrival, &jobs),
        Planner::Runtime => runtime_heft(&mut e, &job, arrival, &jobs),
    }?;
    let planned = e.finish_schedule()?;
    let (actual_start, actual_finish) = replay(g, p, &planned, &release, factors);
    Ok(OnlineOutcome {
        planned,
        actual_start,
        actual_finish,
        release,
    })
}

fn per_job_heft(e: &mut Engine, job_ptr: &[i64], arrival: &[f64], jobs: &[usize]) -> CoreResult<()> {
    let rank = upward_rank(e.g, e.p);
    let level = e.g.levels();
    for &k in jobs {
        let (lo, hi) = (job_ptr[k] as usize, job_ptr[k + 1] as usize);
        for t in order_by_rank(&rank[lo..hi], &level[lo..hi]) {
            e.place_best(lo + t, arrival[k], None)?;
        }
    }
    Ok(())
}

fn runtime_heft(e: &mut Engine, job: &[usize], arrival: &[f64], jobs: &[usize]) -> CoreResult<()> {
    let g = e.g;
    let n = g.num_tasks();
    let mut job_rank = vec![0usize; arrival.len()];
    for (r, &k) in jobs.iter().enumerate() {
        job_rank[k] = r;
    }
    let mut missing: Vec<usize> = (0..n).map(|i| g.in_degree(i)).collect();
    // Events: (time, task) where task = usize::MAX - k marks the arrival of job k.
    let mut events: BinaryHeap<Reverse<(OrdF64, usize)>> = jobs
        .iter()
        .map(|&k| Reverse((OrdF64(arrival[k]), usize::MAX - k)))
        .collect();
    let mut entries: Vec<Vec<usize>> = vec![Vec::new(); arrival.len()];
    for i in 0..n {
        if missing[i] == 0 {
            entries[job[i]].push(i);
        }
    }
    let mut ready: Vec<usize> = Vec::new();
    while let Some(Reverse((OrdF64(t), _))) = events.peek().copied() {
        ready.clear();
        while let Some(&Reverse((OrdF64(s), x))) = events.peek() {
            if s != t {
                break;
            }
            events.pop();
            if x > n {
                ready.extend_from_slice(&entries[usize::MAX - x]);
            } else {
                for (j, _) in g.succ(x) {
                    missing[j] -= 1;
                    if missing[j] == 0 {
                        ready.push(j);
                    }
                }
            }
        }
        // rank_u of the flat ready DAG is w̄; ties by job arrival order, then task id.
        ready.sort_by_key(|&i| (job_rank[job[i]], i));
        let mean: Vec<f64> = ready.iter().map(|&i| e.p.mean_cost(i)).collect();
        let flat = vec![0usize; ready.len()];
        for k in order_by_rank(&mean, &flat) {
            let i = ready[k];
            e.place_best(i, t, None)?;
            events.push(Reverse((OrdF64(e.finish[i]), i)));
        }
    }
    Ok(())
}

/// Actual start and finish when each processor runs its planned tasks in planned order with
/// durations cost * factor, each as soon as its processor, its inputs and its job allow.
pub fn replay(
    g: &TaskGraph,
    p: &Platform,
    plan: &Schedule,
    release: &[f64],
    factors: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>) {
    let n = g.num_tasks();
    let mut seq = vec![0usize; n];
    for (k, &i) in plan.order.iter().enumerate() {
        seq[i] = k;
    }
    let mut by_start: Vec<usize> = (0..n).collect();
    by_start.sort_by(|&a, &b| {
        plan.start[a]
            .total_cmp(&plan.start[b])
            .then(plan.finish[a].total_cmp(&plan.finish[b]))
            .then(seq[a].cmp(&seq[b]))
    });
    let mut free = vec![0.0f64; p.num_processors()];
    let (mut start, mut finish) = (vec![0.0; n], vec![0.0; n]);
    for i in by_start {
        let b = plan.proc[i];
        let mut s = free[b].max(release[i]);
        for (j, d) in g.pred(i) {
            s = s.max(finish[j] + p.comm(d, plan.proc[j], b));
        }
        let dur = p.w(i, b) * factors.map_or(1.0, |f| f[i]);
        start[i] = s;
        finish[i] = s + dur;
        free[b] = finish[i];
    }
    (start, finish)
}
