//! Bindings of `schedkit_core::batch`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use schedkit_core::batch::single_machine::{self, Objective};
use schedkit_core::CoreError;

use crate::errors::IntoPy;
use crate::tardiness::TardinessInstance;

/// Objectives of the rows of `perms` (B x n, int64), computed on all cores with the GIL released.
#[pyfunction]
fn batch_evaluate_sequences<'py>(
    py: Python<'py>,
    instance: &TardinessInstance,
    perms: PyReadonlyArray2<'py, i64>,
    objective: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let objective = Objective::from_name(objective)
        .ok_or_else(|| CoreError::invalid("objective", None, format!("unknown objective {objective:?}")))
        .py(py)?;
    let b = perms.as_array().nrows();
    // A non-contiguous view is copied once; a C-contiguous array is read in place.
    let owned;
    let flat: &[i64] = match perms.as_slice() {
        Ok(s) => s,
        Err(_) => {
            owned = perms.as_array().iter().copied().collect::<Vec<i64>>();
            &owned
        }
    };
    let mut out = vec![0.0; b];
    let inst = &instance.inner;
    py.detach(|| single_machine::evaluate_sequences(inst, flat, objective, &mut out)).py(py)?;
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(batch_evaluate_sequences, m)?)?;
    Ok(())
}
