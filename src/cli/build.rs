//! `agentpol build`: compile policy sets into enforcement artifacts.
//!
//! Everything is generated in memory first; only when every requested target
//! of every set succeeded is anything written. Each target directory is
//! written into a fresh temporary directory beside the output and renamed
//! into place, so readers see the old tree or the new one, never a mix.

use super::discover::{display_root, find_sets};
use super::load;
use agentpol::backend::rego::sign::Signing;
use agentpol::backend::{self, Artifact, Target};
use agentpol::diagnostics::Severity;
use agentpol::registry::command;
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

/// The checked `--signing-key` configuration, before anything is built.
pub fn signing(
    targets: &[Target],
    key: &Path,
    alg: &str,
    key_id: Option<String>,
    scope: Option<String>,
) -> Result<Signing> {
    if !targets.contains(&Target::Rego) {
        return Err(miette!(
            code = command::SIGNING_WITHOUT_REGO.as_str(),
            help = "add --target rego (or --target all)",
            "`--signing-key` signs the OPA bundle, but no rego target was given"
        ));
    }
    let bytes = std::fs::read(key).map_err(|e| {
        miette!(
            code = command::INVALID_SIGNING_KEY.as_str(),
            help = "pass the private key's PEM file (for HS256 a file holding the secret)",
            "cannot read the signing key `{}`: {e}",
            key.display()
        )
    })?;
    Signing::new(alg, &bytes, key_id, scope).map_err(|reason| {
        miette!(
            code = command::INVALID_SIGNING_KEY.as_str(),
            help = "RS256 (the default) takes an RSA private key in PEM, ES256/ES384 an EC one, HS256/HS384/HS512 a file holding the secret; choose with --signing-alg",
            "cannot sign with `{}`: {reason}",
            key.display()
        )
    })
}

pub fn build(
    paths: &[PathBuf],
    targets: &[Target],
    out: &Path,
    signing: Option<&Signing>,
) -> Result<ExitCode> {
    let sets = find_sets(paths)?;
    let multi = sets.len() > 1;
    // (directory under `out`, artifacts)
    let mut planned: Vec<(PathBuf, Vec<Artifact>)> = Vec::new();
    let mut failed = false;
    for set in &sets {
        let loaded = load(set)?;
        if loaded.compiled.has_errors() {
            eprint!(
                "{}",
                super::render_for(
                    super::Stream::Stderr,
                    &loaded.sources,
                    &loaded.compiled.diagnostics
                )
            );
            failed = true;
            continue;
        }
        let dir_name = super::dir_name(set);
        let set_name = agentpol::set_name(&loaded.compiled, &dir_name);
        for &target in targets {
            let output = backend::generate(
                target,
                &backend::Input {
                    model: &loaded.compiled.model,
                    sources: &loaded.sources,
                    set_name: &set_name,
                },
            );
            if !output.diagnostics.is_empty() {
                eprint!(
                    "{}",
                    super::render_for(super::Stream::Stderr, &loaded.sources, &output.diagnostics)
                );
            }
            if output
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
            {
                failed = true;
                continue;
            }
            let mut artifacts = output.artifacts;
            if let (Target::Rego, Some(signing)) = (target, signing) {
                backend::rego::sign_bundle(&mut artifacts, &set_name, signing).map_err(|e| {
                    miette!(
                        code = command::INVALID_SIGNING_KEY.as_str(),
                        help = "nothing was written",
                        "cannot sign the bundle of {}: {e}",
                        display_root(&set.root)
                    )
                })?;
            }
            let dir = if multi {
                PathBuf::from(&dir_name).join(target.as_str())
            } else {
                PathBuf::from(target.as_str())
            };
            planned.push((dir, artifacts));
        }
        super::say(format_args!(
            "{}: built {}",
            display_root(&set.root),
            targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if failed {
        eprintln!("nothing was written: fix the errors above and build again");
        return Ok(ExitCode::from(2));
    }
    for (dir, artifacts) in &planned {
        write_dir(&out.join(dir), artifacts)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one target directory atomically (build aside, then rename).
fn write_dir(dest: &Path, artifacts: &[Artifact]) -> Result<()> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".agentpol-build-")
        .tempdir_in(parent)
        .into_diagnostic()
        .wrap_err_with(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    for a in artifacts {
        let rel = safe_relative(&a.path)?;
        let path = staging.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).into_diagnostic()?;
        }
        std::fs::write(&path, &a.contents)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    let staged = staging.keep();
    let old = parent.join(format!(".agentpol-old-{}", std::process::id()));
    if dest.exists() {
        std::fs::rename(dest, &old)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot replace {}", dest.display()))?;
    }
    if let Err(e) = std::fs::rename(&staged, dest) {
        // Put the previous output back so a failed build changes nothing.
        let _ = std::fs::rename(&old, dest);
        let _ = std::fs::remove_dir_all(&staged);
        return Err(miette!(
            "cannot move the build into {}: {e}",
            dest.display()
        ));
    }
    if old.exists() {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Artifact paths come from our backends, but names derive from policies:
/// refuse anything that could leave the output directory.
fn safe_relative(p: &str) -> Result<PathBuf> {
    let path = PathBuf::from(p);
    if path.components().all(|c| matches!(c, Component::Normal(_))) && !p.is_empty() {
        Ok(path)
    } else {
        Err(miette!(
            help = "this is a bug in agentpol: a backend produced an unsafe path",
            "refusing to write artifact outside the output directory: `{}`",
            p.escape_debug()
        ))
    }
}
