//! The Rego backend, tested for meaning as well as text: the generated policy
//! runs in regorus against the same requests as the reference evaluator and
//! must give the same decision document.

mod artifacts;
mod differential;
mod examples;
mod hostile;
mod malformed;
mod opa;
mod synthetic;

use agentpol::backend::{self, Artifact, Target};
use agentpol::model::Model;
use serde_json::Value;

/// A policy compiled and built for the Rego target, loaded into regorus.
pub struct Built {
    pub model: Model,
    pub artifacts: Vec<Artifact>,
    pub engine: regorus::Engine,
}

/// Compiles policy text and builds the Rego target; panics on any diagnostic.
pub fn build(policy: &str) -> Built {
    let (sources, compiled) = crate::common::compile_ok(&[("policy.agentpol", policy)]);
    build_compiled(&sources, compiled, policy)
}

/// Builds the Rego target of an already compiled policy set.
pub fn build_compiled(
    sources: &agentpol::source::SourceMap,
    compiled: agentpol::Compiled,
    policy: &str,
) -> Built {
    let output = backend::generate(
        Target::Rego,
        &backend::Input {
            model: &compiled.model,
            sources,
            set_name: "test",
        },
    );
    assert!(
        output.diagnostics.is_empty(),
        "{policy}\n{}",
        agentpol::diagnostics::render::human::render(sources, &output.diagnostics)
    );
    let mut engine = regorus::Engine::new();
    let text = |p: &str| artifact_text(&output.artifacts, p);
    engine
        .add_policy("policy.rego".into(), text("policy.rego"))
        .expect("policy.rego parses");
    engine
        .add_data_json(&text("data.json"))
        .expect("data.json loads");
    Built {
        model: compiled.model,
        artifacts: output.artifacts,
        engine,
    }
}

pub fn artifact_text(artifacts: &[Artifact], path: &str) -> String {
    let a = artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no artifact {path}"));
    String::from_utf8(a.contents.clone()).expect("utf-8 artifact")
}

impl Built {
    /// The generated Rego's decision for a request (as OPA input).
    pub fn rego(&mut self, request: &Value) -> Value {
        let input = regorus::Value::from_json_str(&request.to_string()).expect("input loads");
        self.engine.set_input(input);
        let out = self
            .engine
            .eval_rule(agentpol::backend::rego::QUERY.into())
            .expect("decision evaluates");
        serde_json::from_str(&out.to_json_str().expect("json")).expect("decision is json")
    }

    pub fn reference(&self, request: &Value) -> Value {
        serde_json::to_value(agentpol::model::eval::decide_json(&self.model, request))
            .expect("decision serializes")
    }

    /// Both decisions agree (see [`agree`]).
    pub fn check(&mut self, request: &Value) -> Result<(), String> {
        let rego = self.rego(request);
        let reference = self.reference(request);
        agree(&rego, &reference).map_err(|e| {
            format!("{e}\nrequest:   {request}\nrego:      {rego}\nreference: {reference}")
        })
    }

    /// Runs every `test_` rule of the generated `policy_test.rego`.
    pub fn run_generated_tests(&mut self) -> usize {
        let tests = artifact_text(&self.artifacts, "policy_test.rego");
        let mut engine = self.engine.clone();
        engine
            .add_policy("policy_test.rego".into(), tests.clone())
            .expect("policy_test.rego parses");
        let names: Vec<&str> = tests
            .lines()
            .filter_map(|l| l.strip_suffix(" if {"))
            .filter(|l| l.starts_with("test_"))
            .collect();
        for name in &names {
            let v = engine
                .eval_rule(format!("data.agentpol_test.{name}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(v, regorus::Value::from(true), "generated test {name} fails");
        }
        names.len()
    }
}

/// The Rego decision equals the reference one: outcome, required approvals,
/// rules, log fields and tamper evidence exactly; reasons exactly, except the
/// detail after "invalid request:" / "invalid arguments:" (the reference
/// names the first problem in key order, which Rego cannot see).
pub fn agree(rego: &Value, reference: &Value) -> Result<(), String> {
    for field in ["decision", "approvals", "rules", "log", "tamper_evident"] {
        if rego.get(field) != reference.get(field) {
            return Err(format!("`{field}` differs"));
        }
    }
    let reasons = |v: &Value| -> Vec<String> {
        v["reasons"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        let r = r.as_str().unwrap_or_default();
                        match r.split_once(": ") {
                            Some((head, _)) if head.starts_with("invalid ") => head.to_string(),
                            _ => r.to_string(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if reasons(rego) != reasons(reference) {
        return Err("`reasons` differ".into());
    }
    Ok(())
}
