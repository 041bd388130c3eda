//! SETF (shortest elapsed time first / least attained service), exactly: the jobs with the
//! least attained service run, jobs with equal attained service share equally.
//!
//! Alive jobs form groups of equal attained service (the group's `level`), kept in a stack
//! ordered by level (the lowest last). Machines are water-filled from the lowest level up:
//! a group of s jobs gets rate 1 per job while at least s machines are left, else the rest
//! `cap / s`, and higher groups get nothing. Between events levels grow linearly; events are
//! releases, operation completions inside a running group (each member's key is the attained
//! service at which its current operation ends, so all keys of all groups share one
//! coordinate), and merges, when a faster group reaches the next level. A merge moves the
//! smaller heap into the larger, so the total cost is O(n log² n).
//!
//! At the event that defines the step the affected level is set exactly (to the key reached,
//! or to the level caught up with). Another running group whose level the same step brings
//! to its key or to the level above, in exact arithmetic, may land a few ulps short of it in
//! floats (the step length was computed from another quantity); it is set exactly too
//! ([`settle`]). Left short, it would hold a sliver of work: a job released at that instant
//! forms a lower group, which SETF runs first, and the sliver would wait until the newcomer
//! caught up, a whole operation later. A quantity left just past its target is handled by the
//! same comparison at the next event (a zero-length step).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::index::{EngineOut, Poll};
use super::info::{Info, JobState};
use super::log::Recorder;
use super::Jobs;
use crate::budget::Budget;
use crate::error::CoreResult;
use crate::util::OrdF64;

struct Group {
    level: f64,
    rate: f64,
    heap: BinaryHeap<Reverse<(OrdF64, u32)>>,
}

enum Step {
    Release,
    Complete(usize),
    Merge(usize),
}

pub(crate) fn run(jobs: &Jobs, m: usize, rec: &mut Recorder, budget: &Budget) -> CoreResult<EngineOut> {
    let n = jobs.len();
    let order = jobs.order();
    let release = jobs.release();
    let mut st = JobState::new(jobs, Info::NonClairvoyant, false);
    // groups[0] has the highest level, groups.last() the lowest.
    let mut groups: Vec<Group> = Vec::new();
    let (mut t, mut next, mut events, mut finished) = (0.0f64, 0usize, 0u64, true);
    let mut poll = Poll::default();
    'sim: loop {
        // Water-filling: rates of the lowest groups; `first` = index of the highest running one.
        let mut cap = m as f64;
        let mut first = groups.len();
        for g in groups.iter_mut().rev() {
            if cap <= 0.0 {
                break;
            }
            let s = g.heap.len() as f64;
            g.rate = if cap >= s { 1.0 } else { cap / s };
            cap -= s.min(cap);
            first -= 1;
        }
        for g in groups[..first].iter_mut() {
            g.rate = 0.0;
        }
        let t0 = t;
        if groups.is_empty() {
            if next >= n {
                break;
            }
            t = t.max(release[order[next] as usize]);
        } else {
            let mut best = f64::INFINITY;
            let mut step = Step::Release;
            for i in first..groups.len() {
                let g = &groups[i];
                if let Some(&Reverse((OrdF64(k), _))) = g.heap.peek() {
                    let d = ((k - g.level) / g.rate).max(0.0);
                    if d < best {
                        best = d;
                        step = Step::Complete(i);
                    }
                }
                if i > 0 {
                    let up = &groups[i - 1];
                    if g.rate > up.rate {
                        let d = ((up.level - g.level) / (g.rate - up.rate)).max(0.0);
                        if d < best {
                            best = d;
                            step = Step::Merge(i);
                        }
                    }
                }
            }
            let t_rel = if next < n {
                release[order[next] as usize]
            } else {
                f64::INFINITY
            };
            let dt = if t_rel - t <= best {
                step = Step::Release;
                (t_rel - t).max(0.0)
            } else {
                best
            };
            for g in groups[first..].iter_mut() {
                g.level += g.rate * dt;
            }
            match step {
                Step::Release => t = t_rel,
                Step::Complete(i) => {
                    t += dt;
                    let g = &mut groups[i];
                    if let Some(&Reverse((OrdF64(k), _))) = g.heap.peek() {
                        g.level = g.level.max(k);
                    }
                }
                Step::Merge(i) => {
                    t += dt;
                    groups[i].level = groups[i].level.max(groups[i - 1].level);
                }
            }
            settle(&mut groups, first);
            if rec.on() {
                for g in &groups[first..] {
                    for &Reverse((_, r)) in g.heap.iter() {
                        let j = order[r as usize] as usize;
                        rec.run(t0, t, j, st.cur(j), g.rate)?;
                    }
                }
            }
        }
        events += 1;
        if poll.tick(budget)? {
            finished = false;
            break;
        }
        // Operation completions in the groups that ran.
        let from = first.min(groups.len());
        for g in groups[from..].iter_mut() {
            while let Some(&Reverse((OrdF64(k), r))) = g.heap.peek() {
                if k > g.level {
                    break;
                }
                if poll.tick(budget)? {
                    finished = false;
                    break 'sim;
                }
                g.heap.pop();
                let j = order[r as usize] as usize;
                let op = st.cur(j);
                if st.finish_op(j, t) {
                    rec.op_done(t, j, op, Some(st.op_rem(j)))?;
                    g.heap.push(Reverse((OrdF64(st.done(j) + st.op_rem(j)), r)));
                } else {
                    rec.op_done(t, j, op, None)?;
                }
            }
        }
        let mut i = groups.len();
        while i > from {
            i -= 1;
            if groups[i].heap.is_empty() {
                groups.remove(i);
            }
        }
        // Merges: a group that reached the level above joins it.
        let mut i = from.max(1);
        while i < groups.len() {
            if groups[i].level >= groups[i - 1].level {
                let mut moved = std::mem::take(&mut groups[i].heap);
                groups[i - 1].heap.append(&mut moved);
                groups.remove(i);
            } else {
                i += 1;
            }
        }
        // Releases join the lowest group when it is still at level 0, else form a new one.
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
            let entry = Reverse((OrdF64(st.op_rem(j)), r));
            match groups.last_mut() {
                Some(g) if g.level <= 0.0 => g.heap.push(entry),
                _ => {
                    let mut heap = BinaryHeap::new();
                    heap.push(entry);
                    groups.push(Group {
                        level: 0.0,
                        rate: 0.0,
                        heap,
                    });
                }
            }
        }
    }
    Ok((st.completion, events, finished))
}

/// Within a few ulps (relative): the same instant reached along two float computations.
fn same_level(a: f64, b: f64) -> bool {
    (b - a).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// Sets the level of each running group (`groups[first..]`, the highest first) that a step
/// left a few ulps short of its next key, or of the level of the group above it, to that value.
fn settle(groups: &mut [Group], first: usize) {
    for i in first..groups.len() {
        if let Some(&Reverse((OrdF64(k), _))) = groups[i].heap.peek() {
            if same_level(groups[i].level, k) {
                groups[i].level = groups[i].level.max(k);
            }
        }
        if i > 0 && same_level(groups[i].level, groups[i - 1].level) {
            groups[i].level = groups[i].level.max(groups[i - 1].level);
        }
    }
}
