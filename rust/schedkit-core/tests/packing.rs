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
    assert_eq!(kube::fit_score(&Scoring::LeastAllocated, &[1, 1], &req, &alloc), 31);
    assert_eq!(kube::fit_score(&Scoring::MostAllocated, &[1, 1], &req, &alloc), 68);
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
    assert_eq!(kube::fit_score(&Scoring::LeastAllocated, &[3, 1], &req, &alloc), 28);
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
    assert!((vmr::fragment_rate(&c, &c.pod_node, 16) - 0.5).abs() < 1e-12);
    let (a, moves) = vmr::greedy(&c, 16, 3, &[]).unwrap();
    assert_eq!(moves, vec![(2, 1, 0)]);
    assert_eq!(vmr::fragment_rate(&c, &a, 16), 0.0);
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
