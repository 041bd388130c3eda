//! Local search for 1||Σw_jT_j: adjacent pairwise interchange, insertion, and iterated
//! local search. Every move is evaluated incrementally and applied only when it lowers the
//! objective by more than a relative 1e-12, so float noise cannot make the search cycle and
//! the result is never worse than the start.

use super::{rules, Instance, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::SplitMix64;

/// The neighbourhoods `improve` can apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Neighbourhood {
    /// Adjacent pairwise interchange, first improvement, to a local optimum.
    Api,
    /// Remove one job and reinsert it elsewhere; for each job in sequence order the best
    /// position is taken if it improves; passes repeat until none does.
    Insertion,
    /// Insertion then API, repeated until neither improves.
    Both,
}

fn improves(delta: f64, objective: f64) -> bool {
    delta < -1e-12 * objective.abs().max(1.0)
}

fn tard(inst: &Instance, j: usize, c: f64) -> f64 {
    inst.w()[j] * (c - inst.d()[j]).max(0.0)
}

/// One API pass structure repeated to a local optimum. Returns true if anything changed.
fn api(inst: &Instance, seq: &mut [usize], budget: &Budget) -> bool {
    let p = inst.p();
    let n = seq.len();
    let mut changed_any = false;
    let mut objective = inst.objective(seq);
    loop {
        let mut changed = false;
        let mut t = 0.0; // start time of position i
        for i in 0..n.saturating_sub(1) {
            let (a, b) = (seq[i], seq[i + 1]);
            let before = tard(inst, a, t + p[a]) + tard(inst, b, t + p[a] + p[b]);
            let after = tard(inst, b, t + p[b]) + tard(inst, a, t + p[a] + p[b]);
            if improves(after - before, objective) {
                seq.swap(i, i + 1);
                objective += after - before;
                changed = true;
            }
            t += p[seq[i]];
        }
        changed_any |= changed;
        if !changed || budget.exhausted() {
            return changed_any;
        }
    }
}

/// Insertion passes to a local optimum, O(n²) per pass with O(1) per tried position.
fn insertion(inst: &Instance, seq: &mut Vec<usize>, budget: &Budget) -> bool {
    let p = inst.p();
    let n = seq.len();
    if n < 2 {
        return false;
    }
    let mut c = vec![0.0; n];
    let mut objective = inst.objective(seq);
    let mut changed_any = false;
    loop {
        let mut changed = false;
        for i in 0..n {
            if i % 64 == 0 && budget.exhausted() {
                return changed_any || changed;
            }
            let mut t = 0.0;
            for k in 0..n {
                t += p[seq[k]];
                c[k] = t;
            }
            let x = seq[i];
            let base = tard(inst, x, c[i]);
            let mut best = (0.0, i);
            // Later positions: jobs i+1..=j shift earlier by p_x; x ends at c[j].
            let mut shift = 0.0;
            for j in i + 1..n {
                let y = seq[j];
                shift += tard(inst, y, c[j] - p[x]) - tard(inst, y, c[j]);
                let delta = shift + tard(inst, x, c[j]) - base;
                if delta < best.0 {
                    best = (delta, j);
                }
            }
            // Earlier positions: jobs j..i-1 shift later by p_x; x ends at start(j) + p_x.
            let mut shift = 0.0;
            for j in (0..i).rev() {
                let y = seq[j];
                shift += tard(inst, y, c[j] + p[x]) - tard(inst, y, c[j]);
                let start_j = c[j] - p[y];
                let delta = shift + tard(inst, x, start_j + p[x]) - base;
                if delta < best.0 {
                    best = (delta, j);
                }
            }
            if improves(best.0, objective) {
                let x = seq.remove(i);
                seq.insert(best.1, x);
                objective += best.0;
                changed = true;
            }
        }
        changed_any |= changed;
        if !changed {
            return changed_any;
        }
    }
}

/// Improves `seq` in place with the chosen neighbourhood; never makes it worse. Returns
/// `Err(Interrupted)` if the stop flag is raised; a time-out just stops early.
pub fn improve(inst: &Instance, seq: &mut Vec<usize>, how: Neighbourhood, budget: &Budget) -> CoreResult<()> {
    match how {
        Neighbourhood::Api => {
            api(inst, seq, budget);
        }
        Neighbourhood::Insertion => {
            insertion(inst, seq, budget);
        }
        Neighbourhood::Both => loop {
            let a = insertion(inst, seq, budget);
            let b = api(inst, seq, budget);
            if !(a || b) || budget.exhausted() {
                break;
            }
        },
    }
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok(())
}

/// Iterated local search: start from the best of MDD, ATC (auto k) and, for unit weights,
/// MDDC, each improved with `Both`; then repeatedly perturb the incumbent with `strength`
/// random segment moves, improve, and keep the result if it is no worse. Stops after
/// `iterations` rounds or when the budget runs out, whichever comes first; for a fixed seed
/// the result is deterministic when it stops on `iterations`.
pub fn ils(
    inst: &Instance,
    seed: u64,
    iterations: usize,
    strength: usize,
    budget: &Budget,
) -> CoreResult<Solution> {
    let n = inst.len();
    let mut starts = vec![rules::mdd(inst), rules::atc_auto(inst).0];
    if inst.has_unit_weights() {
        starts.push(rules::mddc(inst));
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    for mut s in starts {
        improve(inst, &mut s, Neighbourhood::Both, budget)?;
        let obj = inst.objective(&s);
        if best.as_ref().is_none_or(|b| obj < b.0) {
            best = Some((obj, s));
        }
    }
    let (mut best_obj, mut best_seq) = best.unwrap_or((0.0, Vec::new()));
    let mut rng = SplitMix64::new(seed);
    let mut current = best_seq.clone();
    let mut current_obj = best_obj;
    if n >= 3 {
        for _ in 0..iterations {
            if budget.exhausted() || best_obj == 0.0 {
                break;
            }
            let mut cand = current.clone();
            for _ in 0..strength.max(1) {
                // Move a random block of up to 3 jobs to a random place.
                let len = 1 + rng.below(3.min(n - 1));
                let from = rng.below(n - len + 1);
                let block: Vec<usize> = cand.drain(from..from + len).collect();
                let to = rng.below(cand.len() + 1);
                for (k, x) in block.into_iter().enumerate() {
                    cand.insert(to + k, x);
                }
            }
            improve(inst, &mut cand, Neighbourhood::Both, budget)?;
            let obj = inst.objective(&cand);
            if obj <= current_obj {
                current = cand;
                current_obj = obj;
                if obj < best_obj {
                    best_obj = obj;
                    best_seq = current.clone();
                }
            }
        }
    }
    if budget.interrupted() {
        return Err(CoreError::Interrupted);
    }
    Ok(Solution::heuristic(inst, best_seq))
}
