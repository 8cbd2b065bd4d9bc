//! The registry: one list of checks, each with a unique stable code, its
//! documentation in the four sections `agentpol explain` prints, and a
//! fixture pair (at least two risky and two fixed policy sets).

use super::corpus::cases;
use super::fixture_root;
use agentpol::analysis::{lookup, lookup_name, CHECKS};
use agentpol::diagnostics::codes;
use std::collections::BTreeSet;

/// Codes that cannot have a fixture pair, with the reason.
const NO_FIXTURES: &[(&str, &str)] = &[(
    "AP302",
    "an unconfirmed witness is an analyzer bug; no correct policy can trigger it, and the corpus test asserts it never appears",
)];

#[test]
fn every_code_has_exactly_one_check() {
    let mut codes_seen = BTreeSet::new();
    let mut names = BTreeSet::new();
    for c in CHECKS {
        let code = c.code.as_str();
        assert!(codes_seen.insert(code), "{code} is registered twice");
        assert!(names.insert(c.name), "{} is registered twice", c.name);
        assert!(
            (code.starts_with("AP2") || code.starts_with("AP3")) && code.len() == 5,
            "{code}: analysis codes are AP2xx, solver codes AP3xx"
        );
        assert!(
            codes::lookup(code).is_none(),
            "{code} is also a front-end code"
        );
        assert_eq!(lookup(code).unwrap().name, c.name);
        assert_eq!(lookup(&code.to_lowercase()).unwrap().name, c.name);
        assert_eq!(lookup_name(c.name).unwrap().code, c.code);
        assert!(
            c.name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '-'),
            "{}: names are kebab-case",
            c.name
        );
    }
}

#[test]
fn every_check_is_documented() {
    for c in CHECKS {
        let doc = c.doc();
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Use instead",
        ] {
            assert!(
                doc.contains(section),
                "{} ({}) lacks `{section}`",
                c.code,
                c.name
            );
        }
        let first = c.summary.chars().next().unwrap();
        assert!(
            first.is_lowercase(),
            "{}: summaries start lowercase",
            c.code
        );
        assert!(
            !c.summary.ends_with('.'),
            "{}: summaries have no final period",
            c.code
        );
        assert!(
            !doc.contains("use crate::"),
            "{}: the doc must stop before the code",
            c.code
        );
    }
}

#[test]
fn every_check_has_a_fixture_pair() {
    for c in CHECKS {
        let dir = fixture_root().join(c.name);
        if let Some((_, why)) = NO_FIXTURES
            .iter()
            .find(|(code, _)| *code == c.code.as_str())
        {
            assert!(
                !dir.exists(),
                "{} has fixtures after all; drop it from NO_FIXTURES ({why})",
                c.code
            );
            continue;
        }
        assert!(
            dir.is_dir(),
            "{} ({}) has no fixtures under {}",
            c.code,
            c.name,
            dir.display()
        );
        let all = cases(&dir);
        let risky = all.iter().filter(|(n, _)| n.starts_with("risky")).count();
        let fixed = all.iter().filter(|(n, _)| n.starts_with("fixed")).count();
        assert!(
            risky >= 2 && fixed >= 2,
            "{}: {risky} risky and {fixed} fixed fixtures, need 2 each",
            c.name
        );
        assert_eq!(
            risky + fixed,
            all.len(),
            "{}: fixture folders start with risky or fixed",
            c.name
        );
    }
}
