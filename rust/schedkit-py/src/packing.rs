//! Bindings of `schedkit_core::packing`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use schedkit_core::packing::heuristics::{self, HeuristicOptions};
use schedkit_core::packing::kube::{self, KubeOptions, Strategy};
use schedkit_core::packing::{vmr, Cluster};
use schedkit_core::{Budget, CoreError};

use crate::arrays::vec1;
use crate::errors::IntoPy;
use crate::interrupt::run_interruptible;

/// A validated cluster owned by Rust; `schedkit.packing.Cluster` wraps it.
#[pyclass(module = "schedkit._core", frozen)]
pub(crate) struct PackingCluster {
    pub inner: Cluster,
}

#[pymethods]
impl PackingCluster {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        node_cpu: PyReadonlyArray1<'_, i64>,
        node_mem: PyReadonlyArray1<'_, i64>,
        node_pods: PyReadonlyArray1<'_, i64>,
        pod_cpu: PyReadonlyArray1<'_, i64>,
        pod_mem: PyReadonlyArray1<'_, i64>,
        pod_priority: PyReadonlyArray1<'_, i64>,
        pod_node: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<Self> {
        let inner = Cluster::new(
            vec1(&node_cpu),
            vec1(&node_mem),
            vec1(&node_pods),
            vec1(&pod_cpu),
            vec1(&pod_mem),
            vec1(&pod_priority),
            vec1(&pod_node),
        )
        .py(py)?;
        Ok(PackingCluster { inner })
    }
}

type KubeTuple<'py> = (Bound<'py, PyArray1<i64>>, Vec<(usize, usize, Vec<usize>)>);

#[pyfunction]
#[pyo3(signature = (cluster, *, strategy="least", shape=None, resource_weights=(1, 1), fit_weight=1,
                    balanced_weight=1, preemption=true, seed=None, node_rank=None, sample_nodes=true,
                    requeue_victims=true, protected=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn packing_kube<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    strategy: &str,
    shape: Option<Vec<(i64, i64)>>,
    resource_weights: (i64, i64),
    fit_weight: i64,
    balanced_weight: i64,
    preemption: bool,
    seed: Option<u64>,
    node_rank: Option<PyReadonlyArray1<'_, i64>>,
    sample_nodes: bool,
    requeue_victims: bool,
    protected: Option<Vec<bool>>,
) -> PyResult<KubeTuple<'py>> {
    let strategy = match strategy {
        "least" | "LeastAllocated" => Strategy::LeastAllocated,
        "most" | "MostAllocated" => Strategy::MostAllocated,
        "rtcr" | "RequestedToCapacityRatio" => {
            Strategy::RequestedToCapacityRatio(shape.unwrap_or_else(|| vec![(0, 10), (100, 0)]))
        }
        other => {
            return Err(CoreError::invalid(
                "strategy",
                None,
                format!("unknown scoring strategy {other:?}: least, most, rtcr"),
            ))
            .py(py)
        }
    };
    let opts = KubeOptions {
        strategy,
        resource_weights,
        fit_weight,
        balanced_weight,
        preemption,
        seed,
        node_rank: node_rank.map(|a| vec1(&a)).unwrap_or_default(),
        sample_nodes,
        requeue_victims,
        protected: protected.unwrap_or_default(),
    };
    let c = &cluster.inner;
    let out = run_interruptible(py, "packing_kube", |stop| {
        kube::simulate(c, &opts, &Budget::new(None, Some(stop)))
    })?;
    Ok((out.assignment.into_pyarray(py), out.preemptions))
}

#[pyfunction]
#[pyo3(signature = (cluster, method, *, size="sum", weights="average", repack=false, protected=None))]
pub(crate) fn packing_heuristic<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    method: &str,
    size: &str,
    weights: &str,
    repack: bool,
    protected: Option<Vec<bool>>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let opts = HeuristicOptions {
        size: heuristics::parse_size(size).py(py)?,
        weights: heuristics::parse_weights(weights).py(py)?,
        repack,
        protected: protected.unwrap_or_default(),
    };
    let c = &cluster.inner;
    let method = method.to_string();
    let a = run_interruptible(py, "packing_heuristic", |stop| {
        heuristics::place(c, &method, &opts, &Budget::new(None, Some(stop)))
    })?;
    Ok(a.into_pyarray(py))
}

type VmrTuple<'py> = (Bound<'py, PyArray1<i64>>, Vec<(usize, usize, usize)>);

#[pyfunction]
#[pyo3(signature = (cluster, probe_cpu, k, frozen=None))]
pub(crate) fn packing_vmr_greedy<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    probe_cpu: i64,
    k: usize,
    frozen: Option<Vec<bool>>,
) -> PyResult<VmrTuple<'py>> {
    let c = &cluster.inner;
    let frozen = frozen.unwrap_or_default();
    let (a, moves) = py.detach(|| vmr::greedy(c, probe_cpu, k, &frozen)).py(py)?;
    Ok((a.into_pyarray(py), moves))
}

#[pyfunction]
pub(crate) fn packing_fragment_rate(
    cluster: &PackingCluster,
    assignment: PyReadonlyArray1<'_, i64>,
    probe_cpu: i64,
) -> f64 {
    // A copy, not `as_slice().unwrap_or(&[])`: that read a strided array as no assignment.
    vmr::fragment_rate(&cluster.inner, &vec1(&assignment), probe_cpu.max(1))
}

#[pyfunction]
pub(crate) fn packing_kube_scores(
    strategy: &str,
    shape: Option<Vec<(i64, i64)>>,
    req: (i64, i64),
    alloc: (i64, i64),
) -> (i64, i64) {
    let s = match strategy {
        "most" => Strategy::MostAllocated,
        "rtcr" => Strategy::RequestedToCapacityRatio(shape.unwrap_or_else(|| vec![(0, 10), (100, 0)])),
        _ => Strategy::LeastAllocated,
    };
    let (r, a) = ([req.0, req.1], [alloc.0, alloc.1]);
    (kube::fit_score(&s, (1, 1), r, a), kube::balanced_score(r, a))
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The registries as (name, summary, ...) rows; the Python tables are built from them.
    let kube: Vec<_> = kube::METHODS
        .iter()
        .map(|e| (e.name, e.summary, e.item.preemption))
        .collect();
    m.add("PACKING_KUBE_METHODS", kube)?;
    let heuristics: Vec<_> = heuristics::METHODS.iter().map(|e| (e.name, e.summary)).collect();
    m.add("PACKING_HEURISTICS", heuristics)?;
    Ok(())
}
