//! Deterministic synthetic policy sets of any size, for the decision
//! benchmark and its tests, with a hand-written data-driven Rego policy of
//! the same meaning to compare the generated one with.
//!
//! The family: `TOOLS` tools with the same arguments; agents `ag0, ag1, ...`
//! with one grant per tool until the requested number of grants is reached.
//! Grant `k` allows `target like "p<k>-*" and n <= <k % 50 + 1>`; every third
//! grant also needs one approval from `leads` when `urgent`. Every agent
//! denies `s.t0` on target `forbidden` and limits `s.t1` to 100 calls per
//! session.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::fmt::Write;

pub const TOOLS: usize = 10;

/// The hand-written policy: query `data.handwritten.decision`.
pub const HANDWRITTEN: &str = include_str!("handwritten.rego");

fn agents(grants: usize) -> usize {
    grants.div_ceil(TOOLS).max(1)
}

fn max_n(k: usize) -> usize {
    k % 50 + 1
}

fn needs_approval(k: usize) -> bool {
    k.is_multiple_of(3)
}

/// Policy source text with `grants` grants.
pub fn policy(grants: usize) -> String {
    let mut s = String::new();
    for t in 0..TOOLS {
        let _ = writeln!(
            s,
            "tool s.t{t} {{\n  arg target: string\n  arg n: int\n  arg urgent?: bool\n  arg prio: enum[\"low\", \"high\"]\n  effects [write]\n  output trusted internal\n}}"
        );
    }
    for a in 0..agents(grants) {
        let _ = writeln!(s, "agent ag{a} {{\n  audit [prompt, tool_call]");
        for t in 0..TOOLS {
            let k = a * TOOLS + t;
            if k >= grants {
                break;
            }
            let _ = writeln!(
                s,
                "  allow s.t{t} where target like \"p{k}-*\" and n <= {}",
                max_n(k)
            );
            if needs_approval(k) {
                let _ = writeln!(s, "    approve when urgent by group \"leads\"");
            }
        }
        let _ = writeln!(s, "  deny s.t0 where target == \"forbidden\"");
        let _ = writeln!(s, "  limit s.t1 100 per session\n}}");
    }
    s
}

/// The hand-written policy's data for the same policy set.
pub fn handwritten_data(grants: usize) -> Value {
    let mut agents_doc = serde_json::Map::new();
    for a in 0..agents(grants) {
        let mut tools = serde_json::Map::new();
        for t in 0..TOOLS {
            let k = a * TOOLS + t;
            if k >= grants {
                break;
            }
            let id = format!("ag{a}/allow/s.t{t}/0");
            tools.insert(
                format!("s.t{t}"),
                json!([{
                    "id": id,
                    "prefix": format!("p{k}-"),
                    "max_n": max_n(k),
                    "approval": needs_approval(k).then(|| format!("{id}/approve/0")),
                }]),
            );
        }
        agents_doc.insert(format!("ag{a}"), Value::Object(tools));
    }
    json!({"handwritten": {"agents": agents_doc, "tools": (0..TOOLS).map(|t| format!("s.t{t}")).collect::<Vec<_>>()}})
}

/// The benchmark's requests against a policy of `grants` grants: an allowed
/// call, one that needs approval, one no grant allows, one with a mistyped
/// argument, all for an agent in the middle of the set.
pub fn requests(grants: usize) -> Vec<Value> {
    let a = agents(grants) / 2;
    let k_allow = (a * TOOLS + 1).min(grants - 1);
    let k_approve = (0..grants)
        .find(|k| k / TOOLS == k_allow / TOOLS && needs_approval(*k))
        .unwrap_or(0);
    let call = |k: usize, target: String, n: Value, urgent: bool| {
        json!({
            "agent": format!("ag{}", k / TOOLS),
            "tool": format!("s.t{}", k % TOOLS),
            "args": {"target": target, "n": n, "urgent": urgent, "prio": "low"},
            "context": {"calls": {"session": 3}, "justification": "bench"}
        })
    };
    vec![
        call(k_allow, format!("p{k_allow}-doc"), json!(1), false),
        call(k_approve, format!("p{k_approve}-doc"), json!(1), true),
        call(k_allow, "elsewhere".into(), json!(1), false),
        call(k_allow, format!("p{k_allow}-doc"), json!("1"), false),
    ]
}
