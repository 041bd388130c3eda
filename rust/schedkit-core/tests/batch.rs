//! Hand-computed cases of the DAG, flow-time and packing batch evaluators.

use schedkit_core::batch::dag::{list_schedule_makespans, perturbed_makespans, DagPlatform};
use schedkit_core::batch::flowtime::order_flow_times;
use schedkit_core::batch::packing::{evaluate, PackingInstance};

/// Tasks 0 -> 1 (data 4) and 0 -> 2 (data 1) on two processors, unit bandwidth, no latency.
fn fork<'a>(cost: &'a [f64], bw: &'a [f64], lat: &'a [f64]) -> DagPlatform<'a> {
    DagPlatform {
        cost,
        n: 3,
        q: 2,
        pred_ptr: &[0, 0, 1, 2],
        pred_idx: &[0, 0],
        pred_data: &[4.0, 1.0],
        bandwidth: bw,
        latency: lat,
    }
}

#[test]
fn list_scheduling_by_hand() {
    let cost = [2.0, 3.0, 3.0, 1.0, 2.0, 2.0];
    let g = fork(&cost, &[1.0; 4], &[0.0; 2]);
    let mut out = vec![0.0; 3];
    list_schedule_makespans(&g, &[0, 1, 2, 0, 2, 1, 1, 0, 2], &mut out).unwrap();
    // Order 0,1,2: 0 on P0 [0,2]; 1 on P0 [2,5] (P1 would wait for data until 6, finish 7);
    // 2 on P1 [3,5] (data 1 arrives at 3). Makespan 5.
    assert_eq!(out[0], 5.0);
    // Order 0,2,1: 2 on P0 [2,4]; 1: P0 [4,7] vs P1 [6,7] -> tie to P0. Makespan 7.
    assert_eq!(out[1], 7.0);
    // Task 1 before its predecessor 0: flagged, not repaired.
    assert!(out[2].is_nan());

    // Fixed schedule 0,1 on P0 and 2 on P1, durations doubled in the second sample.
    let mut out = vec![0.0; 2];
    perturbed_makespans(
        &g,
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
fn flow_time_by_hand() {
    let mut out = vec![0.0; 2];
    order_flow_times(&[0.0, 1.0], &[3.0, 1.0], &[1.0, 2.0], &[0, 1, 1, 0], &mut out).unwrap();
    // 0 then 1: C = 3, 4 -> 3 + 2*3 = 9. 1 then 0: C = 2, 5 -> 2*1 + 5 = 7.
    assert_eq!(out, vec![9.0, 7.0]);
}

#[test]
fn packing_by_hand() {
    let inst = PackingInstance {
        node_cpu: &[4.0, 4.0],
        node_mem: &[4.0, 4.0],
        pod_cpu: &[1.0, 2.0, 3.0],
        pod_mem: &[1.0, 1.0, 1.0],
        probe_cpu: 2.0,
        probe_mem: 0.0,
    };
    let (mut placed, mut frag) = (vec![0; 3], vec![0.0; 3]);
    evaluate(&inst, &[0, 0, 1, 0, 1, -1, 1, 1, 1], &mut placed, &mut frag).unwrap();
    // Row 0: free cpu 1 and 1, F = 2, no probe of 2 fits: FR = 1.
    // Row 1: free 3 and 2: one probe on each -> FR = (5 - 4) / 5.
    // Row 2: node 1 over-full.
    assert_eq!(placed, vec![3, 2, -1]);
    assert_eq!(frag[0], 1.0);
    assert!((frag[1] - 0.2).abs() < 1e-15);
    assert!(frag[2].is_nan());
}
