//! Malformed inputs: whatever is missing, mistyped or extra, the generated
//! Rego never allows, and decides exactly as the reference (which denies).

use super::{build, Built};
use crate::common::gen;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A policy where the requests below are allowed when well formed.
pub(super) const POLICY: &str = r#"
tool t.call {
  arg name: string
  arg n: int
  arg wait?: duration
  arg flag?: bool
  arg level: enum["low", "high"]
  arg tags?: list<string>
  arg ids?: list<int>
  arg amount: money(USD)
  arg any_money?: money
  effects [spend]
  spends amount
  output trusted internal
}
agent bot {
  audit [prompt]
  budget USD 100.00 per session
  allow t.call
  limit t.call 5 per session
}
"#;

pub(super) fn valid() -> Value {
    json!({
        "agent": "bot",
        "tool": "t.call",
        "args": {
            "name": "x", "n": 3, "wait": 10, "flag": true, "level": "low",
            "tags": ["a"], "ids": [1, 2],
            "amount": {"minor": 100, "currency": "USD"},
            "any_money": {"minor": 5, "currency": "EUR"}
        },
        "context": {
            "approvals": [{"group": "g", "approver": "ann"}],
            "justification": "because",
            "calls": {"session": 1},
            "spent": {"minor": 0, "currency": "USD"}
        }
    })
}

/// Values of every JSON type, including numbers that are not 64-bit
/// integers. Integral floats such as `1.0` are left out: the reference
/// rejects them by their text, which OPA sees but regorus does not (see the
/// backend's documentation).
pub(super) fn junk() -> Vec<Value> {
    let big: Value = serde_json::from_str("9223372036854775808").unwrap();
    let small: Value = serde_json::from_str("-9223372036854775809").unwrap();
    let huge: Value = serde_json::from_str("1e300").unwrap();
    vec![
        Value::Null,
        json!(true),
        json!(false),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(-0.25),
        big,
        small,
        huge,
        json!(""),
        json!("x"),
        json!("USD"),
        json!([]),
        json!([1]),
        json!(["a", null]),
        json!({}),
        json!({"minor": 1, "currency": "USD"}),
        json!({"minor": 1, "currency": "usd"}),
        json!({"minor": 1, "currency": "USD", "x": 1}),
        json!({"group": "g"}),
    ]
}

/// Every path to a node of `v`, in a fixed order.
pub(super) fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(json!(k));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(json!(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn node<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |cur, step| match step {
        Value::String(k) => &mut cur[k.as_str()],
        _ => &mut cur[step.as_u64().unwrap() as usize],
    })
}

#[derive(Debug, Clone)]
pub(super) enum Mutation {
    Remove,
    Replace(Value),
    AddField(String, Value),
}

/// Applies a mutation at `path`; `None` when it does not apply there.
pub(super) fn mutate(v: &Value, path: &[Value], m: &Mutation) -> Option<Value> {
    let mut out = v.clone();
    match m {
        Mutation::Replace(j) => *node(&mut out, path) = j.clone(),
        Mutation::Remove => {
            let (last, parent) = path.split_last()?;
            match (node(&mut out, parent), last) {
                (Value::Object(o), Value::String(k)) => {
                    o.remove(k.as_str());
                }
                (Value::Array(a), Value::Number(i)) => {
                    a.remove(i.as_u64()? as usize);
                }
                _ => return None,
            }
        }
        Mutation::AddField(k, j) => match node(&mut out, path) {
            Value::Object(o) if !o.contains_key(k) => {
                o.insert(k.clone(), j.clone());
            }
            _ => return None,
        },
    }
    Some(out)
}

fn assert_not_allowed_and_agrees(built: &mut Built, request: &Value) {
    if let Err(e) = built.check(request) {
        panic!("{e}");
    }
    let d = built.rego(request);
    if built.reference(request)["decision"] != "allow" {
        assert_ne!(d["decision"], "allow", "{request}");
    }
}

/// Systematically: every field removed, every node replaced by every junk
/// value, an unknown field added to every object.
#[test]
fn every_single_defect_is_decided_as_the_reference() {
    let mut built = build(POLICY);
    let base = valid();
    assert_eq!(built.rego(&base)["decision"], "allow");
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    let mut denied = 0;
    let mut mutations = vec![
        Mutation::Remove,
        Mutation::AddField("extra".into(), json!(1)),
    ];
    mutations.extend(junk().into_iter().map(Mutation::Replace));
    for path in &all {
        for m in &mutations {
            let Some(request) = mutate(&base, path, m) else {
                continue;
            };
            assert_not_allowed_and_agrees(&mut built, &request);
            if built.reference(&request)["decision"] == "deny" {
                denied += 1;
            }
        }
    }
    // Most defects are fatal; the rest replace an optional value by a valid one.
    assert!(denied > 500, "only {denied} mutations denied");
}

#[test]
fn non_object_inputs_are_denied() {
    let mut built = build(POLICY);
    for input in junk()
        .into_iter()
        .chain([json!([valid()]), json!("{\"agent\": \"bot\"}")])
    {
        let d = built.rego(&input);
        assert_eq!(d["decision"], "deny", "{input}");
        built.check(&input).unwrap();
    }
}

/// OPA evaluates with no input at all when a caller forgets it.
#[test]
fn missing_input_is_denied() {
    let mut built = build(POLICY);
    let mut engine = built.engine.clone();
    let d = engine
        .eval_rule(agentpol::backend::rego::QUERY.into())
        .unwrap();
    let d: Value = serde_json::from_str(&d.to_json_str().unwrap()).unwrap();
    assert_eq!(d["decision"], "deny");
    assert_eq!(
        d["reasons"][0],
        "invalid request: the request must be a JSON object"
    );
    // and the engine still answers for a real request afterwards
    assert_eq!(built.rego(&valid())["decision"], "allow");
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Remove),
        prop::sample::select(junk()).prop_map(Mutation::Replace),
        (
            prop::sample::select(vec!["extra", "minor", "group", "session", "agent", "args"]),
            prop::sample::select(junk())
        )
            .prop_map(|(k, v)| Mutation::AddField(k.to_string(), v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random policies, random requests, one to three random defects each.
    #[test]
    fn mutated_requests_are_decided_as_the_reference(
        (policy, requests) in gen::case(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
    ) {
        let mut built = build(&policy);
        for request in &requests {
            let mut r = request.clone();
            for (at, m) in &edits {
                let mut all = Vec::new();
                paths(&r, &mut Vec::new(), &mut all);
                if let Some(next) = mutate(&r, at.get(all.as_slice()).as_slice(), m) {
                    r = next;
                }
            }
            if let Err(e) = built.check(&r) {
                prop_assert!(false, "{}\n{}", policy, e);
            }
        }
    }
}
