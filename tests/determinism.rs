//! Determinism (issue 13 item 5): the same policy set gives byte-identical
//! findings (human, JSON, SARIF) and artifacts (every `build` target)
//! across runs, across the order its files were created on disk, across
//! threads, and wherever the set lies.
//!
//! Threads: agentpol has no thread setting (no `AGENTPOL_THREADS`, no
//! rayon; each analysis runs on the calling thread with a z3 context of its
//! own), so "across thread counts" is tested as analyses run one at a time
//! versus several at once on different threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file of an example (policy files, config, requests, tests), by
/// path relative to it.
fn example_files(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let mut out: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&root).unwrap().to_path_buf();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Writes `files` below `dir` in the given order (directories are created
/// as their first file needs them, so their entries are in that order too).
fn lay_out(dir: &Path, files: &[(PathBuf, Vec<u8>)]) {
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// What the CLI says about the set at `dir` (run from inside it, on `.`):
/// check in every format, and every artifact of `build --target all`.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.code().is_some_and(|c| c <= 1), "{args:?}: {o:?}");
        o.stdout
    };
    for format in ["human", "json", "sarif"] {
        out.insert(
            format!("check --format {format}"),
            run(&["check", ".", "--format", format]),
        );
    }
    let built = tempfile::tempdir().unwrap();
    let target = built.path().join("out");
    run(&[
        "build",
        ".",
        "--target",
        "all",
        "--out",
        target.to_str().unwrap(),
    ]);
    for e in walkdir::WalkDir::new(&target) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(&target).unwrap();
            out.insert(
                format!("build/{}", rel.to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different outputs"
    );
    for (k, v) in a {
        assert!(b[k] == *v, "{what}: `{k}` differs");
    }
}

/// Multi-file examples: several policy files, requests and tests.
const EXAMPLES: [&str; 2] = ["multi-agent-shared-channel", "procurement"];

#[test]
fn findings_and_artifacts_are_identical_across_runs_orderings_and_locations() {
    for name in EXAMPLES {
        let files = example_files(name);
        assert!(files.len() >= 4, "{name}");
        let forward = tempfile::tempdir().unwrap();
        lay_out(forward.path(), &files);
        let first = outputs(forward.path());
        assert!(
            first.keys().any(|k| k.starts_with("build/")),
            "{name}: nothing built"
        );
        // Another run of the same directory.
        assert_same(
            &first,
            &outputs(forward.path()),
            &format!("{name}: second run"),
        );
        // The files created in the opposite order, with a pause between
        // the halves so modification times differ too, in a directory
        // nested elsewhere under another name: the set moved.
        let reverse = tempfile::tempdir().unwrap();
        let moved = reverse.path().join("elsewhere").join("renamed-set");
        let mut backwards = files.clone();
        backwards.reverse();
        let (late, early) = backwards.split_at(backwards.len() / 2);
        lay_out(&moved, early);
        std::thread::sleep(std::time::Duration::from_millis(20));
        lay_out(&moved, late);
        let second = outputs(&moved);
        assert_same(
            &first,
            &second,
            &format!("{name}: reversed creation order, moved"),
        );
        // Nothing absolute leaks into any output.
        for (k, v) in &second {
            let text = String::from_utf8_lossy(v);
            for dir in [reverse.path(), forward.path()] {
                assert!(
                    !text.contains(dir.to_str().unwrap()),
                    "{name}: `{k}` names the directory it was run in"
                );
            }
        }
    }
}

#[test]
fn a_set_checked_by_path_differs_only_in_the_path_it_was_given() {
    let files = example_files("procurement");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    lay_out(&a.path().join("x"), &files);
    lay_out(&b.path().join("deep/er/y"), &files);
    let check = |cwd: &Path, path: &str| {
        Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(["check", path, "--format", "json"])
            .current_dir(cwd)
            .output()
            .unwrap()
            .stdout
    };
    let (x, y) = (check(a.path(), "x"), check(b.path(), "deep/er/y"));
    let mut x: serde_json::Value = serde_json::from_slice(&x).unwrap();
    let mut y: serde_json::Value = serde_json::from_slice(&y).unwrap();
    assert_eq!(x["sets"][0]["policy_set"], "x");
    assert_eq!(y["sets"][0]["policy_set"], "deep/er/y");
    x["sets"][0]["policy_set"] = "set".into();
    y["sets"][0]["policy_set"] = "set".into();
    assert_eq!(x, y);
}

/// The analyses of several policy sets, one after another and then all at
/// once on threads of their own: the same findings, to the byte.
#[test]
fn analyses_on_several_threads_match_one_at_a_time() {
    let texts: Vec<String> = (0..4u64)
        .map(|seed| {
            use proptest::strategy::{Strategy, ValueTree};
            let mut runner = proptest::test_runner::TestRunner::new_with_rng(
                proptest::test_runner::Config::default(),
                proptest::test_runner::TestRng::from_seed(
                    proptest::test_runner::RngAlgorithm::ChaCha,
                    &[seed as u8; 32],
                ),
            );
            crate::common::gen::policy()
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .chain([include_str!("fixtures/hostile/many-overlapping-agents.agentpol").to_string()])
        .collect();
    let analyze = |text: &str| -> String {
        let (sources, compiled) = agentpol::compile_str(&[("p.agentpol", text)]);
        if compiled.has_errors() {
            return agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics);
        }
        let a = agentpol::analyze(&sources, &compiled);
        agentpol::diagnostics::render::json::to_value(&sources, &a.diagnostics).to_string()
    };
    let sequential: Vec<String> = texts.iter().map(|t| analyze(t)).collect();
    let parallel: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = texts.iter().map(|t| s.spawn(|| analyze(t))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(sequential, parallel);
    assert!(
        sequential.iter().any(|s| s.contains("AP2")),
        "the policies have findings"
    );
}
