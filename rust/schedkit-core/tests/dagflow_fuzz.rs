//! Hostile-input property tests of every core entry point of dag, flowtime and batch (the ones
//! the bindings call): each random instance, built from values that break arithmetic (0,
//! denormals, 1e300, f64::MAX, infinities, NaN, huge counts), must give either an error or a
//! result of finite numbers; nothing may panic (overflow checks are on in tests too).
//!
//! Plain loops over `SplitMix64` seeds keep them fast and reproducible: a failure prints the
//! seed.

use schedkit_core::batch::dag::{list_schedule_makespans, perturbed_makespans};
use schedkit_core::batch::flowtime::order_flow_times;
use schedkit_core::dag::generator::{random_dag, DagParams};
use schedkit_core::dag::{online, schedule, Options as DagOptions, Platform, TaskGraph, ALGORITHMS};
use schedkit_core::flowtime::{lower_bound, simulate, Jobs, Options, Params, Policy, POLICIES};
use schedkit_core::util::{names, SplitMix64};
use schedkit_core::Budget;

const CASES: u64 = 300;

/// A value that is often ordinary and sometimes hostile.
fn value(rng: &mut SplitMix64) -> f64 {
    const HOSTILE: [f64; 12] = [
        0.0,
        -0.0,
        -1.0,
        5e-324,
        1e-300,
        1e150,
        1e300,
        1.7e308,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    if rng.below(4) == 0 {
        HOSTILE[rng.below(HOSTILE.len())]
    } else {
        rng.uniform() * 10.0
    }
}

fn values(rng: &mut SplitMix64, n: usize) -> Vec<f64> {
    (0..n).map(|_| value(rng)).collect()
}

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// A random graph (maybe with bad ids, cycles, hostile data) and platform (hostile costs,
/// bandwidths, latencies); either may fail to build.
fn hostile_dag(rng: &mut SplitMix64) -> Option<(TaskGraph, Platform)> {
    let n = rng.below(8);
    let q = 1 + rng.below(3);
    let e = rng.below(2 * n + 1);
    let id = |rng: &mut SplitMix64| -> i64 {
        if rng.below(20) == 0 {
            [-1, i64::MAX, i64::MIN, n as i64][rng.below(4)]
        } else {
            rng.below(n.max(1)) as i64
        }
    };
    // Mostly forward edges (a DAG), sometimes anything.
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    for _ in 0..e {
        let (a, b) = (id(rng), id(rng));
        if rng.below(10) == 0 || a < b {
            src.push(a);
            dst.push(b);
        }
    }
    let data = values(rng, src.len());
    let g = TaskGraph::new(n, &src, &dst, &data).ok()?;
    let p = Platform::new(n, q, values(rng, n * q), values(rng, q * q), values(rng, q)).ok()?;
    Some((g, p))
}

#[test]
fn dag_algorithms_return_errors_or_finite_schedules() {
    let mut built = 0;
    for seed in 0..CASES {
        let mut rng = SplitMix64::new(seed);
        let Some((g, p)) = hostile_dag(&mut rng) else {
            continue;
        };
        built += 1;
        for name in names(&ALGORITHMS) {
            let opts = DagOptions {
                insertion: rng.below(2) == 0,
                seed: rng.next_u64(),
                ..DagOptions::default()
            };
            if let Ok(s) = schedule(&g, &p, name, &opts, &Budget::unlimited()) {
                assert!(
                    all_finite(&s.start) && all_finite(&s.finish),
                    "seed {seed} {name}"
                );
                assert!(s.makespan.is_finite(), "seed {seed} {name}");
                for (&u, &v) in g.src().iter().zip(g.dst()) {
                    assert!(s.start[v] >= s.finish[u], "seed {seed} {name}: edge {u}->{v}");
                }
            }
        }
    }
    assert!(
        built > CASES / 10,
        "too few valid instances ({built}) to mean anything"
    );
}

#[test]
fn online_dag_returns_errors_or_finite_times() {
    for seed in 0..CASES {
        let mut rng = SplitMix64::new(seed);
        let Some((g, p)) = hostile_dag(&mut rng) else {
            continue;
        };
        let n = g.num_tasks() as i64;
        // One job of all tasks or two halves, hostile arrivals and factors.
        let job_ptr: Vec<i64> = if rng.below(2) == 0 {
            vec![0, n]
        } else {
            vec![0, n / 2, n]
        };
        let arrival = values(&mut rng, job_ptr.len() - 1);
        let factors = values(&mut rng, n as usize);
        for policy in names(&online::POLICIES) {
            let f = if rng.below(2) == 0 {
                Some(&factors[..])
            } else {
                None
            };
            if let Ok(o) = online::simulate(&g, &p, &job_ptr, &arrival, policy, f, true, &Budget::unlimited())
            {
                assert!(
                    all_finite(&o.actual_start) && all_finite(&o.actual_finish),
                    "seed {seed}"
                );
                assert!(all_finite(&o.planned.finish), "seed {seed}");
            }
        }
    }
}

#[test]
fn random_dag_parameters_never_panic() {
    for seed in 0..CASES {
        let mut rng = SplitMix64::new(seed);
        let params = DagParams {
            num_tasks: rng.below(60),
            num_processors: [0, 1, 3][rng.below(3)],
            alpha: value(&mut rng),
            out_degree: [0, 1, 3, usize::MAX / 2, usize::MAX][rng.below(5)],
            ccr: value(&mut rng),
            beta: value(&mut rng),
            mean_cost: value(&mut rng),
        };
        if let Ok(r) = random_dag(&params, rng.next_u64()) {
            assert!(all_finite(&r.cost) && all_finite(&r.data), "seed {seed}");
            assert_eq!(r.cost.len(), params.num_tasks * params.num_processors);
        }
    }
}

#[test]
fn batch_dag_evaluators_return_errors_or_finite_makespans() {
    for seed in 0..CASES {
        let mut rng = SplitMix64::new(seed);
        let Some((g, p)) = hostile_dag(&mut rng) else {
            continue;
        };
        let (n, q) = (g.num_tasks(), p.num_processors());
        let rows = 1 + rng.below(3);
        let mut order: Vec<i64> = (0..n as i64).collect();
        if rng.below(3) == 0 && n > 1 {
            order.swap(0, n - 1); // maybe not topological
        }
        let orders: Vec<i64> = (0..rows).flat_map(|_| order.clone()).collect();
        let mut out = vec![0.0; rows];
        if list_schedule_makespans(&g, &p, &orders, &mut out).is_ok() {
            // NaN flags a row that is not a topological order (documented); never infinity.
            assert!(out.iter().all(|x| !x.is_infinite()), "seed {seed}");
        }
        let assignment: Vec<i64> = (0..n).map(|_| rng.below(q + 1) as i64).collect();
        let factors: Vec<f64> = (0..rows * n).map(|_| 2.0 * rng.uniform()).collect();
        if perturbed_makespans(&g, &p, &assignment, &order, &factors, &mut out).is_ok() {
            assert!(all_finite(&out), "seed {seed}");
        }
    }
}

fn hostile_jobs(rng: &mut SplitMix64) -> Option<Jobs> {
    let n = rng.below(8);
    let mut offsets = vec![0i64];
    let mut sizes = Vec::new();
    for _ in 0..n {
        let k = rng.below(3);
        sizes.extend(values(rng, k));
        offsets.push(sizes.len() as i64);
    }
    if rng.below(20) == 0 && n > 0 {
        offsets[n] += 1; // a bad offset
    }
    let weight = (rng.below(2) == 0).then(|| values(rng, n));
    let estimate = (rng.below(2) == 0).then(|| values(rng, n));
    Jobs::new(values(rng, n), &offsets, sizes, weight, estimate).ok()
}

#[test]
fn flowtime_policies_return_errors_or_finite_completions() {
    let mut built = 0;
    for seed in 0..CASES {
        let mut rng = SplitMix64::new(seed);
        let Some(jobs) = hostile_jobs(&mut rng) else {
            continue;
        };
        built += 1;
        for name in names(&POLICIES) {
            let Ok(policy) = Policy::parse(name, &Params::default()) else {
                continue;
            };
            let opts = Options {
                machines: [1, 2, 3, usize::MAX][rng.below(4)],
                event_log: rng.below(2) == 0,
                ..Options::default()
            };
            let limit = [None, Some(1e308), Some(f64::INFINITY), Some(f64::MAX)][rng.below(4)];
            if let Ok(o) = simulate(&jobs, &policy, &opts, &Budget::new(limit, None)) {
                assert!(o.finished, "seed {seed} {name}");
                assert!(all_finite(&o.completion), "seed {seed} {name}");
                assert!(o.total_flow_time(&jobs).is_finite(), "seed {seed} {name}");
            }
        }
        if let Ok(Some(lb)) = lower_bound(&jobs, 1 + rng.below(3), &Budget::unlimited()) {
            assert!(lb.is_finite(), "seed {seed}");
        }
        let n = jobs.len();
        let order: Vec<i64> = (0..n as i64).rev().collect();
        let mut out = vec![0.0; 1];
        if order_flow_times(&jobs, &order, &mut out).is_ok() {
            assert!(all_finite(&out), "seed {seed}");
        }
    }
    assert!(
        built > CASES / 20,
        "too few valid instances ({built}) to mean anything"
    );
}

#[test]
fn a_zero_time_limit_stops_every_policy_at_once() {
    // All releases at 0: the first event releases every job, and the budget is still read
    // inside it (cost-aware polling), so the run stops unfinished rather than running on.
    let n = 200_000;
    let jobs = Jobs::single(vec![0.0; n], vec![1.0; n], None).unwrap();
    for name in ["srpt", "rr", "setf", "laps"] {
        let policy = Policy::parse(name, &Params::default()).unwrap();
        let opts = Options {
            threads: Some(1),
            ..Options::default()
        };
        let o = simulate(&jobs, &policy, &opts, &Budget::new(Some(0.0), None)).unwrap();
        assert!(!o.finished, "{name}");
        let done = o.completion.iter().filter(|c| c.is_finite()).count();
        assert!(done < 5_000, "{name}: {done} jobs completed after the limit");
    }
}
