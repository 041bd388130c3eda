//! `schedkit._core`: the thin PyO3 layer over schedkit-core. It converts arrays, maps core
//! errors to `schedkit.exceptions` (in `errors.rs`, the one place), releases the GIL for the
//! work, and holds no scheduling logic.

use pyo3::prelude::*;

mod arrays;
mod batch;
mod dag;
mod errors;
mod fair;
mod flowtime;
mod interrupt;
mod packing;
mod tardiness;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "build_profile",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    tardiness::register(m)?;
    batch::register(m)?;
    dag::register(m)?;
    flowtime::register(m)?;
    fair::register(m)?;
    packing::register(m)?;
    Ok(())
}
