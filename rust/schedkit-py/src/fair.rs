//! Bindings of `schedkit_core::fair`: the incremental engine as a class (arrays in, arrays
//! out, GIL released while it runs) and the UWFQ virtual-time probe used by the tests.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::fair::{self, Config, Engine, Estimate, Policy, Workload};
use schedkit_core::{Budget, CoreError};

use crate::arrays::{as_i64, vec1};
use crate::errors::IntoPy;
use crate::interrupt::run_interruptible;

fn to_usize(field: &str, v: &[i64]) -> Result<Vec<usize>, CoreError> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            usize::try_from(x)
                .map_err(|_| CoreError::invalid(field, Some(i), format!("must be >= 0, got {x}")))
        })
        .collect()
}

fn usize_opt(field: &str, a: Option<PyReadonlyArray1<'_, i64>>) -> Result<Vec<usize>, CoreError> {
    a.map_or(Ok(Vec::new()), |a| to_usize(field, &vec1(&a)))
}

/// The cluster simulator, fed jobs in submit order (`schedkit.fair` drives it).
#[pyclass(module = "schedkit._core")]
pub(crate) struct FairEngine {
    inner: Engine,
}

#[pymethods]
impl FairEngine {
    #[new]
    #[pyo3(signature = (cores, policy, *, partition=None, max_partition_tasks=100_000, estimate="given",
        grace=0.0, record_tasks=false, mem_capacity=None, node_cpu=None, node_mem=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        cores: i64,
        policy: &str,
        partition: Option<f64>,
        max_partition_tasks: usize,
        estimate: &str,
        grace: f64,
        record_tasks: bool,
        mem_capacity: Option<f64>,
        node_cpu: Option<PyReadonlyArray1<'_, f64>>,
        node_mem: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let build = || -> Result<Engine, CoreError> {
            if cores <= 0 {
                return Err(CoreError::invalid(
                    "cores",
                    None,
                    format!("must be >= 1, got {cores}"),
                ));
            }
            let mut cfg = Config::new(cores as usize, Policy::parse(policy)?);
            cfg.partition = partition;
            cfg.max_partition_tasks = max_partition_tasks.max(1);
            cfg.estimate = match estimate {
                "given" => Estimate::Given,
                "historic" => Estimate::Historic,
                other => {
                    return Err(CoreError::invalid(
                        "estimate",
                        None,
                        format!("unknown estimate mode {other:?}"),
                    ))
                }
            };
            cfg.grace = grace;
            cfg.record_tasks = record_tasks;
            cfg.mem_capacity = mem_capacity.unwrap_or(f64::INFINITY);
            cfg.node_cpu = node_cpu.map(|a| vec1(&a)).unwrap_or_default();
            cfg.node_mem = node_mem.map(|a| vec1(&a)).unwrap_or_default();
            Engine::new(cfg)
        };
        Ok(FairEngine {
            inner: build().py(py)?,
        })
    }

    /// Adds a FAIR pool; returns its index.
    fn add_pool(
        &mut self,
        py: Python<'_>,
        name: &str,
        weight: f64,
        min_share: f64,
        fair_inside: bool,
    ) -> PyResult<usize> {
        self.inner.add_pool(name, weight, min_share, fair_inside).py(py)
    }

    /// Adds users (their weights and FAIR pools); returns the index of the first.
    fn add_users(
        &mut self,
        py: Python<'_>,
        weights: PyReadonlyArray1<'_, f64>,
        pools: PyReadonlyArray1<'_, i64>,
    ) -> PyResult<usize> {
        let (w, p) = (vec1(&weights), to_usize("pools", &vec1(&pools)).py(py)?);
        if w.len() != p.len() {
            return Err(CoreError::invalid("pools", None, "one pool per weight")).py(py);
        }
        let first = self.inner.n_users();
        for (x, q) in w.into_iter().zip(p) {
            self.inner.add_user(x, q).py(py)?;
        }
        Ok(first)
    }

    /// Adds a batch of jobs (see `schedkit_core::fair::Workload` for the layout).
    #[pyo3(signature = (job_tag, job_user, job_submit, job_after, job_think, job_class, job_noise, task_offsets,
        task_duration, *, job_stages=None, stage_parents=None, parents=None, stage_cpu=None, stage_mem=None))]
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        py: Python<'_>,
        job_tag: PyReadonlyArray1<'_, i64>,
        job_user: PyReadonlyArray1<'_, i64>,
        job_submit: PyReadonlyArray1<'_, f64>,
        job_after: PyReadonlyArray1<'_, i64>,
        job_think: PyReadonlyArray1<'_, f64>,
        job_class: PyReadonlyArray1<'_, i64>,
        job_noise: PyReadonlyArray1<'_, f64>,
        task_offsets: PyReadonlyArray1<'_, i64>,
        task_duration: PyReadonlyArray1<'_, f64>,
        job_stages: Option<PyReadonlyArray1<'_, i64>>,
        stage_parents: Option<PyReadonlyArray1<'_, i64>>,
        parents: Option<PyReadonlyArray1<'_, i64>>,
        stage_cpu: Option<PyReadonlyArray1<'_, f64>>,
        stage_mem: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<()> {
        let build = || -> Result<Workload, CoreError> {
            Ok(Workload {
                job_tag: vec1(&job_tag),
                job_user: to_usize("user", &vec1(&job_user))?,
                job_submit: vec1(&job_submit),
                job_after: vec1(&job_after),
                job_think: vec1(&job_think),
                job_class: to_usize("job_class", &vec1(&job_class))?,
                job_noise: vec1(&job_noise),
                job_stages: usize_opt("job_stages", job_stages)?,
                task_offsets: to_usize("task_offsets", &vec1(&task_offsets))?,
                stage_parents: usize_opt("stage_parents", stage_parents)?,
                parents: usize_opt("parents", parents)?,
                task_duration: vec1(&task_duration),
                stage_cpu: stage_cpu.map(|a| vec1(&a)).unwrap_or_default(),
                stage_mem: stage_mem.map(|a| vec1(&a)).unwrap_or_default(),
            })
        };
        let w = build().py(py)?;
        let eng = &mut self.inner;
        py.detach(|| eng.push(&w)).py(py)
    }

    /// Processes every event before `until` (Ctrl-C stops it with KeyboardInterrupt).
    fn advance(&mut self, py: Python<'_>, until: f64) -> PyResult<()> {
        let eng = &mut self.inner;
        run_interruptible(py, "fair advance", |stop| {
            eng.advance(until, &Budget::new(None, Some(stop)))
        })
    }

    /// Runs until every pushed job has finished (Ctrl-C stops it with KeyboardInterrupt).
    fn finish(&mut self, py: Python<'_>) -> PyResult<()> {
        let eng = &mut self.inner;
        run_interruptible(py, "fair finish", |stop| {
            eng.finish(&Budget::new(None, Some(stop)))
        })
    }

    /// The jobs finished since the last call, as a dict of NumPy arrays.
    fn take_finished<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let f = self.inner.take_finished();
        let d = PyDict::new(py);
        d.set_item("gid", f.gid.into_pyarray(py))?;
        d.set_item("tag", f.tag.into_pyarray(py))?;
        d.set_item("user", as_i64(&f.user).into_pyarray(py))?;
        d.set_item("class", as_i64(&f.class).into_pyarray(py))?;
        d.set_item("n_tasks", as_i64(&f.n_tasks).into_pyarray(py))?;
        for (k, v) in [
            ("submit", f.submit),
            ("start", f.start),
            ("finish", f.finish),
            ("work", f.work),
            ("estimate", f.estimate),
            ("alone", f.alone),
        ] {
            d.set_item(k, v.into_pyarray(py))?;
        }
        Ok(d)
    }

    /// The task records made since the last call (with `record_tasks=True`).
    fn take_tasks<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.inner.take_tasks();
        let d = PyDict::new(py);
        d.set_item("gid", t.gid.into_pyarray(py))?;
        d.set_item("stage", as_i64(&t.stage).into_pyarray(py))?;
        d.set_item("node", as_i64(&t.node).into_pyarray(py))?;
        d.set_item("start", t.start.into_pyarray(py))?;
        d.set_item("end", t.end.into_pyarray(py))?;
        d.set_item("cpu", t.cpu.into_pyarray(py))?;
        d.set_item("memory", t.mem.into_pyarray(py))?;
        Ok(d)
    }

    #[getter]
    fn live_jobs(&self) -> usize {
        self.inner.live_jobs()
    }
    #[getter]
    fn events(&self) -> u64 {
        self.inner.events()
    }
    #[getter]
    fn pushed(&self) -> u64 {
        self.inner.pushed()
    }
    #[getter]
    fn horizon(&self) -> f64 {
        self.inner.horizon()
    }
    #[getter]
    fn n_users(&self) -> usize {
        self.inner.n_users()
    }
}

/// (V after each arrival, the user's chain end, each job's last deadline).
type VirtualTrace<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// UWFQ virtual-time trace for testing against a GPS reference: for each arrival (in the
/// given order), V just after it, the user's chain end E, and every job's last deadline.
#[pyfunction]
#[pyo3(signature = (cores, times, users, work, weights, grace=-1e300))]
pub(crate) fn fair_uwfq_virtual<'py>(
    py: Python<'py>,
    cores: i64,
    times: Vec<f64>,
    users: Vec<usize>,
    work: Vec<f64>,
    weights: Vec<f64>,
    grace: f64,
) -> PyResult<VirtualTrace<'py>> {
    if cores <= 0 {
        return Err(CoreError::invalid("cores", None, "must be >= 1")).py(py);
    }
    if times.len() != users.len() || times.len() != work.len() || users.iter().any(|&u| u >= weights.len()) {
        return Err(CoreError::invalid("times", None, "length mismatch or bad user")).py(py);
    }
    let mut q = fair::Uwfq::new(cores as usize, &weights, grace);
    let (mut vs, mut es, mut ds) = (Vec::new(), Vec::new(), vec![0.0; times.len()]);
    for j in 0..times.len() {
        q.arrive(times[j], users[j], j as u64, j, work[j], |_, k, dl| ds[k] = dl);
        vs.push(q.virtual_time());
        es.push(q.chain_end(users[j]));
    }
    Ok((vs.into_pyarray(py), es.into_pyarray(py), ds.into_pyarray(py)))
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FAIR_POLICIES", fair::POLICIES.to_vec())?;
    Ok(())
}
