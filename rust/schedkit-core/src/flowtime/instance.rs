//! The validated flow-time instance: jobs with a release time, a weight, an optional size
//! estimate and a sequence of operations (Arrow layout: offsets + values).

use crate::error::{CoreError, CoreResult};

/// A validated set of jobs. Construct with [`Jobs::new`]; read-only afterwards.
///
/// Job `j` has operations `sizes[offsets[j]..offsets[j + 1]]`, processed in that order; its
/// size is their sum. Ids are positions `0..n`; the simulators process releases in the order
/// (release, id), which is also every policy's final tie-break.
#[derive(Debug, Clone)]
pub struct Jobs {
    release: Vec<f64>,
    weight: Vec<f64>,
    estimate: Option<Vec<f64>>,
    offsets: Vec<usize>,
    sizes: Vec<f64>,
    total: Vec<f64>,
    weighted: bool,
    /// Job ids sorted by (release, id): position = the job's rank.
    order: Vec<u32>,
    /// True when ids are already in release order (`order` is the identity).
    sorted: bool,
}

fn check_positive(field: &str, values: &[f64]) -> CoreResult<()> {
    for (j, &v) in values.iter().enumerate() {
        if !v.is_finite() || v <= 0.0 {
            return Err(CoreError::invalid(
                field,
                Some(j),
                format!("must be finite and > 0, got {v}"),
            ));
        }
    }
    Ok(())
}

/// The bound on [`horizon_bound`] (the crate's one limit on times).
pub use crate::util::HORIZON_LIMIT;

/// (max release + total size of all jobs) x max(n, total weight, 1): every work-conserving
/// schedule completes all jobs by max release + total size, so each flow time is at most that
/// and the (weighted) total flow time at most the product.
pub fn horizon_bound(release: &[f64], total: &[f64], weight: &[f64]) -> f64 {
    let last = release.iter().copied().fold(0.0, f64::max);
    let work: f64 = total.iter().sum();
    let scale = weight.iter().sum::<f64>().max(release.len() as f64).max(1.0);
    (last + work) * scale
}

/// Rejects instances whose results could overflow (see [`HORIZON_LIMIT`]).
fn check_horizon(release: &[f64], total: &[f64], weight: &[f64]) -> CoreResult<()> {
    let bound = horizon_bound(release, total, weight);
    if !bound.is_finite() || bound > HORIZON_LIMIT {
        return Err(CoreError::invalid(
            "operations",
            None,
            format!(
                "(latest release + total size) x max(jobs, total weight) is {bound:e}, over the \
                 {HORIZON_LIMIT:e} limit that keeps every flow time and total finite"
            ),
        ));
    }
    Ok(())
}

fn check_len(field: &str, len: usize, n: usize) -> CoreResult<()> {
    if len != n {
        return Err(CoreError::invalid(
            field,
            None,
            format!("length {len} does not match the {n} jobs of release"),
        ));
    }
    Ok(())
}

impl Jobs {
    /// Validates and builds the instance.
    ///
    /// - `release`: finite and >= 0;
    /// - `offsets`: n + 1 non-decreasing values from 0 to `sizes.len()`; every job needs at
    ///   least one operation;
    /// - `sizes`: every operation size finite and > 0 (an error names the job index);
    /// - `weight` (default all 1) and `estimate` (optional): finite and > 0.
    pub fn new(
        release: Vec<f64>,
        offsets: &[i64],
        sizes: Vec<f64>,
        weight: Option<Vec<f64>>,
        estimate: Option<Vec<f64>>,
    ) -> CoreResult<Self> {
        let n = release.len();
        if n >= u32::MAX as usize {
            return Err(CoreError::invalid(
                "release",
                None,
                format!("{n} jobs is more than supported"),
            ));
        }
        for (j, &r) in release.iter().enumerate() {
            if !r.is_finite() || r < 0.0 {
                return Err(CoreError::invalid(
                    "release",
                    Some(j),
                    format!("must be finite and >= 0, got {r}"),
                ));
            }
        }
        if offsets.len() != n + 1 {
            return Err(CoreError::invalid(
                "offsets",
                None,
                format!("expected n + 1 = {} offsets, got {}", n + 1, offsets.len()),
            ));
        }
        if offsets[0] != 0 {
            return Err(CoreError::invalid(
                "offsets",
                Some(0),
                format!("must start at 0, got {}", offsets[0]),
            ));
        }
        if offsets[n] != sizes.len() as i64 {
            return Err(CoreError::invalid(
                "offsets",
                Some(n),
                format!(
                    "last offset {} does not match the {} operation sizes",
                    offsets[n],
                    sizes.len()
                ),
            ));
        }
        let mut offs = Vec::with_capacity(n + 1);
        offs.push(0usize);
        let mut total = Vec::with_capacity(n);
        for j in 0..n {
            let (a, b) = (offsets[j], offsets[j + 1]);
            if b < a {
                return Err(CoreError::invalid(
                    "offsets",
                    Some(j + 1),
                    format!("offsets decrease ({a} then {b})"),
                ));
            }
            if b > sizes.len() as i64 {
                return Err(CoreError::invalid(
                    "offsets",
                    Some(j + 1),
                    format!("offset {b} out of range"),
                ));
            }
            if b == a {
                return Err(CoreError::invalid(
                    "operations",
                    Some(j),
                    "job has an empty operation list",
                ));
            }
            let (a, b) = (a as usize, b as usize);
            let mut s = 0.0;
            for (i, &p) in sizes[a..b].iter().enumerate() {
                if !p.is_finite() || p <= 0.0 {
                    return Err(CoreError::invalid(
                        "operations",
                        Some(j),
                        format!("operation {i} has size {p}; sizes must be finite and > 0"),
                    ));
                }
                s += p;
            }
            if !s.is_finite() {
                return Err(CoreError::invalid("operations", Some(j), "total size overflows"));
            }
            total.push(s);
            offs.push(b);
        }
        let weighted = weight.is_some();
        let weight = match weight {
            Some(w) => {
                check_len("weight", w.len(), n)?;
                check_positive("weight", &w)?;
                w
            }
            None => vec![1.0; n],
        };
        if let Some(e) = &estimate {
            check_len("estimate", e.len(), n)?;
            check_positive("estimate", e)?;
        }
        check_horizon(&release, &total, &weight)?;
        let mut order: Vec<u32> = (0..n as u32).collect();
        let sorted = !release.windows(2).any(|w| w[1] < w[0]);
        if !sorted {
            order.sort_by(|&a, &b| {
                release[a as usize]
                    .total_cmp(&release[b as usize])
                    .then(a.cmp(&b))
            });
        }
        Ok(Jobs {
            release,
            weight,
            estimate,
            offsets: offs,
            sizes,
            total,
            weighted,
            order,
            sorted,
        })
    }

    /// Convenience constructor: one operation per job (the classical model).
    pub fn single(release: Vec<f64>, size: Vec<f64>, weight: Option<Vec<f64>>) -> CoreResult<Self> {
        check_len("operations", size.len(), release.len())?;
        let offsets: Vec<i64> = (0..=size.len() as i64).collect();
        Jobs::new(release, &offsets, size, weight, None)
    }

    /// Convenience constructor from a list of operation lists.
    pub fn from_lists(release: Vec<f64>, ops: &[Vec<f64>], weight: Option<Vec<f64>>) -> CoreResult<Self> {
        check_len("operations", ops.len(), release.len())?;
        let mut offsets = vec![0i64];
        let mut sizes = Vec::new();
        for o in ops {
            sizes.extend_from_slice(o);
            offsets.push(sizes.len() as i64);
        }
        Jobs::new(release, &offsets, sizes, weight, None)
    }

    /// The same jobs with size estimates attached (validated like the constructor's).
    pub fn with_estimate(&self, estimate: Vec<f64>) -> CoreResult<Self> {
        check_len("estimate", estimate.len(), self.len())?;
        check_positive("estimate", &estimate)?;
        Ok(Jobs {
            estimate: Some(estimate),
            ..self.clone()
        })
    }

    pub fn len(&self) -> usize {
        self.release.len()
    }
    pub fn is_empty(&self) -> bool {
        self.release.is_empty()
    }
    pub fn release(&self) -> &[f64] {
        &self.release
    }
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }
    pub fn estimate(&self) -> Option<&[f64]> {
        self.estimate.as_deref()
    }
    /// n + 1 offsets into [`Jobs::sizes`].
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }
    /// Every operation size, job after job.
    pub fn sizes(&self) -> &[f64] {
        &self.sizes
    }
    /// Total size (sum of the operations) of each job.
    pub fn total(&self) -> &[f64] {
        &self.total
    }
    /// True when weights were given (even if all equal to 1).
    pub fn is_weighted(&self) -> bool {
        self.weighted
    }
    /// Number of operations of job `j`.
    #[inline(always)]
    pub fn num_ops(&self, j: usize) -> usize {
        self.offsets[j + 1] - self.offsets[j]
    }
    /// Size of operation `i` of job `j` (the caller keeps `i < num_ops(j)`).
    #[inline(always)]
    pub(crate) fn op(&self, j: usize, i: usize) -> f64 {
        self.sizes[self.offsets[j] + i]
    }
    /// Job ids in release order (ties by id).
    pub fn order(&self) -> &[u32] {
        &self.order
    }
    /// True when the ids are already in release order.
    pub fn is_release_sorted(&self) -> bool {
        self.sorted
    }
    /// Values indexed by rank (release order) rearranged to be indexed by job id.
    pub(crate) fn by_id(&self, by_rank: Vec<f64>) -> Vec<f64> {
        if self.sorted {
            return by_rank;
        }
        let mut out = vec![f64::NAN; by_rank.len()];
        for (r, &j) in self.order.iter().enumerate() {
            out[j as usize] = by_rank[r];
        }
        out
    }
}
