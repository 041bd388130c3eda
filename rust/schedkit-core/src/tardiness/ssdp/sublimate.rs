//! Stage 3 of SSDP: successive sublimation.
//!
//! The state (arc, S) adds S = the jobs of a set M already in the path, so a job of M can
//! occur at most once, and the path must end with S = M. With the stage-2 arcs and their
//! backward values g (a valid bound on any completion, masks or not) a state is dropped when
//! value + g + Σμ cannot beat the incumbent, or when the jobs of M still missing no longer fit
//! before the horizon. If the relaxed optimum is a sequence it is optimal; otherwise the jobs
//! it repeats or misses join M and the DP runs again. The bound only grows with M, and with
//! M = every job the DP is exact, so the loop ends with a proof unless time or memory run out.

use super::arcs::Arcs;
use super::{is_sequence, repair, Bounds, Problem, INF, NONE};
use crate::budget::Budget;
use crate::util::FastMap;

/// How stage 3 ended.
pub(super) enum Sublimation {
    /// The incumbent is proven optimal (bounds.lb = bounds.ub).
    Optimal,
    /// The time limit or the stop flag.
    Stopped,
    /// The state space would pass the memory limit, or M outgrew the mask.
    TooBig,
}

/// Jobs added to M per round: few, since each can double the state space.
const ADD_PER_ROUND: usize = 3;
const MAX_M: usize = 128;
/// Bytes per state: the arena entry plus its hash-map slot.
const STATE_BYTES: usize = 48 + 40;

struct State {
    arc: u32,
    parent: u32,
    mask: u128,
    val: f64,
}

/// Multiplier steps tried per set M before M grows (Tanaka & Fujikuma re-tune the
/// multipliers at every sublimation: the jobs of M no longer need a price, and the others'
/// prices move toward what the constrained relaxation needs).
const TUNE_STEPS: usize = 8;
/// Their first step factor (halved when a step does not raise the bound); 0.5 overshot on
/// n = 100 instances, 0.1 raised the bound at every set size measured.
const TUNE_STEP: f64 = 0.1;

#[allow(clippy::too_many_arguments)]
pub(super) fn sublimate(
    pb: &Problem,
    pf: &[f64],
    arcs: &mut Arcs,
    mu: &mut Vec<f64>,
    bounds: &mut Bounds,
    budget: &Budget,
    memory: usize,
) -> Sublimation {
    let mut bit = vec![NONE; pb.m];
    let mut members: Vec<usize> = Vec::new();
    let mut path = arcs.eliminate(pb, mu, bounds, budget);
    let mut grow = true;
    let (mut best_here, mut best_mu, mut steps, mut lambda) = (-INF, mu.clone(), 0, 0.5);
    loop {
        if bounds.closed() {
            return Sublimation::Optimal;
        }
        if arcs.is_empty() {
            bounds.lb = bounds.ub;
            return Sublimation::Optimal;
        }
        if budget.exhausted() {
            return Sublimation::Stopped;
        }
        let mut added = 0;
        if grow {
            // grow M by the jobs the relaxed optimum gets wrong
            let mut count = vec![0u32; pb.m];
            for &j in &path {
                count[j] += 1;
            }
            for j in path.iter().copied().chain(0..pb.m) {
                if added < ADD_PER_ROUND && count[j] != 1 && bit[j] == NONE {
                    bit[j] = members.len() as u32;
                    members.push(j);
                    added += 1;
                }
            }
            if members.len() > MAX_M {
                return Sublimation::TooBig;
            }
            if added == 0 {
                // cannot happen (every job of M occurs once), but never loop forever
                return Sublimation::TooBig;
            }
            (best_here, steps, lambda) = (-INF, 0, TUNE_STEP);
        }
        arcs.backward(pb, mu);
        let musum: f64 = mu.iter().sum();
        match dp(pb, arcs, mu, &bit, &members, bounds, budget, memory) {
            Dp::Stopped => return Sublimation::Stopped,
            Dp::TooBig => return Sublimation::TooBig,
            Dp::Empty => {
                bounds.lb = bounds.ub;
                return Sublimation::Optimal;
            }
            Dp::Found(v, p) => {
                let lb = v + musum;
                bounds.raise_lb(lb);
                if is_sequence(pb.m, &p) {
                    bounds.offer(pb, p);
                    bounds.lb = bounds.ub;
                    return Sublimation::Optimal;
                }
                bounds.offer(pb, repair(pb, pf, &p, budget));
                // one subgradient step on the prices (the jobs of M occur once: no change)
                if lb > best_here + 1e-9 {
                    best_here = lb;
                    best_mu.clone_from(mu);
                } else {
                    lambda /= 2.0;
                }
                steps += 1;
                grow = steps >= TUNE_STEPS || lambda < 0.1 * TUNE_STEP;
                if grow {
                    mu.clone_from(&best_mu);
                } else {
                    let mut count = vec![0i64; pb.m];
                    for &j in &p {
                        count[j] += 1;
                    }
                    let norm: f64 = count.iter().map(|&c| ((1 - c) * (1 - c)) as f64).sum();
                    let step = lambda * (bounds.ub - lb).max(1.0) / norm.max(1.0);
                    for (x, &c) in mu.iter_mut().zip(&count) {
                        *x += step * (1 - c) as f64;
                    }
                }
                path = p;
            }
        }
        // a better incumbent (or better prices) may remove more arcs
        arcs.eliminate(pb, mu, bounds, budget);
    }
}

enum Dp {
    Found(f64, Vec<usize>),
    Empty,
    Stopped,
    TooBig,
}

#[allow(clippy::too_many_arguments)]
fn dp(
    pb: &Problem,
    arcs: &Arcs,
    mu: &[f64],
    bit: &[u32],
    members: &[usize],
    bounds: &Bounds,
    budget: &Budget,
    memory: usize,
) -> Dp {
    let h = pb.horizon;
    let musum: f64 = mu.iter().sum();
    let full: u128 = if members.len() == 128 {
        u128::MAX
    } else {
        (1u128 << members.len()) - 1
    };
    let pm: Vec<usize> = members.iter().map(|&j| pb.p[j]).collect();
    let pm_total: usize = pm.iter().sum();
    // processing time of the members in `mask`
    let done = |mask: u128| -> usize {
        let mut s = 0;
        let mut x = mask;
        while x != 0 {
            s += pm[x.trailing_zeros() as usize];
            x &= x - 1;
        }
        s
    };
    let (out_start, out) = arcs.out_arcs(pb);
    let mut arena: Vec<State> = Vec::new();
    let mut buckets: Vec<Option<FastMap<(u32, u128), u32>>> = (0..=h).map(|_| None).collect();
    let max_states = memory / STATE_BYTES;

    let push = |arena: &mut Vec<State>,
                buckets: &mut Vec<Option<FastMap<(u32, u128), u32>>>,
                t: usize,
                arc: u32,
                mask: u128,
                val: f64,
                parent: u32| {
        let map = buckets[t].get_or_insert_with(FastMap::default);
        match map.get(&(arc, mask)) {
            Some(&s) => {
                let st = &mut arena[s as usize];
                if val < st.val {
                    st.val = val;
                    st.parent = parent;
                }
            }
            None => {
                map.insert((arc, mask), arena.len() as u32);
                arena.push(State {
                    arc,
                    parent,
                    mask,
                    val,
                });
            }
        }
    };

    for a in arcs.start_arcs() {
        let n = arcs.arc_node[a] as usize;
        let (t, j) = (arcs.node_t[n] as usize, arcs.node_j[n] as usize);
        let mask = if bit[j] != NONE { 1u128 << bit[j] } else { 0 };
        let val = pb.cost(j, t) - mu[j];
        if bounds.keeps(val + arcs.g[a] + musum) && h - t >= pm_total - done(mask) {
            push(&mut arena, &mut buckets, t, a as u32, mask, val, NONE);
        }
    }
    let mut best = (INF, NONE);
    let mut steps = 0u32;
    for t in 1..=h {
        let Some(map) = buckets[t].take() else { continue };
        let mut ids: Vec<u32> = map.into_values().collect();
        ids.sort_unstable(); // deterministic order
        for s in ids {
            steps += 1;
            if steps % 1024 == 0 && budget.exhausted() {
                return Dp::Stopped;
            }
            let (a, mask, val) = {
                let st = &arena[s as usize];
                (st.arc as usize, st.mask, st.val)
            };
            if t == h {
                if mask == full && val < best.0 {
                    best = (val, s);
                }
                continue;
            }
            let n = arcs.arc_node[a] as usize;
            let i = arcs.pred[a];
            for &b in &out[out_start[n] as usize..out_start[n + 1] as usize] {
                let bn = arcs.arc_node[b as usize] as usize;
                let (tk, k) = (arcs.node_t[bn] as usize, arcs.node_j[bn] as usize);
                if k as u32 == i {
                    continue;
                }
                let mut m2 = mask;
                if bit[k] != NONE {
                    let kb = 1u128 << bit[k];
                    if mask & kb != 0 {
                        continue;
                    }
                    m2 |= kb;
                }
                let v2 = val + pb.cost(k, tk) - mu[k];
                if !bounds.keeps(v2 + arcs.g[b as usize] + musum) || h - tk < pm_total - done(m2) {
                    continue;
                }
                push(&mut arena, &mut buckets, tk, b, m2, v2, s);
            }
            if arena.len() > max_states {
                return Dp::TooBig;
            }
        }
    }
    if best.1 == NONE {
        return Dp::Empty;
    }
    let mut p = Vec::new();
    let mut s = best.1;
    while s != NONE {
        let st = &arena[s as usize];
        p.push(arcs.node_j[arcs.arc_node[st.arc as usize] as usize] as usize);
        s = st.parent;
    }
    p.reverse();
    Dp::Found(best.0, p)
}
