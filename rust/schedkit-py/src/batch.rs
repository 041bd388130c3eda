//! Bindings of `schedkit_core::batch`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use schedkit_core::batch::dag::{self, DagPlatform};
use schedkit_core::batch::packing::{self, PackingInstance};
use schedkit_core::batch::single_machine::{self, Objective};
use schedkit_core::batch::flowtime;
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
    let view = perms.as_array();
    let b = view.nrows();
    let flat = contiguous(&view);
    let mut out = vec![0.0; b];
    let inst = &instance.inner;
    py.detach(|| single_machine::evaluate_sequences(inst, &flat, objective, &mut out)).py(py)?;
    Ok(out.into_pyarray(py))
}

/// A row-major copy-free view when the array is C-contiguous, else one copy.
fn contiguous<'a, T: Copy, D: numpy::ndarray::Dimension>(a: &'a numpy::ndarray::ArrayView<'_, T, D>) -> std::borrow::Cow<'a, [T]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
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
    let (cost_v, bw_v, ord_v) = (cost.as_array(), bandwidth.as_array(), orders.as_array());
    let (n, q) = cost_v.dim();
    let (cost_s, bw_s, ord_s) = (contiguous(&cost_v), contiguous(&bw_v), contiguous(&ord_v));
    let (pp, pi, pd, lat) = (pred_ptr.as_array(), pred_idx.as_array(), pred_data.as_array(), latency.as_array());
    let (pp, pi, pd, lat) = (contiguous(&pp), contiguous(&pi), contiguous(&pd), contiguous(&lat));
    let g = DagPlatform { cost: &cost_s, n, q, pred_ptr: &pp, pred_idx: &pi, pred_data: &pd, bandwidth: &bw_s, latency: &lat };
    let mut out = vec![0.0; ord_v.nrows()];
    py.detach(|| dag::list_schedule_makespans(&g, &ord_s, &mut out)).py(py)?;
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
    let (cost_v, bw_v, fac_v) = (cost.as_array(), bandwidth.as_array(), factors.as_array());
    let (n, q) = cost_v.dim();
    let (cost_s, bw_s, fac_s) = (contiguous(&cost_v), contiguous(&bw_v), contiguous(&fac_v));
    let (pp, pi, pd, lat) = (pred_ptr.as_array(), pred_idx.as_array(), pred_data.as_array(), latency.as_array());
    let (pp, pi, pd, lat) = (contiguous(&pp), contiguous(&pi), contiguous(&pd), contiguous(&lat));
    let (asg, ord) = (assignment.as_array(), order.as_array());
    let (asg, ord) = (contiguous(&asg), contiguous(&ord));
    let g = DagPlatform { cost: &cost_s, n, q, pred_ptr: &pp, pred_idx: &pi, pred_data: &pd, bandwidth: &bw_s, latency: &lat };
    let mut out = vec![0.0; fac_v.nrows()];
    py.detach(|| dag::perturbed_makespans(&g, &asg, &ord, &fac_s, &mut out)).py(py)?;
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
    let (r, s, w, o) = (release.as_array(), size.as_array(), weight.as_array(), orders.as_array());
    let (r_s, s_s, w_s, o_s) = (contiguous(&r), contiguous(&s), contiguous(&w), contiguous(&o));
    let mut out = vec![0.0; o.nrows()];
    py.detach(|| flowtime::order_flow_times(&r_s, &s_s, &w_s, &o_s, &mut out)).py(py)?;
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
    let (nc, nm, pc, pm) = (node_cpu.as_array(), node_mem.as_array(), pod_cpu.as_array(), pod_mem.as_array());
    let (nc, nm, pc, pm) = (contiguous(&nc), contiguous(&nm), contiguous(&pc), contiguous(&pm));
    let a = assignments.as_array();
    let a_s = contiguous(&a);
    let inst = PackingInstance { node_cpu: &nc, node_mem: &nm, pod_cpu: &pc, pod_mem: &pm, probe_cpu, probe_mem };
    let b = a.nrows();
    let (mut placed, mut frag) = (vec![0i64; b], vec![0.0; b]);
    py.detach(|| packing::evaluate(&inst, &a_s, &mut placed, &mut frag)).py(py)?;
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
