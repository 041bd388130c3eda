//! The single place where core errors become Python exceptions of `schedkit.exceptions`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::{CoreError, CoreResult};

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

/// A bug, not bad input (a worker thread died, or the core panicked): raised as
/// `schedkit.exceptions.InternalError`, a `SchedkitError`, naming the call and the panic
/// message, never as PyO3's `PanicException` (a `BaseException` that `except Exception`
/// would not catch).
pub fn internal(what: &str, detail: &str) -> PyErr {
    let message = format!("internal error in {what}: {detail}; please report it");
    Python::attach(|py| {
        py.import("schedkit.exceptions")
            .and_then(|m| m.getattr("InternalError"))
            .and_then(|class| class.call1((message.as_str(),)))
            .map(PyErr::from_value)
            .unwrap_or_else(|_| PyRuntimeError::new_err(message.clone()))
    })
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "a panic without a message"
    }
}

/// Runs `work`, turning a panic inside it into [`internal`]'s error for `what`. Every call
/// into the core from the shared helpers (`arrays::in_row_chunks`, `arrays::detach`,
/// `interrupt::run_interruptible`) goes through here, so no panic reaches Python as
/// `PanicException`. The default panic hook still prints the location on stderr, which a
/// bug report needs.
pub fn guard<T>(what: &str, work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|payload| Err(internal(what, panic_text(payload.as_ref()))))
}

/// As [`guard`], for core calls made with the GIL released: the panic is caught on this
/// thread and becomes a plain message, and the Python error is built once the caller holds
/// the GIL again.
pub fn guard_core<T>(work: impl FnOnce() -> CoreResult<T>) -> Result<CoreResult<T>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .map_err(|payload| panic_text(payload.as_ref()).to_string())
}

/// Panics inside one of the shared call helpers (`how`: `"detach"`, `"interruptible"`,
/// `"chunks"` or `"gil_chunks"`), so a test can check that a core panic reaches Python as
/// `InternalError`. Not public API.
#[pyfunction]
pub fn _panic_in_helper(py: Python<'_>, how: &str) -> PyResult<()> {
    use crate::arrays::{detach, in_row_chunks, Hold};
    use numpy::{PyArray2, PyArrayMethods};
    let boom = |_: &[i64], _: std::ops::Range<usize>| -> CoreResult<()> { panic!("test panic in {how}") };
    let rows = PyArray2::<i64>::zeros(py, [1, 1], false).readonly();
    match how {
        "detach" => detach(py, "a test call", || -> CoreResult<()> {
            panic!("test panic in detach")
        }),
        "interruptible" => crate::interrupt::run_interruptible(py, "a test call", |_| -> CoreResult<()> {
            panic!("test panic in a worker thread")
        }),
        "chunks" => in_row_chunks(py, &rows, Hold::Copy, boom),
        "gil_chunks" => in_row_chunks(py, &rows, Hold::Gil, boom),
        _ => Err(CoreError::invalid("how", None, format!("unknown helper {how:?}"))).py(py),
    }
}
