//! The generators themselves: every generated policy must compile, so that
//! laws tested over them are tested over real policies.

use crate::common::gen;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn generated_policies_compile((policy, requests) in gen::case()) {
        let (sources, compiled) = agentpol::compile_str(&[("gen.agentpol", &policy)]);
        let text = agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics);
        prop_assert!(!compiled.has_errors(), "{}\n{}", policy, text);
        for r in &requests {
            // decide never panics and always answers
            let d = agentpol::model::eval::decide_json(&compiled.model, r);
            prop_assert!(!d.reasons.is_empty() || d.decision != agentpol::model::Outcome::Deny);
        }
    }
}

/// The generator must reach all three outcomes often, or laws tested over it
/// would be tested mostly on denials.
#[test]
fn generated_requests_reach_every_outcome() {
    use agentpol::model::Outcome;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..300 {
        let (policy, requests) = gen::case().new_tree(&mut runner).unwrap().current();
        let (_, compiled) = crate::common::compile_ok(&[("gen.agentpol", &policy)]);
        for r in &requests {
            *counts
                .entry(agentpol::model::eval::decide_json(&compiled.model, r).decision)
                .or_insert(0usize) += 1;
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
