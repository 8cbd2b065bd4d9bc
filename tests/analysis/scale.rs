//! The analyzer on a synthetic organisation (`agentpol::synth::Org`, the
//! generator the benchmarks use): everything compiles, every question is
//! decided, every witness is confirmed, two runs give identical findings,
//! and flow findings are one per risk, not one per sink. No timing here —
//! see `benches/analysis.rs`; `cargo run --release --example synth-org --
//! AGENTS TOOLS DIR` writes a larger set to time `agentpol check` on.

use super::witness_calls;
use agentpol::model::eval::decide_json;
use agentpol::synth::Org;
use std::collections::{BTreeMap, BTreeSet};

fn compiled(org: &Org) -> (agentpol::source::SourceMap, agentpol::Compiled) {
    let files = org.files();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    crate::common::compile_ok(&files)
}

#[test]
fn a_synthetic_organisation_is_analyzed_completely_and_deterministically() {
    let org = Org::new(12, 20);
    let (sources, compiled) = compiled(&org);
    let first = agentpol::analyze(&sources, &compiled);
    let second = agentpol::analyze(&sources, &compiled);
    assert_eq!(
        first.diagnostics, second.diagnostics,
        "the same input gives the same findings"
    );
    let codes: BTreeSet<&str> = first.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(
        !codes.contains("AP301") && !codes.contains("AP302"),
        "{codes:?}"
    );
    for code in ["AP201", "AP202", "AP205"] {
        assert!(
            codes.contains(code),
            "the generator should exercise {code}: {codes:?}"
        );
    }
    for d in &first.diagnostics {
        for (request, recorded) in witness_calls(d) {
            assert_eq!(
                decide_json(&compiled.model, &request).decision.as_str(),
                recorded
            );
        }
    }
}

/// The sink tools a grouped finding lists, from its witness JSON.
fn sinks(d: &agentpol::diagnostics::Diagnostic) -> Vec<String> {
    let w = d.witness.as_ref().expect("flow findings carry a witness");
    match w.get("sinks").and_then(|s| s.as_array()) {
        Some(list) => list
            .iter()
            .map(|s| s["tool"].as_str().unwrap_or_default().to_string())
            .collect(),
        // One sink: the last step of the path.
        None => w["path"]
            .as_array()
            .and_then(|p| p.last())
            .map(|s| vec![s["name"].as_str().unwrap_or_default().to_string()])
            .unwrap_or_default(),
    }
}

/// Each agent that reads untrusted input gets one AP201 finding, and it
/// lists every privileged tool the agent can call without approval: the
/// generator's own allowed request for each such tool (decided by the
/// reference evaluator, not by the analyzer) must be among the sinks.
#[test]
fn flow_findings_are_one_per_agent_and_list_every_sink() {
    let org = Org::new(8, 36);
    let (sources, compiled) = compiled(&org);
    let found = agentpol::analyze(&sources, &compiled);
    let mut per_agent: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in found
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "AP201")
    {
        let calls = witness_calls(d);
        let agent = calls[0].0["agent"].as_str().unwrap().to_string();
        let listed = sinks(d);
        assert_eq!(
            calls.len(),
            1 + listed.len(),
            "a call per sink: {}",
            d.message
        );
        assert!(
            per_agent.insert(agent.clone(), listed).is_none(),
            "one AP201 finding per agent, twice for {agent}"
        );
    }
    assert!(!per_agent.is_empty(), "the generator exercises AP201");
    assert!(
        per_agent.values().any(|s| s.len() > 5),
        "some finding groups many sinks: {per_agent:?}"
    );
    for (agent, listed) in &per_agent {
        let a: usize = agent.trim_start_matches('a').parse().unwrap();
        for t in 0..org.tools {
            let tool = &compiled.model.tools[&org.tool(t)];
            if !tool.effects.iter().any(|e| e.is_privileged()) {
                continue;
            }
            let d = decide_json(&compiled.model, &org.request(a, t));
            if d.decision.as_str() == "allow" {
                assert!(
                    listed.contains(&tool.name),
                    "{agent} can call {} without approval, but its finding lists {listed:?}",
                    tool.name
                );
            }
        }
    }
    // The grouped findings say so in SARIF, stay one result each, and the
    // log is still valid SARIF 2.1.0.
    let log = super::output::sarif_log(&sources, &found.diagnostics);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), found.diagnostics.len());
    let grouped: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["properties"]["grouped"].is_object())
        .collect();
    assert!(!grouped.is_empty());
    for r in grouped {
        let n = r["properties"]["grouped"]["sinks"].as_u64().unwrap();
        assert_eq!(
            r["properties"]["grouped"]["tools"]
                .as_array()
                .unwrap()
                .len() as u64,
            n
        );
    }
    let errors: Vec<String> = super::output::sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
