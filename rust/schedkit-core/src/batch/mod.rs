//! Batched evaluation: many candidate solutions of one instance at once, over threads.
//!
//! The single-machine evaluator checks every candidate and names the first bad row. The
//! others mark an invalid candidate (NaN, or -1 placed) and let the caller decide whether to
//! raise or keep the flag; none of them repairs a candidate.

pub mod dag;
pub mod flowtime;
pub mod packing;
pub mod single_machine;

use rayon::prelude::*;

/// Rows of a row-major `rows x width` array evaluated in parallel into `out`, in chunks big
/// enough that each task amortises its scratch state.
pub(crate) fn par_rows<T: Send, S>(
    data: &[i64],
    width: usize,
    out: &mut [T],
    make_scratch: impl Fn() -> S + Sync + Send,
    eval: impl Fn(&[i64], &mut S) -> T + Sync + Send,
) {
    let chunk_rows = (8192 / width.max(1)).max(1);
    if width == 0 {
        let mut scratch = make_scratch();
        out.iter_mut().for_each(|o| *o = eval(&[], &mut scratch));
        return;
    }
    out.par_chunks_mut(chunk_rows)
        .zip(data.par_chunks(chunk_rows * width))
        .for_each(|(vals, rows)| {
            let mut scratch = make_scratch();
            for (v, row) in vals.iter_mut().zip(rows.chunks_exact(width)) {
                *v = eval(row, &mut scratch);
            }
        });
}

/// True when `row` holds each of 0..n exactly once; `seen` is scratch of length >= n.
pub(crate) fn is_permutation(row: &[i64], n: usize, seen: &mut Vec<bool>) -> bool {
    seen.clear();
    seen.resize(n, false);
    row.len() == n
        && row.iter().all(|&j| {
            if j < 0 || j as usize >= n || seen[j as usize] {
                return false;
            }
            seen[j as usize] = true;
            true
        })
}
