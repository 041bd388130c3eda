//! The event-driven engine: arrivals (open or closed-loop), task completions, and the
//! sort-once-then-fill dispatch of specs/fair.md B.4. Every single event (one task
//! completion, or one job arrival) is followed by one dispatch round, as Spark runs one
//! offer round per status update or job submission; at equal times completions go first.
//!
//! The unit of scheduling is a *stage* (Spark's TaskSetManager): a job's stage becomes
//! schedulable when its parent stages have finished. The engine is incremental so that a
//! trace larger than memory replays: jobs are pushed in submit order, [`Engine::advance`]
//! processes the events before a time, finished jobs are taken out with
//! [`Engine::take_finished`], and a finished job's memory is reused. Memory is therefore
//! bounded by the jobs in the system, not by the trace.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::ops::Bound::{Excluded, Unbounded};

use super::job::{build_stages, Job, Stages};
use super::record::{Finished, TaskRows};
use super::vtime::{Cfq, Uwfq, K};
use super::{Config, Estimate, Policy, Workload};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

/// Ready stages of the key-based policies, of FAIR's pools, and of DRF's users.
enum Queue {
    Keyed(BTreeSet<(K, u64, usize, usize)>),
    Fair(FairState),
    Drf(DrfState),
}

struct DrfState {
    /// Per node: capacity and free amount of cpu and memory.
    cap: Vec<(f64, f64)>,
    free: Vec<(f64, f64)>,
    total_cpu: f64,
    total_mem: f64,
    user_cpu: Vec<f64>,
    user_mem: Vec<f64>,
    weight: Vec<f64>,
    /// Per user: ready stages in (job seq, stage) order.
    ready: Vec<BTreeSet<(u64, usize, usize)>>,
    /// Users with ready stages by (weighted dominant share, user), and each one's key:
    /// updated when a share or a ready set changes, not rebuilt every round.
    order: BTreeSet<(K, usize)>,
    key_of: Vec<Option<K>>,
}

impl DrfState {
    fn share(&self, u: usize) -> f64 {
        let m = if self.total_mem.is_finite() {
            self.user_mem[u] / self.total_mem
        } else {
            0.0
        };
        (self.user_cpu[u] / self.total_cpu).max(m) / self.weight[u]
    }

    /// Re-files user `u` after its share or its ready stages changed.
    fn refresh(&mut self, u: usize) {
        if let Some(k) = self.key_of[u].take() {
            self.order.remove(&(k, u));
        }
        if !self.ready[u].is_empty() {
            let k = K(self.share(u));
            self.order.insert((k, u));
            self.key_of[u] = Some(k);
        }
    }

    /// First node (in index order) where a (cpu, mem) task fits.
    fn fit(&self, cpu: f64, mem: f64) -> Option<usize> {
        self.free.iter().position(|&(fc, fm)| {
            cpu <= fc + 1e-9 * fc.max(1.0) && mem <= fm + 1e-9 * fm.abs().max(1.0).min(1e12)
        })
    }
}

/// A pool's place in Spark's FairSchedulingAlgorithm order: pools below their minShare
/// first (by running / max(minShare, 1)), then the others by running / weight, ties by
/// name (as a rank, see [`NameRanks`]), then by index. Kept in an ordered set and updated
/// when a pool's running count or readiness changes, so a dispatch round does not sort
/// every pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PoolKey {
    satisfied: bool,
    ratio: K,
    name_rank: u64,
    pool: usize,
}

/// Integer ranks that order like the names, for names added one at a time: a new name
/// takes the midpoint between its neighbours' ranks, and all ranks are spread out again in
/// the rare case there is no room left (the caller then re-files its keys).
#[derive(Default)]
struct NameRanks {
    ranks: BTreeMap<String, u64>,
}

impl NameRanks {
    /// The rank of `name` (added if new) and whether every other rank changed too.
    fn rank(&mut self, name: &str) -> (u64, bool) {
        if let Some(&r) = self.ranks.get(name) {
            return (r, false);
        }
        let below = self
            .ranks
            .range::<str, _>((Unbounded, Excluded(name)))
            .next_back()
            .map_or(0, |(_, &r)| r);
        let above = self
            .ranks
            .range::<str, _>((Excluded(name), Unbounded))
            .next()
            .map_or(u64::MAX, |(_, &r)| r);
        if above - below >= 2 {
            let r = below + (above - below) / 2;
            self.ranks.insert(name.to_string(), r);
            return (r, false);
        }
        self.ranks.insert(name.to_string(), 0);
        for (i, r) in self.ranks.values_mut().enumerate() {
            *r = (i as u64 + 1) << 32;
        }
        (self.ranks[name], true)
    }
}

struct FairState {
    pool_running: Vec<usize>,
    /// Per pool: ready stages ordered by (running tasks if FAIR inside else 0, job seq,
    /// stage, slot).
    ready: Vec<BTreeSet<(usize, u64, usize, usize)>>,
    weight: Vec<f64>,
    min_share: Vec<f64>,
    fair_inside: Vec<bool>,
    /// Pool names (Spark breaks comparator ties by name) and their ranks.
    names: Vec<String>,
    name_rank: Vec<u64>,
    ranks: NameRanks,
    /// Pools with ready stages, in comparator order, and each one's current key.
    order: BTreeSet<PoolKey>,
    key_of: Vec<Option<PoolKey>>,
}

impl FairState {
    fn key(
        &self,
        pool: usize,
        running: usize,
        seq: u64,
        s: usize,
        slot: usize,
    ) -> (usize, u64, usize, usize) {
        (if self.fair_inside[pool] { running } else { 0 }, seq, s, slot)
    }

    fn pool_key(&self, p: usize) -> PoolKey {
        let (r, m) = (self.pool_running[p] as f64, self.min_share[p]);
        let needy = r < m;
        PoolKey {
            satisfied: !needy,
            ratio: K(if needy { r / m.max(1.0) } else { r / self.weight[p] }),
            name_rank: self.name_rank[p],
            pool: p,
        }
    }

    /// Re-files pool `p` after its running count or its ready stages changed.
    fn refresh(&mut self, p: usize) {
        if let Some(k) = self.key_of[p].take() {
            self.order.remove(&k);
        }
        if !self.ready[p].is_empty() {
            let k = self.pool_key(p);
            self.order.insert(k);
            self.key_of[p] = Some(k);
        }
    }

    fn add_pool(&mut self, name: &str, weight: f64, min_share: f64, fair_inside: bool) -> usize {
        let (rank, all_changed) = self.ranks.rank(name);
        self.pool_running.push(0);
        self.ready.push(BTreeSet::new());
        self.weight.push(weight);
        self.min_share.push(min_share);
        self.fair_inside.push(fair_inside);
        self.names.push(name.to_string());
        self.name_rank.push(rank);
        self.key_of.push(None);
        if all_changed {
            for p in 0..self.names.len() {
                self.name_rank[p] = self.ranks.ranks[&self.names[p]];
                self.refresh(p);
            }
        }
        self.names.len() - 1
    }
}

/// What happens next: a task completes, or a job arrives from the open queue or from the
/// closed-loop releases.
#[derive(Clone, Copy)]
enum Event {
    Completion,
    Open,
    Released,
}

/// A task completion, ordered by (end, job gid): 24 bytes, as the heap moves these on
/// every event.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Completion {
    end: K,
    gid: u64,
    slot: u32,
    stage: u16,
    node: u16,
}

/// The incremental simulator. See the module docs for the streaming protocol.
pub struct Engine {
    cfg: Config,
    jobs: Vec<Job>,
    free_slots: Vec<usize>,
    /// Open arrivals in push order, which is submit order: (time, gid, slot).
    open: VecDeque<(f64, u64, usize)>,
    /// Closed-loop arrivals released by finished predecessors: (time, gid, slot).
    released: BinaryHeap<Reverse<(K, u64, usize)>>,
    running: BinaryHeap<Reverse<Completion>>,
    /// The heap's top is a completion already processed in this step, not yet removed.
    top_done: bool,
    free: usize,
    queue: Queue,
    uwfq: Option<Uwfq>,
    cfq: Option<Cfq>,
    user_weight: Vec<f64>,
    user_pool: Vec<usize>,
    class_sum: Vec<f64>,
    class_cnt: Vec<usize>,
    all_sum: f64,
    all_cnt: usize,
    next_gid: u64,
    next_seq: u64,
    pending_tasks: usize,
    live: usize,
    events: u64,
    /// Events before this time have been processed; later pushes may not arrive earlier.
    horizon: f64,
    /// Largest single-node capacities (DRF): a larger request could never run.
    max_node: (f64, f64),
    finished: Finished,
    tasks: TaskRows,
    // Scratch buffers reused by every dispatch round.
    plan_k: Vec<(usize, usize, usize)>,
    plan_f: Vec<(usize, usize, usize, usize)>,
}

impl Engine {
    /// A new engine with no users, no pools and no jobs.
    pub fn new(cfg: Config) -> CoreResult<Engine> {
        cfg.validate()?;
        let queue = match cfg.policy {
            Policy::Fair => Queue::Fair(FairState {
                pool_running: Vec::new(),
                ready: Vec::new(),
                weight: Vec::new(),
                min_share: Vec::new(),
                fair_inside: Vec::new(),
                names: Vec::new(),
                name_rank: Vec::new(),
                ranks: NameRanks::default(),
                order: BTreeSet::new(),
                key_of: Vec::new(),
            }),
            Policy::Drf => {
                let cap = cfg.drf_nodes();
                Queue::Drf(DrfState {
                    total_cpu: cap.iter().map(|n| n.0).sum(),
                    total_mem: cap.iter().map(|n| n.1).sum(),
                    free: cap.clone(),
                    cap,
                    user_cpu: Vec::new(),
                    user_mem: Vec::new(),
                    weight: Vec::new(),
                    ready: Vec::new(),
                    order: BTreeSet::new(),
                    key_of: Vec::new(),
                })
            }
            _ => Queue::Keyed(BTreeSet::new()),
        };
        let max_node = cfg
            .drf_nodes()
            .iter()
            .fold((0.0f64, 0.0f64), |a, n| (a.0.max(n.0), a.1.max(n.1)));
        Ok(Engine {
            free: cfg.cores,
            uwfq: (cfg.policy == Policy::Uwfq).then(|| Uwfq::new(cfg.cores, &[], cfg.grace)),
            cfq: (cfg.policy == Policy::Cfq).then(|| Cfq::new(cfg.cores)),
            cfg,
            jobs: Vec::new(),
            free_slots: Vec::new(),
            open: VecDeque::new(),
            released: BinaryHeap::new(),
            running: BinaryHeap::new(),
            top_done: false,
            queue,
            user_weight: Vec::new(),
            user_pool: Vec::new(),
            class_sum: Vec::new(),
            class_cnt: Vec::new(),
            all_sum: 0.0,
            all_cnt: 0,
            next_gid: 0,
            next_seq: 0,
            pending_tasks: 0,
            live: 0,
            events: 0,
            horizon: f64::NEG_INFINITY,
            max_node,
            finished: Finished::default(),
            tasks: TaskRows::default(),
            plan_k: Vec::new(),
            plan_f: Vec::new(),
        })
    }

    /// Adds a FAIR pool (weight > 0, minShare >= 0 cores, FAIR or FIFO inside; ties between
    /// pools go to the smaller name, then the earlier pool); returns its index. Other
    /// policies keep no pools and ignore the call (index 0).
    pub fn add_pool(
        &mut self,
        name: &str,
        weight: f64,
        min_share: f64,
        fair_inside: bool,
    ) -> CoreResult<usize> {
        if !weight.is_finite() || weight <= 0.0 {
            return Err(CoreError::invalid(
                "pool_weight",
                None,
                format!("must be finite and > 0, got {weight}"),
            ));
        }
        if !min_share.is_finite() || min_share < 0.0 {
            return Err(CoreError::invalid(
                "pool_min_share",
                None,
                format!("must be finite and >= 0, got {min_share}"),
            ));
        }
        let Queue::Fair(fs) = &mut self.queue else {
            return Ok(0);
        };
        Ok(fs.add_pool(name, weight, min_share, fair_inside))
    }

    /// Adds a user with UWFQ/DRF weight `weight` in FAIR pool `pool`; returns its index.
    pub fn add_user(&mut self, weight: f64, pool: usize) -> CoreResult<usize> {
        let u = self.user_weight.len();
        if !weight.is_finite() || weight <= 0.0 {
            return Err(CoreError::invalid(
                "weights",
                Some(u),
                format!("must be finite and > 0, got {weight}"),
            ));
        }
        match &mut self.queue {
            Queue::Fair(fs) if pool >= fs.weight.len() => {
                return Err(CoreError::invalid(
                    "pools",
                    Some(u),
                    format!("pool index {pool} out of range"),
                ));
            }
            Queue::Drf(ds) => {
                ds.user_cpu.push(0.0);
                ds.user_mem.push(0.0);
                ds.weight.push(weight);
                ds.ready.push(BTreeSet::new());
                ds.key_of.push(None);
            }
            _ => {}
        }
        if let Some(q) = self.uwfq.as_mut() {
            q.add_user(weight);
        }
        self.user_weight.push(weight);
        self.user_pool.push(pool);
        Ok(u)
    }

    pub fn n_users(&self) -> usize {
        self.user_weight.len()
    }

    /// Jobs pushed and not finished yet (the memory held).
    pub fn live_jobs(&self) -> usize {
        self.live
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    /// Jobs pushed so far.
    pub fn pushed(&self) -> u64 {
        self.next_gid
    }

    /// The time up to which events have been processed.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Adds jobs. Jobs without a predecessor arrive at their submit time, which must not
    /// be before the horizon; closed-loop jobs arrive when their predecessor (in the same
    /// batch) finishes, plus think time.
    pub fn push(&mut self, w: &Workload) -> CoreResult<()> {
        let not_before = self.open.back().map_or(self.horizon, |a| a.0.max(self.horizon));
        let drf_max_node = (self.cfg.policy == Policy::Drf).then_some(self.max_node);
        w.check(self.n_users(), not_before, drf_max_node)?;
        let n = w.n_jobs();
        let mut slots = Vec::with_capacity(n);
        for j in 0..n {
            let sr = w.stages_of(j);
            let t0 = w.task_offsets[sr.start];
            let durs = w.task_duration[t0..w.task_offsets[sr.end]].to_vec();
            let m = sr.len();
            let (stages, children) = build_stages(w, sr, &durs);
            let class = w.job_class[j];
            if class >= self.class_sum.len() {
                self.class_sum.resize(class + 1, 0.0);
                self.class_cnt.resize(class + 1, 0);
            }
            let job = Job {
                gid: self.next_gid,
                tag: w.job_tag.get(j).copied().unwrap_or(self.next_gid as i64),
                user: w.job_user[j],
                class,
                noise: w.job_noise[j],
                think: w.job_think[j],
                submit: f64::NAN,
                start: f64::NAN,
                work: stages.iter().map(|s| s.work).sum(),
                est: f64::NAN,
                alone: f64::NAN,
                seq: 0,
                key: 0.0,
                n_tasks: 0,
                stages_left: m,
                stages,
                durs,
                children,
                succ: Vec::new(),
                live: true,
            };
            let slot = match self.free_slots.pop() {
                Some(s) => {
                    self.jobs[s] = job;
                    s
                }
                None => {
                    self.jobs.push(job);
                    self.jobs.len() - 1
                }
            };
            slots.push(slot);
            if w.job_after[j] < 0 {
                self.open.push_back((w.job_submit[j], self.next_gid, slot));
            } else {
                let pred = slots[w.job_after[j] as usize];
                self.jobs[pred].succ.push(slot);
            }
            self.next_gid += 1;
            self.live += 1;
        }
        Ok(())
    }

    /// Processes every event before time `until`.
    pub fn advance(&mut self, until: f64, budget: &Budget) -> CoreResult<()> {
        while let Some((t, event)) = self.next_event() {
            if t >= until {
                break;
            }
            self.step(t, event, budget)?;
        }
        self.horizon = self.horizon.max(until);
        Ok(())
    }

    /// Runs until no event is left; every pushed job has finished then.
    pub fn finish(&mut self, budget: &Budget) -> CoreResult<()> {
        while let Some((t, event)) = self.next_event() {
            self.step(t, event, budget)?;
        }
        if self.live > 0 {
            return Err(CoreError::Infeasible(format!(
                "simulation stalled with {} unfinished jobs (internal)",
                self.live
            )));
        }
        self.horizon = f64::INFINITY;
        Ok(())
    }

    /// Takes the jobs finished since the last call.
    pub fn take_finished(&mut self) -> Finished {
        std::mem::take(&mut self.finished)
    }

    /// Takes the task records made since the last call.
    pub fn take_tasks(&mut self) -> TaskRows {
        std::mem::take(&mut self.tasks)
    }

    /// The next event and its time: a task completion (first at equal times, as Spark
    /// handles status updates before a submission), else the earlier arrival, by (time,
    /// gid) as one heap would order them, of the open queue's head and the first released
    /// closed-loop job.
    fn next_event(&self) -> Option<(f64, Event)> {
        let done = self.running.peek().map(|Reverse(c)| c.end.0);
        let open = self.open.front().map(|&(t, g, _)| (K(t), g));
        let released = self.released.peek().map(|Reverse((t, g, _))| (*t, *g));
        let arrival = match (open, released) {
            (Some(o), Some(r)) if r < o => Some((r.0 .0, Event::Released)),
            (Some(o), _) => Some((o.0 .0, Event::Open)),
            (None, r) => r.map(|r| (r.0 .0, Event::Released)),
        };
        match (done, arrival) {
            (Some(c), Some((ta, _))) if c <= ta => Some((c, Event::Completion)),
            (Some(c), None) => Some((c, Event::Completion)),
            (_, a) => a,
        }
    }

    /// One event at time `t`, then one dispatch round.
    fn step(&mut self, t: f64, event: Event, budget: &Budget) -> CoreResult<()> {
        self.events += 1;
        if self.events % 4096 == 0 && budget.exhausted() {
            return Err(CoreError::Interrupted);
        }
        match event {
            Event::Completion => {
                if let Some(&Reverse(c)) = self.running.peek() {
                    // Left in the heap for now: the task launched on the freed core usually
                    // replaces it in place (one sift instead of a pop and a push).
                    self.top_done = true;
                    self.complete(t, c.slot as usize, c.stage as usize, c.node as usize);
                }
            }
            Event::Open => {
                if let Some((_, _, slot)) = self.open.pop_front() {
                    self.arrive(t, slot);
                }
            }
            Event::Released => {
                if let Some(Reverse((_, _, slot))) = self.released.pop() {
                    self.arrive(t, slot);
                }
            }
        }
        if (self.free > 0 || matches!(self.queue, Queue::Drf(_))) && self.pending_tasks > 0 {
            self.dispatch(t);
        }
        if self.top_done {
            self.running.pop();
            self.top_done = false;
        }
        Ok(())
    }

    fn complete(&mut self, t: f64, slot: usize, s: usize, node: usize) {
        self.free += 1;
        let user = self.jobs[slot].user;
        let st = &mut self.jobs[slot].stages[s];
        if let Queue::Drf(ds) = &mut self.queue {
            let (cap_c, cap_m) = ds.cap[node];
            let f = &mut ds.free[node];
            f.0 = (f.0 + st.cpu).min(cap_c);
            f.1 = (f.1 + st.mem).min(cap_m);
            ds.user_cpu[user] = (ds.user_cpu[user] - st.cpu).max(0.0);
            ds.user_mem[user] = (ds.user_mem[user] - st.mem).max(0.0);
            ds.refresh(user);
        }
        st.running -= 1;
        st.unfinished -= 1;
        let (running, still_queued, stage_done) = (st.running, st.next < st.n, st.unfinished == 0);
        if let Queue::Fair(fs) = &mut self.queue {
            let pool = self.user_pool[user];
            fs.pool_running[pool] -= 1;
            if still_queued && fs.fair_inside[pool] {
                let seq = self.jobs[slot].seq;
                fs.ready[pool].remove(&(running + 1, seq, s, slot));
                fs.ready[pool].insert((running, seq, s, slot));
            }
            fs.refresh(pool);
        }
        if !stage_done {
            return;
        }
        let (lo, hi) = (
            self.jobs[slot].stages[s].child_lo,
            self.jobs[slot].stages[s].child_hi,
        );
        for c in lo..hi {
            let ch = self.jobs[slot].children[c];
            let cs = &mut self.jobs[slot].stages[ch];
            cs.waiting -= 1;
            if cs.waiting == 0 {
                self.pending_tasks += cs.n;
                self.enqueue(t, slot, ch);
            }
        }
        let job = &mut self.jobs[slot];
        job.stages_left -= 1;
        if job.stages_left > 0 {
            return;
        }
        // The job is done: record it, release closed-loop successors, free the slot.
        self.finished.push(job, t);
        self.class_sum[job.class] += job.work;
        self.class_cnt[job.class] += 1;
        self.all_sum += job.work;
        self.all_cnt += 1;
        let succ = std::mem::take(&mut job.succ);
        for sl in succ {
            let j2 = &self.jobs[sl];
            self.released.push(Reverse((K(t + j2.think), j2.gid, sl)));
        }
        let job = &mut self.jobs[slot];
        job.live = false;
        // Release the job's memory now; the slot is reused by a later push.
        job.stages = Stages::default();
        job.durs = Vec::new();
        job.children = Vec::new();
        self.free_slots.push(slot);
        self.live -= 1;
    }

    fn arrive(&mut self, t: f64, slot: usize) {
        let c = self.cfg.cores;
        let est = {
            let job = &self.jobs[slot];
            match self.cfg.estimate {
                Estimate::Given => job.work * job.noise,
                Estimate::Historic => {
                    if self.class_cnt[job.class] > 0 {
                        self.class_sum[job.class] / self.class_cnt[job.class] as f64
                    } else if self.all_cnt > 0 {
                        self.all_sum / self.all_cnt as f64
                    } else {
                        job.work
                    }
                }
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        let job = &mut self.jobs[slot];
        job.submit = t;
        job.est = est;
        job.seq = seq;
        if let Some(tau) = self.cfg.partition {
            // A stage's share of the job's estimate decides its task count.
            for s in 0..job.stages.len() {
                let est_s = job.stage_estimate(s);
                let k = ((est_s / tau).ceil() as usize).clamp(1, self.cfg.max_partition_tasks);
                let st = &mut job.stages[s];
                st.n = k;
                st.unfinished = k;
                st.split = Some(st.work / k as f64);
            }
        }
        job.n_tasks = job.stages.iter().map(|s| s.n).sum();
        job.alone = job.alone_time(c);
        let (user, work) = (job.user, job.work);
        job.key = match self.cfg.policy {
            Policy::Fifo => seq as f64,
            Policy::Sjf => work,
            _ => 0.0,
        };
        if let Some(q) = self.uwfq.as_mut() {
            let (jobs, queue) = (&mut self.jobs, &mut self.queue);
            q.arrive(t, user, jobs[slot].gid, slot, est, |gid, k, dl| {
                let job = &mut jobs[k];
                if !job.live || job.gid != gid {
                    return; // finished for real while still in the virtual system
                }
                if let Queue::Keyed(set) = queue {
                    for (s, st) in job.stages.iter_mut().enumerate() {
                        if st.queued {
                            set.remove(&(K(st.key), job.seq, s, k));
                            set.insert((K(dl), job.seq, s, k));
                            st.key = dl;
                        }
                    }
                }
                job.key = dl;
            });
        }
        for s in 0..self.jobs[slot].stages.len() {
            let st = &self.jobs[slot].stages[s];
            if st.waiting == 0 {
                self.pending_tasks += st.n;
                self.enqueue(t, slot, s);
            }
        }
    }

    /// Puts a stage submitted at time `t` into the ready structure. CFQ is stage-level, as
    /// the authors' code is: a stage's deadline is v(submission) + its estimated work.
    fn enqueue(&mut self, t: f64, slot: usize, s: usize) {
        let job = &mut self.jobs[slot];
        let key = match self.cfq.as_mut() {
            Some(q) => q.arrive(t, job.stage_estimate(s)),
            None => job.key,
        };
        let st = &mut job.stages[s];
        st.queued = true;
        st.key = key;
        match &mut self.queue {
            Queue::Keyed(set) => {
                set.insert((K(key), job.seq, s, slot));
            }
            Queue::Fair(fs) => {
                let pool = self.user_pool[job.user];
                let key = fs.key(pool, job.stages[s].running, job.seq, s, slot);
                fs.ready[pool].insert(key);
                fs.refresh(pool);
            }
            Queue::Drf(ds) => {
                ds.ready[job.user].insert((job.seq, s, slot));
                ds.refresh(job.user);
            }
        }
    }

    /// Starts `k` tasks of stage `s` of the job in `slot` at time `t` on `node`.
    fn launch(&mut self, t: f64, slot: usize, s: usize, k: usize, node: usize) {
        let job = &mut self.jobs[slot];
        if job.start.is_nan() {
            job.start = t;
        }
        for _ in 0..k {
            let st = &job.stages[s];
            let d = match st.split {
                Some(d) => d,
                None => job.durs[st.lo + st.next],
            };
            let st = &mut job.stages[s];
            st.next += 1;
            st.running += 1;
            let c = Reverse(Completion {
                end: K(t + d),
                gid: job.gid,
                slot: slot as u32,
                stage: s as u16,
                node: node as u16,
            });
            let replaced = self.top_done && self.running.peek_mut().map(|mut top| *top = c).is_some(); // sifts down on drop
            if replaced {
                self.top_done = false;
            } else {
                self.running.push(c);
            }
            if self.cfg.record_tasks {
                self.tasks.push(job, s, node, t, t + d);
            }
        }
        self.pending_tasks -= k;
        let st = &mut job.stages[s];
        if st.next == st.n {
            st.queued = false;
        }
    }

    /// Sort once, fill free cores in that order (DRF: progressive filling).
    fn dispatch(&mut self, t: f64) {
        match &mut self.queue {
            Queue::Keyed(set) => {
                let mut plan = std::mem::take(&mut self.plan_k);
                plan.clear();
                for &(_, _, s, slot) in set.iter() {
                    if self.free == 0 {
                        break;
                    }
                    let st = &self.jobs[slot].stages[s];
                    let k = (st.n - st.next).min(self.free);
                    self.free -= k;
                    plan.push((slot, s, k));
                }
                for &(slot, s, k) in &plan {
                    let key = (K(self.jobs[slot].stages[s].key), self.jobs[slot].seq, s, slot);
                    self.launch(t, slot, s, k, 0);
                    if !self.jobs[slot].stages[s].queued {
                        if let Queue::Keyed(set) = &mut self.queue {
                            set.remove(&key);
                        }
                    }
                }
                self.plan_k = plan;
            }
            Queue::Drf(_) => self.dispatch_drf(t),
            Queue::Fair(fs) => {
                // Sort once (the pools' order at the start of the round), fill, then apply.
                let mut plan = std::mem::take(&mut self.plan_f);
                plan.clear();
                'pools: for pk in fs.order.iter() {
                    for &(_, _, s, slot) in fs.ready[pk.pool].iter() {
                        if self.free == 0 {
                            break 'pools;
                        }
                        let st = &self.jobs[slot].stages[s];
                        let k = (st.n - st.next).min(self.free);
                        self.free -= k;
                        plan.push((pk.pool, slot, s, k));
                    }
                }
                for &(p, slot, s, k) in &plan {
                    let (seq, running) = (self.jobs[slot].seq, self.jobs[slot].stages[s].running);
                    if let Queue::Fair(fs) = &mut self.queue {
                        let old = fs.key(p, running, seq, s, slot);
                        fs.ready[p].remove(&old);
                        fs.pool_running[p] += k;
                    }
                    self.launch(t, slot, s, k, 0);
                    let st = &self.jobs[slot].stages[s];
                    if let Queue::Fair(fs) = &mut self.queue {
                        if st.queued {
                            let nk = fs.key(p, st.running, seq, s, slot);
                            fs.ready[p].insert(nk);
                        }
                        fs.refresh(p);
                    }
                }
                self.plan_f = plan;
            }
        }
    }

    /// Progressive filling: the user with the smallest weighted dominant share gets the
    /// next task of its first ready stage on the first node where it fits; a user whose
    /// next task fits nowhere sits out the round. A placement only raises the user's share,
    /// so the users before the cursor have all sat out and the scan never goes back.
    fn dispatch_drf(&mut self, t: f64) {
        let mut cursor: Option<(K, usize)> = None;
        loop {
            let Queue::Drf(ds) = &mut self.queue else { return };
            let next = match cursor {
                None => ds.order.iter().next(),
                Some(c) => ds.order.range((Excluded(c), Unbounded)).next(),
            };
            let Some(&(key, u)) = next else { break };
            let before = std::mem::replace(&mut cursor, Some((key, u)));
            let Some(&(seq, s, slot)) = ds.ready[u].iter().next() else {
                continue;
            };
            let st = &self.jobs[slot].stages[s];
            let (cpu, mem) = (st.cpu, st.mem);
            let Some(node) = ds.fit(cpu, mem) else { continue };
            let f = &mut ds.free[node];
            f.0 = (f.0 - cpu).max(0.0);
            f.1 = (f.1 - mem).max(0.0);
            ds.user_cpu[u] += cpu;
            ds.user_mem[u] += mem;
            self.launch(t, slot, s, 1, node);
            let done = !self.jobs[slot].stages[s].queued;
            let Queue::Drf(ds) = &mut self.queue else { return };
            if done {
                ds.ready[u].remove(&(seq, s, slot));
            }
            ds.refresh(u);
            if ds.key_of[u] == Some(key) {
                cursor = before; // a request of nothing left the share as it was: u stays next
            }
        }
        // DRF does not count core slots: capacity is what the nodes have free.
        self.free = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::NameRanks;

    /// Ranks order like the names whatever the insertion order, also after the
    /// renumbering that appending 100 names in sorted order forces.
    #[test]
    fn name_ranks_order_like_names() {
        let mut nr = NameRanks::default();
        let mut renumbered = false;
        let mut names: Vec<String> = (0..100).map(|i| format!("user_{i:03}")).collect();
        names.extend(["a", "zz", "user_050x", "m"].map(String::from));
        for n in &names {
            renumbered |= nr.rank(n).1;
        }
        assert!(renumbered);
        assert_eq!(nr.rank("m"), (nr.ranks["m"], false));
        let mut by_rank: Vec<(&String, &u64)> = nr.ranks.iter().collect();
        by_rank.sort_by_key(|&(_, r)| *r);
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(
            by_rank.iter().map(|(n, _)| (*n).clone()).collect::<Vec<_>>(),
            sorted
        );
    }
}
