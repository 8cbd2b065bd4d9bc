//! `agentpol fmt [--check] [PATH...]`: lays out policy files canonically
//! (the layout is `agentpol::syntax::format`). Without `--check` each file
//! that changes is rewritten atomically; with it nothing is written, a
//! unified diff is printed per file that would change, and the exit code
//! is 1 if any would. A file with syntax errors gets its diagnostics, is
//! left untouched, and makes the exit code 2.

use super::atomic::write_file;
use agentpol::diagnostics::Sink;
use agentpol::source::{Origin, SourceMap};
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(paths: &[PathBuf], check: bool) -> Result<ExitCode> {
    let files = collect(paths)?;
    let (mut changed, mut broken) = (0usize, 0usize);
    let mut diffs = String::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        let mut sources = SourceMap::new();
        let name = path.display().to_string();
        let id = sources.add(&name, text.clone(), Origin::User);
        let mut sink = Sink::new();
        let Some(formatted) = agentpol::syntax::format::format(id, &text, &mut sink) else {
            eprint!(
                "{}",
                super::render_for(super::Stream::Stderr, &sources, &sink.into_sorted())
            );
            broken += 1;
            continue;
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            diffs.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{name} (original)"),
                        &format!("{name} (formatted)"),
                    )
                    .to_string(),
            );
        } else {
            write_file(path, formatted.as_bytes())?;
            super::say(format_args!("formatted {name}"));
        }
    }
    if !diffs.is_empty() {
        super::emit(&diffs)?;
    }
    if broken > 0 {
        return Ok(ExitCode::from(2));
    }
    if check && changed > 0 {
        eprintln!(
            "{changed} file{} not formatted; run `agentpol fmt` to fix",
            if changed == 1 { " is" } else { "s are" }
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `*.agentpol` files named by `paths`: files as given (other files,
/// such as an `agentpol.toml` passed by pre-commit, are skipped), directories
/// walked, hidden directories and `target/` skipped. Sorted, deduplicated.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            if is_policy(p) {
                out.push(p.clone());
            }
            continue;
        }
        if !p.is_dir() {
            return Err(miette!(
                code = agentpol::registry::command::PATH_NOT_FOUND.as_str(),
                help = "check the path",
                "{} does not exist",
                p.display()
            ));
        }
        let walker = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir() && {
                        let n = e.file_name().to_string_lossy();
                        n.starts_with('.') || n == "target"
                    })
            });
        for entry in walker.filter_map(|e| e.ok()) {
            if entry.file_type().is_file() && is_policy(entry.path()) {
                out.push(entry.path().to_path_buf());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn is_policy(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "agentpol")
}
