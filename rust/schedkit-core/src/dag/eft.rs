//! The earliest-finish-time step of list scheduling, shared by the schedulers' engine and the
//! batch evaluators, so a makespan computed by either adds and compares the same floats.
//!
//! [`raise_to_data_ready`] (when a task's inputs are on each processor) is the part both use.

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
