//! Total flow time of B non-preemptive job orders on one machine with release times.

use super::{is_permutation, par_rows};
use crate::error::{CoreError, CoreResult};

/// For each row: t = max(t, r_j) + p_j in row order, total += w_j (t - r_j). NaN for a row
/// that is not a permutation of 0..n.
pub fn order_flow_times(
    release: &[f64],
    size: &[f64],
    weight: &[f64],
    orders: &[i64],
    out: &mut [f64],
) -> CoreResult<()> {
    let n = release.len();
    if size.len() != n || weight.len() != n {
        return Err(CoreError::invalid(
            "size",
            None,
            "release, size and weight must have equal lengths",
        ));
    }
    if orders.len() != out.len() * n {
        return Err(CoreError::invalid(
            "orders",
            None,
            format!("expected shape (B, {n})"),
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
