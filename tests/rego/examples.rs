//! Every shipped example builds to Rego that decides each of its request
//! files exactly like `decide`, and whose generated OPA unit tests pass.
//! The data document of each example is snapshotted.

use super::{artifact_text, build_compiled};
use crate::frontend::compile_fixture;

#[test]
fn examples_build_agree_and_pass_their_generated_tests() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/backend/rego");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../../examples", "*/agentpol.toml", |config| {
            let dir = config.parent().unwrap();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let (sources, compiled, _) = compile_fixture(dir);
            assert!(!compiled.has_errors(), "{name} does not compile");
            let mut built = build_compiled(&sources, compiled, &name);
            let requests = dir.join("requests");
            let mut checked = 0;
            if requests.is_dir() {
                let mut files: Vec<_> = std::fs::read_dir(&requests)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                files.sort();
                for f in files
                    .iter()
                    .filter(|f| f.extension().is_some_and(|x| x == "json"))
                {
                    let request: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                    if let Err(e) = built.check(&request) {
                        panic!(
                            "{}: {e}",
                            f.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                                .unwrap()
                                .display()
                        );
                    }
                    checked += 1;
                }
            }
            assert!(checked > 0, "{name} has no requests");
            assert!(
                built.run_generated_tests() > 0,
                "{name}: no generated tests"
            );
            insta::assert_snapshot!(
                format!("example-{name}-data"),
                artifact_text(&built.artifacts, "data.json")
            );
        });
    });
}
