//! User-defined priorities (the slow path): at every event a [`PriorityFn`] receives a
//! [`ViewBatch`] of the alive jobs, holding only what its [`Info`] class allows, and returns
//! one priority per job; the m smallest (ties: release order) run at rate 1 until the next
//! event. Events are releases, operation completions and, with a `quantum`, a re-evaluation
//! at most `quantum` time units after the previous one. Each event costs a call and
//! O(alive) work.

use super::index::{EngineOut, Poll};
use super::info::{Info, JobState};
use super::log::Recorder;
use super::Jobs;
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

/// The alive jobs at an event, in release order. Hidden fields are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewBatch {
    pub time: f64,
    pub job: Vec<i64>,
    pub release: Vec<f64>,
    pub weight: Vec<f64>,
    pub attained: Vec<f64>,
    pub op_index: Vec<i64>,
    pub op_attained: Vec<f64>,
    pub op_size: Option<Vec<f64>>,
    pub estimate: Option<Vec<f64>>,
    pub remaining: Option<Vec<f64>>,
    pub ops_total: Option<Vec<i64>>,
}

/// A priority function: one finite or infinite (not NaN) value per job of the view; smaller
/// runs first.
pub trait PriorityFn {
    fn priorities(&mut self, view: &ViewBatch) -> CoreResult<Vec<f64>>;
}

impl<F: FnMut(&ViewBatch) -> CoreResult<Vec<f64>>> PriorityFn for F {
    fn priorities(&mut self, view: &ViewBatch) -> CoreResult<Vec<f64>> {
        self(view)
    }
}

fn build_view(st: &JobState, alive: &[usize], t: f64) -> ViewBatch {
    let mut v = ViewBatch {
        time: t,
        ..Default::default()
    };
    let with_size = matches!(st.info, Info::Revealed | Info::Clairvoyant);
    let with_est = st.info != Info::NonClairvoyant && st.jobs.estimate().is_some();
    let with_rem = st.info == Info::Clairvoyant;
    let with_count = with_rem || st.known_count;
    let (mut size, mut est, mut rem, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &j in alive {
        let k = st.view(j);
        v.job.push(j as i64);
        v.release.push(k.release());
        v.weight.push(k.weight());
        v.attained.push(k.attained());
        v.op_index.push(k.op_index() as i64);
        v.op_attained.push(k.op_attained());
        if let Some(x) = k.op_size() {
            size.push(x);
        }
        if let Some(x) = k.estimate() {
            est.push(x);
        }
        if let Some(x) = k.remaining() {
            rem.push(x);
        }
        if let Some(x) = k.ops_total() {
            count.push(x as i64);
        }
    }
    v.op_size = with_size.then_some(size);
    v.estimate = with_est.then_some(est);
    v.remaining = with_rem.then_some(rem);
    v.ops_total = with_count.then_some(count);
    v
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    jobs: &Jobs,
    f: &mut dyn PriorityFn,
    info: Info,
    known_count: bool,
    quantum: Option<f64>,
    m: usize,
    rec: &mut Recorder,
    budget: &Budget,
) -> CoreResult<EngineOut> {
    if let Some(q) = quantum {
        if !(q.is_finite() && q > 0.0) {
            return Err(CoreError::invalid(
                "quantum",
                None,
                format!("must be finite and > 0, got {q}"),
            ));
        }
    }
    let n = jobs.len();
    let order = jobs.order();
    let release = jobs.release();
    let mut st = JobState::new(jobs, info, known_count);
    let mut alive: Vec<usize> = Vec::new();
    let mut running: Vec<usize> = Vec::new();
    let (mut t, mut next, mut events, mut finished) = (0.0f64, 0usize, 0u64, true);
    let mut last_decision = 0.0f64;
    let mut idx: Vec<usize> = Vec::new();
    let mut poll = Poll::default();
    'sim: loop {
        let t0 = t;
        if running.is_empty() {
            if next >= n {
                break;
            }
            t = t.max(release[order[next] as usize]);
        } else {
            let mut d = running
                .iter()
                .map(|&j| st.op_rem(j))
                .fold(f64::INFINITY, f64::min);
            if let Some(q) = quantum {
                d = d.min((last_decision + q - t).max(0.0));
            }
            let t_rel = if next < n {
                release[order[next] as usize]
            } else {
                f64::INFINITY
            };
            let dt = if t_rel - t <= d {
                let dt = (t_rel - t).max(0.0);
                t = t_rel;
                dt
            } else {
                t += d;
                d
            };
            for &j in &running {
                rec.run(t0, t, j, st.cur(j), 1.0)?;
                st.hot[j].op_rem -= dt;
            }
        }
        events += 1;
        if poll.tick(budget)? {
            finished = false;
            break;
        }
        let mut any_done = false;
        for &j in &running {
            if st.op_rem(j) <= 0.0 {
                let op = st.cur(j);
                if st.finish_op(j, t) {
                    rec.op_done(t, j, op, Some(st.op_rem(j)))?;
                } else {
                    rec.op_done(t, j, op, None)?;
                    any_done = true;
                }
            }
        }
        if any_done {
            alive.retain(|&j| st.completion[j].is_nan());
        }
        while next < n && release[order[next] as usize] <= t {
            if poll.tick(budget)? {
                finished = false;
                break 'sim;
            }
            let j = order[next] as usize;
            next += 1;
            st.release(j);
            rec.release(release[j], j, st.op_rem(j))?;
            alive.push(j);
        }
        running.clear();
        if alive.is_empty() {
            continue;
        }
        let view = build_view(&st, &alive, t);
        let prio = f.priorities(&view)?;
        last_decision = t;
        if prio.len() != alive.len() {
            return Err(CoreError::invalid(
                "priorities",
                None,
                format!(
                    "the policy returned {} priorities for {} alive jobs",
                    prio.len(),
                    alive.len()
                ),
            ));
        }
        if let Some(i) = prio.iter().position(|p| p.is_nan()) {
            return Err(CoreError::invalid("priorities", Some(i), "priority is NaN"));
        }
        idx.clear();
        idx.extend(0..alive.len());
        let cmp = |a: &usize, b: &usize| {
            prio[*a]
                .partial_cmp(&prio[*b])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(b))
        };
        if idx.len() > m {
            idx.select_nth_unstable_by(m - 1, cmp);
            idx.truncate(m);
        }
        running.extend(idx.iter().map(|&i| alive[i]));
    }
    Ok((st.completion, events, finished))
}
