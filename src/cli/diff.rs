//! `agentpol diff OLD NEW` and `agentpol diff --base REV [PATH]`: the
//! semantic difference between two policy sets, as Markdown or JSON. With
//! `--base`, the revision's tree of the policy set is extracted with
//! `git archive` into a temporary directory and compared with the working
//! tree.
//!
//! Exit codes: 0 when no `--fail-on` condition holds; 1 when `--fail-on
//! widened` and some agent gained a capability (or a question was
//! undecided), or `--fail-on changed` and anything changed; 2 when a side
//! does not compile or the input is unusable.

use super::{emit, single_set, Loaded};
use agentpol::registry::command::{GIT_FAILED, INVALID_DIFF};
use agentpol::report::{self, diff};
use miette::{miette, IntoDiagnostic, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Md,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum DiffFailOn {
    /// Some agent can do something it could not before.
    Widened,
    /// Any change in behaviour.
    Changed,
    Never,
}

pub struct Options<'a> {
    pub paths: &'a [PathBuf],
    pub base: Option<&'a str>,
    pub format: DiffFormat,
    pub fail_on: DiffFailOn,
    pub out: Option<&'a Path>,
}

pub fn run(o: &Options<'_>) -> Result<ExitCode> {
    let _keep;
    let (old_dir, new_dir, old_label, new_label) = match (o.base, o.paths) {
        (Some(rev), [] | [_]) => {
            let path = o.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
            let (tmp, old) = extract(rev, &path)?;
            _keep = tmp;
            let shown = path.display().to_string();
            (old, path, format!("{rev}:{shown}"), shown)
        }
        (None, [old, new]) => (
            old.clone(),
            new.clone(),
            old.display().to_string(),
            new.display().to_string(),
        ),
        _ => {
            return Err(miette!(
                code = INVALID_DIFF.as_str(),
                help = "give two policy set directories (`agentpol diff OLD NEW`) or a revision and at most one path (`agentpol diff --base main .`)",
                "`agentpol diff` compares two policy sets"
            ))
        }
    };
    let old = single_set(std::slice::from_ref(&old_dir))?;
    let new = single_set(std::slice::from_ref(&new_dir))?;
    let (ro, rn) = (side_report(&old, &old_label), side_report(&new, &new_label));
    let limits = new.compiled.config.analysis_settings().limits;
    let d = diff::diff(
        &diff::Side {
            model: &old.compiled.model,
            report: &ro,
            label: &old_label,
        },
        &diff::Side {
            model: &new.compiled.model,
            report: &rn,
            label: &new_label,
        },
        limits,
    );
    let text = match o.format {
        DiffFormat::Md => diff::markdown::render(&d),
        DiffFormat::Json => {
            let mut t = serde_json::to_string_pretty(&d).into_diagnostic()?;
            t.push('\n');
            t
        }
    };
    match o.out {
        None => emit(&text)?,
        Some(p) => super::report::write_file(p, text.as_bytes())?,
    }
    let fail = match o.fail_on {
        DiffFailOn::Widened => d.widened,
        DiffFailOn::Changed => d.changed,
        DiffFailOn::Never => false,
    };
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn side_report(l: &Loaded, label: &str) -> report::Report {
    let analysis = agentpol::analyze(&l.sources, &l.compiled);
    report::build(&report::Input {
        model: &l.compiled.model,
        sources: &l.sources,
        set_name: label,
        findings: &analysis.diagnostics,
        limits: l.compiled.config.analysis_settings().limits,
        agent: None,
    })
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            miette!(
                code = GIT_FAILED.as_str(),
                help = "`agentpol diff --base` needs `git` on PATH",
                "cannot run git: {e}"
            )
        })?;
    if !out.status.success() {
        return Err(miette!(
            code = GIT_FAILED.as_str(),
            help =
                "give a revision git knows (`git rev-parse REV`) and a path inside a git work tree",
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// Extracts the policy set at `path` as of `rev` into a temporary
/// directory; returns it with the set's directory inside it.
fn extract(rev: &str, path: &Path) -> Result<(tempfile::TempDir, PathBuf)> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let prefix = git(&dir, &["rev-parse", "--show-prefix"])?;
    let top = PathBuf::from(git(&dir, &["rev-parse", "--show-toplevel"])?);
    let commit = git(
        &dir,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )?;
    let tmp = tempfile::Builder::new()
        .prefix("agentpol-diff-")
        .tempdir()
        .into_diagnostic()?;
    let mut args = vec!["archive", "--format=tar", commit.as_str()];
    if !prefix.is_empty() {
        args.push("--");
        args.push(prefix.as_str());
    }
    let archive = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .into_diagnostic()?;
    if !archive.status.success() {
        return Err(miette!(
            code = GIT_FAILED.as_str(),
            help = "the policy set must exist at that revision",
            "git archive {rev} failed: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        ));
    }
    tar::Archive::new(archive.stdout.as_slice())
        .unpack(tmp.path())
        .map_err(|e| {
            miette!(
                code = GIT_FAILED.as_str(),
                "cannot unpack the revision: {e}"
            )
        })?;
    let old = tmp.path().join(&prefix);
    Ok((tmp, old))
}
