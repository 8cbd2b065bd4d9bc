//! Hostile names: policy strings full of quotes, backslashes, newlines,
//! braces, comment markers, glob and regex metacharacters and Unicode still
//! give artifacts that parse and mean what the policy says. Also `like`,
//! whose only special character is `*`.

use super::build;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Pieces hostile strings are made of (decoded text, not agentpol syntax).
const PIECES: &[&str] = &[
    "\"",
    "\\",
    "\n",
    "\t",
    "\r",
    "}",
    "{",
    "#",
    "*/",
    "/*",
    "?",
    "[",
    "]",
    "$",
    "^",
    ".",
    "|",
    "(",
    ")",
    "+",
    "`",
    "%v",
    "%s",
    "é",
    "😀",
    "\u{2028}",
    "ﬁ",
    "a",
    "b",
    " ",
    "'",
    ":",
    "=",
    "<",
    ">",
    "&",
    "--",
    "${x}",
    "\\u0022",
    "import data",
    "package x",
    "\\n",
    "\u{3000}",
];

/// The text as an agentpol string literal.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\u{d}"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn policy(s1: &str, s2: &str, s3: &str, pattern: &str) -> String {
    let (s1, s2, s3, p) = (lit(s1), lit(s2), lit(s3), lit(pattern));
    format!(
        r#"
resource type h.doc {{ sensitivity internal external false }}
resource h.doc {s1} {{ sensitivity secret }}
tool h.act {{
  resource h.doc(name)
  arg name: string
  arg kind: enum[{s1}, {s2}]
  arg tags?: list<string>
  effects [write]
  output trusted internal
}}
agent hostile {{
  owner {s1}
  allow h.act where name like {p} and kind == {s2}
    approve when tags contains {s1} by group {s2} count 1 reason {s3}
  allow h.act where name in [{s1}, {s2}] and not resource.sensitivity >= "secret"
  deny h.act where name == {s3} reason {s1}
  approve h.act when kind == {s1} by group {s1} reason {s2}
}}
"#
    )
}

/// Requests built from the same strings, over every combination that matters.
fn requests(s1: &str, s2: &str, s3: &str, pattern: &str) -> Vec<Value> {
    let names = [
        s1.to_string(),
        s2.to_string(),
        s3.to_string(),
        pattern.replace('*', ""),
        pattern.replace('*', s1),
        pattern.to_string(),
        "x".to_string(),
    ];
    let tags = [None, Some(json!([s1])), Some(json!([s2, s3]))];
    let approvals = [
        json!([]),
        json!([{"group": s1, "approver": s3}]),
        json!([{"group": s2, "approver": s1}, {"group": s1, "approver": s2}]),
    ];
    let mut out = Vec::new();
    for name in &names {
        for kind in [s1, s2] {
            for (i, tag) in tags.iter().enumerate() {
                let mut args = json!({"name": name, "kind": kind});
                if let Some(t) = tag {
                    args["tags"] = t.clone();
                }
                let a = &approvals[(i + name.len()) % approvals.len()];
                out.push(json!({
                    "agent": "hostile", "tool": "h.act", "args": args,
                    "context": {"approvals": a}
                }));
            }
        }
    }
    out
}

fn check(s1: &str, s2: &str, s3: &str, pattern: &str) -> Result<(), String> {
    let text = policy(s1, s2, s3, pattern);
    let mut built = build(&text);
    // The user strings reach data.json intact, through JSON escaping.
    let data: Value =
        serde_json::from_str(&super::artifact_text(&built.artifacts, "data.json")).unwrap();
    let refine = &data["agentpol"]["model"]["tools"]["h.act"]["refine"][0];
    assert_eq!(refine, &json!(["kind", "enum", [s1, s2]]));
    // and the generated tests, through the Rego printer, parse and pass
    built.run_generated_tests();
    for r in requests(s1, s2, s3, pattern) {
        built.check(&r).map_err(|e| format!("{text}\n{e}"))?;
    }
    Ok(())
}

#[test]
fn hostile_strings_keep_their_meaning() {
    check(
        "\"}\n# x */ \\",
        "${input.agent} \\\" é😀\u{2028}",
        "*/ package evil\nallow := true /*",
        "*\\*\"*[a-z]*{x}*?*",
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..6).prop_map(|v| v.concat())
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(PIECES), 1 => Just("*")],
        0..6,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_hostile_strings_keep_their_meaning(
        s1 in hostile(), s2 in hostile(), s3 in hostile(), p in pattern()
    ) {
        prop_assume!(s1 != s2 && !s1.trim().is_empty() && !s2.trim().is_empty());
        if let Err(e) = check(&s1, &s2, &s3, &p) {
            prop_assert!(false, "{}", e);
        }
    }

    /// `like`: `*` matches any run of characters and nothing else is special,
    /// prefix and suffix never overlap, newlines and astral characters count
    /// as characters.
    #[test]
    fn like_matches_as_the_reference(
        patterns in prop::collection::vec(like_text(true), 1..6),
        texts in prop::collection::vec(like_text(false), 1..24),
    ) {
        let rules: String = patterns
            .iter()
            .map(|p| format!("  allow l.t where s like {}\n", lit(p)))
            .collect();
        let text = format!(
            "tool l.t {{ arg s: string effects [read] output trusted public }}\nagent l {{\n{rules}}}\n"
        );
        let mut built = build(&text);
        // Near misses: each pattern with its stars removed and then one
        // more character dropped (`ab*ba` gives `aba`).
        let mut texts = texts;
        for p in &patterns {
            let full: Vec<char> = p.replace('*', "").chars().collect();
            for i in 0..full.len() {
                let mut t = full.clone();
                t.remove(i);
                texts.push(t.into_iter().collect());
            }
            texts.push(full.into_iter().collect());
        }
        for t in &texts {
            let r = json!({"agent": "l", "tool": "l.t", "args": {"s": t}});
            if let Err(e) = built.check(&r) {
                prop_assert!(false, "{}\n{}", text, e);
            }
        }
    }
}

/// Short strings over a small alphabet, so that matches and near misses
/// (overlapping prefix and suffix: `ab*ba` against `aba`) are frequent.
fn like_text(star: bool) -> impl Strategy<Value = String> {
    let mut alphabet = vec!["a", "b", "ab", "\n", "😀", "?", ".", "\\", "["];
    if star {
        alphabet.extend(["*", "*"]);
    }
    prop::collection::vec(prop::sample::select(alphabet), 0..6).prop_map(|v| v.concat())
}

/// Overlap is the classic mistake of a prefix/suffix test: `ab*ba` must not
/// match `aba`.
#[test]
fn like_prefix_and_suffix_do_not_overlap() {
    let mut built = build(
        "tool l.t { arg s: string effects [read] output trusted public }\nagent l { allow l.t where s like \"ab*ba\" }\n",
    );
    for (s, expected) in [
        ("aba", "deny"),
        ("abba", "allow"),
        ("ab😀ba", "allow"),
        ("ab", "deny"),
    ] {
        let r = json!({"agent": "l", "tool": "l.t", "args": {"s": s}});
        assert_eq!(built.rego(&r)["decision"], expected, "{s}");
        built.check(&r).unwrap();
    }
}
