//! Every backend on generated valid policies: the artifacts must load in
//! the engines they are for (Rego in regorus, Cedar in cedar-policy with
//! its schema and entities, IAM as JSON, Kubernetes as YAML), and Rego and
//! Cedar must decide a generated request as the reference evaluator does.
#![no_main]
use agentpol::backend::{self, Target};
use agentpol::policy_tests::engines::{Cedar, Files, Rego};
use agentpol::policy_tests::{Engine, Reference};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.len() * 3 / 4;
    let (seed, rest) = data.split_at(split);
    let Some(text) = agentpol_fuzz::draw(agentpol_fuzz::gen::policy(), seed) else {
        return;
    };
    let (sources, compiled) = agentpol::compile_str(&[("fuzz.agentpol", &text)]);
    if compiled.has_errors() {
        return;
    }
    let request = agentpol_fuzz::draw(agentpol_fuzz::gen::request(), rest);
    let input = backend::Input {
        model: &compiled.model,
        sources: &sources,
        set_name: "fuzz",
    };
    for target in Target::ALL {
        let out = backend::generate(target, &input);
        agentpol_fuzz::assert_well_formed(&sources, &out.diagnostics);
        let failed = out
            .diagnostics
            .iter()
            .any(|d| d.severity == agentpol::diagnostics::Severity::Error);
        assert!(
            !failed || out.artifacts.is_empty(),
            "{target:?}: an error, yet artifacts"
        );
        if failed {
            continue;
        }
        // Every artifact is text except the OPA bundle, a gzipped tarball.
        let files: Files = out
            .artifacts
            .iter()
            .filter(|a| !a.path.ends_with(".tar.gz"))
            .map(|a| {
                let text = String::from_utf8(a.contents.clone()).expect("artifacts are UTF-8");
                (a.path.clone(), text)
            })
            .collect();
        // Generating again gives the same bytes.
        assert_eq!(backend::generate(target, &input).artifacts, out.artifacts);
        match target {
            Target::Rego | Target::Cedar => {
                let mut engine: Box<dyn Engine> = match target {
                    Target::Rego => Box::new(
                        Rego::load(&files)
                            .unwrap_or_else(|e| panic!("rego does not load: {e}\n{text}")),
                    ),
                    _ => Box::new(
                        Cedar::load(&files)
                            .unwrap_or_else(|e| panic!("cedar does not load: {e}\n{text}")),
                    ),
                };
                if let Some(request) = &request {
                    let want = Reference.answer(&compiled.model, request).unwrap();
                    let got = engine
                        .answer(&compiled.model, request)
                        .unwrap_or_else(|e| panic!("{target:?} fails: {e}\n{text}\n{request}"));
                    assert_eq!(
                        got.decision, want.decision,
                        "{target:?} disagrees\n{text}\n{request}\n{got:?}\n{want:?}"
                    );
                }
            }
            Target::Iam => {
                for (path, t) in &files {
                    if path.ends_with(".json") {
                        serde_json::from_str::<serde_json::Value>(t)
                            .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
                    }
                }
            }
            Target::K8s => {
                for (path, t) in &files {
                    if path.ends_with(".yaml") || path.ends_with(".yml") {
                        for doc in serde_yaml_ng::Deserializer::from_str(t) {
                            use serde::Deserialize;
                            serde_yaml_ng::Value::deserialize(doc)
                                .unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
                        }
                    }
                }
            }
        }
    }
});
