//! `agentpol test`: runs a policy set's tests (`tests/*.json|yaml|yml` and
//! `requests/{allow,deny,approval}-*.json`, see `agentpol::policy_tests`) on
//! the reference evaluator and, with `--engines`, on the generated Rego in
//! regorus and the generated Cedar in cedar-policy. Prints one line per test
//! like `cargo test`, the rules no test exercised, and `N passed, N failed`;
//! `--junit FILE` writes JUnit XML atomically.

use super::atomic::write_file;
use super::discover::{display_root, find_sets, SetPaths};
use super::{emit, load, Loaded};
use agentpol::backend::{self, Target};
use agentpol::diagnostics::Diagnostic;
use agentpol::model::Outcome;
use agentpol::policy_tests::{self, coverage, engines, Case, CaseResult, Engine, Expect};
use agentpol::registry::command::INVALID_TEST_RUN;
use agentpol::source::{Origin, Span};
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum EngineArg {
    Reference,
    Rego,
    Cedar,
    All,
}

pub struct Options {
    pub engines: Vec<EngineArg>,
    pub junit: Option<PathBuf>,
    /// Test the artifacts `agentpol build --out DIR` wrote instead of fresh ones.
    pub built: Option<PathBuf>,
}

struct SetRun {
    name: String,
    results: Vec<CaseResult>,
}

pub fn run(paths: &[PathBuf], opts: &Options) -> Result<ExitCode> {
    let sets = find_sets(paths)?;
    let multi = sets.len() > 1;
    let rego = opts
        .engines
        .iter()
        .any(|e| matches!(e, EngineArg::Rego | EngineArg::All));
    let cedar = opts
        .engines
        .iter()
        .any(|e| matches!(e, EngineArg::Cedar | EngineArg::All));
    let mut runs = Vec::new();
    let mut input_error = false;
    for set in &sets {
        let mut loaded = load(set)?;
        let name = display_root(&set.root);
        if loaded.compiled.has_errors() {
            eprint!(
                "{}",
                super::render_for(
                    super::Stream::Stderr,
                    &loaded.sources,
                    &loaded.compiled.diagnostics
                )
            );
            input_error = true;
            continue;
        }
        let (cases, problems) = discover(&mut loaded, set)?;
        if !problems.is_empty() {
            eprint!(
                "{}",
                super::render_for(super::Stream::Stderr, &loaded.sources, &problems)
            );
            input_error = true;
            continue;
        }
        if cases.is_empty() {
            return Err(miette!(
                code = INVALID_TEST_RUN.as_str(),
                help = "add tests under tests/ (see `agentpol explain AP154`) or request files named allow-*, deny-*, approval-* under requests/",
                "{name}: no tests found"
            ));
        }
        let built = opts.built.as_ref().map(|d| {
            if multi {
                d.join(set_dir(set))
            } else {
                d.clone()
            }
        });
        let mut list: Vec<Box<dyn Engine>> = Vec::new();
        if rego {
            let files = artifacts(&loaded, set, Target::Rego, built.as_deref())?;
            list.push(Box::new(
                engines::Rego::load(&files).map_err(|e| engine_error(&name, "rego", &e))?,
            ));
        }
        if cedar {
            let files = artifacts(&loaded, set, Target::Cedar, built.as_deref())?;
            list.push(Box::new(
                engines::Cedar::load(&files).map_err(|e| engine_error(&name, "cedar", &e))?,
            ));
        }
        let mut names = vec!["reference"];
        names.extend(list.iter().map(|e| e.name()));
        let results = policy_tests::run(&loaded.compiled.model, &cases, &mut list);
        emit(&report(&name, &names, &loaded, &results))?;
        runs.push(SetRun { name, results });
    }
    if input_error {
        return Ok(ExitCode::from(2));
    }
    let failed: usize = runs
        .iter()
        .map(|r| r.results.iter().filter(|c| !c.passed()).count())
        .sum();
    let total: usize = runs.iter().map(|r| r.results.len()).sum();
    if let Some(path) = &opts.junit {
        write_file(
            path,
            super::junit::xml(
                &runs
                    .iter()
                    .map(|r| (r.name.as_str(), r.results.as_slice()))
                    .collect::<Vec<_>>(),
            )
            .as_bytes(),
        )?;
    }
    if multi {
        emit(&format!(
            "total: {} passed, {failed} failed\n",
            total - failed
        ))?;
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn engine_error(set: &str, engine: &str, why: &str) -> miette::Report {
    miette!(
        code = INVALID_TEST_RUN.as_str(),
        help = "rebuild with `agentpol build`, or drop --built to test freshly generated artifacts",
        "{set}: the {engine} artifacts do not load: {why}"
    )
}

fn set_dir(set: &SetPaths) -> String {
    set.root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".into())
}

/// The target's artifacts: generated now, or read from `built/<target>/`.
fn artifacts(
    loaded: &Loaded,
    set: &SetPaths,
    target: Target,
    built: Option<&Path>,
) -> Result<engines::Files> {
    if let Some(dir) = built {
        let root = dir.join(target.as_str());
        let mut files = engines::Files::new();
        for entry in walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| e.ok())
        {
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(&root).into_diagnostic()?;
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    files.insert(rel.to_string_lossy().replace('\\', "/"), text);
                }
            }
        }
        if files.is_empty() {
            return Err(miette!(
                code = INVALID_TEST_RUN.as_str(),
                help = "run `agentpol build --target all --out DIR` first",
                "{} holds no {} artifacts",
                root.display(),
                target.as_str()
            ));
        }
        return Ok(files);
    }
    let set_name = loaded
        .compiled
        .config
        .name
        .clone()
        .unwrap_or_else(|| set_dir(set));
    let out = backend::generate(
        target,
        &backend::Input {
            model: &loaded.compiled.model,
            sources: &loaded.sources,
            set_name: &set_name,
        },
    );
    if out.artifacts.is_empty() {
        eprint!(
            "{}",
            super::render_for(super::Stream::Stderr, &loaded.sources, &out.diagnostics)
        );
        return Err(miette!(
            code = INVALID_TEST_RUN.as_str(),
            help = "fix the errors above; `agentpol build` reports the same",
            "the {} target cannot be generated",
            target.as_str()
        ));
    }
    Ok(out
        .artifacts
        .iter()
        .map(|a| {
            (
                a.path.clone(),
                String::from_utf8_lossy(&a.contents).into_owned(),
            )
        })
        .collect())
}

/// Every case of the set, and the files that are not valid tests.
fn discover(loaded: &mut Loaded, set: &SetPaths) -> Result<(Vec<Case>, Vec<Diagnostic>)> {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for (dir, exts) in [
        ("tests", &["json", "yaml", "yml"][..]),
        ("requests", &["json"][..]),
    ] {
        let root = set.root.join(dir);
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| e.ok())
        {
            let p = entry.path();
            if entry.file_type().is_file()
                && p.extension().is_some_and(|x| exts.iter().any(|e| x == *e))
            {
                files.push(p.to_path_buf());
            }
        }
    }
    for path in files {
        let rel = path
            .strip_prefix(&set.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        let id = loaded.sources.add(rel.clone(), text.clone(), Origin::User);
        let at = Span::new(id, 0, text.find('\n').unwrap_or(text.len()));
        let problem = |why: String| {
            Diagnostic::error(
                policy_tests::INVALID_TEST,
                format!("`{rel}` is not a policy test: {why}"),
            )
            .primary(at, "in this file")
            .help("see `agentpol explain AP154` for the test file format")
        };
        let value: serde_json::Value = if rel.ends_with(".json") {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(problem(format!("invalid JSON: {e}")));
                    continue;
                }
            }
        } else {
            match serde_yaml_ng::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(problem(format!("invalid YAML: {e}")));
                    continue;
                }
            }
        };
        let stem = rel
            .strip_suffix(".json")
            .or_else(|| rel.strip_suffix(".yaml"))
            .or_else(|| rel.strip_suffix(".yml"))
            .unwrap_or(&rel)
            .to_string();
        if rel.starts_with("requests/") {
            let base = stem.rsplit('/').next().unwrap_or(&stem);
            let want = match base.split('-').next() {
                Some("allow") => Outcome::Allow,
                Some("deny") => Outcome::Deny,
                Some("approval") => Outcome::ApprovalRequired,
                _ => {
                    problems.push(problem(
                        "a request file's name must start with `allow-`, `deny-` or `approval-`"
                            .into(),
                    ));
                    continue;
                }
            };
            cases.push(Case {
                name: stem,
                request: value,
                expect: Expect::decision(want),
            });
            continue;
        }
        match policy_tests::cases_from_value(&rel, &value) {
            Ok(list) => cases.extend(list),
            Err(why) => problems.push(problem(why)),
        }
    }
    Ok((cases, problems))
}

/// The `cargo test`-like report of one set.
fn report(name: &str, engines: &[&str], loaded: &Loaded, results: &[CaseResult]) -> String {
    let mut out = format!(
        "\nrunning {} tests in {name} (engines: {})\n",
        results.len(),
        engines.join(", ")
    );
    for r in results {
        out.push_str(&format!(
            "test {} ... {}\n",
            r.case.name,
            if r.passed() { "ok" } else { "FAILED" }
        ));
    }
    let failed: Vec<&CaseResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n");
        for r in &failed {
            for o in r.outcomes.iter().filter(|o| !o.failures.is_empty()) {
                out.push_str(&format!("\n---- {} [{}] ----\n", r.case.name, o.engine));
                for f in &o.failures {
                    out.push_str(&format!("{f}\n"));
                }
            }
        }
    }
    let (missing, total) = coverage::uncovered(&loaded.compiled.model, results);
    out.push_str(&format!(
        "\ncoverage: {} of {total} rules exercised",
        total - missing.len()
    ));
    if missing.is_empty() {
        out.push('\n');
    } else {
        out.push_str("; no test exercised:\n");
        for m in &missing {
            out.push_str(&format!(
                "  {:<8} {}  ({})\n",
                m.kind,
                m.id,
                loaded.sources.location(m.span)
            ));
        }
    }
    let status = if failed.is_empty() { "ok" } else { "FAILED" };
    out.push_str(&format!(
        "\ntest result: {status}. {} passed, {} failed\n",
        results.len() - failed.len(),
        failed.len()
    ));
    out
}
