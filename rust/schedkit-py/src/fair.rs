//! Bindings of `schedkit_core::fair`: arrays in, arrays out, GIL released for the run.

use std::collections::HashMap;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::fair::{self, Config, Estimate, Policy, Pools, Workload};
use schedkit_core::{Budget, CoreError};

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

/// Runs the cluster simulator. Returns a dict of NumPy arrays plus `events`.
#[pyfunction]
#[pyo3(signature = (job_user, n_users, job_submit, job_after, job_think, job_class, job_noise, task_offsets, task_duration, *,
    cores, policy, partition=None, max_partition_tasks=100_000, estimate="given", user_weight=None,
    pool_of_user=None, pool_weight=None, pool_min_share=None, pool_fair=None, grace=0.0, record_tasks=false, time_limit=None,
    job_cpu=None, job_mem=None, mem_capacity=None))]
#[allow(clippy::too_many_arguments)]
fn fair_simulate<'py>(
    py: Python<'py>,
    job_user: PyReadonlyArray1<'_, i64>,
    n_users: usize,
    job_submit: PyReadonlyArray1<'_, f64>,
    job_after: PyReadonlyArray1<'_, i64>,
    job_think: PyReadonlyArray1<'_, f64>,
    job_class: PyReadonlyArray1<'_, i64>,
    job_noise: PyReadonlyArray1<'_, f64>,
    task_offsets: PyReadonlyArray1<'_, i64>,
    task_duration: PyReadonlyArray1<'_, f64>,
    cores: i64,
    policy: &str,
    partition: Option<f64>,
    max_partition_tasks: usize,
    estimate: &str,
    user_weight: Option<PyReadonlyArray1<'_, f64>>,
    pool_of_user: Option<PyReadonlyArray1<'_, i64>>,
    pool_weight: Option<PyReadonlyArray1<'_, f64>>,
    pool_min_share: Option<PyReadonlyArray1<'_, f64>>,
    pool_fair: Option<PyReadonlyArray1<'_, bool>>,
    grace: f64,
    record_tasks: bool,
    time_limit: Option<f64>,
    job_cpu: Option<PyReadonlyArray1<'_, f64>>,
    job_mem: Option<PyReadonlyArray1<'_, f64>>,
    mem_capacity: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let build = || -> Result<(Workload, Config), CoreError> {
        if cores <= 0 {
            return Err(CoreError::invalid(
                "cores",
                None,
                format!("must be >= 1, got {cores}"),
            ));
        }
        let policy_e = Policy::parse(policy)?;
        let est = match estimate {
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
        let w = Workload {
            job_user: to_usize(
                "user",
                job_user
                    .as_slice()
                    .map_err(|_| CoreError::invalid("user", None, "not contiguous"))?,
            )?,
            job_submit: job_submit.as_array().to_vec(),
            job_after: job_after.as_array().to_vec(),
            job_think: job_think.as_array().to_vec(),
            job_class: to_usize("job_class", &job_class.as_array().to_vec())?,
            job_noise: job_noise.as_array().to_vec(),
            task_offsets: to_usize("task_offsets", &task_offsets.as_array().to_vec())?,
            task_duration: task_duration.as_array().to_vec(),
            n_users,
            job_cpu: job_cpu.map(|a| a.as_array().to_vec()).unwrap_or_default(),
            job_mem: job_mem.map(|a| a.as_array().to_vec()).unwrap_or_default(),
        };
        let mut cfg = Config::new(cores as usize, policy_e);
        cfg.partition = partition;
        cfg.max_partition_tasks = max_partition_tasks.max(1);
        cfg.estimate = est;
        cfg.user_weight = user_weight
            .map(|a| a.as_array().to_vec())
            .unwrap_or_default();
        cfg.grace = grace;
        cfg.record_tasks = record_tasks;
        cfg.mem_capacity = mem_capacity.unwrap_or(f64::INFINITY);
        if policy_e == Policy::Fair {
            cfg.pools = Pools {
                user_pool: to_usize(
                    "pools",
                    &pool_of_user
                        .map(|a| a.as_array().to_vec())
                        .unwrap_or_else(|| vec![0; n_users]),
                )?,
                weight: pool_weight
                    .map(|a| a.as_array().to_vec())
                    .unwrap_or_else(|| vec![1.0]),
                min_share: pool_min_share
                    .map(|a| a.as_array().to_vec())
                    .unwrap_or_else(|| vec![0.0]),
                fair_inside: pool_fair
                    .map(|a| a.as_array().to_vec())
                    .unwrap_or_else(|| vec![false]),
            };
        }
        Ok((w, cfg))
    };
    let (w, cfg) = build().py(py)?;
    let r = if w.task_duration.len() > 200_000 {
        run_interruptible(py, "fair_simulate", |stop| {
            fair::simulate(&w, &cfg, &Budget::new(time_limit, Some(stop)))
        })?
    } else {
        py.detach(|| fair::simulate(&w, &cfg, &Budget::new(time_limit, None)))
            .py(py)?
    };
    let d = PyDict::new(py);
    let as_i64 = |v: Vec<usize>| -> Vec<i64> { v.into_iter().map(|x| x as i64).collect() };
    let mut arrays: HashMap<&str, Bound<'py, PyArray1<f64>>> = HashMap::new();
    arrays.insert("submit", r.submit.into_pyarray(py));
    arrays.insert("start", r.start.into_pyarray(py));
    arrays.insert("finish", r.finish.into_pyarray(py));
    arrays.insert("work", r.work.into_pyarray(py));
    arrays.insert("estimate", r.estimate.into_pyarray(py));
    arrays.insert("alone", r.alone.into_pyarray(py));
    arrays.insert("task_start", r.task_start.into_pyarray(py));
    arrays.insert("task_end", r.task_end.into_pyarray(py));
    for (k, v) in arrays {
        d.set_item(k, v)?;
    }
    d.set_item("n_tasks", as_i64(r.n_tasks).into_pyarray(py))?;
    d.set_item("task_job", as_i64(r.task_job).into_pyarray(py))?;
    d.set_item("events", r.events)?;
    Ok(d)
}

/// UWFQ virtual-time trace for testing against a GPS reference: for each arrival (in the
/// given order), V just after it and the user's chain end E.
#[pyfunction]
#[pyo3(signature = (cores, times, users, work, weights, grace=-1e300))]
fn fair_uwfq_virtual<'py>(
    py: Python<'py>,
    cores: i64,
    times: Vec<f64>,
    users: Vec<usize>,
    work: Vec<f64>,
    weights: Vec<f64>,
    grace: f64,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    if cores <= 0 {
        return Err(crate::errors::to_pyerr(
            py,
            CoreError::invalid("cores", None, "must be >= 1"),
        ));
    }
    if times.len() != users.len()
        || times.len() != work.len()
        || users.iter().any(|&u| u >= weights.len())
    {
        return Err(crate::errors::to_pyerr(
            py,
            CoreError::invalid("times", None, "length mismatch or bad user"),
        ));
    }
    let mut q = fair::Uwfq::new(cores as usize, &weights, times.len(), grace);
    let (mut vs, mut es, mut ds) = (Vec::new(), Vec::new(), vec![0.0; times.len()]);
    for j in 0..times.len() {
        q.arrive(times[j], users[j], j, work[j], |k, dl| ds[k] = dl);
        vs.push(q.virtual_time());
        es.push(q.chain_end(users[j]));
    }
    Ok((
        vs.into_pyarray(py),
        es.into_pyarray(py),
        ds.into_pyarray(py),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fair_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(fair_uwfq_virtual, m)?)?;
    m.add("FAIR_POLICIES", fair::POLICIES.to_vec())?;
    Ok(())
}
