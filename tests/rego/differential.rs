//! Random policies and requests: the generated Rego, run by regorus, decides
//! exactly as the reference evaluator.

use super::build;
use crate::common::gen;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// On disagreement proptest shrinks the policy and the request list, and
    /// the failure shows the policy and the first request that disagrees.
    #[test]
    fn generated_rego_decides_as_the_reference((policy, requests) in gen::case()) {
        let mut built = build(&policy);
        for request in &requests {
            if let Err(e) = built.check(request) {
                prop_assert!(false, "{}\n{}", policy, e);
            }
        }
    }
}

/// The generator reaches every outcome, so the law above is not tested on
/// denials alone; and the approval groups the Rego asks for are checked on
/// enough approval-required decisions to mean something.
#[test]
fn differential_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let (policy, requests) = gen::case().new_tree(&mut runner).unwrap().current();
        let mut built = build(&policy);
        for r in &requests {
            built.check(r).unwrap_or_else(|e| panic!("{policy}\n{e}"));
            let d = built.rego(r);
            *counts
                .entry(d["decision"].as_str().unwrap_or_default().to_string())
                .or_insert(0usize) += 1;
        }
    }
    for outcome in ["allow", "deny", "approval_required"] {
        assert!(
            counts.get(outcome).copied().unwrap_or(0) >= 25,
            "{outcome} too rare: {counts:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The generated `policy_test.rego` passes in regorus for random policies
    /// (its expectations come from the reference evaluator).
    #[test]
    fn generated_unit_tests_pass(policy in gen::policy()) {
        let mut built = build(&policy);
        prop_assert!(built.run_generated_tests() >= 2);
    }
}
