//! Long calls run on a worker thread with the GIL released while this thread watches for
//! signals, so Ctrl-C raises KeyboardInterrupt within ~50 ms instead of after the solve. A
//! panic on the worker is caught there and raised as `schedkit.exceptions.InternalError`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use pyo3::prelude::*;
use schedkit_core::CoreResult;

use crate::errors::{guard_core, internal, IntoPy};

pub fn run_interruptible<T: Send>(
    py: Python<'_>,
    what: &str,
    work: impl FnOnce(&AtomicBool) -> CoreResult<T> + Send,
) -> PyResult<T> {
    let stop = AtomicBool::new(false);
    let (result, signal) = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            let stop_ref = &stop;
            scope.spawn(move || {
                let _ = tx.send(guard_core(|| work(stop_ref)));
            });
            wait_watching_signals(&rx, &stop)
        })
    });
    if let Some(e) = signal {
        return Err(e);
    }
    match result {
        Some(Ok(r)) => r.py(py),
        Some(Err(panic)) => Err(internal(what, &panic)),
        None => Err(internal(what, "the worker thread ended without a result")),
    }
}

/// Waits (GIL released by the caller) for a worker's one message on `rx`, checking for
/// signals every 50 ms; on the first one it raises `stop`, so the worker ends soon, and
/// keeps waiting for the message. Returns the message (None if the worker ended without
/// sending one) and the signal's exception, if any.
pub fn wait_watching_signals<R>(rx: &mpsc::Receiver<R>, stop: &AtomicBool) -> (Option<R>, Option<PyErr>) {
    let mut signal: Option<PyErr> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => return (Some(r), signal),
            Err(mpsc::RecvTimeoutError::Disconnected) => return (None, signal),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if signal.is_none() {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        signal = Some(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}
