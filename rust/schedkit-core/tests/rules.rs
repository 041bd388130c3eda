//! Core tests of the constructive rules, local search and the single-machine batch evaluator.

use proptest::prelude::*;
use schedkit_core::batch::single_machine::{evaluate_sequences, Objective};
use schedkit_core::tardiness::local_search::{improve, Neighbourhood};
use schedkit_core::tardiness::solve::{solve, Options, METHODS};
use schedkit_core::tardiness::{check_permutation, rules, Instance};
use schedkit_core::{Budget, CoreError};

fn inst(p: &[f64], d: &[f64]) -> Instance {
    Instance::new(p.to_vec(), d.to_vec(), None).unwrap()
}

#[test]
fn paper_six_job_example() {
    // Çetinkaya et al., arXiv:2510.24013: MDDC (3,5,2,0,1,4) = 141 (optimal), MDD (1,0,2,3,5,4) = 144.
    let i = inst(&[10., 11., 10., 10., 11., 10.], &[15., 11., 13., 11., 12., 11.]);
    assert_eq!(rules::mddc(&i), vec![3, 5, 2, 0, 1, 4]);
    assert_eq!(i.objective(&rules::mddc(&i)), 141.0);
    assert_eq!(rules::mdd(&i), vec![1, 0, 2, 3, 5, 4]);
    assert_eq!(i.objective(&rules::mdd(&i)), 144.0);
    assert_eq!(rules::eddc(&i), vec![3, 5, 2, 0, 1, 4]);
    assert_eq!(rules::psk(&i), vec![3, 5, 2, 0, 1, 4]);
}

#[test]
fn invalid_instances_name_field_and_index() {
    let e = Instance::new(vec![1.0, 0.0], vec![1.0, 1.0], None).unwrap_err();
    assert_eq!(
        e,
        CoreError::invalid("p", Some(1), "must be finite and > 0, got 0")
    );
    let e = Instance::new(vec![1.0], vec![f64::NAN], None).unwrap_err();
    assert!(matches!(e, CoreError::InvalidInstance { ref field, index: Some(0), .. } if field == "d"));
    let e = Instance::new(vec![1.0], vec![1.0], Some(vec![-1.0])).unwrap_err();
    assert!(matches!(e, CoreError::InvalidInstance { ref field, index: Some(0), .. } if field == "w"));
    assert!(Instance::new(vec![1.0], vec![], None).is_err());
}

#[test]
fn batch_names_first_bad_row() {
    let i = inst(&[1., 2., 3.], &[0., 0., 0.]);
    let perms = [0, 1, 2, 2, 1, 0, 0, 0, 1, 3, 1, 0];
    let mut out = vec![0.0; 4];
    let e = evaluate_sequences(&i, &perms, Objective::TotalTardiness, &mut out).unwrap_err();
    assert!(matches!(e, CoreError::InvalidInstance { index: Some(2), .. }));
    let mut out = vec![0.0; 2];
    evaluate_sequences(&i, &perms[..6], Objective::TotalCompletionTime, &mut out).unwrap();
    assert_eq!(out, vec![1. + 3. + 6., 3. + 5. + 6.]);
}

fn instances() -> impl Strategy<Value = Instance> {
    (0usize..9).prop_flat_map(|n| {
        (
            proptest::collection::vec(1u32..50, n),
            proptest::collection::vec(-20i32..150, n),
            proptest::collection::vec(0u32..5, n),
            any::<bool>(),
        )
            .prop_map(|(p, d, w, weighted)| {
                let p = p.into_iter().map(f64::from).collect();
                let d = d.into_iter().map(f64::from).collect();
                let w = weighted.then(|| w.into_iter().map(f64::from).collect());
                Instance::new(p, d, w).unwrap()
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_method_returns_a_permutation_with_its_objective(i in instances()) {
        for m in METHODS {
            let out = solve(&i, m, &Options::default(), &Budget::new(Some(5.0), None));
            // `exact` may be unavailable for some weightings only through a documented error.
            let Ok(out) = out else { continue };
            prop_assert!(check_permutation(&out.solution.sequence, i.len(), "seq").is_ok(), "{m}");
            prop_assert_eq!(out.solution.objective, i.objective(&out.solution.sequence));
        }
    }

    #[test]
    fn local_search_never_worsens(i in instances()) {
        for how in [Neighbourhood::Api, Neighbourhood::Insertion, Neighbourhood::Both] {
            let mut s = rules::edd(&i);
            let before = i.objective(&s);
            improve(&i, &mut s, how, &Budget::unlimited()).unwrap();
            prop_assert!(check_permutation(&s, i.len(), "seq").is_ok());
            prop_assert!(i.objective(&s) <= before);
        }
    }
}
