//! The string automaton: shortest readable strings and glob overlap.

use agentpol::analysis::smt::strings::{find, overlap, Pattern};

fn g(p: &str) -> Pattern {
    Pattern::Glob(p.into())
}
fn e(p: &str) -> Pattern {
    Pattern::Exact(p.into())
}

#[test]
fn prefix_and_suffix_globs_meet_in_the_shortest_string() {
    assert_eq!(overlap(&g("IN*"), &g("*BOX")).as_deref(), Some("INBOX"));
}

#[test]
fn disjoint_prefixes_do_not_overlap() {
    assert_eq!(overlap(&g("#a*"), &g("#b*")), None);
}

#[test]
fn negations_and_exclusions_are_respected() {
    let got = find(&[
        (g("#*"), true),
        (g("#exec-*"), false),
        (e("#general"), false),
    ])
    .unwrap();
    assert!(got.starts_with('#') && !got.starts_with("#exec-") && got != "#general");
    assert_eq!(got, "#");
}

#[test]
fn a_lone_wildcard_yields_a_readable_non_empty_string() {
    assert_eq!(find(&[(g("*"), true)]).as_deref(), Some("x"));
}

#[test]
fn exact_value_must_match_globs() {
    assert_eq!(
        find(&[(e("abc"), true), (g("a*"), true)]).as_deref(),
        Some("abc")
    );
    assert_eq!(find(&[(e("abc"), true), (g("b*"), true)]), None);
}

#[test]
fn empty_string_only_when_nothing_else_fits() {
    assert_eq!(find(&[(e(""), true), (g("*"), true)]).as_deref(), Some(""));
    assert_eq!(
        find(&[(e(""), false), (g("*"), true)]).as_deref(),
        Some("x")
    );
}

#[test]
fn literal_star_in_exact_value_is_a_character() {
    let got = find(&[(e("a*b"), false), (g("a*b"), true)]).unwrap();
    assert_ne!(got, "a*b");
    assert!(g("a*b").matches(&got));
}
