//! `check` is the whole truth: every error `build` raises for a policy (the
//! identity and naming rules of each target, what it cannot express, its
//! quotas) is reported by `agentpol check`, with the same code, labels and
//! help. The law runs over every backend fixture and every example; the
//! fixtures named after a code also get a snapshot of `check`'s output.

use crate::frontend::compile_fixture;
use agentpol::backend::{self, Target};
use agentpol::diagnostics::codes::CodeDoc;
use agentpol::diagnostics::render::json as json_render;
use agentpol::diagnostics::Severity;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every backend fixture (file or folder), the target fixtures that no
/// backend folder names after their code, and every example set.
fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "tests/fixtures/backend/rego",
        "tests/fixtures/backend/cedar",
        "tests/fixtures/backend/iam",
        "tests/fixtures/backend/k8s",
        "tests/fixtures/targets",
        "examples",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() || p.extension().is_some_and(|x| x == "agentpol") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A copy of a fixture as a policy set (its policy files and config, with an
/// empty `agentpol.toml` when it has none), for the binary to check.
fn as_policy_set(fixture: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = if fixture.is_dir() {
        walkdir::WalkDir::new(fixture)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| {
                p.is_file()
                    && (p.extension().is_some_and(|x| x == "agentpol")
                        || p.ends_with("agentpol.toml"))
            })
            .collect()
    } else {
        vec![fixture.to_path_buf()]
    };
    for f in files {
        let rel = if fixture.is_dir() {
            f.strip_prefix(fixture).unwrap().to_path_buf()
        } else {
            PathBuf::from(f.file_name().unwrap())
        };
        let dest = dir.path().join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, dest).unwrap();
    }
    let config = dir.path().join("agentpol.toml");
    if !config.exists() {
        std::fs::write(config, "").unwrap();
    }
    dir
}

/// `agentpol check . --format json` in `dir`: its exit code and diagnostics.
fn check_json(dir: &Path) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["check", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let diags = v["sets"][0]["diagnostics"].as_array().unwrap().clone();
    (out.status.code().unwrap(), diags)
}

/// The errors `build --target T` raises, rendered as `check --format json`
/// renders diagnostics (code, message, labels with positions, help).
fn build_errors(dir: &Path) -> Option<Vec<(Target, Value)>> {
    let (sources, compiled, _) = compile_fixture(dir);
    if compiled.has_errors() {
        return None;
    }
    let set_name = agentpol::set_name(&compiled, "policy");
    let mut out = Vec::new();
    for target in Target::ALL {
        let o = backend::generate(
            target,
            &backend::Input {
                model: &compiled.model,
                sources: &sources,
                set_name: &set_name,
            },
        );
        let errors: Vec<_> = o
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let rendered = json_render::to_value(&sources, &errors);
        for d in rendered["diagnostics"].as_array().unwrap() {
            out.push((target, d.clone()));
        }
    }
    Some(out)
}

/// The law: whatever error a target's build raises for a fixture, `check`
/// reports identically and exits 2; and a fixture no target refuses keeps
/// `check`'s verdict free of AP4xx errors.
#[test]
fn check_reports_every_error_build_raises() {
    let mut refused = BTreeSet::new();
    for fixture in fixtures() {
        let set = as_policy_set(&fixture);
        let Some(build) = build_errors(set.path()) else {
            continue;
        };
        let (code, checked) = check_json(set.path());
        for (target, d) in &build {
            refused.insert(d["code"].as_str().unwrap().to_string());
            assert!(
                checked.contains(d),
                "{}: `build --target {}` raises\n{d:#}\nbut `check` reports\n{checked:#?}",
                fixture.display(),
                target.as_str()
            );
        }
        let target_errors: Vec<&Value> = checked
            .iter()
            .filter(|d| d["code"].as_str().unwrap().starts_with("AP4") && d["severity"] == "error")
            .collect();
        if build.is_empty() {
            assert!(
                target_errors.is_empty(),
                "{}: no target refuses it, yet check reports {target_errors:#?}",
                fixture.display()
            );
        } else {
            assert_eq!(code, 2, "{}: build would fail", fixture.display());
            // Nothing beyond what build raises (two targets may share one).
            for d in target_errors {
                assert!(
                    build.iter().any(|(_, b)| b == d),
                    "{}: check reports {d:#} which no build raises",
                    fixture.display()
                );
            }
        }
    }
    // The law was exercised on every target-error code a policy can reach.
    for code in reachable_codes() {
        assert!(
            refused.contains(code.code.as_str()),
            "no fixture makes a build raise {}",
            code.code
        );
    }
}

/// The backends' error codes a policy can trigger. AP411 (a list of lists)
/// and AP420 (a number beyond Cedar's 64 bits) are refused by the checker
/// before any backend sees them (see `checker_refuses_what_no_policy_reaches`);
/// AP412 is a serialisation bug, never the policy's doing.
fn reachable_codes() -> Vec<&'static CodeDoc> {
    let all = [
        backend::rego::CODES,
        backend::cedar::CODES,
        backend::iam::CODES,
        backend::k8s::CODES,
    ];
    all.iter()
        .flat_map(|c| c.iter())
        .filter(|c| c.code.default_severity() == Severity::Error)
        .filter(|c| !["AP411", "AP412", "AP420"].contains(&c.code.as_str()))
        .collect()
}

/// The two backend refusals no policy text reaches: the checker refuses the
/// same constructs first, with its own codes.
#[test]
fn checker_refuses_what_no_policy_reaches() {
    let nested = "tool t.post {\n  arg rows: list<list<string>>\n  effects [write]\n  output trusted internal\n}\n";
    let (_, compiled) = agentpol::compile_str(&[("p.agentpol", nested)]);
    assert!(compiled.has_errors(), "a list of lists must not compile");
    let huge = "tool t.read {\n  effects [read]\n  output trusted internal\n}\nagent a {\n  allow t.read\n  limit t.read 18446744073709551615 per session\n}\n";
    let (_, compiled) = agentpol::compile_str(&[("p.agentpol", huge)]);
    assert!(compiled.has_errors(), "a limit beyond i64 must not compile");
}

/// One snapshot per target-error code: the policy, then what `check` says
/// about it (the fixtures are named after the code they raise).
#[test]
fn check_output_of_each_code_fixture() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/targets");
    settings.set_prepend_module_to_snapshot(false);
    let mut shown = BTreeSet::new();
    settings.bind(|| {
        for fixture in fixtures() {
            let name = fixture.file_stem().unwrap().to_string_lossy().into_owned();
            let Some(code) = name.get(..5).filter(|c| code_is_error(c)) else {
                continue;
            };
            let set = as_policy_set(&fixture);
            let (_, _, listing) = compile_fixture(set.path());
            let out = Command::new(env!("CARGO_BIN_EXE_agentpol"))
                .args(["check", ".", "--color", "never"])
                .current_dir(set.path())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let status = out.status.code().unwrap();
            assert!(
                text.contains(&format!("error[{code}]")),
                "{name}: check does not report {code}:\n{text}"
            );
            assert_eq!(status, 2, "{name}");
            shown.insert(code.to_string());
            insta::assert_snapshot!(
                name.as_str(),
                format!("{listing}══ agentpol check (exit {status}) ══\n{text}")
            );
        }
    });
    for code in reachable_codes() {
        assert!(
            shown.contains(code.code.as_str()),
            "no fixture named `{}-...` shows check reporting it",
            code.code
        );
    }
}

fn code_is_error(code: &str) -> bool {
    reachable_codes().iter().any(|c| c.code.as_str() == code)
}
