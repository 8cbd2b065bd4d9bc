//! Writing one file atomically: into a temporary file beside it, then
//! renamed over it, so readers see the old file or the new one.

use miette::{IntoDiagnostic, Result, WrapErr};
use std::io::Write;
use std::path::Path;

/// Temporary files are created private (0600); what we write is an
/// ordinary file, so ask for 0644 (less the umask) like any other.
fn builder() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".agentpol-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b
}

pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
    let mut tmp = builder()
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

/// Why [`write_new_file`] did not write.
pub enum NewFileError {
    /// The name is taken (by a file, a directory or a link).
    Exists,
    /// What failed, as a sentence.
    Io(String),
}

/// Writes a file that must not exist yet, atomically: into a temporary file
/// beside it, then linked into place with a rename that refuses to replace
/// anything, so a file that appeared meanwhile is kept.
pub fn write_new_file(path: &Path, contents: &[u8]) -> std::result::Result<(), NewFileError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |e: std::io::Error, what: String| NewFileError::Io(format!("{what}: {e}"));
    std::fs::create_dir_all(parent)
        .map_err(|e| io(e, format!("cannot create {}", parent.display())))?;
    let mut tmp = builder().tempfile_in(parent).map_err(|e| {
        io(
            e,
            format!("cannot create a temporary file in {}", parent.display()),
        )
    })?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io(e, format!("cannot write {}", path.display())))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(NewFileError::Exists),
        Err(e) => Err(io(
            e.error,
            format!("cannot move the output into {}", path.display()),
        )),
    }
}
