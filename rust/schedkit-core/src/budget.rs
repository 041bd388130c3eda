//! Time limits and cooperative cancellation for long-running calls.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A deadline plus an optional stop flag that another thread (the Python binding's
/// signal watcher) may raise. Solvers poll [`Budget::exhausted`] every few thousand steps.
#[derive(Clone, Copy, Default)]
pub struct Budget<'a> {
    deadline: Option<Instant>,
    stop: Option<&'a AtomicBool>,
}

impl<'a> Budget<'a> {
    /// No limit and no stop flag.
    pub fn unlimited() -> Self {
        Budget::default()
    }

    pub fn new(time_limit: Option<f64>, stop: Option<&'a AtomicBool>) -> Self {
        // A limit too far ahead for an Instant (1e308 s) is no deadline at all, not a panic.
        let deadline = time_limit
            .filter(|s| s.is_finite())
            .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok())
            .and_then(|d| Instant::now().checked_add(d));
        Budget { deadline, stop }
    }

    /// True once the deadline has passed or the stop flag is raised.
    pub fn exhausted(&self) -> bool {
        self.interrupted() || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// True when the stop flag is raised (as opposed to a plain time-out).
    pub fn interrupted(&self) -> bool {
        self.stop.is_some_and(|f| f.load(Ordering::Relaxed))
    }
}
