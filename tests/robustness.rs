//! No input, however malformed or hostile, makes the front end panic, hang
//! or exhaust the stack; every error it reports has a code and a label.

use crate::common::gen;
use proptest::prelude::*;

fn compile_never_panics(text: &str) -> Vec<agentpol::diagnostics::Diagnostic> {
    let (sources, compiled) = agentpol::compile_str(&[("fuzz.agentpol", text)]);
    for d in &compiled.diagnostics {
        for l in &d.labels {
            let f = sources.get(l.span.file).expect("label in a known file");
            assert!(
                l.span.start <= l.span.end && l.span.end <= f.text.len(),
                "label out of range: {d:?}"
            );
            assert!(
                f.text.is_char_boundary(l.span.start) && f.text.is_char_boundary(l.span.end),
                "label splits a character: {d:?}"
            );
        }
    }
    // Rendering every diagnostic must not panic either.
    let _ = agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics);
    compiled.diagnostics
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        compile_never_panics(&text);
    }

    /// Valid policies with a random slice cut out, duplicated or replaced.
    #[test]
    fn mutated_policies(policy in gen::policy(), at in 0usize..10_000, len in 0usize..40, junk in "[\"\\\\{}()#*\\n a-z0-9.<>=]{0,8}") {
        let at = at % (policy.len() + 1);
        let mut cut = at.saturating_add(len).min(policy.len());
        while !policy.is_char_boundary(cut) { cut -= 1; }
        let at = at.min(cut);
        let mutated = format!("{}{}{}", &policy[..at], junk, &policy[cut..]);
        compile_never_panics(&mutated);
    }
}

/// Found by the `parse` fuzzer: an unknown escape followed by a multi-byte
/// character got a label ending inside that character.
#[test]
fn an_unknown_escape_before_a_multibyte_character_is_labelled_whole() {
    for text in [
        "tool t.x { doc \"\\\u{e9}\" effects [read] output trusted internal }",
        "tool t.x { doc \"a\\\u{fffd}b\" effects [read] output trusted internal }",
        "tool t.x { doc \"\\\u{1f600}\" effects [read] output trusted internal }",
    ] {
        let diags = compile_never_panics(text);
        assert!(
            diags
                .iter()
                .any(|d| d.code.as_str() == "AP002" && d.message.starts_with("unknown escape")),
            "{text}: {diags:?}"
        );
    }
}

#[test]
fn hostile_nesting_is_reported_not_overflowed() {
    let cases = [
        format!(
            "agent a {{ allow t.x where {}x{} }}",
            "(".repeat(200_000),
            ")".repeat(200_000)
        ),
        format!("agent a {{ allow t.x where {}x }}", "not ".repeat(200_000)),
        format!(
            "tool t.x {{ arg a: {}string{} effects [read] }}",
            "list<".repeat(200_000),
            ">".repeat(200_000)
        ),
    ];
    for text in &cases {
        let diags = compile_never_panics(text);
        assert!(
            diags
                .iter()
                .any(|d| d.code.as_str() == "AP001" && d.message.contains("nesting")),
            "{diags:?}"
        );
    }
    // Nesting within the limit still parses.
    let ok = format!(
        "tool t.x {{ arg n: int effects [read] }}\nagent a {{ allow t.x where {}n == 1{} }}",
        "(".repeat(30),
        ")".repeat(30)
    );
    assert!(compile_never_panics(&ok).is_empty());
}

#[test]
fn huge_flat_inputs_are_fine() {
    let channels: Vec<String> = (0..20_000).map(|i| format!("\"#c{i}\"")).collect();
    let text = format!(
        "tool t.post {{ arg channel: string effects [communicate] }}\nagent a {{ allow t.post where channel in [{}] }}",
        channels.join(", ")
    );
    assert!(compile_never_panics(&text).is_empty());
}

#[test]
fn compiling_is_deterministic() {
    let (policy, _) = {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        gen::case().new_tree(&mut runner).unwrap().current()
    };
    let broken = policy.replacen("allow", "alow", 2);
    let render = |t: &str| {
        let (s, c) = agentpol::compile_str(&[("p.agentpol", t)]);
        (
            agentpol::diagnostics::render::human::render(&s, &c.diagnostics),
            format!("{:?}", serde_json::to_string(&c.model).unwrap()),
        )
    };
    assert_eq!(render(&policy), render(&policy));
    assert_eq!(render(&broken), render(&broken));
}

fn too_large(text: &str, what: &str) {
    let diags = compile_never_panics(text);
    let d = diags
        .iter()
        .find(|d| d.code.as_str() == "AP004")
        .unwrap_or_else(|| panic!("no AP004 for {what}: {diags:?}"));
    assert!(d.message.contains(what), "{d:?}");
    assert!(d.labels.iter().any(|l| l.primary && !l.message.is_empty()));
    assert!(d.help.as_deref().is_some_and(|h| !h.is_empty()));
}

#[test]
fn oversized_literals_lists_and_files_are_reported() {
    use agentpol::syntax::{MAX_FILE_BYTES, MAX_LIST_LEN, MAX_STRING_CHARS};
    let tool = "tool t.post { arg channel: string effects [communicate] }\n";
    let long = "é".repeat(MAX_STRING_CHARS + 1);
    too_large(
        &format!("{tool}agent a {{ allow t.post where channel == \"{long}\" }}"),
        "string literal",
    );
    // At the limit (counted in characters, not bytes) it is accepted.
    let ok = "é".repeat(MAX_STRING_CHARS);
    assert!(compile_never_panics(&format!(
        "{tool}agent a {{ allow t.post where channel == \"{ok}\" }}"
    ))
    .is_empty());
    let items: Vec<String> = (0..=MAX_LIST_LEN).map(|i| i.to_string()).collect();
    too_large(
        &format!(
            "tool t.x {{ arg n: int effects [read] }}\nagent a {{ allow t.x where n in [{}] }}",
            items.join(",")
        ),
        "list",
    );
    let hosts: Vec<String> = (0..=MAX_LIST_LEN)
        .map(|i| format!("\"h{i}.example:443\""))
        .collect();
    too_large(
        &format!("agent a {{ egress [{}] }}", hosts.join(",")),
        "list",
    );
    let mut big = String::from(tool);
    while big.len() <= MAX_FILE_BYTES {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    too_large(&big, "file");
}
