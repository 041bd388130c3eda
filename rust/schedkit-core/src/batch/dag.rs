//! Makespans of DAG schedules on a [`TaskGraph`] and [`Platform`]: B priority lists under
//! non-insertion list scheduling, and one fixed schedule under S samples of perturbed durations.
//!
//! Both use the dag module's earliest-finish step ([`crate::dag::eft`]), so a transfer
//! arrives at the same time, to the bit, as in the list schedulers.

use rayon::prelude::*;

use super::{is_permutation, par_rows};
use crate::dag::eft::{earliest_finish, transfer_terms};
use crate::dag::{check_pair, Platform, TaskGraph};
use crate::error::{CoreError, CoreResult};

/// Scratch of one rayon chunk of rows, reused row after row.
struct Scratch {
    seen: Vec<bool>,
    done: Vec<bool>,
    finish: Vec<f64>,
    proc: Vec<usize>,
    /// Time each processor becomes free (append-only: the finish of its last task).
    free: Vec<f64>,
    /// Earliest start of the current task on each processor.
    start: Vec<f64>,
}

/// Makespan of each row of `orders` (B x n, row-major) under non-insertion list scheduling:
/// tasks in row order, each on the processor of least finish time (ties to the lowest
/// processor). A row that is not a permutation, or lists a task before one of its
/// predecessors, gives NaN.
pub fn list_schedule_makespans(
    g: &TaskGraph,
    p: &Platform,
    orders: &[i64],
    out: &mut [f64],
) -> CoreResult<()> {
    check_pair(g, p)?;
    let (n, q) = (g.num_tasks(), p.num_processors());
    if orders.len() != out.len() * n {
        return Err(CoreError::invalid(
            "orders",
            None,
            format!(
                "has {} entries, expected B x n = {} x {n}",
                orders.len(),
                out.len()
            ),
        ));
    }
    let scratch = || Scratch {
        seen: Vec::with_capacity(n),
        done: vec![false; n],
        finish: vec![0.0; n],
        proc: vec![0; n],
        free: vec![0.0; q],
        start: vec![0.0; q],
    };
    par_rows(orders, n, out, scratch, |row, s| {
        if !is_permutation(row, n, &mut s.seen) {
            return f64::NAN;
        }
        s.done.fill(false);
        s.free.fill(0.0);
        let mut makespan = 0.0f64;
        for &i in row {
            let i = i as usize;
            if g.pred(i).any(|(j, _)| !s.done[j]) {
                return f64::NAN;
            }
            let (b, eft) = earliest_finish(g, p, i, &s.finish, &s.proc, &s.free, &mut s.start);
            s.proc[i] = b;
            s.finish[i] = eft;
            s.free[b] = eft;
            s.done[i] = true;
            makespan = makespan.max(eft);
        }
        makespan
    });
    Ok(())
}

/// (position, reason) of the first entry that keeps `order` from being a topological order
/// of the tasks of `g`, or None.
fn order_problem(g: &TaskGraph, order: &[i64]) -> Option<(usize, String)> {
    let n = g.num_tasks();
    let mut seen = vec![false; n];
    for (k, &i) in order.iter().enumerate() {
        if i < 0 || i as u64 >= n as u64 {
            return Some((
                k,
                format!("task id {i} at position {k} is out of range 0..{}", n - 1),
            ));
        }
        let i = i as usize;
        if seen[i] {
            return Some((k, format!("task id {i} at position {k} is repeated")));
        }
        if let Some((j, _)) = g.pred(i).find(|&(j, _)| !seen[j]) {
            return Some((
                k,
                format!("task {i} at position {k} comes before its predecessor {j}"),
            ));
        }
        seen[i] = true;
    }
    None
}

/// One task of the fixed schedule, in dispatch order, with its incoming transfers
/// `edges[lo..hi]`.
struct Step {
    task: usize,
    proc: usize,
    cost: f64,
    lo: usize,
    hi: usize,
}

/// A predecessor and the two terms its transfer adds to its finish time (see
/// [`transfer_terms`]); the processors are fixed, so they are computed once per batch.
struct InEdge {
    pred: usize,
    latency: f64,
    volume_time: f64,
}

/// Makespan of one fixed schedule (processor per task, a topological dispatch order) under each
/// row of `factors` (S x n, row-major): task i takes `w(i, assignment[i]) * factors[s, i]`;
/// transfers are not perturbed. Each processor runs its tasks in dispatch order; a task starts
/// once its processor is free and its inputs have arrived.
///
/// `assignment` must have n processors in range and `order` must be a topological order (the
/// error names the field and the first bad position). Factors are not checked.
pub fn perturbed_makespans(
    g: &TaskGraph,
    p: &Platform,
    assignment: &[i64],
    order: &[i64],
    factors: &[f64],
    out: &mut [f64],
) -> CoreResult<()> {
    check_pair(g, p)?;
    let (n, q) = (g.num_tasks(), p.num_processors());
    if assignment.len() != n {
        return Err(CoreError::invalid(
            "assignment",
            None,
            format!(
                "has length {}, expected {n} (one processor per task)",
                assignment.len()
            ),
        ));
    }
    if let Some(i) = assignment.iter().position(|&a| a < 0 || a as u64 >= q as u64) {
        return Err(CoreError::invalid(
            "assignment",
            Some(i),
            format!("processor {} out of range 0..{q}", assignment[i]),
        ));
    }
    if order.len() != n {
        return Err(CoreError::invalid(
            "order",
            None,
            format!("has length {}, expected {n} (every task once)", order.len()),
        ));
    }
    if let Some((k, msg)) = order_problem(g, order) {
        return Err(CoreError::invalid("order", Some(k), msg));
    }
    if factors.len() != out.len() * n {
        return Err(CoreError::invalid(
            "factors",
            None,
            format!(
                "has {} entries, expected S x n = {} x {n}",
                factors.len(),
                out.len()
            ),
        ));
    }
    if n == 0 {
        out.fill(0.0);
        return Ok(());
    }
    let proc: Vec<usize> = assignment.iter().map(|&a| a as usize).collect();
    // The schedule flattened in dispatch order: each sample walks steps and edges front to back.
    let mut steps = Vec::with_capacity(n);
    let mut edges = Vec::with_capacity(g.num_edges());
    for &i in order {
        let (i, b) = (i as usize, proc[i as usize]);
        let lo = edges.len();
        edges.extend(g.pred(i).map(|(j, d)| {
            let (latency, volume_time) = transfer_terms(p, d, proc[j], b);
            InEdge {
                pred: j,
                latency,
                volume_time,
            }
        }));
        steps.push(Step {
            task: i,
            proc: b,
            cost: p.w(i, b),
            lo,
            hi: edges.len(),
        });
    }
    let chunk = (8192 / n).max(1);
    out.par_chunks_mut(chunk)
        .zip(factors.par_chunks(chunk * n))
        .for_each(|(vals, rows)| {
            let mut finish = vec![0.0f64; n];
            let mut free = vec![0.0f64; q];
            for (v, f) in vals.iter_mut().zip(rows.chunks_exact(n)) {
                free.fill(0.0);
                let mut makespan = 0.0f64;
                for s in &steps {
                    let mut start = free[s.proc];
                    for e in &edges[s.lo..s.hi] {
                        let t = finish[e.pred] + e.latency + e.volume_time;
                        if t > start {
                            start = t;
                        }
                    }
                    let end = start + s.cost * f[s.task];
                    finish[s.task] = end;
                    free[s.proc] = end;
                    makespan = makespan.max(end);
                }
                *v = makespan;
            }
        });
    Ok(())
}
