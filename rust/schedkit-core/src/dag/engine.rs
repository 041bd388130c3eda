//! The placement machinery every list scheduler shares: data-ready times per processor,
//! insertion-based earliest start and finish, the reservations, the schedule being built.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::eft;
use super::instance::{Platform, TaskGraph};
use super::ranks::RANK_RTOL;
use super::slots::Timeline;
use super::{Options, Schedule};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::OrdF64;

/// Placements between two sweeps of the gaps no task can use any more.
const SWEEP_EVERY: usize = 512;

pub(crate) struct Engine<'a> {
    pub g: &'a TaskGraph,
    pub p: &'a Platform,
    pub proc: Vec<usize>,
    pub start: Vec<f64>,
    pub finish: Vec<f64>,
    pub placed: Vec<bool>,
    pub order: Vec<usize>,
    lines: Vec<Timeline>,
    /// Scratch: data-ready time of the current task on each processor.
    ready: Vec<f64>,
    budget: &'a Budget<'a>,
    /// The horizon: every unplaced task has an ancestor-or-self among the *ready* tasks (all
    /// predecessors placed), and starts no earlier than that task's release and predecessors'
    /// finishes. `floor[i]` is that bound, `missing[i]` the unplaced predecessors, `frontier` a
    /// lazy min-heap of the ready tasks by `floor`. Gaps ending before the least of them are dead.
    floor: Vec<f64>,
    missing: Vec<usize>,
    frontier: BinaryHeap<Reverse<(OrdF64, usize)>>,
    swept_to: f64,
    sweep: bool,
}

/// `a` is better than `b` by more than the tolerance (so near-ties keep the earlier choice).
#[inline]
fn better(a: f64, b: f64) -> bool {
    a < b - RANK_RTOL * b.abs().max(1.0)
}

impl<'a> Engine<'a> {
    /// `release[i]`, when given, is a time before which task i is known not to start (its job's
    /// arrival online); it only sharpens the horizon.
    pub fn new(
        g: &'a TaskGraph,
        p: &'a Platform,
        opts: &Options,
        release: Option<&[f64]>,
        budget: &'a Budget<'a>,
    ) -> Self {
        let insertion = opts.insertion;
        let (n, q) = (g.num_tasks(), p.num_processors());
        // A gap shorter than every task's cost on a processor can never be used there.
        let mut min_len = vec![f64::INFINITY; q];
        for i in 0..n {
            for (m, &w) in min_len.iter_mut().zip(p.row(i)) {
                *m = m.min(w);
            }
        }
        let lines = min_len
            .iter()
            .map(|&m| Timeline::new(insertion, if m.is_finite() { m } else { 0.0 }))
            .collect();
        let floor: Vec<f64> = (0..n).map(|i| release.map_or(0.0, |r| r[i])).collect();
        let missing: Vec<usize> = (0..n).map(|i| g.in_degree(i)).collect();
        let frontier = (0..n)
            .filter(|&i| missing[i] == 0)
            .map(|i| Reverse((OrdF64(floor[i]), i)))
            .collect();
        Engine {
            g,
            p,
            proc: vec![usize::MAX; n],
            start: vec![f64::NAN; n],
            finish: vec![f64::NAN; n],
            placed: vec![false; n],
            order: Vec::with_capacity(n),
            lines,
            ready: vec![0.0; q],
            budget,
            floor,
            missing,
            frontier,
            swept_to: 0.0,
            sweep: opts.sweep && insertion,
        }
    }

    /// Updates the horizon after placing task i and, now and then, drops the dead gaps.
    fn advance(&mut self, i: usize) {
        for (j, _) in self.g.succ(i) {
            self.floor[j] = self.floor[j].max(self.finish[i]);
            self.missing[j] -= 1;
            if self.missing[j] == 0 {
                self.frontier.push(Reverse((OrdF64(self.floor[j]), j)));
            }
        }
        if !self.sweep || self.order.len() % SWEEP_EVERY != 0 {
            return;
        }
        while let Some(&Reverse((_, j))) = self.frontier.peek() {
            if !self.placed[j] {
                break;
            }
            self.frontier.pop();
        }
        let horizon = self
            .frontier
            .peek()
            .map_or(f64::INFINITY, |Reverse((OrdF64(h), _))| *h);
        if horizon > self.swept_to && horizon.is_finite() {
            self.swept_to = horizon;
            self.lines.iter_mut().for_each(|line| line.forget_before(horizon));
        }
    }

    /// Fills the scratch `ready[b]` = max(release, max over predecessors j of
    /// finish(j) + comm(j -> b)). Every predecessor must be placed already.
    fn data_ready(&mut self, i: usize, release: f64) -> CoreResult<()> {
        if let Some((j, _)) = self.g.pred(i).find(|&(j, _)| !self.placed[j]) {
            return Err(CoreError::Infeasible(format!(
                "internal error: task {i} scheduled before its predecessor {j}"
            )));
        }
        self.ready.iter_mut().for_each(|r| *r = release);
        eft::raise_to_data_ready(self.g, self.p, i, &self.finish, &self.proc, &mut self.ready);
        Ok(())
    }

    /// Insertion-based earliest start of task i on processor b (after `data_ready`).
    #[inline]
    fn est(&self, i: usize, b: usize) -> f64 {
        self.lines[b].earliest_start(self.ready[b], self.p.w(i, b))
    }

    /// The processor minimising EFT(i, b) + bias[b] (ties to the lowest index) and the start
    /// there. `release` is the earliest allowed start.
    pub fn best(&mut self, i: usize, release: f64, bias: Option<&[f64]>) -> CoreResult<(usize, f64)> {
        self.data_ready(i, release)?;
        let mut best = (f64::INFINITY, 0usize, 0.0f64);
        for b in 0..self.p.num_processors() {
            let w = self.p.w(i, b);
            let extra = bias.map_or(0.0, |x| x[b]);
            // No start can beat the data-ready time: skip the gap search when it cannot win.
            if best.0.is_finite() && !better(self.ready[b] + w + extra, best.0) {
                continue;
            }
            let s = self.est(i, b);
            let value = s + w + extra;
            if !best.0.is_finite() || better(value, best.0) {
                best = (value, b, s);
            }
        }
        Ok((best.1, best.2))
    }

    /// Earliest start of task i on processor b.
    pub fn est_on(&mut self, i: usize, b: usize, release: f64) -> CoreResult<f64> {
        self.data_ready(i, release)?;
        Ok(self.est(i, b))
    }

    /// Reserves processor b for task i from `start` (from `best` or `est_on`).
    pub fn place(&mut self, i: usize, b: usize, start: f64) -> CoreResult<()> {
        let w = self.p.w(i, b);
        if self.placed[i] || !self.lines[b].reserve(start, w) {
            return Err(CoreError::Infeasible(format!(
                "internal error: cannot place task {i} on processor {b} at {start}"
            )));
        }
        self.proc[i] = b;
        self.start[i] = start;
        self.finish[i] = start + w;
        self.placed[i] = true;
        self.order.push(i);
        self.advance(i);
        // Every task: the stop flag is one relaxed atomic load, far cheaper than placing a task
        // (an EFT over q processors, and a gap search with insertion), whereas a count of tasks
        // between checks let a call with slow placements run on for a second after Ctrl-C.
        if self.budget.interrupted() {
            return Err(CoreError::Interrupted);
        }
        Ok(())
    }

    /// Places task i where `best` says.
    pub fn place_best(&mut self, i: usize, release: f64, bias: Option<&[f64]>) -> CoreResult<()> {
        let (b, s) = self.best(i, release, bias)?;
        self.place(i, b, s)
    }

    pub fn finish_schedule(self) -> CoreResult<Schedule> {
        if let Some(i) = self.placed.iter().position(|&x| !x) {
            return Err(CoreError::Infeasible(format!(
                "internal error: task {i} was never scheduled"
            )));
        }
        let makespan = self.finish.iter().copied().fold(0.0, f64::max);
        Ok(Schedule {
            proc: self.proc,
            start: self.start,
            finish: self.finish,
            order: self.order,
            makespan,
        })
    }
}
