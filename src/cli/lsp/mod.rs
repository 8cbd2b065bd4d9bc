//! `agentpol lsp`: a language server over standard input and output
//! (`lsp-server` framing, `lsp-types` messages). This module is the protocol
//! side: the message loop, the document store and the request handlers. The
//! language knowledge (symbols, hover, completion, fixes) is in
//! `agentpol::ide`, pure functions tested without the protocol.
//!
//! Diagnostics: the front end runs on every change and its diagnostics are
//! published at once; the analysis runs on a worker thread after a short
//! debounce ([`worker`]) and its findings follow, unless a newer edit has
//! superseded them.

mod convert;
mod handlers;
mod sets;
mod worker;

use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::Url;
use miette::{miette, IntoDiagnostic, Result};
use sets::{Doc, Set};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

/// Serves one client on stdio until it sends `exit`.
pub fn run() -> Result<ExitCode> {
    let (conn, io) = Connection::stdio();
    serve(&conn)?;
    drop(conn);
    io.join().into_diagnostic()?;
    Ok(ExitCode::SUCCESS)
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![" ".into(), ".".into(), "[".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn serve(conn: &Connection) -> Result<()> {
    let caps = serde_json::to_value(capabilities()).into_diagnostic()?;
    conn.initialize(caps)
        .map_err(|e| miette!("the client did not initialize: {e}"))?;
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let (jobs, worker) = worker::spawn(done_tx);
    let mut server = Server {
        conn,
        jobs,
        docs: HashMap::new(),
        sets: BTreeMap::new(),
        generation: 0,
    };
    server.main_loop(&done_rx)?;
    drop(server); // closes the job channel, so the worker ends
    worker
        .join()
        .map_err(|_| miette!("the analysis worker panicked"))
}

struct Server<'c> {
    conn: &'c Connection,
    jobs: Sender<worker::Job>,
    docs: HashMap<Url, Doc>,
    sets: BTreeMap<PathBuf, Set>,
    generation: u64,
}

impl Server<'_> {
    fn main_loop(&mut self, done: &Receiver<worker::Done>) -> Result<()> {
        loop {
            select! {
                recv(self.conn.receiver) -> msg => {
                    let Ok(msg) = msg else { return Ok(()) };
                    match msg {
                        Message::Request(req) => {
                            if self.conn.handle_shutdown(&req).map_err(|e| miette!("{e}"))? {
                                return Ok(());
                            }
                            self.request(req)?;
                        }
                        Message::Notification(n) => self.notification(n)?,
                        Message::Response(_) => {}
                    }
                }
                recv(done) -> d => {
                    if let Ok(d) = d {
                        self.analysis_done(d)?;
                    }
                }
            }
        }
    }

    fn send(&self, msg: impl Into<Message>) -> Result<()> {
        self.conn
            .sender
            .send(msg.into())
            .map_err(|_| miette!("the client went away"))
    }

    fn request(&mut self, req: Request) -> Result<()> {
        let id = req.id.clone();
        let response = match handlers::request(self, &req) {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => {
                Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message)
            }
        };
        self.send(response)
    }

    fn notification(&mut self, n: Notification) -> Result<()> {
        use lsp::notification::{
            DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
            Notification as _,
        };
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: lsp::DidOpenTextDocumentParams = params(n.params)?;
                let doc = p.text_document;
                self.docs.insert(
                    doc.uri.clone(),
                    Doc {
                        text: doc.text,
                        version: doc.version,
                    },
                );
                self.changed(&doc.uri)
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp::DidChangeTextDocumentParams = params(n.params)?;
                if let Some(doc) = self.docs.get_mut(&p.text_document.uri) {
                    for change in p.content_changes {
                        apply_change(&mut doc.text, change);
                    }
                    doc.version = p.text_document.version;
                }
                self.changed(&p.text_document.uri)
            }
            DidSaveTextDocument::METHOD => {
                let p: lsp::DidSaveTextDocumentParams = params(n.params)?;
                self.changed(&p.text_document.uri)
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp::DidCloseTextDocumentParams = params(n.params)?;
                self.docs.remove(&p.text_document.uri);
                self.changed(&p.text_document.uri)
            }
            _ => Ok(()),
        }
    }

    /// Recompiles the set of `url`, publishes its front-end diagnostics and
    /// queues its analysis. Stdlib documents are read-only and change nothing.
    fn changed(&mut self, url: &Url) -> Result<()> {
        let Ok(path) = url.to_file_path() else {
            return Ok(());
        };
        let key = if path.file_name().is_some_and(|n| n == sets::CONFIG) {
            path.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default()
        } else {
            sets::key_of(&path)
        };
        self.generation += 1;
        let (mut set, job) = sets::build(&key, &self.docs, self.generation);
        if let Some(old) = self.sets.remove(&key) {
            set.analysis = old.analysis;
            set.published = old.published;
        }
        let analyze = !set.snapshot.compiled.has_errors();
        self.sets.insert(key.clone(), set);
        self.publish(&key)?;
        if analyze {
            let _ = self.jobs.send(job);
        }
        Ok(())
    }

    fn analysis_done(&mut self, done: worker::Done) -> Result<()> {
        let key = done.key.clone();
        let Some(set) = self.sets.get_mut(&key) else {
            return Ok(());
        };
        if done.generation != set.generation {
            return Ok(()); // superseded by a newer edit; its own run follows
        }
        set.analysis = Some(done);
        self.publish(&key)
    }

    fn publish(&mut self, key: &PathBuf) -> Result<()> {
        let Some(set) = self.sets.get_mut(key) else {
            return Ok(());
        };
        let mut by_url = set.diagnostics();
        for old in &set.published {
            by_url.entry(old.clone()).or_default();
        }
        set.published = by_url
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(u, _)| u.clone())
            .collect();
        for (uri, diagnostics) in by_url {
            let version = self.docs.get(&uri).map(|d| d.version);
            let params = lsp::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            self.send(Notification::new(
                <lsp::notification::PublishDiagnostics as lsp::notification::Notification>::METHOD
                    .into(),
                params,
            ))?;
        }
        Ok(())
    }

    /// The set holding a document: its own for a file, and for a stdlib
    /// document the first set that uses that module.
    fn set_of(&self, url: &Url) -> Option<&Set> {
        if let Ok(path) = url.to_file_path() {
            return self.sets.get(&sets::key_of(&path));
        }
        self.sets.values().find(|s| s.file(url).is_some())
    }
}

fn params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P> {
    serde_json::from_value(v).map_err(|e| miette!("malformed notification: {e}"))
}

/// Applies one `didChange` edit: a range replacement, or the whole text.
fn apply_change(text: &mut String, change: lsp::TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        *text = change.text;
        return;
    };
    let index = agentpol::ide::position::LineIndex::new(text);
    let start = index.offset(convert::utf16(range.start));
    let end = index.offset(convert::utf16(range.end)).max(start);
    text.replace_range(start..end, &change.text);
}
