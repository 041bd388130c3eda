//! Bindings of `schedkit_core::flowtime`: the validated jobs, the simulator (built-in
//! policies and Python priority callbacks), the lower bound.

use std::sync::Mutex;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use schedkit_core::flowtime::{
    self, Info, Jobs, Options, Outcome, Params, Policy, PriorityFn, Value, ViewBatch, KIND_NAMES, POLICIES,
};
use schedkit_core::{Budget, CoreError, CoreResult};

use crate::arrays::{as_i64, detach, vec1};
use crate::errors::IntoPy;
use crate::interrupt::run_interruptible;

type F64Array<'py> = Bound<'py, PyArray1<f64>>;

/// Validated flow-time jobs owned by Rust; `schedkit.flowtime.Jobs` wraps it.
#[pyclass(module = "schedkit._core", frozen)]
pub(crate) struct FlowtimeJobs {
    pub inner: Jobs,
}

#[pymethods]
impl FlowtimeJobs {
    #[new]
    #[pyo3(signature = (release, offsets, values, weight=None, estimate=None))]
    fn new(
        py: Python<'_>,
        release: PyReadonlyArray1<'_, f64>,
        offsets: PyReadonlyArray1<'_, i64>,
        values: PyReadonlyArray1<'_, f64>,
        weight: Option<PyReadonlyArray1<'_, f64>>,
        estimate: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (release, offsets, values) = (vec1(&release), vec1(&offsets), vec1(&values));
        let weight = weight.map(|w| vec1(&w));
        let estimate = estimate.map(|e| vec1(&e));
        let inner = detach(py, "flowtime jobs", || {
            Jobs::new(release, &offsets, values, weight, estimate)
        })?;
        Ok(FlowtimeJobs { inner })
    }

    /// The same jobs with size estimates.
    fn with_estimate(&self, py: Python<'_>, estimate: PyReadonlyArray1<'_, f64>) -> PyResult<Self> {
        Ok(FlowtimeJobs {
            inner: self.inner.with_estimate(vec1(&estimate)).py(py)?,
        })
    }

    #[getter]
    fn n(&self) -> usize {
        self.inner.len()
    }
    #[getter]
    fn weighted(&self) -> bool {
        self.inner.is_weighted()
    }
    #[getter]
    fn release<'py>(&self, py: Python<'py>) -> F64Array<'py> {
        self.inner.release().to_vec().into_pyarray(py)
    }
    #[getter]
    fn weight<'py>(&self, py: Python<'py>) -> F64Array<'py> {
        self.inner.weight().to_vec().into_pyarray(py)
    }
    #[getter]
    fn estimate<'py>(&self, py: Python<'py>) -> Option<F64Array<'py>> {
        self.inner.estimate().map(|e| e.to_vec().into_pyarray(py))
    }
    #[getter]
    fn offsets<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        as_i64(self.inner.offsets()).into_pyarray(py)
    }
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> F64Array<'py> {
        self.inner.sizes().to_vec().into_pyarray(py)
    }
    #[getter]
    fn size<'py>(&self, py: Python<'py>) -> F64Array<'py> {
        self.inner.total().to_vec().into_pyarray(py)
    }
}

/// (completion, events, finished, log): log is None or (kind u8, time, end, job, op, value).
type SimTuple<'py> = (F64Array<'py>, u64, bool, Option<Bound<'py, PyTuple>>);

fn outcome_tuple<'py>(py: Python<'py>, out: Outcome) -> PyResult<SimTuple<'py>> {
    let log = match out.log {
        Some(l) => Some(PyTuple::new(
            py,
            [
                l.kind.into_pyarray(py).into_any(),
                l.time.into_pyarray(py).into_any(),
                l.end.into_pyarray(py).into_any(),
                l.job.into_pyarray(py).into_any(),
                l.op.into_pyarray(py).into_any(),
                l.value.into_pyarray(py).into_any(),
            ],
        )?),
        None => None,
    };
    Ok((out.completion.into_pyarray(py), out.events, out.finished, log))
}

/// Simulates a built-in policy (GIL released, Ctrl-C aware).
#[pyfunction]
#[pyo3(signature = (jobs, policy, machines=1, *, beta=None, base=None, gamma=None, c=None,
    known_count=None, remaining=None, variant=None, event_log=false, max_log_rows=20_000_000,
    time_limit=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn flowtime_simulate<'py>(
    py: Python<'py>,
    jobs: &FlowtimeJobs,
    policy: &str,
    machines: usize,
    beta: Option<f64>,
    base: Option<f64>,
    gamma: Option<f64>,
    c: Option<f64>,
    known_count: Option<bool>,
    remaining: Option<bool>,
    variant: Option<String>,
    event_log: bool,
    max_log_rows: usize,
    time_limit: Option<f64>,
    threads: Option<usize>,
) -> PyResult<SimTuple<'py>> {
    let params = Params {
        beta,
        base,
        gamma,
        c,
        known_count,
        remaining,
        variant,
    };
    let policy = Policy::parse(policy, &params).py(py)?;
    let opts = Options {
        machines,
        event_log,
        max_log_rows,
        threads,
    };
    let inner = &jobs.inner;
    let out = run_interruptible(py, "flowtime_simulate", |stop| {
        flowtime::simulate(inner, &policy, &opts, &Budget::new(time_limit, Some(stop)))
    })?;
    outcome_tuple(py, out)
}

/// Calls a Python function with the view columns; a Python error is kept in `error` and
/// stops the core with a sentinel error.
struct PyPriorities<'a> {
    func: &'a Py<PyAny>,
    error: &'a Mutex<Option<PyErr>>,
}

impl PriorityFn for PyPriorities<'_> {
    fn priorities(&mut self, v: &ViewBatch) -> CoreResult<Vec<f64>> {
        let result = Python::attach(|py| -> PyResult<Vec<f64>> {
            let opt = |x: &Option<Vec<f64>>| x.clone().map(|x| x.into_pyarray(py).into_any());
            let args = PyTuple::new(
                py,
                [
                    Some(v.time.into_pyobject(py)?.into_any()),
                    Some(v.job.clone().into_pyarray(py).into_any()),
                    Some(v.release.clone().into_pyarray(py).into_any()),
                    Some(v.weight.clone().into_pyarray(py).into_any()),
                    Some(v.attained.clone().into_pyarray(py).into_any()),
                    Some(v.op_index.clone().into_pyarray(py).into_any()),
                    Some(v.op_attained.clone().into_pyarray(py).into_any()),
                    opt(&v.op_size),
                    opt(&v.estimate),
                    opt(&v.remaining),
                    v.ops_total.clone().map(|x| x.into_pyarray(py).into_any()),
                ],
            )?;
            let out = self.func.bind(py).call1(args)?;
            let arr: PyReadonlyArray1<'_, f64> = out.extract()?;
            Ok(vec1(&arr))
        });
        result.map_err(|e| {
            if let Ok(mut slot) = self.error.lock() {
                *slot = Some(e);
            }
            CoreError::Interrupted
        })
    }
}

/// Simulates priorities given by a Python callable (the slow path). The callable receives
/// (time, job, release, weight, attained, op_index, op_attained, op_size, estimate,
/// remaining, ops_total), hidden columns as None, and returns a float64 array.
#[pyfunction]
#[pyo3(signature = (jobs, callback, machines=1, *, information="revealed", known_count=false,
    quantum=None, event_log=false, max_log_rows=20_000_000, time_limit=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn flowtime_simulate_callback<'py>(
    py: Python<'py>,
    jobs: &FlowtimeJobs,
    callback: Py<PyAny>,
    machines: usize,
    information: &str,
    known_count: bool,
    quantum: Option<f64>,
    event_log: bool,
    max_log_rows: usize,
    time_limit: Option<f64>,
) -> PyResult<SimTuple<'py>> {
    let info = Info::from_name(information)
        .ok_or_else(|| {
            CoreError::invalid(
                "information",
                None,
                format!(
                    "unknown information class {information:?}; expected \"nonclairvoyant\", \"estimated\", \"revealed\" or \"clairvoyant\""
                ),
            )
        })
        .py(py)?;
    let opts = Options {
        machines,
        event_log,
        max_log_rows,
        threads: Some(1),
    };
    let inner = &jobs.inner;
    let error: Mutex<Option<PyErr>> = Mutex::new(None);
    let result = run_interruptible(py, "flowtime_simulate_callback", |stop| {
        let mut f = PyPriorities {
            func: &callback,
            error: &error,
        };
        flowtime::simulate_callback(
            inner,
            &mut f,
            info,
            known_count,
            quantum,
            &opts,
            &Budget::new(time_limit, Some(stop)),
        )
    });
    if let Some(e) = error.lock().ok().and_then(|mut s| s.take()) {
        return Err(e);
    }
    outcome_tuple(py, result?)
}

/// Lower bound on the total flow time on `machines` machines (None if the time limit hit).
#[pyfunction]
#[pyo3(signature = (jobs, machines=1, time_limit=None))]
pub(crate) fn flowtime_lower_bound(
    py: Python<'_>,
    jobs: &FlowtimeJobs,
    machines: usize,
    time_limit: Option<f64>,
) -> PyResult<Option<f64>> {
    let inner = &jobs.inner;
    run_interruptible(py, "flowtime_lower_bound", |stop| {
        flowtime::lower_bound(inner, machines, &Budget::new(time_limit, Some(stop)))
    })
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The registry as (name, information, {parameter: default}, summary) rows;
    // `schedkit.flowtime.POLICIES` is built from it.
    let py = m.py();
    let mut policies = Vec::with_capacity(POLICIES.len());
    for e in &POLICIES {
        let params = PyDict::new(py);
        for &(key, default) in e.item.params {
            match default {
                Value::Float(x) => params.set_item(key, x)?,
                Value::Bool(x) => params.set_item(key, x)?,
                Value::Str(x) => params.set_item(key, x)?,
            }
        }
        policies.push((e.name, e.item.info.name(), params, e.summary));
    }
    m.add("FLOWTIME_POLICIES", policies)?;
    m.add("FLOWTIME_LOG_KINDS", KIND_NAMES.to_vec())?;
    Ok(())
}
