//! Bindings of `schedkit_core::fair`: the incremental engine as a class (arrays in, arrays
//! out, GIL released while it runs) and the UWFQ virtual-time probe used by the tests. Values
//! are converted here and checked by the core (`fair::Config::validate`, `Workload::check`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use schedkit_core::fair::{
    self, Checked, Config, Engine, Estimate, Nodes, Overheads, Policy, PoolSpec, PushContext, UserPool,
    Workload,
};
use schedkit_core::util::{indices, Entry};
use schedkit_core::{Budget, CoreError, CoreResult};

use crate::arrays::{as_i64, detach, vec1};
use crate::errors::{guard_core, internal, to_pyerr, IntoPy};
use crate::interrupt::{run_interruptible, wait_watching_signals};

fn indices_opt(field: &str, a: Option<PyReadonlyArray1<'_, i64>>) -> Result<Vec<usize>, CoreError> {
    a.map_or(Ok(Vec::new()), |a| indices(field, &vec1(&a)))
}

/// DRF nodes as Python gives them: a count of equal nodes, or (cpu, memory) pairs.
#[derive(FromPyObject)]
enum NodesArg {
    Count(i64),
    Given(Vec<(f64, f64)>),
}

/// A pool's settings as Python gives them: (weight, min_share, fair_inside or None).
type PoolTuple = (f64, f64, Option<bool>);

/// A user's FAIR pool as Python gives it: a pool name, or its own settings.
#[derive(FromPyObject)]
enum PoolArg {
    Name(String),
    Spec(PoolTuple),
}

/// The overhead model as Python gives it: (job_service, stage_service, task_launch,
/// round_delay, executors, executor_cores, cfq_job_estimate, task_dispatch, stage_lock).
type OverheadTuple = (f64, f64, f64, f64, i64, i64, bool, f64, f64);

/// The cluster simulator, fed jobs in submit order (`schedkit.fair` drives it).
///
/// `start_advance` (and `push(..., advance_to=...)`) runs an advance on the engine's own
/// thread and returns at once, so the caller can prepare the next batch (or advance
/// another engine) meanwhile; every other call first waits for it to end and raises its
/// error, if any.
#[pyclass(module = "schedkit._core")]
pub(crate) struct FairEngine {
    /// None while a background advance holds it (or after that advance panicked).
    inner: Option<Engine>,
    /// The engine's thread, started at its first background advance and kept for the
    /// engine's life: one thread, so the engine's data stays in one core's caches rather
    /// than moving to a fresh thread at every chunk.
    worker: Option<Worker>,
    /// A background advance is running: the engine is with the worker.
    busy: bool,
    /// While busy: the engine's push context once that advance ends without error
    /// (`PushContext::after`), so that the next batch is checked here meanwhile.
    next_ctx: Option<PushContext>,
    /// Record pieces taken from the engine at each hand-over to its thread
    /// (`Engine::take_records`), for `take_records` to return without waiting for it.
    records: Vec<fair::Finished>,
}

/// A batch for the engine's thread: checked here already, or to check there (when it
/// could not be checked here, so that its error is raised where and when it was before).
enum Batch {
    Checked(Checked),
    Unchecked(Workload),
}

/// What the engine's thread is given: the engine, a batch to add first, the time to
/// advance to.
type Task = (Engine, Option<Batch>, f64);

/// What it sends back: the engine, and the outcome (a panic's message as Err).
type Returned = (Engine, Result<CoreResult<()>, String>);

/// The engine's thread and its two channels (the receiver in a mutex only because a
/// pyclass must be `Sync`; one caller ever locks it). `stop` ends a running advance early.
struct Worker {
    tasks: mpsc::Sender<Task>,
    done: Mutex<mpsc::Receiver<Returned>>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn start() -> PyResult<Worker> {
        let (tasks, task_rx) = mpsc::channel::<Task>();
        let (done_tx, done) = mpsc::channel::<Returned>();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("schedkit-fair-engine".into())
            .spawn(move || {
                // Ends when the engine object is dropped (its sender with it).
                while let Ok((mut engine, batch, until)) = task_rx.recv() {
                    let outcome = guard_core(|| {
                        match batch {
                            Some(Batch::Checked(c)) => engine.push_checked(c)?,
                            Some(Batch::Unchecked(w)) => engine.push_owned(w)?,
                            None => {}
                        }
                        engine.advance(until, &Budget::new(None, Some(&flag)))
                    });
                    if done_tx.send((engine, outcome)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| internal("fair advance", &format!("cannot start a thread: {e}")))?;
        Ok(Worker {
            tasks,
            done: Mutex::new(done),
            stop,
        })
    }
}

impl FairEngine {
    /// The engine, once a background advance has ended; that advance's error (or a
    /// Ctrl-C while waiting for it) is raised here.
    fn eng(&mut self, py: Python<'_>) -> PyResult<&mut Engine> {
        if let (true, Some(w)) = (self.busy, self.worker.as_ref()) {
            self.busy = false;
            let (returned, signal) = py.detach(|| {
                let rx = w.done.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                wait_watching_signals(&rx, &w.stop)
            });
            let outcome = match returned {
                Some((engine, outcome)) => {
                    self.inner = Some(engine);
                    outcome
                }
                None => Err("the engine's thread ended without a result".to_string()),
            };
            if let Some(e) = signal {
                return Err(e);
            }
            match outcome {
                Ok(r) => r.py(py)?,
                Err(panic) => {
                    // The engine may be half-way through an event: not used again.
                    self.inner = None;
                    return Err(internal("fair advance", &panic));
                }
            }
        }
        self.inner
            .as_mut()
            .ok_or_else(|| internal("fair engine", "the engine was lost to an earlier internal error"))
    }

    /// Hands the engine to its thread to add `batch` (when given) and advance to `until`;
    /// it stays there until the next call takes it back.
    fn in_background(&mut self, py: Python<'_>, batch: Option<Batch>, until: f64) -> PyResult<()> {
        let eng = self.eng(py)?;
        let done = eng.take_records();
        let ctx = eng.push_context();
        self.records.extend(done);
        let empty = Workload::default();
        let w = match &batch {
            Some(Batch::Checked(c)) => c.workload(),
            Some(Batch::Unchecked(w)) => w,
            None => &empty,
        };
        let next_ctx = ctx.after(w, until);
        if self.worker.is_none() {
            self.worker = Some(Worker::start()?);
        }
        let (Some(w), Some(engine)) = (self.worker.as_ref(), self.inner.take()) else {
            return Err(internal("fair engine", "no engine to advance"));
        };
        w.stop.store(false, Ordering::Relaxed);
        if let Err(mpsc::SendError((engine, _, _))) = w.tasks.send((engine, batch, until)) {
            self.inner = Some(engine);
            return Err(internal("fair advance", "the engine's thread has ended"));
        }
        self.busy = true;
        self.next_ctx = Some(next_ctx);
        Ok(())
    }

    /// `w` checked here, against the context the engine will have when it takes it, when
    /// that is known; else left to the engine's thread (an error is then raised by the
    /// next call, as it would have been there).
    fn checked_here(&self, py: Python<'_>, w: Workload) -> PyResult<Batch> {
        let ctx = match (&self.inner, self.busy) {
            (Some(e), false) => Some(e.push_context()),
            _ => self.next_ctx,
        };
        let Some(c) = ctx else {
            return Ok(Batch::Unchecked(w));
        };
        // The core's check, guarded as on the engine's thread (a panic is an InternalError);
        // a failed check is made again on the engine's thread, which raises it.
        match guard_core(|| Ok(c.check(w))) {
            Ok(Ok(Ok(c))) => Ok(Batch::Checked(c)),
            Ok(Ok(Err(e))) => Ok(Batch::Unchecked(e.1)),
            Ok(Err(e)) => Err(to_pyerr(py, e)),
            Err(panic) => Err(internal("fair push", &panic)),
        }
    }
}

impl Drop for FairEngine {
    /// A background advance still running is told to stop; the thread then ends, dropping
    /// the engine.
    fn drop(&mut self) {
        if let Some(w) = &self.worker {
            w.stop.store(true, Ordering::Relaxed);
        }
    }
}

#[pymethods]
impl FairEngine {
    /// The settings are `schedkit_core::fair::Config`'s, as `schedkit.fair.RunSpec` holds
    /// them (grace in seconds, tau used only when `partition`).
    #[new]
    #[pyo3(signature = (cores, policy, *, partition=false, tau=0.5, max_partition_tasks=100_000_000,
        estimate="oracle", noise=0.5, seed=0, grace=3.0, record_tasks=false, finished_in_push_order=false,
        memory=None, nodes=None,
        weights=Vec::new(), pools=Vec::new(), pool_config=Vec::new(), overheads=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        cores: i64,
        policy: &str,
        partition: bool,
        tau: f64,
        max_partition_tasks: usize,
        estimate: &str,
        noise: f64,
        seed: u64,
        grace: f64,
        record_tasks: bool,
        finished_in_push_order: bool,
        memory: Option<f64>,
        nodes: Option<NodesArg>,
        weights: Vec<(String, f64)>,
        pools: Vec<(String, PoolArg)>,
        pool_config: Vec<(String, PoolTuple)>,
        overheads: Option<OverheadTuple>,
    ) -> PyResult<Self> {
        let build = || -> Result<Engine, CoreError> {
            let cfg = Config {
                partition: partition.then_some(tau),
                max_partition_tasks,
                estimate: Estimate::parse(estimate)?,
                noise,
                seed,
                grace,
                record_tasks,
                finished_in_push_order,
                memory: memory.unwrap_or(f64::INFINITY),
                nodes: match nodes {
                    None => Nodes::Pooled,
                    Some(NodesArg::Count(n)) => Nodes::Equal(n),
                    Some(NodesArg::Given(v)) => Nodes::Given(v),
                },
                weights,
                pools: pools
                    .into_iter()
                    .map(|(user, p)| {
                        let p = match p {
                            PoolArg::Name(name) => UserPool::Named(name),
                            PoolArg::Spec((w, m, f)) => UserPool::Own(PoolSpec::given(w, m, f)),
                        };
                        (user, p)
                    })
                    .collect(),
                pool_config: pool_config
                    .into_iter()
                    .map(|(name, (w, m, f))| (name, PoolSpec::given(w, m, f)))
                    .collect(),
                overheads: overheads.map(|(js, ss, tl, rd, ex, ec, cj, td, sl)| Overheads {
                    job_service: js,
                    stage_service: ss,
                    task_launch: tl,
                    round_delay: rd,
                    task_dispatch: td,
                    executors: ex,
                    executor_cores: ec,
                    cfq_job_estimate: cj,
                    stage_lock: sl,
                }),
                ..Config::new(cores, Policy::parse(policy)?)
            };
            Engine::new(cfg)
        };
        Ok(FairEngine {
            inner: Some(build().py(py)?),
            worker: None,
            busy: false,
            next_ctx: None,
            records: Vec::new(),
        })
    }

    /// Adds users by name (weights and pools by the engine's settings); returns the index
    /// of the first.
    fn add_users(&mut self, py: Python<'_>, names: Vec<String>) -> PyResult<usize> {
        let eng = self.eng(py)?;
        let first = eng.n_users();
        for name in &names {
            eng.add_user(name).py(py)?;
        }
        Ok(first)
    }

    /// The index of the FAIR pool `name` for `push(job_pool=...)` (see
    /// `schedkit_core::fair::Engine::pool`: an unknown name is an error when pools are
    /// configured); `what` names who asked, for the message. 0 under other policies.
    fn pool(&mut self, py: Python<'_>, name: &str, what: &str) -> PyResult<usize> {
        self.eng(py)?.pool(name, "pool", what).py(py)
    }

    /// Whether the policy reads the stages' (cpu, memory) requests (DRF).
    #[getter]
    fn uses_requests(&mut self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.eng(py)?.config().policy.uses_requests())
    }

    /// DRF: the nodes' (cpu capacities, memory capacities); None for other policies.
    #[getter]
    fn nodes(&mut self, py: Python<'_>) -> PyResult<Option<(Vec<f64>, Vec<f64>)>> {
        let cfg = self.eng(py)?.config();
        Ok((cfg.policy == Policy::Drf).then(|| cfg.drf_nodes().into_iter().unzip()))
    }

    /// Adds a batch of jobs (see `schedkit_core::fair::Workload` for the layout). With
    /// `advance_to`, the batch is checked and added and the engine advanced to that time on
    /// the engine's own thread, as `start_advance` does: a bad batch is then raised by the
    /// next call.
    #[pyo3(signature = (job_tag, job_user, job_submit, job_after, job_think, job_class, task_offsets,
        task_duration, *, job_stages=None, stage_id=None, stage_parents=None, parents=None, stage_cpu=None,
        stage_mem=None, job_pool=None, job_estimate=None, job_tie=None, advance_to=None))]
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
        task_offsets: PyReadonlyArray1<'_, i64>,
        task_duration: PyReadonlyArray1<'_, f64>,
        job_stages: Option<PyReadonlyArray1<'_, i64>>,
        stage_id: Option<PyReadonlyArray1<'_, i64>>,
        stage_parents: Option<PyReadonlyArray1<'_, i64>>,
        parents: Option<PyReadonlyArray1<'_, i64>>,
        stage_cpu: Option<PyReadonlyArray1<'_, f64>>,
        stage_mem: Option<PyReadonlyArray1<'_, f64>>,
        job_pool: Option<PyReadonlyArray1<'_, i64>>,
        job_estimate: Option<PyReadonlyArray1<'_, f64>>,
        job_tie: Option<PyReadonlyArray1<'_, i64>>,
        advance_to: Option<f64>,
    ) -> PyResult<()> {
        let build = || -> Result<Workload, CoreError> {
            Ok(Workload {
                job_tag: vec1(&job_tag),
                job_user: indices("user", &vec1(&job_user))?,
                job_submit: vec1(&job_submit),
                job_after: vec1(&job_after),
                job_think: vec1(&job_think),
                job_class: indices("job_class", &vec1(&job_class))?,
                job_pool: job_pool.map(|a| vec1(&a)).unwrap_or_default(),
                job_estimate: job_estimate.map(|a| vec1(&a)).unwrap_or_default(),
                job_tie: job_tie.map(|a| vec1(&a)).unwrap_or_default(),
                job_stages: indices_opt("job_stages", job_stages)?,
                task_offsets: indices("task_offsets", &vec1(&task_offsets))?,
                stage_id: stage_id.map(|a| vec1(&a)).unwrap_or_default(),
                stage_parents: indices_opt("stage_parents", stage_parents)?,
                parents: parents.map(|a| vec1(&a)).unwrap_or_default(),
                task_duration: vec1(&task_duration),
                stage_cpu: stage_cpu.map(|a| vec1(&a)).unwrap_or_default(),
                stage_mem: stage_mem.map(|a| vec1(&a)).unwrap_or_default(),
            })
        };
        let w = build().py(py)?;
        if let Some(until) = advance_to {
            let batch = self.checked_here(py, w)?;
            return self.in_background(py, Some(batch), until);
        }
        let eng = self.eng(py)?;
        detach(py, "fair push", || eng.push_owned(w))
    }

    /// Processes every event before `until` (Ctrl-C stops it with KeyboardInterrupt).
    fn advance(&mut self, py: Python<'_>, until: f64) -> PyResult<()> {
        let eng = self.eng(py)?;
        run_interruptible(py, "fair advance", |stop| {
            eng.advance(until, &Budget::new(None, Some(stop)))
        })
    }

    /// `advance(until)` on a thread of its own; returns at once. The next call on this
    /// engine waits for it (Ctrl-C stops it then) and raises its error, if any.
    fn start_advance(&mut self, py: Python<'_>, until: f64) -> PyResult<()> {
        self.in_background(py, None, until)
    }

    /// Runs until every pushed job has finished (Ctrl-C stops it with KeyboardInterrupt).
    fn finish(&mut self, py: Python<'_>) -> PyResult<()> {
        let eng = self.eng(py)?;
        run_interruptible(py, "fair finish", |stop| {
            eng.finish(&Budget::new(None, Some(stop)))
        })
    }

    /// The jobs finished since the last call, as a dict of NumPy arrays, in completion
    /// order; with `finished_in_push_order`, all of them in push order once every pushed
    /// job has finished (empty before).
    fn take_finished<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.eng(py)?;
        let Some(eng) = self.inner.as_mut() else {
            return Err(internal("fair engine", "no engine after waiting for it"));
        };
        let mut f = if eng.config().finished_in_push_order && !self.records.is_empty() {
            // Pieces taken at the hand-overs to the engine's thread come first.
            if eng.live_jobs() > 0 {
                fair::Finished::default()
            } else {
                let mut parts = std::mem::take(&mut self.records);
                parts.extend(eng.take_records());
                fair::Finished::concat(parts)
            }
        } else {
            eng.take_finished()
        };
        let d = PyDict::new(py);
        put_run_columns(py, &d, &mut f)?;
        d.set_item("gid", f.gid.into_pyarray(py))?;
        d.set_item("tag", f.tag.into_pyarray(py))?;
        d.set_item("user", as_i64(&f.user).into_pyarray(py))?;
        d.set_item("class", as_i64(&f.class).into_pyarray(py))?;
        Ok(d)
    }

    /// With `finished_in_push_order`: the next records in push order, one dict of NumPy
    /// arrays per pushed batch whose jobs have all finished (the run's columns: submit,
    /// start, finish, work, estimate, n_tasks, alone), handed over without a copy; the
    /// pieces of successive calls one after the other are every job's record once the run
    /// has finished. Unlike the other calls it does not wait for a background advance: it
    /// then returns the pieces taken when that advance was started.
    fn take_records<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        if let (false, Some(eng)) = (self.busy, self.inner.as_mut()) {
            self.records.extend(eng.take_records());
        }
        let parts = std::mem::take(&mut self.records);
        let mut out = Vec::with_capacity(parts.len());
        for mut f in parts {
            let d = PyDict::new(py);
            put_run_columns(py, &d, &mut f)?;
            out.push(d);
        }
        Ok(out)
    }

    /// The task records made since the last call (with `record_tasks=True`).
    fn take_tasks<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.eng(py)?.take_tasks();
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
    fn live_jobs(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.eng(py)?.live_jobs())
    }
    #[getter]
    fn events(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.eng(py)?.events())
    }
    #[getter]
    fn pushed(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.eng(py)?.pushed())
    }
    #[getter]
    fn horizon(&mut self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.eng(py)?.horizon())
    }
    #[getter]
    fn n_users(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.eng(py)?.n_users())
    }
}

/// (V after each arrival, the user's chain end, each job's last deadline).
type VirtualTrace<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// UWFQ virtual-time trace for testing against a GPS reference: for each arrival (in the
/// given order), V just after it, the user's chain end E, and every job's last deadline
/// (`schedkit_core::fair::uwfq_trace`, which checks the input).
#[pyfunction]
#[pyo3(signature = (cores, times, users, work, weights, grace=-1e300))]
pub(crate) fn fair_uwfq_virtual<'py>(
    py: Python<'py>,
    cores: i64,
    times: Vec<f64>,
    users: Vec<i64>,
    work: Vec<f64>,
    weights: Vec<f64>,
    grace: f64,
) -> PyResult<VirtualTrace<'py>> {
    let t = fair::uwfq_trace(cores, &times, &users, &work, &weights, grace).py(py)?;
    Ok((
        t.v.into_pyarray(py),
        t.e.into_pyarray(py),
        t.deadline.into_pyarray(py),
    ))
}

/// The area's registries, added at module initialisation as (name, summary) rows;
/// `schedkit.fair.POLICIES` and `ESTIMATES` are built from them.
pub fn add_registries(m: &Bound<'_, PyModule>) -> PyResult<()> {
    fn rows<T>(t: &[Entry<T>]) -> Vec<(&'static str, &'static str)> {
        t.iter().map(|e| (e.name, e.summary)).collect()
    }
    m.add("FAIR_POLICIES", rows(&fair::POLICIES))?;
    m.add("FAIR_ESTIMATES", rows(&fair::ESTIMATES))?;
    Ok(())
}

/// Moves the run's columns of record `f` into `d` as NumPy arrays, without a copy (the
/// columns `take_finished` and `take_records` both hand over); `f` keeps its other columns.
fn put_run_columns(py: Python<'_>, d: &Bound<'_, PyDict>, f: &mut fair::Finished) -> PyResult<()> {
    d.set_item("n_tasks", std::mem::take(&mut f.n_tasks).into_pyarray(py))?;
    for (k, v) in [
        ("submit", &mut f.submit),
        ("start", &mut f.start),
        ("finish", &mut f.finish),
        ("work", &mut f.work),
        ("estimate", &mut f.estimate),
        ("alone", &mut f.alone),
    ] {
        d.set_item(k, std::mem::take(v).into_pyarray(py))?;
    }
    Ok(())
}
