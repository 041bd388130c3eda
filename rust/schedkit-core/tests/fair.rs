//! Hand-computed cases for the fair simulator.

use schedkit_core::fair::{
    uwfq_trace, Config, Engine, Estimate, Finished, Nodes, Policy, PoolSpec, TaskRows, UserPool, Workload,
};
use schedkit_core::util::SplitMix64;
use schedkit_core::{Budget, CoreError, CoreResult};

/// A whole run: the jobs in push order (the workload's) and the task records.
#[derive(Debug)]
struct Run {
    jobs: Finished,
    tasks: TaskRows,
}

/// The name of user `u` in these tests (zero-padded, so names sort as the indices do).
fn user(u: usize) -> String {
    format!("u{u:05}")
}

/// Runs a whole workload on the engine (push everything, then finish) with users
/// 0..=max(job_user) added by name, so the configuration's rules apply (weight 1 unless
/// `cfg.weights` says otherwise; UJF: a pool per user).
fn simulate(w: &Workload, cfg: &Config) -> CoreResult<Run> {
    let mut eng = Engine::new(cfg.clone())?;
    for u in 0..w.job_user.iter().max().map_or(1, |&u| u + 1) {
        assert_eq!(eng.add_user(&user(u))?, u);
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
        task_offsets: (0..=n).collect(),
        task_duration: jobs.iter().map(|j| j.2).collect(),
        ..Default::default()
    }
}

fn run(w: &Workload, policy: Policy, cores: i64) -> Vec<f64> {
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
    let ujf = run(&w, Policy::Ujf, 1);
    assert_eq!(ujf[4], 20.0);
    // FAIR without pools puts everyone in the default pool, FIFO inside: FIFO in effect
    assert_eq!(run(&w, Policy::Fair, 1), fifo);
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

/// One core, one user, three single-task jobs at t=0 of 3, 1 and 2 s; the first starts at
/// once. Told their work, CFQ and UWFQ then run the 1-s job (finish 4), then the 2-s one
/// (6). Told estimates 1, 3 and 2 core-s instead, they run the third job (estimate 2) before
/// the second (estimate 3): finishes 3, 6, 5, while the tasks still take their durations and
/// the oracle SJF keeps the true order. An estimate equal to the work changes nothing.
#[test]
fn given_estimates_reorder_cfq_and_uwfq_not_sjf() {
    let mut w = workload(&[(0, 0.0, 3.0), (0, 0.0, 1.0), (0, 0.0, 2.0)]);
    for p in [Policy::Cfq, Policy::Uwfq] {
        assert_eq!(run(&w, p, 1), vec![3.0, 4.0, 6.0]);
    }
    w.job_estimate = vec![1.0, 3.0, 2.0];
    for p in [Policy::Cfq, Policy::Uwfq] {
        let r = simulate(&w, &Config::new(1, p)).unwrap();
        assert_eq!(r.jobs.finish, vec![3.0, 6.0, 5.0]);
        assert_eq!(r.jobs.estimate, vec![1.0, 3.0, 2.0]);
        assert_eq!(r.jobs.work, vec![3.0, 1.0, 2.0]);
    }
    assert_eq!(run(&w, Policy::Sjf, 1), vec![3.0, 4.0, 6.0]);
    w.job_estimate = vec![3.0, 1.0, 2.0];
    for p in [Policy::Cfq, Policy::Uwfq] {
        assert_eq!(run(&w, p, 1), vec![3.0, 4.0, 6.0]);
    }
}

/// A given estimate must be finite and > 0, one per job; the error names the job; historic
/// estimates refuse it (they would ignore it).
#[test]
fn given_estimates_are_checked() {
    let mut w = workload(&[(0, 0.0, 3.0), (0, 0.0, 1.0)]);
    w.job_tag = vec![10, 11];
    for (bad, idx) in [
        (vec![1.0, 0.0], Some(1)),
        (vec![f64::NAN, 1.0], Some(0)),
        (vec![1.0], None),
    ] {
        w.job_estimate = bad;
        match simulate(&w, &Config::new(1, Policy::Cfq)) {
            Err(CoreError::InvalidInstance {
                field,
                index,
                message,
            }) => {
                assert_eq!(field, "estimate");
                assert_eq!(index, idx);
                if let Some(i) = idx {
                    assert!(message.contains(&format!("job {}", 10 + i)), "{message}");
                }
            }
            other => panic!("expected an estimate error, got {other:?}"),
        }
    }
    w.job_estimate = vec![1.0, 2.0];
    let mut cfg = Config::new(1, Policy::Cfq);
    cfg.estimate = Estimate::Historic;
    assert!(
        matches!(simulate(&w, &cfg), Err(CoreError::InvalidInstance { field, .. }) if field == "estimate")
    );
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

/// The field (and index) of a settings error.
fn config_error(cfg: &Config) -> (String, Option<usize>) {
    match Engine::new(cfg.clone()) {
        Err(CoreError::InvalidInstance { field, index, .. }) => (field, index),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("{cfg:?} was accepted"),
    }
}

/// Every setting is checked by `Config::validate` (the one place), only where it is used,
/// and the error names the field and the index within a list.
#[test]
fn config_errors_name_the_field_and_index() {
    let base = |policy| Config::new(4, policy);
    for cores in [0, -3] {
        assert_eq!(
            config_error(&Config::new(cores, Policy::Fifo)),
            ("cores".into(), None)
        );
    }
    match Policy::parse("lottery") {
        Err(CoreError::InvalidInstance { field, message, .. }) => {
            assert_eq!(field, "policy");
            assert!(
                message.contains("fifo, fair, ujf, cfq, uwfq, drf, sjf"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(Estimate::parse("psychic"), Err(CoreError::InvalidInstance { field, .. }) if field == "estimate")
    );
    let mut c = base(Policy::Fifo);
    c.partition = Some(0.0);
    assert_eq!(config_error(&c), ("tau".into(), None));
    let mut c = base(Policy::Uwfq);
    c.grace = f64::INFINITY;
    assert_eq!(config_error(&c), ("grace".into(), None));
    let mut c = base(Policy::Uwfq);
    c.noise = -1.0;
    Engine::new(c.clone()).unwrap(); // only noisy estimates use the noise
    c.estimate = Estimate::Noisy;
    assert_eq!(config_error(&c), ("noise".into(), None));
    let mut c = base(Policy::Uwfq);
    c.weights = vec![("a".into(), 2.0), ("b".into(), 0.0)];
    assert_eq!(config_error(&c), ("weights".into(), Some(1)));
    let mut c = base(Policy::Fair);
    c.pool_config = vec![("p".into(), PoolSpec::given(1.0, -1.0, None))];
    assert_eq!(config_error(&c), ("pool_config".into(), Some(0)));
    let mut c = base(Policy::Fair);
    c.pools = vec![
        ("a".into(), UserPool::Named("p".into())),
        ("b".into(), UserPool::Own(PoolSpec::given(f64::NAN, 0.0, None))),
    ];
    assert_eq!(config_error(&c), ("pools".into(), Some(1)));
    c.policy = Policy::Uwfq; // pools only matter under FAIR
    Engine::new(c).unwrap();
    let mut c = base(Policy::Drf);
    c.memory = 0.0;
    assert_eq!(config_error(&c), ("memory".into(), None));
    for (nodes, index) in [
        (Nodes::Equal(0), None),
        (Nodes::Given(Vec::new()), None),
        (Nodes::Given(vec![(1.0, 1.0), (0.0, 1.0)]), Some(1)),
        (Nodes::Equal(1 << 20), None),
    ] {
        let mut c = base(Policy::Drf);
        c.nodes = nodes;
        assert_eq!(config_error(&c), ("nodes".into(), index));
        c.policy = Policy::Fifo; // nodes only matter under DRF
        Engine::new(c).unwrap();
    }
    assert!(
        matches!(uwfq_trace(0, &[], &[], &[], &[], 0.0), Err(CoreError::InvalidInstance { field, .. }) if field == "cores")
    );
    assert!(
        matches!(uwfq_trace(1, &[0.0], &[1], &[1.0], &[1.0], 0.0), Err(CoreError::InvalidInstance { field, index: Some(0), .. }) if field == "users")
    );
}

/// Noisy estimates: the engine draws exp(noise * Z) per job in push order from its seeded
/// generator, so a run repeats exactly, the seed changes it, the chunking does not, noise 0
/// is the oracle, and ln(estimate / work) is N(0, noise^2).
#[test]
fn noisy_estimates_are_seeded_log_normal_factors() {
    let w = random_workload(11, 4000, 4);
    let mut cfg = Config::new(8, Policy::Uwfq);
    cfg.estimate = Estimate::Noisy;
    cfg.noise = 0.5;
    cfg.seed = 3;
    let a = simulate(&w, &cfg).unwrap().jobs;
    assert_eq!(a.estimate, simulate(&w, &cfg).unwrap().jobs.estimate);
    let logs: Vec<f64> = a
        .estimate
        .iter()
        .zip(&a.work)
        .map(|(e, w)| (e / w).ln())
        .collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    // 4000 draws: the mean's standard error is 0.008, the sd's about 0.006
    assert!(mean.abs() < 0.04, "mean {mean}");
    assert!((sd - 0.5).abs() < 0.03, "sd {sd}");
    // pushed in pieces, the jobs get the same factors
    let mut eng = Engine::new(cfg.clone()).unwrap();
    for u in 0..4 {
        eng.add_user(&user(u)).unwrap();
    }
    let mut est = vec![f64::NAN; w.n_jobs()];
    for lo in (0..w.n_jobs()).step_by(333) {
        eng.push(&slice(&w, lo, (lo + 333).min(w.n_jobs()))).unwrap();
    }
    eng.finish(&Budget::unlimited()).unwrap();
    let f = eng.take_finished();
    for (g, e) in f.gid.iter().zip(f.estimate) {
        est[*g as usize] = e;
    }
    assert_eq!(est, a.estimate);
    cfg.seed = 4;
    assert_ne!(simulate(&w, &cfg).unwrap().jobs.estimate, a.estimate);
    cfg.noise = 0.0;
    let exact = simulate(&w, &cfg).unwrap().jobs;
    assert_eq!(exact.estimate, exact.work);
}

/// UWFQ's grace is given in seconds; the engine uses grace * cores / 2 virtual units. Four
/// cores. User 0's job of four 0.25-s tasks at t=0 ends, really and virtually (V=1), at
/// t=0.25. User 1 (forty
/// 1-s tasks, t=0.5) fills the cores until 1.5; user 2 (four 0.3-s tasks, t=0.6) gets the
/// deadline V(0.6) + 1.2 = 2.6. User 0 returns at t=1 with a 1-s job when V = 2.2, 1.2
/// virtual units (0.6 s at 4 cores) after its chain ended. Within the grace it keeps its
/// chain start, deadline 2 < 2.6, and takes a core at 1.5 (ends 2.5); after it, the deadline
/// is 3.2 and user 2's four tasks go first (ends 2.8).
#[test]
fn uwfq_grace_is_in_seconds() {
    let mut w = workload(&[(0, 0.0, 0.0), (1, 0.5, 0.0), (2, 0.6, 0.0), (0, 1.0, 0.0)]);
    w.task_offsets = vec![0, 4, 44, 48, 49];
    w.task_duration = [vec![0.25; 4], vec![1.0; 40], vec![0.3; 4], vec![1.0]].concat();
    let v = uwfq_trace(
        4,
        &w.job_submit,
        &[0, 1, 2, 0],
        &[1.0, 40.0, 1.2, 1.0],
        &[1.0; 3],
        -1e300,
    )
    .unwrap();
    assert!(
        (v.v[3] - 2.2).abs() < 1e-12 && (v.deadline[2] - 2.6).abs() < 1e-12,
        "{v:?}"
    );
    let mut cfg = Config::new(4, Policy::Uwfq);
    for (grace, finish) in [(0.65, 2.5), (0.55, 2.8), (0.0, 2.8), (3.0, 2.5)] {
        cfg.grace = grace;
        let f = simulate(&w, &cfg).unwrap().jobs.finish;
        assert!((f[3] - finish).abs() < 1e-9, "grace {grace}: {f:?}");
    }
}

/// FAIR pools by configuration: users without a pool share `default` (FIFO inside), a
/// named pool is made with Spark's defaults unless configured, a user's own settings make a
/// pool of its own; UJF makes a pool per user. Two users, one 10-task job each, 2 cores.
#[test]
fn fair_pools_follow_the_configuration() {
    let w = Workload {
        job_user: vec![0, 1],
        job_submit: vec![0.0, 0.0],
        job_after: vec![-1, -1],
        job_think: vec![0.0; 2],
        job_class: vec![0; 2],
        task_offsets: vec![0, 10, 20],
        task_duration: vec![1.0; 20],
        ..Default::default()
    };
    let fifo = simulate(&w, &Config::new(2, Policy::Fifo)).unwrap().jobs.finish;
    let ujf = simulate(&w, &Config::new(2, Policy::Ujf)).unwrap().jobs.finish;
    assert_eq!((fifo.clone(), ujf.clone()), (vec![5.0, 10.0], vec![9.0, 10.0]));
    let mut cfg = Config::new(2, Policy::Fair);
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, fifo);
    // both users in one named pool: FIFO inside (Spark's default mode)
    cfg.pools = vec![
        (user(0), UserPool::Named("p".into())),
        (user(1), UserPool::Named("p".into())),
    ];
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, fifo);
    // ... unless configured FAIR inside: the stages share by running tasks, as UJF's pools
    cfg.pool_config = vec![("p".into(), PoolSpec::given(1.0, 0.0, None))];
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, ujf);
    // a pool each: the pools share the cores, as UJF
    cfg.pools = vec![
        (user(0), UserPool::Own(PoolSpec::given(1.0, 0.0, None))),
        (user(1), UserPool::Own(PoolSpec::given(1.0, 0.0, Some(false)))),
    ];
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, ujf);
    // user 1's pool with minShare 2 is needy first: it takes both freed cores
    cfg.pools[1].1 = UserPool::Own(PoolSpec::given(1.0, 2.0, None));
    let needy = simulate(&w, &cfg).unwrap().jobs.finish;
    assert!(needy[1] < ujf[1], "{needy:?}");
}

/// Tie ranks (`job_tie`) break ties inside a pool FAIR inside in place of submission order.
/// One user, one core: a 1-s job at t=0, then three 1-s jobs at t=0.5 ranked 2, 0, 1. At t=1
/// the three tie (no task running), so UJF (the user's pool is FAIR inside) runs them by rank:
/// finishes 1, 4, 2, 3, where without ranks (or with equal ones) they go in submission order,
/// 1, 2, 3, 4. FAIR's default pool, FIFO inside, ignores the ranks; configured FAIR inside it
/// follows them. A rank below 0, or one rank too few, is an error naming `job_tie` (and the
/// job).
#[test]
fn tie_ranks_break_fair_inside_ties() {
    let mut w = workload(&[(0, 0.0, 1.0), (0, 0.5, 1.0), (0, 0.5, 1.0), (0, 0.5, 1.0)]);
    let plain = vec![1.0, 2.0, 3.0, 4.0];
    assert_eq!(run(&w, Policy::Ujf, 1), plain);
    w.job_tie = vec![7, 7, 7, 7];
    assert_eq!(run(&w, Policy::Ujf, 1), plain);
    w.job_tie = vec![9, 2, 0, 1];
    assert_eq!(run(&w, Policy::Ujf, 1), vec![1.0, 4.0, 2.0, 3.0]);
    assert_eq!(run(&w, Policy::Fair, 1), plain);
    let mut cfg = Config::new(1, Policy::Fair);
    cfg.pool_config = vec![("default".into(), PoolSpec::given(1.0, 0.0, None))];
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![1.0, 4.0, 2.0, 3.0]);
    w.job_tag = vec![10, 11, 12, 13];
    for (bad, idx) in [(vec![0, 0, -1, 0], Some(2)), (vec![0, 0, 0], None)] {
        w.job_tie = bad;
        match simulate(&w, &Config::new(1, Policy::Ujf)) {
            Err(CoreError::InvalidInstance {
                field,
                index,
                message,
            }) => {
                assert_eq!((field.as_str(), index), ("job_tie", idx), "{message}");
                if idx.is_some() {
                    assert!(message.contains("job 12"), "{message}");
                }
            }
            other => panic!("expected a job_tie error, got {other:?}"),
        }
    }
}

/// Parents name stages by the caller's ids when `stage_id` is given; the core resolves and
/// checks them (ids increasing, parent an earlier stage of the job), naming job and stage.
#[test]
fn parents_by_stage_id() {
    // one job of stages 10 (3 s), 20 (1 s), 30 (1 s); 30 waits for 10 and 20: 4 s on 2 cores
    let mut w = workload(&[(0, 0.0, 0.0)]);
    w.job_tag = vec![7];
    w.job_stages = vec![0, 3];
    w.task_offsets = vec![0, 1, 2, 3];
    w.task_duration = vec![3.0, 1.0, 1.0];
    w.stage_id = vec![10, 20, 30];
    w.stage_parents = vec![0, 0, 0, 2];
    w.parents = vec![10, 20];
    let cfg = Config::new(2, Policy::Fifo);
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![4.0]);
    for (parents, ids) in [
        (vec![10, 25], vec![10, 20, 30]),
        (vec![10, 30], vec![10, 20, 30]),
        (vec![10, 20], vec![10, 30, 20]),
    ] {
        w.parents = parents;
        w.stage_id = ids;
        match simulate(&w, &cfg) {
            Err(CoreError::InvalidInstance { field, message, .. }) => {
                assert!(field == "parents" || field == "stage", "{field}");
                assert!(message.contains("job 7"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    // a single-stage job has no earlier stage to name
    let mut one = workload(&[(0, 0.0, 1.0)]);
    one.stage_parents = vec![0, 1];
    one.parents = vec![0];
    assert!(simulate(&one, &cfg).is_err());
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
        task_offsets: vec![0, 10, 20],
        task_duration: vec![1.0; 20],
        ..Default::default()
    };
    assert_eq!(run(&w, Policy::Fifo, 2), vec![5.0, 10.0]);
    assert_eq!(run(&w, Policy::Ujf, 2), vec![9.0, 10.0]);
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
    cfg.memory = 8.0;
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
    cfg.memory = 8.0;
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![10.0, 1.0]);
    cfg.nodes = Nodes::Given(vec![(2.0, 4.0), (2.0, 4.0)]);
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![10.0, 11.0]);
    // two equal nodes sharing the 4 cpus and 8 memory are the same two nodes
    cfg.nodes = Nodes::Equal(2);
    assert_eq!(cfg.drf_nodes(), vec![(2.0, 4.0), (2.0, 4.0)]);
    assert_eq!(simulate(&w, &cfg).unwrap().jobs.finish, vec![10.0, 11.0]);
    cfg.nodes = Nodes::Given(vec![(1.0, 4.0), (1.0, 4.0)]);
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
        Policy::Ujf,
        Policy::Cfq,
        Policy::Uwfq,
        Policy::Drf,
        Policy::Sjf,
        Policy::Fair,
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
            assert_eq!(eng.add_user(&user(u)).unwrap(), u);
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
/// FAIR pool per user, i.e. UJF, made here so the pools keep their weights) and prints the best of 3 runs, wall and on-CPU, with a
/// checksum of the finish times that a behaviour-preserving change must keep.
fn bench(policy: Policy) {
    let chunks = bench_chunks();
    let (mut wall, mut cpu, mut sum) = (f64::INFINITY, f64::INFINITY, 0.0);
    for _ in 0..3 {
        let (t0, c0) = (std::time::Instant::now(), thread_cpu_ns());
        let mut cfg = Config::new(64, policy);
        cfg.nodes = Nodes::Given(vec![(8.0, 16.0); 8]);
        let mut eng = Engine::new(cfg).unwrap();
        for u in 0..32 {
            let name = format!("u{u:02}");
            let pool = eng.add_pool(&name, 1.0, 0.0, true).unwrap();
            eng.add_user_to(1.0 + (u % 3) as f64, pool, &name).unwrap();
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
    bench(Policy::Ujf);
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
