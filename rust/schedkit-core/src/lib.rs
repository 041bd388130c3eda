//! schedkit-core: scheduling algorithms, simulators and independent validators.
//!
//! Pure Rust, no Python. Every public entry point validates its input and returns
//! [`CoreError`] instead of panicking, so the binding layer can map every failure to a
//! Python exception in one place.

pub mod batch;
pub mod budget;
pub mod dag;
pub mod error;
pub mod fair;
pub mod flowtime;
pub mod packing;
pub mod tardiness;
pub mod util;

pub use budget::Budget;
pub use error::{CoreError, CoreResult};
