//! Priorities: HEFT's upward rank, CPOP's downward rank, PEFT's optimistic cost table, the
//! critical path, and a tolerant ordering so that float noise never decides a tie.

use super::instance::{Platform, TaskGraph};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::OrdF64;

/// Relative tolerance under which two ranks are equal (79.99999999999999 ties with 80).
pub const RANK_RTOL: f64 = 1e-9;

/// True when a and b are equal up to [`RANK_RTOL`] (relative, with an absolute floor of 1).
#[inline]
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= RANK_RTOL * a.abs().max(b.abs()).max(1.0)
}

/// rank_u(i) = w̄_i + max over successors j of (c̄_ij + rank_u(j)); w̄_i for an exit task.
pub fn upward_rank(g: &TaskGraph, p: &Platform) -> Vec<f64> {
    let mut rank = vec![0.0; g.num_tasks()];
    for &i in g.topological_order().iter().rev() {
        let tail = g
            .succ(i)
            .map(|(j, d)| p.mean_comm(d) + rank[j])
            .fold(0.0, f64::max);
        rank[i] = p.mean_cost(i) + tail;
    }
    rank
}

/// rank_d(i) = max over predecessors j of (rank_d(j) + w̄_j + c̄_ji); 0 for an entry task.
pub fn downward_rank(g: &TaskGraph, p: &Platform) -> Vec<f64> {
    let mut rank = vec![0.0; g.num_tasks()];
    for &i in g.topological_order() {
        rank[i] = g
            .pred(i)
            .map(|(j, d)| rank[j] + p.mean_cost(j) + p.mean_comm(d))
            .fold(0.0, f64::max);
    }
    rank
}

/// PEFT's optimistic cost table, n x q row-major:
/// OCT(i, k) = max over successors j of min over processors w of
/// (OCT(j, w) + w(j, w) + [w != k] c̄_ij); 0 for an exit task.
///
/// Polls `budget`'s stop flag once per task (each costs O(successors x q)).
pub fn optimistic_cost_table(g: &TaskGraph, p: &Platform, budget: &Budget) -> CoreResult<Vec<f64>> {
    let q = p.num_processors();
    let mut oct = vec![0.0; g.num_tasks() * q];
    // best[j] = min_w OCT(j, w) + w(j, w), filled once j is done.
    let mut best = vec![0.0; g.num_tasks()];
    for &i in g.topological_order().iter().rev() {
        if budget.interrupted() {
            return Err(CoreError::Interrupted);
        }
        let mut row = vec![0.0f64; q];
        for (j, d) in g.succ(i) {
            let c = p.mean_comm(d);
            let far = best[j] + c;
            for (k, r) in row.iter_mut().enumerate() {
                let here = oct[j * q + k] + p.w(j, k);
                *r = r.max(here.min(far));
            }
        }
        best[i] = row
            .iter()
            .zip(p.row(i))
            .map(|(o, w)| o + w)
            .fold(f64::INFINITY, f64::min);
        oct[i * q..(i + 1) * q].copy_from_slice(&row);
    }
    Ok(oct)
}

/// rank_oct(i) = mean over processors of OCT(i, k).
pub fn oct_rank(oct: &[f64], q: usize) -> Vec<f64> {
    oct.chunks_exact(q)
        .map(|r| r.iter().sum::<f64>() / q as f64)
        .collect()
}

/// Tasks by non-increasing `rank`, where ranks within [`RANK_RTOL`] of the first task of their
/// group tie; ties go to the lower level (fewer edges from an entry), then the lower id.
/// With non-negative costs the result is a topological order whenever `rank` is rank_u.
pub fn order_by_rank(rank: &[f64], level: &[usize]) -> Vec<usize> {
    // Sorting contiguous (key, level, id) triples rather than ids that index into `rank` and
    // `level` is several times faster on large graphs (no cache miss per comparison); ids are
    // unique, so the unstable sort is deterministic. Negation under total_cmp turns the
    // non-increasing rank order into an increasing one.
    let mut keys: Vec<(OrdF64, usize, usize)> =
        (0..rank.len()).map(|i| (OrdF64(-rank[i]), level[i], i)).collect();
    keys.sort_unstable();
    let mut idx: Vec<usize> = keys.into_iter().map(|k| k.2).collect();
    let mut start = 0;
    while start < idx.len() {
        let anchor = rank[idx[start]];
        let mut end = start + 1;
        while end < idx.len() && close(anchor, rank[idx[end]]) {
            end += 1;
        }
        if end - start > 1 {
            idx[start..end].sort_by(|&a, &b| level[a].cmp(&level[b]).then(a.cmp(&b)));
        }
        start = end;
    }
    idx
}

/// Position of each task in `order` (smaller = higher priority): a strict integer key for heaps.
pub fn positions(order: &[usize]) -> Vec<usize> {
    let mut pos = vec![0; order.len()];
    for (k, &i) in order.iter().enumerate() {
        pos[i] = k;
    }
    pos
}

/// CP_MIN: the heaviest path when every task takes its minimum cost and communication is free.
/// Returns (Σ min cost along it, the path from entry to exit). The SLR denominator.
pub fn min_cost_critical_path(g: &TaskGraph, p: &Platform) -> (f64, Vec<usize>) {
    let n = g.num_tasks();
    if n == 0 {
        return (0.0, Vec::new());
    }
    let wmin: Vec<f64> = (0..n)
        .map(|i| p.row(i).iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let mut dist = vec![0.0f64; n];
    let mut next = vec![usize::MAX; n];
    for &i in g.topological_order().iter().rev() {
        let mut best = 0.0f64;
        let mut arg = usize::MAX;
        for (j, _) in g.succ(i) {
            if arg == usize::MAX || dist[j] > best {
                best = dist[j];
                arg = j;
            }
        }
        dist[i] = wmin[i] + best;
        next[i] = arg;
    }
    let mut start = 0;
    for i in 1..n {
        if dist[i] > dist[start] {
            start = i;
        }
    }
    let mut path = vec![start];
    while next[*path.last().unwrap_or(&start)] != usize::MAX {
        let last = path[path.len() - 1];
        path.push(next[last]);
    }
    (dist[start], path)
}

/// Sequential time: min over processors of Σ_i w(i, p), all tasks on the best single processor.
pub fn sequential_time(p: &Platform) -> f64 {
    let q = p.num_processors();
    let mut sums = vec![0.0f64; q];
    for i in 0..p.num_tasks() {
        for (s, w) in sums.iter_mut().zip(p.row(i)) {
            *s += w;
        }
    }
    sums.into_iter().fold(f64::INFINITY, f64::min)
}
