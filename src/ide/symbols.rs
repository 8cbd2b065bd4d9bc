//! The outline of one file: its tools (with their arguments), agents,
//! presets, resource types, resources and sanitizers.

use super::{tool_args, Snapshot, SymbolKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::Item;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name within it.
    pub selection: Span,
    pub children: Vec<DocumentSymbol>,
}

impl DocumentSymbol {
    fn leaf(name: String, kind: SymbolKind, span: Span, selection: Span) -> Self {
        DocumentSymbol {
            name,
            kind,
            span: span.to(selection),
            selection,
            children: Vec::new(),
        }
    }
}

/// The declarations of `file`, in source order.
pub fn document_symbols(snap: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    let Some(module) = snap.program.modules.iter().find(|m| m.file == file) else {
        return Vec::new();
    };
    module
        .ast
        .items
        .iter()
        .filter_map(|item| {
            Some(match item {
                Item::Use(_) => return None,
                Item::Tool(t) => {
                    let mut s = DocumentSymbol::leaf(
                        t.name.name.clone(),
                        SymbolKind::Tool,
                        t.span,
                        t.name.span,
                    );
                    s.children = tool_args(t)
                        .map(|(a, _, ty)| {
                            DocumentSymbol::leaf(
                                a.name.clone(),
                                SymbolKind::Argument,
                                a.span.to(ty.span),
                                a.span,
                            )
                        })
                        .collect();
                    s
                }
                Item::ResourceType(t) => DocumentSymbol::leaf(
                    t.name.name.clone(),
                    SymbolKind::ResourceType,
                    t.span,
                    t.name.span,
                ),
                Item::Resource(r) => DocumentSymbol::leaf(
                    format!("{} {:?}", r.ty.name, r.pattern.value),
                    SymbolKind::Resource,
                    r.span,
                    r.pattern.span,
                ),
                Item::Sanitizer(s) => DocumentSymbol::leaf(
                    s.name.name.clone(),
                    SymbolKind::Sanitizer,
                    s.span,
                    s.name.span,
                ),
                Item::Preset(p) => DocumentSymbol::leaf(
                    p.name.name.clone(),
                    SymbolKind::Preset,
                    p.span,
                    p.name.span,
                ),
                Item::Agent(a) => DocumentSymbol::leaf(
                    a.name.name.clone(),
                    SymbolKind::Agent,
                    a.span,
                    a.name.span,
                ),
            })
        })
        .collect()
}
