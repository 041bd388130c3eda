//! Bindings of `schedkit_core::batch`: each evaluator takes its area's core object and the
//! candidate arrays, and runs on all cores with the GIL released.
//!
//! Candidate rows are never read from a borrowed NumPy buffer while the GIL is released (another
//! Python thread could write to it then): the DAG evaluators copy each chunk of rows and release
//! the GIL for the work; the cheap ones, where a copy would cost as much as the evaluation,
//! keep the GIL for each chunk (see [`in_row_chunks`]).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use schedkit_core::batch::single_machine::{self, Objective, OBJECTIVES};
use schedkit_core::batch::{dag, flowtime, packing};

use crate::arrays::{in_row_chunks, owned, Hold};
use crate::dag::{DagPlatform, DagTaskGraph};
use crate::errors::IntoPy;
use crate::flowtime::FlowtimeJobs;
use crate::packing::PackingCluster;
use crate::tardiness::TardinessInstance;

type F64Array<'py> = Bound<'py, PyArray1<f64>>;

/// Objectives of the rows of `perms` (B x n, int64).
#[pyfunction]
pub(crate) fn batch_evaluate_sequences<'py>(
    py: Python<'py>,
    instance: &TardinessInstance,
    perms: PyReadonlyArray2<'py, i64>,
    objective: &str,
) -> PyResult<F64Array<'py>> {
    let objective = Objective::parse(objective).py(py)?;
    let mut out = vec![0.0; perms.as_array().nrows()];
    let inst = &instance.inner;
    in_row_chunks(py, &perms, Hold::Gil, |rows, at| {
        single_machine::evaluate_sequences(inst, rows, objective, &mut out[at])
    })?;
    Ok(out.into_pyarray(py))
}

/// Makespans of B task orders (B x n) under non-insertion list scheduling (NaN marks an
/// invalid row).
#[pyfunction]
pub(crate) fn batch_dag_orders<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
    orders: PyReadonlyArray2<'py, i64>,
) -> PyResult<F64Array<'py>> {
    let (g, p) = (&graph.inner, &platform.inner);
    let mut out = vec![0.0; orders.as_array().nrows()];
    in_row_chunks(py, &orders, Hold::Copy, |rows, at| {
        dag::list_schedule_makespans(g, p, rows, &mut out[at])
    })?;
    Ok(out.into_pyarray(py))
}

/// Makespans of one fixed DAG schedule (processor per task, dispatch order) under S rows of
/// duration factors (S x n).
#[pyfunction]
pub(crate) fn batch_dag_perturbed<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
    assignment: PyReadonlyArray1<'py, i64>,
    order: PyReadonlyArray1<'py, i64>,
    factors: PyReadonlyArray2<'py, f64>,
) -> PyResult<F64Array<'py>> {
    let (g, p) = (&graph.inner, &platform.inner);
    let (assignment, order) = (owned(&assignment), owned(&order));
    let mut out = vec![0.0; factors.as_array().nrows()];
    in_row_chunks(py, &factors, Hold::Copy, |rows, at| {
        dag::perturbed_makespans(g, p, &assignment, &order, rows, &mut out[at])
    })?;
    Ok(out.into_pyarray(py))
}

/// Total weighted flow time of B non-preemptive job orders (B x n) on one machine (NaN marks
/// an invalid row).
#[pyfunction]
pub(crate) fn batch_flowtime_orders<'py>(
    py: Python<'py>,
    jobs: &FlowtimeJobs,
    orders: PyReadonlyArray2<'py, i64>,
) -> PyResult<F64Array<'py>> {
    let jobs = &jobs.inner;
    let mut out = vec![0.0; orders.as_array().nrows()];
    in_row_chunks(py, &orders, Hold::Gil, |rows, at| {
        flowtime::order_flow_times(jobs, rows, &mut out[at])
    })?;
    Ok(out.into_pyarray(py))
}

/// (placed, fragment rate) of B pod-to-node assignments (B x M) against the probe request
/// ((-1, NaN) marks an invalid row).
#[pyfunction]
pub(crate) fn batch_packing<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    assignments: PyReadonlyArray2<'py, i64>,
    probe_cpu: f64,
    probe_mem: f64,
) -> PyResult<(Bound<'py, PyArray1<i64>>, F64Array<'py>)> {
    let c = &cluster.inner;
    let b = assignments.as_array().nrows();
    let (mut placed, mut frag) = (vec![0i64; b], vec![0.0; b]);
    in_row_chunks(py, &assignments, Hold::Gil, |rows, at| {
        packing::evaluate(
            c,
            probe_cpu,
            probe_mem,
            rows,
            &mut placed[at.clone()],
            &mut frag[at],
        )
    })?;
    Ok((placed.into_pyarray(py), frag.into_pyarray(py)))
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The registry as (name, summary) rows; `schedkit.batch.OBJECTIVES` is built from it.
    let objectives: Vec<_> = OBJECTIVES.iter().map(|e| (e.name, e.summary)).collect();
    m.add("BATCH_OBJECTIVES", objectives)?;
    Ok(())
}
