//! Bindings of `schedkit_core::batch`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use schedkit_core::batch::dag::{self, DagPlatform};
use schedkit_core::batch::flowtime;
use schedkit_core::batch::packing::{self, PackingInstance};
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
    let flat = slice(py, &perms, "perms")?;
    let mut out = vec![0.0; perms.as_array().nrows()];
    let inst = &instance.inner;
    py.detach(|| single_machine::evaluate_sequences(inst, flat, objective, &mut out))
        .py(py)?;
    Ok(out.into_pyarray(py))
}

/// The data of a C-contiguous array (the Python layer always passes contiguous arrays).
fn slice<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    py: Python<'_>,
    a: &'a numpy::PyReadonlyArray<'_, T, D>,
    field: &str,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| CoreError::invalid(field, None, "must be a C-contiguous array"))
        .py(py)
}

/// The DAG and platform arrays both DAG evaluators take, as one argument group.
struct DagArgs<'py> {
    cost: PyReadonlyArray2<'py, f64>,
    pred_ptr: PyReadonlyArray1<'py, i64>,
    pred_idx: PyReadonlyArray1<'py, i64>,
    pred_data: PyReadonlyArray1<'py, f64>,
    bandwidth: PyReadonlyArray2<'py, f64>,
    latency: PyReadonlyArray1<'py, f64>,
}

impl DagArgs<'_> {
    fn platform<'a>(&'a self, py: Python<'_>) -> PyResult<DagPlatform<'a>> {
        let (n, q) = self.cost.as_array().dim();
        Ok(DagPlatform {
            cost: slice(py, &self.cost, "cost")?,
            n,
            q,
            pred_ptr: slice(py, &self.pred_ptr, "pred_ptr")?,
            pred_idx: slice(py, &self.pred_idx, "pred_idx")?,
            pred_data: slice(py, &self.pred_data, "pred_data")?,
            bandwidth: slice(py, &self.bandwidth, "bandwidth")?,
            latency: slice(py, &self.latency, "latency")?,
        })
    }
}

/// Makespans of B task orders under non-insertion list scheduling (NaN marks an invalid row).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn batch_dag_orders<'py>(
    py: Python<'py>,
    cost: PyReadonlyArray2<'py, f64>,
    pred_ptr: PyReadonlyArray1<'py, i64>,
    pred_idx: PyReadonlyArray1<'py, i64>,
    pred_data: PyReadonlyArray1<'py, f64>,
    bandwidth: PyReadonlyArray2<'py, f64>,
    latency: PyReadonlyArray1<'py, f64>,
    orders: PyReadonlyArray2<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let args = DagArgs {
        cost,
        pred_ptr,
        pred_idx,
        pred_data,
        bandwidth,
        latency,
    };
    let g = args.platform(py)?;
    let rows = slice(py, &orders, "orders")?;
    let mut out = vec![0.0; orders.as_array().nrows()];
    py.detach(|| dag::list_schedule_makespans(&g, rows, &mut out))
        .py(py)?;
    Ok(out.into_pyarray(py))
}

/// Makespans of one fixed DAG schedule under S rows of duration factors.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn batch_dag_perturbed<'py>(
    py: Python<'py>,
    cost: PyReadonlyArray2<'py, f64>,
    pred_ptr: PyReadonlyArray1<'py, i64>,
    pred_idx: PyReadonlyArray1<'py, i64>,
    pred_data: PyReadonlyArray1<'py, f64>,
    bandwidth: PyReadonlyArray2<'py, f64>,
    latency: PyReadonlyArray1<'py, f64>,
    assignment: PyReadonlyArray1<'py, i64>,
    order: PyReadonlyArray1<'py, i64>,
    factors: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let args = DagArgs {
        cost,
        pred_ptr,
        pred_idx,
        pred_data,
        bandwidth,
        latency,
    };
    let g = args.platform(py)?;
    let (asg, ord) = (slice(py, &assignment, "assignment")?, slice(py, &order, "order")?);
    let fac = slice(py, &factors, "factors")?;
    let mut out = vec![0.0; factors.as_array().nrows()];
    py.detach(|| dag::perturbed_makespans(&g, asg, ord, fac, &mut out))
        .py(py)?;
    Ok(out.into_pyarray(py))
}

/// Total weighted flow time of B non-preemptive orders on one machine (NaN marks an invalid row).
#[pyfunction]
fn batch_flowtime_orders<'py>(
    py: Python<'py>,
    release: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    weight: PyReadonlyArray1<'py, f64>,
    orders: PyReadonlyArray2<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (r, s) = (slice(py, &release, "release")?, slice(py, &size, "size")?);
    let (w, o) = (slice(py, &weight, "weight")?, slice(py, &orders, "orders")?);
    let mut out = vec![0.0; orders.as_array().nrows()];
    py.detach(|| flowtime::order_flow_times(r, s, w, o, &mut out))
        .py(py)?;
    Ok(out.into_pyarray(py))
}

/// (placed, fragment rate) of B pod-to-node assignments ((-1, NaN) marks an invalid row).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn batch_packing<'py>(
    py: Python<'py>,
    node_cpu: PyReadonlyArray1<'py, f64>,
    node_mem: PyReadonlyArray1<'py, f64>,
    pod_cpu: PyReadonlyArray1<'py, f64>,
    pod_mem: PyReadonlyArray1<'py, f64>,
    assignments: PyReadonlyArray2<'py, i64>,
    probe_cpu: f64,
    probe_mem: f64,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>)> {
    let inst = PackingInstance {
        node_cpu: slice(py, &node_cpu, "node_cpu")?,
        node_mem: slice(py, &node_mem, "node_mem")?,
        pod_cpu: slice(py, &pod_cpu, "pod_cpu")?,
        pod_mem: slice(py, &pod_mem, "pod_mem")?,
        probe_cpu,
        probe_mem,
    };
    let rows = slice(py, &assignments, "assignments")?;
    let b = assignments.as_array().nrows();
    let (mut placed, mut frag) = (vec![0i64; b], vec![0.0; b]);
    py.detach(|| packing::evaluate(&inst, rows, &mut placed, &mut frag))
        .py(py)?;
    Ok((placed.into_pyarray(py), frag.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(batch_evaluate_sequences, m)?)?;
    m.add_function(wrap_pyfunction!(batch_dag_orders, m)?)?;
    m.add_function(wrap_pyfunction!(batch_dag_perturbed, m)?)?;
    m.add_function(wrap_pyfunction!(batch_flowtime_orders, m)?)?;
    m.add_function(wrap_pyfunction!(batch_packing, m)?)?;
    Ok(())
}
