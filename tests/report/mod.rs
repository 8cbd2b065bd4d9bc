//! `agentpol report` and `agentpol eval --explain`: report snapshots
//! (Markdown and JSON) of every example, the report's schema, the spend
//! ceilings of the procurement example against a hand computation, and
//! explanations of one request of each decision kind.

mod browser;
mod html;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn agentpol(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "agentpol {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots/report");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            root()
                .join("examples")
                .join(n)
                .join("agentpol.toml")
                .exists()
        })
        .collect();
    v.sort();
    v
}

fn report_json(example: &str) -> Value {
    let dir = format!("examples/{example}");
    serde_json::from_str(&agentpol(&["report", &dir, "--format", "json"])).unwrap()
}

#[test]
fn every_example_has_a_markdown_and_json_report_that_fits_the_schema() {
    let schema: Value = serde_json::from_str(&agentpol(&["schema", "report"])).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for ex in examples() {
        let dir = format!("examples/{ex}");
        let md = agentpol(&["report", &dir]);
        let json = report_json(&ex);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{ex}: {errors:?}");
        settings().bind(|| {
            insta::assert_snapshot!(format!("{ex}.md"), md);
            insta::assert_json_snapshot!(format!("{ex}.json"), json);
        });
    }
}

/// Every witness call in a report is decided as the report claims.
fn replay(example: &str, report: &Value) {
    let model = {
        let dir = root().join("examples").join(example);
        let mut files = Vec::new();
        for e in walk(&dir) {
            if e.extension().is_some_and(|x| x == "agentpol") {
                let text = std::fs::read_to_string(&e).unwrap();
                let name = e.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                files.push((name, text));
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        agentpol::compile_str(&refs).1.model
    };
    for agent in report["agents"].as_array().unwrap() {
        for spend in agent["spend"].as_array().unwrap() {
            for c in spend["ceilings"].as_array().unwrap() {
                for which in ["without_approval", "total"] {
                    for call in c[which]["calls"].as_array().into_iter().flatten() {
                        let d = agentpol::model::eval::decide_json(&model, &call["request"]);
                        assert_eq!(
                            serde_json::to_value(d.decision).unwrap(),
                            call["decision"],
                            "{example}: {call}"
                        );
                    }
                }
            }
        }
        for t in agent["tools"].as_array().unwrap() {
            for which in ["permitted", "without_approval"] {
                if t[which]["status"] == "yes" {
                    let d = agentpol::model::eval::decide_json(&model, &t[which]["request"]);
                    assert_eq!(
                        serde_json::to_value(d.decision).unwrap(),
                        t[which]["decision"]
                    );
                }
            }
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn witness_calls_of_every_report_are_decided_as_claimed() {
    for ex in examples() {
        replay(&ex, &report_json(&ex));
    }
}

fn ceiling<'a>(spend: &'a Value, per: &str, which: &str) -> &'a Value {
    let c = spend["ceilings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["per"] == per)
        .unwrap();
    &c[which]
}

/// By hand, from examples/procurement/procurement.agentpol: `pay_vendor` is
/// the only spend tool; a call carries at most USD 1000.00 (the grant's cap,
/// under the USD 5000.00 budget); 5 calls per session, so 5 × 1000.00 =
/// 5000.00, exactly the budget; 10 per 1d and sessions do not bind a day, so
/// 10 × 1000.00 = 10000.00 per day. Table 2 requires `finance-approvers` for
/// any non-zero spend and the grant requires `amount > USD 0`, so nothing at
/// all can be spent without approval.
#[test]
fn procurement_spend_ceilings_match_the_hand_computation() {
    let r = report_json("procurement");
    let agent = &r["agents"][0];
    assert_eq!(agent["name"], "procurement");
    let spend = &agent["spend"][0];
    assert_eq!(spend["currency"], "USD");
    for (per, total) in [("call", 100_000), ("session", 500_000), ("day", 1_000_000)] {
        let t = ceiling(spend, per, "total");
        assert_eq!(t["status"], "bounded", "{per}: {t}");
        assert_eq!(t["minor"], total, "{per}");
        let sum: i64 = t["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let n = c["count"].as_i64().unwrap();
                let a = c["request"]["args"]["amount"]["minor"].as_i64().unwrap();
                n * a
            })
            .sum();
        assert_eq!(sum, total, "{per}: the witness calls add up to the ceiling");
        let free = ceiling(spend, per, "without_approval");
        assert_eq!(free["status"], "bounded");
        assert_eq!(free["minor"], 0, "{per}");
    }
    let session = ceiling(spend, "session", "total");
    assert_eq!(session["calls"][0]["count"], 5);
    assert_eq!(session["calls"][0]["decision"], "approval_required");
    let day = ceiling(spend, "day", "total");
    assert_eq!(day["calls"][0]["count"], 10);
}

#[test]
fn report_for_an_unknown_agent_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["report", "examples/procurement", "--agent", "procurment"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("AP540") && err.contains("procurement"),
        "{err}"
    );
}

#[test]
fn report_out_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    agentpol(&[
        "report",
        "examples/procurement",
        "--format",
        "json",
        "--out",
        path.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v, report_json("procurement"));
}

/// One request of each decision kind, explained.
#[test]
fn explain_one_request_of_each_decision_kind() {
    for req in [
        "allow-pay-vendor-approved",
        "approval-pay-vendor",
        "deny-over-per-call-cap",
        "deny-session-budget",
    ] {
        let path = format!("examples/procurement/requests/{req}.json");
        let text = agentpol(&[
            "eval",
            "examples/procurement",
            "--request",
            &path,
            "--explain",
        ]);
        settings().bind(|| insta::assert_snapshot!(format!("explain-{req}"), text));
        // The traced JSON decision is the plain decision plus its trace.
        let plain: Value = serde_json::from_str(&agentpol(&[
            "eval",
            "examples/procurement",
            "--request",
            &path,
        ]))
        .unwrap();
        let mut traced: Value = serde_json::from_str(&agentpol(&[
            "eval",
            "examples/procurement",
            "--request",
            &path,
            "--trace",
        ]))
        .unwrap();
        assert!(traced["trace"]["steps"]
            .as_array()
            .is_some_and(|s| !s.is_empty()));
        traced.as_object_mut().unwrap().remove("trace");
        assert_eq!(plain, traced);
    }
}

/// The trace's verdicts are the decision's: every grant the decision names
/// matched in the trace, and every missing approval is marked missing.
#[test]
fn trace_agrees_with_the_decision() {
    use agentpol::model::trace::Step;
    for ex in examples() {
        let dir = root().join("examples").join(&ex);
        let mut files = Vec::new();
        for e in walk(&dir) {
            if e.extension().is_some_and(|x| x == "agentpol") {
                let name = e.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                files.push((name, std::fs::read_to_string(&e).unwrap()));
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let model = agentpol::compile_str(&refs).1.model;
        for r in walk(&dir.join("requests")) {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
            let (d, t) = agentpol::model::eval::explain_json(&model, &v);
            assert_eq!(d, agentpol::model::eval::decide_json(&model, &v));
            for rule in &d.rules {
                let traced = t.steps.iter().any(|s| match s {
                    Step::Rule {
                        rule: id, matched, ..
                    } => id == rule && *matched,
                    Step::Approval {
                        rule: id, missing, ..
                    } => id == rule && *missing,
                    Step::Limit {
                        rule: id, reached, ..
                    } => id == rule && *reached,
                    Step::Budget(b) => &b.rule == rule && !b.ok,
                    Step::Justification { .. } => false,
                });
                assert!(traced, "{}: `{rule}` not in the trace {t:?}", r.display());
            }
        }
    }
}
