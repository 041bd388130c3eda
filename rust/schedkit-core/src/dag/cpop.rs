//! CPOP (Topcuoglu et al. 2002): tasks on the critical path all go to the one processor that
//! runs the whole path fastest; the others to their least-EFT processor, in priority order
//! rank_u + rank_d over a ready list.

use super::engine::Engine;
use super::instance::{check_pair, Platform, TaskGraph};
use super::ranks::{downward_rank, order_by_rank, positions, upward_rank, RANK_RTOL};
use super::{check_stop, ready_list, Options, Schedule};
use crate::budget::Budget;
use crate::error::CoreResult;

/// The critical path (priority = rank_u + rank_d): from the entry task of highest priority,
/// repeatedly the successor of highest priority, until an exit task. "Highest" uses the
/// tolerant order of [`order_by_rank`], so several entries or exits act like a zero-cost pseudo
/// entry and exit, and float noise never breaks the path.
pub fn critical_path(g: &TaskGraph, priority: &[f64]) -> Vec<usize> {
    critical_path_by(g, &positions(&order_by_rank(priority, g.levels())))
}

/// [`critical_path`] given each task's position in the priority order.
fn critical_path_by(g: &TaskGraph, pos: &[usize]) -> Vec<usize> {
    let Some(mut cur) = (0..g.num_tasks())
        .filter(|&i| g.in_degree(i) == 0)
        .min_by_key(|&i| pos[i])
    else {
        return Vec::new();
    };
    let mut path = vec![cur];
    while let Some((next, _)) = g.succ(cur).min_by_key(|&(j, _)| pos[j]) {
        path.push(next);
        cur = next;
    }
    path
}

/// The processor minimising the summed cost of `path` (ties within 1e-9 to the lowest index).
pub fn path_processor(p: &Platform, path: &[usize]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for b in 0..p.num_processors() {
        let s: f64 = path.iter().map(|&i| p.w(i, b)).sum();
        if !best.0.is_finite() || s < best.0 - RANK_RTOL * best.0.abs().max(1.0) {
            best = (s, b);
        }
    }
    best.1
}

/// CPOP. Ready list by priority rank_u + rank_d, non-increasing, ties as in HEFT (lower level,
/// then lower id). A critical-path task goes to the critical-path processor at its earliest
/// (insertion) start; any other task to its least-EFT processor (ties to the lowest index).
pub fn cpop(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    // Each phase is linear or a sort; the stop flag is read between them.
    let up = upward_rank(g, p);
    check_stop(budget)?;
    let down = downward_rank(g, p);
    check_stop(budget)?;
    let priority: Vec<f64> = up.iter().zip(&down).map(|(a, b)| a + b).collect();
    let order = order_by_rank(&priority, g.levels());
    check_stop(budget)?;
    let key = positions(&order);
    let path = critical_path_by(g, &key);
    let cp_proc = path_processor(p, &path);
    let mut on_path = vec![false; g.num_tasks()];
    path.iter().for_each(|&i| on_path[i] = true);
    check_stop(budget)?;
    let mut e = Engine::new(g, p, opts, None, budget);
    ready_list(g, &key, |i| {
        if on_path[i] {
            let s = e.est_on(i, cp_proc, 0.0)?;
            e.place(i, cp_proc, s)
        } else {
            e.place_best(i, 0.0, None)
        }
    })?;
    e.finish_schedule()
}
