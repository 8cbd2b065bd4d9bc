//! Laws between the SMT layer and the reference evaluator, over random
//! policies and requests (`common::gen`):
//! - soundness of proofs: when `decide` allows a request given no approvals,
//!   the solver must not have answered "unsatisfiable" for `free` (allowed
//!   without approval) of that agent and tool; when it does not deny, not
//!   for `permitted`. An unsat answer is what a check reports as "safe".
//! - truth of witnesses: a satisfiable answer's assignment, made into a
//!   request, is decided as claimed (allow for `free`, not deny for
//!   `permitted`).

use crate::common::gen;
use agentpol::analysis::facts;
use agentpol::analysis::smt::{Answer, Limits, Query, Smt};
use agentpol::analysis::witness::{request, State};
use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn solver_answers_agree_with_the_reference_evaluator((policy, requests) in gen::case()) {
        let (_, compiled) = crate::common::compile_ok(&[("gen.agentpol", &policy)]);
        let model = &compiled.model;
        agentpol::analysis::smt::with_fresh_context(|| {
            let mut smt = Smt::new(Limits::default());
            for agent in model.agents.values() {
                for tool in model.tools.values() {
                    let free = smt.check(&Query::one(tool, facts::free(agent, tool)));
                    let permitted = smt.check(&Query::one(tool, facts::permitted(agent, tool)));
                    assert!(!matches!(free, Answer::Unknown(_)) && !matches!(permitted, Answer::Unknown(_)));
                    // Witnesses are real.
                    if let Answer::Sat(a) = &free {
                        let r = request(agent, tool, &a[0], State::default());
                        assert_eq!(decide_json(model, &r).decision, Outcome::Allow, "{policy}\n{r}");
                    }
                    if let Answer::Sat(a) = &permitted {
                        let r = request(agent, tool, &a[0], State::default());
                        assert_ne!(decide_json(model, &r).decision, Outcome::Deny, "{policy}\n{r}");
                    }
                    // Proofs are sound.
                    for r in &requests {
                        if r["agent"] != agent.name.as_str() || r["tool"] != tool.name.as_str() {
                            continue;
                        }
                        let approvals = r["context"]["approvals"].as_array().is_some_and(|a| !a.is_empty());
                        let d = decide_json(model, r).decision;
                        if d == Outcome::Allow && !approvals {
                            assert!(free.is_sat(), "free proved impossible, but allowed:\n{policy}\n{r}");
                        }
                        if d != Outcome::Deny {
                            assert!(permitted.is_sat(), "permitted proved impossible, but not denied:\n{policy}\n{r}");
                        }
                    }
                }
            }
        });
    }
}

/// The law above has teeth only if the generator produces proofs that some
/// request could contradict: count them over a deterministic run.
#[test]
fn the_generator_exercises_unsat_proofs() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut proofs, mut allowed) = (0, 0);
    for _ in 0..150 {
        let (policy, requests) = gen::case().new_tree(&mut runner).unwrap().current();
        let (_, compiled) = crate::common::compile_ok(&[("gen.agentpol", &policy)]);
        let model = &compiled.model;
        agentpol::analysis::smt::with_fresh_context(|| {
            let mut smt = Smt::new(Limits::default());
            for r in &requests {
                let (Some(agent), Some(tool)) = (
                    r["agent"].as_str().and_then(|a| model.agents.get(a)),
                    r["tool"].as_str().and_then(|t| model.tools.get(t)),
                ) else {
                    continue;
                };
                if decide_json(model, r).decision == Outcome::Allow {
                    allowed += 1;
                }
                if smt.check(&Query::one(tool, facts::free(agent, tool))) == Answer::Unsat {
                    proofs += 1;
                }
            }
        });
    }
    assert!(
        proofs >= 50 && allowed >= 50,
        "proofs {proofs}, allowed {allowed}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The whole analyzer on random policies: no panic, every question
    /// decided, every witness call decided as recorded.
    #[test]
    fn every_finding_on_random_policies_has_a_confirmed_witness((policy, _) in gen::case()) {
        let (sources, compiled) = crate::common::compile_ok(&[("gen.agentpol", &policy)]);
        let diags = agentpol::analyze(&sources, &compiled).diagnostics;
        for d in &diags {
            prop_assert!(d.code.as_str() != "AP302" && d.code.as_str() != "AP301", "{}\n{}", policy, d.message);
            for (request, recorded) in super::witness_calls(d) {
                prop_assert_eq!(decide_json(&compiled.model, &request).decision.as_str(), recorded.as_str());
            }
        }
    }
}

/// Found by the random-policy law: a grant that matches only calls without
/// a justification, in an agent that requires one, never applies (AP207).
/// Its witness must be such a call, sent without a justification and
/// denied — not the default justification a witness otherwise gets, which
/// would take it out of the grant and into another one that allows it.
#[test]
fn a_grant_for_unjustified_calls_has_a_witness_without_justification() {
    let policy = r#"
resource type t.room { sensitivity internal external false }
tool t.post {
  resource t.room(room)
  arg room: string
  arg text: string
  effects [communicate, write]
  output trusted internal
}
agent a2 {
  audit [prompt, tool_call]
  justification required
  allow t.post where not (has context.justification)
  allow t.post
    approve always by group "g2" count 2
}
"#;
    let (sources, compiled) = crate::common::compile_ok(&[("p.agentpol", policy)]);
    let diags = agentpol::analyze(&sources, &compiled).diagnostics;
    assert!(
        diags.iter().all(|d| d.code.as_str() != "AP302"),
        "{diags:#?}"
    );
    let shadowed = diags
        .iter()
        .find(|d| d.code.as_str() == "AP207")
        .expect("the first grant is reported as never applying");
    let calls = super::witness_calls(shadowed);
    assert_eq!(calls.len(), 1);
    let (request, recorded) = &calls[0];
    assert_eq!(recorded, "deny");
    assert!(
        request["context"].get("justification").is_none(),
        "{request}"
    );
    assert_eq!(
        decide_json(&compiled.model, request).decision.as_str(),
        "deny"
    );
}
