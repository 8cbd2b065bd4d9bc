//! Writing one file atomically: into a temporary file beside it, then
//! renamed over it, so readers see the old file or the new one.

use miette::{IntoDiagnostic, Result, WrapErr};
use std::io::Write;
use std::path::Path;

pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".agentpol-")
        .tempfile_in(parent)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create a temporary file in {}", parent.display()))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot move the output into {}", path.display()))?;
    Ok(())
}
