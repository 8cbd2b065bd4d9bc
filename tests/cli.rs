//! The `agentpol` binary: exit codes, policy-set discovery, eval, schema,
//! explain and build's all-or-nothing writing.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn agentpol(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const TOOL: &str = "tool chat.post {\n  arg channel: string\n  effects [communicate]\n  output trusted internal\n}\n";

fn two_sets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "ok/agentpol.toml", "name = \"ok\"\n");
    write(root, "ok/tools.agentpol", TOOL);
    write(
        root,
        "ok/agents/bot.agentpol",
        "use tools\nagent bot {\n  allow chat.post where channel == \"#ops\"\n}\n",
    );
    write(root, "bad/agentpol.toml", "");
    write(
        root,
        "bad/main.agentpol",
        "agent bot {\n  allow chat.pots\n  credentials ttl 5y\n  delegate to [nobody]\n}\n",
    );
    dir
}

#[test]
fn check_exit_codes_follow_the_worst_set() {
    let dir = two_sets();
    let ok = agentpol(&["check", "ok"], dir.path());
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = agentpol(&["check", "bad"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(out.matches("error[AP").count(), 3, "{out}");
    // A directory above both sets checks both, each on its own.
    let both = agentpol(&["check", "."], dir.path());
    assert_eq!(both.status.code(), Some(2));
    let out = String::from_utf8_lossy(&both.stdout);
    assert!(
        out.contains("ok: 2 file(s), 1 agent(s): 0 error(s)") && out.contains("bad: 1 file(s)"),
        "{out}"
    );
}

#[test]
fn a_single_file_is_checked_with_the_rest_of_its_set() {
    let dir = two_sets();
    // agents/bot.agentpol uses `tools`, which only resolves within its set.
    let out = agentpol(&["check", "ok/agents/bot.agentpol"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn nested_sets_are_separate() {
    let dir = two_sets();
    write(dir.path(), "ok/inner/agentpol.toml", "");
    write(
        dir.path(),
        "ok/inner/x.agentpol",
        "agent bot {\n  owner \"x\"\n}\n",
    );
    // `bot` in the inner set does not clash with `bot` in the outer set.
    let out = agentpol(&["check", "ok"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok/inner: 1 file(s)") || text.contains("inner: 1 file(s)"),
        "{text}"
    );
}

#[test]
fn paths_outside_any_set_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "loose.agentpol", TOOL);
    let out = agentpol(&["check", "loose.agentpol"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside a policy set"));
    let missing = agentpol(&["check", "nope"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn json_format_is_one_document() {
    let dir = two_sets();
    let out = agentpol(&["check", ".", "--format", "json"], dir.path());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sets = v["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0]["policy_set"], "bad");
    assert_eq!(sets[0]["summary"]["error"], 3);
    assert_eq!(
        sets[0]["diagnostics"][0]["labels"][0]["file"],
        "main.agentpol"
    );
}

#[test]
fn eval_prints_the_decision() {
    let dir = two_sets();
    write(
        dir.path(),
        "req.json",
        r##"{"agent": "bot", "tool": "chat.post", "args": {"channel": "#ops"}}"##,
    );
    let out = agentpol(&["eval", "ok", "--request", "req.json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["rules"][0], "bot/allow/chat.post/0");

    write(dir.path(), "bad.json", "{ not json");
    let out = agentpol(&["eval", "ok", "--request", "bad.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    // A set with errors cannot decide anything.
    let out = agentpol(&["eval", "bad", "--request", "req.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    // Two sets at once are ambiguous.
    let out = agentpol(&["eval", ".", "--request", "req.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_request_schema_is_valid_and_accepts_documented_requests() {
    let dir = tempfile::tempdir().unwrap();
    let out = agentpol(&["schema", "request"], dir.path());
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = serde_json::json!({
        "agent": "procurement", "tool": "payments.create_charge",
        "args": {"amount": {"minor": 5000, "currency": "USD"}, "vendor": "acme", "tags": ["a"]},
        "context": {"approvals": [{"group": "g", "approver": "a"}], "justification": "x",
                    "calls": {"session": 2, "1h": 1}, "spent": {"minor": 1, "currency": "USD"}}
    });
    assert!(validator.is_valid(&good));
    for bad in [
        serde_json::json!({"tool": "x"}),
        serde_json::json!({"agent": "a", "tool": "t", "extra": 1}),
        serde_json::json!({"agent": "a", "tool": "t", "context": {"calls": {"session": -1}}}),
        serde_json::json!({"agent": "a", "tool": "t", "args": {"x": null}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn explain_knows_every_front_end_code() {
    let dir = tempfile::tempdir().unwrap();
    for doc in agentpol::diagnostics::codes::TABLE {
        let out = agentpol(&["explain", doc.code.as_str()], dir.path());
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains(doc.summary));
    }
    assert_eq!(
        agentpol(&["explain", "AP999"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["check", "eval", "build", "schema", "explain"] {
        let out = agentpol(&[cmd, "--help"], dir.path());
        assert_eq!(out.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("agentpol "),
            "{cmd} --help has no example"
        );
    }
}

#[test]
fn a_failed_build_writes_nothing() {
    let dir = two_sets();
    let out = agentpol(
        &["build", ".", "--target", "rego", "--out", "out"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("out").exists());
}

/// One target failing (here Kubernetes, on an invalid namespace) writes no
/// target at all, and a failed rebuild leaves the previous output as it was.
#[test]
fn a_backend_error_writes_no_target_and_keeps_the_previous_output() {
    let dir = two_sets();
    let good = agentpol(
        &["build", "ok", "--target", "rego", "--out", "out"],
        dir.path(),
    );
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let before = std::fs::read(dir.path().join("out/rego/data.json")).unwrap();

    write(
        dir.path(),
        "ok/agents/bot.agentpol",
        "use tools\nagent bot {\n  kubernetes namespace \"Bad_NS\" labels { \"app\" = \"bot\" }\n  allow chat.post where channel == \"#changed\"\n}\n",
    );
    let out = agentpol(
        &["build", "ok", "--target", "all", "--out", "out"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("AP440"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/rego/data.json")).unwrap(),
        before,
        "old output changed"
    );
    for target in ["cedar", "iam", "k8s"] {
        assert!(
            !dir.path().join("out").join(target).exists(),
            "{target} was written"
        );
    }
    let leftovers: Vec<_> = [dir.path().to_path_buf(), dir.path().join("out")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".agentpol-"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

/// Completion scripts and the manual page come from the clap definition,
/// so they know every subcommand; `--version` names the linked solver.
#[test]
fn completions_man_page_and_version() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = agentpol(&["completions", shell], dir.path());
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for sub in ["check", "eval", "build", "report", "diff", "fmt", "lsp"] {
            assert!(script.contains(sub), "{shell} completion lacks `{sub}`");
        }
    }
    assert_eq!(
        agentpol(&["completions", "tcsh"], dir.path()).status.code(),
        Some(2)
    );
    let man = agentpol(&["man"], dir.path());
    assert_eq!(man.status.code(), Some(0));
    let roff = String::from_utf8_lossy(&man.stdout);
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH agentpol"),
        "{roff}"
    );
    assert!(
        roff.contains(".SH NAME") && roff.contains("check"),
        "{roff}"
    );
    let version = agentpol(&["--version"], dir.path());
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(
        text.contains(env!("CARGO_PKG_VERSION")) && text.contains("z3 4."),
        "{text}"
    );
}

/// Colour only where a person reads it: never in a pipe unless asked, and
/// never with `NO_COLOR`, even when asked.
#[test]
fn diagnostics_are_coloured_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let run = |color: Option<&str>, no_color: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentpol"));
        cmd.arg("check")
            .arg("risky-deployment")
            .current_dir(&examples);
        if let Some(c) = color {
            cmd.args(["--color", c]);
        }
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ansi = |s: &str| s.contains('\u{1b}');
    let plain = run(None, None);
    assert!(plain.contains("error[AP2"), "{plain}");
    assert!(!ansi(&plain), "a pipe gets no colour by default");
    assert!(!ansi(&run(Some("never"), None)));
    let coloured = run(Some("always"), None);
    assert!(ansi(&coloured), "--color always colours");
    assert!(!ansi(&run(Some("always"), Some("1"))), "NO_COLOR wins");
    assert!(
        ansi(&run(Some("always"), Some(""))),
        "an empty NO_COLOR is not set"
    );
    // The same findings, only styled.
    let strip = strip_sgr(&coloured);
    assert_eq!(strip, plain);
}

/// `s` without ANSI SGR sequences (`ESC [ ... m`).
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `--quiet` prints the findings and nothing else; `--verbose` adds, on
/// standard error, what each set holds and how long it took, and changes
/// nothing on standard output.
#[test]
fn quiet_prints_only_problems_and_verbose_only_adds_to_stderr() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let normal = agentpol(&["check", "risky-deployment"], &examples);
    let quiet = agentpol(&["check", "risky-deployment", "--quiet"], &examples);
    let verbose = agentpol(&["check", "-v", "risky-deployment"], &examples);
    for out in [&normal, &quiet, &verbose] {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (normal_out, quiet_out) = (text(&normal.stdout), text(&quiet.stdout));
    assert!(normal_out.contains("error(s)"), "{normal_out}");
    assert!(quiet_out.contains("error[AP2"), "{quiet_out}");
    assert!(!quiet_out.contains("error(s)"), "no summary: {quiet_out}");
    assert!(
        normal_out.starts_with(&quiet_out),
        "quiet drops only the summary"
    );
    assert_eq!(text(&verbose.stdout), normal_out);
    let detail = text(&verbose.stderr);
    assert!(
        detail.contains("tools.agentpol") && detail.contains("analyzed in"),
        "{detail}"
    );
    assert!(text(&normal.stderr).is_empty(), "{normal:?}");
    // Quiet also silences what `build` says it built.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let safe = examples.join("support-triage");
    let built = agentpol(
        &[
            "build",
            ".",
            "--target",
            "rego",
            "--out",
            out_dir.to_str().unwrap(),
            "-q",
        ],
        &safe,
    );
    assert_eq!(built.status.code(), Some(0), "{built:?}");
    assert!(built.stderr.is_empty(), "{built:?}");
    assert!(out_dir.exists());
    let conflict = agentpol(&["check", "-q", "-v"], &safe);
    assert_eq!(conflict.status.code(), Some(2));
}
