//! Syntax error recovery reports each mistake once: the whole-file parse and
//! the per-declaration reparse must not both report the same error.

use agentpol::diagnostics::codes;

fn syntax_errors(text: &str) -> Vec<(usize, String)> {
    let (_, compiled) = agentpol::compile_str(&[("a.agentpol", text)]);
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::SYNTAX_ERROR)
        .map(|d| (d.primary_span().map_or(0, |s| s.start), d.message.clone()))
        .collect()
}

#[test]
fn one_mistake_is_reported_once() {
    let errors = syntax_errors("agent x {\n  allow\n}\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn mistakes_in_two_declarations_are_each_reported_once() {
    let text = "agent x {\n  allow\n}\nagent y {\n  deny\n}\nagent z { }\n";
    let errors = syntax_errors(text);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].0 < errors[1].0);
    // The declaration without a mistake still parses.
    let (_, compiled) = agentpol::compile_str(&[("a.agentpol", text)]);
    assert!(compiled.model.agents.contains_key("z"));
}
