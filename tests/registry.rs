//! The registry law: every code used anywhere in the source is registered
//! exactly once, documented, explained by `agentpol explain`, and (unless it
//! is a command-line code) a SARIF rule.

use agentpol::registry::{self, Stage};
use std::collections::BTreeSet;
use std::path::Path;

/// Every `APnnn` written in the library and CLI source, with where.
fn codes_in_source() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices("AP") {
            let digits = &bytes[i + 2..(i + 5).min(bytes.len())];
            // The end of a range (`AP230–AP239`) is not a code in use.
            let before_ok = (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
                && !text[..i].ends_with('–')
                && !text[..i].ends_with('-');
            let after_ok = bytes.get(i + 5).is_none_or(|b| !b.is_ascii_alphanumeric());
            if before_ok && after_ok && digits.len() == 3 && digits.iter().all(u8::is_ascii_digit) {
                let line = text[..i].lines().count();
                out.push((
                    text[i..i + 5].to_string(),
                    format!("{}:{line}", entry.path().display()),
                ));
            }
        }
    }
    out
}

#[test]
fn every_code_in_the_source_is_registered() {
    let known: BTreeSet<String> = registry::entries()
        .iter()
        .map(|e| e.code.as_str().to_string())
        .collect();
    let found = codes_in_source();
    assert!(found.len() > 100, "the scan finds the codes");
    let missing: Vec<String> = found
        .iter()
        .filter(|(c, _)| !known.contains(c))
        .map(|(c, at)| format!("{c} at {at}"))
        .collect();
    assert!(
        missing.is_empty(),
        "used but not registered:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_code_is_registered_once_with_a_name_and_docs() {
    let entries = registry::entries();
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for e in &entries {
        let code = e.code.as_str();
        assert!(codes.insert(code), "{code} is registered twice");
        assert!(names.insert(e.name), "the name {} is used twice", e.name);
        assert!(
            code.len() == 5
                && code.starts_with("AP")
                && code[2..].bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        assert!(
            !e.name.is_empty()
                && e.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{code}: `{}` is not kebab-case",
            e.name
        );
        assert!(
            !e.summary.is_empty() && !e.doc.trim().is_empty(),
            "{code} lacks docs"
        );
        assert!(
            !e.summary.ends_with('.') && !e.summary.starts_with(char::is_uppercase),
            "{code}: a summary is lowercase with no final period: {}",
            e.summary
        );
        let range = match e.stage {
            Stage::Backend => "AP4",
            Stage::Command => "AP5",
            Stage::Analysis => "AP[23]",
            _ => "",
        };
        if range == "AP[23]" {
            assert!(code.starts_with("AP2") || code.starts_with("AP3"), "{code}");
        } else if !range.is_empty() {
            assert!(
                code.starts_with(range),
                "{code} is out of its stage's range"
            );
        }
        assert_eq!(
            registry::lookup(&code.to_lowercase()).map(|x| x.code),
            Some(e.code)
        );
    }
}

#[test]
fn explain_and_sarif_read_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let rules: BTreeSet<String> = registry::sarif_rules().into_iter().map(|r| r.id).collect();
    for e in registry::entries() {
        let code = e.code.as_str();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(["explain", code])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "explain {code}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with(code) && text.contains(e.summary), "{text}");
        assert_eq!(
            rules.contains(code),
            e.stage != Stage::Command,
            "{code} in SARIF"
        );
    }
}
