//! Bindings of `schedkit_core::packing`.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::packing::constraints::{Constraints, Term, TermKind};
use schedkit_core::packing::heuristics::{self, HeuristicOptions};
use schedkit_core::packing::kube::{self, KubeOptions, Strategy};
use schedkit_core::packing::{vmr, Cluster};
use schedkit_core::{Budget, CoreError};

use crate::arrays::{detach, vec1};
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
    #[pyo3(signature = (node_cpu, node_mem, node_pods, pod_cpu, pod_mem, pod_priority, pod_node, cons=None))]
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
        cons: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let cons = match cons {
            Some(d) => Some(constraints_from(d)?),
            None => None,
        };
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
        let inner = match cons {
            Some(cons) => inner.with_constraints(cons).py(py)?,
            None => inner,
        };
        Ok(PackingCluster { inner })
    }
}

/// `d[key]` converted, or the default when absent.
fn item<'py, T>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py> + Default,
    for<'a> <T as FromPyObject<'a, 'py>>::Error: Into<PyErr>,
{
    match d.get_item(key)? {
        Some(v) => v.extract::<T>().map_err(Into::into),
        None => Ok(T::default()),
    }
}

type TermTuple = (String, i64, i64, Vec<i32>, Vec<bool>, Vec<usize>, bool, bool);

/// The constraint dict the Python side compiles (see `schedkit.packing._compile`).
fn constraints_from(d: &Bound<'_, PyDict>) -> PyResult<Constraints> {
    let py = d.py();
    let terms: Vec<TermTuple> = item(d, "terms")?;
    let mut out = Vec::with_capacity(terms.len());
    for (kind, weight, min_domains, domain, eligible, targets, hostname, system_default) in terms {
        out.push(Term {
            kind: TermKind::parse(&kind).py(py)?,
            weight,
            min_domains,
            domain,
            eligible,
            targets,
            hostname,
            system_default,
            num_domains: 0,
        });
    }
    Ok(Constraints {
        res_names: item(d, "res_names")?,
        node_res: item(d, "node_res")?,
        pod_res: item(d, "pod_res")?,
        pod_cpu_score: item(d, "pod_cpu_score")?,
        pod_mem_score: item(d, "pod_mem_score")?,
        pod_class: item(d, "pod_class")?,
        class_filter: item(d, "class_filter")?,
        reasons: item(d, "reasons")?,
        class_taint: item(d, "class_taint")?,
        class_affinity: item(d, "class_affinity")?,
        terms: out,
        owned: item(d, "owned")?,
        pdb_allowed: item(d, "pdb_allowed")?,
        pod_pdbs: item(d, "pod_pdbs")?,
        never_preempt: item(d, "never_preempt")?,
        start_rank: item(d, "start_rank")?,
        target_of: Vec::new(),
    })
}

fn parse_strategy(strategy: &str, shape: Option<Vec<(i64, i64)>>) -> Result<Strategy, CoreError> {
    Ok(match strategy {
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
        }
    })
}

/// The simulation options from the dict `schedkit.packing._place` builds (one place).
fn kube_options(py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<KubeOptions> {
    let strategy: String = d
        .get_item("strategy")?
        .map(|v| v.extract())
        .transpose()?
        .unwrap_or("least".into());
    let shape: Option<Vec<(i64, i64)>> = item(d, "shape")?;
    let mut o = KubeOptions {
        strategy: parse_strategy(&strategy, shape).py(py)?,
        ..Default::default()
    };
    if let Some(v) = d.get_item("fit_resources")? {
        o.fit_resources = v.extract()?;
    }
    if let Some(v) = d.get_item("balanced_resources")? {
        o.balanced_resources = v.extract()?;
    }
    if let Some(v) = d.get_item("weights")? {
        let w: Vec<i64> = v.extract()?;
        if w.len() != 6 {
            return Err(CoreError::invalid("plugin_weights", None, "expected 6 weights")).py(py);
        }
        o.weights.copy_from_slice(&w);
    }
    if let Some(v) = d.get_item("hard_pod_affinity_weight")? {
        o.hard_pod_affinity_weight = v.extract()?;
    }
    if let Some(v) = d.get_item("pct_nodes_to_score")? {
        o.pct_nodes_to_score = v.extract()?;
    }
    o.preemption = d
        .get_item("preemption")?
        .map(|v| v.extract())
        .transpose()?
        .unwrap_or(true);
    o.seed = item(d, "seed")?;
    o.node_rank = item(d, "node_rank")?;
    o.sample_nodes = d
        .get_item("sample_nodes")?
        .map(|v| v.extract())
        .transpose()?
        .unwrap_or(true);
    o.requeue_victims = d
        .get_item("requeue_victims")?
        .map(|v| v.extract())
        .transpose()?
        .unwrap_or(true);
    o.protected = item(d, "protected")?;
    o.arrival = item(d, "arrival")?;
    Ok(o)
}

type KubeTuple<'py> = (
    Bound<'py, PyArray1<i64>>,
    Vec<(usize, usize, Vec<usize>)>,
    Vec<(usize, i64)>,
);

#[pyfunction]
pub(crate) fn packing_kube<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    options: &Bound<'py, PyDict>,
) -> PyResult<KubeTuple<'py>> {
    let opts = kube_options(py, options)?;
    let c = &cluster.inner;
    let out = run_interruptible(py, "packing_kube", |stop| {
        kube::simulate(c, &opts, &Budget::new(None, Some(stop)))
    })?;
    Ok((out.assignment.into_pyarray(py), out.preemptions, out.events))
}

type ExplainTuple<'py> = (
    Vec<i64>,
    Vec<String>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray1<i64>>,
);

#[pyfunction]
#[pyo3(signature = (cluster, assignment, pod, options, score_all=false))]
pub(crate) fn packing_explain<'py>(
    py: Python<'py>,
    cluster: &PackingCluster,
    assignment: PyReadonlyArray1<'_, i64>,
    pod: usize,
    options: &Bound<'py, PyDict>,
    score_all: bool,
) -> PyResult<ExplainTuple<'py>> {
    let opts = kube_options(py, options)?;
    let a = vec1(&assignment);
    let c = &cluster.inner;
    let e = detach(py, "packing_explain", || {
        kube::explain(c, &opts, &a, pod, score_all)
    })?;
    let n = e.raw.len();
    let flat = |v: &[[i64; 6]]| numpy::ndarray::Array2::from_shape_fn((n, 6), |(j, p)| v[j][p]);
    Ok((
        e.plugin,
        e.reason,
        flat(&e.raw).into_pyarray(py),
        flat(&e.norm).into_pyarray(py),
        e.total.into_pyarray(py),
    ))
}

#[pyfunction]
pub(crate) fn packing_pending_messages(
    py: Python<'_>,
    cluster: &PackingCluster,
    assignment: PyReadonlyArray1<'_, i64>,
    options: &Bound<'_, PyDict>,
) -> PyResult<Vec<String>> {
    let opts = kube_options(py, options)?;
    let a = vec1(&assignment);
    let c = &cluster.inner;
    run_interruptible(py, "packing_pending_messages", |stop| {
        kube::pending_messages(c, &opts, &a, &Budget::new(None, Some(stop)))
    })
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
) -> PyResult<(Bound<'py, PyArray1<i64>>, heuristics::Events)> {
    let opts = HeuristicOptions {
        size: heuristics::parse_size(size).py(py)?,
        weights: heuristics::parse_weights(weights).py(py)?,
        repack,
        protected: protected.unwrap_or_default(),
    };
    let c = &cluster.inner;
    let method = method.to_string();
    let a = run_interruptible(py, "packing_heuristic", |stop| {
        heuristics::place_logged(c, &method, &opts, &Budget::new(None, Some(stop)))
    })?;
    Ok((a.0.into_pyarray(py), a.1))
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
    let (a, moves) = detach(py, "packing_vmr", || vmr::greedy(c, probe_cpu, k, &frozen))?;
    Ok((a.into_pyarray(py), moves))
}

#[pyfunction]
pub(crate) fn packing_fragment_rate(
    py: Python<'_>,
    cluster: &PackingCluster,
    assignment: PyReadonlyArray1<'_, i64>,
    probe_cpu: i64,
) -> PyResult<f64> {
    // A copy, not `as_slice().unwrap_or(&[])`: that read a strided array as no assignment.
    let assignment = vec1(&assignment);
    detach(py, "packing_fragment_rate", || {
        vmr::fragment_rate(&cluster.inner, &assignment, probe_cpu)
    })
}

#[pyfunction]
pub(crate) fn packing_kube_scores(
    py: Python<'_>,
    strategy: &str,
    shape: Option<Vec<(i64, i64)>>,
    req: (i64, i64),
    alloc: (i64, i64),
) -> PyResult<(i64, i64)> {
    let s = parse_strategy(strategy, shape).py(py)?;
    let (r, a) = ([req.0, req.1], [alloc.0, alloc.1]);
    Ok((kube::fit_score(&s, &[1, 1], &r, &a), kube::balanced_score(&r, &a)))
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
    m.add("PACKING_SCORE_PLUGINS", kube::SCORE_PLUGINS.to_vec())?;
    m.add(
        "PACKING_FILTER_PLUGINS",
        schedkit_core::packing::constraints::PLUGINS[..7].to_vec(),
    )?;
    Ok(())
}
