//! `schedkit._core`: the thin PyO3 layer over schedkit-core. It converts arrays, maps core
//! errors to `schedkit.exceptions` (in `errors.rs`, the one place), releases the GIL for the
//! work, and holds no scheduling logic.

mod arrays;
mod batch;
mod dag;
mod errors;
mod fair;
mod flowtime;
mod interrupt;
mod packing;
mod tardiness;

/// The module in PyO3's declarative form: every class and function is exported by name here,
/// the registries and build facts are added once at initialisation.
#[pyo3::pymodule]
mod _core {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::batch::{
        batch_dag_orders, batch_dag_perturbed, batch_evaluate_sequences, batch_flowtime_orders, batch_packing,
    };
    #[pymodule_export]
    use crate::dag::{
        dag_cpop_path, dag_lower_bound, dag_online, dag_random, dag_ranks, dag_schedule, DagPlatform,
        DagTaskGraph,
    };
    #[pymodule_export]
    use crate::errors::_panic_in_helper;
    #[pymodule_export]
    use crate::fair::{fair_uwfq_virtual, FairEngine};
    #[pymodule_export]
    use crate::flowtime::{
        flowtime_lower_bound, flowtime_simulate, flowtime_simulate_callback, FlowtimeJobs,
    };
    #[pymodule_export]
    use crate::packing::{
        packing_explain, packing_fragment_rate, packing_heuristic, packing_kube, packing_kube_scores,
        packing_pending_messages, packing_vmr_greedy, PackingCluster,
    };
    #[pymodule_export]
    use crate::tardiness::{tardiness_solve, TardinessInstance};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "build_profile",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        )?;
        crate::tardiness::add_registries(m)?;
        crate::batch::add_registries(m)?;
        crate::dag::add_registries(m)?;
        crate::flowtime::add_registries(m)?;
        crate::fair::add_registries(m)?;
        crate::packing::add_registries(m)?;
        Ok(())
    }
}
