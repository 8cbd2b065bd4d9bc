//! `agentpol fmt`: the layout never changes what a policy means, is stable
//! (formatting twice is formatting once) and keeps every comment. Checked
//! over every policy in the repository, over generated policies with messed
//! up whitespace and comments, and by snapshots of a few messy files.

use crate::common::gen;
use agentpol::syntax::format::format_str;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The span-free form of what a set of files compiles to: the model with
/// every span blanked, and the diagnostics' codes and messages.
fn meaning(files: &[(String, String)]) -> (Value, Vec<String>) {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (_, compiled) = agentpol::compile_str(&refs);
    let mut model = serde_json::to_value(&compiled.model).unwrap();
    blank_spans(&mut model);
    let diags = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    (model, diags)
}

fn blank_spans(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let is_span =
                m.len() == 3 && ["file", "start", "end"].iter().all(|k| m.contains_key(*k));
            if is_span {
                *v = Value::Null;
                return;
            }
            for (_, x) in m.iter_mut() {
                blank_spans(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(blank_spans),
        _ => {}
    }
}

/// Every comment's text (outside strings), trailing whitespace trimmed.
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_str => escaped = true,
                '"' => in_str = !in_str,
                '#' if !in_str => {
                    out.push(line[i..].trim_end().to_string());
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

/// Checks the three laws on one policy set; returns how many files changed.
fn laws(label: &str, files: &[(String, String)]) -> usize {
    let mut formatted = Vec::new();
    let mut changed = 0;
    for (name, text) in files {
        let Some(once) = format_str(text) else {
            // Does not parse (a syntax-error fixture): nothing to format.
            return 0;
        };
        let twice = format_str(&once)
            .unwrap_or_else(|| panic!("{label}/{name}: output does not parse:\n{once}"));
        assert_eq!(once, twice, "{label}/{name}: formatting is not idempotent");
        assert_eq!(
            comments(text),
            comments(&once),
            "{label}/{name}: comments changed"
        );
        if once != *text {
            changed += 1;
        }
        formatted.push((name.clone(), once));
    }
    let (before, bd) = meaning(files);
    let (after, ad) = meaning(&formatted);
    assert_eq!(bd, ad, "{label}: diagnostics changed");
    assert!(before == after, "{label}: the checked model changed");
    changed
}

/// Directories holding `*.agentpol` files, each with its files (relative names).
fn policy_dirs(root: &Path) -> Vec<(PathBuf, Vec<(String, String)>)> {
    let mut dirs: std::collections::BTreeMap<PathBuf, Vec<(String, String)>> = Default::default();
    for e in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "agentpol") {
            let dir = p.parent().unwrap().to_path_buf();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            dirs.entry(dir)
                .or_default()
                .push((name, std::fs::read_to_string(p).unwrap()));
        }
    }
    dirs.into_iter().collect()
}

#[test]
fn formatting_every_policy_in_the_repository_keeps_its_meaning() {
    let mut sets = 0;
    for top in ["examples", "stdlib", "tests/fixtures", "tests/data"] {
        for (dir, files) in policy_dirs(Path::new(env!("CARGO_MANIFEST_DIR")).join(top).as_path()) {
            laws(&dir.display().to_string(), &files);
            sets += 1;
        }
    }
    // The walk found the repository's policies (not an empty directory).
    assert!(sets > 50, "only {sets} policy directories found");
}

/// Generated policy text with its whitespace disturbed and comments added.
fn messy() -> impl Strategy<Value = String> {
    (
        gen::policy(),
        prop::collection::vec((0usize..6, prop::bool::ANY), 1..400),
    )
        .prop_map(|(p, noise)| {
            let mut out = String::new();
            let mut k = 0;
            let mut chars = p.chars().peekable();
            let mut in_str = false;
            while let Some(c) = chars.next() {
                let (kind, comment) = noise[k % noise.len()];
                if c == '"' {
                    in_str = !in_str;
                }
                match c {
                    c if in_str => out.push(c),
                    ' ' => {
                        k += 1;
                        // Money (`USD 5.00`) needs spaces, not a line break: keep
                        // the space before a digit.
                        let before_digit = chars.peek().is_some_and(|n| n.is_ascii_digit());
                        out.push_str(match (kind, before_digit) {
                            (_, true) => "  ",
                            (0, _) => "\n",
                            (1, _) => "   ",
                            (2, _) => "\t",
                            (3, _) => " \n\n ",
                            _ => " ",
                        });
                    }
                    '\n' => {
                        k += 1;
                        if comment {
                            out.push_str(&format!(" # note {k}"));
                        }
                        out.push_str(if kind == 0 { "\n\n\n" } else { "\n" });
                    }
                    c => out.push(c),
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn formatting_generated_policies_keeps_their_meaning(p in messy()) {
        let files = vec![("gen.agentpol".to_string(), p)];
        prop_assume!(format_str(&files[0].1).is_some());
        laws("generated", &files);
    }
}

#[test]
fn messy_files_get_the_canonical_layout() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/format");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("fixtures/format/*.agentpol", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let out = format_str(&text).unwrap();
            insta::assert_snapshot!("layout", format!("{text}\n----- formatted -----\n{out}"));
        });
    });
}

/// What we ship is in the canonical layout, so a user who copies an
/// example or reads the standard library sees what `agentpol fmt` writes,
/// and `agentpol fmt --check examples/` passes.
#[test]
fn the_examples_and_the_standard_library_are_formatted() {
    let mut unformatted = Vec::new();
    let mut files = 0;
    for top in ["examples", "stdlib"] {
        for (dir, set) in policy_dirs(Path::new(env!("CARGO_MANIFEST_DIR")).join(top).as_path()) {
            for (name, text) in set {
                files += 1;
                let formatted = format_str(&text).expect("shipped policies parse");
                if formatted != text {
                    unformatted.push(dir.join(name).display().to_string());
                }
            }
        }
    }
    assert!(files > 10, "only {files} shipped policy files found");
    assert!(
        unformatted.is_empty(),
        "not in the canonical layout: {unformatted:#?}"
    );
}
