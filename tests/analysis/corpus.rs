//! The check corpus: `tests/fixtures/analysis/<check-name>/{risky,fixed}-*/`
//! are small policy sets (their `*.agentpol` files and an optional
//! `agentpol.toml`). Every risky set must produce its check's finding, and
//! every witness call must get, from the reference evaluator, the decision
//! the witness records (so a reviewer pasting it into `agentpol eval` sees
//! the same); every fixed set must produce none of that check's findings.

use super::{analyze_dir, fixture_root, witness_calls};
use agentpol::analysis::{lookup_name, CHECKS};
use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;
use std::path::Path;

/// Cases of one check directory: (name, path), sorted.
pub fn cases(check_dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(check_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

#[test]
fn risky_fixtures_have_their_finding_with_confirmed_witnesses() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for check in CHECKS {
        let dir = fixture_root().join(check.name);
        if !dir.is_dir() {
            continue;
        }
        for (case, path) in cases(&dir)
            .into_iter()
            .filter(|(c, _)| c.starts_with("risky"))
        {
            checked += 1;
            let (_, compiled, diags) = analyze_dir(&path);
            let found: Vec<_> = diags.iter().filter(|d| d.code == check.code).collect();
            if found.is_empty() {
                let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
                failures.push(format!(
                    "{}/{case}: no {} finding (got {codes:?})",
                    check.name, check.code
                ));
                continue;
            }
            for d in &found {
                let calls = witness_calls(d);
                if check.witness && calls.is_empty() {
                    failures.push(format!(
                        "{}/{case}: finding without witness calls: {}",
                        check.name, d.message
                    ));
                }
                let mut non_deny = false;
                for (request, recorded) in &calls {
                    let actual = decide_json(&compiled.model, request).decision;
                    if actual.as_str() != recorded {
                        failures.push(format!(
                            "{}/{case}: witness {request} is decided {} but recorded as {recorded}",
                            check.name,
                            actual.as_str()
                        ));
                    }
                    non_deny |= actual != Outcome::Deny;
                }
                // A shadowed grant's witness shows the denial; every other
                // witness shows a call that goes through.
                if check.witness && !non_deny && check.name != "shadowed-grant" {
                    failures.push(format!(
                        "{}/{case}: no witness call is allowed: {}",
                        check.name, d.message
                    ));
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} risky fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixed_fixtures_have_no_finding_of_their_check() {
    let mut failures = Vec::new();
    for check in CHECKS {
        let dir = fixture_root().join(check.name);
        if !dir.is_dir() {
            continue;
        }
        for (case, path) in cases(&dir)
            .into_iter()
            .filter(|(c, _)| c.starts_with("fixed"))
        {
            let (sources, _, diags) = analyze_dir(&path);
            let found: Vec<_> = diags
                .iter()
                .filter(|d| d.code == check.code)
                .cloned()
                .collect();
            if !found.is_empty() {
                failures.push(format!(
                    "{}/{case}:\n{}",
                    check.name,
                    agentpol::diagnostics::render::human::render(&sources, &found)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// No fixture may produce an unconfirmed witness, and only the solver-unknown
/// fixtures may leave a question undecided.
#[test]
fn the_whole_corpus_is_decided_and_confirmed() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixture_root()).unwrap() {
        let check_dir = entry.unwrap().path();
        if !check_dir.is_dir() {
            continue;
        }
        let name = check_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('_') {
            continue; // not a check's corpus (e.g. `_output`)
        }
        assert!(
            lookup_name(&name).is_some(),
            "fixture folder `{name}` names no check"
        );
        for (case, path) in cases(&check_dir) {
            let (_, _, diags) = analyze_dir(&path);
            for d in &diags {
                let code = d.code.as_str();
                if code == "AP302" || (code == "AP301" && name != "solver-unknown") {
                    failures.push(format!("{name}/{case}: {code} {}", d.message));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
