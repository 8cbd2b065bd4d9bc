//! `examples/risky-deployment`: `check` finds what its README promises and
//! fails, and every request in `requests/` is a witness of the current
//! findings whose decision is the one its file name states.

use super::{load_dir, witness_calls};
use agentpol::model::eval::decide_json;
use std::path::Path;

#[test]
fn the_risky_example_fails_with_the_promised_findings_and_real_witnesses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/risky-deployment");
    let (sources, compiled) = load_dir(&dir);
    let diags = agentpol::analyze(&sources, &compiled).diagnostics;
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    for code in [
        "AP202", "AP203", "AP204", "AP205", "AP210", "AP212", "AP213", "AP214", "AP217",
    ] {
        assert!(codes.contains(&code), "{code} missing: {codes:?}");
    }
    assert!(diags
        .iter()
        .any(|d| d.severity == agentpol::diagnostics::Severity::Error));
    assert!(!codes.contains(&"AP301") && !codes.contains(&"AP302"));

    let witnesses: Vec<serde_json::Value> = diags
        .iter()
        .flat_map(witness_calls)
        .map(|(request, _)| request)
        .collect();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.join("requests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let request: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let expected = match name.split('-').next() {
            Some("allow") => "allow",
            Some("approval") => "approval_required",
            Some("deny") => "deny",
            _ => panic!("{name}: request files are named allow-, approval- or deny-"),
        };
        assert_eq!(
            decide_json(&compiled.model, &request).decision.as_str(),
            expected,
            "{name}"
        );
        assert!(
            witnesses.contains(&request),
            "{name} is not a witness of the current findings"
        );
        files += 1;
    }
    assert!(files >= 5);
}
