//! Between agentpol's data (byte spans, file names, diagnostics) and LSP's
//! (URIs, UTF-16 ranges). Stdlib files are served as read-only virtual
//! documents under the `agentpol-stdlib:` scheme: `<std>/aws/s3.agentpol`
//! is `agentpol-stdlib:///std/aws/s3.agentpol`.

use agentpol::diagnostics::render::{self, human};
use agentpol::diagnostics::{Diagnostic, Severity};
use agentpol::ide::position::{LineIndex, Utf16Pos};
use agentpol::source::{SourceMap, Span};
use lsp_types as lsp;
use lsp_types::Url;
use std::path::Path;

pub const STDLIB_SCHEME: &str = "agentpol-stdlib";
const STD_PREFIX: &str = "<std>/";

/// The URI of a file of a set rooted at `root`, by its name in the source map.
pub fn url_for(root: &Path, name: &str) -> Option<Url> {
    match name.strip_prefix(STD_PREFIX) {
        Some(rest) => Url::parse(&format!("{STDLIB_SCHEME}:///std/{rest}")).ok(),
        None => Url::from_file_path(root.join(name)).ok(),
    }
}

/// The source-map name (`<std>/slack.agentpol`) of a stdlib URI.
pub fn stdlib_name(url: &Url) -> Option<String> {
    if url.scheme() != STDLIB_SCHEME {
        return None;
    }
    let rest = url.path().strip_prefix("/std/")?;
    Some(format!("{STD_PREFIX}{rest}"))
}

/// The embedded text of a stdlib URI.
pub fn stdlib_text(url: &Url) -> Option<&'static str> {
    let name = stdlib_name(url)?;
    let file = name.strip_prefix(STD_PREFIX)?;
    agentpol::resolve::stdlib::FILES
        .iter()
        .find(|(_, f, _)| *f == file)
        .map(|(_, _, t)| *t)
}

pub fn position(p: Utf16Pos) -> lsp::Position {
    lsp::Position::new(p.line, p.col)
}

pub fn utf16(p: lsp::Position) -> Utf16Pos {
    Utf16Pos {
        line: p.line,
        col: p.character,
    }
}

pub fn range(index: &LineIndex, start: usize, end: usize) -> lsp::Range {
    lsp::Range::new(
        position(index.position(start)),
        position(index.position(end)),
    )
}

/// Line indexes of a snapshot's files, built on demand.
pub struct Lines<'a> {
    sources: &'a SourceMap,
    cache: std::collections::HashMap<agentpol::source::FileId, LineIndex>,
}

impl<'a> Lines<'a> {
    pub fn new(sources: &'a SourceMap) -> Self {
        Lines {
            sources,
            cache: Default::default(),
        }
    }

    pub fn range(&mut self, span: Span) -> lsp::Range {
        let sources = self.sources;
        let index = self.cache.entry(span.file).or_insert_with(|| {
            LineIndex::new(
                sources
                    .get(span.file)
                    .map(|f| f.text.as_str())
                    .unwrap_or(""),
            )
        });
        range(index, span.start, span.end)
    }

    pub fn location(&mut self, root: &Path, span: Span) -> Option<lsp::Location> {
        let url = url_for(root, self.sources.name(span.file))?;
        Some(lsp::Location::new(url, self.range(span)))
    }
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// One agentpol diagnostic as an LSP diagnostic on the file of its primary
/// label (or of `fallback` when it has none): the other labels become
/// related information; help, notes and the witness follow the message.
pub fn diagnostic(
    lines: &mut Lines<'_>,
    root: &Path,
    fallback: &Url,
    d: &Diagnostic,
) -> (Url, lsp::Diagnostic) {
    let primary = d.labels.iter().find(|l| l.primary);
    let (url, range) = match primary.and_then(|l| Some((lines.location(root, l.span)?, l))) {
        Some((loc, _)) => (loc.uri, loc.range),
        None => (fallback.clone(), lsp::Range::default()),
    };
    let mut related = Vec::new();
    for l in &d.labels {
        if primary.is_some_and(|p| std::ptr::eq(p, l)) {
            continue;
        }
        if let Some(location) = lines.location(root, l.span) {
            related.push(lsp::DiagnosticRelatedInformation {
                location,
                message: l.message.clone(),
            });
        }
    }
    let mut message = d.message.clone();
    if let Some(l) = primary.filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(": {}", l.message));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(w) = &d.witness {
        message.push('\n');
        message.push_str(&human::witness_text(lines.sources, w));
        related.extend(witness_steps(lines, root, w));
    }
    let diag = lsp::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("agentpol".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    };
    (url, diag)
}

/// Each step of a witness path that has a span, as a related location.
fn witness_steps(
    lines: &mut Lines<'_>,
    root: &Path,
    w: &serde_json::Value,
) -> Vec<lsp::DiagnosticRelatedInformation> {
    let steps = w.get("path").and_then(|p| p.as_array());
    let mut out = Vec::new();
    for (i, step) in steps.into_iter().flatten().enumerate() {
        let text = |k: &str| step.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let Some(span) = step.get("span").and_then(render::span_of) else {
            continue;
        };
        if let Some(location) = lines.location(root, span) {
            out.push(lsp::DiagnosticRelatedInformation {
                location,
                message: format!(
                    "witness {}. {} `{}`: {}",
                    i + 1,
                    text("kind"),
                    text("name"),
                    text("role")
                ),
            });
        }
    }
    out
}
