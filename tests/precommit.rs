//! The pre-commit hooks, run by the real pre-commit framework
//! (`pre-commit try-repo`) in throwaway git repositories.
//!
//! The published `.pre-commit-hooks.yaml` says `language: rust`: pre-commit
//! then `cargo install`s this repository once per user, a full release
//! build that would take minutes in CI. The test runs the same hooks (same
//! ids, arguments and `files` pattern, read from the published file) as
//! `language: system` hooks pointing at the binary under test, so it checks
//! what pre-commit passes and how it reads our exit codes and output,
//! without the install. It is skipped, with a notice, only when pre-commit
//! is not installed; `.ci/run` installs it.

use serde_yaml_ng::Value;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The published hooks, rewritten to run the binary under test.
fn hook_repo() -> tempfile::TempDir {
    let published = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let mut hooks: Vec<Value> = serde_yaml_ng::from_str(&published).unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["agentpol-check", "agentpol-fmt"]);
    for h in &mut hooks {
        assert_eq!(
            h["language"].as_str(),
            Some("rust"),
            "the published hooks install with cargo"
        );
        let entry =
            h["entry"]
                .as_str()
                .unwrap()
                .replacen("agentpol", env!("CARGO_BIN_EXE_agentpol"), 1);
        h["entry"] = Value::from(entry);
        h["language"] = Value::from("system");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".pre-commit-hooks.yaml"),
        serde_yaml_ng::to_string(&hooks).unwrap(),
    )
    .unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "hooks"]);
    dir
}

/// `pre-commit try-repo HOOKS HOOK --all-files` in a new git repository
/// holding a copy of the example `example`: (passed, output).
fn try_repo(hooks: &Path, hook: &str, example: &str) -> (bool, String) {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example),
        &repo.path().join("policies"),
    );
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    run_hook(hooks, hook, repo.path())
}

/// `pre-commit try-repo HOOKS HOOK --all-files` in the git repository `repo`.
fn run_hook(hooks: &Path, hook: &str, repo: &Path) -> (bool, String) {
    let out = Command::new("pre-commit")
        .args(["try-repo"])
        .arg(hooks)
        .args([hook, "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", repo.join(".cache"))
        .current_dir(repo)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pre_commit_passes_a_clean_policy_and_fails_a_risky_one() {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "SKIPPED: pre-commit is not installed (`pip install pre-commit`; .ci/run installs it)"
        );
        return;
    }
    let hooks = hook_repo();
    let (ok, out) = try_repo(hooks.path(), "agentpol-check", "support-triage");
    assert!(ok, "{out}");
    assert!(
        out.contains("agentpol check") && out.contains("Passed"),
        "{out}"
    );
    let (ok, out) = try_repo(hooks.path(), "agentpol-fmt", "support-triage");
    assert!(ok, "{out}");

    let (ok, out) = try_repo(hooks.path(), "agentpol-check", "risky-deployment");
    assert!(!ok, "{out}");
    assert!(out.contains("Failed"), "{out}");
    // The finding, with its code, is in the hook's output.
    assert!(out.contains("error[AP2"), "{out}");
}

/// The first use: `agentpol init`, then the hooks pass on the new
/// set as written (the scaffold's `.pre-commit-config.yaml` names these
/// hooks; the test runs them from the local hook repository).
#[test]
fn a_set_made_by_init_passes_both_hooks() {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "SKIPPED: pre-commit is not installed (`pip install pre-commit`; .ci/run installs it)"
        );
        return;
    }
    let hooks = hook_repo();
    let repo = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["init", "policies"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    for hook in ["agentpol-check", "agentpol-fmt"] {
        let (ok, out) = run_hook(hooks.path(), hook, repo.path());
        assert!(ok && out.contains("Passed"), "{hook}: {out}");
    }
}
