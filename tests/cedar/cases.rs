//! Worked cases: hostile names, malformed requests, long conditions, what
//! Cedar cannot express, snapshots and the worked example of `docs/cedar.md`.

use super::agrees;
use super::harness::{ask, build, load};
use crate::common::compile_ok;
use agentpol::backend::cedar::{to_cedar_request, CEDAR_UNSUPPORTED};
use agentpol::backend::{generate, Input, Target};
use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// Pieces of hostile strings: quotes, backslashes, newlines, braces,
/// comment markers, Cedar syntax, the glob star and non-ASCII text.
const PIECES: &[&str] = &[
    "\"",
    "\\",
    "\n",
    "\t",
    "}",
    "{",
    "//",
    "/*",
    "*/",
    "*",
    "\\*",
    ")",
    ";",
    "@id(\"x\")",
    "permit(principal,action,resource);",
    "é",
    "🦀",
    "日本",
    "a",
    "Z",
    " ",
    "#",
    "\\u{41}",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..6)
        .prop_map(|p| p.concat())
        .prop_filter("approver groups must not be blank", |s| {
            !s.trim().is_empty()
        })
}

/// The string as an agentpol string literal.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A policy that puts `h` (and `g`) everywhere a user string reaches an
/// artifact, with argument names Cedar reserves.
fn hostile_policy(h: &str, g: &str) -> String {
    let (h, g) = (lit(h), lit(g));
    format!(
        r#"
resource type t.room {{ sensitivity internal external false }}
resource t.room {h} {{ sensitivity public external true }}
resource t.room "x-*" {{ sensitivity confidential }}
tool t.post {{
  resource t.room(room)
  arg room: string
  arg text: string
  arg prio: enum[{h}, "low"]
  arg tags?: list<enum[{h}, "x"]>
  arg if: int
  arg __cedar?: bool
  effects [write]
  output trusted internal
}}
agent bot {{
  owner {h}
  allow t.post where (room like "*" and text == {h}) or text like {h} or tags contains {h}
    approve when prio == {h} by group {g} count 2 reason {h}
  allow t.post where __cedar and if > 3 and room in [{h}, "x-1"]
  deny t.post where text like "*" and resource.external and if == 7 reason {h}
  approve t.post when tags any [{h}] by group {h} reason {g}
}}
"#
    )
}

fn hostile_requests(h: &str, g: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for room in [h, "x-1", "lobby"] {
        for text in [h, "plain", ""] {
            for prio in [h, "low"] {
                for approvers in [
                    json!([]),
                    json!([{"group": g, "approver": h}, {"group": g, "approver": "b"}]),
                    json!([{"group": h, "approver": g}]),
                ] {
                    out.push(json!({
                        "agent": "bot",
                        "tool": "t.post",
                        "args": {"room": room, "text": text, "prio": prio, "tags": [h], "if": 7, "__cedar": true},
                        "context": {"approvals": approvers},
                    }));
                    out.push(json!({
                        "agent": "bot",
                        "tool": "t.post",
                        "args": {"room": room, "text": text, "prio": prio, "if": 4},
                        "context": {"approvals": approvers},
                    }));
                }
            }
        }
    }
    out.push(json!({"agent": h, "tool": "t.post", "args": {}}));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Hostile strings in every position still give artifacts that parse,
    /// validate strictly, keep each string exactly, and decide like `decide`.
    #[test]
    fn hostile_names_keep_their_meaning(h in hostile(), g in hostile(), file in hostile()) {
        let policy = hostile_policy(&h, &g);
        let file_name = format!("{file}.agentpol");
        let b = build(&[(&file_name, &policy)]);
        let mut reasons = Vec::new();
        let mut sources = Vec::new();
        for p in b.all.policies() {
            reasons.extend(p.annotation("reason").map(String::from));
            sources.extend(p.annotation("source").map(String::from));
        }
        prop_assert!(reasons.contains(&h), "reason lost: {reasons:?}");
        prop_assert!(sources.iter().all(|s| s.starts_with(&file_name)), "{sources:?}");
        let groups: Vec<&str> = b.all.policies().filter_map(|p| p.annotation("group")).collect();
        prop_assert!(groups.contains(&g.as_str()) && groups.contains(&h.as_str()), "{groups:?}");
        for r in hostile_requests(&h, &g) {
            if let Err(e) = agrees(&b, &r) {
                prop_assert!(false, "{e}\nrequest: {r}\npolicy:\n{policy}\ncedar:\n{}", b.files["policies.cedar"]);
            }
            // The CLI form names the same entities.
            if let Ok(parts) = to_cedar_request(&b.model, &r) {
                let cli = parts.to_cli_json();
                for key in ["principal", "action", "resource"] {
                    let from_text = cedar_policy::EntityUid::from_str(cli[key].as_str().unwrap()).unwrap();
                    let from_json = cedar_policy::EntityUid::from_json(match key {
                        "principal" => parts.principal.clone(),
                        "action" => parts.action.clone(),
                        _ => parts.resource.clone(),
                    }).unwrap();
                    prop_assert_eq!(from_text, from_json);
                }
            }
        }
        // A hostile policy-set name cannot break out of the header comment.
        let (sources, compiled) = compile_ok(&[(&file_name, &policy)]);
        let out = generate(Target::Cedar, &Input { model: &compiled.model, sources: &sources, set_name: &h });
        for a in &out.artifacts {
            if a.path.ends_with(".cedar") {
                let text = String::from_utf8(a.contents.clone()).unwrap();
                prop_assert!(cedar_policy::PolicySet::from_str(&text).is_ok(), "{}", text);
            }
        }
    }
}

/// A policy granting every catalog tool, with approvals, limits and a
/// budget, built once.
fn permissive() -> &'static super::harness::Built {
    static BUILT: std::sync::LazyLock<super::harness::Built> =
        std::sync::LazyLock::new(build_permissive);
    &BUILT
}

fn build_permissive() -> super::harness::Built {
    let policy = format!(
        "{}\nagent a0 {{\n  budget USD 5.00 per session\n  allow t.post\n  allow t.read approve when has who by group \"g1\"\n  allow t.pay\n  limit t.read 5 per session\n}}\n",
        crate::common::gen::CATALOG
    );
    build(&[("p.agentpol", &policy)])
}

/// Requests that do not match the documented shape or the tool's types.
fn malformed() -> Vec<Value> {
    let post = json!({"room": "lobby", "text": "hi", "prio": "low"});
    let with = |k: &str, v: Value| {
        let mut a = post.clone();
        a[k] = v;
        json!({"agent": "a0", "tool": "t.post", "args": a})
    };
    vec![
        json!(null),
        json!([]),
        json!("a0"),
        json!({}),
        json!({"agent": "a0"}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "extra": 1}),
        json!({"agent": "a0", "tool": "t.post", "args": null}),
        json!({"agent": "a0", "tool": "t.post", "args": [post]}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": null}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"calls": {"session": -1}}}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"calls": {"x": 1.5}}}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"approvals": [{"group": "g1"}]}}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"justification": null}}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"spent": {"minor": -1, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.post", "args": post, "context": {"who": "me"}}),
        json!({"agent": 0, "tool": "t.post", "args": post}),
        json!({"agent": "a0", "tool": ["t.post"], "args": post}),
        json!({"agent": "a0", "tool": "t.post", "args": {"room": "lobby", "text": "hi"}}),
        json!({"agent": "a0", "tool": "t.post", "args": {"text": "hi", "prio": "low"}}),
        with("extra", json!(1)),
        with("room", json!(null)),
        with("room", json!(5)),
        with("room", json!({"minor": 1, "currency": "USD"})),
        with("text", json!(["hi"])),
        with("prio", json!("urgent")),
        with("prio", json!("LOW")),
        with("urgent", json!(null)),
        with("urgent", json!("true")),
        with("urgent", json!(1)),
        with("tags", json!("x")),
        with("tags", json!([1])),
        with("tags", json!([["x"]])),
        with("tags", json!(["x", null])),
        with(
            "tags",
            json!([{"__entity": {"type": "Agentpol::Agent", "id": "a0"}}]),
        ),
        with(
            "room",
            json!({"__entity": {"type": "Agentpol::Resource", "id": "lobby"}}),
        ),
        with("room", json!({"__extn": {"fn": "ip", "arg": "10.0.0.1"}})),
        json!({"agent": "a0", "tool": "t.read", "args": {"id": 1.0}}),
        json!({"agent": "a0", "tool": "t.read", "args": {"id": 9_223_372_036_854_775_808u64}}),
        json!({"agent": "a0", "tool": "t.read", "args": {"id": 1, "wait": -1}, "context": {"calls": {"session": 0}}}),
        json!({"agent": "a0", "tool": "t.read", "args": {"id": 1, "wait": 1.5}, "context": {"calls": {"session": 0}}}),
        json!({"agent": "a0", "tool": "t.read", "args": {"id": 1, "who": null}, "context": {"calls": {"session": 0}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": -5, "currency": "USD"}, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5, "currency": "usd"}, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5, "currency": "EUR"}, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5}, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5, "currency": "USD", "x": 1}, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": 5, "vendor": "v"}, "context": {"spent": {"minor": 0, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5, "currency": "USD"}, "vendor": "v"}, "context": {"spent": {"minor": 9_223_372_036_854_775_807i64, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 9_223_372_036_854_775_807i64, "currency": "USD"}, "vendor": "v"}, "context": {"spent": {"minor": 400, "currency": "USD"}}}),
        json!({"agent": "a0", "tool": "t.pay", "args": {"amount": {"minor": 5, "currency": "USD"}, "vendor": "v"}}),
        json!({"agent": "a0", "tool": "t.nothing", "args": {}}),
        json!({"agent": "ghost", "tool": "t.post", "args": post}),
    ]
}

/// Malformed requests are denied by Cedar exactly as by `decide`.
#[test]
fn malformed_requests_are_denied() {
    let b = permissive();
    // The well-formed baseline is allowed, so each denial below is caused
    // by its malformation.
    let ok = json!({"agent": "a0", "tool": "t.post", "args": {"room": "lobby", "text": "hi", "prio": "low"}});
    assert_eq!(ask(b, &ok, false).decision.decision, Outcome::Allow);
    for r in malformed() {
        assert_eq!(decide_json(&b.model, &r).decision, Outcome::Deny, "{r}");
        assert_eq!(ask(b, &r, false).decision.decision, Outcome::Deny, "{r}");
        agrees(b, &r).unwrap_or_else(|e| panic!("{e}\n{r}"));
    }
}

/// Any JSON where a request has a value: Cedar never allows what `decide`
/// denies, and agrees with it everywhere.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..400).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec!["lobby", "low", "x", "USD", "", "g1"]).prop_map(Value::from),
        (
            0i64..400,
            prop::sample::select(vec!["USD", "EUR", "usd", "US"])
        )
            .prop_map(|(m, c)| json!({"minor": m, "currency": c})),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec!["minor", "currency", "__entity", "type", "id"])
                    .prop_map(String::from),
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_requests_agree(
        r in crate::common::gen::request(),
        path in prop::sample::select(vec![
            "/args/room", "/args/prio", "/args/urgent", "/args/tags", "/args/id", "/args/wait",
            "/args/amount", "/args/amount/minor", "/args/amount/currency", "/args/extra",
            "/context/justification", "/context/calls/session", "/context/spent",
            "/context/spent/minor", "/context/approvals", "/context/approvals/0/approver",
        ]),
        value in any_json(),
    ) {
        let b = permissive();
        let mut r = r;
        let (parent, key) = path.rsplit_once('/').unwrap();
        if let Some(Value::Object(m)) = r.pointer_mut(parent) {
            m.insert(key.to_string(), value);
        } else if let Some(Value::Array(a)) = r.pointer_mut(parent) {
            if let Some(slot) = a.get_mut(0) { *slot = value; }
        }
        let want = decide_json(&b.model, &r).decision;
        let got = ask(b, &r, true).decision.decision;
        prop_assert!(want != Outcome::Deny || got == Outcome::Deny, "cedar does not deny {}", r);
        if let Err(e) = agrees(b, &r) {
            prop_assert!(false, "{e}\nrequest: {r}");
        }
    }
}

/// A condition far longer than any nesting limit is grouped so that Cedar
/// evaluates it without a recursion-limit error (which would skip the policy).
#[test]
fn long_conditions_evaluate_without_errors() {
    let rooms: Vec<String> = (0..3000).map(|i| format!("room == \"r{i}\"")).collect();
    let policy = format!(
        "{}\nagent a0 {{\n  allow t.post where {}\n  deny t.post where {}\n}}\n",
        crate::common::gen::CATALOG,
        rooms.join(" or "),
        rooms[..2000].join(" or ")
    );
    let b = build(&[("long.agentpol", &policy)]);
    for room in ["r0", "r1999", "r2000", "r2999", "r3000"] {
        let r = json!({"agent": "a0", "tool": "t.post", "args": {"room": room, "text": "t", "prio": "low"}});
        agrees(&b, &r).unwrap_or_else(|e| panic!("{e}\n{r}"));
    }
    let allowed = json!({"agent": "a0", "tool": "t.post", "args": {"room": "r2999", "text": "t", "prio": "low"}});
    assert_eq!(ask(&b, &allowed, true).decision.decision, Outcome::Allow);
}

/// What Cedar cannot express fails the target with AP420 and no artifacts.
#[test]
fn inexpressible_limits_are_rejected() {
    let (sources, mut compiled) = compile_ok(&[(
        "big.agentpol",
        &format!(
            "{}\nagent a0 {{\n  allow t.read\n  limit t.read 5 per session\n}}\n",
            crate::common::gen::CATALOG
        ),
    )]);
    // The checker keeps limits within i64; a model built otherwise must not
    // be silently weakened.
    for agent in compiled.model.agents.values_mut() {
        for l in &mut agent.limits {
            l.max = u64::MAX;
        }
    }
    let out = generate(
        Target::Cedar,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "big",
        },
    );
    assert!(out.artifacts.is_empty());
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.code, CEDAR_UNSUPPORTED);
    assert!(
        d.message.contains("limit") && d.message.contains("`cedar`"),
        "{}",
        d.message
    );
    assert!(d.labels.iter().any(|l| l.primary) && d.help.is_some());
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backend/cedar")
}

/// Loads a fixture policy set the way the CLI does and generates Cedar.
fn fixture(name: &str) -> (String, super::harness::Built) {
    let dir = fixtures().join(name);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".agentpol"))
        .collect();
    names.sort();
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.clone(), std::fs::read_to_string(dir.join(n)).unwrap()))
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (sources, compiled) = compile_ok(&files);
    let out = generate(
        Target::Cedar,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: name,
        },
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let artifacts: BTreeMap<String, String> = out
        .artifacts
        .into_iter()
        .map(|a| (a.path, String::from_utf8(a.contents).unwrap()))
        .collect();
    let listing = texts
        .iter()
        .map(|(n, t)| format!("── {n} ──\n{t}"))
        .collect::<String>();
    (listing, load(compiled.model, artifacts))
}

#[test]
fn helpdesk_snapshots() {
    let (listing, b) = fixture("helpdesk");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/backend/cedar");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (path, name) in [
            ("policies.cedar", "helpdesk-policies"),
            ("schema.cedarschema.json", "helpdesk-schema"),
            ("entities.json", "helpdesk-entities"),
        ] {
            insta::assert_snapshot!(name, format!("{listing}\n── {path} ──\n{}", b.files[path]));
        }
    });
    // With one agent, its slice holds exactly the full set's policies.
    let slice = &b.files["agents/helpdesk.cedar"];
    let body = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("//") && !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(slice), body(&b.files["policies.cedar"]));
}

/// The worked example of `docs/cedar.md`: each request under
/// `helpdesk/requests/` maps to the committed `cedar` CLI request under
/// `helpdesk/cedar-requests/`, and Cedar answers as documented.
#[test]
fn worked_example_in_the_docs() {
    let (_, b) = fixture("helpdesk");
    let dir = fixtures().join("helpdesk");
    // Outcome, and the policy ids `cedar authorize --verbose` prints.
    let expected = [
        ("post", Outcome::Allow, vec!["helpdesk/allow/chat.post/0"]),
        (
            "urgent-post",
            Outcome::ApprovalRequired,
            vec!["helpdesk/allow/chat.post/0/approve/0"],
        ),
        (
            "urgent-post-approved",
            Outcome::Allow,
            vec!["helpdesk/allow/chat.post/0"],
        ),
        (
            "refund",
            Outcome::ApprovalRequired,
            vec!["helpdesk/allow/pay.refund/0/approve/0"],
        ),
        (
            "refund-over-budget",
            Outcome::Deny,
            vec!["helpdesk/budget/pay.refund"],
        ),
    ];
    let slice = cli_policy_set(&b.files["agents/helpdesk.cedar"]);
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cedar.md"))
        .unwrap();
    for (name, outcome, ids) in expected {
        let request: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("requests/{name}.json"))).unwrap(),
        )
        .unwrap();
        let cli = to_cedar_request(&b.model, &request).unwrap().to_cli_json();
        let committed: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("cedar-requests/{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            cli,
            committed,
            "cedar-requests/{name}.json is stale; it should read:\n{}",
            serde_json::to_string_pretty(&cli).unwrap()
        );
        assert_eq!(ask(&b, &request, true).decision.decision, outcome, "{name}");
        assert_eq!(cli_reasons(&b, &slice, &committed), ids, "{name}");
        agrees(&b, &request).unwrap();
        assert!(
            docs.contains(&format!("cedar-requests/{name}.json")),
            "docs/cedar.md does not show {name}"
        );
    }
}

/// The policy set as the `cedar` CLI loads it: policy ids from `@id`.
fn cli_policy_set(text: &str) -> cedar_policy::PolicySet {
    let parsed = cedar_policy::PolicySet::from_str(text).unwrap();
    let mut out = cedar_policy::PolicySet::new();
    for p in parsed.policies() {
        let id = cedar_policy::PolicyId::new(p.annotation("id").unwrap());
        out.add(p.new_id(id)).unwrap();
    }
    out
}

/// `cedar authorize --request-json FILE --schema ... --verbose`: the ids of
/// the determining policies, parsed the way the CLI parses its request file.
fn cli_reasons(
    b: &super::harness::Built,
    set: &cedar_policy::PolicySet,
    file: &Value,
) -> Vec<String> {
    use cedar_policy::{Authorizer, Context, EntityUid, Request};
    let uid = |k: &str| EntityUid::from_str(file[k].as_str().unwrap()).unwrap();
    let action = uid("action");
    let context =
        Context::from_json_value(file["context"].clone(), Some((&b.schema, &action))).unwrap();
    let request = Request::new(
        uid("principal"),
        action,
        uid("resource"),
        context,
        Some(&b.schema),
    )
    .unwrap();
    let response = Authorizer::new().is_authorized(&request, set, &b.entities);
    assert_eq!(response.diagnostics().errors().count(), 0);
    let mut ids: Vec<String> = response
        .diagnostics()
        .reason()
        .map(|id| id.to_string())
        .collect();
    ids.sort();
    ids
}

/// Types and operators the generators do not reach: `list<int>`, optional
/// enums with hostile values, money with and without a fixed currency, an
/// optional money argument, `all []`, durations, `like` on the
/// justification, a window key that is not an identifier, and an agent with
/// no rules at all.
#[test]
fn every_type_and_operator_agrees() {
    let policy = r#"
tool x.op {
  arg ids?: list<int>
  arg mode?: enum["a", "b*", "c\"d"]
  arg fee: money
  arg tip?: money(EUR)
  arg wait: duration
  arg tags: list<string>
  effects [spend]
  spends fee
  output trusted internal
}
agent a0 {
  budget EUR 10.00 per session
  justification required
  allow x.op where ids any [1, 2] or ids all [] or tags all [] or mode in ["b*"]
    approve when fee.currency == "EUR" and fee.minor > 100 and tip > EUR 0.50 by group "fin" count 2
  allow x.op where wait <= 1m and has context.justification and context.justification like "*ok*"
  deny x.op where ids contains 3 or mode == "c\"d"
  approve x.op when wait > 30s by group "ops"
  limit x.op 2 per 90s
}
agent idle { }
"#;
    let b = build(&[("x.agentpol", policy)]);
    assert!(b.slices.contains_key("idle"));
    let mut n = 0;
    let mut outcomes = std::collections::BTreeSet::new();
    for ids in [None, Some(json!([])), Some(json!([1])), Some(json!([3, 4]))] {
        for mode in [None, Some("a"), Some("b*"), Some("c\"d"), Some("zz")] {
            for fee in [
                json!({"minor": 500, "currency": "EUR"}),
                json!({"minor": 50, "currency": "USD"}),
                json!({"minor": -1, "currency": "EUR"}),
            ] {
                for tip in [
                    None,
                    Some(json!({"minor": 60, "currency": "EUR"})),
                    Some(json!({"minor": 60, "currency": "GBP"})),
                ] {
                    for wait in [0, 45, 120, -1] {
                        for (tags, ctx) in [
                            (
                                json!([]),
                                json!({"justification": "ok", "calls": {"90s": 1}, "spent": {"minor": 100, "currency": "EUR"}}),
                            ),
                            (
                                json!(["x"]),
                                json!({"justification": "is ok", "calls": {"90s": 0}, "spent": {"minor": 900, "currency": "EUR"}, "approvals": [{"group": "fin", "approver": "a"}, {"group": "fin", "approver": "b"}, {"group": "ops", "approver": "a"}]}),
                            ),
                            (
                                json!([]),
                                json!({"justification": "", "calls": {"90s": 0}, "spent": {"minor": 0, "currency": "EUR"}}),
                            ),
                            (
                                json!(["x"]),
                                json!({"calls": {"90s": 2, "1h": 9}, "spent": {"minor": 0, "currency": "EUR"}}),
                            ),
                        ] {
                            let mut args = json!({"fee": fee, "wait": wait, "tags": tags});
                            if let Some(i) = &ids {
                                args["ids"] = i.clone();
                            }
                            if let Some(m) = mode {
                                args["mode"] = json!(m);
                            }
                            if let Some(t) = &tip {
                                args["tip"] = t.clone();
                            }
                            for agent in ["a0", "idle"] {
                                let r = json!({"agent": agent, "tool": "x.op", "args": args, "context": ctx});
                                agrees(&b, &r).unwrap_or_else(|e| panic!("{e}\nrequest: {r}"));
                                outcomes.insert(decide_json(&b.model, &r).decision);
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        n > 3000 && outcomes.len() == 3,
        "{n} requests, outcomes {outcomes:?}"
    );
}

/// Every shipped example builds to Cedar that passes strict validation and
/// decides each of its requests like `decide`, also with the approvals a
/// reviewer would add and with the justification removed.
#[test]
fn examples_build_and_agree() {
    use agentpol::source::{Origin, SourceMap};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("agentpol.toml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut sources = SourceMap::new();
        let config = sources.add(
            "agentpol.toml",
            std::fs::read_to_string(dir.join("agentpol.toml")).unwrap(),
            Origin::User,
        );
        let mut files: Vec<_> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "agentpol"))
            .map(|e| e.path().strip_prefix(&dir).unwrap().to_path_buf())
            .collect();
        files.sort();
        let ids: Vec<_> = files
            .iter()
            .map(|rel| {
                sources.add(
                    rel.to_string_lossy(),
                    std::fs::read_to_string(dir.join(rel)).unwrap(),
                    Origin::User,
                )
            })
            .collect();
        let compiled = agentpol::compile(&mut sources, Some(config), &ids);
        assert!(!compiled.has_errors(), "{}", dir.display());
        let out = generate(
            Target::Cedar,
            &Input {
                model: &compiled.model,
                sources: &sources,
                set_name: "example",
            },
        );
        assert!(
            out.diagnostics.is_empty(),
            "{}: {:?}",
            dir.display(),
            out.diagnostics
        );
        let artifacts = out
            .artifacts
            .into_iter()
            .map(|a| (a.path, String::from_utf8(a.contents).unwrap()))
            .collect();
        snapshot_example(&dir, &artifacts);
        let b = load(compiled.model, artifacts);
        let mut n = 0;
        for entry in std::fs::read_dir(dir.join("requests")).unwrap() {
            let path = entry.unwrap().path();
            let request: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut approved = request.clone();
            let groups: Vec<String> = b
                .model
                .agents
                .values()
                .flat_map(|a| {
                    a.gates.iter().map(|g| g.approval.group.clone()).chain(
                        a.grants
                            .iter()
                            .flat_map(|g| g.approvals.iter().map(|x| x.group.clone())),
                    )
                })
                .collect();
            approved["context"]["approvals"] = groups
                .iter()
                .flat_map(|g| {
                    [
                        json!({"group": g, "approver": "r1"}),
                        json!({"group": g, "approver": "r2"}),
                    ]
                })
                .collect();
            let mut unjustified = request.clone();
            if let Some(c) = unjustified
                .get_mut("context")
                .and_then(Value::as_object_mut)
            {
                c.remove("justification");
            }
            for r in [&request, &approved, &unjustified] {
                agrees(&b, r).unwrap_or_else(|e| panic!("{}: {e}\n{r}", path.display()));
                n += 1;
            }
        }
        assert!(n > 0, "{} has no requests", dir.display());
    }
}

/// The generated schema and policies of an example, for review in diffs.
fn snapshot_example(dir: &Path, artifacts: &std::collections::BTreeMap<String, String>) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let pick = |p: &str| {
        artifacts
            .get(p)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: no {p}"))
    };
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/backend/cedar");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("example-{name}-policies"), pick("policies.cedar"));
        insta::assert_snapshot!(
            format!("example-{name}-schema"),
            pick("schema.cedarschema.json")
        );
    });
}
