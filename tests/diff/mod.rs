//! `agentpol diff`: policy pairs under tests/fixtures/diff/<case>/{old,new}/
//! — refactorings that change nothing, and one change of each kind — each
//! with its exact delta (a Markdown snapshot) and every witness replayed
//! with `agentpol eval` on both sides; and `--base` in a temporary git
//! repository.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args, &root());
    assert!(
        out.status.success(),
        "agentpol {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots/diff");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn sides(case: &str) -> (String, String) {
    (
        format!("tests/fixtures/diff/{case}/old"),
        format!("tests/fixtures/diff/{case}/new"),
    )
}

fn diff_json(case: &str) -> Value {
    let (o, n) = sides(case);
    serde_json::from_str(&ok(&["diff", &o, &n, "--format", "json"])).unwrap()
}

/// The decision `agentpol eval` gives `request` on the policy set `dir`.
fn eval(dir: &str, request: &Value) -> String {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), request.to_string()).unwrap();
    let out = run(
        &["eval", dir, "--request", tmp.path().to_str().unwrap()],
        &root(),
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("eval {dir}: {}", String::from_utf8_lossy(&out.stderr)));
    v["decision"].as_str().unwrap().to_string()
}

/// Every witness gets different decisions from `agentpol eval` on the two
/// sides, the ones the diff states.
fn witnesses_replay(case: &str, d: &Value) -> usize {
    let (o, n) = sides(case);
    let mut count = 0;
    for a in d["agents"].as_array().unwrap() {
        for x in a["deltas"].as_array().unwrap() {
            let Some(w) = x.get("witness").filter(|w| !w.is_null()) else {
                continue;
            };
            assert_eq!(w["confirmed"], true, "{case}: {x}");
            let (old, new) = (eval(&o, &w["request"]), eval(&n, &w["request"]));
            assert_ne!(old, new, "{case}: witness decided alike: {x}");
            assert_eq!(old, w["old"].as_str().unwrap(), "{case}: {x}");
            assert_eq!(new, w["new"].as_str().unwrap(), "{case}: {x}");
            count += 1;
        }
    }
    count
}

/// (kind, tool, resource) of every delta of `agent`.
fn deltas(d: &Value, agent: &str) -> Vec<(String, String, String)> {
    d["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["agent"] == agent)
        .flat_map(|a| a["deltas"].as_array().unwrap().iter())
        .map(|x| {
            let s = |k: &str| x[k].as_str().unwrap_or("").to_string();
            (s("kind"), s("tool"), s("resource"))
        })
        .collect()
}

fn t(kind: &str, tool: &str, resource: &str) -> (String, String, String) {
    (kind.into(), tool.into(), resource.into())
}

#[test]
fn refactorings_report_no_change_in_behaviour() {
    for case in [
        "reorder",
        "split_file",
        "equivalent_constraint",
        "renamed_module",
    ] {
        let d = diff_json(case);
        assert_eq!(d["changed"], false, "{case}: {d:#}");
        assert_eq!(d["widened"], false, "{case}");
        let (o, n) = sides(case);
        let md = ok(&["diff", &o, &n]);
        assert!(md.contains("No change in behaviour"), "{case}: {md}");
        // --fail-on widened and changed both pass.
        assert!(run(&["diff", &o, &n, "--fail-on", "changed"], &root())
            .status
            .success());
    }
}

/// The JSON of every fixture pair fits the schema `agentpol schema diff`
/// prints (the one users validate against).
#[test]
fn every_diff_json_fits_the_published_schema() {
    let schema: Value = serde_json::from_str(&ok(&["schema", "diff"])).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut cases: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/diff"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    for case in &cases {
        let d = diff_json(case);
        let errors: Vec<String> = validator.iter_errors(&d).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{case}: {errors:?}");
    }
    // The schema is not vacuous: a report that drops a required field or
    // changes a type is rejected.
    let mut broken = diff_json("widened_glob");
    broken.as_object_mut().unwrap().remove("changed");
    assert!(
        !validator.is_valid(&broken),
        "a diff without `changed` passed"
    );
    let mut broken = diff_json("widened_glob");
    broken["agents"] = Value::String("none".into());
    assert!(!validator.is_valid(&broken), "`agents` as a string passed");
}

#[test]
fn a_widened_channel_glob_names_the_new_channels_with_witnesses() {
    let case = "widened_glob";
    let d = diff_json(case);
    assert_eq!(
        deltas(&d, "buyer"),
        vec![
            t(
                "capability_gained",
                "slack.post_message",
                "slack.channel \"#eng-triage\""
            ),
            t(
                "capability_gained",
                "slack.post_message",
                "slack.channel \"#exec-*\""
            ),
            t("capability_gained", "slack.post_message", ""),
        ]
    );
    assert_eq!(witnesses_replay(case, &d), 3);
    let (o, n) = sides(case);
    let md = ok(&["diff", &o, &n]);
    settings().bind(|| insta::assert_snapshot!("widened_glob", md));
    // CI: widening fails with exit code 1.
    let out = run(&["diff", &o, &n, "--fail-on", "widened"], &root());
    assert_eq!(out.status.code(), Some(1));
}

/// An approval dropped for one channel is reported on that channel only;
/// the gate kept on `#exec-*` gives no delta.
#[test]
fn an_approval_removed_for_one_instance_names_that_instance() {
    let case = "approval_per_instance";
    let d = diff_json(case);
    assert_eq!(
        deltas(&d, "poster"),
        vec![t(
            "approval_removed",
            "slack.post_message",
            "slack.channel \"#eng-triage\""
        )]
    );
    assert_eq!(d["widened"], true);
    assert_eq!(witnesses_replay(case, &d), 1);
}

#[test]
fn removed_approval_raised_cap_and_new_agent_are_reported_exactly() {
    let d = diff_json("removed_approval");
    let mut got = deltas(&d, "buyer");
    got.retain(|x| x.0 != "spend_changed");
    assert_eq!(got, vec![t("approval_removed", "payments.pay_vendor", "")]);
    assert_eq!(witnesses_replay("removed_approval", &d), 1);

    let d = diff_json("raised_cap");
    let got = deltas(&d, "buyer");
    assert!(
        got.contains(&t("capability_gained", "payments.pay_vendor", "")),
        "{got:?}"
    );
    assert!(got.iter().any(|x| x.0 == "spend_changed"), "{got:?}");
    assert!(
        got.iter()
            .all(|x| x.0 == "spend_changed" || x.0 == "capability_gained"),
        "{got:?}"
    );
    assert_eq!(witnesses_replay("raised_cap", &d), 1);

    let d = diff_json("new_agent");
    assert!(deltas(&d, "buyer").is_empty());
    assert_eq!(
        deltas(&d, "notifier")
            .into_iter()
            .filter(|x| x.0 == "capability_gained")
            .collect::<Vec<_>>(),
        vec![t(
            "capability_gained",
            "slack.post_message",
            "slack.channel \"#eng-triage\""
        )]
    );
    assert_eq!(d["agents"][0]["status"], "added");
    assert_eq!(witnesses_replay("new_agent", &d), 1);

    for case in ["removed_approval", "raised_cap", "new_agent"] {
        let (o, n) = sides(case);
        let md = ok(&["diff", &o, &n]);
        settings().bind(|| insta::assert_snapshot!(case, md));
    }
}

#[test]
fn a_new_shared_channel_and_a_new_delegate_are_links() {
    let d = diff_json("new_shared_channel");
    let n = deltas(&d, "notifier");
    assert!(
        n.contains(&t(
            "capability_gained",
            "slack.read_history",
            "slack.channel \"#support-bugs\""
        )),
        "{n:?}"
    );
    assert!(n.iter().any(|x| x.0 == "link_added"), "{n:?}");
    assert!(deltas(&d, "buyer").iter().any(|x| x.0 == "link_added"));
    witnesses_replay("new_shared_channel", &d);

    let d = diff_json("new_delegate");
    let b = deltas(&d, "buyer");
    assert!(b.iter().any(|x| x.0 == "link_added"), "{b:?}");
    for case in ["new_shared_channel", "new_delegate"] {
        let (o, n) = sides(case);
        let md = ok(&["diff", &o, &n]);
        settings().bind(|| insta::assert_snapshot!(case, md));
    }
}

#[test]
fn diff_base_compares_the_working_tree_with_a_git_revision() {
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    let repo = tempfile::tempdir().unwrap();
    let set = repo.path().join("policy");
    let copy = |from: &Path| {
        let _ = std::fs::remove_dir_all(&set);
        std::fs::create_dir_all(&set).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), set.join(e.file_name())).unwrap();
        }
    };
    let fixtures = root().join("tests/fixtures/diff/widened_glob");
    copy(&fixtures.join("old"));
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "old"]);
    copy(&fixtures.join("new"));
    let out = run(
        &[
            "diff",
            "--base",
            "HEAD",
            "policy",
            "--format",
            "json",
            "--fail-on",
            "widened",
        ],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["old"], "HEAD:policy");
    assert_eq!(deltas(&d, "buyer").len(), 3);
    // From inside the set, against itself: nothing changed.
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "new"]);
    let out = run(&["diff", "--base", "HEAD", "--fail-on", "changed"], &set);
    assert!(out.status.success(), "{out:?}");
    // An unknown revision is AP543.
    let out = run(&["diff", "--base", "no-such-rev"], &set);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AP543"));
}
