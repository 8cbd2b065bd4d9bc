//! Open documents and the policy sets they belong to. A file belongs to the
//! set of the nearest `agentpol.toml` above it, found as `agentpol check`
//! finds it; a file outside any set is checked on its own. An open document
//! overrides the file on disk; every other file of the set is read from disk.

use super::convert::{self, url_for, Lines};
use super::worker::{Done, Job};
use agentpol::ide::Snapshot;
use agentpol::source::{FileId, Origin, SourceMap};
use lsp_types::Url;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use crate::cli::discover::CONFIG;

/// An open document.
pub struct Doc {
    pub text: String,
    pub version: i32,
}

/// One compiled set and its last analysis.
pub struct Set {
    /// The directory holding `agentpol.toml` (a loose file's directory).
    pub root: PathBuf,
    pub snapshot: Snapshot,
    pub generation: u64,
    /// Each file's URI, by file id.
    pub urls: Vec<(FileId, Url)>,
    /// The newest analysis of this set, possibly of older texts.
    pub analysis: Option<Done>,
    /// Every URI diagnostics were published to, so they can be cleared.
    pub published: BTreeSet<Url>,
}

impl Set {
    pub fn file(&self, url: &Url) -> Option<FileId> {
        self.urls.iter().find(|(_, u)| u == url).map(|(f, _)| *f)
    }

    /// Every diagnostic to show, by URI: the front end's, then the
    /// analysis findings whose files have not changed since they were found.
    pub fn diagnostics(&self) -> BTreeMap<Url, Vec<lsp_types::Diagnostic>> {
        let mut out: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for (_, url) in &self.urls {
            if url.scheme() == "file" {
                out.entry(url.clone()).or_default();
            }
        }
        let fallback = self.urls.first().map(|(_, u)| u.clone());
        let Some(fallback) = fallback else { return out };
        let snap = &self.snapshot;
        let mut lines = Lines::new(&snap.sources);
        for d in &snap.compiled.diagnostics {
            let (url, diag) = convert::diagnostic(&mut lines, &self.root, &fallback, d);
            out.entry(url).or_default().push(diag);
        }
        if snap.compiled.has_errors() {
            return out;
        }
        if let Some(done) = &self.analysis {
            let mut lines = Lines::new(&done.sources);
            for d in &done.diagnostics {
                if d.labels
                    .iter()
                    .all(|l| self.unchanged(&done.sources, l.span.file))
                {
                    let (url, diag) = convert::diagnostic(&mut lines, &self.root, &fallback, d);
                    out.entry(url).or_default().push(diag);
                }
            }
        }
        out
    }

    /// Does `file` of an older source map still have the text it has now?
    fn unchanged(&self, old: &SourceMap, file: FileId) -> bool {
        let Some(f) = old.get(file) else { return false };
        self.snapshot
            .sources
            .files()
            .any(|(_, g)| g.name == f.name && g.text == f.text)
    }
}

/// Where a file's set is rooted: the nearest directory above it holding
/// `agentpol.toml`, or `None` for a loose file.
pub fn root_of(path: &Path) -> Option<PathBuf> {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.join(CONFIG).is_file() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// The key of a file's set: its root, or the loose file itself.
pub fn key_of(path: &Path) -> PathBuf {
    root_of(path).unwrap_or_else(|| path.to_path_buf())
}

/// The texts of a set, open documents first: (config, [(relative name, text)]).
pub fn texts(
    key: &Path,
    docs: &HashMap<Url, Doc>,
) -> (PathBuf, Option<String>, Vec<(String, String)>) {
    let read = |path: &Path| -> Option<String> {
        let url = Url::from_file_path(path).ok()?;
        match docs.get(&url) {
            Some(d) => Some(d.text.clone()),
            None => std::fs::read_to_string(path).ok(),
        }
    };
    if !key.is_dir() {
        let root = key.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = key
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = read(key).unwrap_or_default();
        return (root, None, vec![(name, text)]);
    }
    let mut rels: BTreeSet<PathBuf> = crate::cli::discover::find_sets(&[key.to_path_buf()])
        .ok()
        .and_then(|sets| sets.into_iter().find(|s| s.root == key))
        .map(|s| s.files.into_iter().collect())
        .unwrap_or_default();
    // Open documents not yet saved to disk belong to the set too.
    for url in docs.keys() {
        if let Ok(path) = url.to_file_path() {
            if path.extension().is_some_and(|e| e == "agentpol") && key_of(&path) == key {
                if let Ok(rel) = path.strip_prefix(key) {
                    rels.insert(rel.to_path_buf());
                }
            }
        }
    }
    let files = rels
        .into_iter()
        .filter_map(|rel| {
            let text = read(&key.join(&rel))?;
            Some((rel.to_string_lossy().replace('\\', "/"), text))
        })
        .collect();
    (key.to_path_buf(), read(&key.join(CONFIG)), files)
}

/// Compiles a set from its texts; returns it and the analysis job for it.
pub fn build(key: &Path, docs: &HashMap<Url, Doc>, generation: u64) -> (Set, Job) {
    let (root, config, files) = texts(key, docs);
    let mut sources = SourceMap::new();
    let config_id = config.clone().map(|t| sources.add(CONFIG, t, Origin::User));
    let ids: Vec<FileId> = files
        .iter()
        .map(|(n, t)| sources.add(n.clone(), t.clone(), Origin::User))
        .collect();
    let snapshot = Snapshot::build(sources, config_id, &ids);
    let urls = snapshot
        .sources
        .files()
        .filter_map(|(id, f)| Some((id, url_for(&root, &f.name)?)))
        .collect();
    let job = Job {
        key: key.to_path_buf(),
        generation,
        config,
        files,
    };
    let set = Set {
        root,
        snapshot,
        generation,
        urls,
        analysis: None,
        published: BTreeSet::new(),
    };
    (set, job)
}
