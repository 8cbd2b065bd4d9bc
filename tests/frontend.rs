//! Front-end diagnostics: one fixture per code under
//! `tests/fixtures/frontend/`, named `CODE-name` (a file, or a folder for
//! multi-file cases). Each snapshot shows the source, then the rendered
//! diagnostics; each fixture must trigger its own code.

use agentpol::diagnostics::codes;
use agentpol::diagnostics::render::{human, json};
use agentpol::source::{Origin, SourceMap};
use std::path::{Path, PathBuf};

/// Loads a fixture file or folder the way the CLI loads a policy set.
pub fn compile_fixture(path: &Path) -> (SourceMap, agentpol::Compiled, String) {
    let mut sources = SourceMap::new();
    let mut listing = String::new();
    // Policy files and the config, recursively (example sets also hold
    // READMEs and request folders, which are not part of the policy).
    let mut files: Vec<PathBuf> = if path.is_dir() {
        walkdir::WalkDir::new(path)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| {
                p.is_file()
                    && (p.extension().is_some_and(|x| x == "agentpol")
                        || p.ends_with("agentpol.toml"))
            })
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let mut config = None;
    let mut ids = Vec::new();
    for f in files {
        let rel = if path.is_dir() {
            f.strip_prefix(path).unwrap()
        } else {
            f.file_name().map(Path::new).unwrap()
        };
        let name = rel.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&f).unwrap();
        listing.push_str(&format!("── {name} ──\n{text}\n"));
        let id = sources.add(name.clone(), text, Origin::User);
        if name == "agentpol.toml" {
            config = Some(id);
        } else {
            ids.push(id);
        }
    }
    let compiled = agentpol::compile(&mut sources, config, &ids);
    (sources, compiled, listing)
}

#[test]
fn every_fixture_matches_its_snapshot_and_code() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/frontend");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("fixtures/frontend/*", |path| {
            let (sources, compiled, listing) = compile_fixture(path);
            let rendered = human::render(&sources, &compiled.diagnostics);
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let code = stem.split('-').next().unwrap();
            assert!(
                compiled.diagnostics.iter().any(|d| d.code.as_str() == code),
                "{stem} does not produce {code}:\n{rendered}"
            );
            // Every diagnostic has a code, a labelled span and a help line.
            for d in &compiled.diagnostics {
                assert!(
                    d.labels.iter().any(|l| l.primary && !l.message.is_empty()),
                    "unlabelled: {d:?}"
                );
                assert!(
                    d.help.as_deref().is_some_and(|h| !h.is_empty()),
                    "no help: {d:?}"
                );
            }
            insta::assert_snapshot!(
                stem.as_str(),
                elide_long_lines(&format!("{listing}── diagnostics ──\n{rendered}"))
            );
        });
    });
}

/// Lines longer than 300 characters (the AP004 fixture's giant literal)
/// shortened to their first 120 characters and a count of the rest, so a
/// snapshot stays readable.
fn elide_long_lines(text: &str) -> String {
    text.lines()
        .map(|l| {
            let n = l.chars().count();
            if n > 300 {
                let head: String = l.chars().take(120).collect();
                format!("{head}… [{} more characters]", n - 120)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

#[test]
fn every_code_has_docs_and_exactly_one_fixture() {
    crate::common::assert_one_fixture_per_code(codes::TABLE, "tests/fixtures/frontend");
}

#[test]
fn three_independent_mistakes_give_three_diagnostics() {
    let src = "tool chat.post {\n  arg channel: string\n  effects [communicate]\n}\n\nagent bot {\n  allow chat.pots\n  allow chat.post where chanel == \"#x\"\n  credentials ttl 15y\n}\n";
    let (_, compiled) = agentpol::compile_str(&[("main.agentpol", src)]);
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["AP104", "AP105", "AP107"]);
}

#[test]
fn json_diagnostics_carry_resolved_locations() {
    let (sources, compiled) =
        agentpol::compile_str(&[("p/main.agentpol", "agent bot {\n  allow chat.post\n}\n")]);
    let v = json::to_value(&sources, &compiled.diagnostics);
    let label = &v["diagnostics"][0]["labels"][0];
    assert_eq!(v["diagnostics"][0]["code"], "AP104");
    assert_eq!(label["file"], "p/main.agentpol");
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(2), Some(9))
    );
    assert_eq!(v["summary"]["error"], 1);
}
