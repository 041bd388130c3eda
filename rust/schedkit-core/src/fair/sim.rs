//! The event-driven engine: arrivals (open or closed-loop), task completions, and the
//! sort-once-then-fill dispatch of specs/fair.md B.4. Every single event (one task
//! completion, or one job arrival) is followed by one dispatch round, as Spark runs one
//! offer round per status update or job submission; at equal times completions go first.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::vtime::{Cfq, Uwfq, K};
use super::{Config, Estimate, Policy, Workload};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};

/// Per-job outcome (indexed like the workload's jobs) and optional per-task records.
#[derive(Clone, Debug, Default)]
pub struct SimResult {
    pub submit: Vec<f64>,
    pub start: Vec<f64>,
    pub finish: Vec<f64>,
    pub work: Vec<f64>,
    pub estimate: Vec<f64>,
    pub n_tasks: Vec<usize>,
    /// Response time of the job alone on the cluster (its tasks list-scheduled in order).
    pub alone: Vec<f64>,
    pub task_job: Vec<usize>,
    pub task_start: Vec<f64>,
    pub task_end: Vec<f64>,
    pub events: u64,
}

struct JobRt {
    n: usize,
    next: usize,
    running: usize,
    unfinished: usize,
    /// Some(d) when partitioned into n equal tasks of d seconds.
    split: Option<f64>,
}

/// List-schedules `durs` in order on `c` cores; returns the makespan.
fn alone_makespan(durs: impl ExactSizeIterator<Item = f64>, c: usize) -> f64 {
    if durs.len() <= c {
        return durs.fold(0.0, f64::max);
    }
    let mut heap: BinaryHeap<Reverse<K>> = (0..c).map(|_| Reverse(K(0.0))).collect();
    let mut mk: f64 = 0.0;
    for d in durs {
        let Reverse(K(t)) = heap.pop().unwrap_or(Reverse(K(0.0)));
        let e = t + d;
        mk = mk.max(e);
        heap.push(Reverse(K(e)));
    }
    mk
}

/// Ready-queue of the key-based policies and the pools of FAIR.
enum Queue {
    Keyed {
        set: BTreeSet<(K, u64, usize)>,
        key: Vec<f64>,
    },
    Fair(FairState),
    Drf(DrfState),
}

struct DrfState {
    cpu: Vec<f64>,
    mem: Vec<f64>,
    cap_cpu: f64,
    cap_mem: f64,
    free_cpu: f64,
    free_mem: f64,
    user_cpu: Vec<f64>,
    user_mem: Vec<f64>,
    weight: Vec<f64>,
    ready: Vec<BTreeSet<(u64, usize)>>,
}

impl DrfState {
    fn share(&self, u: usize) -> f64 {
        let m = if self.cap_mem.is_finite() {
            self.user_mem[u] / self.cap_mem
        } else {
            0.0
        };
        (self.user_cpu[u] / self.cap_cpu).max(m) / self.weight[u]
    }
}

struct FairState {
    pool_running: Vec<usize>,
    /// Per pool: ready jobs ordered by (running tasks if FAIR inside else 0, seq).
    ready: Vec<BTreeSet<(usize, u64, usize)>>,
    user_pool: Vec<usize>,
    weight: Vec<f64>,
    min_share: Vec<f64>,
    fair_inside: Vec<bool>,
    /// Pools that may hold ready jobs (pruned lazily at dispatch).
    active: Vec<usize>,
    is_active: Vec<bool>,
}

impl FairState {
    fn key(&self, pool: usize, running: usize, seq: u64, j: usize) -> (usize, u64, usize) {
        (if self.fair_inside[pool] { running } else { 0 }, seq, j)
    }

    /// Spark's FairSchedulingAlgorithm comparator on pools: true if a goes before b.
    fn pool_less(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (ra, rb) = (self.pool_running[a] as f64, self.pool_running[b] as f64);
        let (ma, mb) = (self.min_share[a], self.min_share[b]);
        let (na, nb) = (ra < ma, rb < mb);
        use std::cmp::Ordering::*;
        match (na, nb) {
            (true, false) => return Less,
            (false, true) => return Greater,
            _ => {}
        }
        let c = if na && nb {
            (ra / ma.max(1.0)).total_cmp(&(rb / mb.max(1.0)))
        } else {
            (ra / self.weight[a]).total_cmp(&(rb / self.weight[b]))
        };
        c.then(a.cmp(&b))
    }
}

/// Runs the simulation. Errors: invalid input (field + index) or Interrupted.
pub fn simulate(w: &Workload, cfg: &Config, budget: &Budget) -> CoreResult<SimResult> {
    w.validate()?;
    cfg.validate(w)?;
    let n = w.n_jobs();
    let c = cfg.cores;
    let weights: Vec<f64> = if cfg.user_weight.is_empty() {
        vec![1.0; w.n_users]
    } else {
        cfg.user_weight.clone()
    };

    let mut res = SimResult {
        submit: vec![f64::NAN; n],
        start: vec![f64::NAN; n],
        finish: vec![f64::NAN; n],
        work: (0..n)
            .map(|j| {
                w.task_duration[w.task_offsets[j]..w.task_offsets[j + 1]]
                    .iter()
                    .sum()
            })
            .collect(),
        estimate: vec![f64::NAN; n],
        n_tasks: vec![0; n],
        alone: vec![f64::NAN; n],
        ..Default::default()
    };
    let mut rt: Vec<JobRt> = (0..n)
        .map(|_| JobRt {
            n: 0,
            next: 0,
            running: 0,
            unfinished: 0,
            split: None,
        })
        .collect();
    let mut seq_of = vec![0u64; n];

    // Successors for closed loops.
    let mut succ_off = vec![0usize; n + 1];
    for &a in &w.job_after {
        if a >= 0 {
            succ_off[a as usize + 1] += 1;
        }
    }
    for i in 0..n {
        succ_off[i + 1] += succ_off[i];
    }
    let mut succ = vec![0usize; succ_off[n]];
    let mut fill = succ_off.clone();
    for (j, &a) in w.job_after.iter().enumerate() {
        if a >= 0 {
            succ[fill[a as usize]] = j;
            fill[a as usize] += 1;
        }
    }

    let mut arrivals: BinaryHeap<Reverse<(K, usize)>> = BinaryHeap::new();
    for j in 0..n {
        if w.job_after[j] < 0 {
            arrivals.push(Reverse((K(w.job_submit[j]), j)));
        }
    }
    // Completions: (end time, job).
    let mut running: BinaryHeap<Reverse<(K, usize)>> = BinaryHeap::new();
    let mut free = c;

    let mut queue = match cfg.policy {
        Policy::Fair => {
            let p = &cfg.pools;
            Queue::Fair(FairState {
                pool_running: vec![0; p.weight.len()],
                ready: vec![BTreeSet::new(); p.weight.len()],
                user_pool: p.user_pool.clone(),
                weight: p.weight.clone(),
                min_share: p.min_share.clone(),
                fair_inside: p.fair_inside.clone(),
                active: Vec::new(),
                is_active: vec![false; p.weight.len()],
            })
        }
        Policy::Drf => Queue::Drf(DrfState {
            cpu: if w.job_cpu.is_empty() {
                vec![1.0; n]
            } else {
                w.job_cpu.clone()
            },
            mem: if w.job_mem.is_empty() {
                vec![0.0; n]
            } else {
                w.job_mem.clone()
            },
            cap_cpu: c as f64,
            cap_mem: cfg.mem_capacity,
            free_cpu: c as f64,
            free_mem: cfg.mem_capacity,
            user_cpu: vec![0.0; w.n_users],
            user_mem: vec![0.0; w.n_users],
            weight: weights.clone(),
            ready: vec![BTreeSet::new(); w.n_users],
        }),
        _ => Queue::Keyed {
            set: BTreeSet::new(),
            key: vec![0.0; n],
        },
    };
    let mut uwfq = (cfg.policy == Policy::Uwfq).then(|| Uwfq::new(c, &weights, n, cfg.grace));
    let mut cfq = (cfg.policy == Policy::Cfq).then(|| Cfq::new(c));

    // Historic estimator state.
    let n_classes = w.job_class.iter().copied().max().map_or(0, |m| m + 1);
    let mut class_sum = vec![0.0; n_classes];
    let mut class_cnt = vec![0usize; n_classes];
    let (mut all_sum, mut all_cnt) = (0.0, 0usize);

    let mut next_seq: u64 = 0;
    let mut done = 0usize;
    let mut pending_tasks: usize = 0;
    let mut events: u64 = 0;
    // Scratch buffers reused by every dispatch round.
    let mut plan_k: Vec<(usize, usize)> = Vec::new();
    let mut plan_f: Vec<(usize, usize, usize)> = Vec::new();
    let mut order: Vec<usize> = Vec::new();

    while done < n {
        events += 1;
        if events % 4096 == 0 && budget.exhausted() {
            return Err(CoreError::Interrupted);
        }
        let ta = arrivals.peek().map(|Reverse((K(t), _))| *t);
        let tc = running.peek().map(|Reverse((K(t), _))| *t);
        let t = match (ta, tc) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => {
                return Err(CoreError::Infeasible(
                    "simulation stalled (internal)".into(),
                ))
            }
        };
        // One event per round, as Spark runs one offer round per status update or submit:
        // a task completion (completions first at equal times), else one arrival.
        let completion_now = tc.is_some_and(|b| b <= t);
        // 1. A completion at t.
        let completed = if completion_now { running.pop() } else { None };
        if let Some(Reverse((_, j))) = completed {
            free += 1;
            if let Queue::Drf(ds) = &mut queue {
                let u = w.job_user[j];
                ds.free_cpu = (ds.free_cpu + ds.cpu[j]).min(ds.cap_cpu);
                ds.free_mem = (ds.free_mem + ds.mem[j]).min(ds.cap_mem);
                ds.user_cpu[u] = (ds.user_cpu[u] - ds.cpu[j]).max(0.0);
                ds.user_mem[u] = (ds.user_mem[u] - ds.mem[j]).max(0.0);
            }
            let r = &mut rt[j];
            r.running -= 1;
            r.unfinished -= 1;
            if let Queue::Fair(fs) = &mut queue {
                let pool = fs.user_pool[w.job_user[j]];
                fs.pool_running[pool] -= 1;
                if r.next < r.n && fs.fair_inside[pool] {
                    let s = seq_of[j];
                    fs.ready[pool].remove(&(r.running + 1, s, j));
                    fs.ready[pool].insert((r.running, s, j));
                }
            }
            if r.unfinished == 0 {
                res.finish[j] = t;
                done += 1;
                let cl = w.job_class[j];
                class_sum[cl] += res.work[j];
                class_cnt[cl] += 1;
                all_sum += res.work[j];
                all_cnt += 1;
                for &s in &succ[succ_off[j]..succ_off[j + 1]] {
                    arrivals.push(Reverse((K(t + w.job_think[s]), s)));
                }
            }
        }
        // 2. Otherwise one arrival at t.
        let arrived = if completion_now { None } else { arrivals.pop() };
        if let Some(Reverse((_, j))) = arrived {
            res.submit[j] = t;
            let wk = res.work[j];
            let est = match cfg.estimate {
                Estimate::Given => wk * w.job_noise[j],
                Estimate::Historic => {
                    let cl = w.job_class[j];
                    if class_cnt[cl] > 0 {
                        class_sum[cl] / class_cnt[cl] as f64
                    } else if all_cnt > 0 {
                        all_sum / all_cnt as f64
                    } else {
                        wk
                    }
                }
            };
            res.estimate[j] = est;
            let (lo, hi) = (w.task_offsets[j], w.task_offsets[j + 1]);
            let r = &mut rt[j];
            if let Some(tau) = cfg.partition {
                let k = ((est / tau).ceil() as usize).clamp(1, cfg.max_partition_tasks);
                r.n = k;
                r.split = Some(wk / k as f64);
                let d = wk / k as f64;
                res.alone[j] = k.div_ceil(c) as f64 * d;
            } else {
                r.n = hi - lo;
                res.alone[j] = alone_makespan(w.task_duration[lo..hi].iter().copied(), c);
            }
            r.unfinished = r.n;
            res.n_tasks[j] = r.n;
            pending_tasks += r.n;
            let s = next_seq;
            next_seq += 1;
            seq_of[j] = s;
            match &mut queue {
                Queue::Fair(fs) => {
                    let pool = fs.user_pool[w.job_user[j]];
                    let key = fs.key(pool, 0, s, j);
                    fs.ready[pool].insert(key);
                    if !fs.is_active[pool] {
                        fs.is_active[pool] = true;
                        fs.active.push(pool);
                    }
                }
                Queue::Drf(ds) => {
                    ds.ready[w.job_user[j]].insert((s, j));
                }
                Queue::Keyed { set, key } => match cfg.policy {
                    Policy::Fifo => {
                        key[j] = s as f64;
                        set.insert((K(key[j]), s, j));
                    }
                    Policy::Sjf => {
                        key[j] = wk;
                        set.insert((K(wk), s, j));
                    }
                    Policy::Cfq => {
                        let d = cfq.as_mut().map_or(0.0, |q| q.arrive(t, est));
                        key[j] = d;
                        set.insert((K(d), s, j));
                    }
                    Policy::Uwfq => {
                        let u = w.job_user[j];
                        key[j] = f64::NAN; // marks "not yet in the set"
                        if let Some(q) = uwfq.as_mut() {
                            q.arrive(t, u, j, est, |k, dl| {
                                let old = key[k];
                                if k == j {
                                    key[k] = dl;
                                } else if old != dl && rt[k].next < rt[k].n {
                                    set.remove(&(K(old), seq_of[k], k));
                                    set.insert((K(dl), seq_of[k], k));
                                    key[k] = dl;
                                } else {
                                    key[k] = dl;
                                }
                            });
                        }
                        if key[j].is_nan() {
                            key[j] = 0.0;
                        }
                        set.insert((K(key[j]), s, j));
                    }
                    // Keyed queues are built only for the policies above.
                    Policy::Fair | Policy::Drf => {}
                },
            }
        }
        // 3. Dispatch: sort once, fill free cores in that order.
        let drf = matches!(queue, Queue::Drf(_));
        if (free > 0 || drf) && pending_tasks > 0 {
            let launch = |j: usize,
                          k: usize,
                          rt: &mut Vec<JobRt>,
                          res: &mut SimResult,
                          running: &mut BinaryHeap<Reverse<(K, usize)>>| {
                let r = &mut rt[j];
                for _ in 0..k {
                    let d = match r.split {
                        Some(d) => d,
                        None => w.task_duration[w.task_offsets[j] + r.next],
                    };
                    if r.next == 0 {
                        res.start[j] = t;
                    }
                    r.next += 1;
                    r.running += 1;
                    running.push(Reverse((K(t + d), j)));
                    if cfg.record_tasks {
                        res.task_job.push(j);
                        res.task_start.push(t);
                        res.task_end.push(t + d);
                    }
                }
            };
            match &mut queue {
                Queue::Keyed { set, key } => {
                    let plan = &mut plan_k;
                    plan.clear();
                    for &(_, _, j) in set.iter() {
                        if free == 0 {
                            break;
                        }
                        let k = (rt[j].n - rt[j].next).min(free);
                        free -= k;
                        plan.push((j, k));
                    }
                    for &(j, k) in plan.iter() {
                        pending_tasks -= k;
                        launch(j, k, &mut rt, &mut res, &mut running);
                        if rt[j].next == rt[j].n {
                            set.remove(&(K(key[j]), seq_of[j], j));
                        }
                    }
                }
                Queue::Drf(ds) => {
                    // Progressive filling: the user with the smallest dominant share gets its
                    // next task if it fits; a user whose next task does not fit sits out the round.
                    let mut cand: BTreeSet<(K, usize)> = BTreeSet::new();
                    for u in 0..ds.ready.len() {
                        if !ds.ready[u].is_empty() {
                            cand.insert((K(ds.share(u)), u));
                        }
                    }
                    while let Some(&(ks, u)) = cand.iter().next() {
                        cand.remove(&(ks, u));
                        let Some(&(s, j)) = ds.ready[u].iter().next() else {
                            continue;
                        };
                        let (cj, mj) = (ds.cpu[j], ds.mem[j]);
                        if cj <= ds.free_cpu + 1e-9
                            && mj <= ds.free_mem + 1e-9 * ds.cap_mem.min(1e12)
                        {
                            ds.free_cpu = (ds.free_cpu - cj).max(0.0);
                            ds.free_mem = (ds.free_mem - mj).max(0.0);
                            ds.user_cpu[u] += cj;
                            ds.user_mem[u] += mj;
                            pending_tasks -= 1;
                            launch(j, 1, &mut rt, &mut res, &mut running);
                            if rt[j].next == rt[j].n {
                                ds.ready[u].remove(&(s, j));
                            }
                            if !ds.ready[u].is_empty() {
                                cand.insert((K(ds.share(u)), u));
                            }
                        }
                    }
                    free = 0;
                }
                Queue::Fair(fs) => {
                    {
                        let FairState { active, is_active, ready, .. } = &mut *fs;
                        active.retain(|&p| {
                            let keep = !ready[p].is_empty();
                            if !keep {
                                is_active[p] = false;
                            }
                            keep
                        });
                    }
                    order.clear();
                    order.extend_from_slice(&fs.active);
                    order.sort_by(|&a, &b| fs.pool_less(a, b));
                    let plan = &mut plan_f;
                    plan.clear();
                    for &p in order.iter() {
                        if free == 0 {
                            break;
                        }
                        for &(_, _, j) in fs.ready[p].iter() {
                            if free == 0 {
                                break;
                            }
                            let k = (rt[j].n - rt[j].next).min(free);
                            free -= k;
                            plan.push((p, j, k));
                        }
                    }
                    for &(p, j, k) in plan.iter() {
                        let old = fs.key(p, rt[j].running, seq_of[j], j);
                        fs.ready[p].remove(&old);
                        pending_tasks -= k;
                        launch(j, k, &mut rt, &mut res, &mut running);
                        fs.pool_running[p] += k;
                        if rt[j].next < rt[j].n {
                            let nk = fs.key(p, rt[j].running, seq_of[j], j);
                            fs.ready[p].insert(nk);
                        }
                    }
                }
            }
        }
    }
    res.events = events;
    Ok(res)
}
