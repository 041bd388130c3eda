//! The single place where core errors become Python exceptions of `schedkit.exceptions`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::CoreError;

/// Builds the `schedkit.exceptions` instance for a core error. `InvalidInstanceError` carries
/// `field` and `index` attributes so callers can point at the bad value.
pub fn to_pyerr(py: Python<'_>, err: CoreError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("schedkit.exceptions")?;
        let message = err.to_string();
        let (class, kwargs) = match &err {
            CoreError::InvalidInstance { field, index, .. } => {
                let kwargs = PyDict::new(py);
                kwargs.set_item("field", field)?;
                kwargs.set_item("index", index)?;
                ("InvalidInstanceError", Some(kwargs))
            }
            CoreError::Cycle { field, tasks } => {
                let kwargs = PyDict::new(py);
                kwargs.set_item("field", field)?;
                kwargs.set_item("cycle", tasks)?;
                ("InvalidInstanceError", Some(kwargs))
            }
            CoreError::Infeasible(_) => ("InfeasibleError", None),
            CoreError::Interrupted => return Ok(PyKeyboardInterrupt::new_err("interrupted")),
        };
        let instance = module.getattr(class)?.call((message,), kwargs.as_ref())?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// Extension for core results: `.py(py)?` maps the error.
pub trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, CoreError> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, e))
    }
}

/// A worker thread died: report it as a bug rather than crash the interpreter.
pub fn internal(what: &str) -> PyErr {
    PyRuntimeError::new_err(format!("schedkit internal error in {what}; please report it"))
}
