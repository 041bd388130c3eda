//! HEFT (Topcuoglu, Hariri & Wu, IEEE TPDS 2002): tasks by non-increasing upward rank, each on
//! the processor of least insertion-based earliest finish time.

use super::engine::Engine;
use super::instance::{check_pair, Platform, TaskGraph};
use super::ranks::{order_by_rank, upward_rank};
use super::{check_stop, Options, Schedule};
use crate::budget::Budget;
use crate::error::CoreResult;

/// HEFT. Order: rank_u non-increasing; ranks within 1e-9 (relative) tie and go to the lower
/// level, then the lower task id. Processor: least EFT, ties (within 1e-9) to the lowest index.
pub fn heft(g: &TaskGraph, p: &Platform, opts: &Options, budget: &Budget) -> CoreResult<Schedule> {
    check_pair(g, p)?;
    let rank = upward_rank(g, p);
    check_stop(budget)?;
    let order = order_by_rank(&rank, g.levels());
    check_stop(budget)?;
    let mut e = Engine::new(g, p, opts, None, budget);
    for &i in &order {
        e.place_best(i, 0.0, None)?;
    }
    e.finish_schedule()
}
