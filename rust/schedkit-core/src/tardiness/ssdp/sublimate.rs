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
//!
//! What a state costs is mostly hash lookups, so the DPs do little else: the rules that
//! depend on the arcs alone (no job twice within three positions, [`triple_ok`]) are
//! applied once per pass to each pair of arcs ([`Links`], 24-39 MB on n = 200); the forward
//! DP tests a per-arc lower bound on the tail before it looks the tail up; the backward DP
//! pulls each forward state's value from its kept successors, in the forward order, instead
//! of looking up the forward states before each kept state. On `n200_tf0.8_rdd0.2_3` the
//! first pass took 4.1 s instead of 13.7 s, with the same states and bounds. The states sit
//! in an [`ArcMap`], a slot per arc for its first mask and hash maps for the others: on
//! `n200_tf0.6_rdd0.6_2`, where the states are about as many as the arcs, the first 26
//! rounds of the first pass took 24.8 s instead of 35.3 s with per-time hash maps alone;
//! on `n200_tf1_rdd1_0` (about three states an arc) stage 3 took 49.2 s instead of 52.2 s.
//!
//! The passes (`mod.rs` runs them under rising tentative bounds) do not start from an empty
//! M each: the members the last pass ended with ([`Carry`]) join from the second round on,
//! a chunk at a time (8, doubling while the rounds stay within three times the last
//! round's states, halving when one passes that), since the jobs that proved the last cut
//! are mostly those the next one needs. Any M gives a valid relaxation, so this changes the
//! speed only. It pays where the first backward DP keeps most forward states, as on the
//! TF 0.6 instances (90-95 %): there the masks rarely split an arc's states, and adding a
//! member hardly adds states, but the rule of doubling the states per member lets a round
//! take one or two (`n200_tf0.6_rdd0.6_3`: the second pass 10 s instead of 43 s, its bound
//! at 100 s alone 472,645 against 472,576 at 120 s). Where that DP prunes most of them
//! (TF 0.8-1: 8-20 % kept) carried members joining in a pass's first round took it to
//! 30-48 M states, and from the second round on even 8 of them passed the cap in every
//! pass (`n200_tf1_rdd1_0`, a second or so lost a pass), so they stay out ([`SEED_KEEP`]).

use super::arc_map::ArcMap;
use super::arcs::Arcs;
use super::{is_sequence, repair, Bounds, Problem, INF, NONE};
use crate::budget::Budget;

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
/// Bytes per state at most: the forward arena entry and its map entry where its arc's slot
/// ([`ArcMap`]) is taken, or a backward map entry.
const STATE_BYTES: usize = 48 + 40;
/// Jobs added to M per round: as many as keep the last round's surviving states, doubled
/// per job added, under `STATE_TARGET` (each job can double them), from 1 to `MAX_ADD`.
const STATE_TARGET: usize = 1 << 23;
const MAX_ADD: usize = 6;
/// Carried members (module notes) joining in a pass's second round at most; the count
/// doubles per round they join in.
const SEED_FIRST: usize = 8;
/// A round that carried members join in stops once its forward states pass this many times
/// the last round's (at least SEED_CAP_FLOOR), and runs again with half as many.
const SEED_CAP_GROWTH: usize = 3;
const SEED_CAP_FLOOR: usize = 4_000_000;
/// The share of a pass's first forward states its first backward DP keeps, at or over which
/// carried members join (see the module notes).
const SEED_KEEP: f64 = 0.5;

/// The set M: each member's bit, in the order they joined (so the members of an earlier,
/// smaller M are the low bits).
struct Members {
    bit: Vec<u32>,
    list: Vec<usize>,
    /// Per bit, the member's processing time.
    p: Vec<usize>,
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
    fn grow(&mut self, pb: &Problem, path: &[usize], k: usize, span: &[u32]) -> usize {
        let m = pb.m;
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
            self.join(pb, j);
        }
        wrong.len()
    }
    /// Makes j (not yet a member) the next member.
    fn join(&mut self, pb: &Problem, j: usize) {
        if self.bit[j] == NONE {
            self.bit[j] = self.list.len() as u32;
            self.list.push(j);
            self.p.push(pb.p[j]);
        }
    }
    /// Drops the members that joined after the first `len`.
    fn truncate(&mut self, len: usize) {
        for &j in &self.list[len..] {
            self.bit[j] = NONE;
        }
        self.list.truncate(len);
        self.p.truncate(len);
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

/// The backward values of the last round: (arc, S) → cheapest completion, over the members
/// `full` stood for; and per arc the least of its values (INF where none is left), which
/// the forward DP tests before it looks a state up.
struct Back {
    map: ArcMap<f64>,
    full: u128,
    low: Vec<f64>,
    /// Per completion time, the states the forward DP of that round reached there and those
    /// its map held beside the arcs' slots: the next round's forward DP takes them as its
    /// first capacities (see [`Forward::new`]).
    reached: Vec<(u32, u32)>,
}

/// One forward state: its arc, the state it came from (index in the layer its predecessor
/// completes at, t − p_j), its mask and value.
#[derive(Clone, Copy)]
struct State {
    arc: u32,
    parent: u32,
    mask: u128,
    val: f64,
}

/// The forward DP of one round: per completion time the states in the order they were
/// created (the order the next layer is expanded in, which decides ties between parents)
/// and (arc, S) → (value, index there), the number of states, and the best complete state
/// (value without Σμ, index in the last layer).
struct Forward {
    layers: Vec<Vec<State>>,
    map: ArcMap<(f64, u32)>,
    states: usize,
    best: (f64, u32),
}

enum Dp<T> {
    Done(T),
    Stopped,
    TooBig,
}

/// The arc network as both DPs walk it, built once per pass (after the arcs at the limit
/// are known): per arc the arcs that may follow it. What may follow arc (i → j, t) depends on the arcs alone, never on the mask: arc (j → k, t_k)
/// out of its node with k ≠ i (no job twice within three positions) and i, j, k allowed by
/// [`triple_ok`]; so the DPs test the rule once per arc pair instead of once per state and
/// successor (on n = 200 about 20 % of stage 3's time went to those tests).
struct Links {
    succ_start: Vec<u32>,
    succ: Vec<u32>,
    /// Per arc: its job, its completion time and the job's cost there.
    job: Vec<u32>,
    t: Vec<u32>,
    cost: Vec<f64>,
}

impl Links {
    fn new(pb: &Problem, arcs: &Arcs) -> Links {
        let na = arcs.len();
        let (out_start, out) = arcs.out_arcs();
        let node = |a: usize| arcs.arc_node[a] as usize;
        let job: Vec<u32> = (0..na).map(|a| arcs.node_j[node(a)]).collect();
        let t: Vec<u32> = (0..na).map(|a| arcs.node_t[node(a)]).collect();
        let cost: Vec<f64> = (0..na).map(|a| pb.cost(job[a] as usize, t[a] as usize)).collect();
        let mut succ_start = Vec::with_capacity(na + 1);
        succ_start.push(0u32);
        let mut succ = Vec::new();
        for a in 0..na {
            let (n, i, j) = (node(a), arcs.pred[a], job[a] as usize);
            for &b in &out[out_start[n] as usize..out_start[n + 1] as usize] {
                let (k, tk) = (job[b as usize], t[b as usize] as usize);
                if k == i || (i != NONE && !triple_ok(pb, i as usize, j, k as usize, tk)) {
                    continue;
                }
                succ.push(b);
            }
            succ_start.push(succ.len() as u32);
        }
        Links {
            succ_start,
            succ,
            job,
            t,
            cost,
        }
    }

    #[inline(always)]
    fn succ_of(&self, a: usize) -> &[u32] {
        &self.succ[self.succ_start[a] as usize..self.succ_start[a + 1] as usize]
    }

    /// Bytes held (counted against the memory limit with the states).
    fn bytes(&self) -> usize {
        4 * (self.succ_start.len() + self.succ.len()) + (4 + 4 + 8) * self.job.len()
    }
}

/// The set M one pass of [`sublimate`] ended with, offered to the next pass (see the module
/// notes), and when the next pass takes it.
pub(super) struct Carry {
    /// M as the last pass ended, in the order its members joined.
    pub(super) members: Vec<usize>,
    /// The share of its first round's forward states that a pass's first backward DP must
    /// keep before the carried members join ([`SEED_KEEP`]; 0 lets them join always).
    pub(super) min_keep: f64,
    /// How many carried members have joined M, over all passes so far.
    pub(super) joined: usize,
}

impl Carry {
    pub(super) fn new() -> Carry {
        Carry {
            members: Vec::new(),
            min_keep: SEED_KEEP,
            joined: 0,
        }
    }
}

/// Stage 3 under the limit `bounds` sets: successive sublimation over the arcs left at it,
/// from the members `carry` offers; on return `carry` holds the M this pass ended with.
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
    carry: &mut Carry,
) -> Sublimation {
    let path = arcs.eliminate(pb, mu, bounds, budget);
    if arcs.is_empty() {
        bounds.none_below_limit();
        return Sublimation::Optimal;
    }
    arcs.backward(pb, mu);
    trace!("stage 3 arcs at the limit {}: {}", bounds.limit(), arcs.len());
    let links = Links::new(pb, arcs);
    // the slots of a forward map and of two backward ones (the last round's and this one's)
    let slots = arcs.len() * (ArcMap::<(f64, u32)>::slot_bytes() + 2 * ArcMap::<f64>::slot_bytes());
    trace!("stage 3 links: {} ({} MB)", links.succ.len(), links.bytes() >> 20);
    let net = Net {
        pb,
        arcs,
        links: &links,
        mu,
        musum: mu.iter().sum(),
        max_states: memory.saturating_sub(links.bytes() + slots) / STATE_BYTES,
    };
    let mut members = Members {
        bit: vec![NONE; pb.m],
        list: Vec::new(),
        p: Vec::new(),
    };
    let mut seed = Seed {
        jobs: std::mem::take(&mut carry.members),
        min_keep: carry.min_keep,
        joined: 0,
        added: 0,
        chunk: SEED_FIRST,
    };
    let end = net.rounds(
        pf,
        bounds,
        budget,
        work,
        path,
        &spans(pb, arcs),
        &mut members,
        &mut seed,
    );
    carry.joined += seed.added;
    carry.members = members.list;
    end
}

/// Carried members not yet in M, and how many the next round may take.
struct Seed {
    jobs: Vec<usize>,
    min_keep: f64,
    /// `jobs[..joined]` have been offered to M.
    joined: usize,
    /// How many of them joined M (were not members already).
    added: usize,
    /// How many may join in the next round: doubled after a round they joined within the
    /// cap, halved after one they pushed over it.
    chunk: usize,
}

impl Net<'_> {
    /// The rounds of one pass, from the relaxed path `path` of stage 2 at the limit.
    #[allow(clippy::too_many_arguments)]
    fn rounds(
        &self,
        pf: &[f64],
        bounds: &mut Bounds,
        budget: &Budget,
        work: &mut usize,
        mut path: Vec<usize>,
        span: &[u32],
        members: &mut Members,
        seed: &mut Seed,
    ) -> Sublimation {
        let pb = self.pb;
        let mut back: Option<Back> = None;
        let mut alive = self.arcs.len();
        // the states of the last round (forward or kept, the more), which caps a round the
        // seed joins in
        let mut last_states = alive;
        // set after the first round: whether the seed may join
        let mut seeding = false;
        loop {
            if bounds.lb >= bounds.limit() {
                return Sublimation::Optimal;
            }
            if budget.exhausted() {
                return Sublimation::Stopped;
            }
            let before = members.list.len();
            let room = (STATE_TARGET / alive.max(1)).max(1);
            let add = (usize::BITS - 1 - room.leading_zeros()) as usize;
            if members.grow(pb, &path, add.clamp(1, MAX_ADD).min(MAX_M - before), span) == 0 {
                // no job to add: M is full, or the path repeats or misses none
                return Sublimation::TooBig;
            }
            let grown = members.list.len();
            let offered = seed.joined;
            if seeding {
                let upto = (grown + seed.chunk).min(MAX_M);
                while seed.joined < seed.jobs.len() && members.list.len() < upto {
                    members.join(pb, seed.jobs[seed.joined]);
                    seed.joined += 1;
                }
            }
            let trial = members.list.len() > grown;
            // the last round's backward states stay in memory through this round
            let carried = if back.is_some() { alive } else { 0 };
            let capped = Net {
                max_states: self
                    .max_states
                    .min((SEED_CAP_GROWTH * last_states).max(SEED_CAP_FLOOR)),
                ..*self
            };
            let net = if trial { &capped } else { self };
            let fw = match net.run_forward(members, back.as_ref(), carried, bounds, budget) {
                Dp::Done(fw) => fw,
                Dp::Stopped => return Sublimation::Stopped,
                Dp::TooBig if trial => {
                    // the forward DP changed nothing else: the round runs again with
                    // half as many carried members
                    trace!("stage 3: {} carried members too many", members.list.len() - grown);
                    members.truncate(before);
                    seed.joined = offered;
                    seed.chunk /= 2;
                    continue;
                }
                Dp::TooBig => return Sublimation::TooBig,
            };
            if trial {
                seed.added += members.list.len() - grown;
                seed.chunk = seed.chunk.saturating_mul(2);
            }
            last_states = fw.states.max(alive);
            if fw.best.1 == NONE {
                // no path keeping M's jobs once beats the incumbent
                trace!(
                    "stage 3: |M| {} forward states {} no path (cpu {:.2}s)",
                    members.list.len(),
                    fw.states,
                    reference::cpu()
                );
                bounds.none_below_limit();
                return Sublimation::Optimal;
            }
            *work += fw.states;
            trace!("stage 3: forward done, cpu {:.2}s", reference::cpu());
            bounds.raise_lb(fw.best.0 + self.musum);
            let p = fw.path(pb, self.links);
            if is_sequence(pb.m, &p) {
                bounds.offer(pb, p);
                bounds.none_below_limit();
                return Sublimation::Optimal;
            }
            bounds.offer(pb, repair(pb, pf, &p, budget));
            let (bk, start_best, states) =
                match self.run_backward(members, &fw, back.as_ref(), carried, bounds, budget) {
                    Dp::Done(x) => x,
                    Dp::Stopped => return Sublimation::Stopped,
                    Dp::TooBig => return Sublimation::TooBig,
                };
            trace!(
                "stage 3: |M| {} lb {} ub {} forward states {} kept {states} (cpu {:.2}s)",
                members.list.len(),
                bounds.lb,
                bounds.ub,
                fw.states,
                reference::cpu()
            );
            #[cfg(test)]
            reference::log(fw.states, states, start_best);
            if states == 0 || start_best == INF {
                bounds.none_below_limit();
                return Sublimation::Optimal;
            }
            bounds.raise_lb(start_best + self.musum);
            if back.is_none() {
                seeding = states as f64 >= seed.min_keep * fw.states as f64;
            }
            drop(fw);
            back = Some(bk);
            alive = states;
            path = p;
        }
    }
}

/// The stage-2 network with what every round reads.
#[derive(Clone, Copy)]
struct Net<'a> {
    pb: &'a Problem,
    arcs: &'a Arcs,
    links: &'a Links,
    mu: &'a [f64],
    musum: f64,
    max_states: usize,
}

impl Forward {
    /// Empty layers for completion times 0..=h over `arcs` arcs, each sized for the states
    /// `reached[t]` counts (none where `reached` is short). Successive rounds reach similar
    /// counts per layer: sizing the tables from the last round spares their growth by
    /// rehashing (4 % of a 40 s run of n200_tf1_rdd1_0 under perf).
    fn new(arcs: usize, h: usize, reached: &[(u32, u32)]) -> Forward {
        let size = |t: usize| {
            reached
                .get(t)
                .map_or((0, 0), |&(n, more)| (n as usize, more as usize))
        };
        Forward {
            layers: (0..=h).map(|t| Vec::with_capacity(size(t).0)).collect(),
            map: ArcMap::new(arcs, h, |t| size(t).1),
            states: 0,
            best: (INF, NONE),
        }
    }

    /// The jobs of the best complete path, in order.
    fn path(&self, pb: &Problem, links: &Links) -> Vec<usize> {
        let mut p = Vec::new();
        let (mut t, mut s) = (pb.horizon, self.best.1);
        while s != NONE {
            let st = &self.layers[t][s as usize];
            let j = links.job[st.arc as usize] as usize;
            p.push(j);
            s = st.parent;
            t -= pb.p[j];
        }
        p.reverse();
        p
    }

    /// Adds state (arc, mask) at t with `val` from `parent`, or lowers its value.
    #[inline]
    fn push(&mut self, t: usize, arc: u32, mask: u128, val: f64, parent: u32) {
        let layer = &mut self.layers[t];
        match self.map.get_or_add(t, arc, mask, (val, layer.len() as u32)) {
            Some(e) => {
                if val < e.0 {
                    e.0 = val;
                    let st = &mut layer[e.1 as usize];
                    st.val = val;
                    st.parent = parent;
                }
            }
            None => {
                layer.push(State {
                    arc,
                    parent,
                    mask,
                    val,
                });
                self.states += 1;
            }
        }
    }
}

impl Members {
    /// Per job, its bit (0 for the jobs outside M).
    fn masks(&self, m: usize) -> Vec<u128> {
        (0..m).map(|j| self.mask_of(j)).collect()
    }

    /// Processing time of the members in `mask`.
    #[inline]
    fn done(&self, mask: u128) -> usize {
        let mut s = 0;
        let mut x = mask;
        while x != 0 {
            s += self.p[x.trailing_zeros() as usize];
            x &= x - 1;
        }
        s
    }
}

impl Net<'_> {
    /// The states of the first jobs (the same in every DP variant).
    fn start(&self, members: &Members, back: Option<&Back>, bounds: &Bounds) -> Forward {
        let (pb, arcs) = (self.pb, self.arcs);
        let h = pb.horizon;
        let pm_total = members.done(members.full());
        let mut fw = Forward::new(arcs.len(), h, back.map_or(&[][..], |bk| &bk.reached));
        for a in arcs.start_arcs() {
            let n = arcs.arc_node[a] as usize;
            let (t, j) = (arcs.node_t[n] as usize, arcs.node_j[n] as usize);
            let mask = members.mask_of(j);
            let val = pb.cost(j, t) - self.mu[j];
            let g = match back {
                Some(bk) => match bk.map.get(t, a as u32, mask & bk.full) {
                    Some(&g) => g,
                    None => continue,
                },
                None => arcs.g[a],
            };
            if bounds.keeps(val + g + self.musum) && h - t >= pm_total - members.done(mask) {
                fw.push(t, a as u32, mask, val, NONE);
            }
        }
        fw
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
        let (pb, arcs, lk) = (self.pb, self.arcs, self.links);
        let h = pb.horizon;
        let full = members.full();
        let pm_total = members.done(full);
        let bit = members.masks(pb.m);
        let mut fw = self.start(members, back, bounds);
        for t in 1..=h {
            if fw.layers[t].is_empty() {
                continue;
            }
            if budget.exhausted() {
                return Dp::Stopped;
            }
            if t == h {
                for (s, st) in fw.layers[h].iter().enumerate() {
                    if st.mask == full && st.val < fw.best.0 {
                        fw.best = (st.val, s as u32);
                    }
                }
                continue;
            }
            // successors complete after t (p ≥ 1, `Instance` checks p > 0), so this layer
            // does not change meanwhile
            let layer = std::mem::take(&mut fw.layers[t]);
            for (s, st) in layer.iter().enumerate() {
                let (a, mask, val) = (st.arc as usize, st.mask, st.val);
                // processing time of the members still to come
                let left = pm_total - members.done(mask);
                for &b in lk.succ_of(a) {
                    let k = lk.job[b as usize] as usize;
                    let kb = bit[k];
                    if mask & kb != 0 {
                        continue;
                    }
                    let tk = lk.t[b as usize] as usize;
                    if h - tk < if kb != 0 { left - pb.p[k] } else { left } {
                        continue;
                    }
                    let v2 = val + lk.cost[b as usize] - self.mu[k];
                    // A lower bound on every tail of b first, one load instead of a hash
                    // lookup: the least of b's values in the last round (INF where it kept
                    // no state of b), or in the first round stage 2's g[b] itself.
                    let low = match back {
                        Some(bk) => bk.low[b as usize],
                        None => arcs.g[b as usize],
                    };
                    if !bounds.keeps(v2 + low + self.musum) {
                        continue;
                    }
                    let m2 = mask | kb;
                    if let Some(bk) = back {
                        match bk.map.get(tk, b, m2 & bk.full) {
                            Some(&g) if bounds.keeps(v2 + g + self.musum) => {}
                            _ => continue,
                        }
                    }
                    fw.push(tk, b, m2, v2, s as u32);
                }
                if fw.states + carried > self.max_states {
                    return Dp::TooBig;
                }
            }
            fw.layers[t] = layer;
        }
        Dp::Done(fw)
    }

    /// The backward DP over the states `fw` reached: (arc, S) → cheapest completion, kept
    /// where forward + backward + Σμ may beat the incumbent. Also returns the best whole
    /// path it finds (without Σμ; INF if none) and the number of states kept.
    ///
    /// It pulls: each forward state, layer by layer from the horizon down, takes the least
    /// over its successors that were kept, found by (arc, S ∪ {k}) in the maps this DP
    /// builds. That is the value the push form (`reference::backward_direct`: each kept
    /// state offers itself to the forward states before it) gives: the same pairs of
    /// states, since a forward state with a member's arc holds the member; and the push
    /// form keeps an offer only when forward + offer + Σμ passes the limit, which the
    /// least offer passes whenever any does. Pulling walks the forward states in order
    /// and looks up only kept states, in maps far smaller than the forward ones.
    fn backward(
        &self,
        members: &Members,
        fw: &Forward,
        last: Option<&Back>,
        carried: usize,
        bounds: &Bounds,
        budget: &Budget,
    ) -> Dp<(Back, f64, usize)> {
        let (pb, arcs, lk) = (self.pb, self.arcs, self.links);
        let h = pb.horizon;
        let full = members.full();
        let bit = members.masks(pb.m);
        // the last round's count beside the slots as the first capacity (as in `Forward::new`)
        let mut g = ArcMap::new(arcs.len(), h, |t| last.map_or(0, |bk| bk.map.extra_at(t)));
        // per arc the least value kept so far (INF: none), tested before each lookup
        let mut low = vec![INF; arcs.len()];
        let (mut best, mut states) = (INF, 0usize);
        for t in (1..=h).rev() {
            if fw.layers[t].is_empty() {
                continue;
            }
            if budget.exhausted() {
                return Dp::Stopped;
            }
            let before = g.len();
            for st in &fw.layers[t] {
                let (a, mask, val) = (st.arc as usize, st.mask, st.val);
                let gv = if t == h {
                    if mask != full || !bounds.keeps(val + self.musum) {
                        continue;
                    }
                    0.0
                } else {
                    let mut gv = INF;
                    for &b in lk.succ_of(a) {
                        let k = lk.job[b as usize] as usize;
                        let kb = bit[k];
                        if mask & kb != 0 {
                            continue;
                        }
                        let step = lk.cost[b as usize] - self.mu[k];
                        // a lower bound on the offer first (f64 addition is monotone)
                        if !bounds.keeps(val + (step + low[b as usize]) + self.musum) {
                            continue;
                        }
                        let tk = lk.t[b as usize] as usize;
                        if let Some(&gb) = g.get(tk, b, mask | kb) {
                            gv = gv.min(step + gb);
                        }
                    }
                    if gv == INF || !bounds.keeps(val + gv + self.musum) {
                        continue;
                    }
                    gv
                };
                // a new key: each forward state is met once
                g.get_or_add(t, a as u32, mask, gv);
                low[a] = low[a].min(gv);
                // a first job (no predecessor node): a whole path if S holds no other member
                let j = lk.job[a] as usize;
                if arcs.pred_node(a) == NONE && mask & !bit[j] == 0 {
                    best = best.min(lk.cost[a] - self.mu[j] + gv);
                }
            }
            states += g.len() - before;
            if fw.states + states + carried > self.max_states {
                return Dp::TooBig;
            }
        }
        let reached = (0..=h)
            .map(|t| (fw.layers[t].len() as u32, fw.map.extra_at(t) as u32))
            .collect();
        Dp::Done((
            Back {
                map: g,
                full,
                low,
                reached,
            },
            best,
            states,
        ))
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

impl Net<'_> {
    /// The forward DP (in tests, the direct one while [`reference`] is on).
    fn run_forward(
        &self,
        members: &Members,
        back: Option<&Back>,
        carried: usize,
        bounds: &Bounds,
        budget: &Budget,
    ) -> Dp<Forward> {
        #[cfg(test)]
        if reference::on() {
            return self.forward_direct(members, back, carried, bounds, budget);
        }
        self.forward(members, back, carried, bounds, budget)
    }

    /// The backward DP (in tests, the direct one while [`reference`] is on).
    fn run_backward(
        &self,
        members: &Members,
        fw: &Forward,
        last: Option<&Back>,
        carried: usize,
        bounds: &Bounds,
        budget: &Budget,
    ) -> Dp<(Back, f64, usize)> {
        #[cfg(test)]
        if reference::on() {
            return self.backward_direct(members, fw, carried, bounds, budget);
        }
        self.backward(members, fw, last, carried, bounds, budget)
    }
}

/// The oracle of the tests: both DPs as the rule reads, over the out-arcs of each node with
/// the three-job test per state and successor, every hash lookup made and no pre-check, and
/// a log of each round's (forward states, backward states, best start value).
#[cfg(test)]
pub(super) mod reference {
    use super::super::arc_map::Key;
    use super::*;
    use crate::util::FastMap;
    use std::cell::{Cell, RefCell};

    thread_local! {
        static ON: Cell<bool> = const { Cell::new(false) };
        static LOG: RefCell<Vec<(usize, usize, f64)>> = const { RefCell::new(Vec::new()) };
    }

    /// Turns the direct DPs on or off for this thread; returns (and clears) the log.
    pub(in crate::tardiness::ssdp) fn set(on: bool) -> Vec<(usize, usize, f64)> {
        ON.with(|c| c.set(on));
        LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
    }

    /// Seconds this thread has run on a CPU (Linux; 0 elsewhere), for the stage trace: on
    /// a shared machine wall time also counts the time the thread waited for a core.
    pub(super) fn cpu() -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |ns| ns * 1e-9)
    }

    pub(super) fn on() -> bool {
        ON.with(|c| c.get())
    }

    pub(super) fn log(forward: usize, backward: usize, best: f64) {
        LOG.with(|l| l.borrow_mut().push((forward, backward, best)));
    }

    /// Asserts that the links of `arcs` are the direct rule: b follows a iff b leaves a's
    /// node, its job is not a's predecessor and the three jobs pass `triple_ok`. Returns
    /// the number of pairs the rule refuses.
    pub(in crate::tardiness::ssdp) fn check_links(pb: &Problem, arcs: &Arcs) -> usize {
        let lk = Links::new(pb, arcs);
        let (out_start, out) = arcs.out_arcs();
        let mut rejected = 0;
        for a in 0..arcs.len() {
            let n = arcs.arc_node[a] as usize;
            let (i, j) = (arcs.pred[a], arcs.node_j[n] as usize);
            let mut want = Vec::new();
            for &b in &out[out_start[n] as usize..out_start[n + 1] as usize] {
                let bn = arcs.arc_node[b as usize] as usize;
                let (tk, k) = (arcs.node_t[bn] as usize, arcs.node_j[bn] as usize);
                if k as u32 == i || (i != NONE && !triple_ok(pb, i as usize, j, k, tk)) {
                    rejected += 1;
                    continue;
                }
                want.push(b);
            }
            assert_eq!(lk.succ_of(a), &want[..], "successors of arc {a}");
        }
        rejected
    }

    impl Back {
        /// The backward values of per-time maps.
        fn new(maps: Vec<FastMap<Key, f64>>, full: u128, arcs: usize) -> Back {
            let mut low = vec![INF; arcs];
            let mut map = ArcMap::new(arcs, maps.len() - 1, |_| 0);
            for (t, layer) in maps.iter().enumerate() {
                for (key, &g) in layer {
                    map.get_or_add(t, key.arc, key.mask(), g);
                    let l = &mut low[key.arc as usize];
                    *l = l.min(g);
                }
            }
            Back {
                map,
                full,
                low,
                reached: Vec::new(),
            }
        }
    }

    impl Forward {
        #[inline]
        fn value(&self, t: usize, arc: u32, mask: u128) -> Option<f64> {
            self.map.get(t, arc, mask).map(|v| v.0)
        }
    }

    impl Net<'_> {
        pub(super) fn forward_direct(
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
            let pm_total = members.done(full);
            let (out_start, out) = arcs.out_arcs();
            let mut fw = self.start(members, back, bounds);
            for t in 1..=h {
                if budget.exhausted() {
                    return Dp::Stopped;
                }
                for s in 0..fw.layers[t].len() {
                    let st = fw.layers[t][s];
                    let (a, mask, val) = (st.arc as usize, st.mask, st.val);
                    if t == h {
                        if mask == full && val < fw.best.0 {
                            fw.best = (val, s as u32);
                        }
                        continue;
                    }
                    let n = arcs.arc_node[a] as usize;
                    let (i, j) = (arcs.pred[a], arcs.node_j[n] as usize);
                    for &b in &out[out_start[n] as usize..out_start[n + 1] as usize] {
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
                        let g = match back {
                            Some(bk) => match bk.map.get(tk, b, m2 & bk.full) {
                                Some(&g) => g,
                                None => continue,
                            },
                            None => arcs.g[b as usize],
                        };
                        if !bounds.keeps(v2 + g + self.musum) || h - tk < pm_total - members.done(m2) {
                            continue;
                        }
                        fw.push(tk, b, m2, v2, s as u32);
                    }
                    if fw.states + carried > self.max_states {
                        return Dp::TooBig;
                    }
                }
            }
            Dp::Done(fw)
        }

        pub(super) fn backward_direct(
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
            let mut g: Vec<FastMap<Key, f64>> = (0..=h).map(|_| FastMap::default()).collect();
            for st in &fw.layers[h] {
                if st.mask == full && bounds.keeps(st.val + self.musum) {
                    g[h].insert(Key::new(st.arc, st.mask), 0.0);
                }
            }
            let (mut best, mut states) = (INF, 0usize);
            for t in (1..=h).rev() {
                if budget.exhausted() {
                    return Dp::Stopped;
                }
                let layer = std::mem::take(&mut g[t]);
                states += layer.len();
                if fw.states + states + carried > self.max_states {
                    return Dp::TooBig;
                }
                for (key, &gv) in &layer {
                    let a = key.arc as usize;
                    let s = key.mask();
                    let n = arcs.arc_node[a] as usize;
                    let j = arcs.node_j[n] as usize;
                    let here = pb.cost(j, t) - self.mu[j] + gv;
                    let s2 = s & !members.mask_of(j);
                    let i = arcs.pred[a];
                    if i == NONE {
                        if s2 == 0 {
                            best = best.min(here);
                        }
                        continue;
                    }
                    let pn = arcs.pred_node(a);
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
                        let e = g[tp].entry(Key::new(a2 as u32, s2)).or_insert(INF);
                        if here < *e {
                            *e = here;
                        }
                    }
                }
                g[t] = layer;
            }
            Dp::Done((Back::new(g, full, arcs.len()), best, states))
        }
    }
}
