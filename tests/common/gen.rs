//! proptest generators of random policies and requests, for laws that must
//! hold for every policy (backends agree with `decide`, output is
//! deterministic, nothing panics).
//!
//! A generated policy declares a fixed catalog (every argument type, a
//! resource with instances, a spend tool) and 1–3 agents with random grants,
//! conditions, approval triggers, gates, denies, limits, a budget and the
//! justification flag. Requests are drawn around that policy: mostly
//! well-formed calls with values near the constants the conditions use, plus
//! unknown agents and tools, wrong types, missing and extra arguments.

use proptest::prelude::*;
use serde_json::{json, Value};

pub const CATALOG: &str = r#"
resource type t.room { sensitivity internal external false }
resource t.room "exec-*" { sensitivity confidential }
resource t.room "pub-*" { sensitivity public external true }
resource t.room "pub-secret" { sensitivity secret }

tool t.post {
  resource t.room(room)
  arg room: string
  arg text: string
  arg urgent?: bool
  arg prio: enum["low", "mid", "high"]
  arg tags?: list<string>
  effects [communicate, write]
  output trusted internal
}
tool t.read {
  arg id: int
  arg wait?: duration
  arg who?: string
  effects [read]
  output untrusted confidential
}
tool t.pay {
  arg amount: money(USD)
  arg vendor: string
  effects [spend]
  spends amount
  output trusted internal
}
"#;

pub const TOOLS: [&str; 3] = ["t.post", "t.read", "t.pay"];
pub const AGENTS: [&str; 3] = ["a0", "a1", "a2"];
const ROOMS: [&str; 6] = ["exec-1", "pub-1", "pub-secret", "lobby", "exec-", "pub-x"];
const WORDS: [&str; 4] = ["alpha", "beta", "", "al*"];

/// A condition over one tool's arguments, as policy source text.
fn condition(tool: &'static str, depth: u32) -> BoxedStrategy<String> {
    let leaf = match tool {
        "t.post" => prop_oneof![
            prop::sample::select(ROOMS.to_vec()).prop_map(|r| format!("room == \"{r}\"")),
            prop::sample::select(ROOMS.to_vec()).prop_map(|r| format!("room != \"{r}\"")),
            Just("room like \"exec-*\"".to_string()),
            Just("room like \"*-1\"".to_string()),
            Just("room in [\"lobby\", \"pub-1\"]".to_string()),
            Just("urgent".to_string()),
            Just("has urgent".to_string()),
            Just("urgent == false".to_string()),
            prop::sample::select(vec!["low", "mid", "high"])
                .prop_map(|p| format!("prio == \"{p}\"")),
            Just("prio in [\"mid\", \"high\"]".to_string()),
            Just("tags any [\"x\", \"y\"]".to_string()),
            Just("tags all [\"x\", \"y\"]".to_string()),
            Just("tags contains \"x\"".to_string()),
            Just("resource.external".to_string()),
            Just("resource.sensitivity >= \"confidential\"".to_string()),
            Just("resource.sensitivity == \"public\"".to_string()),
            prop::sample::select(WORDS.to_vec()).prop_map(|w| format!("text like \"{w}*\"")),
            Just("context.justification == \"ok\"".to_string()),
            Just("has context.justification".to_string()),
        ]
        .boxed(),
        "t.read" => prop_oneof![
            (-2i64..6).prop_map(|n| format!("id < {n}")),
            (-2i64..6).prop_map(|n| format!("id >= {n}")),
            (-2i64..6).prop_map(|n| format!("id == {n}")),
            (-2i64..6).prop_map(|n| format!("id != {n}")),
            Just("id in [1, 3]".to_string()),
            (0u64..4).prop_map(|n| format!("wait <= {n}m")),
            Just("wait > 30s".to_string()),
            Just("has who".to_string()),
            prop::sample::select(WORDS.to_vec()).prop_map(|w| format!("who == \"{w}\"")),
        ]
        .boxed(),
        _ => prop_oneof![
            (0i64..300).prop_map(|n| format!("amount <= USD {}.{:02}", n / 100, n % 100)),
            (0i64..300).prop_map(|n| format!("amount > USD {}.{:02}", n / 100, n % 100)),
            Just("amount == USD 0".to_string()),
            Just("amount.minor > 100".to_string()),
            Just("amount.currency == \"USD\"".to_string()),
            prop::sample::select(WORDS.to_vec()).prop_map(|w| format!("vendor == \"{w}\"")),
            Just("vendor like \"a*\"".to_string()),
        ]
        .boxed(),
    };
    if depth == 0 {
        return leaf;
    }
    let sub = condition(tool, depth - 1);
    prop_oneof![
        3 => leaf,
        1 => (sub.clone(), sub.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
        1 => (sub.clone(), sub.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
        1 => sub.prop_map(|a| format!("not ({a})")),
    ]
    .boxed()
}

fn approval(tool: &'static str) -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("always".to_string()),
            condition(tool, 1).prop_map(|c| format!("when {c}"))
        ],
        prop::sample::select(vec!["g1", "g2"]),
        1u32..3,
    )
        .prop_map(|(t, g, n)| format!("approve {t} by group \"{g}\" count {n}"))
}

fn rule(tool: &'static str) -> impl Strategy<Value = String> {
    let cond = proptest::option::weighted(0.6, condition(tool, 2));
    prop_oneof![
        6 => (cond.clone(), prop::collection::vec(approval(tool), 0..2)).prop_map(move |(c, apps)| {
            let mut s = format!("  allow {tool}");
            if let Some(c) = c { s.push_str(&format!(" where {c}")); }
            for a in apps { s.push_str(&format!("\n    {a}")); }
            s
        }),
        2 => cond.prop_map(move |c| match c {
            Some(c) => format!("  deny {tool} where {c}"),
            None => format!("  deny {tool}"),
        }),
        1 => approval(tool).prop_map(move |a| format!("  {}", a.replacen("approve", &format!("approve {tool}"), 1))),
        1 => (1u64..4, prop::bool::ANY).prop_map(move |(n, s)| if s {
            format!("  limit {tool} {n} per session")
        } else {
            format!("  limit {tool} {n} per 1h")
        }),
    ]
}

fn agent(name: &'static str) -> impl Strategy<Value = String> {
    let rules = prop::collection::vec(
        prop::sample::select(TOOLS.to_vec()).prop_flat_map(rule),
        2..9,
    );
    (
        rules,
        prop::bool::weighted(0.2),
        proptest::option::weighted(0.4, 1i64..400),
    )
        .prop_map(move |(rules, justify, budget)| {
            let mut rules = rules;
            // Limits must be unique per tool and window: keep the first of each.
            let mut seen = std::collections::BTreeSet::new();
            rules.retain(|r| {
                !r.trim_start().starts_with("limit")
                    || seen.insert(
                        r.split(' ')
                            .take(6)
                            .collect::<Vec<_>>()
                            .join(" ")
                            .replace(|c: char| c.is_ascii_digit(), ""),
                    )
            });
            let mut s = format!("agent {name} {{\n  audit [prompt, tool_call]\n");
            if justify {
                s.push_str("  justification required\n");
            }
            if let Some(b) = budget {
                s.push_str(&format!(
                    "  budget USD {}.{:02} per session\n",
                    b / 100,
                    b % 100
                ));
            }
            for r in rules {
                s.push_str(&r);
                s.push('\n');
            }
            s.push_str("}\n");
            s
        })
}

/// Policy source text: the catalog plus 1–3 agents.
pub fn policy() -> impl Strategy<Value = String> {
    (1usize..=3).prop_flat_map(|n| {
        let agents: Vec<_> = AGENTS[..n].iter().map(|a| agent(a)).collect();
        agents.prop_map(|list| format!("{CATALOG}\n{}", list.join("\n")))
    })
}

fn args(tool: &'static str) -> BoxedStrategy<Value> {
    let base = match tool {
        "t.post" => (
            prop::sample::select(ROOMS.to_vec()),
            prop::sample::select(WORDS.to_vec()),
            proptest::option::of(prop::bool::ANY),
            prop::sample::select(vec!["low", "mid", "high"]),
            proptest::option::of(prop::collection::vec(prop::sample::select(vec!["x", "y", "z"]), 0..3)),
        )
            .prop_map(|(room, text, urgent, prio, tags)| {
                let mut m = json!({"room": room, "text": text, "prio": prio});
                if let Some(u) = urgent { m["urgent"] = json!(u); }
                if let Some(t) = tags { m["tags"] = json!(t); }
                m
            })
            .boxed(),
        "t.read" => (-3i64..7, proptest::option::of(0i64..400), proptest::option::of(prop::sample::select(WORDS.to_vec())))
            .prop_map(|(id, wait, who)| {
                let mut m = json!({"id": id});
                if let Some(w) = wait { m["wait"] = json!(w); }
                if let Some(w) = who { m["who"] = json!(w); }
                m
            })
            .boxed(),
        _ => (0i64..400, prop::sample::select(vec!["USD", "USD", "USD", "EUR"]), prop::sample::select(WORDS.to_vec()))
            .prop_map(|(minor, cur, vendor)| json!({"amount": {"minor": minor, "currency": cur}, "vendor": vendor}))
            .boxed(),
    };
    // Occasionally malformed: a wrong type, a missing or an extra argument.
    prop_oneof![
        12 => base,
        1 => Just(json!({"room": 5, "text": "x", "prio": "low"})),
        1 => Just(json!({"id": "7"})),
        1 => Just(json!({"amount": {"minor": -5, "currency": "USD"}, "vendor": "a"})),
        1 => Just(json!({"id": 1, "extra": true})),
        1 => Just(json!({"text": "missing room", "prio": "low"})),
        1 => Just(json!({"room": "lobby", "text": "x", "prio": "urgent"})),
    ]
    .boxed()
}

fn context() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(
            (
                prop::sample::select(vec!["g1", "g2", "g3"]),
                prop::sample::select(vec!["ann", "bob", "cy"]),
            ),
            0..4,
        ),
        proptest::option::weighted(0.7, prop::sample::select(vec!["ok", "ok", "", "because"])),
        proptest::option::weighted(0.9, 0i64..4),
        proptest::option::weighted(0.9, 0i64..3),
        proptest::option::weighted(
            0.9,
            (
                0i64..200,
                prop::sample::select(vec!["USD", "USD", "USD", "EUR"]),
            ),
        ),
    )
        .prop_map(|(approvals, justification, session, hour, spent)| {
            let mut c = json!({});
            if !approvals.is_empty() {
                c["approvals"] = json!(approvals
                    .iter()
                    .map(|(g, a)| json!({"group": g, "approver": a}))
                    .collect::<Vec<_>>());
            }
            if let Some(j) = justification {
                c["justification"] = json!(j);
            }
            let mut calls = serde_json::Map::new();
            if let Some(s) = session {
                calls.insert("session".into(), json!(s));
            }
            if let Some(h) = hour {
                calls.insert("1h".into(), json!(h));
            }
            if !calls.is_empty() {
                c["calls"] = Value::Object(calls);
            }
            if let Some((m, cur)) = spent {
                c["spent"] = json!({"minor": m, "currency": cur});
            }
            c
        })
}

/// One request against a generated policy.
pub fn request() -> impl Strategy<Value = Value> {
    let agent = prop_oneof![10 => prop::sample::select(AGENTS.to_vec()), 1 => Just("ghost")];
    let tool = prop_oneof![10 => prop::sample::select(TOOLS.to_vec()), 1 => Just("t.nothing")];
    (agent, tool)
        .prop_flat_map(|(a, t)| {
            let args_tool = if t == "t.nothing" { "t.read" } else { t };
            (Just(a), Just(t), args(args_tool), context())
        })
        .prop_map(|(a, t, args, ctx)| json!({"agent": a, "tool": t, "args": args, "context": ctx}))
}

/// A policy with a batch of requests.
pub fn case() -> impl Strategy<Value = (String, Vec<Value>)> {
    (policy(), prop::collection::vec(request(), 1..40))
}
