//! The analyzer: the SMT layer, the check corpus (risky and fixed policies
//! per check, witnesses confirmed by the reference evaluator), the registry,
//! suppressions, and the rendered outputs (human, JSON, SARIF).

mod cli;
mod corpus;
mod example;
mod graph;
mod hostile;
mod laws;
mod output;
mod registry;
mod scale;
mod settings;
mod smt;
mod strings;

use agentpol::diagnostics::Diagnostic;
use agentpol::source::{Origin, SourceMap};
use agentpol::Compiled;
use std::path::{Path, PathBuf};

pub fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis")
}

/// Loads a fixture policy set (its `*.agentpol` files, sorted, and its
/// `agentpol.toml` if any), failing on front-end errors.
pub fn load_dir(dir: &Path) -> (SourceMap, Compiled) {
    let mut sources = SourceMap::new();
    let config = dir.join("agentpol.toml");
    let config = config.is_file().then(|| {
        sources.add(
            "agentpol.toml",
            std::fs::read_to_string(&config).unwrap(),
            Origin::User,
        )
    });
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "agentpol"))
        .collect();
    files.sort();
    let ids: Vec<_> = files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            sources.add(name, std::fs::read_to_string(p).unwrap(), Origin::User)
        })
        .collect();
    let compiled = agentpol::compile(&mut sources, config, &ids);
    if compiled.has_errors() {
        panic!(
            "{} does not compile:\n{}",
            dir.display(),
            agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics)
        );
    }
    (sources, compiled)
}

/// Loads and analyzes a fixture policy set.
pub fn analyze_dir(dir: &Path) -> (SourceMap, Compiled, Vec<Diagnostic>) {
    let (sources, compiled) = load_dir(dir);
    let diags = agentpol::analyze(&sources, &compiled).diagnostics;
    (sources, compiled, diags)
}

/// The witness calls of a finding: (request, recorded decision).
pub fn witness_calls(d: &Diagnostic) -> Vec<(serde_json::Value, String)> {
    d.witness
        .as_ref()
        .and_then(|w| w.get("calls"))
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["request"].clone(),
                c["decision"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
