//! Finding policy sets on disk. A policy set is the tree of `*.agentpol` files
//! under a directory holding `agentpol.toml`, minus nested sets. A path names
//! the set it lies in, or, for a directory, also every set below it.

use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const CONFIG: &str = "agentpol.toml";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SetPaths {
    pub root: PathBuf,
    /// `*.agentpol` files, sorted, relative to `root`.
    pub files: Vec<PathBuf>,
}

/// The nearest ancestor (or self) holding `agentpol.toml`.
fn enclosing_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()?.to_path_buf()
    };
    let mut cur = Some(start.as_path());
    while let Some(dir) = cur {
        if dir.join(CONFIG).is_file() {
            return Some(dir.to_path_buf());
        }
        cur = dir.parent();
    }
    None
}

pub fn find_sets(paths: &[PathBuf]) -> Result<Vec<SetPaths>> {
    let mut roots = BTreeSet::new();
    for p in paths {
        let abs = std::path::absolute(p)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot resolve {}", p.display()))?;
        if !abs.exists() {
            return Err(miette!(
                code = agentpol::registry::command::PATH_NOT_FOUND.as_str(),
                help = "check the path",
                "{} does not exist",
                p.display()
            ));
        }
        if let Some(root) = enclosing_root(&abs) {
            roots.insert(root);
        }
        if abs.is_dir() {
            for entry in walkdir::WalkDir::new(&abs)
                .sort_by_file_name()
                .into_iter()
                .filter_map(|e| e.ok())
            {
                if entry.file_name() == CONFIG && entry.file_type().is_file() {
                    if let Some(dir) = entry.path().parent() {
                        roots.insert(dir.to_path_buf());
                    }
                }
            }
        }
        if roots.is_empty() {
            return Err(miette!(
                code = agentpol::registry::command::NOT_IN_POLICY_SET.as_str(),
                help =
                    "create an `agentpol.toml` (it may be empty) at the root of the policy files",
                "{} is not inside a policy set",
                p.display()
            ));
        }
    }
    let mut sets = Vec::new();
    for root in &roots {
        let mut files = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                // Skip nested policy sets and hidden directories.
                e.path() == root.as_path()
                    || !(e.file_type().is_dir()
                        && (e.path().join(CONFIG).is_file()
                            || e.file_name().to_string_lossy().starts_with('.')))
            });
        for entry in walker.filter_map(|e| e.ok()) {
            if entry.file_type().is_file()
                && entry.path().extension().is_some_and(|x| x == "agentpol")
            {
                if let Ok(rel) = entry.path().strip_prefix(root) {
                    files.push(rel.to_path_buf());
                }
            }
        }
        files.sort();
        sets.push(SetPaths {
            root: root.clone(),
            files,
        });
    }
    Ok(sets)
}

/// A display name for a set root: relative to the working directory when possible.
pub fn display_root(root: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd.as_deref().and_then(|c| root.strip_prefix(c).ok());
    match rel {
        Some(r) if r.as_os_str().is_empty() => ".".to_string(),
        Some(r) => r.display().to_string(),
        None => root.display().to_string(),
    }
}
