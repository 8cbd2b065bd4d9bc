//! What the IAM policies mean, against the reference evaluator, over random
//! policies and calls:
//! - IAM is never narrower: every call `decide` allows (or holds for
//!   approval) is allowed by the generated policies, so IAM never breaks a
//!   legitimate call — including through an over-broad Deny;
//! - IAM is exact unless it says otherwise: a call IAM allows and `decide`
//!   denies is always covered by a reported gap ("enforced by OPA/Cedar
//!   only") of a rule of that tool.

use super::sim;
use crate::common::compile_ok;
use agentpol::backend::iam::document::PolicyDocument;
use agentpol::backend::{generate, Input, Target};
use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const ACCOUNT: &str = "123456789012";

const CATALOG: &str = r#"
tool t.list {
  arg bucket: string
  arg prefix?: string
  arg max?: int
  effects [read]
  output trusted internal
  aws ["s3:ListBucket"] on "arn:${Partition}:s3:::{bucket}" condition "s3:prefix" = prefix condition "s3:max-keys" = max
}
tool t.get {
  arg bucket: string
  arg key: string
  effects [read]
  output untrusted internal
  aws ["s3:GetObject"] on "arn:${Partition}:s3:::{bucket}/{key}"
}
tool t.item {
  arg table: string
  arg pk: string
  arg attrs?: list<string>
  effects [read]
  output untrusted internal
  aws ["dynamodb:GetItem"] on "arn:${Partition}:dynamodb:${Region}:${Account}:table/{table}" condition "dynamodb:LeadingKeys" = pk condition "dynamodb:Attributes" = attrs
}
tool t.secret {
  arg name: string
  arg stage?: string
  effects [read]
  output trusted secret
  aws ["secretsmanager:GetSecretValue"] on "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:{name}-??????" condition "secretsmanager:VersionStage" = stage
}
tool t.cost {
  arg granularity: enum["DAILY", "MONTHLY"]
  effects [read]
  output trusted confidential
  aws ["ce:GetCostAndUsage"]
}
"#;

const TOOLS: [&str; 5] = ["t.list", "t.get", "t.item", "t.secret", "t.cost"];
// Values with IAM's special characters and ARN separators on purpose.
// Each wildcard-looking value has a neighbour it would match as a wildcard.
const NAMES: [&str; 9] = [
    "logs", "logs-a", "data", "a/b", "x*y", "xzy", "$x", "q?", "qz",
];
const KEYS: [&str; 8] = [
    "reports/1",
    "reports/",
    "a/reports/1",
    "x",
    "r?x",
    "rAx",
    "",
    "${aws:username}",
];
const PKS: [&str; 5] = ["tenant-1#a", "tenant-1#b", "tenant-2#a", "t*", ""];
const ATTRS: [&str; 3] = ["id", "name", "ssn"];
const STAGES: [&str; 3] = ["AWSCURRENT", "AWSPREVIOUS", "x"];

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(values.to_vec())
}

/// A test of one string argument: `==`, `!=`, `in`, `like`.
fn str_test(arg: &'static str, values: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        pick(values).prop_map(move |v| format!("{arg} == {}", quoted(v))),
        pick(values).prop_map(move |v| format!("{arg} != {}", quoted(v))),
        (pick(values), pick(values)).prop_map(move |(a, b)| format!(
            "{arg} in [{}, {}]",
            quoted(a),
            quoted(b)
        )),
        (pick(values), prop::bool::ANY).prop_map(move |(v, suffix)| {
            let head: String = v.chars().take(2).collect();
            let p = if suffix {
                format!("{head}*")
            } else {
                format!("*{head}")
            };
            format!("{arg} like {}", quoted(&p))
        }),
    ]
    .boxed()
}

fn leaf(tool: &'static str) -> BoxedStrategy<String> {
    match tool {
        "t.list" => prop_oneof![
            str_test("bucket", &NAMES),
            str_test("prefix", &KEYS),
            Just("has prefix".to_string()),
            (
                0i64..4,
                prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="])
            )
                .prop_map(|(n, op)| format!("max {op} {n}")),
        ]
        .boxed(),
        "t.get" => prop_oneof![str_test("bucket", &NAMES), str_test("key", &KEYS)].boxed(),
        "t.item" => prop_oneof![
            str_test("table", &NAMES),
            str_test("pk", &PKS),
            pick(&ATTRS).prop_map(|a| format!("attrs contains {}", quoted(a))),
            (pick(&ATTRS), pick(&ATTRS)).prop_map(|(a, b)| format!(
                "attrs any [{}, {}]",
                quoted(a),
                quoted(b)
            )),
            (pick(&ATTRS), pick(&ATTRS)).prop_map(|(a, b)| format!(
                "attrs all [{}, {}]",
                quoted(a),
                quoted(b)
            )),
        ]
        .boxed(),
        "t.secret" => prop_oneof![
            str_test("name", &NAMES),
            str_test("stage", &STAGES),
            Just("has stage".to_string())
        ]
        .boxed(),
        _ => prop_oneof![Just("granularity == \"DAILY\"".to_string())].boxed(),
    }
}

fn condition(tool: &'static str) -> BoxedStrategy<String> {
    leaf(tool)
        .prop_recursive(2, 6, 3, move |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
                inner.prop_map(|a| format!("not ({a})")),
            ]
        })
        .boxed()
}

/// `allow`/`deny` rules for one agent with a role.
fn policy() -> impl Strategy<Value = String> {
    let rule = (pick(&TOOLS), prop::bool::ANY, 0u8..4).prop_flat_map(|(tool, allow, shape)| {
        condition(tool).prop_map(move |c| {
            let kw = if allow { "allow" } else { "deny" };
            if shape == 0 {
                format!("  {kw} {tool}\n")
            } else {
                format!("  {kw} {tool} where {c}\n")
            }
        })
    });
    prop::collection::vec(rule, 1..6).prop_map(|rules| {
        format!(
            "{CATALOG}\nagent a {{\n  aws role \"arn:aws:iam::{ACCOUNT}:role/a\"\n{}}}\n",
            rules.concat()
        )
    })
}

fn obj(pairs: Vec<(&str, Option<Value>)>) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
}

fn args(tool: &'static str) -> BoxedStrategy<Map<String, Value>> {
    let opt = |s: BoxedStrategy<Value>| prop::option::of(s);
    let s = |vs: &'static [&'static str]| pick(vs).prop_map(|v| json!(v)).boxed();
    match tool {
        "t.list" => (
            s(&NAMES),
            opt(s(&KEYS)),
            opt((0i64..4).prop_map(|n| json!(n)).boxed()),
        )
            .prop_map(move |(b, p, m)| obj(vec![("bucket", Some(b)), ("prefix", p), ("max", m)]))
            .boxed(),
        "t.get" => (s(&NAMES), s(&KEYS))
            .prop_map(move |(b, k)| obj(vec![("bucket", Some(b)), ("key", Some(k))]))
            .boxed(),
        "t.item" => (
            s(&NAMES),
            s(&PKS),
            opt(prop::collection::vec(pick(&ATTRS), 0..3)
                .prop_map(|v| json!(v))
                .boxed()),
        )
            .prop_map(move |(t, pk, a)| {
                obj(vec![("table", Some(t)), ("pk", Some(pk)), ("attrs", a)])
            })
            .boxed(),
        "t.secret" => (s(&NAMES), opt(s(&STAGES)))
            .prop_map(move |(n, st)| obj(vec![("name", Some(n)), ("stage", st)]))
            .boxed(),
        _ => pick(&["DAILY", "MONTHLY"])
            .prop_map(|g| obj(vec![("granularity", Some(json!(g)))]))
            .boxed(),
    }
}

fn calls() -> impl Strategy<Value = Vec<(&'static str, Map<String, Value>)>> {
    prop::collection::vec(
        pick(&TOOLS).prop_flat_map(|t| args(t).prop_map(move |a| (t, a))),
        1..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn iam_is_never_narrower_and_exact_unless_reported(policy in policy(), calls in calls()) {
        let (sources, compiled) = compile_ok(&[("gen.agentpol", &policy)]);
        let out = generate(Target::Iam, &Input { model: &compiled.model, sources: &sources, set_name: "gen" });
        prop_assert!(out.diagnostics.iter().all(|d| d.severity != agentpol::diagnostics::Severity::Error),
            "{:?}", out.diagnostics);
        let text = |p: &str| out.artifacts.iter().find(|a| a.path == p)
            .map(|a| String::from_utf8(a.contents.clone()).unwrap());
        let mut docs: Vec<PolicyDocument> = Vec::new();
        for a in out.artifacts.iter().filter(|a| a.path.starts_with("a/policy")) {
            docs.push(serde_json::from_slice(&a.contents).unwrap());
        }
        let summary: Value = serde_json::from_str(&text("a/summary.json").unwrap()).unwrap();
        let gap_rules: Vec<String> = summary["enforced_by_opa_cedar_only"].as_array().unwrap().iter()
            .filter_map(|h| h["rule"]["id"].as_str().map(String::from))
            .collect();
        for (tool, args) in &calls {
            let req = json!({"agent": "a", "tool": tool, "args": args, "context": {}});
            let reference = decide_json(&compiled.model, &req).decision;
            let t = &compiled.model.tools[*tool];
            let iam = sim::requests(t, args, ACCOUNT).iter().all(|r| sim::allowed(&docs, r));
            if reference != Outcome::Deny {
                prop_assert!(iam, "IAM refuses a permitted call {tool} {args:?}\n{policy}\n{docs:#?}");
            } else if iam {
                let prefix = format!("a/allow/{tool}/");
                let dprefix = format!("a/deny/{tool}/");
                prop_assert!(
                    gap_rules.iter().any(|r| r.starts_with(&prefix) || r.starts_with(&dprefix)),
                    "IAM allows a denied call {tool} {args:?} and reports no gap\n{policy}\n{docs:#?}\n{summary:#}"
                );
            }
        }
    }
}
