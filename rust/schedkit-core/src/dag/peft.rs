//! PEFT (Arabnejad & Barbosa, IEEE TPDS 2014): a ready list by rank_oct, each task on the
//! processor minimising insertion EFT + OCT (its optimistic remaining cost there).

use super::engine::Engine;
use super::instance::{check_pair, Platform, TaskGraph};
use super::ranks::{oct_rank, optimistic_cost_table, order_by_rank, positions};
use super::{check_stop, ready_list, Options, Schedule};
use crate::budget::Budget;
use crate::error::CoreResult;

/// PEFT. Ready list by rank_oct non-increasing, ties as in HEFT (lower level, then lower id);
/// processor = argmin EFT(i, p) + OCT(i, p), ties (within 1e-9) to the lowest index.
/// OCT uses the average communication cost c̄, as in the paper.
pub fn peft(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    let q = p.num_processors();
    let oct = optimistic_cost_table(g, p, budget)?;
    let key = positions(&order_by_rank(&oct_rank(&oct, q), g.levels()));
    check_stop(budget)?;
    let mut e = Engine::new(g, p, opts, None, budget);
    ready_list(g, &key, |i| e.place_best(i, 0.0, Some(&oct[i * q..(i + 1) * q])))?;
    e.finish_schedule()
}
