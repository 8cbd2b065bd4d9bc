//! The reference evaluator: laws over generated policies and requests, and
//! worked cases for each deny cause.

use crate::common::{compile_ok, gen};
use agentpol::model::eval::{approved, decide, decide_json};
use agentpol::model::request::parse;
use agentpol::model::Outcome;
use proptest::prelude::*;
use serde_json::{json, Value};

fn env_for<'a>(req: &'a agentpol::model::request::Request) -> agentpol::model::cond::Env<'a> {
    agentpol::model::cond::Env {
        args: &req.args,
        justification: req.context.justification.as_deref(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever is not granted is denied, and so is every malformed request.
    #[test]
    fn default_deny((policy, requests) in gen::case()) {
        let (_, compiled) = compile_ok(&[("gen.agentpol", &policy)]);
        let model = &compiled.model;
        for r in &requests {
            let d = decide_json(model, r);
            let Ok(req) = parse(r) else {
                prop_assert_eq!(d.decision, Outcome::Deny);
                continue;
            };
            let Some(agent) = model.agents.get(&req.agent) else {
                prop_assert_eq!(d.decision, Outcome::Deny);
                continue;
            };
            let granted = model.tools.contains_key(&req.tool)
                && agentpol::model::eval::validate_args(&model.tools[&req.tool], &req.args).is_ok()
                && agent.grants_for(&req.tool).any(|g| g.condition.eval(&env_for(&req)));
            if !granted {
                prop_assert_eq!(d.decision, Outcome::Deny, "not granted but {:?}", d);
            }
            if d.decision != Outcome::Deny {
                // Something allowed it, and no deny rule matched.
                prop_assert!(!agent.denies.iter().any(|x| x.tool == req.tool && x.condition.eval(&env_for(&req))));
            }
        }
    }

    /// An approval gate that fires without its approvals never yields allow,
    /// and neither do grants whose triggers all fire unapproved.
    #[test]
    fn unmet_triggers_never_allow((policy, requests) in gen::case()) {
        let (_, compiled) = compile_ok(&[("gen.agentpol", &policy)]);
        let model = &compiled.model;
        for r in &requests {
            let Ok(req) = parse(r) else { continue };
            let Some(agent) = model.agents.get(&req.agent) else { continue };
            let d = decide(model, &req);
            let env = env_for(&req);
            let gate_pending = agent.gates.iter().any(|g| g.tool == req.tool && g.approval.condition.eval(&env) && !approved(&g.approval, &req));
            let matching: Vec<_> = agent.grants_for(&req.tool).filter(|g| g.condition.eval(&env)).collect();
            let all_grants_pending = !matching.is_empty()
                && matching.iter().all(|g| g.approvals.iter().any(|a| a.condition.eval(&env) && !approved(a, &req)));
            if gate_pending || all_grants_pending {
                prop_assert_ne!(d.decision, Outcome::Allow, "{:?}", d);
            }
        }
    }

    /// Giving exactly the approvals an `approval_required` decision lists
    /// turns it into `allow`: the listed approvals are the whole story.
    #[test]
    fn listed_approvals_suffice((policy, requests) in gen::case()) {
        let (_, compiled) = compile_ok(&[("gen.agentpol", &policy)]);
        for r in &requests {
            let d = decide_json(&compiled.model, r);
            if d.decision != Outcome::ApprovalRequired {
                continue;
            }
            let mut r2 = r.clone();
            let mut given: Vec<Value> = r2["context"]["approvals"].as_array().cloned().unwrap_or_default();
            for a in &d.approvals {
                for i in 0..a.count {
                    given.push(json!({"group": a.group, "approver": format!("approver-{i}")}));
                }
            }
            r2["context"]["approvals"] = Value::Array(given);
            let d2 = decide_json(&compiled.model, &r2);
            prop_assert_eq!(d2.decision, Outcome::Allow, "{:?} then {:?}", d, d2);
        }
    }

    /// Arbitrary JSON never panics and never allows.
    #[test]
    fn arbitrary_json_is_denied(v in arbitrary_json()) {
        let (_, compiled) = compile_ok(&[("gen.agentpol", gen::CATALOG)]);
        prop_assert_eq!(decide_json(&compiled.model, &v).decision, Outcome::Deny);
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z.]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("agent".to_string()),
                    Just("tool".to_string()),
                    Just("args".to_string()),
                    Just("context".to_string()),
                    "[a-z]{1,5}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const PAY: &str = r#"
tool pay.charge {
  arg amount: money(USD)
  arg vendor: string
  arg note?: string
  effects [spend]
  spends amount
  output trusted internal
}
agent buyer {
  justification required
  audit [prompt, tool_call] tamper_evident
  allow pay.charge where amount <= USD 50.00
    approve when amount > USD 0 by group "finance" count 2 reason "any spend"
  deny pay.charge where vendor like "*casino*" reason "gambling"
  limit pay.charge 3 per session
  limit pay.charge 1 per 1h
  budget USD 100.00 per session
  log pay.charge [amount, vendor]
}
"#;

fn pay_request(minor: i64, extra: Value) -> Value {
    let mut r = json!({
        "agent": "buyer",
        "tool": "pay.charge",
        "args": {"amount": {"minor": minor, "currency": "USD"}, "vendor": "acme"},
        "context": {
            "justification": "restock",
            "calls": {"session": 0, "1h": 0},
            "spent": {"minor": 0, "currency": "USD"},
            "approvals": [{"group": "finance", "approver": "ann"}, {"group": "finance", "approver": "bob"}]
        }
    });
    if let (Some(o), Some(e)) = (r.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    r
}

fn reason_of(r: &Value) -> (Outcome, String) {
    let (_, compiled) = compile_ok(&[("pay.agentpol", PAY)]);
    let d = decide_json(&compiled.model, r);
    (d.decision, d.reasons.join("; "))
}

#[test]
fn worked_cases_for_each_cause() {
    let ok = pay_request(1000, json!({}));
    assert_eq!(reason_of(&ok).0, Outcome::Allow);

    let mut one_approver = ok.clone();
    one_approver["context"]["approvals"] =
        json!([{"group": "finance", "approver": "ann"}, {"group": "finance", "approver": "ann"}]);
    let (o, why) = reason_of(&one_approver);
    assert_eq!(
        o,
        Outcome::ApprovalRequired,
        "the same approver twice counts once: {why}"
    );

    let cases: Vec<(Value, &str)> = vec![
        (pay_request(6000, json!({})), "no grant allows"),
        (
            pay_request(1000, json!({"agent": "ghost"})),
            "unknown agent",
        ),
        (
            pay_request(1000, json!({"tool": "pay.refund"})),
            "unknown tool",
        ),
        (pay_request(-5, json!({})), "argument `amount`"),
        (
            pay_request(
                1000,
                json!({"args": {"amount": {"minor": 10, "currency": "EUR"}, "vendor": "x"}}),
            ),
            "argument `amount`",
        ),
        (
            pay_request(
                1000,
                json!({"args": {"amount": {"minor": 10, "currency": "USD"}, "vendor": "x", "to": "y"}}),
            ),
            "no argument `to`",
        ),
        (
            pay_request(
                1000,
                json!({"args": {"amount": {"minor": 10, "currency": "USD"}, "vendor": "x", "note": null}}),
            ),
            "argument `note`",
        ),
        (
            pay_request(
                1000,
                json!({"args": {"amount": {"minor": 10, "currency": "USD"}, "vendor": "big casino"}}),
            ),
            "gambling",
        ),
        (
            pay_request(1000, json!({"extra": 1})),
            "unknown field `extra`",
        ),
    ];
    for (req, expect) in cases {
        let (o, why) = reason_of(&req);
        assert_eq!(o, Outcome::Deny, "{req}");
        assert!(why.contains(expect), "expected `{expect}` in `{why}`");
    }

    let mut no_counter = ok.clone();
    no_counter["context"]["calls"] = json!({"session": 0});
    assert!(reason_of(&no_counter).1.contains("context.calls.1h"));
    let mut at_limit = ok.clone();
    at_limit["context"]["calls"]["session"] = json!(3);
    assert!(reason_of(&at_limit)
        .1
        .contains("limit of 3 calls per session"));
    let mut over_budget = ok.clone();
    over_budget["context"]["spent"]["minor"] = json!(9500);
    assert!(reason_of(&over_budget)
        .1
        .contains("exceed the session budget of USD 100.00"));
    let mut huge_spent = ok.clone();
    huge_spent["context"]["spent"]["minor"] = json!(i64::MAX);
    assert_eq!(
        reason_of(&huge_spent).0,
        Outcome::Deny,
        "no overflow into allow"
    );
    let mut no_justification = ok.clone();
    no_justification["context"]["justification"] = json!("");
    assert!(reason_of(&no_justification).1.contains("justification"));
}

#[test]
fn decisions_name_the_log_fields_and_rules() {
    let (_, compiled) = compile_ok(&[("pay.agentpol", PAY)]);
    let d = decide_json(&compiled.model, &pay_request(1000, json!({})));
    assert_eq!(d.log, ["amount", "prompt", "tool_call", "vendor"]);
    assert!(d.tamper_evident);
    assert_eq!(d.rules, ["buyer/allow/pay.charge/0"]);
}

#[test]
fn resource_attributes_follow_instance_priority() {
    let src = r#"
resource type doc.space { sensitivity internal external false }
resource doc.space "HR" { sensitivity secret }
resource doc.space "HR*" { sensitivity confidential }
resource doc.space "*" { sensitivity public }
tool doc.read { resource doc.space(space) arg space: string effects [read] output trusted internal }
agent reader { allow doc.read where resource.sensitivity <= "confidential" }
"#;
    let (_, compiled) = compile_ok(&[("docs.agentpol", src)]);
    let decide_space = |s: &str| {
        decide_json(
            &compiled.model,
            &json!({"agent": "reader", "tool": "doc.read", "args": {"space": s}}),
        )
        .decision
    };
    assert_eq!(
        decide_space("HR"),
        Outcome::Deny,
        "the exact name wins: secret"
    );
    assert_eq!(
        decide_space("HR-2024"),
        Outcome::Allow,
        "the longer glob wins: confidential"
    );
    assert_eq!(decide_space("eng"), Outcome::Allow, "the catch-all: public");
}

#[test]
fn synthetic_policies_compile_and_their_requests_are_allowed() {
    let org = agentpol::synth::Org::new(5, 40);
    let text = org.policy();
    let (_, compiled) = compile_ok(&[("synth.agentpol", &text)]);
    for a in 0..5 {
        for t in 0..40 {
            let d = decide_json(&compiled.model, &org.request(a, t));
            assert_ne!(d.decision, Outcome::Deny, "{a}/{t}: {:?}", d.reasons);
        }
    }
}

/// The request schema spells currencies as three capital letters; the
/// reference follows it exactly, in arguments and in `context.spent`, and
/// so does the published JSON Schema.
#[test]
fn a_lower_case_currency_is_not_a_currency() {
    let (_, compiled) = compile_ok(&[(
        "p.agentpol",
        r#"
tool pay.send {
  arg amount: money
  effects [spend]
  spends amount
  output trusted internal
}
agent payer {
  budget USD 100.00 per session
  allow pay.send
}
"#,
    )]);
    let request = |arg: &str, spent: &str| {
        json!({
            "agent": "payer", "tool": "pay.send",
            "args": {"amount": {"minor": 100, "currency": arg}},
            "context": {"spent": {"minor": 0, "currency": spent}}
        })
    };
    let ok = decide_json(&compiled.model, &request("USD", "USD"));
    assert_eq!(ok.decision, Outcome::Allow, "{ok:?}");
    for (arg, spent) in [
        ("usd", "USD"),
        ("USD", "usd"),
        ("US", "USD"),
        ("USD", "USDX"),
    ] {
        let r = request(arg, spent);
        let d = decide_json(&compiled.model, &r);
        assert_eq!(d.decision, Outcome::Deny, "{r}");
        assert!(
            !jsonschema::is_valid(&agentpol::model::request::schema(), &r),
            "the schema rejects {r}"
        );
    }
}
