//! The name registries: every name of every table parses (or runs) and stands for what its
//! entry says, names are unique, summaries are one line, and an unknown name is an error that
//! lists the table.

use std::collections::HashSet;

use schedkit_core::batch::single_machine::{evaluate_sequences, Objective, OBJECTIVES};
use schedkit_core::dag::{online, schedule, Options, Platform, TaskGraph, ALGORITHMS};
use schedkit_core::flowtime::{self, Info, Jobs, Params, Policy, Value, POLICIES};
use schedkit_core::packing::heuristics::{self, HeuristicOptions};
use schedkit_core::packing::{kube, Cluster};
use schedkit_core::tardiness::Instance;
use schedkit_core::util::{lookup, names, Entry};
use schedkit_core::{Budget, CoreError};

fn check_table<T>(table: &[Entry<T>]) {
    let unique: HashSet<&str> = names(table).into_iter().collect();
    assert_eq!(unique.len(), table.len(), "repeated name in {:?}", names(table));
    for e in table {
        assert!(
            !e.name.is_empty() && !e.name.contains(char::is_whitespace),
            "{:?}",
            e.name
        );
        assert!(
            !e.summary.is_empty() && !e.summary.contains('\n'),
            "{}: {:?}",
            e.name,
            e.summary
        );
    }
    match lookup(table, "no-such-name", "field", "thing") {
        Err(CoreError::InvalidInstance { field, message, .. }) => {
            assert_eq!(field, "field");
            assert!(message.contains(&names(table).join(", ")), "{message}");
        }
        other => panic!("expected an error, got {:?}", other.map(|e| e.name)),
    }
}

#[test]
fn dag_algorithms_run_by_name() {
    check_table(&ALGORITHMS);
    let g = TaskGraph::new(4, &[0, 0, 1, 2], &[1, 2, 3, 3], &[10.0, 1.0, 1.0, 1.0]).unwrap();
    let p = Platform::uniform(4, 2, vec![2.0, 100.0, 100.0, 3.0, 100.0, 2.0, 1.0, 1.0], 1.0, 0.0).unwrap();
    for e in &ALGORITHMS {
        for insertion in [true, false] {
            let opts = Options {
                insertion,
                ..Options::default()
            };
            let by_name = schedule(&g, &p, e.name, &opts, &Budget::unlimited()).unwrap();
            assert_eq!(
                by_name,
                (e.item.run)(&g, &p, &opts, &Budget::unlimited()).unwrap()
            );
            assert_eq!(by_name.proc.len(), 4, "{}", e.name);
        }
    }
    // The classic rules append; the rest insert.
    let appending: Vec<&str> = ALGORITHMS
        .iter()
        .filter(|e| !e.item.insertion)
        .map(|e| e.name)
        .collect();
    assert_eq!(appending, ["mct", "met"]);
    assert!(schedule(&g, &p, "HEFT", &Options::default(), &Budget::unlimited()).is_err());
}

#[test]
fn dag_online_policies_run_by_name() {
    check_table(&online::POLICIES);
    let g = TaskGraph::new(4, &[0, 2], &[1, 3], &[1.0, 1.0]).unwrap();
    let p = Platform::uniform(4, 2, vec![1.0; 8], 1.0, 0.0).unwrap();
    for name in names(&online::POLICIES).into_iter().chain(["nope"]) {
        let out = online::simulate(
            &g,
            &p,
            &[0, 2, 4],
            &[0.0, 1.0],
            name,
            None,
            true,
            &Budget::unlimited(),
        );
        assert_eq!(out.is_ok(), name != "nope", "{name}");
    }
}

fn with(key: &str, value: Value) -> Params {
    let mut p = Params::default();
    p.set(key, value).unwrap();
    p
}

#[test]
fn flowtime_policies_parse_by_name_with_the_registry_defaults() {
    check_table(&POLICIES);
    let jobs = Jobs::single(vec![0.0, 0.0, 1.0], vec![2.0, 1.0, 3.0], None).unwrap();
    let jobs = jobs.with_estimate(vec![2.0, 2.0, 2.0]).unwrap();
    let mut keys = HashSet::new();
    for e in &POLICIES {
        let spec = &e.item;
        let policy = Policy::parse(e.name, &Params::default()).unwrap();
        assert_eq!(policy.name(), e.name);
        assert_eq!(policy.info(), spec.info, "{}", e.name);
        let opts = flowtime::Options::default();
        assert!(
            flowtime::simulate(&jobs, &policy, &opts, &Budget::unlimited())
                .unwrap()
                .finished
        );
        for &(key, default) in spec.params {
            keys.insert(key);
            // Giving a parameter its registry default changes nothing: parse takes its
            // defaults from the registry.
            assert_eq!(
                Policy::parse(e.name, &with(key, default)).unwrap(),
                policy,
                "{}:{key}",
                e.name
            );
            assert_eq!(spec.default(key), Some(default));
        }
        for other in POLICIES.iter().flat_map(|o| o.item.params) {
            if spec.default(other.0).is_none() {
                let err = Policy::parse(e.name, &with(other.0, other.1)).unwrap_err();
                assert!(matches!(err, CoreError::InvalidInstance { ref field, .. } if field == other.0));
            }
        }
    }
    // Every parameter of Params is some policy's, and every class has a policy.
    assert_eq!(keys.len(), 7);
    let classes: HashSet<&str> = POLICIES.iter().map(|e| e.item.info.name()).collect();
    assert_eq!(classes.len(), 4);
    assert!(classes.iter().all(|c| Info::from_name(c).is_some()));
    // Parameter values keep their types.
    assert!(Params::default().set("beta", Value::Bool(true)).is_err());
    assert!(Params::default().set("nope", Value::Float(1.0)).is_err());
    // A given value is validated.
    assert!(Policy::parse("laps", &with("beta", Value::Float(2.0))).is_err());
    assert!(Policy::parse("sprpt", &with("variant", Value::Str("nope"))).is_err());
}

#[test]
fn packing_methods_run_by_name() {
    check_table(&heuristics::METHODS);
    check_table(&kube::METHODS);
    let c = Cluster::new(
        vec![1000, 1000],
        vec![10, 10],
        vec![110, 110],
        vec![400, 400, 800],
        vec![1, 1, 1],
        vec![1, 1, 1],
        vec![0, 1, -1],
    )
    .unwrap();
    for name in names(&heuristics::METHODS) {
        let a = heuristics::place(&c, name, &HeuristicOptions::default(), &Budget::unlimited()).unwrap();
        assert_eq!(a.len(), 3, "{name}");
    }
    assert!(heuristics::place(&c, "kube", &HeuristicOptions::default(), &Budget::unlimited()).is_err());
    let preempting: Vec<bool> = kube::METHODS.iter().map(|e| e.item.preemption).collect();
    assert_eq!(preempting, [true, false]);
    let all: HashSet<&str> = names(&heuristics::METHODS)
        .into_iter()
        .chain(names(&kube::METHODS))
        .collect();
    assert_eq!(all.len(), heuristics::METHODS.len() + kube::METHODS.len());
}

#[test]
fn batch_objectives_parse_by_name() {
    check_table(&OBJECTIVES);
    let inst = Instance::new(vec![2.0, 1.0], vec![1.0, 1.0], Some(vec![1.0, 3.0])).unwrap();
    for e in &OBJECTIVES {
        assert_eq!(Objective::parse(e.name).unwrap(), e.item);
        let mut out = [0.0];
        evaluate_sequences(&inst, &[0, 1], e.item, &mut out).unwrap();
        assert!(out[0].is_finite(), "{}", e.name);
    }
    assert!(Objective::parse("makespan").is_err());
}

#[test]
fn fair_policies_and_estimates_parse_by_name() {
    use schedkit_core::fair::{self, Estimate, Policy};
    check_table(&fair::POLICIES);
    check_table(&fair::ESTIMATES);
    for e in &fair::POLICIES {
        assert_eq!(Policy::parse(e.name).unwrap(), e.item);
    }
    for e in &fair::ESTIMATES {
        assert_eq!(Estimate::parse(e.name).unwrap(), e.item);
    }
    // every policy runs by name, and "ujf" is its own policy, not an alias of "fair"
    let items: HashSet<String> = fair::POLICIES.iter().map(|e| format!("{:?}", e.item)).collect();
    assert_eq!(items.len(), fair::POLICIES.len());
    for e in &fair::POLICIES {
        fair::Engine::new(fair::Config::new(2, e.item)).unwrap();
    }
}
