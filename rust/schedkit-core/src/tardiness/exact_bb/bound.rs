//! The bounds that need no relaxation table, and the rule that turns a bound into a prune.
//!
//! The Lagrangian bound of `relaxation.rs` is the strong one; the linear bound here is what
//! the search falls back on when the horizon is too long for a table.

use crate::tardiness::exact_dp::Jobs;

/// Decides "this bound cannot lead to a strictly better sequence than `ub`". With integral
/// data every objective is an integer, so a bound above ub − 1 already closes a node.
#[derive(Clone, Copy)]
pub(super) struct Cut {
    pub(super) integral: bool,
}

impl Cut {
    #[inline]
    pub(super) fn closed(self, lb: f64, ub: f64) -> bool {
        if self.integral {
            lb > ub - 1.0 + 1e-6
        } else {
            lb >= ub - 1e-9 * ub.abs().max(1.0)
        }
    }
    /// A reportable lower bound (rounded up to an integer when the data are integral; the
    /// 1e-6 slack absorbs float error in the Lagrangian sums).
    pub(super) fn report(self, lb: f64) -> f64 {
        if self.integral {
            (lb - 1e-6).ceil()
        } else {
            lb - 1e-9 * lb.abs().max(1.0)
        }
    }
}

/// Linear bound for a head (the jobs with `in_head(j)`) when there is no relaxation table:
/// Σ_U w_j (C_j − d_j) under WSPT (T_j ≥ C_j − d_j and WSPT minimises Σ w_j C_j), and 0.
/// `wspt` is every job in WSPT order.
#[inline]
pub(super) fn linear_head(jobs: Jobs, wspt: &[usize], in_head: impl Fn(usize) -> bool) -> f64 {
    let mut c = 0.0;
    let mut s = 0.0;
    for &j in wspt {
        if in_head(j) {
            c += jobs.p[j];
            s += jobs.w[j] * (c - jobs.d[j]);
        }
    }
    s.max(0.0)
}
