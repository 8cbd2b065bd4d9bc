//! Unit tests of the escaping printer; the backend's meaning is tested
//! against cedar-policy in `tests/cedar/`.

use super::print::{access, has, pattern, string, uid_normalized, Expr};

#[test]
fn strings_escape_quotes_backslashes_and_everything_beyond_printable_ascii() {
    assert_eq!(
        string("a\"b\\c\nd\té🦀*}//"),
        r#""a\"b\\c\nd\t\u{e9}\u{1f980}*}//""#
    );
}

#[test]
fn patterns_keep_only_the_star_as_a_wildcard() {
    assert_eq!(pattern(r"#exec-*\x"), r##""#exec-*\\x""##);
    assert_eq!(pattern("\"*\""), r#""\"*\"""#);
}

#[test]
fn attributes_that_are_not_plain_identifiers_use_brackets() {
    assert_eq!(access("context.args", "room"), "context.args.room");
    for name in [
        "if", "is", "like", "has", "__cedar", "1h", "a b", "x\"y", "é",
    ] {
        let a = access("context.args", name);
        assert!(a.starts_with("context.args[\""), "{a}");
        assert!(has("context.args", name).starts_with("context.args has \""));
    }
}

#[test]
fn normalized_uids_match_cedar_printing() {
    assert_eq!(
        uid_normalized("Agentpol::Agent", "é\"\n"),
        "Agentpol::Agent::\"é\\\"\\n\""
    );
}

#[test]
fn long_chains_nest_logarithmically() {
    let atoms: Vec<Expr> = (0..5000).map(|i| Expr::atom(format!("x == {i}"))).collect();
    let text = Expr::or(atoms).print(0);
    let (mut depth, mut max) = (0i32, 0i32);
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        max = max.max(depth);
    }
    assert_eq!(depth, 0);
    assert!(max <= 4, "nesting depth {max}");
    assert_eq!(text.matches("x == ").count(), 5000);
}

#[test]
fn conjunctions_keep_a_shared_guard_once_and_in_front() {
    let g = Expr::atom("context has justification".into());
    let e = Expr::and(vec![
        Expr::and(vec![g.clone(), Expr::atom("a".into())]),
        Expr::and(vec![g.clone(), Expr::atom("b".into())]),
    ]);
    assert_eq!(e.print(0), "context has justification && a && b");
}
