//! Processor sharing among a set of jobs, exactly (fluid rates between events): Round Robin
//! (every alive job shares) and LAPS_β (the latest-released jobs share).
//!
//! The sharing set S of size k runs at rate `min(1, m / k)` per job. A virtual clock `v`
//! counts the service each member has received since the clock started; a member whose
//! current operation has `x` left when it enters S gets the key `v + x`, and the member
//! with the least key completes its operation first, after `(key - v) / rate` time. Keys sit
//! in a binary heap, so an event costs O(log n) (leaving S, for LAPS, invalidates the heap
//! entry by a stamp). At a completion event `v` is set to the key exactly, so equal keys
//! complete together without any tolerance.
//!
//! The policy decision uses only release order and counts (non-clairvoyant); operation sizes
//! are read by the simulator's clock alone.
//!
//! LAPS on m machines: S is the `max(⌈β n⌉, min(m, n))` latest-released alive jobs (ties by
//! id), so that no machine idles while a job waits; β = 1 is Round Robin.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::index::{EngineOut, Poll};
use super::info::{Info, JobState};
use super::log::Recorder;
use super::Jobs;
use crate::budget::Budget;
use crate::error::CoreResult;
use crate::util::OrdF64;

const OUT: u8 = 0;
const IN: u8 = 1;
const DONE: u8 = 2;

/// Size of the sharing set among `alive` jobs.
pub(crate) fn laps_set_size(beta: f64, alive: usize, m: usize) -> usize {
    if alive == 0 {
        return 0;
    }
    let k = ((beta * alive as f64) - 1e-9).ceil().max(1.0) as usize;
    k.min(alive).max(m.min(alive))
}

pub(crate) fn run(
    jobs: &Jobs,
    beta: f64,
    m: usize,
    rec: &mut Recorder,
    budget: &Budget,
) -> CoreResult<EngineOut> {
    let n = jobs.len();
    let order = jobs.order();
    let release = jobs.release();
    let mut st = JobState::new(jobs, Info::NonClairvoyant, false);
    let mut v = 0.0f64;
    let mut heap: BinaryHeap<Reverse<(OrdF64, u32, u32)>> = BinaryHeap::new();
    let mut key = vec![0.0f64; n];
    let mut stamp = vec![0u32; n];
    let mut state = vec![OUT; n];
    // Members of S in release order (entries of completed jobs are skipped lazily).
    let mut set: VecDeque<u32> = VecDeque::new();
    // Alive jobs outside S; the top is the latest released of them.
    let mut outside: Vec<u32> = Vec::new();
    let (mut k_in, mut alive) = (0usize, 0usize);
    let (mut t, mut next, mut events, mut finished) = (0.0f64, 0usize, 0u64, true);
    let rate_of = |k: usize| {
        if k == 0 {
            0.0
        } else {
            (m as f64 / k as f64).min(1.0)
        }
    };
    let mut poll = Poll::default();
    'sim: loop {
        // Drop stale heap entries (jobs that left S since they were pushed).
        while let Some(&Reverse((_, r, s))) = heap.peek() {
            let j = order[r as usize] as usize;
            if state[j] == IN && stamp[j] == s {
                break;
            }
            heap.pop();
        }
        let rate = rate_of(k_in);
        let t0 = t;
        if k_in == 0 {
            if next >= n {
                break;
            }
            t = t.max(release[order[next] as usize]);
        } else {
            let top = heap.peek().map_or(f64::INFINITY, |e| e.0 .0 .0);
            let dt_c = ((top - v) / rate).max(0.0);
            let t_rel = if next < n {
                release[order[next] as usize]
            } else {
                f64::INFINITY
            };
            if t_rel - t <= dt_c {
                v += rate * (t_rel - t).max(0.0);
                t = t_rel;
            } else {
                t += dt_c;
                v = v.max(top);
            }
            if rec.on() {
                for &r in &set {
                    let j = order[r as usize] as usize;
                    if state[j] == IN {
                        rec.run(t0, t, j, st.cur(j), rate)?;
                    }
                }
            }
        }
        events += 1;
        if poll.tick(budget)? {
            finished = false;
            break;
        }
        // Operation completions: every member whose key has been reached.
        while let Some(&Reverse((OrdF64(kk), r, s))) = heap.peek() {
            let j = order[r as usize] as usize;
            if state[j] != IN || stamp[j] != s {
                heap.pop();
                continue;
            }
            if kk > v {
                break;
            }
            if poll.tick(budget)? {
                finished = false;
                break 'sim;
            }
            heap.pop();
            let op = st.cur(j);
            if st.finish_op(j, t) {
                rec.op_done(t, j, op, Some(st.op_rem(j)))?;
                key[j] = kk + st.op_rem(j);
                heap.push(Reverse((OrdF64(key[j]), r, s)));
            } else {
                rec.op_done(t, j, op, None)?;
                state[j] = DONE;
                k_in -= 1;
                alive -= 1;
            }
        }
        // Releases: the newest job always belongs to S.
        while next < n && release[order[next] as usize] <= t {
            if poll.tick(budget)? {
                finished = false;
                break 'sim;
            }
            let j = order[next] as usize;
            let r = next as u32;
            next += 1;
            st.release(j);
            rec.release(release[j], j, st.op_rem(j))?;
            state[j] = IN;
            key[j] = v + st.op_rem(j);
            heap.push(Reverse((OrdF64(key[j]), r, stamp[j])));
            set.push_back(r);
            k_in += 1;
            alive += 1;
        }
        // Resize S to its target: the oldest members leave, the latest outsiders enter.
        let target = laps_set_size(beta, alive, m);
        while k_in > target {
            let Some(r) = set.pop_front() else { break };
            let j = order[r as usize] as usize;
            if state[j] != IN {
                continue;
            }
            st.set_op_rem(j, (key[j] - v).max(0.0));
            stamp[j] = stamp[j].wrapping_add(1);
            state[j] = OUT;
            outside.push(r);
            k_in -= 1;
        }
        while k_in < target {
            let Some(r) = outside.pop() else { break };
            let j = order[r as usize] as usize;
            stamp[j] = stamp[j].wrapping_add(1);
            state[j] = IN;
            key[j] = v + st.op_rem(j);
            heap.push(Reverse((OrdF64(key[j]), r, stamp[j])));
            set.push_front(r);
            k_in += 1;
        }
        if set.len() > 2 * k_in + 64 {
            set.retain(|&r| state[order[r as usize] as usize] == IN);
        }
    }
    Ok((st.completion, events, finished))
}
