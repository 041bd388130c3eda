//! Tests of schedkit_core::packing: kube score arithmetic, preemption, heuristics, capacity.

use proptest::prelude::*;
use schedkit_core::packing::heuristics::{self, HeuristicOptions};
use schedkit_core::packing::kube::{self, KubeOptions, Strategy as Scoring};
use schedkit_core::packing::{vmr, Cluster};
use schedkit_core::util::names;
use schedkit_core::{Budget, CoreError};

const GIB: i64 = 1 << 30;

fn cluster(nodes: &[i64], cpu: &[i64], prio: &[i64], on: &[i64]) -> Cluster {
    let n = nodes.len();
    let m = cpu.len();
    Cluster::new(
        nodes.to_vec(),
        vec![GIB; n],
        vec![110; n],
        cpu.to_vec(),
        vec![1; m],
        prio.to_vec(),
        on.to_vec(),
    )
    .unwrap()
}

#[test]
fn scores_hand_computed() {
    let req = [3000, 5 * GIB];
    let alloc = [4000, 8 * GIB];
    assert_eq!(
        kube::fit_score(&Scoring::LeastAllocated, &[1, 1], &req, &alloc),
        31
    );
    assert_eq!(
        kube::fit_score(&Scoring::MostAllocated, &[1, 1], &req, &alloc),
        68
    );
    assert_eq!(
        kube::fit_score(
            &Scoring::RequestedToCapacityRatio(vec![(0, 10), (100, 0)]),
            &[1, 1],
            &req,
            &alloc
        ),
        32
    );
    assert_eq!(kube::balanced_score(&req, &alloc), 93);
    // Weighted: cpu weight 3 -> (25*3 + 37) / 4 = 28.
    assert_eq!(
        kube::fit_score(&Scoring::LeastAllocated, &[3, 1], &req, &alloc),
        28
    );
    assert_eq!(kube::least_requested(5, 4), 0);
    assert_eq!(kube::most_requested(5, 4), 100);
}

#[test]
fn node_sampling_counts() {
    assert_eq!(kube::num_feasible_nodes_to_find(50, 0), 50);
    assert_eq!(kube::num_feasible_nodes_to_find(1000, 0), 420); // pct = 50 - 8 = 42
    assert_eq!(kube::num_feasible_nodes_to_find(10_000, 0), 500); // pct = max(5, -30) = 5
}

#[test]
fn preemption_exact_victims() {
    let c = cluster(
        &[1000, 1000],
        &[400, 400, 300, 300, 300, 500],
        &[1, 2, 1, 1, 3, 5],
        &[0, 0, 1, 1, 1, -1],
    );
    let out = kube::simulate(&c, &KubeOptions::default(), &Budget::unlimited()).unwrap();
    assert_eq!(out.preemptions, vec![(5, 0, vec![0])]);
    assert_eq!(out.assignment, vec![-1, 0, 1, 1, 1, 0]);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let e = Cluster::new(vec![1], vec![1], vec![1], vec![1, 2], vec![1], vec![0], vec![-1]).unwrap_err();
    assert!(matches!(e, CoreError::InvalidInstance { .. }));
    let e = Cluster::new(vec![1], vec![1], vec![1], vec![1], vec![1], vec![0], vec![4]).unwrap_err();
    assert!(e.to_string().contains("pod_node[0]"));
    let c = cluster(&[1000], &[1], &[0], &[-1]);
    assert!(heuristics::place(&c, "nope", &HeuristicOptions::default(), &Budget::unlimited()).is_err());
    let o = KubeOptions {
        strategy: Scoring::RequestedToCapacityRatio(vec![]),
        ..Default::default()
    };
    assert!(kube::simulate(&c, &o, &Budget::unlimited()).is_err());
    assert!(vmr::greedy(&c, 0, 1, &[]).is_err());
    // totals past i64 (the fragment rate sums free capacity) are refused where they pass
    let e = Cluster::new(
        vec![1 << 62, 1 << 62],
        vec![1; 2],
        vec![1; 2],
        vec![1],
        vec![1],
        vec![0],
        vec![-1],
    );
    assert!(e.unwrap_err().to_string().contains("node_cpu[1]"));
    // the fragment rate checks its probe and assignment rather than clamping or indexing past
    for (probe, a) in [
        (0, vec![-1]),
        (-3, vec![-1]),
        (1, vec![1]),
        (1, vec![-2]),
        (1, vec![]),
    ] {
        assert!(matches!(
            vmr::fragment_rate(&c, &a, probe),
            Err(CoreError::InvalidInstance { .. })
        ));
    }
}

#[test]
fn vmr_greedy_removes_fragments() {
    let c = Cluster::new(
        vec![64, 64],
        vec![1000; 2],
        vec![110; 2],
        vec![44, 48, 4],
        vec![1; 3],
        vec![0; 3],
        vec![0, 1, 1],
    )
    .unwrap();
    assert!((vmr::fragment_rate(&c, &c.pod_node, 16).unwrap() - 0.5).abs() < 1e-12);
    let (a, moves) = vmr::greedy(&c, 16, 3, &[]).unwrap();
    assert_eq!(moves, vec![(2, 1, 0)]);
    assert_eq!(vmr::fragment_rate(&c, &a, 16).unwrap(), 0.0);
}

fn arb_cluster() -> impl proptest::strategy::Strategy<Value = Cluster> {
    (1usize..6, 0usize..14).prop_flat_map(|(n, m)| {
        (
            proptest::collection::vec(0i64..3000, n),
            proptest::collection::vec(0i64..3000, n),
            proptest::collection::vec(0i64..5, n),
            proptest::collection::vec((0i64..1500, 0i64..1500, 0i64..3), m),
        )
            .prop_map(|(nc, nm, np, pods)| {
                let m = pods.len();
                Cluster::new(
                    nc,
                    nm,
                    np,
                    pods.iter().map(|p| p.0).collect(),
                    pods.iter().map(|p| p.1).collect(),
                    pods.iter().map(|p| p.2).collect(),
                    vec![-1; m],
                )
                .unwrap()
            })
    })
}

fn within_capacity(c: &Cluster, a: &[i64]) -> bool {
    let (cpu, mem, cnt) = c.usage(a);
    (0..c.num_nodes()).all(|j| cpu[j] <= c.node_cpu[j] && mem[j] <= c.node_mem[j] && cnt[j] <= c.node_pods[j])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn no_method_exceeds_capacity(c in arb_cluster(), seed in proptest::option::of(0u64..10)) {
        for m in names(&heuristics::METHODS) {
            let a = heuristics::place(&c, m, &HeuristicOptions::default(), &Budget::unlimited()).unwrap();
            prop_assert!(within_capacity(&c, &a), "{m}");
        }
        for strategy in [Scoring::LeastAllocated, Scoring::MostAllocated,
                         Scoring::RequestedToCapacityRatio(vec![(0, 0), (100, 10)])] {
            let o = KubeOptions { strategy, seed, ..Default::default() };
            let out = kube::simulate(&c, &o, &Budget::unlimited()).unwrap();
            prop_assert!(within_capacity(&c, &out.assignment));
        }
    }
}

/// A cluster with every kind of rule: a static class filter (odd nodes fail class 1), an extra
/// resource, hostname anti-affinity among pods of one app, and a DoNotSchedule zone spread.
fn arb_constrained() -> impl Strategy<Value = Cluster> {
    (2usize..6, 1usize..12).prop_flat_map(|(n, m)| {
        (
            proptest::collection::vec(0i64..3, m),
            proptest::collection::vec(0i64..2, m),
            proptest::collection::vec(0i64..4, m),
            proptest::collection::vec(0i64..2, n),
        )
            .prop_map(move |(prio, gpu, rule, gpus)| {
                use schedkit_core::packing::constraints::{Constraints, Term, TermKind};
                let c = Cluster::new(
                    vec![2000; n],
                    vec![GIB; n],
                    vec![4; n],
                    vec![300; m],
                    vec![1 << 20; m],
                    prio,
                    vec![-1; m],
                )
                .unwrap();
                let term = |kind, weight, domain: Vec<i32>| Term {
                    kind,
                    weight,
                    min_domains: 1,
                    domain,
                    eligible: Vec::new(),
                    targets: (0..m).filter(|&i| rule[i] >= 2).collect(),
                    hostname: false,
                    system_default: false,
                    num_domains: 0,
                };
                let k = if rule.contains(&1) { 2 } else { 1 };
                let cons = Constraints {
                    res_names: vec!["gpu".into()],
                    node_res: gpus,
                    pod_res: gpu,
                    pod_class: (0..m).map(|i| (rule[i] == 1) as u32).collect(),
                    class_filter: (0..k * n).map(|x| ((x >= n) && (x % 2 == 1)) as u32).collect(),
                    reasons: vec![("node(s) had untolerated taint {a: b}".into(), 1)],
                    class_taint: vec![0; k * n],
                    class_affinity: vec![0; k * n],
                    terms: vec![
                        term(TermKind::RequiredAnti, 0, (0..n as i32).collect()),
                        term(TermKind::SpreadHard, 1, (0..n as i32).map(|j| j % 2).collect()),
                    ],
                    owned: (0..m)
                        .map(|i| match rule[i] {
                            2 => vec![0],
                            3 => vec![1],
                            _ => vec![],
                        })
                        .collect(),
                    ..Default::default()
                };
                c.with_constraints(cons).unwrap()
            })
    })
}

/// Replays `events` from the cluster's running pods: every placement must pass the filters at
/// that moment, and the replay must end in `a`.
fn replay_ok(c: &Cluster, events: &[(usize, i64)], a: &[i64]) -> bool {
    let mut st = schedkit_core::packing::State::from_assignment(c, c.pod_node.clone());
    for &(i, j) in events {
        if j < 0 {
            st.remove(c, i);
        } else {
            st.remove(c, i);
            if st.filter(c, i, j as usize).is_some() {
                return false;
            }
            st.place(c, i, j as usize);
        }
    }
    st.assignment == a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_entry_point_keeps_the_rules(c in arb_constrained(), seed in proptest::option::of(0u64..10)) {
        for m in names(&heuristics::METHODS) {
            let (a, ev) = heuristics::place_logged(&c, m, &HeuristicOptions::default(), &Budget::unlimited()).unwrap();
            prop_assert!(replay_ok(&c, &ev, &a), "{m}");
        }
        let o = KubeOptions { seed, ..Default::default() };
        let out = kube::simulate(&c, &o, &Budget::unlimited()).unwrap();
        prop_assert!(replay_ok(&c, &out.events, &out.assignment));
        let msgs = kube::pending_messages(&c, &o, &out.assignment, &Budget::unlimited()).unwrap();
        for (i, msg) in msgs.iter().enumerate() {
            prop_assert_eq!(msg.is_empty(), out.assignment[i] >= 0);
        }
        for pod in 0..c.num_pods() {
            let e = kube::explain(&c, &o, &out.assignment, pod, true).unwrap();
            prop_assert_eq!(e.total.len(), c.num_nodes());
        }
    }
}
