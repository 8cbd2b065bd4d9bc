//! `eval` on arbitrary requests: the reference decision of a fixed policy
//! set (the generators' catalog with two agents, and the procurement
//! example) for arbitrary JSON, or, when the bytes are not JSON, a request
//! the generators draw from them. Every answer must be a decision.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const AGENTS: &str = r#"
agent a0 {
  allow t.post where room like "pub-*" and prio != "high"
  approve t.post when urgent == true by group "leads" count 2 reason "urgent"
  allow t.read where id >= 0 and id < 1000
  allow t.pay where amount <= USD 50.00 and vendor in ["v1", "v2"]
  limit t.pay 3 per session
  budget USD 100.00 per session
  justification required
}
agent a1 {
  allow t.*
  deny t.pay where vendor like "*evil*"
  delegate to [a0]
}
"#;

fn models() -> &'static [agentpol::model::Model] {
    static MODELS: OnceLock<Vec<agentpol::model::Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let gen = format!("{}{AGENTS}", agentpol_fuzz::gen::CATALOG);
        let sets: [&[(&str, &str)]; 2] = [
            &[("gen.agentpol", gen.as_str())],
            &[
                (
                    "procurement.agentpol",
                    include_str!("../../examples/procurement/procurement.agentpol"),
                ),
                (
                    "receipts.agentpol",
                    include_str!("../../examples/procurement/receipts.agentpol"),
                ),
                (
                    "resources.agentpol",
                    include_str!("../../examples/procurement/resources.agentpol"),
                ),
            ],
        ];
        sets.iter()
            .map(|files| {
                let (sources, compiled) = agentpol::compile_str(files);
                assert!(
                    !compiled.has_errors(),
                    "{}",
                    agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics)
                );
                compiled.model
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let request = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(v) => v,
        Err(_) => match agentpol_fuzz::draw(agentpol_fuzz::gen::request(), data) {
            Some(v) => v,
            None => return,
        },
    };
    for model in models() {
        let d = agentpol::model::eval::decide_json(model, &request);
        // The decision serialises, and deciding again gives the same answer.
        let again = agentpol::model::eval::decide_json(model, &request);
        assert_eq!(d.decision, again.decision);
        assert_eq!(d.reasons, again.reasons);
        serde_json::to_string(&d).expect("a decision serialises");
    }
});
