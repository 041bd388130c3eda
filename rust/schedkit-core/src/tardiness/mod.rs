//! Single-machine total (weighted) tardiness, 1||ΣT_j and 1||Σw_jT_j.
//!
//! Jobs run back to back from time 0 in the order of a sequence; C_j is the completion
//! time, T_j = max(0, C_j - d_j), and the objective is Σ w_j T_j (w_j = 1 when unweighted).

pub mod exact_bb;
pub mod exact_bm;
pub mod exact_dp;
pub mod local_search;
mod pair_bound;
pub mod rules;
pub mod solve;
pub mod ssdp;

use crate::error::{CoreError, CoreResult};

/// A validated instance. Construct with [`Instance::new`]; fields are read-only afterwards.
#[derive(Debug, Clone)]
pub struct Instance {
    p: Vec<f64>,
    d: Vec<f64>,
    w: Vec<f64>,
    weighted: bool,
}

impl Instance {
    /// Validates: equal lengths, every value finite, p > 0, w >= 0, and every objective finite
    /// (see [`check_finite_objective`]). `w = None` means all 1.
    pub fn new(p: Vec<f64>, d: Vec<f64>, w: Option<Vec<f64>>) -> CoreResult<Self> {
        let n = p.len();
        if d.len() != n {
            return Err(CoreError::invalid(
                "d",
                None,
                format!("length {} does not match p's length {n}", d.len()),
            ));
        }
        for (j, &v) in p.iter().enumerate() {
            if !v.is_finite() || v <= 0.0 {
                return Err(CoreError::invalid(
                    "p",
                    Some(j),
                    format!("must be finite and > 0, got {v}"),
                ));
            }
        }
        for (j, &v) in d.iter().enumerate() {
            if !v.is_finite() {
                return Err(CoreError::invalid(
                    "d",
                    Some(j),
                    format!("must be finite, got {v}"),
                ));
            }
        }
        let weighted = w.is_some();
        let w = match w {
            Some(w) => {
                if w.len() != n {
                    return Err(CoreError::invalid(
                        "w",
                        None,
                        format!("length {} does not match p's length {n}", w.len()),
                    ));
                }
                for (j, &v) in w.iter().enumerate() {
                    if !v.is_finite() || v < 0.0 {
                        return Err(CoreError::invalid(
                            "w",
                            Some(j),
                            format!("must be finite and >= 0, got {v}"),
                        ));
                    }
                }
                w
            }
            None => vec![1.0; n],
        };
        check_finite_objective(&p, &d, &w)?;
        Ok(Instance { p, d, w, weighted })
    }

    pub fn len(&self) -> usize {
        self.p.len()
    }
    pub fn is_empty(&self) -> bool {
        self.p.is_empty()
    }
    pub fn p(&self) -> &[f64] {
        &self.p
    }
    pub fn d(&self) -> &[f64] {
        &self.d
    }
    pub fn w(&self) -> &[f64] {
        &self.w
    }
    /// True when weights were given (even if all equal to 1).
    pub fn is_weighted(&self) -> bool {
        self.weighted
    }
    /// True when every weight equals 1, so unweighted rules and the Lawler DP apply.
    pub fn has_unit_weights(&self) -> bool {
        self.w.iter().all(|&x| x == 1.0)
    }

    /// Σ w_j T_j of `seq`, which the caller guarantees is a permutation of 0..n.
    pub fn objective(&self, seq: &[usize]) -> f64 {
        let mut t = 0.0;
        let mut total = 0.0;
        for &j in seq {
            t += self.p[j];
            total += self.w[j] * (t - self.d[j]).max(0.0);
        }
        total
    }

    /// Checks that `seq` is a permutation of 0..n, naming the first bad position.
    pub fn check_permutation(&self, seq: &[usize], field: &str) -> CoreResult<()> {
        check_permutation(seq, self.len(), field)
    }
}

/// Rejects data whose objective could overflow f64: any job's tardiness is at most
/// Σp + max(0, −min d), so Σw·(Σp + max(0, −min d)) finite keeps every completion time, every
/// tardiness and every objective (of any sequence) finite. Names the field that overflows.
fn check_finite_objective(p: &[f64], d: &[f64], w: &[f64]) -> CoreResult<()> {
    let horizon: f64 = p.iter().sum();
    if !horizon.is_finite() {
        return Err(CoreError::invalid(
            "p",
            None,
            "the sum of processing times overflows f64; scale the data down".to_string(),
        ));
    }
    let span = horizon + d.iter().fold(0.0f64, |a, &x| a.max(-x));
    if !span.is_finite() {
        return Err(CoreError::invalid(
            "d",
            None,
            "sum(p) - min(d) overflows f64; scale the data down".to_string(),
        ));
    }
    let wsum: f64 = w.iter().sum();
    if !(wsum * span).is_finite() {
        return Err(CoreError::invalid(
            "w",
            None,
            "sum(w) * (sum(p) + max(0, -min(d))) overflows f64, so an objective could be inf; scale the data down"
                .to_string(),
        ));
    }
    Ok(())
}

/// Checks that `seq` is a permutation of 0..n, naming the first bad position.
pub fn check_permutation(seq: &[usize], n: usize, field: &str) -> CoreResult<()> {
    if seq.len() != n {
        return Err(CoreError::invalid(
            field,
            None,
            format!("length {} but the instance has {n} jobs", seq.len()),
        ));
    }
    let mut seen = vec![false; n];
    for (pos, &j) in seq.iter().enumerate() {
        if j >= n {
            return Err(CoreError::invalid(
                field,
                Some(pos),
                format!("job id {j} out of range 0..{n}"),
            ));
        }
        if seen[j] {
            return Err(CoreError::invalid(
                field,
                Some(pos),
                format!("job id {j} repeated"),
            ));
        }
        seen[j] = true;
    }
    Ok(())
}

/// What a solver returns: a sequence, its objective, and what is proven about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub sequence: Vec<usize>,
    pub objective: f64,
    /// True only when `objective` is proven minimal.
    pub optimal: bool,
    /// A valid lower bound on the optimum (equals `objective` when optimal).
    pub lower_bound: f64,
}

/// The checks every exact solver starts with: a given incumbent must be a permutation, a
/// raised stop flag ends the call, and 0 jobs is solved (empty, optimal). `Some` is the answer.
pub(crate) fn settle_trivial(
    inst: &Instance,
    incumbent: Option<&[usize]>,
    budget: &crate::budget::Budget,
) -> CoreResult<Option<Solution>> {
    if let Some(s) = incumbent {
        inst.check_permutation(s, "incumbent")?;
    }
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok(inst.is_empty().then(|| Solution {
        sequence: Vec::new(),
        objective: 0.0,
        optimal: true,
        lower_bound: 0.0,
    }))
}

impl Solution {
    /// A heuristic solution: objective recomputed, lower bound 0 (no claim).
    pub fn heuristic(inst: &Instance, sequence: Vec<usize>) -> Self {
        let objective = inst.objective(&sequence);
        Solution {
            sequence,
            objective,
            optimal: false,
            lower_bound: 0.0,
        }
    }
}

/// The job data a solver works on: an instance's slices, or a renumbered or reduced copy
/// (exact_dp renumbers the jobs in EDD order, exact_bb drops the zero-weight ones). Plain
/// slices let the exact solvers and their local search run on such copies without building
/// and validating an `Instance`. Private to this module, so only the solvers see it.
#[derive(Clone, Copy)]
struct Jobs<'a> {
    p: &'a [f64],
    w: &'a [f64],
    d: &'a [f64],
}

impl Jobs<'_> {
    /// The view as an instance, so the dispatching rules of [`rules`] can run on it.
    fn instance(&self) -> CoreResult<Instance> {
        Instance::new(self.p.to_vec(), self.d.to_vec(), Some(self.w.to_vec()))
    }

    /// w_j T_j when job j completes at c.
    #[inline]
    fn cost(&self, j: usize, c: f64) -> f64 {
        self.w[j] * (c - self.d[j]).max(0.0)
    }

    /// Σ w_j T_j of `seq` started at 0.
    fn total(&self, seq: &[usize]) -> f64 {
        let mut t = 0.0;
        let mut s = 0.0;
        for &j in seq {
            t += self.p[j];
            s += self.cost(j, t);
        }
        s
    }
}

/// Indices 0..n sorted by `key` (a total order on f64 tuples via `total_cmp`), ties by index.
fn sorted_by<F: Fn(usize) -> (f64, f64)>(n: usize, key: F) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
    });
    v
}
