//! Total flow time of B non-preemptive job orders of one [`Jobs`] on one machine.

use super::{is_permutation, par_rows};
use crate::error::{CoreError, CoreResult};
use crate::flowtime::Jobs;

/// For each row of `orders` (B x n, row-major): t = max(t, r_j) + p_j in row order (t starts
/// at 0, p_j the job's total size: its operations run back to back), total += w_j (t - r_j).
/// NaN for a row that is not a permutation of 0..n.
pub fn order_flow_times(jobs: &Jobs, orders: &[i64], out: &mut [f64]) -> CoreResult<()> {
    let (release, size, weight) = (jobs.release(), jobs.total(), jobs.weight());
    let n = jobs.len();
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
    par_rows(
        orders,
        n,
        out,
        || Vec::with_capacity(n),
        |row, seen| {
            if !is_permutation(row, n, seen) {
                return f64::NAN;
            }
            let mut t = 0.0f64;
            let mut total = 0.0;
            for &j in row {
                let j = j as usize;
                t = t.max(release[j]) + size[j];
                total += weight[j] * (t - release[j]);
            }
            total
        },
    );
    Ok(())
}
