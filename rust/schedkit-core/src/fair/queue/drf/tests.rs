//! The DRF queue's tests: its trees against plain scans and plain progressive filling.

use super::nodes::{self, Bits, Nodes, CLASSES};
use super::{fits, user_key, user_of, DrfQueue, Entry, UserSet, NOBODY, SCAN};
use crate::fair::job::Job;
use crate::fair::queue::{Launch, ReadyQueue};
use crate::fair::vtime::K;
use crate::fair::Workload;
use crate::util::SplitMix64;

/// A [`Bits`] holds what a plain vector of flags holds, and its first element is the
/// vector's first set flag, through random insertions and removals on sizes of one to
/// four levels (words turning empty and non-empty at every level).
#[test]
fn bits_first_is_the_lowest_member() {
    let mut rng = SplitMix64::new(31);
    for n in [1usize, 63, 64, 65, 4_095, 4_097, 300_000] {
        let mut bits = Bits::new(n);
        let mut want = vec![false; n];
        for step in 0..4_000 {
            // Clustered near the low or the high end, so whole words empty and refill.
            let i = if step % 2 == 0 {
                rng.below(n.min(130))
            } else {
                n - 1 - rng.below(n.min(130))
            };
            let on = rng.below(3) == 0;
            bits.assign(i, on);
            want[i] = on;
            assert_eq!(bits.first(), want.iter().position(|&b| b), "n={n} step {step}");
            assert_eq!(bits.is_empty(), !want.contains(&true));
        }
    }
}

/// Nodes whose fits are served by the bitsets (`tree` false: the requests of `classes`
/// noted, at most [`nodes::CLASSES`]) or by the max tree (`tree` true: one more request
/// noted than the bitsets take).
fn nodes_in_mode(cap: Vec<(f64, f64)>, classes: &[(f64, f64)], tree: bool) -> Nodes {
    let mut q = Nodes::new(cap);
    for &(c, m) in classes {
        q.note(c, m);
    }
    if tree {
        for k in 0..=CLASSES {
            q.note(1e6 + k as f64, 0.0);
        }
    }
    assert_eq!(q.tree_on(), tree);
    q
}

/// The requests of the placement tests: each noted, so the bitsets take them when few.
fn requests(rng: &mut SplitMix64, few: bool) -> (f64, f64) {
    if few {
        [(0.9, 0.0), (1.8, 3.6), (0.0, 7.2), (3.6, 0.9)][rng.below(CLASSES)]
    } else {
        (rng.below(5) as f64 * 0.9, rng.below(9) as f64 * 0.9)
    }
}

/// The largest free cpu and the largest free memory (possibly of two nodes).
fn most_free(free: &[(f64, f64)]) -> (f64, f64) {
    free.iter().fold((f64::NEG_INFINITY, f64::NEG_INFINITY), |a, &f| {
        (a.0.max(f.0), a.1.max(f.1))
    })
}

/// Both placements find the same first node as a scan, for random free amounts and
/// requests, also after updates, on node counts that are not powers of two and past one
/// and two bitset levels (64, 4,096 nodes); `none_fits` ends a round only when nothing
/// fits (with the bitsets, exactly then), and `full` exactly when no noted request fits.
#[test]
fn fit_is_first_fit() {
    let mut rng = SplitMix64::new(7);
    for tree in [false, true] {
        for n in [1usize, 2, 3, 7, 8, 10, 33, 65, 130, 4_100] {
            let classes = [(0.9, 0.0), (1.8, 3.6), (0.0, 7.2), (3.6, 0.9)];
            let mut q = nodes_in_mode(vec![(4.0, 8.0); n], &classes, tree);
            for _ in 0..500 {
                // Mostly full nodes, so the fits are scattered.
                let i = rng.below(n);
                q.free[i] = (rng.below(5) as f64, rng.below(9) as f64);
                q.update(i);
                let (c, m) = requests(&mut rng, !tree);
                let scan = q.free.iter().position(|&(fc, fm)| fits(c, m, fc, fm));
                assert_eq!(q.fit(c, m), scan, "n={n} request ({c}, {m}) free {:?}", q.free);
                // The tree ends a round when the largest rooms (cpu and memory maxima,
                // possibly of two nodes) do not admit it; the bitsets when nothing does.
                let want = if tree {
                    let (lc, lm) = nodes::room(most_free(&q.free));
                    !(c <= lc && m <= lm)
                } else {
                    scan.is_none()
                };
                assert_eq!(q.none_fits(c, m), want, "n={n} ({c}, {m})");
                assert!(!want || scan.is_none());
                let full = !tree
                    && classes
                        .iter()
                        .all(|&(c, m)| !q.free.iter().any(|&(fc, fm)| fits(c, m, fc, fm)));
                assert_eq!(q.full(), full, "n={n} free {:?}", q.free);
            }
        }
    }
}

/// The same with tasks ending on random nodes (their free amounts grow; the tree leaves
/// the node loose and writes it later) and placed again, the fit against a scan after
/// each change, on node counts up to several blocks deep; the tree's largest rooms are
/// the scan's (a round ends when they do not admit the least request), and with the
/// bitsets `none_fits` of any least request is true exactly when no noted request at or
/// above it fits anywhere and `full` exactly when no noted request does (the node a task
/// ended on is left loose by both).
#[test]
fn fit_is_first_fit_as_tasks_end() {
    let mut rng = SplitMix64::new(11);
    for tree in [false, true] {
        for n in [1usize, 2, 9, 17, 64, 130, 1000] {
            let cap = vec![(4.0, 8.0); n];
            let classes = [(0.0, 0.0), (0.5, 1.0), (1.0, 2.0), (0.5, 0.0)];
            let mut q = nodes_in_mode(cap.clone(), &classes, tree);
            for _ in 0..2000 {
                let i = rng.below(n);
                let (c, m) = classes[rng.below(CLASSES)];
                if rng.below(2) == 0 {
                    q.give(i, c, m);
                } else if let Some(k) = q.fit(c, m) {
                    q.take(k, c, m);
                }
                let (c, m) = requests(&mut rng, !tree);
                let scan = q.free.iter().position(|&(fc, fm)| fits(c, m, fc, fm));
                assert_eq!(q.fit(c, m), scan, "n={n} request ({c}, {m}) free {:?}", q.free);
                let least = (rng.below(3) as f64 * 0.5, rng.below(3) as f64);
                let want = if tree {
                    let (lc, lm) = nodes::room(most_free(&q.free));
                    !(least.0 <= lc && least.1 <= lm)
                } else {
                    !classes.iter().any(|&(c, m)| {
                        c >= least.0 && m >= least.1 && q.free.iter().any(|&(fc, fm)| fits(c, m, fc, fm))
                    })
                };
                assert_eq!(q.none_fits(least.0, least.1), want, "n={n} least {least:?}");
                if tree {
                    assert_eq!(q.largest(), nodes::room(most_free(&q.free)), "n={n}");
                } else {
                    let full = !classes
                        .iter()
                        .any(|&(c, m)| q.free.iter().any(|&(fc, fm)| fits(c, m, fc, fm)));
                    assert_eq!(q.full(), full, "n={n} free {:?}", q.free);
                }
            }
        }
    }
}

/// A fifth distinct request turns the tree on (built from the nodes' free amounts as they
/// are), and the fits go on as a scan finds them.
#[test]
fn a_request_past_the_classes_turns_the_tree_on() {
    let mut rng = SplitMix64::new(19);
    let n = 300;
    let mut q = Nodes::new(vec![(4.0, 8.0); n]);
    let mut noted = 0;
    for step in 0..3000 {
        let (c, m) = (rng.below(3) as f64, rng.below(3) as f64);
        if step % 500 == 499 {
            q.note(10.0 + noted as f64, 0.0);
            noted += 1;
        }
        q.note(c, m);
        if let Some(k) = q.fit(c, m) {
            q.take(k, c, m);
        }
        let i = rng.below(n);
        q.give(i, rng.below(2) as f64, 1.0);
        let scan = q.free.iter().position(|&(fc, fm)| fits(c, m, fc, fm));
        assert_eq!(q.fit(c, m), scan, "step {step}");
    }
    assert!(q.tree_on());
}

/// The packed user key orders as (K, user) does, also for -0, infinities and ties.
#[test]
fn user_key_orders_like_share_then_user() {
    let mut rng = SplitMix64::new(3);
    let shares = [0.0, -0.0, 1e-300, 0.25, 0.5, 1.0, 7.5e3, f64::INFINITY, -1.0];
    let keys: Vec<(K, usize)> = (0..400)
        .map(|_| (K(shares[rng.below(shares.len())]), rng.below(5)))
        .collect();
    for a in &keys {
        for b in &keys {
            let packed = user_key(a.0, a.1).cmp(&user_key(b.0, b.1));
            assert_eq!(packed, a.cmp(b), "{a:?} {b:?}");
        }
        assert_eq!(user_of(user_key(a.0, a.1)), a.1);
        assert!(user_key(a.0, a.1) < NOBODY.key);
    }
}

/// Progressive filling written plainly: every pick sorts the waiting users that have
/// not sat out the round by (weighted dominant share, user) and scans the nodes in
/// order for the first user's next task; a user whose task fits nowhere sits out until
/// the round ends. Same arithmetic as the queue, no trees, no kept order.
struct PlainDrf {
    cap: Vec<(f64, f64)>,
    free: Vec<(f64, f64)>,
    used: Vec<(f64, f64)>,
    weight: Vec<f64>,
    ready: Vec<Vec<(u64, usize, usize)>>,
    sat_out: Vec<bool>,
}

impl PlainDrf {
    fn share(&self, u: usize) -> f64 {
        let total = self.cap.iter().fold((0.0, 0.0), |a, n| (a.0 + n.0, a.1 + n.1));
        let m = if total.1.is_finite() {
            self.used[u].1 / total.1
        } else {
            0.0
        };
        (self.used[u].0 / total.0).max(m) / self.weight[u]
    }
}

impl ReadyQueue for PlainDrf {
    fn add_user(&mut self, _u: usize, weight: f64, _pool: usize) -> crate::error::CoreResult<()> {
        self.used.push((0.0, 0.0));
        self.weight.push(weight);
        self.ready.push(Vec::new());
        self.sat_out.push(false);
        Ok(())
    }

    fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
        let r = &mut self.ready[job.user];
        r.push((job.seq, s, slot));
        r.sort_unstable();
    }

    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        let mut waiting: Vec<(K, usize)> = (0..self.ready.len())
            .filter(|&u| !self.ready[u].is_empty() && !self.sat_out[u])
            .map(|u| (K(self.share(u)), u))
            .collect();
        waiting.sort_unstable();
        for (_, u) in waiting {
            let (_, s, slot) = self.ready[u][0];
            let st = &jobs[slot].stages[s];
            let Some(node) = self.free.iter().position(|f| fits(st.cpu, st.mem, f.0, f.1)) else {
                self.sat_out[u] = true;
                continue;
            };
            let f = &mut self.free[node];
            f.0 = (f.0 - st.cpu).max(0.0);
            f.1 = (f.1 - st.mem).max(0.0);
            self.used[u].0 += st.cpu;
            self.used[u].1 += st.mem;
            if st.next + 1 == st.n {
                self.ready[u].remove(0);
            }
            return Some(Launch {
                slot,
                stage: s,
                k: 1,
                node,
            });
        }
        self.sat_out.fill(false);
        None
    }

    fn on_task_finish(&mut self, job: &Job, _slot: usize, s: usize, node: usize) {
        let (u, st) = (job.user, &job.stages[s]);
        let f = &mut self.free[node];
        f.0 = (f.0 + st.cpu).min(self.cap[node].0);
        f.1 = (f.1 + st.mem).min(self.cap[node].1);
        self.used[u].0 = (self.used[u].0 - st.cpu).max(0.0);
        self.used[u].1 = (self.used[u].1 - st.mem).max(0.0);
    }
}

/// A [`UserSet`]'s top is the smallest key and the least requests over the filed users,
/// as a scan of every user's entry finds them, through both of its forms: users filed,
/// re-filed with keys that rise or fall (ties of share) and requests that change, or with
/// keys alone (the pick's re-filing, which keeps the two smallest keys), taken out, their
/// number swinging from none to 3 x SCAN and back.
#[test]
fn user_set_top_is_the_least_filed() {
    let mut rng = SplitMix64::new(23);
    let n = 4 * SCAN;
    let mut set = UserSet::new();
    let mut want = vec![NOBODY; n];
    for u in 0..n {
        set.reserve(u);
    }
    let (mut tree_seen, mut list_again) = (false, false);
    for round in 0..40 {
        let grow = round % 2 == 0;
        for _ in 0..200 {
            let u = rng.below(n);
            let filed = want[u] != NOBODY;
            let e = if !grow && (!filed || rng.below(5) > 0) {
                NOBODY
            } else {
                let share = rng.below(6) as f64 / 8.0;
                let req = [0.0, 0.5, 1.0, 2.0];
                Entry {
                    key: user_key(K(share), u),
                    cpu: req[rng.below(4)],
                    mem: req[rng.below(4)],
                }
            };
            if filed && e != NOBODY && rng.below(2) == 0 {
                // A share that changed, the request as it was.
                let e = Entry {
                    key: e.key,
                    ..want[u]
                };
                set.set_key(u, e.key);
                want[u] = e;
            } else {
                set.set(u, e);
                want[u] = e;
            }
            let e = want[u];
            let mut top = NOBODY;
            for w in &want {
                top.key = top.key.min(w.key);
                top.cpu = top.cpu.min(w.cpu);
                top.mem = top.mem.min(w.mem);
            }
            assert_eq!(set.top(), top);
            assert_eq!(set.leaf(u), e);
            list_again |= tree_seen && !set.tree_on;
            tree_seen |= set.tree_on;
        }
    }
    assert!(tree_seen && list_again);
}

/// One random case: nodes, users (added as their first job arrives, so the user tree
/// grows), jobs of 1-3 stages of 1-4 tasks whose requests fit on some node (zero
/// requests and ties of shares included); arrivals and task ends in random order, a
/// dispatch round after each. Returns the tasks launched.
fn differential_case(rng: &mut SplitMix64) -> usize {
    differential_case_on(rng, &[1, 2, 3, 6, 9, 20], false)
}

/// [`differential_case`] on a node count drawn from `node_counts`; `few`: the tasks'
/// requests of at most [`CLASSES`] sizes (so the bitsets place them throughout), else of
/// many (the tree takes over once a fifth size is asked for, mostly part way).
fn differential_case_on(rng: &mut SplitMix64, node_counts: &[usize], few: bool) -> usize {
    let pick = |rng: &mut SplitMix64, v: &[f64]| v[rng.below(v.len())];
    let n_nodes = node_counts[rng.below(node_counts.len())];
    let unbounded = rng.below(4) == 0;
    let cap: Vec<(f64, f64)> = (0..n_nodes)
        .map(|_| {
            let mem = if unbounded {
                f64::INFINITY
            } else {
                pick(rng, &[2.0, 4.0, 6.5, 16.0])
            };
            (pick(rng, &[1.0, 2.0, 3.5, 4.0, 8.0]), mem)
        })
        .collect();
    let n_users = [1, 3, 12, 40, 300][rng.below(5)];
    let weights = [1.0, 1.0, 2.0, 0.5, 3.0];
    let n_jobs = 1 + rng.below(80);
    let mut w = Workload {
        job_stages: vec![0],
        task_offsets: vec![0],
        ..Default::default()
    };
    for j in 0..n_jobs {
        w.job_user.push(rng.below(n_users));
        w.job_submit.push(j as f64);
        w.job_after.push(-1);
        w.job_think.push(0.0);
        w.job_class.push(0);
        for _ in 0..1 + rng.below(3) {
            let (nc, nm) = cap[rng.below(n_nodes)];
            let (cpu, mem) = if few {
                // Sizes that fit every node of the draw (capacities at least 1 and 2).
                let sizes = [(1.0, 0.0), (0.5, 1.0), (1.0, 2.0), (0.25, 0.0)];
                sizes[rng.below(sizes.len())]
            } else {
                let cpu = pick(rng, &[0.0, 0.25, 0.5, 1.0, 1.0, 1.5, 2.0, 3.5]).min(nc);
                let mem = if unbounded {
                    pick(rng, &[0.0, 1.0])
                } else {
                    pick(rng, &[0.0, 0.5, 1.0, 2.0, 6.5]).min(nm)
                };
                (cpu, mem)
            };
            w.stage_cpu.push(cpu);
            w.stage_mem.push(mem);
            let tasks = 1 + rng.below(4);
            w.task_duration.extend(std::iter::repeat_n(1.0, tasks));
            w.task_offsets.push(w.task_duration.len());
        }
        w.job_stages.push(w.stage_cpu.len());
    }
    let mut fast = DrfQueue::new(cap.clone());
    let mut plain = PlainDrf {
        free: cap.clone(),
        cap,
        used: Vec::new(),
        weight: Vec::new(),
        ready: Vec::new(),
        sat_out: Vec::new(),
    };
    let (mut jobs, mut running, mut users, mut launched) = (Vec::new(), Vec::new(), 0, 0);
    let mut next_job = 0;
    while next_job < n_jobs || !running.is_empty() {
        if next_job < n_jobs && (running.is_empty() || rng.below(3) == 0) {
            let j = next_job;
            next_job += 1;
            while users <= w.job_user[j] {
                let wt = weights[users % weights.len()];
                fast.add_user(users, wt, 0).unwrap();
                plain.add_user(users, wt, 0).unwrap();
                users += 1;
            }
            let mut job = Job::new(&w, &[], j, j as u64, 1.0);
            job.seq = j as u64;
            jobs.push(job);
            // Every stage ready at once (the queue does not read the DAG), stages
            // joining a user's list out of order.
            let mut order: Vec<usize> = (0..jobs[j].stages.len()).collect();
            if rng.below(2) == 0 {
                order.reverse();
            }
            for s in order {
                fast.on_ready(0.0, &mut jobs[j], j, s);
                plain.on_ready(0.0, &mut jobs[j], j, s);
            }
        } else {
            let (slot, s, node): (usize, usize, usize) = running.swap_remove(rng.below(running.len()));
            let st = &mut jobs[slot].stages[s];
            st.running -= 1;
            st.unfinished -= 1;
            fast.on_task_finish(&jobs[slot], slot, s, node);
            plain.on_task_finish(&jobs[slot], slot, s, node);
        }
        // The engine has no round when no task waits; an event without a round
        // here also lets task ends follow each other.
        if rng.below(4) == 0 && !running.is_empty() {
            continue;
        }
        loop {
            let a = fast.pick(&jobs).map(|l| (l.slot, l.stage, l.node));
            let b = plain.pick(&jobs).map(|l| (l.slot, l.stage, l.node));
            assert_eq!(a, b, "launch {launched}");
            let Some((slot, s, node)) = a else { break };
            let st = &mut jobs[slot].stages[s];
            st.next += 1;
            st.running += 1;
            running.push((slot, s, node));
            launched += 1;
        }
    }
    assert_eq!(launched, w.task_duration.len(), "every task ran");
    launched
}

/// The queue's trees launch exactly what plain progressive filling launches, task by
/// task and node by node, on random cases.
#[test]
fn trees_launch_as_plain_progressive_filling() {
    let mut rng = SplitMix64::new(13);
    let launched: usize = (0..400).map(|_| differential_case(&mut rng)).sum();
    assert!(launched > 10_000, "{launched}");
}

/// The same on clusters of several blocks of nodes (the tree's descent goes back up when
/// a block's maxima are two nodes' and none fits; tasks end on nodes left loose).
#[test]
fn trees_launch_as_plain_progressive_filling_on_many_nodes() {
    let mut rng = SplitMix64::new(17);
    let launched: usize = (0..150)
        .map(|_| differential_case_on(&mut rng, &[17, 40, 129, 300], false))
        .sum();
    assert!(launched > 4_000, "{launched}");
}

/// The same with requests of a few sizes, placed by the bitsets from start to end, on
/// one to a few hundred nodes (one and two bitset levels).
#[test]
fn bitsets_launch_as_plain_progressive_filling() {
    let mut rng = SplitMix64::new(29);
    let launched: usize = (0..300)
        .map(|_| differential_case_on(&mut rng, &[1, 2, 5, 20, 64, 65, 300], true))
        .sum();
    assert!(launched > 8_000, "{launched}");
}

/// Timings of the queue, not run by default (see each test for the command).
mod speed {
    use crate::budget::Budget;
    use crate::fair::{Config, Engine, Nodes, Policy, Workload};
    use crate::util::SplitMix64;

    /// The bench's workload in Rust: `n` tasks, jobs of 1 + Geometric(mean 9) tasks of
    /// Exp(1) s from 100 Zipf users, Poisson arrivals at load 0.9 on 32 cores.
    fn workload(n: usize) -> Workload {
        let mut rng = SplitMix64::new(5);
        let zipf: Vec<f64> = (1..=100).map(|k| 1.0 / k as f64).collect();
        let total: f64 = zipf.iter().sum();
        let mut w = Workload {
            task_offsets: vec![0],
            ..Default::default()
        };
        let mut t = 0.0;
        while w.task_duration.len() < n {
            let mut k = 1;
            while rng.uniform() > 0.1 {
                k += 1;
            }
            let mut x = rng.uniform() * total;
            let mut u = 0;
            while x > zipf[u] && u < 99 {
                x -= zipf[u];
                u += 1;
            }
            t += -(1.0 - rng.uniform()).ln() * 10.0 / (0.9 * 32.0);
            w.job_user.push(u);
            w.job_submit.push(t);
            w.job_after.push(-1);
            w.job_think.push(0.0);
            w.job_class.push(u);
            for _ in 0..k {
                w.task_duration.push(-(1.0 - rng.uniform()).ln());
            }
            w.task_offsets.push(w.task_duration.len());
        }
        w
    }

    fn thread_cpu_ns() -> u64 {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
        stat.split_whitespace().next().unwrap().parse().unwrap()
    }

    /// cargo test --release -p schedkit-core --lib drf::tests::speed -- --ignored --nocapture --test-threads=1
    #[test]
    #[ignore]
    fn drf_against_fifo() {
        let w = workload(4_000_000);
        for policy in [Policy::Fifo, Policy::Drf, Policy::Fifo, Policy::Drf] {
            let c0 = thread_cpu_ns();
            let mut eng = Engine::new(Config::new(32, policy)).unwrap();
            for u in 0..100 {
                eng.add_user(&format!("u{u}")).unwrap();
            }
            eng.push(&w).unwrap();
            eng.finish(&Budget::unlimited()).unwrap();
            let sum: f64 = eng.take_finished().finish.iter().sum();
            let ns = (thread_cpu_ns() - c0) as f64 / w.task_duration.len() as f64;
            println!("{policy:?}: {ns:.1} ns per task, checksum {sum}");
        }
    }

    /// One DRF run of 10^6 tasks, for a profiler (callgrind counts it per task):
    /// cargo test --release -p schedkit-core --lib drf::tests::speed::drf_alone -- --ignored --nocapture
    #[test]
    #[ignore]
    fn drf_alone() {
        let w = workload(1_000_000);
        let mut eng = Engine::new(Config::new(32, Policy::Drf)).unwrap();
        for u in 0..100 {
            eng.add_user(&format!("u{u}")).unwrap();
        }
        eng.push(&w).unwrap();
        eng.finish(&Budget::unlimited()).unwrap();
        let sum: f64 = eng.take_finished().finish.iter().sum();
        println!("checksum {sum}");
    }

    /// cargo test --release -p schedkit-core --lib drf::tests::speed -- --ignored --nocapture --test-threads=1
    #[test]
    #[ignore]
    fn drf_against_node_count() {
        let w = workload(400_000);
        for nodes in [10usize, 100, 1_000, 10_000] {
            let mut w = w.clone();
            for t in &mut w.job_submit {
                *t *= 32.0 / (4 * nodes) as f64;
            }
            for policy in [Policy::Fifo, Policy::Drf] {
                let c0 = thread_cpu_ns();
                let mut cfg = Config::new(4 * nodes as i64, policy);
                cfg.nodes = Nodes::Equal(nodes as i64);
                let mut eng = Engine::new(cfg).unwrap();
                for u in 0..100 {
                    eng.add_user(&format!("u{u}")).unwrap();
                }
                eng.push(&w).unwrap();
                eng.finish(&Budget::unlimited()).unwrap();
                let ns = (thread_cpu_ns() - c0) as f64 / w.task_duration.len() as f64;
                println!("{nodes} nodes of 4 cpus, {policy:?}: {ns:.1} ns per task");
            }
        }
    }
}
