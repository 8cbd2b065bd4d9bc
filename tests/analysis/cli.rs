//! The `check`, `explain` and `eval` commands around the analyzer: exit
//! codes and `--fail-on`, `--list-checks`, `explain` for analysis codes, and
//! witnesses from `check --format json` confirmed by `agentpol eval`.

use super::fixture_root;
use std::path::Path;
use std::process::{Command, Output};

fn agentpol(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A copy of a fixture as a policy set on disk (with an `agentpol.toml`).
fn policy_set(fixture: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = fixture_root().join(fixture);
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    let toml = tmp.path().join("agentpol.toml");
    if !toml.exists() {
        std::fs::write(toml, "").unwrap();
    }
    tmp
}

#[test]
fn findings_at_the_failing_severity_exit_with_1() {
    let risky = policy_set("untrusted-input-to-privileged-sink/risky-web-to-chat");
    let out = agentpol(&["check", "."], risky.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[AP201]"), "{text}");
    assert!(text.contains("witness:"), "{text}");

    // Only warnings: clean by default, failing with --fail-on warning.
    let warned = policy_set("multi-domain-agent/risky-two-domains");
    assert_eq!(
        agentpol(&["check", "."], warned.path()).status.code(),
        Some(0)
    );
    assert_eq!(
        agentpol(&["check", ".", "--fail-on", "warning"], warned.path())
            .status
            .code(),
        Some(1)
    );
    // The config's fail_on applies when the flag is absent.
    std::fs::write(
        warned.path().join("agentpol.toml"),
        "[check]\nfail_on = \"warning\"\n",
    )
    .unwrap();
    assert_eq!(
        agentpol(&["check", "."], warned.path()).status.code(),
        Some(1)
    );
    assert_eq!(
        agentpol(&["check", ".", "--fail-on", "error"], warned.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_policy_that_does_not_compile_exits_with_2_and_is_not_analyzed() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("agentpol.toml"), "").unwrap();
    std::fs::write(tmp.path().join("p.agentpol"), "agent a { allow nope.tool }").unwrap();
    let out = agentpol(&["check", "."], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not analyzed"));
}

#[test]
fn list_checks_names_every_code() {
    let out = agentpol(
        &["check", "--list-checks"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for c in agentpol::analysis::CHECKS {
        assert!(
            text.contains(c.code.as_str()) && text.contains(c.name),
            "{} missing",
            c.code
        );
    }
    let json = agentpol(
        &["check", "--list-checks", "--format", "json"],
        Path::new("."),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v["checks"].as_array().unwrap().len(),
        agentpol::analysis::CHECKS.len()
    );
}

#[test]
fn explain_prints_the_documentation_of_analysis_and_front_end_codes() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = agentpol(&["explain", "AP205"], here);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("AP205 (cross-agent-untrusted-flow"),
        "{text}"
    );
    for section in [
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Use instead",
    ] {
        assert!(text.contains(section), "{text}");
    }
    assert!(agentpol(&["explain", "ap104"], here).status.success());
    assert_eq!(agentpol(&["explain", "AP999"], here).status.code(), Some(2));
}

#[test]
fn json_witnesses_are_confirmed_by_eval() {
    let set = policy_set("cross-agent-untrusted-flow/risky-inbox-globs-meet");
    let out = agentpol(&["check", ".", "--format", "json"], set.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["sets"][0]["diagnostics"].as_array().unwrap();
    let finding = diags
        .iter()
        .find(|d| d["code"] == "AP205")
        .expect("an AP205 finding");
    let calls = finding["witness"]["calls"].as_array().unwrap();
    assert!(calls.len() >= 4, "source, write, read and sink calls");
    let mailbox = &calls[1]["request"]["args"]["mailbox"];
    assert_eq!(
        mailbox, &calls[2]["request"]["args"]["mailbox"],
        "the shared resource"
    );
    for call in calls {
        let req = set.path().join("req.json");
        std::fs::write(&req, serde_json::to_string(&call["request"]).unwrap()).unwrap();
        let out = agentpol(&["eval", ".", "--request", "req.json"], set.path());
        assert!(out.status.success());
        let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            decision["decision"], call["decision"],
            "{}",
            call["request"]
        );
    }
}

/// Every `artifactLocation` in a SARIF log.
fn artifact_locations(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "artifactLocation" {
                    out.push(x.clone());
                } else {
                    artifact_locations(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| artifact_locations(x, out)),
        _ => {}
    }
}

/// A set named by an absolute path gets absolute `file://` URIs with no
/// `uriBaseId` (a base id with an absolute URI is SARIF1004); a relative
/// path keeps relative references against `%SRCROOT%`. Both validate.
#[test]
fn sarif_locations_are_valid_for_absolute_and_relative_paths() {
    let set = policy_set("data-exfiltration/risky-secret-to-external-channel");
    let abs = set.path().canonicalize().unwrap();
    let validator = super::output::sarif_validator();
    let elsewhere = tempfile::tempdir().unwrap();
    for (arg, cwd, absolute) in [
        (abs.to_str().unwrap().to_string(), elsewhere.path(), true),
        (".".to_string(), set.path(), false),
    ] {
        let out = agentpol(&["check", &arg, "--format", "sarif"], cwd);
        assert_eq!(out.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let mut locations = Vec::new();
        artifact_locations(&v, &mut locations);
        let user: Vec<_> = locations
            .iter()
            .filter(|l| l["uriBaseId"] != "AGENTPOL_STDLIB")
            .collect();
        assert!(!user.is_empty());
        for l in user {
            let uri = l["uri"].as_str().unwrap();
            if absolute {
                assert!(l.get("uriBaseId").is_none(), "{l}");
                let path = uri.strip_prefix("file://").expect("a file URI");
                assert!(Path::new(path).is_file(), "{uri} names the policy file");
            } else {
                assert_eq!(l["uriBaseId"], "%SRCROOT%", "{l}");
                assert!(!uri.starts_with('/') && !uri.contains(':'), "{uri}");
            }
        }
    }
}

#[test]
fn sarif_format_is_a_sarif_log() {
    let set = policy_set("data-exfiltration/risky-secret-to-external-channel");
    let out = agentpol(&["check", ".", "--format", "sarif"], set.path());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "AP204"));
    assert!(results.iter().all(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "policy.agentpol"
    ));
}
