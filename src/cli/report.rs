//! `agentpol report`: what each agent could do, as Markdown, HTML or JSON, written
//! to standard output or atomically to `--out`.

use super::{emit, single_set};
use agentpol::report::{self, html, markdown};
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

pub fn run(
    paths: &[PathBuf],
    agent: Option<&str>,
    format: ReportFormat,
    out: Option<&Path>,
) -> Result<ExitCode> {
    let loaded = single_set(paths)?;
    let model = &loaded.compiled.model;
    if let Some(name) = agent {
        if !model.agents.contains_key(name) {
            let names: Vec<&str> = model.agents.keys().map(String::as_str).collect();
            return Err(miette!(
                code = agentpol::registry::command::UNKNOWN_AGENT.as_str(),
                help = format!("the agents of this policy set are: {}", names.join(", ")),
                "unknown agent `{}`",
                name.escape_debug()
            ));
        }
    }
    let analysis = agentpol::analyze(&loaded.sources, &loaded.compiled);
    let set_name = loaded
        .compiled
        .config
        .name
        .clone()
        .or_else(|| {
            let sets = super::discover::find_sets(paths).ok()?;
            sets.first().map(|s| super::discover::display_root(&s.root))
        })
        .unwrap_or_else(|| ".".into());
    let r = report::build(&report::Input {
        model,
        sources: &loaded.sources,
        set_name: &set_name,
        findings: &analysis.diagnostics,
        limits: loaded.compiled.config.analysis_settings().limits,
        agent,
    });
    let text = match format {
        ReportFormat::Md => markdown::render(&r),
        ReportFormat::Html => html::render(&r),
        ReportFormat::Json => {
            let mut t = serde_json::to_string_pretty(&r).into_diagnostic()?;
            t.push('\n');
            t
        }
    };
    match out {
        None => emit(&text)?,
        Some(path) => write_file(path, text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a file whole or not at all: a temporary file beside it, renamed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".agentpol-report-")
        .tempfile_in(dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).map_err(|e| {
        miette!(
            code = agentpol::registry::command::CANNOT_WRITE.as_str(),
            "cannot write {}: {}",
            path.display(),
            e.error
        )
    })?;
    Ok(())
}
