//! `agentpol test`: the examples' tests pass on the reference evaluator,
//! the generated Rego (regorus) and the generated Cedar (cedar-policy); a
//! tampered artifact, a wrong expectation or a malformed test file fails,
//! naming the test and the engine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn agentpol(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn examples_pass_on_every_engine_with_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("junit.xml");
    let out = agentpol(
        &[
            "test",
            ".",
            "--engines",
            "all",
            "--junit",
            junit.to_str().unwrap(),
        ],
        &examples(),
    );
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("test result: ok.").count(), 5, "{text}");
    assert!(text.contains("engines: reference, rego, cedar"), "{text}");
    assert!(
        text.contains("test requests/allow-pay-vendor-approved ... ok"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("0 failed"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let tests: usize = text
        .lines()
        .filter(|l| l.starts_with("test ") && l.ends_with(" ... ok"))
        .count();
    assert!(
        xml.contains(&format!(
            "<testsuites name=\"agentpol\" tests=\"{tests}\" failures=\"0\""
        )),
        "{xml}"
    );
}

#[test]
fn a_tampered_artifact_fails_naming_the_request_and_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let set = examples().join("procurement");
    let out_dir = tmp.path().join("out");
    let build = agentpol(
        &[
            "build",
            ".",
            "--target",
            "all",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &set,
    );
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let clean = agentpol(
        &[
            "test",
            ".",
            "--engines",
            "all",
            "--built",
            out_dir.to_str().unwrap(),
        ],
        &set,
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let cedar = out_dir.join("cedar/agents/procurement.cedar");
    let original = std::fs::read_to_string(&cedar).unwrap();
    // Cedar: the session limit of payments raised from 5 to 500 calls.
    let tampered = original.replacen(
        "context.calls.session < 5\n",
        "context.calls.session < 500\n",
        1,
    );
    assert_ne!(
        original, tampered,
        "the slice has the session limit to tamper with"
    );
    std::fs::write(&cedar, tampered).unwrap();
    let out = agentpol(
        &[
            "test",
            ".",
            "--engines",
            "all",
            "--built",
            out_dir.to_str().unwrap(),
        ],
        &set,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("... FAILED"), "{text}");
    let header = text
        .lines()
        .find(|l| l.starts_with("---- ") && l.ends_with("[cedar] ----"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(header, "---- requests/deny-call-limit [cedar] ----");
    assert!(
        !text.contains("[rego] ----"),
        "only the tampered engine fails: {text}"
    );
    assert!(
        text.trim_end().ends_with("failed") && !text.trim_end().ends_with(" 0 failed"),
        "{text}"
    );
    // Rego: the data document's limits removed (Cedar restored).
    std::fs::write(&cedar, &original).unwrap();
    let data = out_dir.join("rego/data.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&data).unwrap()).unwrap();
    let tampered = strip_key(json, "limits");
    std::fs::write(&data, serde_json::to_string(&tampered).unwrap()).unwrap();
    let out = agentpol(
        &[
            "test",
            ".",
            "--engines",
            "rego",
            "--built",
            out_dir.to_str().unwrap(),
        ],
        &set,
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("---- requests/deny-call-limit [rego] ----"),
        "{text}"
    );
}

fn strip_key(v: serde_json::Value, key: &str) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    if k == key {
                        (k, serde_json::json!([]))
                    } else {
                        (k, strip_key(v, key))
                    }
                })
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(|x| strip_key(x, key)).collect())
        }
        other => other,
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const POLICY: &str = "tool chat.post {\n  arg channel: string\n  arg urgent?: bool\n  effects [communicate]\n  output trusted internal\n}\nagent bot {\n  allow chat.post where channel == \"#ops\"\n    approve when urgent by group \"leads\" count 1 reason \"urgent\"\n  limit chat.post 5 per session\n  log chat.post [channel]\n}\n";

#[test]
fn wrong_expectations_fail_and_coverage_lists_what_no_test_exercised() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "agentpol.toml", "");
    write(root, "bot.agentpol", POLICY);
    write(root, "tests/posting.yaml", "tests:\n  - name: ops is allowed\n    request: {agent: bot, tool: chat.post, args: {channel: \"#ops\"}, context: {calls: {session: 0}}}\n    expect: {decision: allow, log: [channel]}\n  - name: urgent needs a lead\n    request: {agent: bot, tool: chat.post, args: {channel: \"#ops\", urgent: true}, context: {calls: {session: 0}}}\n    expect:\n      decision: approval_required\n      approvals: [{group: leads, count: 2}]\n");
    let out = agentpol(&["test", "--engines", "all"], root);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("test tests/posting.yaml: ops is allowed ... ok"),
        "{text}"
    );
    assert!(
        text.contains("test tests/posting.yaml: urgent needs a lead ... FAILED"),
        "{text}"
    );
    assert!(text.contains("---- tests/posting.yaml: urgent needs a lead [reference] ----\nexpected approvals [leads x2], got [leads x1]"), "{text}");
    assert!(
        text.contains("[rego] ----") && text.contains("[cedar] ----"),
        "{text}"
    );
    assert!(
        text.contains("limit    bot/limit/chat.post/session"),
        "{text}"
    );
    assert!(text.contains("coverage: 2 of 3 rules exercised"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("test result: FAILED. 1 passed, 1 failed"),
        "{text}"
    );
}

#[test]
fn malformed_tests_and_missing_tests_are_input_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "agentpol.toml", "");
    write(root, "bot.agentpol", POLICY);
    let none = agentpol(&["test"], root);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("AP531"));
    write(
        root,
        "tests/bad.json",
        "{\"request\": {}, \"expect\": {\"decision\": \"maybe\"}}",
    );
    write(root, "requests/perhaps-post.json", "{}");
    let bad = agentpol(&["test"], root);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(err.matches("error[AP154]").count(), 2, "{err}");
    assert!(err.contains("unknown variant `maybe`"), "{err}");
}
