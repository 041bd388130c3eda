//! Objectives of B permutations of one single-machine instance.

use rayon::prelude::*;

use crate::error::{CoreError, CoreResult};
use crate::tardiness::Instance;
use crate::util::{lookup, Entry};

/// The single-machine objectives a batch can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Σ T_j (weights ignored).
    TotalTardiness,
    /// Σ w_j T_j.
    TotalWeightedTardiness,
    /// Σ C_j (weights ignored).
    TotalCompletionTime,
    /// max_j (C_j - d_j).
    MaxLateness,
}

/// The objectives [`evaluate_sequences`] computes, by name.
pub const OBJECTIVES: [Entry<Objective>; 4] = [
    Entry {
        name: "total_tardiness",
        summary: "sum of T_j = max(C_j - d_j, 0) (weights ignored)",
        item: Objective::TotalTardiness,
    },
    Entry {
        name: "total_weighted_tardiness",
        summary: "sum of w_j T_j",
        item: Objective::TotalWeightedTardiness,
    },
    Entry {
        name: "total_completion_time",
        summary: "sum of C_j (weights ignored)",
        item: Objective::TotalCompletionTime,
    },
    Entry {
        name: "max_lateness",
        summary: "max of C_j - d_j (-inf for no jobs)",
        item: Objective::MaxLateness,
    },
];

impl Objective {
    /// The objective named `name` of [`OBJECTIVES`]; otherwise an invalid `objective` error.
    pub fn parse(name: &str) -> CoreResult<Self> {
        Ok(lookup(&OBJECTIVES, name, "objective", "objective")?.item)
    }
}

/// Checks one row, reusing `scratch` across rows.
fn row_is_permutation(row: &[i64], n: usize, scratch: &mut Vec<bool>) -> Result<(), String> {
    scratch.clear();
    scratch.resize(n, false);
    for &j in row {
        if j < 0 || j as usize >= n {
            return Err(format!("job id {j} out of range 0..{n}"));
        }
        let j = j as usize;
        if scratch[j] {
            return Err(format!("job id {j} repeated"));
        }
        scratch[j] = true;
    }
    Ok(())
}

fn evaluate_row(inst: &Instance, row: &[i64], objective: Objective) -> f64 {
    let (p, d, w) = (inst.p(), inst.d(), inst.w());
    let mut t = 0.0;
    match objective {
        Objective::TotalTardiness => row.iter().fold(0.0, |acc, &j| {
            t += p[j as usize];
            acc + (t - d[j as usize]).max(0.0)
        }),
        Objective::TotalWeightedTardiness => row.iter().fold(0.0, |acc, &j| {
            t += p[j as usize];
            acc + w[j as usize] * (t - d[j as usize]).max(0.0)
        }),
        Objective::TotalCompletionTime => row.iter().fold(0.0, |acc, &j| {
            t += p[j as usize];
            acc + t
        }),
        Objective::MaxLateness => row.iter().fold(f64::NEG_INFINITY, |acc, &j| {
            t += p[j as usize];
            acc.max(t - d[j as usize])
        }),
    }
}

/// Evaluates `perms`, a row-major B x n array of job ids, into `out` (length B).
/// Every row is checked to be a permutation of 0..n; the first bad row (lowest index) is
/// reported as `perms[row]`. For n = 0 the max lateness of the empty sequence is -inf.
pub fn evaluate_sequences(
    inst: &Instance,
    perms: &[i64],
    objective: Objective,
    out: &mut [f64],
) -> CoreResult<()> {
    let n = inst.len();
    let b = out.len();
    if perms.len() != b * n {
        return Err(CoreError::invalid(
            "perms",
            None,
            format!("has {} entries, expected B x n = {b} x {n}", perms.len()),
        ));
    }
    if n == 0 {
        let empty = if objective == Objective::MaxLateness {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        out.iter_mut().for_each(|v| *v = empty);
        return Ok(());
    }
    // Rows in chunks so each task amortises its scratch buffer.
    let chunk_rows = (4096 / n).max(1);
    let bad: Option<(usize, String)> = out
        .par_chunks_mut(chunk_rows)
        .zip(perms.par_chunks(chunk_rows * n))
        .enumerate()
        .filter_map(|(c, (vals, rows))| {
            let mut scratch = Vec::with_capacity(n);
            for (r, (v, row)) in vals.iter_mut().zip(rows.chunks_exact(n)).enumerate() {
                if let Err(msg) = row_is_permutation(row, n, &mut scratch) {
                    return Some((c * chunk_rows + r, msg));
                }
                *v = evaluate_row(inst, row, objective);
            }
            None
        })
        .min_by_key(|(row, _)| *row);
    match bad {
        Some((row, msg)) => Err(CoreError::invalid("perms", Some(row), msg)),
        None => Ok(()),
    }
}
