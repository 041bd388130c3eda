//! Time limits and cooperative cancellation for long-running calls.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A deadline plus an optional stop flag that another thread (the Python binding's
/// signal watcher) may raise, and an optional flag a rival solver raises once it has
/// finished the same problem (see [`Budget::beside`]). Solvers poll [`Budget::exhausted`]
/// every few thousand steps.
#[derive(Clone, Copy, Default)]
pub struct Budget<'a> {
    deadline: Option<Instant>,
    stop: Option<&'a AtomicBool>,
    rival: Option<&'a AtomicBool>,
}

impl<'a> Budget<'a> {
    /// No limit and no stop flag.
    pub fn unlimited() -> Self {
        Budget::default()
    }

    /// A budget of `time_limit` seconds from now: `None`, `+inf` or NaN mean no deadline,
    /// zero or less (`-inf` too) an exhausted one. A limit beyond what the clock can hold
    /// (`1e308` s) also means no deadline: `Duration::from_secs_f64` and `Instant + Duration`
    /// would panic on it, so both use their checked forms. (The Python API rejects NaN and
    /// negative limits before they get here.)
    pub fn new(time_limit: Option<f64>, stop: Option<&'a AtomicBool>) -> Self {
        let now = Instant::now();
        let deadline = match time_limit {
            Some(s) if s <= 0.0 => Some(now),
            Some(s) => Duration::try_from_secs_f64(s)
                .ok()
                .and_then(|d| now.checked_add(d)),
            None => None,
        };
        Budget {
            deadline,
            stop,
            rival: None,
        }
    }

    /// This budget for one of two solvers racing on the same problem: it also runs out once
    /// `rival_done` is raised, which ends the call like a time-out (best answer so far and
    /// its bound), not like the stop flag (an interruption error).
    pub fn beside<'b>(&self, rival_done: &'b AtomicBool) -> Budget<'b>
    where
        'a: 'b,
    {
        Budget {
            deadline: self.deadline,
            stop: self.stop,
            rival: Some(rival_done),
        }
    }

    /// True once the deadline has passed or the stop flag is raised.
    pub fn exhausted(&self) -> bool {
        self.interrupted()
            || self.rival.is_some_and(|f| f.load(Ordering::Relaxed))
            || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// True when the stop flag is raised (as opposed to a plain time-out).
    pub fn interrupted(&self) -> bool {
        self.stop.is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_of_any_size_make_a_budget() {
        for limit in [
            0.0,
            -1.0,
            -f64::INFINITY,
            1e-300,
            1e9,
            1e19,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ] {
            let _ = Budget::new(Some(limit), None).exhausted();
        }
        assert!(Budget::new(Some(-5.0), None).exhausted());
        assert!(Budget::new(Some(0.0), None).exhausted());
        assert!(Budget::new(Some(-f64::INFINITY), None).exhausted());
        assert!(!Budget::new(Some(f64::INFINITY), None).exhausted());
        assert!(!Budget::new(Some(1e308), None).exhausted());
        assert!(!Budget::new(Some(f64::NAN), None).exhausted());
        assert!(!Budget::new(None, None).exhausted());
    }

    #[test]
    fn a_finished_rival_exhausts_the_budget_without_interrupting_it() {
        let (stop, rival) = (AtomicBool::new(false), AtomicBool::new(false));
        let budget = Budget::new(None, Some(&stop));
        let beside = budget.beside(&rival);
        assert!(!beside.exhausted());
        rival.store(true, Ordering::Relaxed);
        assert!(beside.exhausted() && !beside.interrupted());
        assert!(!budget.exhausted());
        stop.store(true, Ordering::Relaxed);
        assert!(beside.interrupted());
        assert!(Budget::new(Some(0.0), None)
            .beside(&AtomicBool::new(false))
            .exhausted());
    }
}
