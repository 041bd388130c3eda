//! Hand-computed cases for the fair simulator.

use schedkit_core::fair::{Config, Engine, Estimate, Finished, Policy, TaskRows, Workload};
use schedkit_core::util::SplitMix64;
use schedkit_core::{Budget, CoreError, CoreResult};

/// A whole run: the jobs in push order (the workload's) and the task records.
#[derive(Debug)]
struct Run {
    jobs: Finished,
    tasks: TaskRows,
}

/// Runs a whole workload on the engine (push everything, then finish) with users
/// 0..=max(job_user) of weight 1, each in a FAIR pool of its own (weight 1, minShare 0, FAIR
/// inside: UJF); the other policies ignore the pools.
fn simulate(w: &Workload, cfg: &Config) -> CoreResult<Run> {
    let mut eng = Engine::new(cfg.clone())?;
    for _ in 0..w.job_user.iter().max().map_or(1, |&u| u + 1) {
        let pool = eng.add_pool("", 1.0, 0.0, true)?;
        eng.add_user(1.0, pool)?;
    }
    eng.push(w)?;
    eng.finish(&Budget::unlimited())?;
    // The engine hands jobs out in completion order; gid is the push order.
    let f = eng.take_finished();
    let mut order: Vec<usize> = (0..f.gid.len()).collect();
    order.sort_by_key(|&i| f.gid[i]);
    fn pick<T: Copy>(v: &[T], order: &[usize]) -> Vec<T> {
        order.iter().map(|&i| v[i]).collect()
    }
    let jobs = Finished {
        gid: pick(&f.gid, &order),
        tag: pick(&f.tag, &order),
        user: pick(&f.user, &order),
        class: pick(&f.class, &order),
        submit: pick(&f.submit, &order),
        start: pick(&f.start, &order),
        finish: pick(&f.finish, &order),
        work: pick(&f.work, &order),
        estimate: pick(&f.estimate, &order),
        n_tasks: pick(&f.n_tasks, &order),
        alone: pick(&f.alone, &order),
    };
    Ok(Run {
        jobs,
        tasks: eng.take_tasks(),
    })
}

/// Single-task jobs: (user, submit, duration).
fn workload(jobs: &[(usize, f64, f64)]) -> Workload {
    let n = jobs.len();
    Workload {
        job_user: jobs.iter().map(|j| j.0).collect(),
        job_submit: jobs.iter().map(|j| j.1).collect(),
        job_after: vec![-1; n],
        job_think: vec![0.0; n],
        job_class: vec![0; n],
        job_noise: vec![1.0; n],
        task_offsets: (0..=n).collect(),
        task_duration: jobs.iter().map(|j| j.2).collect(),
        ..Default::default()
    }
}

fn run(w: &Workload, policy: Policy, cores: usize) -> Vec<f64> {
    simulate(w, &Config::new(cores, policy)).unwrap().jobs.finish
}

/// Heavy user 1 submits 4 jobs of 10 s at t=0; light user 0 submits one 10-s job at t=1.
/// One core. FIFO: the light job waits for all heavy jobs: finishes at 50.
/// UWFQ: user 0 starts its chain at V(1) and jumps ahead of user 1's later jobs: finishes at 20.
#[test]
fn uwfq_gives_light_user_its_share_fifo_does_not() {
    // (Users are numbered so that UJF's tie between two idle pools, broken by pool order
    // as Spark breaks it by name, goes to the light user.)
    let mut jobs = vec![(1, 0.0, 10.0); 4];
    jobs.push((0, 1.0, 10.0));
    let w = workload(&jobs);
    let fifo = run(&w, Policy::Fifo, 1);
    assert_eq!(fifo, vec![10.0, 20.0, 30.0, 40.0, 50.0]);
    let uwfq = run(&w, Policy::Uwfq, 1);
    assert_eq!(uwfq[4], 20.0);
    let ujf = run(&w, Policy::Fair, 1);
    assert_eq!(ujf[4], 20.0);
    let cfq = run(&w, Policy::Cfq, 1);
    // CFQ at t=1: v = 1/4 per job... the light job's deadline 0.25+10 beats heavy deadlines 10.
    // heavy jobs have deadline 10 (v=0 at t=0); light 10.25: light runs after all heavy.
    assert_eq!(cfq[4], 50.0);
}

#[test]
fn sjf_runs_shortest_first() {
    let w = workload(&[(0, 0.0, 1.0), (0, 0.0, 5.0), (0, 0.0, 2.0), (0, 0.0, 3.0)]);
    // one core, the first (1 s) job starts at once; then 2, 3, 5.
    assert_eq!(run(&w, Policy::Sjf, 1), vec![1.0, 11.0, 3.0, 6.0]);
}

#[test]
fn partitioning_splits_work() {
    let w = workload(&[(0, 0.0, 8.0)]);
    let mut cfg = Config::new(4, Policy::Fifo);
    cfg.partition = Some(0.5);
    let r = simulate(&w, &cfg).unwrap();
    assert_eq!(r.jobs.n_tasks[0], 16);
    assert!((r.jobs.finish[0] - 2.0).abs() < 1e-12);
    assert!((r.jobs.alone[0] - 2.0).abs() < 1e-12);
}

#[test]
fn closed_loop_releases_successor() {
    let mut w = workload(&[(0, 0.0, 2.0), (0, 100.0, 3.0)]);
    w.job_after = vec![-1, 0];
    w.job_think = vec![0.0, 1.0];
    let r = simulate(&w, &Config::new(2, Policy::Fifo)).unwrap();
    assert_eq!(r.jobs.submit, vec![0.0, 3.0]);
    assert_eq!(r.jobs.finish, vec![2.0, 6.0]);
}

#[test]
fn historic_estimates_use_finished_jobs() {
    let w = workload(&[(0, 0.0, 4.0), (0, 10.0, 1.0)]);
    let mut cfg = Config::new(1, Policy::Uwfq);
    cfg.estimate = Estimate::Historic;
    let r = simulate(&w, &cfg).unwrap();
    assert_eq!(r.jobs.estimate, vec![4.0, 4.0]);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let w = workload(&[(0, 0.0, -1.0)]);
    match simulate(&w, &Config::new(1, Policy::Fifo)) {
        Err(CoreError::InvalidInstance { field, index, .. }) => {
            assert_eq!(field, "duration");
            assert_eq!(index, Some(0));
        }
        other => panic!("{other:?}"),
    }
    let w = workload(&[(0, 0.0, 1.0)]);
    assert!(simulate(&w, &Config::new(0, Policy::Fifo)).is_err());
    assert!(Policy::parse("nope").is_err());
}

/// Two users, one 10-task job each (1 s tasks), 2 cores, both at t=0. FIFO: A finishes at 5,
/// B at 10. UJF (one offer round per completion): after A takes both cores at t=0, each freed
/// core goes to the user with fewer running tasks: A and B alternate, A ends at 9, B at 10.
#[test]
fn ujf_alternates_users_fifo_does_not() {
    let w = Workload {
        job_user: vec![0, 1],
        job_submit: vec![0.0, 0.0],
        job_after: vec![-1, -1],
        job_think: vec![0.0; 2],
        job_class: vec![0; 2],
        job_noise: vec![1.0; 2],
        task_offsets: vec![0, 10, 20],
        task_duration: vec![1.0; 20],
        ..Default::default()
    };
    assert_eq!(run(&w, Policy::Fifo, 2), vec![5.0, 10.0]);
    assert_eq!(run(&w, Policy::Fair, 2), vec![9.0, 10.0]);
}

/// DRF on (4 cpu, 8 memory): user 0's tasks need (1 cpu, 4 mem), user 1's (1 cpu, 0 mem),
/// 8 one-second tasks each, both at t=0 (user 0's job first). Round 1 (user 0's arrival):
/// user 0 alone takes 2 tasks (memory full). Round 2 (user 1's arrival): user 1 takes the 2
/// remaining cpus. Capacities are never exceeded; a request above capacity is an error.
#[test]
fn drf_respects_capacities_and_equalises_dominant_shares() {
    let mut w = workload(&[(0, 0.0, 1.0), (1, 0.0, 1.0)]);
    w.task_offsets = vec![0, 8, 16];
    w.task_duration = vec![1.0; 16];
    w.stage_cpu = vec![1.0, 1.0];
    w.stage_mem = vec![4.0, 0.0];
    let mut cfg = Config::new(4, Policy::Drf);
    cfg.mem_capacity = 8.0;
    cfg.record_tasks = true;
    let r = simulate(&w, &cfg).unwrap();
    let at0: Vec<usize> = (0..r.tasks.gid.len())
        .filter(|&i| r.tasks.start[i] == 0.0)
        .map(|i| r.tasks.gid[i] as usize)
        .collect();
    assert_eq!(at0.iter().filter(|&&j| j == 0).count(), 2);
    assert_eq!(at0.iter().filter(|&&j| j == 1).count(), 2);
    // capacities never exceeded
    let mut ev: Vec<(f64, i32, usize)> = Vec::new();
    for i in 0..r.tasks.gid.len() {
        ev.push((r.tasks.start[i], 1, r.tasks.gid[i] as usize));
        ev.push((r.tasks.end[i], -1, r.tasks.gid[i] as usize));
    }
    ev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut cpu, mut mem) = (0.0, 0.0);
    for (_, d, j) in ev {
        cpu += d as f64 * w.stage_cpu[j];
        mem += d as f64 * w.stage_mem[j];
        assert!(cpu <= 4.0 + 1e-9 && mem <= 8.0 + 1e-9);
    }
    let mut big = w.clone();
    big.stage_mem = vec![9.0, 0.0];
    assert!(simulate(&big, &cfg).is_err());
}

/// FIFO is "job id, then stage": job 0 = stage 0 (one 2-s task) then stage 1 (two 1-s
/// tasks); job 1 = two 3-s tasks; both at t=0 on 2 cores. At t=2 job 0's second stage gets
/// the free core before job 1's waiting task; job 0 ends at 4, job 1 at 6.
#[test]
fn fifo_orders_by_job_then_stage() {
    let mut w = workload(&[(0, 0.0, 0.0), (0, 0.0, 0.0)]);
    w.job_stages = vec![0, 2, 3];
    w.task_offsets = vec![0, 1, 3, 5];
    w.task_duration = vec![2.0, 1.0, 1.0, 3.0, 3.0];
    let r = simulate(&w, &Config::new(2, Policy::Fifo)).unwrap();
    assert_eq!(r.jobs.finish, vec![4.0, 6.0]);
    assert_eq!(r.jobs.alone, vec![3.0, 3.0]);
}

/// One job of three one-task stages (3, 1, 1 s) on 2 cores: with parents {2: [0, 1]} stages
/// 0 and 1 run together and the job ends at 4; as a chain (no parents given) at 5.
#[test]
fn stage_parents_form_a_dag() {
    let mut w = workload(&[(0, 0.0, 0.0)]);
    w.job_stages = vec![0, 3];
    w.task_offsets = vec![0, 1, 2, 3];
    w.task_duration = vec![3.0, 1.0, 1.0];
    let cfg = Config::new(2, Policy::Fifo);
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![5.0]);
    w.stage_parents = vec![0, 0, 0, 2];
    w.parents = vec![0, 1];
    let r = simulate(&w, &cfg).unwrap();
    assert_eq!((r.jobs.finish[0], r.jobs.alone[0]), (4.0, 4.0));
    w.parents = vec![0, 2]; // a stage cannot wait for itself or a later stage
    match simulate(&w, &cfg) {
        Err(CoreError::InvalidInstance { field, .. }) => assert_eq!(field, "parents"),
        other => panic!("{other:?}"),
    }
}

/// DRF per node: two nodes of (2 cpu, 4 mem). User 0's two 10-s tasks need (1, 3): one per
/// node. User 1's 1-s task needs 2 cpu: it fits on no node until t=10 (ends 11), whereas
/// one pooled node of (4, 8) runs it at once (ends 1).
#[test]
fn drf_places_tasks_on_nodes() {
    let mut w = workload(&[(0, 0.0, 0.0), (1, 0.0, 1.0)]);
    w.task_offsets = vec![0, 2, 3];
    w.task_duration = vec![10.0, 10.0, 1.0];
    w.stage_cpu = vec![1.0, 2.0];
    w.stage_mem = vec![3.0, 0.0];
    let mut cfg = Config::new(4, Policy::Drf);
    cfg.mem_capacity = 8.0;
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![10.0, 1.0]);
    cfg.node_cpu = vec![2.0, 2.0];
    cfg.node_mem = vec![4.0, 4.0];
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![10.0, 11.0]);
    cfg.node_cpu = vec![1.0, 1.0];
    assert!(simulate(&w, &cfg).is_err());
}

/// A random multi-stage workload with jobs in submit order.
fn random_workload(seed: u64, n: usize, users: usize) -> Workload {
    let mut rng = SplitMix64::new(seed);
    let mut w = Workload {
        job_stages: vec![0],
        task_offsets: vec![0],
        ..Default::default()
    };
    let mut t = 0.0;
    for j in 0..n {
        t += (rng.below(100) as f64) / 50.0;
        w.job_user.push(rng.below(users));
        w.job_submit.push(t);
        w.job_after.push(-1);
        w.job_think.push(0.0);
        w.job_class.push(j % 3);
        w.job_noise.push(1.0);
        w.job_tag.push(j as i64);
        for _ in 0..1 + rng.below(3) {
            for _ in 0..1 + rng.below(5) {
                w.task_duration.push(0.25 * (1 + rng.below(12)) as f64);
            }
            w.task_offsets.push(w.task_duration.len());
        }
        w.job_stages.push(w.task_offsets.len() - 1);
    }
    w
}

/// The jobs `lo..hi` of `w` as a workload of their own.
fn slice(w: &Workload, lo: usize, hi: usize) -> Workload {
    let (s0, s1) = (w.job_stages[lo], w.job_stages[hi]);
    let t0 = w.task_offsets[s0];
    Workload {
        job_tag: w.job_tag[lo..hi].to_vec(),
        job_user: w.job_user[lo..hi].to_vec(),
        job_submit: w.job_submit[lo..hi].to_vec(),
        job_after: w.job_after[lo..hi].to_vec(),
        job_think: w.job_think[lo..hi].to_vec(),
        job_class: w.job_class[lo..hi].to_vec(),
        job_noise: w.job_noise[lo..hi].to_vec(),
        job_stages: w.job_stages[lo..=hi].iter().map(|&x| x - s0).collect(),
        task_offsets: w.task_offsets[s0..=s1].iter().map(|&x| x - t0).collect(),
        task_duration: w.task_duration[t0..w.task_offsets[s1]].to_vec(),
        ..Default::default()
    }
}

/// Pushing jobs in pieces and advancing to each piece's last submit gives exactly the
/// one-shot result for every policy, and the engine then holds only unfinished jobs.
#[test]
fn streaming_in_pieces_equals_one_push() {
    for (seed, policy) in [
        Policy::Fifo,
        Policy::Fair,
        Policy::Cfq,
        Policy::Uwfq,
        Policy::Drf,
        Policy::Sjf,
    ]
    .into_iter()
    .enumerate()
    {
        let w = random_workload(seed as u64, 400, 4);
        let mut cfg = Config::new(3, policy);
        cfg.partition = (seed % 2 == 0).then_some(0.5);
        let whole = simulate(&w, &cfg).unwrap();
        let mut eng = Engine::new(cfg.clone()).unwrap();
        for u in 0..4 {
            // FAIR: one pool per user, as `simulate` makes them; the other policies ignore pools
            let pool = if policy == Policy::Fair {
                eng.add_pool("", 1.0, 0.0, true).unwrap()
            } else {
                0
            };
            assert_eq!(eng.add_user(1.0, pool).unwrap(), u);
        }
        let mut finish = vec![f64::NAN; 400];
        let mut peak = 0;
        for lo in (0..400).step_by(37) {
            let hi = (lo + 37).min(400);
            eng.push(&slice(&w, lo, hi)).unwrap();
            eng.advance(w.job_submit[hi - 1], &Budget::unlimited()).unwrap();
            peak = peak.max(eng.live_jobs());
            let f = eng.take_finished();
            for (g, t) in f.gid.iter().zip(f.finish) {
                finish[*g as usize] = t;
            }
        }
        eng.finish(&Budget::unlimited()).unwrap();
        let f = eng.take_finished();
        for (g, t) in f.gid.iter().zip(f.finish) {
            finish[*g as usize] = t;
        }
        assert_eq!(finish, whole.jobs.finish, "{policy:?}");
        assert!(peak < 400, "{policy:?}: the engine kept every job");
        assert_eq!(eng.live_jobs(), 0);
        // jobs may not be pushed into the simulation's past
        let late = slice(&w, 0, 1);
        assert!(eng.push(&late).is_err());
    }
}

/// ~10^6 single-stage tasks for the timing tests (250k jobs of 1..7 tasks, 32 users of
/// skewed activity, load ~0.95 on 64 cores; DRF requests of 1-2 cpu and 0-4 memory, which
/// overload DRF's nodes), in chunks of 10k jobs as `schedkit.fair` streams a trace.
fn bench_chunks() -> Vec<Workload> {
    let (n, cores) = (250_000, 64);
    let mut rng = SplitMix64::new(7);
    let mut w = Workload {
        job_stages: vec![0],
        task_offsets: vec![0],
        ..Default::default()
    };
    let mut t = 0.0;
    for j in 0..n {
        // exponential gaps: 4 core-seconds per job on average
        t += -(1.0 - rng.uniform()).ln() * 4.0 / (0.95 * cores as f64);
        let hot = 1 + rng.below(32); // low user indices submit more
        w.job_user.push(rng.below(hot));
        w.job_submit.push(t);
        w.job_after.push(-1);
        w.job_think.push(0.0);
        w.job_class.push(j % 4);
        w.job_noise.push(1.0);
        w.job_tag.push(j as i64);
        for _ in 0..1 + rng.below(7) {
            w.task_duration.push(0.1 + 1.8 * rng.uniform());
        }
        w.task_offsets.push(w.task_duration.len());
        w.job_stages.push(j + 1);
        w.stage_cpu.push((1 + rng.below(2)) as f64);
        w.stage_mem.push(4.0 * rng.uniform());
    }
    (0..n)
        .step_by(10_000)
        .map(|lo| {
            let hi = (lo + 10_000).min(n);
            let mut c = slice(&w, lo, hi);
            c.stage_cpu = w.stage_cpu[lo..hi].to_vec();
            c.stage_mem = w.stage_mem[lo..hi].to_vec();
            c
        })
        .collect()
}

/// Nanoseconds the calling thread has run on a CPU (Linux; tick resolution on some
/// kernels): unlike wall time, not inflated by other processes competing for the cores.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Times the engine on [`bench_chunks`] (64 cores; DRF: 8 nodes of 8 cpu, 16 memory; one
/// FAIR pool per user, i.e. UJF) and prints the best of 3 runs, wall and on-CPU, with a
/// checksum of the finish times that a behaviour-preserving change must keep.
fn bench(policy: Policy) {
    let chunks = bench_chunks();
    let (mut wall, mut cpu, mut sum) = (f64::INFINITY, f64::INFINITY, 0.0);
    for _ in 0..3 {
        let (t0, c0) = (std::time::Instant::now(), thread_cpu_ns());
        let mut cfg = Config::new(64, policy);
        cfg.node_cpu = vec![8.0; 8];
        cfg.node_mem = vec![16.0; 8];
        let mut eng = Engine::new(cfg).unwrap();
        for u in 0..32 {
            let pool = eng.add_pool(&format!("u{u:02}"), 1.0, 0.0, true).unwrap();
            eng.add_user(1.0 + (u % 3) as f64, pool).unwrap();
        }
        sum = 0.0;
        for c in &chunks {
            eng.push(c).unwrap();
            eng.advance(*c.job_submit.last().unwrap(), &Budget::unlimited())
                .unwrap();
            sum += eng.take_finished().finish.iter().sum::<f64>();
        }
        eng.finish(&Budget::unlimited()).unwrap();
        sum += eng.take_finished().finish.iter().sum::<f64>();
        wall = wall.min(t0.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu = cpu.min((b - a) as f64 * 1e-9);
        }
    }
    println!("{policy:?}: best of 3 wall {wall:.3} s, cpu {cpu:.3} s, checksum {sum}");
}

// Release timings, one policy per test so that each can run alone:
// cargo test --release -p schedkit-core --test fair -- --ignored --nocapture --test-threads=1 bench_

#[test]
#[ignore]
fn bench_fifo() {
    bench(Policy::Fifo);
}

#[test]
#[ignore]
fn bench_ujf() {
    bench(Policy::Fair);
}

#[test]
#[ignore]
fn bench_uwfq() {
    bench(Policy::Uwfq);
}

#[test]
#[ignore]
fn bench_drf() {
    bench(Policy::Drf);
}
