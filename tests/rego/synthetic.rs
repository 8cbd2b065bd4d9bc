//! The benchmark's synthetic policies: the generated Rego and the
//! hand-written one both decide them as the reference does, so the
//! benchmark compares policies of the same meaning.

#[path = "../../benches/decision/synthetic.rs"]
mod family;

use super::build;
use serde_json::{json, Value};

/// The bench requests plus variations (approved, denied target, limit
/// reached, unknown agent) so every branch of the hand-written policy runs.
fn requests(grants: usize) -> Vec<Value> {
    let mut out = family::requests(grants);
    let base = out[0].clone();
    let mut approved = out[1].clone();
    approved["context"]["approvals"] = json!([{"group": "leads", "approver": "ann"}]);
    out.push(approved);
    for (path, value) in [
        (&["args", "target"][..], json!("forbidden")),
        (&["tool"][..], json!("s.t0")),
        (&["tool"][..], json!("s.t1")),
        (&["agent"][..], json!("nobody")),
        (&["args", "n"][..], json!(1000)),
        (&["args", "extra"][..], json!(1)),
        (&["context", "calls", "session"][..], json!(100)),
        (&["context", "calls"][..], json!({})),
    ] {
        let mut r = base.clone();
        let mut node = &mut r;
        for step in &path[..path.len() - 1] {
            node = &mut node[*step];
        }
        node[path[path.len() - 1]] = value;
        out.push(r);
    }
    let mut both = out.last().unwrap().clone();
    both["tool"] = json!("s.t1");
    out.push(both);
    out
}

#[test]
fn generated_and_handwritten_agree_with_the_reference() {
    for grants in [1, 10, 37, 100] {
        let mut built = build(&family::policy(grants));
        let mut hand = regorus::Engine::new();
        hand.add_policy("handwritten.rego".into(), family::HANDWRITTEN.into())
            .unwrap();
        hand.add_data(
            regorus::Value::from_json_str(&family::handwritten_data(grants).to_string()).unwrap(),
        )
        .unwrap();
        let mut outcomes = std::collections::BTreeSet::new();
        for r in requests(grants) {
            built
                .check(&r)
                .unwrap_or_else(|e| panic!("{grants} grants: {e}"));
            let reference = built.reference(&r);
            hand.set_input(regorus::Value::from_json_str(&r.to_string()).unwrap());
            let h = hand.eval_rule("data.handwritten.decision".into()).unwrap();
            let h: Value = serde_json::from_str(&h.to_json_str().unwrap()).unwrap();
            if let Err(e) = super::agree(&h, &reference) {
                panic!("hand-written, {grants} grants: {e}\n{r}\n{h}\n{reference}");
            }
            outcomes.insert(reference["decision"].as_str().unwrap().to_string());
        }
        assert_eq!(outcomes.len(), 3, "{grants} grants: {outcomes:?}");
    }
}

/// The generator is deterministic and sized as asked.
#[test]
fn synthetic_policies_have_the_requested_grants() {
    for grants in [1, 10, 25, 1000] {
        assert_eq!(family::policy(grants), family::policy(grants));
        let (_, compiled) = agentpol::compile_str(&[("s.agentpol", &family::policy(grants))]);
        assert!(!compiled.has_errors());
        let n: usize = compiled.model.agents.values().map(|a| a.grants.len()).sum();
        assert_eq!(n, grants);
    }
}
