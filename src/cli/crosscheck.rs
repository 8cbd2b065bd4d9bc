//! `check --mcp`: reads the listings named on the command line and in
//! `agentpol.toml` (`[mcp] lists`), and runs the cross-checks on a compiled
//! policy set. Listing files join the set's source map so findings can
//! label them.

use super::discover::SetPaths;
use super::Loaded;
use agentpol::crosscheck::infra::InfraFile;
use agentpol::crosscheck::mcp::{self, Labelled};
use agentpol::diagnostics::{Diagnostic, Sink};
use agentpol::source::Origin;
use miette::{IntoDiagnostic, Result, WrapErr};
use std::path::{Path, PathBuf};

/// Cross-check inputs from the command line.
pub struct Inputs {
    /// `[SERVER=]FILE` of each `--mcp`.
    pub mcp: Vec<String>,
    /// `--infra DIR`: IAM and Kubernetes files to compare.
    pub infra: Option<PathBuf>,
}

/// `SERVER=FILE` → (Some(SERVER), FILE); a bare FILE → (None, FILE).
fn split(arg: &str) -> (Option<String>, PathBuf) {
    match arg.split_once('=') {
        Some((server, file)) if !server.is_empty() && !Path::new(arg).exists() => {
            (Some(server.to_string()), PathBuf::from(file))
        }
        _ => (None, PathBuf::from(arg)),
    }
}

pub fn run(loaded: &mut Loaded, set: &SetPaths, inputs: &Inputs) -> Result<Vec<Diagnostic>> {
    let mut out = mcp_drift(loaded, set, inputs)?;
    if let Some(dir) = &inputs.infra {
        out.extend(infra(loaded, dir)?);
    }
    Ok(out)
}

/// Reads every `*.json`, `*.yaml` and `*.yml` below `dir` and compares them.
fn infra(loaded: &mut Loaded, dir: &Path) -> Result<Vec<Diagnostic>> {
    if !dir.is_dir() {
        return Err(miette::miette!(
            code = agentpol::registry::command::NOT_A_DIRECTORY.as_str(),
            help = "pass the folder holding the IAM policy JSON and Kubernetes YAML",
            "{} is not a directory",
            dir.display()
        ));
    }
    let mut read = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let p = entry.path();
        if !entry.file_type().is_file()
            || !p
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
        {
            continue;
        }
        let rel = p
            .strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(p)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", p.display()))?;
        let id = loaded.sources.add(
            format!("{}/{rel}", dir.display()),
            text.clone(),
            Origin::User,
        );
        read.push((id, rel, text));
    }
    let files: Vec<InfraFile<'_>> = read
        .iter()
        .map(|(file, path, text)| InfraFile {
            file: *file,
            path,
            text,
        })
        .collect();
    Ok(agentpol::crosscheck::infra::check(
        &loaded.compiled.model,
        &loaded.sources,
        &files,
    ))
}

fn mcp_drift(loaded: &mut Loaded, set: &SetPaths, inputs: &Inputs) -> Result<Vec<Diagnostic>> {
    let mut files: Vec<(Option<String>, PathBuf)> = inputs.mcp.iter().map(|a| split(a)).collect();
    for entry in &loaded.compiled.config.mcp.lists {
        let (server, rel) = split(entry);
        files.push((server, set.root.join(rel)));
    }
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut sink = Sink::new();
    let mut listings = Vec::new();
    for (server, path) in files {
        let text = std::fs::read_to_string(&path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read the MCP listing {}", path.display()))?;
        let id = loaded
            .sources
            .add(path.display().to_string(), text.clone(), Origin::User);
        if let Some(listing) = agentpol::mcp::parse(id, &text, &mut sink) {
            listings.push((server, listing));
        }
    }
    let labelled: Vec<Labelled<'_>> = listings
        .iter()
        .map(|(server, listing)| Labelled {
            server: server.as_deref().or(listing.server.as_deref()),
            listing,
        })
        .collect();
    let mut out = sink.into_sorted();
    out.extend(mcp::check(&loaded.compiled.model, &labelled));
    Ok(out)
}
