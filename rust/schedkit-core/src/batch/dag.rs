//! Makespans of DAG schedules: B priority lists under non-insertion list scheduling, and
//! one fixed schedule under S samples of perturbed durations.

use super::{is_permutation, par_rows};
use crate::error::{CoreError, CoreResult};

/// A task graph on a platform, predecessors in CSR form. Built once per batch.
pub struct DagPlatform<'a> {
    /// n x q task-on-processor times, row-major.
    pub cost: &'a [f64],
    pub n: usize,
    pub q: usize,
    /// Predecessors of task i are pred_idx[pred_ptr[i]..pred_ptr[i+1]] with data volumes
    /// pred_data at the same positions.
    pub pred_ptr: &'a [i64],
    pub pred_idx: &'a [i64],
    pub pred_data: &'a [f64],
    /// q x q bandwidth, row-major; q startup latencies.
    pub bandwidth: &'a [f64],
    pub latency: &'a [f64],
}

impl DagPlatform<'_> {
    /// Shape and range checks (values are validated by the Python layer).
    pub fn check(&self) -> CoreResult<()> {
        let (n, q) = (self.n, self.q);
        let bad = |field: &str, msg: String| Err(CoreError::invalid(field, None, msg));
        if self.cost.len() != n * q {
            return bad(
                "cost",
                format!("has {} entries, expected {n} x {q}", self.cost.len()),
            );
        }
        if q == 0 && n > 0 {
            return bad("cost", "needs at least one processor".into());
        }
        if self.pred_ptr.len() != n + 1 || self.pred_ptr.first() != Some(&0) {
            return bad("pred_ptr", format!("must have length {} and start at 0", n + 1));
        }
        let e = self.pred_idx.len();
        if self.pred_data.len() != e || self.pred_ptr[n] as usize != e {
            return bad("pred_idx", "pred_ptr, pred_idx and pred_data disagree".into());
        }
        if self.pred_ptr.windows(2).any(|w| w[0] > w[1]) {
            return bad("pred_ptr", "must be non-decreasing".into());
        }
        if let Some(k) = self.pred_idx.iter().position(|&j| j < 0 || j as usize >= n) {
            return Err(CoreError::invalid("pred_idx", Some(k), "task id out of range"));
        }
        if self.bandwidth.len() != q * q || self.latency.len() != q {
            return bad(
                "bandwidth",
                format!("bandwidth must be {q} x {q} and latency {q}"),
            );
        }
        Ok(())
    }

    fn preds(&self, i: usize) -> std::ops::Range<usize> {
        self.pred_ptr[i] as usize..self.pred_ptr[i + 1] as usize
    }

    /// Communication time of `data` from processor a to processor b.
    #[inline]
    fn comm(&self, data: f64, a: usize, b: usize) -> f64 {
        if a == b {
            0.0
        } else {
            self.latency[a] + data / self.bandwidth[a * self.q + b]
        }
    }

    /// Earliest time task i's inputs are all on processor b.
    #[inline]
    fn data_ready(&self, i: usize, b: usize, finish: &[f64], proc: &[usize]) -> f64 {
        let mut t = 0.0f64;
        for k in self.preds(i) {
            let j = self.pred_idx[k] as usize;
            t = t.max(finish[j] + self.comm(self.pred_data[k], proc[j], b));
        }
        t
    }
}

struct Scratch {
    seen: Vec<bool>,
    done: Vec<bool>,
    finish: Vec<f64>,
    proc: Vec<usize>,
    ready: Vec<f64>,
}

/// Makespan of each row of `orders` (B x n) under non-insertion list scheduling: tasks in row
/// order, each on the processor of least finish time (ties to the lowest processor).
/// A row that is not a permutation, or lists a task before one of its predecessors, gives NaN.
pub fn list_schedule_makespans(g: &DagPlatform, orders: &[i64], out: &mut [f64]) -> CoreResult<()> {
    g.check()?;
    let n = g.n;
    if orders.len() != out.len() * n {
        return Err(CoreError::invalid(
            "orders",
            None,
            format!("expected shape (B, {n})"),
        ));
    }
    let scratch = || Scratch {
        seen: Vec::with_capacity(n),
        done: vec![false; n],
        finish: vec![0.0; n],
        proc: vec![0; n],
        ready: vec![0.0; g.q],
    };
    par_rows(orders, n, out, scratch, |row, s| {
        if !is_permutation(row, n, &mut s.seen) {
            return f64::NAN;
        }
        s.done.iter_mut().for_each(|x| *x = false);
        s.ready.iter_mut().for_each(|x| *x = 0.0);
        let mut makespan = 0.0f64;
        for &i in row {
            let i = i as usize;
            if g.preds(i).any(|k| !s.done[g.pred_idx[k] as usize]) {
                return f64::NAN;
            }
            let mut best = (f64::INFINITY, 0usize);
            for b in 0..g.q {
                let est = s.ready[b].max(g.data_ready(i, b, &s.finish, &s.proc));
                let eft = est + g.cost[i * g.q + b];
                if eft < best.0 {
                    best = (eft, b);
                }
            }
            s.proc[i] = best.1;
            s.finish[i] = best.0;
            s.ready[best.1] = best.0;
            s.done[i] = true;
            makespan = makespan.max(best.0);
        }
        makespan
    });
    Ok(())
}

/// Makespan of one fixed schedule (processor per task, topological dispatch order) under each
/// row of `factors` (S x n): task i takes cost[i, assignment[i]] * factors[s, i].
pub fn perturbed_makespans(
    g: &DagPlatform,
    assignment: &[i64],
    order: &[i64],
    factors: &[f64],
    out: &mut [f64],
) -> CoreResult<()> {
    g.check()?;
    let n = g.n;
    if assignment.len() != n {
        return Err(CoreError::invalid(
            "assignment",
            None,
            format!("expected length {n}"),
        ));
    }
    if let Some(i) = assignment.iter().position(|&a| a < 0 || a as usize >= g.q) {
        return Err(CoreError::invalid(
            "assignment",
            Some(i),
            "processor out of range",
        ));
    }
    let mut seen = Vec::new();
    if !is_permutation(order, n, &mut seen) {
        return Err(CoreError::invalid(
            "order",
            None,
            "not a permutation of the tasks",
        ));
    }
    let mut done = vec![false; n];
    for &i in order {
        if g.preds(i as usize).any(|k| !done[g.pred_idx[k] as usize]) {
            return Err(CoreError::invalid(
                "order",
                Some(i as usize),
                "task listed before a predecessor",
            ));
        }
        done[i as usize] = true;
    }
    if factors.len() != out.len() * n {
        return Err(CoreError::invalid(
            "factors",
            None,
            format!("expected shape (S, {n})"),
        ));
    }
    let proc: Vec<usize> = assignment.iter().map(|&a| a as usize).collect();
    let base: Vec<f64> = (0..n).map(|i| g.cost[i * g.q + proc[i]]).collect();
    let chunk = (8192 / n.max(1)).max(1);
    use rayon::prelude::*;
    if n == 0 {
        out.iter_mut().for_each(|v| *v = 0.0);
        return Ok(());
    }
    out.par_chunks_mut(chunk)
        .zip(factors.par_chunks(chunk * n))
        .for_each(|(vals, rows)| {
            let mut finish = vec![0.0f64; n];
            let mut ready = vec![0.0f64; g.q];
            for (v, f) in vals.iter_mut().zip(rows.chunks_exact(n)) {
                ready.iter_mut().for_each(|x| *x = 0.0);
                let mut makespan = 0.0f64;
                for &i in order {
                    let i = i as usize;
                    let b = proc[i];
                    let start = ready[b].max(g.data_ready(i, b, &finish, &proc));
                    let end = start + base[i] * f[i];
                    finish[i] = end;
                    ready[b] = end;
                    makespan = makespan.max(end);
                }
                *v = makespan;
            }
        });
    Ok(())
}
