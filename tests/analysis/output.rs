//! Rendered findings of a representative policy set (several files, a
//! preset, a suppression, a severity override): human, JSON and SARIF
//! snapshots, and the SARIF output validated against the official SARIF
//! 2.1.0 schema (copied with its provenance into `tests/data/sarif/`).

use super::{analyze_dir, fixture_root};
use agentpol::diagnostics::render::{human, json, sarif};
use agentpol::source::SourceMap;
use serde_json::Value;

fn representative() -> (SourceMap, Vec<agentpol::diagnostics::Diagnostic>) {
    let (sources, _, diags) = analyze_dir(&fixture_root().join("_output/representative"));
    (sources, diags)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots/analysis");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The input files, then the output, as one text.
fn with_sources(sources: &SourceMap, output: &str) -> String {
    let mut out = String::new();
    for (_, f) in sources.files() {
        out.push_str(&format!("--- {} ---\n{}\n", f.name, f.text.trim_end()));
    }
    out.push_str("--- output ---\n");
    out.push_str(output);
    out
}

pub(super) fn sarif_log(sources: &SourceMap, diags: &[agentpol::diagnostics::Diagnostic]) -> Value {
    sarif::to_value(
        &agentpol::registry::sarif_rules(),
        &[sarif::SetResults {
            prefix: "representative/".into(),
            sources,
            diagnostics: diags,
        }],
        "0.0.0-test",
    )
}

#[test]
fn human_output() {
    let (sources, diags) = representative();
    settings().bind(|| {
        insta::assert_snapshot!(
            "representative_human",
            with_sources(&sources, &human::render(&sources, &diags))
        );
    });
}

#[test]
fn json_output() {
    let (sources, diags) = representative();
    settings().bind(|| {
        insta::assert_json_snapshot!("representative_json", json::to_value(&sources, &diags));
    });
}

#[test]
fn sarif_output() {
    let (sources, diags) = representative();
    let mut log = sarif_log(&sources, &diags);
    // The rules carry every check's documentation; the snapshot keeps their
    // ids and levels, the schema test below checks them whole.
    let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
    let ids: Vec<Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::json!([r["id"], r["defaultConfiguration"]["level"]]))
        .collect();
    *rules = Value::Array(ids);
    settings().bind(|| {
        insta::assert_json_snapshot!("representative_sarif", log);
    });
}

/// The official SARIF 2.1.0 schema, compiled.
pub(super) fn sarif_validator() -> jsonschema::Validator {
    let schema_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif/sarif-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let (sources, diags) = representative();
    assert!(
        diags.iter().any(|d| d.witness.is_some()),
        "the sample must exercise code flows"
    );
    let log = sarif_log(&sources, &diags);
    // The deliberately risky example exercises every kind of witness path.
    let risky = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/risky-deployment");
    let (rs, _, rd) = analyze_dir(&risky);
    for doc in [&log, &sarif_log(&rs, &rd)] {
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
    // A document that breaks the schema is rejected, so the test has teeth.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_results_carry_the_witness_as_a_code_flow() {
    let (sources, diags) = representative();
    let log = sarif_log(&sources, &diags);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let flow = results
        .iter()
        .find(|r| r["ruleId"] == "AP201")
        .expect("an AP201 result");
    let steps = flow["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[0]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "representative/tools.agentpol"
    );
    assert!(
        flow["properties"]["witness"]["calls"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    // Every result's rule index points at its rule.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}
