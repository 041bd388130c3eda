//! The bounds that need no relaxation table, and the rule that turns a bound into a prune.
//!
//! The Lagrangian bound of `relaxation.rs` is the strong one but costs a DP to build; the
//! bounds here are O(n log n) or O(n): `simple_lower_bound` is the root check before any table
//! is built (and what `exact_dp` reports when its DP is stopped), and `linear_head` is the node
//! bound when the horizon is too long for a table.

use crate::tardiness::{sorted_by, Jobs};

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

/// A lower bound on Σ w_j T_j valid for every sequence: w_min · Σ_k max(0, S_k − d_(k)), where
/// S_k are the SPT prefix sums and d_(k) the due dates in increasing order. Any schedule's
/// sorted completion times dominate S_k, and pairing sorted completions with sorted due dates
/// minimises Σ max(0, C − d) (the function is convex in C − d). Also ≥ w_min·max(0, L_max(EDD)).
pub(in crate::tardiness) fn simple_lower_bound(jobs: Jobs) -> f64 {
    let n = jobs.p.len();
    if n == 0 {
        return 0.0;
    }
    let wmin = jobs.w.iter().cloned().fold(f64::INFINITY, f64::min);
    if wmin <= 0.0 {
        return 0.0;
    }
    let mut p: Vec<f64> = jobs.p.to_vec();
    p.sort_by(f64::total_cmp);
    let mut d: Vec<f64> = jobs.d.to_vec();
    d.sort_by(f64::total_cmp);
    let mut s = 0.0;
    let mut pair = 0.0;
    for k in 0..n {
        s += p[k];
        pair += (s - d[k]).max(0.0);
    }
    // L_max of EDD (the sorted due dates paired with EDD completion times).
    let edd = sorted_by(n, |j| (jobs.d[j], jobs.p[j]));
    let mut t = 0.0;
    let mut lmax: f64 = 0.0;
    for &j in &edd {
        t += jobs.p[j];
        lmax = lmax.max(t - jobs.d[j]);
    }
    wmin * pair.max(lmax)
}
