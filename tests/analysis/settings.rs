//! What `agentpol.toml` and inline comments change: severity overrides,
//! `[[suppress]]` entries, and `# agentpol: allow CODE reason "..."`
//! comments (which need a reason to suppress anything).

use super::{analyze_dir, fixture_root};
use agentpol::diagnostics::Severity;
use agentpol::source::{Origin, SourceMap};

const POLICY: &str = r#"
resource type chat.channel { sensitivity internal external false }
tool chat.post { resource chat.channel(channel) arg channel: string arg text: string effects [communicate, write] output trusted internal }
agent bot {
  allow chat.post
}
agent other {
  allow chat.post
}
"#;

fn analyze_with(config: &str) -> Vec<agentpol::diagnostics::Diagnostic> {
    let mut sources = SourceMap::new();
    let c = sources.add("agentpol.toml", config, Origin::User);
    let p = sources.add("p.agentpol", POLICY, Origin::User);
    let compiled = agentpol::compile(&mut sources, Some(c), &[p]);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    agentpol::analyze(&sources, &compiled).diagnostics
}

fn count(diags: &[agentpol::diagnostics::Diagnostic], code: &str) -> usize {
    diags.iter().filter(|d| d.code.as_str() == code).count()
}

#[test]
fn severity_overrides_change_or_drop_findings() {
    let plain = analyze_with("");
    assert_eq!(count(&plain, "AP215"), 2);
    assert!(plain
        .iter()
        .filter(|d| d.code.as_str() == "AP215")
        .all(|d| d.severity == Severity::Warning));
    let raised = analyze_with("[severity]\nap215 = \"error\"\n");
    assert!(raised
        .iter()
        .filter(|d| d.code.as_str() == "AP215")
        .all(|d| d.severity == Severity::Error));
    let off = analyze_with("[severity]\nAP215 = \"off\"\n");
    assert_eq!(count(&off, "AP215"), 0);
    assert_eq!(count(&off, "AP219"), count(&plain, "AP219"));
}

#[test]
fn config_suppressions_apply_per_code_and_agent() {
    let one =
        analyze_with("[[suppress]]\ncode = \"AP215\"\nagent = \"bot\"\nreason = \"reviewed\"\n");
    assert_eq!(count(&one, "AP215"), 1);
    assert!(one
        .iter()
        .any(|d| d.code.as_str() == "AP215" && d.message.contains("other")));
    let all = analyze_with("[[suppress]]\ncode = \"AP215\"\nreason = \"reviewed\"\n");
    assert_eq!(count(&all, "AP215"), 0);
}

#[test]
fn a_config_suppression_without_reason_is_an_error() {
    let mut sources = SourceMap::new();
    let c = sources.add(
        "agentpol.toml",
        "[[suppress]]\ncode = \"AP215\"\n",
        Origin::User,
    );
    let p = sources.add("p.agentpol", POLICY, Origin::User);
    let compiled = agentpol::compile(&mut sources, Some(c), &[p]);
    assert!(compiled.has_errors());
}

#[test]
fn inline_suppressions_need_a_reason() {
    let dir = fixture_root().join("suppression-without-reason");
    let (_, _, with_reason) = analyze_dir(&dir.join("fixed-with-reason"));
    assert_eq!(count(&with_reason, "AP215"), 0, "suppressed with a reason");
    let (_, _, without) = analyze_dir(&dir.join("risky-no-reason"));
    assert_eq!(
        count(&without, "AP215"),
        1,
        "a suppression without a reason suppresses nothing"
    );
    assert_eq!(count(&without, "AP221"), 1);
}

#[test]
fn inline_suppressions_apply_to_their_line_only() {
    let policy = format!(
        "{}\nagent third {{\n  # agentpol: allow AP215 reason \"one grant only\"\n  allow chat.post\n  allow chat.post where text == \"x\"\n}}\n",
        POLICY
    );
    let (sources, compiled) = agentpol::compile_str(&[("p.agentpol", &policy)]);
    let diags = agentpol::analyze(&sources, &compiled).diagnostics;
    let third: Vec<_> = diags
        .iter()
        .filter(|d| d.code.as_str() == "AP215" && d.message.contains("third"))
        .collect();
    assert_eq!(third.len(), 1, "the second grant is still reported");
}

#[test]
fn inline_suppressions_are_parsed_from_comments_only() {
    let text = "agent a {\n  # agentpol: allow AP215, ap219 reason \"why \\\"quoted\\\"\"\n\n  # plain comment\n  allow x.y   # agentpol: allow AP201\n  allow x.z where c == \"# agentpol: allow AP203\"\n}\n";
    let mut sources = SourceMap::new();
    sources.add("p.agentpol", text, Origin::User);
    let found = agentpol::analysis::suppress::parse_inline(&sources);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].codes, vec!["AP215", "AP219"]);
    assert_eq!(found[0].reason.as_deref(), Some("why \"quoted\""));
    assert_eq!(found[0].target_line, 5, "skips blank and comment lines");
    assert_eq!(found[1].codes, vec!["AP201"]);
    assert_eq!(found[1].reason, None);
    assert_eq!(
        found[1].target_line, 5,
        "a trailing comment applies to its own line"
    );
}
