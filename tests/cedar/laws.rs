//! Laws over generated policies and requests.

use super::agrees;
use super::harness::build;
use crate::common::gen;
use agentpol::backend::{generate, Input, Target};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The generated Cedar, strictly validated and run by cedar-policy
    /// through the documented mapping, decides every request like `decide`.
    #[test]
    fn cedar_decides_like_the_reference((policy, requests) in gen::case()) {
        let b = build(&[("gen.agentpol", &policy)]);
        for r in &requests {
            if let Err(e) = agrees(&b, r) {
                prop_assert!(false, "{e}\nrequest: {r}\npolicy:\n{policy}\ncedar:\n{}", b.files["policies.cedar"]);
            }
        }
    }

    /// Same model, same bytes.
    #[test]
    fn generation_is_deterministic(policy in gen::policy()) {
        let run = || {
            let (sources, compiled) = crate::common::compile_ok(&[("gen.agentpol", &policy)]);
            generate(Target::Cedar, &Input { model: &compiled.model, sources: &sources, set_name: "gen" }).artifacts
        };
        let first = run();
        prop_assert!(!first.is_empty());
        prop_assert_eq!(first, run());
    }
}

/// The differential law is only as strong as its requests: over a fixed
/// sample, Cedar must agree on thousands of requests that reach all three
/// outcomes, approvals included.
#[test]
fn differential_sample_reaches_every_outcome() {
    use agentpol::model::Outcome;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..300 {
        let (policy, requests) = gen::case().new_tree(&mut runner).unwrap().current();
        let b = build(&[("gen.agentpol", &policy)]);
        for r in &requests {
            if let Err(e) = agrees(&b, r) {
                panic!("{e}\nrequest: {r}\npolicy:\n{policy}");
            }
            let d = agentpol::model::eval::decide_json(&b.model, r);
            *counts.entry(d.decision).or_insert(0usize) += 1;
        }
    }
    eprintln!("{counts:?}");
    for outcome in [Outcome::Allow, Outcome::Deny, Outcome::ApprovalRequired] {
        assert!(
            counts.get(&outcome).copied().unwrap_or(0) >= 100,
            "{outcome:?} too rare: {counts:?}"
        );
    }
}
