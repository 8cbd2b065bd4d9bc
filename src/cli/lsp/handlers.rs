//! Request handlers: each turns LSP parameters into a query on the
//! document's [`agentpol::ide::Snapshot`] and the answer back into LSP types.
//! `agentpol/stdlib` is our own request: `{ "uri": "agentpol-stdlib:///std/slack.agentpol" }`
//! answers the embedded module's text (clients show it read-only).

use super::convert::{self, Lines};
use super::sets::Set;
use super::Server;
use agentpol::ide::{self, position::LineIndex, CompletionKind, SymbolKind};
use agentpol::source::FileId;
use lsp_server::Request;
use lsp_types as lsp;
use lsp_types::Url;
use serde_json::Value;

/// The custom request that returns a stdlib document's text.
pub const STDLIB_REQUEST: &str = "agentpol/stdlib";

type Answer = Result<Value, String>;

pub fn request(server: &Server<'_>, req: &Request) -> Answer {
    use lsp::request::*;
    let p = &req.params;
    match req.method.as_str() {
        HoverRequest::METHOD => {
            let p: lsp::HoverParams = parse(p)?;
            json(at(server, &p.text_document_position_params, hover))
        }
        GotoDefinition::METHOD => {
            let p: lsp::GotoDefinitionParams = parse(p)?;
            json(at(server, &p.text_document_position_params, definition))
        }
        References::METHOD => {
            let p: lsp::ReferenceParams = parse(p)?;
            json(at(server, &p.text_document_position, references))
        }
        Completion::METHOD => {
            let p: lsp::CompletionParams = parse(p)?;
            json(at(server, &p.text_document_position, completion))
        }
        DocumentSymbolRequest::METHOD => {
            let p: lsp::DocumentSymbolParams = parse(p)?;
            json(document_symbols(server, &p.text_document.uri))
        }
        Formatting::METHOD => {
            let p: lsp::DocumentFormattingParams = parse(p)?;
            json(formatting(server, &p.text_document.uri))
        }
        CodeActionRequest::METHOD => {
            let p: lsp::CodeActionParams = parse(p)?;
            json(code_actions(server, &p))
        }
        STDLIB_REQUEST => {
            let p: lsp::TextDocumentIdentifier = parse(p)?;
            match convert::stdlib_text(&p.uri) {
                Some(text) => json(Some(text)),
                None => Err(format!("`{}` is not a stdlib module", p.uri)),
            }
        }
        other => Err(format!("unsupported request `{other}`")),
    }
}

fn parse<P: serde::de::DeserializeOwned>(v: &Value) -> Result<P, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("malformed parameters: {e}"))
}

fn json<T: serde::Serialize>(v: T) -> Answer {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// A query at a position: the document's set, file and byte offset.
struct At<'a> {
    set: &'a Set,
    file: FileId,
    offset: usize,
    url: &'a Url,
}

fn at<T>(
    server: &Server<'_>,
    p: &lsp::TextDocumentPositionParams,
    f: impl Fn(&At<'_>) -> Option<T>,
) -> Option<T> {
    let url = &p.text_document.uri;
    let set = server.set_of(url)?;
    let file = set.file(url)?;
    let text = set.snapshot.sources.get(file)?.text.as_str();
    let offset = LineIndex::new(text).offset(convert::utf16(p.position));
    f(&At {
        set,
        file,
        offset,
        url,
    })
}

fn hover(at: &At<'_>) -> Option<lsp::Hover> {
    let snap = &at.set.snapshot;
    let mut lines = Lines::new(&snap.sources);
    let symbol = ide::hover(snap, at.file, at.offset);
    // The codes of the diagnostics under the cursor, with their documentation.
    let mut codes: Vec<String> = Vec::new();
    let diags = at.set.diagnostics();
    let pos = lines
        .range(agentpol::source::Span::new(at.file, at.offset, at.offset))
        .start;
    for d in diags.get(at.url).into_iter().flatten() {
        if d.range.start <= pos && pos <= d.range.end {
            if let Some(lsp::NumberOrString::String(code)) = &d.code {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
        }
    }
    let mut parts = Vec::new();
    let mut range = None;
    if let Some((span, text)) = symbol {
        range = Some(lines.range(span));
        parts.push(text);
    }
    parts.extend(codes.iter().filter_map(|c| ide::code_markdown(c)));
    if parts.is_empty() {
        return None;
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range,
    })
}

fn definition(at: &At<'_>) -> Option<lsp::GotoDefinitionResponse> {
    let span = at.set.snapshot.definition(at.file, at.offset)?;
    let mut lines = Lines::new(&at.set.snapshot.sources);
    Some(lsp::GotoDefinitionResponse::Scalar(
        lines.location(&at.set.root, span)?,
    ))
}

fn references(at: &At<'_>) -> Option<Vec<lsp::Location>> {
    let mut lines = Lines::new(&at.set.snapshot.sources);
    Some(
        at.set
            .snapshot
            .references(at.file, at.offset)
            .into_iter()
            .filter_map(|s| lines.location(&at.set.root, s))
            .collect(),
    )
}

fn completion(at: &At<'_>) -> Option<lsp::CompletionResponse> {
    let items = ide::complete(&at.set.snapshot, at.file, at.offset)
        .into_iter()
        .map(|c| lsp::CompletionItem {
            label: c.label,
            kind: Some(match c.kind {
                CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                CompletionKind::Tool => lsp::CompletionItemKind::FUNCTION,
                CompletionKind::Argument => lsp::CompletionItemKind::FIELD,
                CompletionKind::Value => lsp::CompletionItemKind::ENUM_MEMBER,
                CompletionKind::Module => lsp::CompletionItemKind::MODULE,
                CompletionKind::Agent => lsp::CompletionItemKind::CLASS,
                CompletionKind::Preset => lsp::CompletionItemKind::INTERFACE,
                CompletionKind::Sanitizer => lsp::CompletionItemKind::FUNCTION,
                CompletionKind::ResourceType => lsp::CompletionItemKind::STRUCT,
            }),
            detail: c.detail,
            ..Default::default()
        })
        .collect();
    Some(lsp::CompletionResponse::Array(items))
}

fn symbol_kind(k: SymbolKind) -> lsp::SymbolKind {
    match k {
        SymbolKind::Module => lsp::SymbolKind::MODULE,
        SymbolKind::Tool => lsp::SymbolKind::FUNCTION,
        SymbolKind::Argument => lsp::SymbolKind::FIELD,
        SymbolKind::ResourceType => lsp::SymbolKind::STRUCT,
        SymbolKind::Resource => lsp::SymbolKind::OBJECT,
        SymbolKind::Sanitizer => lsp::SymbolKind::FUNCTION,
        SymbolKind::Preset => lsp::SymbolKind::INTERFACE,
        SymbolKind::Agent => lsp::SymbolKind::CLASS,
    }
}

/// The whole document in `agentpol fmt`'s layout: one edit replacing all
/// of it, none when it is formatted, `null` when it does not parse (the
/// syntax errors are already published as diagnostics).
fn formatting(server: &Server<'_>, url: &Url) -> Option<Vec<lsp::TextEdit>> {
    let set = server.set_of(url)?;
    let file = set.file(url)?;
    let text = set.snapshot.sources.get(file)?.text.as_str();
    let formatted =
        agentpol::syntax::format::format(file, text, &mut agentpol::diagnostics::Sink::new())?;
    if formatted == text {
        return Some(Vec::new());
    }
    let mut lines = Lines::new(&set.snapshot.sources);
    let range = lines.range(agentpol::source::Span::new(file, 0, text.len()));
    Some(vec![lsp::TextEdit {
        range,
        new_text: formatted,
    }])
}

fn document_symbols(server: &Server<'_>, url: &Url) -> Option<lsp::DocumentSymbolResponse> {
    let set = server.set_of(url)?;
    let file = set.file(url)?;
    let mut lines = Lines::new(&set.snapshot.sources);
    fn convert(lines: &mut Lines<'_>, s: ide::DocumentSymbol) -> lsp::DocumentSymbol {
        #[expect(
            deprecated,
            reason = "`deprecated` is a required field of lsp-types' struct"
        )]
        lsp::DocumentSymbol {
            name: s.name,
            detail: Some(s.kind.as_str().to_string()),
            kind: symbol_kind(s.kind),
            tags: None,
            deprecated: None,
            range: lines.range(s.span),
            selection_range: lines.range(s.selection),
            children: Some(s.children.into_iter().map(|c| convert(lines, c)).collect()),
        }
    }
    let symbols = ide::document_symbols(&set.snapshot, file)
        .into_iter()
        .map(|s| convert(&mut lines, s))
        .collect();
    Some(lsp::DocumentSymbolResponse::Nested(symbols))
}

/// Fixes for the diagnostics at the requested range, as quick fixes.
fn code_actions(
    server: &Server<'_>,
    p: &lsp::CodeActionParams,
) -> Option<Vec<lsp::CodeActionOrCommand>> {
    let url = &p.text_document.uri;
    let set = server.set_of(url)?;
    let file = set.file(url)?;
    let snap = &set.snapshot;
    let mut lines = Lines::new(&snap.sources);
    let analysis = set
        .analysis
        .as_ref()
        .filter(|_| !snap.compiled.has_errors());
    let mut out = Vec::new();
    let all = snap
        .compiled
        .diagnostics
        .iter()
        .chain(analysis.into_iter().flat_map(|a| {
            // Analysis spans point into the analysis' sources; only unchanged files qualify.
            a.diagnostics.iter().filter(|d| {
                d.primary_span().is_some_and(|s| {
                    a.sources.get(s.file).map(|f| &f.text)
                        == snap.sources.get(s.file).map(|f| &f.text)
                })
            })
        }));
    for d in all {
        let Some(span) = d.primary_span().filter(|s| s.file == file) else {
            continue;
        };
        let range = lines.range(span);
        if range.end < p.range.start || p.range.end < range.start {
            continue;
        }
        for fix in ide::fixes(snap, d) {
            let edits = fix
                .edits
                .iter()
                .map(|e| lsp::TextEdit::new(lines.range(e.span), e.new_text.clone()))
                .collect();
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: fix.title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some([(url.clone(), edits)].into_iter().collect()),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
    }
    Some(out)
}
