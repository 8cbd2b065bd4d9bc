//! The analyzer on a synthetic repository (the generator the benchmark
//! uses): everything compiles, every question is decided, every witness is
//! confirmed, and two runs give identical findings. No timing here — see
//! `benches/analysis.rs`. Set `AGENTPOL_WRITE_SYNTHETIC=DIR` to also write
//! the benchmark's 100-agent policy set to DIR (to time `agentpol check`).

#[path = "../../benches/support/synthetic.rs"]
mod synthetic;

use super::witness_calls;
use agentpol::model::eval::decide_json;

#[test]
fn a_synthetic_repository_is_analyzed_completely_and_deterministically() {
    if let Ok(dir) = std::env::var("AGENTPOL_WRITE_SYNTHETIC") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("agentpol.toml"), "").unwrap();
        std::fs::write(
            dir.join("synthetic.agentpol"),
            synthetic::policy(100, 20, 7),
        )
        .unwrap();
    }
    let text = synthetic::policy(12, 20, 7);
    let (sources, compiled) = crate::common::compile_ok(&[("synthetic.agentpol", &text)]);
    let first = agentpol::analyze(&sources, &compiled);
    let second = agentpol::analyze(&sources, &compiled);
    assert_eq!(
        first.diagnostics, second.diagnostics,
        "the same input gives the same findings"
    );
    let codes: std::collections::BTreeSet<&str> =
        first.diagnostics.iter().map(|d| d.code.as_str()).collect();
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
