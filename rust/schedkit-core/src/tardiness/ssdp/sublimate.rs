//! Stage 3 of SSDP: successive sublimation.
//!
//! The state (arc, S) adds S = the jobs of a set M already in the path, so a job of M occurs
//! at most once, and the path must end with S = M. If the relaxed optimum is a sequence it is
//! optimal; otherwise jobs it repeats or misses join M and the DP runs again. The bound only
//! grows with M, and with M = every job the DP is exact, so the loop ends with a proof unless
//! time or memory run out. The multipliers stay those stage 2 ended with (Tanaka, Fujikuma &
//! Araki 2009 fix them in stage 3: re-tuning them per set M cost a DP each and lowered the
//! bound as often as it raised it).
//!
//! Each round is a forward DP and a backward DP over the same state space, and each prunes
//! with the other's values, as in Tanaka et al.'s alternating forward/backward solution:
//!
//! * the backward DP keeps (arc, S) only if the forward DP reached it and forward value +
//!   backward value + Σμ may still beat the incumbent, so what it leaves is exactly the
//!   states some relaxed path of value below UB − 1 passes;
//! * the next round's forward DP, over a larger set M ⊇ M', keeps (arc, S) only if the last
//!   backward DP left (arc, S ∩ M'), and prunes with its value: every completion that keeps
//!   the jobs of M once keeps those of M' once, so that value bounds the completion below.
//!
//! So a state dropped once is never generated again, and the state space follows the paths
//! that can still beat the incumbent instead of growing by 2^|M| over the whole arc network.
//!
//! Two things keep the state counts down (measured with the stage harness in `tests.rs`):
//!
//! * the jobs that join M are the wrongly placed ones whose arcs span the fewest completion
//!   times ([`spans`]): on `n200_tf0.8_rdd0.2_3` the first round with |M| = 5 kept 4.0 M
//!   forward states with jobs taken in path order and 0.17 M this way, and the first pass
//!   (cut 14 above the bound) ended in 19 s where it had not ended in 40 s;
//! * both DPs skip three jobs in a row that another order of the same three in the same
//!   slot would beat ([`triple_ok`]): on `n200_tf1_rdd1_0` the second pass kept about half
//!   the states.

use super::arcs::Arcs;
use super::{is_sequence, repair, Bounds, Problem, INF, NONE};
use crate::budget::Budget;
use crate::util::FastMap;

/// How stage 3 ended.
pub(super) enum Sublimation {
    /// No sequence costs less than the limit ([`Bounds::limit`]): the incumbent is optimal
    /// (bounds.lb = bounds.ub), or the tentative bound is a lower bound (bounds.lb = cut).
    Optimal,
    /// The time limit or the stop flag.
    Stopped,
    /// The state space would pass the memory limit, or M outgrew the mask.
    TooBig,
}

const MAX_M: usize = 128;
/// Bytes per state: the forward arena entry and its hash-map slot, or a backward map slot.
const STATE_BYTES: usize = 48 + 40;
/// Jobs added to M per round: as many as keep the last round's surviving states, doubled
/// per job added, under `STATE_TARGET` (each job can double them), from 1 to `MAX_ADD`.
const STATE_TARGET: usize = 1 << 23;
const MAX_ADD: usize = 6;

/// One forward state: its arc, the state it came from (arena index), its mask and value.
struct State {
    arc: u32,
    parent: u32,
    mask: u128,
    val: f64,
}

/// The set M: each member's bit, in the order they joined (so the members of an earlier,
/// smaller M are the low bits).
struct Members {
    bit: Vec<u32>,
    list: Vec<usize>,
}

impl Members {
    #[inline]
    fn mask_of(&self, j: usize) -> u128 {
        if self.bit[j] == NONE {
            0
        } else {
            1u128 << self.bit[j]
        }
    }
    fn full(&self) -> u128 {
        if self.list.len() == 128 {
            u128::MAX
        } else {
            (1u128 << self.list.len()) - 1
        }
    }
    /// Adds up to `k` jobs that `path` repeats or misses, those with the narrowest window
    /// (`span`) first, ties in path order, then missing ones.
    fn grow(&mut self, m: usize, path: &[usize], k: usize, span: &[u32]) -> usize {
        let mut count = vec![0u32; m];
        for &j in path {
            count[j] += 1;
        }
        let mut wrong: Vec<usize> = Vec::new();
        for j in path.iter().copied().chain(0..m) {
            if count[j] != 1 && self.bit[j] == NONE && !wrong.contains(&j) {
                wrong.push(j);
            }
        }
        // stable: ties stay in path order
        wrong.sort_by_key(|&j| span[j]);
        wrong.truncate(k);
        for &j in &wrong {
            self.bit[j] = self.list.len() as u32;
            self.list.push(j);
        }
        wrong.len()
    }
}

/// Per job, the spread of the completion times its arcs have (max − min): where a job of M
/// may complete over a span of w, each arc within it may carry it done or not, so every
/// member doubles the states of the arcs in its window. Adding the jobs of narrow windows
/// first keeps the state count down while M grows (the wide ones join once the rounds have
/// pruned most states).
fn spans(pb: &Problem, arcs: &Arcs) -> Vec<u32> {
    let mut lo = vec![u32::MAX; pb.m];
    let mut hi = vec![0u32; pb.m];
    for &n in &arcs.arc_node {
        let (t, j) = (arcs.node_t[n as usize], arcs.node_j[n as usize] as usize);
        lo[j] = lo[j].min(t);
        hi[j] = hi[j].max(t);
    }
    (0..pb.m).map(|j| hi[j].saturating_sub(lo[j])).collect()
}

/// The backward values of the last round: per completion time, (arc, S) → cheapest
/// completion, over the members `full` stood for.
struct Back {
    maps: Vec<FastMap<(u32, u128), f64>>,
    full: u128,
}

/// The forward DP of one round: the arena, per completion time (arc, S) → arena index, and
/// the best complete state (value without Σμ, index).
struct Forward {
    arena: Vec<State>,
    maps: Vec<FastMap<(u32, u128), u32>>,
    best: (f64, u32),
}

enum Dp<T> {
    Done(T),
    Stopped,
    TooBig,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn sublimate(
    pb: &Problem,
    pf: &[f64],
    arcs: &mut Arcs,
    mu: &[f64],
    bounds: &mut Bounds,
    budget: &Budget,
    memory: usize,
    work: &mut usize,
) -> Sublimation {
    let mut path = arcs.eliminate(pb, mu, bounds, budget);
    if arcs.is_empty() {
        bounds.none_below_limit();
        return Sublimation::Optimal;
    }
    arcs.backward(pb, mu);
    trace!("stage 3 arcs at the limit {}: {}", bounds.limit(), arcs.len());
    let (out_start, out) = arcs.out_arcs();
    let net = Net {
        pb,
        arcs,
        out_start: &out_start,
        out: &out,
        mu,
        musum: mu.iter().sum(),
        max_states: memory / STATE_BYTES,
    };
    let span = spans(pb, arcs);
    let mut members = Members {
        bit: vec![NONE; pb.m],
        list: Vec::new(),
    };
    let mut back: Option<Back> = None;
    let mut alive = arcs.len();
    loop {
        if bounds.lb >= bounds.limit() {
            return Sublimation::Optimal;
        }
        if budget.exhausted() {
            return Sublimation::Stopped;
        }
        let room = (STATE_TARGET / alive.max(1)).max(1);
        let add = (usize::BITS - 1 - room.leading_zeros()) as usize;
        if members.grow(pb.m, &path, add.clamp(1, MAX_ADD), &span) == 0 || members.list.len() > MAX_M {
            // no job can be missing or repeated unless the path is not a sequence
            return Sublimation::TooBig;
        }
        // the last round's backward states stay in memory through this round
        let carried = if back.is_some() { alive } else { 0 };
        let fw = match net.forward(&members, back.as_ref(), carried, bounds, budget) {
            Dp::Done(fw) => fw,
            Dp::Stopped => return Sublimation::Stopped,
            Dp::TooBig => return Sublimation::TooBig,
        };
        if fw.best.1 == NONE {
            // no path keeping M's jobs once beats the incumbent
            bounds.none_below_limit();
            return Sublimation::Optimal;
        }
        *work += fw.arena.len();
        bounds.raise_lb(fw.best.0 + net.musum);
        let p = fw.path(arcs);
        if is_sequence(pb.m, &p) {
            bounds.offer(pb, p);
            bounds.none_below_limit();
            return Sublimation::Optimal;
        }
        bounds.offer(pb, repair(pb, pf, &p, budget));
        let (bk, start_best, states) = match net.backward(&members, &fw, carried, bounds, budget) {
            Dp::Done(x) => x,
            Dp::Stopped => return Sublimation::Stopped,
            Dp::TooBig => return Sublimation::TooBig,
        };
        trace!(
            "stage 3: |M| {} lb {} ub {} forward states {} kept {states}",
            members.list.len(),
            bounds.lb,
            bounds.ub,
            fw.arena.len()
        );
        if states == 0 || start_best == INF {
            bounds.none_below_limit();
            return Sublimation::Optimal;
        }
        bounds.raise_lb(start_best + net.musum);
        drop(fw);
        back = Some(bk);
        alive = states;
        path = p;
    }
}

/// The stage-2 network with what every round reads.
struct Net<'a> {
    pb: &'a Problem,
    arcs: &'a Arcs,
    out_start: &'a [u32],
    out: &'a [u32],
    mu: &'a [f64],
    musum: f64,
    max_states: usize,
}

impl Forward {
    /// The jobs of the best complete path, in order.
    fn path(&self, arcs: &Arcs) -> Vec<usize> {
        let mut p = Vec::new();
        let mut s = self.best.1;
        while s != NONE {
            let st = &self.arena[s as usize];
            p.push(arcs.node_j[arcs.arc_node[st.arc as usize] as usize] as usize);
            s = st.parent;
        }
        p.reverse();
        p
    }

    fn value(&self, t: usize, arc: u32, mask: u128) -> Option<f64> {
        self.maps[t]
            .get(&(arc, mask))
            .map(|&s| self.arena[s as usize].val)
    }
}

impl Net<'_> {
    /// Processing time of the members in `mask`.
    fn done(&self, members: &Members, mask: u128) -> usize {
        let mut s = 0;
        let mut x = mask;
        while x != 0 {
            s += self.pb.p[members.list[x.trailing_zeros() as usize]];
            x &= x - 1;
        }
        s
    }

    /// The forward DP over (arc, S), pruned by the last round's backward values (`back`;
    /// the stage-2 backward values g in the first round).
    fn forward(
        &self,
        members: &Members,
        back: Option<&Back>,
        carried: usize,
        bounds: &Bounds,
        budget: &Budget,
    ) -> Dp<Forward> {
        let (pb, arcs) = (self.pb, self.arcs);
        let h = pb.horizon;
        let full = members.full();
        let pm_total = self.done(members, full);
        // the cheapest completion after arc b with mask m (None: pruned before)
        let tail = |t: usize, b: u32, m: u128| -> Option<f64> {
            match back {
                Some(bk) => bk.maps[t].get(&(b, m & bk.full)).copied(),
                None => Some(arcs.g[b as usize]),
            }
        };
        let mut fw = Forward {
            arena: Vec::new(),
            maps: (0..=h).map(|_| FastMap::default()).collect(),
            best: (INF, NONE),
        };
        let push = |fw: &mut Forward, t: usize, arc: u32, mask: u128, val: f64, parent: u32| match fw.maps[t]
            .get(&(arc, mask))
        {
            Some(&s) => {
                let st = &mut fw.arena[s as usize];
                if val < st.val {
                    st.val = val;
                    st.parent = parent;
                }
            }
            None => {
                let id = fw.arena.len() as u32;
                fw.maps[t].insert((arc, mask), id);
                fw.arena.push(State {
                    arc,
                    parent,
                    mask,
                    val,
                });
            }
        };
        for a in arcs.start_arcs() {
            let n = arcs.arc_node[a] as usize;
            let (t, j) = (arcs.node_t[n] as usize, arcs.node_j[n] as usize);
            let mask = members.mask_of(j);
            let val = pb.cost(j, t) - self.mu[j];
            let Some(g) = tail(t, a as u32, mask) else {
                continue;
            };
            if bounds.keeps(val + g + self.musum) && h - t >= pm_total - self.done(members, mask) {
                push(&mut fw, t, a as u32, mask, val, NONE);
            }
        }
        let mut ids: Vec<u32> = Vec::new();
        for t in 1..=h {
            if fw.maps[t].is_empty() {
                continue;
            }
            if budget.exhausted() {
                return Dp::Stopped;
            }
            ids.clear();
            ids.extend(fw.maps[t].values().copied());
            ids.sort_unstable(); // deterministic order
            for &s in &ids {
                let (a, mask, val) = {
                    let st = &fw.arena[s as usize];
                    (st.arc as usize, st.mask, st.val)
                };
                if t == h {
                    if mask == full && val < fw.best.0 {
                        fw.best = (val, s);
                    }
                    continue;
                }
                let n = arcs.arc_node[a] as usize;
                let (i, j) = (arcs.pred[a], arcs.node_j[n] as usize);
                for &b in &self.out[self.out_start[n] as usize..self.out_start[n + 1] as usize] {
                    let bn = arcs.arc_node[b as usize] as usize;
                    let (tk, k) = (arcs.node_t[bn] as usize, arcs.node_j[bn] as usize);
                    if k as u32 == i || (i != NONE && !triple_ok(pb, i as usize, j, k, tk)) {
                        continue;
                    }
                    let kb = members.mask_of(k);
                    if mask & kb != 0 {
                        continue;
                    }
                    let m2 = mask | kb;
                    let v2 = val + pb.cost(k, tk) - self.mu[k];
                    let Some(g) = tail(tk, b, m2) else { continue };
                    if !bounds.keeps(v2 + g + self.musum) || h - tk < pm_total - self.done(members, m2) {
                        continue;
                    }
                    push(&mut fw, tk, b, m2, v2, s);
                }
                if fw.arena.len() + carried > self.max_states {
                    return Dp::TooBig;
                }
            }
        }
        Dp::Done(fw)
    }

    /// The backward DP over the states `fw` reached: (arc, S) → cheapest completion, kept
    /// where forward + backward + Σμ may beat the incumbent. Also returns the best whole
    /// path it finds (without Σμ; INF if none) and the number of states kept.
    fn backward(
        &self,
        members: &Members,
        fw: &Forward,
        carried: usize,
        bounds: &Bounds,
        budget: &Budget,
    ) -> Dp<(Back, f64, usize)> {
        let (pb, arcs) = (self.pb, self.arcs);
        let h = pb.horizon;
        let full = members.full();
        let mut g: Vec<FastMap<(u32, u128), f64>> = (0..=h).map(|_| FastMap::default()).collect();
        for (&(a, s), &id) in &fw.maps[h] {
            if s == full && bounds.keeps(fw.arena[id as usize].val + self.musum) {
                g[h].insert((a, s), 0.0);
            }
        }
        let (mut best, mut states) = (INF, 0usize);
        for t in (1..=h).rev() {
            if g[t].is_empty() {
                continue;
            }
            if budget.exhausted() {
                return Dp::Stopped;
            }
            let layer = std::mem::take(&mut g[t]);
            states += layer.len();
            if fw.arena.len() + states + carried > self.max_states {
                return Dp::TooBig;
            }
            for (&(a, s), &gv) in &layer {
                let n = arcs.arc_node[a as usize] as usize;
                let j = arcs.node_j[n] as usize;
                let here = pb.cost(j, t) - self.mu[j] + gv;
                let s2 = s & !members.mask_of(j);
                let i = arcs.pred[a as usize];
                if i == NONE {
                    if s2 == 0 {
                        best = best.min(here);
                    }
                    continue;
                }
                let pn = arcs.pred_node(a as usize);
                if pn == NONE {
                    continue;
                }
                let tp = t - pb.p[j];
                for a2 in arcs.arcs_of(pn as usize) {
                    let h2 = arcs.pred[a2];
                    if h2 == j as u32 || (h2 != NONE && !triple_ok(pb, h2 as usize, i as usize, j, t)) {
                        continue;
                    }
                    let Some(f) = fw.value(tp, a2 as u32, s2) else {
                        continue;
                    };
                    if !bounds.keeps(f + here + self.musum) {
                        continue;
                    }
                    let e = g[tp].entry((a2 as u32, s2)).or_insert(INF);
                    if here < *e {
                        *e = here;
                    }
                }
            }
            g[t] = layer;
        }
        Dp::Done((Back { maps: g, full }, best, states))
    }
}

/// True when x, y, z in a row, z completing at t, may stand in the sequence the DPs look
/// for: no other order of the three in the same slot is cheaper, or as cheap and
/// lexicographically smaller. Some optimal sequence obeys this for every three consecutive
/// jobs together with the adjacent-pair rule (`Problem::pair_ok`, whose tie break is the
/// same lexicographic order): among the optimal sequences take the lexicographically
/// smallest; reordering a triple or swapping a pair against either rule would give a
/// cheaper or an equally cheap and lexicographically smaller one. Tanaka, Fujikuma & Araki
/// (2009) prune stage 3 with such dominance of successive jobs.
#[inline]
pub(super) fn triple_ok(pb: &Problem, x: usize, y: usize, z: usize, t: usize) -> bool {
    let s = t - pb.p[x] - pb.p[y] - pb.p[z];
    let cost = |a: usize, b: usize, c: usize| -> f64 {
        let ta = s + pb.p[a];
        let tb = ta + pb.p[b];
        pb.cost(a, ta) + pb.cost(b, tb) + pb.cost(c, t)
    };
    let here = cost(x, y, z);
    [(x, z, y), (y, x, z), (y, z, x), (z, x, y), (z, y, x)]
        .into_iter()
        .all(|(a, b, c)| {
            let v = cost(a, b, c);
            v > here || (v == here && (a, b, c) > (x, y, z))
        })
}
