//! Hand-computed cases of the DAG, flow-time and packing batch evaluators, and the DAG
//! evaluators against the list schedulers they share the earliest-finish step with.

use schedkit_core::batch::dag::{list_schedule_makespans, perturbed_makespans};
use schedkit_core::batch::flowtime::order_flow_times;
use schedkit_core::batch::packing::evaluate;
use schedkit_core::dag::generator::{random_dag, DagParams};
use schedkit_core::dag::{schedule, Options, Platform, TaskGraph, ALGORITHMS};
use schedkit_core::flowtime::Jobs;
use schedkit_core::packing::Cluster;
use schedkit_core::util::{names, SplitMix64};
use schedkit_core::{Budget, CoreError};

/// Tasks 0 -> 1 (data 4) and 0 -> 2 (data 1) on two processors, unit bandwidth, no latency.
fn fork(cost: &[f64]) -> (TaskGraph, Platform) {
    let g = TaskGraph::new(3, &[0, 0], &[1, 2], &[4.0, 1.0]).unwrap();
    let p = Platform::uniform(3, 2, cost.to_vec(), 1.0, 0.0).unwrap();
    (g, p)
}

#[test]
fn list_scheduling_by_hand() {
    let (g, p) = fork(&[2.0, 3.0, 3.0, 1.0, 2.0, 2.0]);
    let mut out = vec![0.0; 4];
    list_schedule_makespans(&g, &p, &[0, 1, 2, 0, 2, 1, 1, 0, 2, 0, 0, 2], &mut out).unwrap();
    // Order 0,1,2: 0 on P0 [0,2]; 1 on P0 [2,5] (P1 would wait for data until 6, finish 7);
    // 2 on P1 [3,5] (data 1 arrives at 3). Makespan 5.
    assert_eq!(out[0], 5.0);
    // Order 0,2,1: 2 on P0 [2,4]; 1: P0 [4,7] vs P1 [6,7] -> tie to P0. Makespan 7.
    assert_eq!(out[1], 7.0);
    // Task 1 before its predecessor 0, and a repeated task: flagged, not repaired.
    assert!(out[2].is_nan() && out[3].is_nan());

    // Fixed schedule 0,1 on P0 and 2 on P1, durations doubled in the second sample.
    let mut out = vec![0.0; 2];
    perturbed_makespans(
        &g,
        &p,
        &[0, 0, 1],
        &[0, 1, 2],
        &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
        &mut out,
    )
    .unwrap();
    // Sample 2: 0 [0,4], 1 [4,10], 2 on P1 from 4 + 1 = 5 to 9. Makespan 10.
    assert_eq!(out, vec![5.0, 10.0]);
}

#[test]
fn latency_and_bandwidth_by_hand() {
    // Chain 0 -> 1 with data 6; task 1 is cheaper on P1. Link 0 -> 1: latency 1, bandwidth 2.
    let g = TaskGraph::new(2, &[0], &[1], &[6.0]).unwrap();
    let p = Platform::new(
        2,
        2,
        vec![1.0, 9.0, 9.0, 1.0],
        vec![1.0, 2.0, 2.0, 1.0],
        vec![1.0, 0.0],
    )
    .unwrap();
    let mut out = vec![0.0];
    // 0 on P0 [0,1]; 1 on P1 from 1 + 1 + 6/2 = 5 to 6 (P0 would finish at 10).
    list_schedule_makespans(&g, &p, &[0, 1], &mut out).unwrap();
    assert_eq!(out, vec![6.0]);
    perturbed_makespans(&g, &p, &[0, 1], &[0, 1], &[1.0, 1.0], &mut out).unwrap();
    assert_eq!(out, vec![6.0]);
}

fn invalid(r: Result<(), CoreError>) -> (String, Option<usize>) {
    match r {
        Err(CoreError::InvalidInstance { field, index, .. }) => (field, index),
        other => panic!("expected InvalidInstance, got {other:?}"),
    }
}

#[test]
fn fixed_schedule_arguments_are_named() {
    let (g, p) = fork(&[1.0; 6]);
    let mut out = vec![0.0];
    let ones = [1.0; 3];
    let mut call = |asg: &[i64], ord: &[i64]| invalid(perturbed_makespans(&g, &p, asg, ord, &ones, &mut out));
    assert_eq!(call(&[0, 0], &[0, 1, 2]), ("assignment".into(), None));
    assert_eq!(call(&[0, 2, 0], &[0, 1, 2]), ("assignment".into(), Some(1)));
    assert_eq!(call(&[0, 0, -1], &[0, 1, 2]), ("assignment".into(), Some(2)));
    assert_eq!(call(&[0, 0, 0], &[0, 1]), ("order".into(), None));
    assert_eq!(call(&[0, 0, 0], &[0, 3, 1]), ("order".into(), Some(1)));
    assert_eq!(call(&[0, 0, 0], &[0, 0, 1]), ("order".into(), Some(1)));
    assert_eq!(call(&[0, 0, 0], &[1, 0, 2]), ("order".into(), Some(0)));
    assert!(perturbed_makespans(&g, &p, &[0, 1, 0], &[0, 2, 1], &ones, &mut out).is_ok());
}

#[test]
fn mismatched_graph_and_platform() {
    let (g, _) = fork(&[1.0; 6]);
    let p = Platform::uniform(2, 2, vec![1.0; 4], 1.0, 0.0).unwrap();
    assert_eq!(
        invalid(list_schedule_makespans(&g, &p, &[], &mut [])).0,
        "platform"
    );
}

/// A random layered DAG on q processors with random bandwidths (0.3..3) and latencies (0..1),
/// so transfers round like real data.
fn random_instance(n: usize, q: usize, seed: u64) -> (TaskGraph, Platform) {
    let params = DagParams {
        num_tasks: n,
        num_processors: q,
        alpha: 1.0,
        out_degree: 3,
        ccr: 1.0,
        beta: 1.0,
        mean_cost: 20.0,
    };
    let r = random_dag(&params, seed).unwrap();
    let mut rng = SplitMix64::new(seed ^ 0x5eed);
    let bw = (0..q * q).map(|_| 0.3 + 2.7 * rng.uniform()).collect();
    let lat = (0..q).map(|_| rng.uniform()).collect();
    let g = TaskGraph::new(n, &r.src, &r.dst, &r.data).unwrap();
    (g, Platform::new(n, q, r.cost, bw, lat).unwrap())
}

#[test]
fn dag_evaluators_reproduce_append_only_schedules() {
    // Append-only, a processor runs its tasks in placement order, each at
    // max(processor free, inputs arrived): replaying (proc, order) with unit factors is the
    // schedule, to the bit. HEFT, MCT and random also put every task where it finishes first,
    // which is what list scheduling their order does (ties within 1e-9 aside, which random
    // costs do not produce).
    for (k, &(n, q)) in [(200, 4), (300, 8), (150, 3)].iter().enumerate() {
        let (g, p) = random_instance(n, q, k as u64);
        for name in names(&ALGORITHMS) {
            let opts = Options {
                insertion: false,
                seed: 5,
                sweep: true,
            };
            let s = schedule(&g, &p, name, &opts, &Budget::unlimited()).unwrap();
            let order: Vec<i64> = s.order.iter().map(|&i| i as i64).collect();
            let proc: Vec<i64> = s.proc.iter().map(|&b| b as i64).collect();
            let mut out = vec![0.0];
            perturbed_makespans(&g, &p, &proc, &order, &vec![1.0; n], &mut out).unwrap();
            assert_eq!(out[0], s.makespan, "{name} replayed, n={n} q={q}");
            if ["heft", "mct", "random"].contains(&name) {
                list_schedule_makespans(&g, &p, &order, &mut out).unwrap();
                assert_eq!(out[0], s.makespan, "{name} list-scheduled, n={n} q={q}");
            }
        }
    }
}

#[test]
fn rows_are_independent_of_the_batch() {
    // Many rows go through several rayon chunks with reused scratch: each row's makespan is
    // the one it has alone.
    let (g, p) = random_instance(60, 4, 9);
    let n = g.num_tasks();
    let mut rng = SplitMix64::new(1);
    let levels = g.levels();
    let rows = 500;
    let mut orders = Vec::with_capacity(rows * n);
    for _ in 0..rows {
        let keys: Vec<(usize, u64)> = (0..n).map(|i| (levels[i], rng.next_u64())).collect();
        let mut row: Vec<usize> = (0..n).collect();
        row.sort_by_key(|&i| keys[i]);
        orders.extend(row.iter().map(|&i| i as i64));
    }
    let mut all = vec![0.0; rows];
    list_schedule_makespans(&g, &p, &orders, &mut all).unwrap();
    let factors: Vec<f64> = (0..rows * n).map(|_| 0.5 + rng.uniform()).collect();
    let assignment: Vec<i64> = (0..n).map(|i| (i % 4) as i64).collect();
    let mut perturbed = vec![0.0; rows];
    perturbed_makespans(&g, &p, &assignment, &orders[..n], &factors, &mut perturbed).unwrap();
    for r in [0, 1, 137, rows - 1] {
        let mut one = vec![0.0];
        list_schedule_makespans(&g, &p, &orders[r * n..(r + 1) * n], &mut one).unwrap();
        assert_eq!(one[0], all[r]);
        perturbed_makespans(
            &g,
            &p,
            &assignment,
            &orders[..n],
            &factors[r * n..(r + 1) * n],
            &mut one,
        )
        .unwrap();
        assert_eq!(one[0], perturbed[r]);
    }
}

#[test]
fn flow_time_by_hand() {
    let jobs = Jobs::single(vec![0.0, 1.0], vec![3.0, 1.0], Some(vec![1.0, 2.0])).unwrap();
    let mut out = vec![0.0; 3];
    order_flow_times(&jobs, &[0, 1, 1, 0, 1, 1], &mut out).unwrap();
    // 0 then 1: C = 3, 4 -> 3 + 2*3 = 9. 1 then 0: C = 2, 5 -> 2*1 + 5 = 7. Repeat: NaN.
    assert_eq!(out[..2], [9.0, 7.0]);
    assert!(out[2].is_nan());
    // A job of several operations holds the machine for their sum.
    let split = Jobs::from_lists(vec![0.0, 1.0], &[vec![1.0, 2.0], vec![1.0]], Some(vec![1.0, 2.0])).unwrap();
    let mut out = vec![0.0];
    order_flow_times(&split, &[0, 1], &mut out).unwrap();
    assert_eq!(out, vec![9.0]);
}

#[test]
fn packing_by_hand() {
    let cluster = Cluster::new(
        vec![4, 4],
        vec![4, 4],
        vec![110, 110],
        vec![1, 2, 3],
        vec![1, 1, 1],
        vec![0, 0, 0],
        vec![-1, -1, -1],
    )
    .unwrap();
    let (mut placed, mut frag) = (vec![0; 3], vec![0.0; 3]);
    evaluate(
        &cluster,
        2.0,
        0.0,
        &[0, 0, 1, 0, 1, -1, 1, 1, 1],
        &mut placed,
        &mut frag,
    )
    .unwrap();
    // Row 0: free cpu 1 and 1, F = 2, no probe of 2 fits: FR = 1.
    // Row 1: free 3 and 2: one probe on each -> FR = (5 - 4) / 5.
    // Row 2: node 1 over-full.
    assert_eq!(placed, vec![3, 2, -1]);
    assert_eq!(frag[0], 1.0);
    assert!((frag[1] - 0.2).abs() < 1e-15);
    assert!(frag[2].is_nan());
    let r = evaluate(&cluster, 0.0, 0.0, &[], &mut [], &mut []);
    assert_eq!(invalid(r).0, "probe_cpu");
    let r = evaluate(&cluster, 1.0, f64::NAN, &[], &mut [], &mut []);
    assert_eq!(invalid(r).0, "probe_mem");
}
