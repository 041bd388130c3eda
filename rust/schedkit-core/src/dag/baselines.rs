//! Simple baselines: MCT (minimum completion time), MET (minimum execution time) and a
//! list scheduler with seeded random priorities.

use super::engine::Engine;
use super::instance::{check_pair, Platform, TaskGraph};
use super::ranks::RANK_RTOL;
use super::{ready_list, Options, Schedule};
use crate::budget::Budget;
use crate::error::CoreResult;
use crate::util::SplitMix64;

/// Tasks level by level (edges from an entry), lowest id first within a level.
fn level_order(g: &TaskGraph) -> Vec<usize> {
    let mut order: Vec<usize> = (0..g.num_tasks()).collect();
    let level = g.levels();
    order.sort_by_key(|&i| (level[i], i));
    order
}

/// MCT: tasks level by level (lowest id first), each on the processor where it completes
/// earliest (ties to the lowest index).
pub fn mct(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    let mut e = Engine::new(g, p, opts, None, budget);
    for i in level_order(g) {
        e.place_best(i, 0.0, None)?;
    }
    e.finish_schedule()
}

/// MET: tasks level by level (lowest id first), each on the processor where it runs fastest
/// (ties within 1e-9 to the lowest index), at its earliest start there.
pub fn met(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    let mut e = Engine::new(g, p, opts, None, budget);
    for i in level_order(g) {
        let row = p.row(i);
        let mut b = 0;
        for (k, &w) in row.iter().enumerate() {
            if w < row[b] - RANK_RTOL * row[b].abs().max(1.0) {
                b = k;
            }
        }
        let s = e.est_on(i, b, 0.0)?;
        e.place(i, b, s)?;
    }
    e.finish_schedule()
}

/// Random priorities: each task gets a priority from SplitMix64(seed); a ready list takes the
/// ready task of highest priority (so the order is a uniformly random-ish topological order),
/// and each task goes to its least-EFT processor (ties to the lowest index).
pub fn random(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    let n = g.num_tasks();
    let mut rng = SplitMix64::new(opts.seed);
    let draws: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by_key(|&i| (draws[i], i));
    let mut key = vec![0; n];
    for (k, &i) in idx.iter().enumerate() {
        key[i] = k;
    }
    let mut e = Engine::new(g, p, opts, None, budget);
    ready_list(g, &key, |i| e.place_best(i, 0.0, None))?;
    e.finish_schedule()
}
