//! Array conversions shared by the bindings.

use std::ops::Range;

use numpy::ndarray::{s, Dimension};
use numpy::{PyReadonlyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use schedkit_core::CoreResult;

use crate::errors::{guard, guard_core, internal, IntoPy};

/// Input bytes per chunk of rows in [`in_row_chunks`]: small enough that the copy stays in
/// cache for the evaluator that reads it next, large enough that one GIL release and one
/// parallel dispatch per chunk cost nothing next to the work.
const CHUNK_BYTES: usize = 1 << 22;

/// An owned copy of a 1-D NumPy array (contiguous or not).
pub fn vec1<T: numpy::Element + Copy>(a: &PyReadonlyArray1<'_, T>) -> Vec<T> {
    owned(a)
}

/// An owned copy of a NumPy array of any dimension, in row-major (C) order: one memcpy for a
/// C-contiguous array, an element-wise walk otherwise (`as_slice` also accepts Fortran order,
/// whose memory is column-major, so the flag is checked here).
///
/// Work that runs with the GIL released must read such a copy, never the borrowed buffer:
/// the read-only borrow only stops Rust from writing, and any Python thread can write to the
/// array while the GIL is released.
pub fn owned<T: numpy::Element + Copy, D: Dimension>(a: &PyReadonlyArray<'_, T, D>) -> Vec<T> {
    if a.is_c_contiguous() {
        if let Ok(s) = a.as_slice() {
            return s.to_vec();
        }
    }
    a.as_array().iter().copied().collect()
}

/// How [`in_row_chunks`] keeps a chunk of rows still while it is evaluated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Copy the chunk with the GIL held, evaluate the copy with the GIL released. For
    /// evaluators that cost far more per row than copying it (DAG list scheduling).
    Copy,
    /// Evaluate the borrowed rows in place with the GIL held (the work still runs on every
    /// core: the worker threads need no GIL), releasing it between chunks. For evaluators
    /// about as cheap as a copy of their input, where a copy would double the time.
    Gil,
}

/// Runs `eval` over the rows of `a` (B x n) a chunk at a time; `eval` gets the chunk's rows
/// (row-major) and their row range in `a`. At least one call is made, with no rows when B = 0,
/// so the evaluator still checks its other arguments.
///
/// No borrowed NumPy buffer is ever read while the GIL is released, since another Python
/// thread could then write to it: rows are either read with the GIL held (`Hold::Gil`) or
/// copied first (`Hold::Copy`). Rows are independent, so a chunk is a consistent unit; between
/// chunks other threads may run and a pending Ctrl-C is raised as KeyboardInterrupt.
///
/// A panic in `eval` becomes `schedkit.exceptions.InternalError` (see [`crate::errors::guard`]).
pub fn in_row_chunks<T, F>(
    py: Python<'_>,
    a: &PyReadonlyArray2<'_, T>,
    hold: Hold,
    mut eval: F,
) -> PyResult<()>
where
    T: numpy::Element + Copy + Send + Sync,
    F: FnMut(&[T], Range<usize>) -> CoreResult<()> + Send,
{
    let view = a.as_array();
    let (b, n) = view.dim();
    let per = (CHUNK_BYTES / (n.max(1) * std::mem::size_of::<T>())).max(1);
    let mut buf: Vec<T> = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + per).min(b);
        let chunk = view.slice(s![start..end, ..]);
        match (hold, chunk.as_slice()) {
            (Hold::Gil, Some(rows)) => guard("a batch evaluation", || eval(rows, start..end).py(py))?,
            _ => {
                buf.clear();
                match chunk.as_slice() {
                    Some(rows) => buf.extend_from_slice(rows),
                    None => buf.extend(chunk.iter().copied()),
                }
                let rows = &buf;
                detach(py, "a batch evaluation", || eval(rows, start..end))?;
            }
        }
        start = end;
        if start >= b {
            return Ok(());
        }
        // let other Python threads run between chunks (nothing borrowed is read meanwhile)
        py.detach(|| ());
        py.check_signals()?;
    }
}

/// Runs a core call with the GIL released and maps its result: the error to its
/// `schedkit.exceptions` class, a panic to `InternalError` naming `what`. Bindings call the
/// core through this (or [`crate::interrupt::run_interruptible`] for long calls) rather than
/// `py.detach` directly, so no panic reaches Python as `PanicException`.
pub fn detach<T: Send>(
    py: Python<'_>,
    what: &str,
    work: impl FnOnce() -> CoreResult<T> + Send,
) -> PyResult<T> {
    match py.detach(|| guard_core(work)) {
        Ok(r) => r.py(py),
        Err(panic) => Err(internal(what, &panic)),
    }
}

/// Indices as the int64 values NumPy users expect.
pub fn as_i64(v: &[usize]) -> Vec<i64> {
    v.iter().map(|&x| x as i64).collect()
}
