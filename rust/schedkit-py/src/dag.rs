//! Bindings of `schedkit_core::dag`: the validated graph and platform, the list schedulers,
//! ranks, the critical-path bound, the random generator and the online simulation.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use schedkit_core::dag::generator::{random_dag, DagParams};
use schedkit_core::dag::{self, cpop, online, ranks, Options, Platform, Schedule, TaskGraph};
use schedkit_core::Budget;

use crate::arrays::{as_i64, detach, vec1};
use crate::errors::IntoPy;
use crate::interrupt::run_interruptible;

type F64Array<'py> = Bound<'py, PyArray1<f64>>;
type I64Array<'py> = Bound<'py, PyArray1<i64>>;

fn ids<'py>(py: Python<'py>, v: &[usize]) -> I64Array<'py> {
    as_i64(v).into_pyarray(py)
}

/// A validated task graph owned by Rust; `schedkit.dag.TaskGraph` wraps it.
#[pyclass(module = "schedkit._core", frozen)]
pub(crate) struct DagTaskGraph {
    pub inner: TaskGraph,
}

#[pymethods]
impl DagTaskGraph {
    #[new]
    fn new(
        py: Python<'_>,
        num_tasks: usize,
        src: PyReadonlyArray1<'_, i64>,
        dst: PyReadonlyArray1<'_, i64>,
        data: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Self> {
        let (src, dst, data) = (vec1(&src), vec1(&dst), vec1(&data));
        let inner = detach(py, "dag task graph", || {
            TaskGraph::new(num_tasks, &src, &dst, &data)
        })?;
        Ok(DagTaskGraph { inner })
    }

    #[getter]
    fn num_tasks(&self) -> usize {
        self.inner.num_tasks()
    }

    #[getter]
    fn num_edges(&self) -> usize {
        self.inner.num_edges()
    }

    /// A topological order (Kahn, FIFO, entries in id order).
    fn topological_order<'py>(&self, py: Python<'py>) -> I64Array<'py> {
        ids(py, self.inner.topological_order())
    }

    /// Longest number of edges from an entry task to each task.
    fn levels<'py>(&self, py: Python<'py>) -> I64Array<'py> {
        ids(py, self.inner.levels())
    }
}

/// A validated platform (n x q costs, q x q bandwidth, q latencies) owned by Rust.
#[pyclass(module = "schedkit._core", frozen)]
pub(crate) struct DagPlatform {
    pub inner: Platform,
}

#[pymethods]
impl DagPlatform {
    #[new]
    fn new(
        py: Python<'_>,
        cost: PyReadonlyArray2<'_, f64>,
        bandwidth: PyReadonlyArray2<'_, f64>,
        latency: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Self> {
        let c = cost.as_array();
        let (n, q) = c.dim();
        let cost: Vec<f64> = c.iter().copied().collect();
        let bandwidth: Vec<f64> = bandwidth.as_array().iter().copied().collect();
        let latency = vec1(&latency);
        let inner = detach(py, "dag platform", || {
            Platform::new(n, q, cost, bandwidth, latency)
        })?;
        Ok(DagPlatform { inner })
    }

    #[getter]
    fn num_tasks(&self) -> usize {
        self.inner.num_tasks()
    }

    #[getter]
    fn num_processors(&self) -> usize {
        self.inner.num_processors()
    }
}

/// (processor, start, finish, order) arrays of a schedule.
type ScheduleTuple<'py> = (I64Array<'py>, F64Array<'py>, F64Array<'py>, I64Array<'py>);

fn schedule_tuple(py: Python<'_>, s: Schedule) -> ScheduleTuple<'_> {
    (
        ids(py, &s.proc),
        s.start.into_pyarray(py),
        s.finish.into_pyarray(py),
        ids(py, &s.order),
    )
}

/// Runs a list scheduler (one of `DAG_ALGORITHMS`) with the GIL released; Ctrl-C interrupts.
#[pyfunction]
#[pyo3(signature = (graph, platform, algorithm, *, insertion=true, seed=0))]
pub(crate) fn dag_schedule<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
    algorithm: &str,
    insertion: bool,
    seed: u64,
) -> PyResult<ScheduleTuple<'py>> {
    let (g, p) = (&graph.inner, &platform.inner);
    let opts = Options {
        insertion,
        seed,
        ..Options::default()
    };
    let s = run_interruptible(py, "dag_schedule", |stop| {
        dag::schedule(g, p, algorithm, &opts, &Budget::new(None, Some(stop)))
    })?;
    Ok(schedule_tuple(py, s))
}

/// Ranks: "upward" (rank_u), "downward" (rank_d), "oct" (n x q table, flattened), "rank_oct".
#[pyfunction]
pub(crate) fn dag_ranks<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
    kind: &str,
) -> PyResult<F64Array<'py>> {
    let (g, p) = (&graph.inner, &platform.inner);
    dag::check_pair(g, p).py(py)?;
    let out = match kind {
        "upward" => ranks::upward_rank(g, p),
        "downward" => ranks::downward_rank(g, p),
        "oct" => ranks::optimistic_cost_table(g, p, &Budget::unlimited()).py(py)?,
        "rank_oct" => {
            let oct = ranks::optimistic_cost_table(g, p, &Budget::unlimited()).py(py)?;
            ranks::oct_rank(&oct, p.num_processors())
        }
        _ => {
            let msg = format!("unknown rank {kind:?}; expected upward, downward, oct or rank_oct");
            return Err(schedkit_core::CoreError::invalid("kind", None, msg)).py(py);
        }
    };
    Ok(out.into_pyarray(py))
}

/// (Σ min cost along CP_MIN, the path): the SLR denominator and a makespan lower bound.
#[pyfunction]
pub(crate) fn dag_lower_bound<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
) -> PyResult<(f64, I64Array<'py>)> {
    let (g, p) = (&graph.inner, &platform.inner);
    dag::check_pair(g, p).py(py)?;
    let (lb, path) = ranks::min_cost_critical_path(g, p);
    Ok((lb, ids(py, &path)))
}

/// CPOP's critical path (by rank_u + rank_d) and the processor it is pinned to.
#[pyfunction]
pub(crate) fn dag_cpop_path<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
) -> PyResult<(I64Array<'py>, usize)> {
    let (g, p) = (&graph.inner, &platform.inner);
    dag::check_pair(g, p).py(py)?;
    let up = ranks::upward_rank(g, p);
    let down = ranks::downward_rank(g, p);
    let prio: Vec<f64> = up.iter().zip(&down).map(|(a, b)| a + b).collect();
    let path = cpop::critical_path(g, &prio);
    let proc = cpop::path_processor(p, &path);
    Ok((ids(py, &path), proc))
}

/// A random layered DAG: (src, dst, data, cost flattened n x q).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub(crate) fn dag_random<'py>(
    py: Python<'py>,
    num_tasks: usize,
    num_processors: usize,
    alpha: f64,
    out_degree: usize,
    ccr: f64,
    beta: f64,
    mean_cost: f64,
    seed: u64,
) -> PyResult<(I64Array<'py>, I64Array<'py>, F64Array<'py>, F64Array<'py>)> {
    let params = DagParams {
        num_tasks,
        num_processors,
        alpha,
        out_degree,
        ccr,
        beta,
        mean_cost,
    };
    let r = detach(py, "dag random_dag", || random_dag(&params, seed))?;
    Ok((
        r.src.into_pyarray(py),
        r.dst.into_pyarray(py),
        r.data.into_pyarray(py),
        r.cost.into_pyarray(py),
    ))
}

/// Online simulation: (processor, planned start, planned finish, order, actual start, actual finish).
type OnlineTuple<'py> = (
    I64Array<'py>,
    F64Array<'py>,
    F64Array<'py>,
    I64Array<'py>,
    F64Array<'py>,
    F64Array<'py>,
);

#[pyfunction]
#[pyo3(signature = (graph, platform, job_ptr, arrival, policy, *, factors=None, insertion=true))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn dag_online<'py>(
    py: Python<'py>,
    graph: &DagTaskGraph,
    platform: &DagPlatform,
    job_ptr: PyReadonlyArray1<'py, i64>,
    arrival: PyReadonlyArray1<'py, f64>,
    policy: &str,
    factors: Option<PyReadonlyArray1<'py, f64>>,
    insertion: bool,
) -> PyResult<OnlineTuple<'py>> {
    let (g, p) = (&graph.inner, &platform.inner);
    let (job_ptr, arrival) = (vec1(&job_ptr), vec1(&arrival));
    let factors = factors.map(|f| vec1(&f));
    let out = run_interruptible(py, "dag_online", |stop| {
        let budget = Budget::new(None, Some(stop));
        online::simulate(
            g,
            p,
            &job_ptr,
            &arrival,
            policy,
            factors.as_deref(),
            insertion,
            &budget,
        )
    })?;
    let (a, b, c, d) = schedule_tuple(py, out.planned);
    Ok((
        a,
        b,
        c,
        d,
        out.actual_start.into_pyarray(py),
        out.actual_finish.into_pyarray(py),
    ))
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The registries as (name, summary, ...) rows; the Python tables are built from them.
    let algorithms: Vec<_> = dag::ALGORITHMS
        .iter()
        .map(|e| (e.name, e.summary, e.item.insertion))
        .collect();
    m.add("DAG_ALGORITHMS", algorithms)?;
    let online: Vec<_> = online::POLICIES.iter().map(|e| (e.name, e.summary)).collect();
    m.add("DAG_ONLINE_POLICIES", online)?;
    Ok(())
}
