//! The event-driven engine: arrivals (open or closed-loop), task completions, and the
//! sort-once-then-fill dispatch of Spark's `TaskSchedulerImpl.resourceOffers`. Every single event (one task
//! completion, or one job arrival) is followed by one dispatch round, as Spark runs one
//! offer round per status update or job submission; at equal times completions go first.
//!
//! The unit of scheduling is a *stage* (Spark's TaskSetManager): a job's stage becomes
//! schedulable when its parent stages have finished. The engine is incremental so that a
//! trace larger than memory replays: jobs are pushed in submit order, [`Engine::advance`]
//! processes the events before a time, finished jobs are taken out with
//! [`Engine::take_finished`], and a finished job's memory is reused. Memory is therefore
//! bounded by the jobs in the system, not by the trace.
//!
//! A pushed batch is kept as the columns it came in (a [`Workload`]); a job's run-time
//! state is built from them only when the job arrives, in a slot freed by a finished job.
//! The slots in use are then the jobs in the system (tens to thousands), which stay in the
//! CPU's cache, rather than every job pushed and not yet arrived; a batch is dropped once
//! all its jobs have arrived.
//!
//! Which ready stage gets capacity is the policy's ready queue's business (`queue`); the
//! engine keeps the clock, the jobs and the running tasks.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::job::Job;
use super::overheads::{OverheadState, Served};
use super::queue::{Launch, Ready, ReadyQueue};
use super::record::{Finished, TaskRows};
use super::vtime::{from_ordered_bits, ordered_bits, K};
use super::workload::{Checked, PushContext};
use super::{check_weight, Config, Estimate, Policy, PoolSpec, UserPool, Workload};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::SplitMix64;

/// What happens next: a task completes, or a job arrives from the open queue or from the
/// closed-loop releases.
#[derive(Clone, Copy)]
enum Event {
    Completion,
    Open,
    Released,
    /// The overhead model's driver hands over a job or a stage.
    Served,
}

/// A task completion, ordered by (end, job gid): 24 bytes, as the heap moves these on
/// every event. The end is kept as an integer that orders like the float (`total_cmp`'s
/// key), so each of the heap's comparisons is one integer comparison.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Completion {
    end_key: i64,
    gid: u64,
    slot: u32,
    stage: u16,
    node: u16,
}

impl Completion {
    /// The integer that orders like `end` under `f64::total_cmp` (the bits of a negative
    /// number flipped below the sign). The map is its own inverse.
    fn key_of(end: f64) -> i64 {
        ordered_bits(end)
    }

    fn end(&self) -> f64 {
        from_ordered_bits(self.end_key)
    }
}

/// A pushed batch whose jobs have not all arrived: its columns, from which a job is built
/// when it arrives.
struct Pushed {
    /// gid of the batch's job 0.
    first: u64,
    w: Workload,
    /// The parents as indices within their jobs (what `Workload::check` returns).
    parents: Vec<usize>,
    /// Noisy estimates: each job's factor, drawn at push (empty otherwise).
    noise: Vec<f64>,
    /// Closed loop: the successors of job `j` (indices in the batch) are
    /// `succ[succ_off[j]..succ_off[j + 1]]`; both empty when no job has a predecessor.
    succ_off: Vec<usize>,
    succ: Vec<usize>,
    /// Jobs of the batch not built yet.
    unbuilt: usize,
}

/// The incremental simulator. See the module docs for the streaming protocol.
pub struct Engine {
    cfg: Config,
    cl: Cluster,
    free_slots: Vec<usize>,
    /// Batches with jobs not arrived yet, in push (= gid) order.
    pushed: VecDeque<Pushed>,
    /// Open arrivals in push order, which is submit order: (time, gid).
    open: VecDeque<(f64, u64)>,
    /// Closed-loop arrivals released by finished predecessors: (time, gid).
    released: BinaryHeap<Reverse<(K, u64)>>,
    /// The ready stages and the capacity they wait for.
    queue: Ready,
    n_users: usize,
    class_sum: Vec<f64>,
    class_cnt: Vec<usize>,
    all_sum: f64,
    all_cnt: usize,
    next_gid: u64,
    next_seq: u64,
    live: usize,
    events: u64,
    /// Events before this time have been processed; later pushes may not arrive earlier.
    horizon: f64,
    /// DRF: the largest single-node capacities; a larger request could never run.
    drf_max_node: Option<(f64, f64)>,
    /// DRF: the cluster's total cpu and memory, for the jobs' response-time bound.
    drf_totals: Option<(f64, f64)>,
    finished: Finished,
    /// `finished_in_push_order`: the records of the pushed batches not taken yet, in push
    /// order, each with the gid of its first job and how many of its jobs have not finished
    /// (one column per batch, made with its check, rather than one column grown and copied
    /// on this thread as the batches come).
    records: Vec<(u64, Finished, usize)>,
    /// The noisy estimates' generator (seeded with `cfg.seed`), one draw per pushed job.
    rng: SplitMix64,
    /// The users' settings by name (from `cfg`), applied by [`Engine::add_user`].
    weights: HashMap<String, f64>,
    user_pools: HashMap<String, UserPool>,
    /// FAIR/UJF pools by name, so a pool named twice is made once.
    pool_index: HashMap<String, usize>,
    /// Pools made so far (FAIR/UJF), the bound of a job's pool index.
    n_pools: usize,
    /// Spark's overheads (`cfg.overheads`), when modelled.
    over: Option<OverheadState>,
}

/// The jobs and their running tasks: what a launch changes. Kept apart from the queue so
/// that a dispatch round is one loop per queue type (the queue is matched once a round).
struct Cluster {
    jobs: Vec<Job>,
    running: BinaryHeap<Reverse<Completion>>,
    /// The heap's top is a completion already processed in this step, not yet removed.
    top_done: bool,
    /// Tasks of ready stages not started yet.
    pending_tasks: usize,
    record_tasks: bool,
    tasks: TaskRows,
}

impl Engine {
    /// A new engine with no users and no jobs; under FAIR, its `default` pool and the
    /// configured pools (`cfg.pool_config`, in order). Checks `cfg` first.
    pub fn new(cfg: Config) -> CoreResult<Engine> {
        cfg.validate()?;
        let drf_max_node = (cfg.policy == Policy::Drf).then(|| {
            cfg.drf_nodes()
                .iter()
                .fold((0.0f64, 0.0f64), |a, n| (a.0.max(n.0), a.1.max(n.1)))
        });
        let drf_totals = (cfg.policy == Policy::Drf).then(|| {
            cfg.drf_nodes()
                .iter()
                .fold((0.0f64, 0.0f64), |a, n| (a.0 + n.0, a.1 + n.1))
        });
        let weights = cfg.weights.iter().cloned().collect();
        let user_pools = cfg.pools.iter().cloned().collect();
        let pool_config = if cfg.policy == Policy::Fair {
            cfg.pool_config.clone()
        } else {
            Vec::new()
        };
        let seed = cfg.seed;
        let mut eng = Engine {
            queue: Ready::new(&cfg),
            cl: Cluster {
                jobs: Vec::new(),
                running: BinaryHeap::new(),
                top_done: false,
                pending_tasks: 0,
                record_tasks: cfg.record_tasks,
                tasks: TaskRows::default(),
            },
            cfg,
            free_slots: Vec::new(),
            pushed: VecDeque::new(),
            open: VecDeque::new(),
            released: BinaryHeap::new(),
            n_users: 0,
            class_sum: Vec::new(),
            class_cnt: Vec::new(),
            all_sum: 0.0,
            all_cnt: 0,
            next_gid: 0,
            next_seq: 0,
            live: 0,
            events: 0,
            horizon: f64::NEG_INFINITY,
            drf_max_node,
            drf_totals,
            finished: Finished::default(),
            records: Vec::new(),
            rng: SplitMix64::new(seed),
            weights,
            user_pools,
            pool_index: HashMap::new(),
            n_pools: 0,
            over: None,
        };
        eng.over = eng.cfg.overheads.map(OverheadState::new);
        if eng.cfg.policy == Policy::Fair {
            // Spark puts every job without a pool into `default`; it is pool 0, with the
            // configured settings when the allocation file lists it, else weight 1,
            // minShare 0, FIFO inside.
            let default = pool_config
                .iter()
                .find(|(n, _)| n == "default")
                .map_or(PoolSpec::SPARK_DEFAULT, |(_, s)| *s);
            eng.pool_named("default", default)?;
            for (name, spec) in &pool_config {
                eng.pool_named(name, *spec)?;
            }
        }
        Ok(eng)
    }

    /// The settings the engine runs with.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The pool named `name`, made with `spec` if there is none yet.
    fn pool_named(&mut self, name: &str, spec: PoolSpec) -> CoreResult<usize> {
        if let Some(&p) = self.pool_index.get(name) {
            return Ok(p);
        }
        let p = self.add_pool(name, spec.weight, spec.min_share, spec.fair_inside)?;
        self.pool_index.insert(name.to_string(), p);
        Ok(p)
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
        let spec = PoolSpec {
            weight,
            min_share,
            fair_inside,
        };
        spec.check("pools", None, &format!("pool {name:?}"))?;
        let p = self.queue.add_pool(name, weight, min_share, fair_inside);
        self.n_pools = self.n_pools.max(p + 1);
        Ok(p)
    }

    /// The FAIR pool a job or user names: `default`, a configured pool, or, when no pool is
    /// configured at all, a new pool with Spark's defaults (weight 1, minShare 0, FIFO
    /// inside), as Spark makes a pool a job names that its allocation file lacks. With
    /// pools configured, an unknown name is an error (`field` and `what` say who named it):
    /// a typo would otherwise run silently under the defaults. Other policies: 0.
    pub fn pool(&mut self, name: &str, field: &str, what: &str) -> CoreResult<usize> {
        if self.cfg.policy != Policy::Fair {
            return Ok(0);
        }
        if let Some(&p) = self.pool_index.get(name) {
            return Ok(p);
        }
        if !self.cfg.pool_config.is_empty() {
            let mut known: Vec<&str> = self.pool_index.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(CoreError::invalid(
                field,
                None,
                format!(
                    "{what}: pool {name:?} is not configured (pools: {})",
                    known.join(", ")
                ),
            ));
        }
        self.pool_named(name, PoolSpec::SPARK_DEFAULT)
    }

    /// Adds the user `name` by the configuration's rules; returns its index. Its UWFQ/DRF
    /// weight is `cfg.weights`' for the name, else 1. Its FAIR pool: under UJF a new pool
    /// of its own named after it (weight 1, minShare 0, FAIR inside); under FAIR the pool
    /// `cfg.pools` gives it (a named pool is made with Spark's defaults unless configured;
    /// its own settings make a pool `pool:<name>`), else `default`.
    pub fn add_user(&mut self, name: &str) -> CoreResult<usize> {
        let weight = self.weights.get(name).copied().unwrap_or(1.0);
        let pool = match self.cfg.policy {
            Policy::Ujf => self.pool_named(name, PoolSpec::given(1.0, 0.0, Some(true)))?,
            Policy::Fair => match self.user_pools.get(name).cloned() {
                None => 0,
                Some(UserPool::Named(p)) => self.pool(&p, "pools", &format!("user {name:?}"))?,
                Some(UserPool::Own(spec)) => self.pool_named(&format!("pool:{name}"), spec)?,
            },
            _ => 0,
        };
        self.add_user_to(weight, pool, name)
    }

    /// Adds a user of UWFQ/DRF weight `weight` to FAIR pool `pool` (an index from
    /// [`Engine::add_pool`]; other policies ignore it), for callers that make the pools
    /// themselves; `name` is for messages. Returns the user's index.
    pub fn add_user_to(&mut self, weight: f64, pool: usize, name: &str) -> CoreResult<usize> {
        let u = self.n_users;
        check_weight(weight, Some(u), name)?;
        self.queue.add_user(u, weight, pool)?;
        self.n_users += 1;
        Ok(u)
    }

    pub fn n_users(&self) -> usize {
        self.n_users
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
    /// batch) finishes, plus think time. For callers that keep their workload; see
    /// [`Engine::push_owned`].
    pub fn push(&mut self, w: &Workload) -> CoreResult<()> {
        self.push_owned(w.clone())
    }

    /// [`Engine::push`] of a workload the engine may keep: its columns are held, not
    /// copied, until its jobs have arrived.
    pub fn push_owned(&mut self, w: Workload) -> CoreResult<()> {
        let c = self.push_context().check(w).map_err(|e| e.0)?;
        self.add_checked(c);
        Ok(())
    }

    /// What a push's check depends on now (see [`PushContext`]).
    pub fn push_context(&self) -> PushContext {
        PushContext {
            n_users: self.n_users,
            // Only FAIR reads a job's own pool; the other policies ignore the column.
            n_pools: if self.cfg.policy == Policy::Fair {
                self.n_pools.max(1)
            } else {
                usize::MAX
            },
            back: self.open.back().map(|a| a.0.to_bits()),
            horizon: self.horizon.to_bits(),
            next_gid: self.next_gid,
            drf_max_node: self.drf_max_node.map(|(c, m)| (c.to_bits(), m.to_bits())),
            historic: self.cfg.estimate == Estimate::Historic,
            records: self.cfg.finished_in_push_order,
        }
    }

    /// Adds a batch checked elsewhere (e.g. on the caller's thread while the engine
    /// simulated): as it is when the engine's context is the one it was checked against,
    /// else checked again, so the outcome is [`Engine::push_owned`]'s either way.
    pub fn push_checked(&mut self, c: Checked) -> CoreResult<()> {
        if c.ctx != self.push_context() {
            return self.push_owned(c.w);
        }
        self.add_checked(c);
        Ok(())
    }

    /// Adds a batch checked against the engine's present context.
    fn add_checked(&mut self, c: Checked) {
        let Checked {
            w,
            parents,
            open,
            succ_off,
            succ,
            records,
            ..
        } = c;
        let n = w.n_jobs();
        if n == 0 {
            return;
        }
        // Drawn in push order, so the factors do not depend on how a trace is chunked.
        let noise = match self.cfg.estimate {
            Estimate::Noisy => (0..n)
                .map(|_| (self.cfg.noise * self.rng.normal()).exp())
                .collect(),
            Estimate::Oracle | Estimate::Historic => Vec::new(),
        };
        let first = self.next_gid;
        if self.open.is_empty() {
            // Taken over without a copy (the usual case: the arrivals before the push's
            // advance time have all been taken).
            self.open = VecDeque::from(open);
        } else {
            self.open.extend(open);
        }
        self.pushed.push_back(Pushed {
            first,
            w,
            parents,
            noise,
            succ_off,
            succ,
            unbuilt: n,
        });
        self.next_gid += n as u64;
        self.live += n;
        if self.cfg.finished_in_push_order {
            // Made with the check (the context says so), one per job.
            let records = if records.finish.len() == n {
                *records
            } else {
                Finished::for_push_order(n)
            };
            self.records.push((first, records, n));
        }
    }

    /// The pushed batch holding job `gid` (not built yet, so its batch is kept).
    fn batch_of(&self, gid: u64) -> usize {
        // Usually the front: jobs arrive about in push order.
        if self.pushed.len() == 1 || gid < self.pushed[1].first {
            return 0;
        }
        self.pushed.partition_point(|b| b.first <= gid) - 1
    }

    /// Builds job `gid` from its batch into a free slot (it is being submitted); returns the
    /// slot. A batch is dropped once its jobs are all built, from the front, so that the
    /// batches stay contiguous in gid order for the lookup.
    fn build(&mut self, gid: u64) -> usize {
        let b = self.batch_of(gid);
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.cl.jobs.push(Job::default());
            self.cl.jobs.len() - 1
        });
        let p = &mut self.pushed[b];
        let j = (gid - p.first) as usize;
        let noise = p.noise.get(j).copied().unwrap_or(1.0);
        // Built where it stays (the slot), not built and then moved there.
        let job = &mut self.cl.jobs[slot];
        job.rebuild(&p.w, &p.parents, j, gid, noise);
        if self.cfg.policy != Policy::Fair {
            job.pool = None;
        }
        // Its batch is looked up again at its finish only then; the successors, not built
        // yet, keep the batch held until that time.
        job.has_successors = p.succ_off.get(j + 1) > p.succ_off.get(j);
        p.unbuilt -= 1;
        if job.class >= self.class_sum.len() {
            self.class_sum.resize(job.class + 1, 0.0);
            self.class_cnt.resize(job.class + 1, 0);
        }
        while self.pushed.front().is_some_and(|p| p.unbuilt == 0) {
            self.pushed.pop_front();
        }
        slot
    }

    /// Job `gid` finished at `t`: its closed-loop successors are released after their
    /// think time. They are not built yet, so the batch is still held.
    fn release_successors(&mut self, t: f64, gid: u64) {
        let p = &self.pushed[self.batch_of(gid)];
        if p.succ.is_empty() {
            return;
        }
        let j = (gid - p.first) as usize;
        for &k in &p.succ[p.succ_off[j]..p.succ_off[j + 1]] {
            self.released
                .push(Reverse((K(t + p.w.job_think[k]), p.first + k as u64)));
        }
    }

    /// Processes every event before time `until` (not NaN: it would compare false with
    /// every event time and leave the horizon where it was, silently running everything).
    pub fn advance(&mut self, until: f64, budget: &Budget) -> CoreResult<()> {
        if until.is_nan() {
            return Err(CoreError::invalid("until", None, "advance to NaN: give a time"));
        }
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

    /// Takes the jobs finished since the last call, in completion order; with
    /// `finished_in_push_order`, every job's record in push order (the run's columns only, see `Config`) once all pushed jobs have
    /// finished, and nothing before.
    pub fn take_finished(&mut self) -> Finished {
        if self.cfg.finished_in_push_order {
            if self.live > 0 {
                return Finished::default();
            }
            // One copy of every record: callers that can take pieces use `take_records`.
            return Finished::concat(self.take_records());
        }
        // The columns are handed over whole (to NumPy, without a copy); the next ones
        // start with room for as many records.
        let room = self.finished.gid.len();
        std::mem::replace(&mut self.finished, Finished::with_capacity(room))
    }

    /// With `finished_in_push_order`: the records of the pushed batches whose jobs have all
    /// finished, from the first batch not taken yet up to the first one with a job still in
    /// the system, as one piece per batch (the batches' own columns, not copied into one):
    /// the pieces taken one after the other are every job's record in push order. So a
    /// caller may take them as the run goes (the result's columns then made while the engine
    /// simulates), or all at the end. Otherwise nothing.
    pub fn take_records(&mut self) -> Vec<Finished> {
        // The batches after them, still in the system, are a few (the pieces are taken as
        // the run goes) or none (at the end): moving them to the front costs nothing.
        let done = self.records.iter().take_while(|r| r.2 == 0).count();
        self.records.drain(..done).map(|(_, rec, _)| rec).collect()
    }

    /// Takes the task records made since the last call.
    pub fn take_tasks(&mut self) -> TaskRows {
        std::mem::take(&mut self.cl.tasks)
    }

    /// The next event and its time: a task completion (first at equal times, as Spark
    /// handles status updates before a submission), else the earlier arrival, by (time,
    /// gid) as one heap would order them, of the open queue's head and the first released
    /// closed-loop job.
    fn next_event(&self) -> Option<(f64, Event)> {
        let done = self.cl.running.peek().map(|Reverse(c)| c.end());
        if self.released.is_empty() && self.over.is_none() {
            // An open-loop trace without overheads (most replays): the completions and the
            // open queue only, decided as below.
            return match (done, self.open.front()) {
                (Some(c), Some(&(ta, _))) if c <= ta => Some((c, Event::Completion)),
                (Some(c), None) => Some((c, Event::Completion)),
                (_, Some(&(ta, _))) => Some((ta, Event::Open)),
                (None, None) => None,
            };
        }
        let open = self.open.front().map(|&(t, g)| (K(t), g));
        let released = self.released.peek().map(|Reverse((t, g))| (*t, *g));
        let arrival = match (open, released) {
            (Some(o), Some(r)) if r < o => Some((r.0 .0, Event::Released)),
            (Some(o), _) => Some((o.0 .0, Event::Open)),
            (None, r) => r.map(|r| (r.0 .0, Event::Released)),
        };
        // Overheads: the driver's hand-overs come after completions, before arrivals.
        let arrival = match (self.over.as_ref().and_then(|o| o.next_time()), arrival) {
            (Some(ts), Some((ta, _))) if ts <= ta => Some((ts, Event::Served)),
            (Some(ts), None) => Some((ts, Event::Served)),
            (_, a) => a,
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
                if let Some(&Reverse(c)) = self.cl.running.peek() {
                    // Left in the heap for now: the task launched on the freed core usually
                    // replaces it in place (one sift instead of a pop and a push).
                    self.cl.top_done = true;
                    self.complete(t, c.slot as usize, c.stage as usize, c.node as usize);
                }
            }
            Event::Open => {
                if let Some((_, gid)) = self.open.pop_front() {
                    self.submit(t, gid)?;
                }
            }
            Event::Released => {
                if let Some(Reverse((_, gid))) = self.released.pop() {
                    self.submit(t, gid)?;
                }
            }
            Event::Served => match self.over.as_mut().and_then(|o| o.pop()) {
                Some(Served { slot, stage: None }) => self.arrive(t, slot)?,
                Some(Served { slot, stage: Some(s) }) => self.enqueue(t, slot, s),
                None => {}
            },
        }
        if self.cl.pending_tasks > 0 {
            self.dispatch(t);
        }
        if self.cl.top_done {
            self.cl.running.pop();
            self.cl.top_done = false;
        }
        Ok(())
    }

    fn complete(&mut self, t: f64, slot: usize, s: usize, node: usize) {
        let st = &mut self.cl.jobs[slot].stages[s];
        st.running -= 1;
        st.unfinished -= 1;
        let stage_done = st.unfinished == 0;
        self.queue.on_task_finish(&self.cl.jobs[slot], slot, s, node);
        if !stage_done {
            return;
        }
        let (lo, hi) = (
            self.cl.jobs[slot].stages[s].child_lo,
            self.cl.jobs[slot].stages[s].child_hi,
        );
        for c in lo..hi {
            let ch = self.cl.jobs[slot].children[c];
            let cs = &mut self.cl.jobs[slot].stages[ch];
            cs.waiting -= 1;
            if cs.waiting == 0 {
                // Overheads: the driver submits the stage (later, unless it takes no time).
                if !self.over.as_mut().is_some_and(|o| o.stage_ready(t, slot, ch)) {
                    self.enqueue(t, slot, ch);
                }
            }
        }
        let job = &mut self.cl.jobs[slot];
        job.stages_left -= 1;
        if job.stages_left > 0 {
            return;
        }
        // The job is done: record it, release closed-loop successors, free the slot.
        if self.cfg.finished_in_push_order {
            // The batch holding the job, looked for from the last one: jobs finish about in
            // push order, so it is usually the last or the one before.
            let gid = job.gid;
            if let Some((first, rec, left)) = self.records.iter_mut().rev().find(|r| r.0 <= gid) {
                rec.put((gid - *first) as usize, job, t);
                *left -= 1;
            }
        } else {
            self.finished.push(job, t);
        }
        self.class_sum[job.class] += job.work;
        self.class_cnt[job.class] += 1;
        self.all_sum += job.work;
        self.all_cnt += 1;
        let (gid, has_successors) = (job.gid, job.has_successors);
        if has_successors {
            self.release_successors(t, gid);
        }
        let job = &mut self.cl.jobs[slot];
        job.live = false;
        // Release the job's memory now; the slot is reused by a later push.
        job.release();
        self.free_slots.push(slot);
        self.live -= 1;
    }

    /// Job `gid` is submitted at `t`: it is built, and arrives now, or when the overhead
    /// model's driver has planned it.
    fn submit(&mut self, t: f64, gid: u64) -> CoreResult<()> {
        let slot = self.build(gid);
        self.cl.jobs[slot].submit = t;
        if let Some(o) = self.over.as_mut() {
            let job = &self.cl.jobs[slot];
            let ready = job.stages.iter().filter(|s| s.waiting == 0).count();
            if o.job_arrives(t, slot, ready) {
                return Ok(());
            }
        }
        self.arrive(t, slot)
    }

    /// The scheduler sees the job in `slot` at `t` (its submission, or later with the
    /// overhead model's driver): estimate, partitioning, the policy's bookkeeping, and its
    /// stages without parents become schedulable.
    fn arrive(&mut self, t: f64, slot: usize) -> CoreResult<()> {
        let c = self.cfg.n_cores();
        let est = {
            let job = &self.cl.jobs[slot];
            match self.cfg.estimate {
                Estimate::Oracle | Estimate::Noisy => job.told * job.noise,
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
        let job = &mut self.cl.jobs[slot];
        job.est = est;
        job.seq = seq;
        if let Some(tau) = self.cfg.partition {
            job.partition(tau, self.cfg.max_partition_tasks)?;
        }
        job.n_tasks = job.stages.iter().map(|s| s.n).sum();
        // The bound as the simulation clock measures it (a duration far below the clock's
        // resolution at `t` takes no time there, so neither may its bound).
        job.alone = (t + job.alone_time(c, self.drf_totals)) - t;
        self.queue.on_arrive(t, &mut self.cl.jobs, slot);
        for s in 0..self.cl.jobs[slot].stages.len() {
            if self.cl.jobs[slot].stages[s].waiting == 0 {
                self.enqueue(t, slot, s);
            }
        }
        Ok(())
    }

    /// Stage `s` of the job in `slot` becomes schedulable at `t`.
    fn enqueue(&mut self, t: f64, slot: usize, s: usize) {
        let job = &mut self.cl.jobs[slot];
        let st = &mut job.stages[s];
        st.queued = true;
        self.cl.pending_tasks += st.n;
        self.queue.on_ready(t, job, slot, s);
    }

    /// One dispatch round: launch what the queue picks until it has nothing more.
    fn dispatch(&mut self, t: f64) {
        // Overheads: no round while the driver holds the task-scheduler lock (its hand-over
        // starts one); the round's tasks start when the (serial) round ends, one
        // task_dispatch apart, and each runs task_launch longer than its work.
        if self.over.as_mut().is_some_and(|o| o.locked(t)) {
            return;
        }
        let (start, extra, step) = match self.over.as_mut() {
            Some(o) => (o.round_start(t), o.p.task_launch, o.p.task_dispatch),
            None => (t, 0.0, 0.0),
        };
        let pending = self.cl.pending_tasks;
        let mut at = Dispatch { next: start, step };
        match &mut self.queue {
            Ready::Keyed(q) => self.cl.fill(&mut at, extra, q),
            Ready::Pools(q) => self.cl.fill(&mut at, extra, q),
            Ready::Drf(q) => self.cl.fill(&mut at, extra, q),
        }
        if let Some(o) = self.over.as_mut() {
            if self.cl.pending_tasks < pending {
                o.round_done(at.next);
            }
        }
    }
}

/// When a round's next task starts: `next`, then `step` later for each task launched (the
/// overhead model's serial task dispatch; 0 without it, so every task starts at `next`).
struct Dispatch {
    next: f64,
    step: f64,
}

impl Cluster {
    /// One dispatch round of queue `q`, its tasks starting as `at` says, each `extra`
    /// seconds longer than its work (the overhead model's launch latency; else 0).
    fn fill<Q: ReadyQueue>(&mut self, at: &mut Dispatch, extra: f64, q: &mut Q) {
        while let Some(l) = q.pick(&self.jobs) {
            self.launch(at, extra, l);
        }
    }

    /// Starts the tasks of `l` as `at` says, each busy `extra` seconds beyond its work.
    fn launch(&mut self, at: &mut Dispatch, extra: f64, l: Launch) {
        let (slot, s, k, node) = (l.slot, l.stage, l.k, l.node);
        let job = &mut self.jobs[slot];
        for _ in 0..k {
            at.next += at.step;
            let t = at.next;
            if job.start.is_nan() {
                job.start = t;
            }
            let d = job.task_duration(s, job.stages[s].next) + extra;
            let st = &mut job.stages[s];
            st.next += 1;
            st.running += 1;
            let c = Reverse(Completion {
                end_key: Completion::key_of(t + d),
                gid: job.gid,
                slot: slot as u32,
                stage: s as u16,
                node: node as u16,
            });
            // Replacing the completed top sifts it down when the PeekMut drops.
            let replaced = self.top_done && self.running.peek_mut().map(|mut top| *top = c).is_some();
            if replaced {
                self.top_done = false;
            } else {
                self.running.push(c);
            }
            if self.record_tasks {
                self.tasks.push(job, s, node, t, t + d);
            }
        }
        self.pending_tasks -= k;
        let st = &mut job.stages[s];
        if st.next == st.n {
            st.queued = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Completion;
    use crate::budget::Budget;
    use crate::fair::{Config, Engine, Policy, Workload};
    use crate::util::SplitMix64;

    /// Open single-task jobs of two users submitted at `submit`, or with `after` a chain.
    fn batch(submit: &[f64], closed: bool) -> Workload {
        let n = submit.len();
        Workload {
            job_user: (0..n).map(|j| j % 2).collect(),
            job_submit: submit.to_vec(),
            job_after: (0..n as i64)
                .map(|j| if closed && j % 3 == 2 { j - 1 } else { -1 })
                .collect(),
            job_think: vec![0.25; n],
            job_class: vec![0; n],
            task_offsets: (0..=n).collect(),
            task_duration: (0..n).map(|j| 0.5 + (j % 4) as f64).collect(),
            ..Workload::default()
        }
    }

    /// `PushContext::after` foresees the engine's context after a push and an advance (so
    /// a batch checked on the caller's thread meanwhile is taken as checked), for advances
    /// that take all, some or none of the queued arrivals, a batch with no open job, ties
    /// of an arrival with the advance time, -0.0 and 0.0 horizons and an empty batch.
    #[test]
    fn push_context_after_foresees_the_engine() {
        let cases: Vec<(Vec<f64>, bool, f64)> = vec![
            (vec![-0.0, 0.0, 1.0], false, 0.0),
            (vec![2.0, 3.0, 5.0], true, 4.0),
            (vec![5.0, 6.0], false, 5.0),
            (vec![], false, 5.5),
            (vec![7.0, 8.0, 9.0], false, 6.0),
            (vec![9.0, 9.0, 9.0], true, 100.0),
            (vec![100.0], false, 100.0),
        ];
        for policy in [Policy::Fifo, Policy::Uwfq, Policy::Fair] {
            let mut eng = Engine::new(Config::new(2, policy)).unwrap();
            eng.add_user("a").unwrap();
            eng.add_user("b").unwrap();
            for (submit, closed, until) in &cases {
                let w = batch(submit, *closed);
                let want = eng.push_context().after(&w, *until);
                eng.push_owned(w).unwrap();
                eng.advance(*until, &Budget::new(None, None)).unwrap();
                assert_eq!(eng.push_context(), want, "{submit:?} to {until}");
            }
        }
    }

    /// A batch checked against a context the engine no longer has is checked again, with
    /// the engine's own error: here one submitted before the engine's horizon.
    #[test]
    fn push_checked_against_a_stale_context_is_checked_again() {
        let mut eng = Engine::new(Config::new(2, Policy::Uwfq)).unwrap();
        eng.add_user("a").unwrap();
        eng.add_user("b").unwrap();
        let stale = eng.push_context();
        eng.advance(10.0, &Budget::new(None, None)).unwrap();
        let c = stale.check(batch(&[1.0, 2.0], false)).unwrap();
        let got = eng.push_checked(c).unwrap_err().to_string();
        let want = eng.push_owned(batch(&[1.0, 2.0], false)).unwrap_err().to_string();
        assert_eq!(got, want);
        assert!(got.contains("push jobs in submit order"), "{got}");
        assert_eq!(eng.pushed(), 0);
    }

    /// With `finished_in_push_order`, the records come as one piece per pushed batch (an
    /// empty batch gives none), each once its jobs have all finished and those of the
    /// batches before it have been taken; the pieces one after the other are
    /// `take_finished`'s records, and those are the completion-order records put in push
    /// order, bit for bit, whether a batch was checked by the engine or beside it
    /// (`push_checked`, as the binding does while the engine simulates).
    #[test]
    fn records_in_push_order_come_per_batch() {
        // (submit times, closed loop, advance to, the batch sizes whose records are then
        // taken): 2 cores; the first batch's jobs end at 0.5, 1.5 and 3.5, the third's
        // last one (closed loop) at 7.25.
        let pushes: Vec<(Vec<f64>, bool, f64, Vec<usize>)> = vec![
            (vec![0.0, 0.0, 1.0], false, 0.5, vec![]),
            (vec![], false, 1.0, vec![]),
            (vec![2.0, 3.0, 5.0, 5.0], true, 4.0, vec![3]),
            (vec![6.0], false, 6.0, vec![]),
        ];
        let run = |push_order: bool, beside: bool| {
            let mut cfg = Config::new(2, Policy::Uwfq);
            cfg.finished_in_push_order = push_order;
            let mut eng = Engine::new(cfg).unwrap();
            eng.add_user("a").unwrap();
            eng.add_user("b").unwrap();
            let mut taken = Vec::new();
            for (submit, closed, until, sizes) in &pushes {
                let w = batch(submit, *closed);
                if beside {
                    let c = eng.push_context().check(w).unwrap();
                    eng.push_checked(c).unwrap();
                } else {
                    eng.push_owned(w).unwrap();
                }
                eng.advance(*until, &Budget::new(None, None)).unwrap();
                if push_order {
                    let now = eng.take_records();
                    let got: Vec<usize> = now.iter().map(|p| p.finish.len()).collect();
                    assert_eq!(&got, sizes, "at {until}");
                    assert!(
                        eng.take_finished().finish.is_empty(),
                        "take_finished before the end"
                    );
                    taken.extend(now);
                }
            }
            eng.finish(&Budget::new(None, None)).unwrap();
            (eng, taken)
        };
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let mut done = run(false, false).0.take_finished();
        let mut order: Vec<usize> = (0..done.gid.len()).collect();
        order.sort_by_key(|&i| done.gid[i]);
        for col in [
            &mut done.submit,
            &mut done.start,
            &mut done.finish,
            &mut done.alone,
        ] {
            *col = order.iter().map(|&i| col[i]).collect();
        }
        for beside in [false, true] {
            let (mut eng, mut parts) = run(true, beside);
            parts.extend(eng.take_records());
            let sizes: Vec<usize> = parts.iter().map(|p| p.finish.len()).collect();
            assert_eq!(sizes, vec![3, 4, 1]);
            assert!(eng.take_records().is_empty());
            let all = super::Finished::concat(parts);
            assert_eq!(bits(&all.finish), bits(&done.finish));
            assert_eq!(bits(&all.start), bits(&done.start));
            assert_eq!(bits(&all.submit), bits(&done.submit));
            assert_eq!(bits(&all.alone), bits(&done.alone));
            assert!(all.n_tasks.iter().all(|&k| k == 1));
            assert!(all.gid.is_empty() && all.user.is_empty());
            // the same records in one piece when none was taken before the end
            let mut cfg = Config::new(2, Policy::Uwfq);
            cfg.finished_in_push_order = true;
            let mut eng = Engine::new(cfg).unwrap();
            eng.add_user("a").unwrap();
            eng.add_user("b").unwrap();
            for (submit, closed, until, _) in &pushes {
                eng.push_owned(batch(submit, *closed)).unwrap();
                eng.advance(*until, &Budget::new(None, None)).unwrap();
            }
            eng.finish(&Budget::new(None, None)).unwrap();
            assert_eq!(bits(&eng.take_finished().finish), bits(&all.finish));
        }
    }

    /// The completion heap's integer end keys order like the floats (`total_cmp`) and give
    /// the float back, for negative, zero, tiny, huge and random times.
    #[test]
    fn end_keys_order_like_the_times() {
        let mut rng = SplitMix64::new(7);
        let mut times = vec![-1e300, -3.5, -0.0, 0.0, 5e-324, 1e-300, 1.0, 1.5, 1e300, f64::MAX];
        times.extend((0..500).map(|_| (rng.next_u64() as i64) as f64 * 1e-12));
        for &a in &times {
            let ca = Completion {
                end_key: Completion::key_of(a),
                gid: 0,
                slot: 0,
                stage: 0,
                node: 0,
            };
            assert_eq!(ca.end().to_bits(), a.to_bits());
            for &b in &times {
                assert_eq!(
                    Completion::key_of(a).cmp(&Completion::key_of(b)),
                    a.total_cmp(&b),
                    "{a} vs {b}"
                );
            }
        }
    }
}
