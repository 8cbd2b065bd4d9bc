//! The artifacts as text: snapshots of the fixtures' output, determinism,
//! the bundle's layout, and what the target refuses to build.

use super::{artifact_text, build};
use crate::common::gen;
use agentpol::backend::{self, Artifact, Output, Target};
use agentpol::diagnostics::render::human;
use proptest::prelude::*;
use serde_json::Value;
use std::io::Read;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots/backend/rego");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn generate(name: &str, text: &str) -> (agentpol::source::SourceMap, Output) {
    let (sources, compiled) = agentpol::compile_str(&[(name, text)]);
    assert!(!compiled.has_errors(), "{name} does not compile");
    let output = backend::generate(
        Target::Rego,
        &backend::Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "fixture",
        },
    );
    (sources, output)
}

/// The entries of the bundle: (path, header mode, mtime, uid, gid, text).
fn unpack(artifacts: &[Artifact]) -> Vec<(String, u32, u64, u64, u64, String)> {
    let tgz = &artifacts
        .iter()
        .find(|a| a.path == "bundle.tar.gz")
        .expect("bundle")
        .contents;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz.as_slice()));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let mut text = String::new();
            e.read_to_string(&mut text).unwrap();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                h.mode().unwrap(),
                h.mtime().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                text,
            )
        })
        .collect()
}

/// Each fixture with its output: the data document, the generated tests
/// and the bundle's manifest and listing, or the diagnostics.
#[test]
fn fixtures() {
    insta::glob!("../fixtures/backend/rego", "*.agentpol", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let (sources, output) = generate(&name, &text);
        let mut snap = format!("--- {name}\n{text}");
        if !output.diagnostics.is_empty() {
            assert!(output.artifacts.is_empty(), "artifacts despite errors");
            snap.push_str("--- diagnostics\n");
            snap.push_str(&human::render(&sources, &output.diagnostics));
        } else {
            let paths: Vec<&str> = output.artifacts.iter().map(|a| a.path.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "README.md",
                    "bundle.tar.gz",
                    "data.json",
                    "policy.rego",
                    "policy_test.rego"
                ]
            );
            for file in ["data.json", "policy_test.rego"] {
                snap.push_str(&format!("--- {file}\n"));
                snap.push_str(&artifact_text(&output.artifacts, file));
            }
            snap.push_str("--- bundle.tar.gz\n");
            for (path, mode, mtime, uid, gid, body) in unpack(&output.artifacts) {
                snap.push_str(&format!(
                    "{path} mode={mode:o} mtime={mtime} uid={uid} gid={gid} bytes={}\n",
                    body.len()
                ));
                if path == ".manifest" {
                    snap.push_str(&body);
                }
            }
            // and the generated unit tests pass in a real Rego engine
            let mut built = build(&text);
            assert!(built.run_generated_tests() > 3);
        }
        settings().bind(|| insta::assert_snapshot!(snap));
    });
}

/// The rules and the README are the same for every policy set.
#[test]
fn policy_and_readme() {
    settings().bind(|| {
        insta::assert_snapshot!("policy_rego", backend::rego::POLICY);
    });
    let (_, a) = generate("a.agentpol", gen::CATALOG);
    let (_, b) = generate(
        "representative.agentpol",
        include_str!("../fixtures/backend/rego/representative.agentpol"),
    );
    for file in ["policy.rego", "README.md"] {
        assert_eq!(
            artifact_text(&a.artifacts, file),
            artifact_text(&b.artifacts, file)
        );
    }
    settings().bind(|| {
        insta::assert_snapshot!("readme", artifact_text(&a.artifacts, "README.md"));
    });
}

/// The bundle holds exactly the policy and the data, under the declared root.
#[test]
fn bundle_is_an_opa_bundle_of_the_artifacts() {
    let text = include_str!("../fixtures/backend/rego/representative.agentpol");
    let (_, output) = generate("representative.agentpol", text);
    let entries = unpack(&output.artifacts);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, [".manifest", "agentpol/policy.rego", "data.json"]);
    let manifest: Value = serde_json::from_str(&entries[0].5).unwrap();
    assert_eq!(manifest["roots"], serde_json::json!(["agentpol"]));
    assert_eq!(manifest["rego_version"], 1);
    let revision = manifest["revision"].as_str().unwrap();
    assert!(revision.starts_with("sha3-256:") && revision.len() == 9 + 64);
    assert_eq!(
        entries[1].5,
        artifact_text(&output.artifacts, "policy.rego")
    );
    assert_eq!(entries[2].5, artifact_text(&output.artifacts, "data.json"));
    // Everything the bundle's data holds is under its root.
    let data: Value = serde_json::from_str(&entries[2].5).unwrap();
    assert_eq!(
        data.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["agentpol"]
    );
    for (_, mode, mtime, uid, gid, _) in &entries {
        assert_eq!((*mode, *mtime, *uid, *gid), (0o644, 0, 0, 0));
    }
    // A different policy gets a different revision.
    let (_, other) = generate("a.agentpol", gen::CATALOG);
    assert_ne!(unpack(&other.artifacts)[0].5, entries[0].5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Same model, same bytes: every artifact, the tarball included.
    #[test]
    fn output_is_byte_identical_across_runs(policy in gen::policy()) {
        let (_, first) = generate("gen.agentpol", &policy);
        let (_, second) = generate("gen.agentpol", &policy);
        prop_assert!(first.diagnostics.is_empty());
        prop_assert_eq!(first.artifacts, second.artifacts);
    }
}

/// A model the front end cannot produce today (a list of lists) is still
/// refused rather than built with an unchecked argument.
#[test]
fn nested_lists_are_refused() {
    use agentpol::model::Type;
    let (sources, mut compiled) = crate::common::compile_ok(&[("gen.agentpol", gen::CATALOG)]);
    let tool = compiled.model.tools.get_mut("t.post").unwrap();
    tool.args.get_mut("tags").unwrap().ty = Type::List {
        element: Box::new(Type::List {
            element: Box::new(Type::String),
        }),
    };
    let output = backend::generate(
        Target::Rego,
        &backend::Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "x",
        },
    );
    assert!(output.artifacts.is_empty());
    let codes: Vec<&str> = output.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["AP411"]);
    assert!(output.diagnostics[0].message.contains("`rego`"));
    assert!(output.diagnostics[0].message.contains("list<list<string>>"));
}

/// Every code the backend emits is documented.
#[test]
fn codes_are_documented() {
    let codes: Vec<&str> = backend::rego::CODES
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["AP410", "AP411", "AP412"]);
    for d in backend::rego::CODES {
        assert!(!d.explanation.is_empty() && d.name.starts_with("rego-"));
    }
}
