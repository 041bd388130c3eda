//! The earliest-finish-time step of list scheduling, shared by the schedulers' engine and the
//! batch evaluators, so a makespan computed by either adds and compares the same floats.
//!
//! [`raise_to_data_ready`] (when a task's inputs are on each processor) is the part both use.
//! The selection in [`earliest_finish`] (strict `<`, so exact ties go to the lowest processor)
//! is the batch evaluator's only: the engine picks among near-ties with a relative tolerance
//! (`better` in `engine.rs`), searches idle gaps under the insertion policy and may add a
//! per-processor bias (PEFT), and routing it through a strict comparison would move tasks
//! whose finish times differ by less than 1e-9 (relative) to another processor.

use super::instance::{Platform, TaskGraph};

/// Raises `ready[b]` (one entry per processor) to the time every input of task i is on
/// processor b. A predecessor j that ran on processor a = `proc[j]` delivers at `finish[j]` on
/// b = a, else at `finish[j] + latency[a] + data / bandwidth[a, b]`, added left to right with
/// the division done as a multiplication by the platform's precomputed inverse.
///
/// Every predecessor of i must have its `finish` and `proc` set.
#[inline]
pub(crate) fn raise_to_data_ready(
    g: &TaskGraph,
    p: &Platform,
    i: usize,
    finish: &[f64],
    proc: &[usize],
    ready: &mut [f64],
) {
    let latency = p.latency();
    for (j, d) in g.pred(i) {
        let (a, f) = (proc[j], finish[j]);
        let base = f + latency[a];
        // One pass over the processors per predecessor: the inverse-bandwidth row is
        // contiguous, and the loop has no dependency between processors.
        for (b, (r, ib)) in ready.iter_mut().zip(p.inv_bw_row(a)).enumerate() {
            let t = if b == a { f } else { base + d * ib };
            if t > *r {
                *r = t;
            }
        }
    }
}

/// Non-insertion earliest finish of task i: on processor b it starts at
/// `max(free[b], data-ready time on b)` and finishes `w(i, b)` later; returns the processor
/// of least finish (ties to the lowest index) and that finish. `scratch` holds one entry per
/// processor and is overwritten.
#[inline]
pub(crate) fn earliest_finish(
    g: &TaskGraph,
    p: &Platform,
    i: usize,
    finish: &[f64],
    proc: &[usize],
    free: &[f64],
    scratch: &mut [f64],
) -> (usize, f64) {
    scratch.copy_from_slice(free);
    raise_to_data_ready(g, p, i, finish, proc, scratch);
    let mut best = (0, f64::INFINITY);
    for (b, (&start, &w)) in scratch.iter().zip(p.row(i)).enumerate() {
        let eft = start + w;
        if eft < best.1 {
            best = (b, eft);
        }
    }
    best
}

/// The two terms a transfer of `data` from processor a to b adds to the sender's finish time:
/// (latency[a], data / bandwidth[a, b]), both 0 when a = b. `(finish + .0) + .1` is the
/// arrival [`raise_to_data_ready`] computes, to the bit, for a fixed pair of processors.
#[inline]
pub(crate) fn transfer_terms(p: &Platform, data: f64, a: usize, b: usize) -> (f64, f64) {
    if a == b {
        (0.0, 0.0)
    } else {
        (p.latency()[a], data * p.inv_bw_row(a)[b])
    }
}
