//! Bindings of `schedkit_core::tardiness`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use schedkit_core::error::CoreError;
use schedkit_core::tardiness::solve::{self, Options};
use schedkit_core::tardiness::{exact_bm, exact_dp, Instance};
use schedkit_core::Budget;

use crate::arrays::{as_i64, detach, vec1};
use crate::errors::IntoPy;
use crate::interrupt::run_interruptible;

/// A validated 1||Σw_jT_j instance owned by Rust; `schedkit.tardiness.Instance` wraps it.
#[pyclass(module = "schedkit._core", frozen)]
pub(crate) struct TardinessInstance {
    pub inner: Instance,
}

#[pymethods]
impl TardinessInstance {
    #[new]
    #[pyo3(signature = (p, d, w=None))]
    fn new(
        py: Python<'_>,
        p: PyReadonlyArray1<'_, f64>,
        d: PyReadonlyArray1<'_, f64>,
        w: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (p, d, w) = (vec1(&p), vec1(&d), w.map(|w| vec1(&w)));
        Ok(TardinessInstance {
            inner: Instance::new(p, d, w).py(py)?,
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
    fn p<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.p().to_vec().into_pyarray(py)
    }

    #[getter]
    fn d<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.d().to_vec().into_pyarray(py)
    }

    #[getter]
    fn w<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.w().to_vec().into_pyarray(py)
    }
}

/// The result tuple of `tardiness_solve`: (sequence, objective, optimal, lower_bound, atc_k).
type SolveTuple<'py> = (Bound<'py, PyArray1<i64>>, f64, bool, f64, Option<f64>);

#[pyfunction]
#[pyo3(signature = (instance, method, *, improve=None, atc_k=None, seed=0, iterations=1000, strength=2, time_limit=None, memory_limit=None, workers=1))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn tardiness_solve<'py>(
    py: Python<'py>,
    instance: &TardinessInstance,
    method: &str,
    improve: Option<&str>,
    atc_k: Option<f64>,
    seed: u64,
    iterations: usize,
    strength: usize,
    time_limit: Option<f64>,
    memory_limit: Option<usize>,
    workers: usize,
) -> PyResult<SolveTuple<'py>> {
    let improve = improve.map(solve::parse_neighbourhood).transpose().py(py)?;
    let opts = Options {
        improve,
        atc_k,
        seed,
        iterations,
        strength,
        memory_limit,
        workers,
    };
    let inst = &instance.inner;
    // Constructive rules finish in milliseconds even at n = 10^4; only searches get the
    // signal-watching worker thread, whose start-up would dominate a 20 µs rule.
    let long_running = matches!(
        method,
        "ils" | "exact" | "ssdp" | "bb" | "lawler" | "bm" | "wi" | "aug_mdd" | "aug_mddc"
    ) || improve.is_some()
        || inst.len() > 50_000;
    let outcome = if long_running {
        run_interruptible(py, "tardiness_solve", |stop| {
            let budget = Budget::new(time_limit, Some(stop));
            solve::solve(inst, method, &opts, &budget)
        })?
    } else {
        detach(py, "tardiness_solve", || {
            solve::solve(inst, method, &opts, &Budget::new(time_limit, None))
        })?
    };
    let s = outcome.solution;
    Ok((
        as_i64(&s.sequence).into_pyarray(py),
        s.objective,
        s.optimal,
        s.lower_bound,
        outcome.atc_k,
    ))
}

/// One unweighted exact search without the incumbent heuristics, for the benchmarks:
/// (objective, optimal, nodes or states, memo entries). `method`: "bm" or "lawler".
#[pyfunction]
#[pyo3(signature = (instance, method, *, time_limit=None))]
pub(crate) fn tardiness_exact_stats(
    py: Python<'_>,
    instance: &TardinessInstance,
    method: &str,
    time_limit: Option<f64>,
) -> PyResult<(f64, bool, u64, u64)> {
    let inst = &instance.inner;
    run_interruptible(py, "tardiness_exact_stats", |stop| {
        let budget = Budget::new(time_limit, Some(stop));
        match method {
            "bm" => exact_bm::solve_with_stats(inst, None, &budget, None, true)
                .map(|(s, st)| (s.objective, s.optimal, st.nodes, st.memo_entries)),
            "lawler" => exact_dp::solve_unweighted_stats(inst, None, &budget)
                .map(|(s, n)| (s.objective, s.optimal, n, n)),
            other => Err(CoreError::invalid(
                "method",
                None,
                format!("unknown method {other:?}; expected 'bm' or 'lawler'"),
            )),
        }
    })
}

/// The area's registries and constants, added at module initialisation.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("TARDINESS_METHODS", solve::METHODS.to_vec())?;
    m.add("TARDINESS_IMPROVEMENTS", solve::NEIGHBOURHOODS.to_vec())?;
    m.add("TARDINESS_EXACT_METHODS", solve::EXACT_METHODS.to_vec())?;
    m.add_function(wrap_pyfunction!(tardiness_exact_stats, m)?)?;
    Ok(())
}
