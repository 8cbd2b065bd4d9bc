//! The analysis worker: runs the z3-backed checks off the protocol thread so
//! typing never waits for them. Each job carries its set's generation; the
//! worker waits for a quiet period (the debounce), keeps only the newest job
//! per set, and the server drops any result whose generation is stale.

use agentpol::diagnostics::Diagnostic;
use agentpol::source::{Origin, SourceMap};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long the set must stay unchanged before its analysis starts.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// The texts of one set at one generation.
pub struct Job {
    pub key: PathBuf,
    pub generation: u64,
    /// `agentpol.toml`'s text, if the set has one.
    pub config: Option<String>,
    /// `(name relative to the root, text)` of every policy file.
    pub files: Vec<(String, String)>,
}

/// The findings of one job, with the sources their spans point into.
pub struct Done {
    pub key: PathBuf,
    pub generation: u64,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Starts the worker; it stops when the job sender is dropped.
pub fn spawn(done: Sender<Done>) -> (Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = crossbeam_channel::unbounded::<Job>();
    let handle = std::thread::spawn(move || run(&rx, &done));
    (tx, handle)
}

fn run(rx: &Receiver<Job>, done: &Sender<Done>) {
    let mut pending: BTreeMap<PathBuf, Job> = BTreeMap::new();
    loop {
        let next = if pending.is_empty() {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(DEBOUNCE)
        };
        match next {
            Ok(job) => {
                pending.insert(job.key.clone(), job);
            }
            Err(RecvTimeoutError::Timeout) => {
                // Quiet for a whole debounce period: run the oldest set's newest job.
                let Some(key) = pending.keys().next().cloned() else {
                    continue;
                };
                if let Some(job) = pending.remove(&key) {
                    if done.send(analyze(job)).is_err() {
                        return;
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn analyze(job: Job) -> Done {
    let mut sources = SourceMap::new();
    let config = job
        .config
        .map(|t| sources.add(super::sets::CONFIG, t, Origin::User));
    let ids: Vec<_> = job
        .files
        .into_iter()
        .map(|(n, t)| sources.add(n, t, Origin::User))
        .collect();
    let compiled = agentpol::compile(&mut sources, config, &ids);
    let diagnostics = if compiled.has_errors() {
        Vec::new()
    } else {
        // As `check` does: the analysis, then what `build` would refuse.
        let mut d = agentpol::analyze(&sources, &compiled).diagnostics;
        let set_name = agentpol::set_name(&compiled, "policy");
        d.extend(agentpol::target_errors(&sources, &compiled, &set_name));
        d
    };
    Done {
        key: job.key,
        generation: job.generation,
        sources,
        diagnostics,
    }
}
