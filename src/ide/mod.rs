//! Language knowledge for editors. Input: one policy set's sources (as the
//! editor currently holds them). Output: a [`Snapshot`] — the resolved
//! program, the checked model, the front-end diagnostics and a symbol
//! [`Index`] — and pure queries over it: what is at a position, where it is
//! declared and used, hover text, completion candidates, document symbols and
//! mechanical fixes. No protocol and no I/O here: `agentpol lsp` (in the CLI)
//! speaks LSP and converts positions with [`position::LineIndex`].

mod actions;
mod complete;
mod hover;
mod index;
pub mod position;
mod symbols;

pub use actions::{fixes, Fix, TextEdit};
pub use complete::{complete, Completion, CompletionKind};
pub use hover::{code_markdown, hover};
pub use index::{Index, Occurrence, Symbol, SymbolKind};
pub use symbols::{document_symbols, DocumentSymbol};

use crate::diagnostics::Sink;
use crate::policy_set::{Compiled, Config};
use crate::resolve::Program;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Ident, ToolItem, TypeExpr};

/// One compiled policy set with what editor queries need.
pub struct Snapshot {
    pub sources: SourceMap,
    pub program: Program,
    pub compiled: Compiled,
    pub index: Index,
}

impl Snapshot {
    /// Compiles a set whose files are already in `sources`, keeping the
    /// resolved program for name queries (the same stages as
    /// [`crate::compile`], which drops it).
    pub fn build(mut sources: SourceMap, config: Option<FileId>, files: &[FileId]) -> Snapshot {
        let mut sink = Sink::new();
        let config = match config.and_then(|f| sources.get(f).map(|s| (f, s.text.clone()))) {
            Some((f, text)) => Config::parse(f, &text, &mut sink),
            None => Config::default(),
        };
        let program = crate::resolve::resolve(&mut sources, files, &mut sink);
        let model = crate::check::check(&program, &mut sink);
        let index = Index::build(&program);
        Snapshot {
            sources,
            program,
            compiled: Compiled {
                model,
                config,
                diagnostics: sink.into_sorted(),
            },
            index,
        }
    }

    /// The declaration of the symbol at a position (a declaration is its own definition).
    pub fn definition(&self, file: FileId, offset: usize) -> Option<Span> {
        let occ = self.index.at(file, offset)?;
        self.index.definition(&occ.symbol)
    }

    /// Every mention of the symbol at a position, its declaration included.
    pub fn references(&self, file: FileId, offset: usize) -> Vec<Span> {
        let Some(occ) = self.index.at(file, offset) else {
            return Vec::new();
        };
        self.index.references(&occ.symbol).map(|o| o.span).collect()
    }
}

/// A tool's declaration by its full name.
pub fn tool_decl<'p>(program: &'p Program, name: &str) -> Option<&'p ast::ToolDecl> {
    match program.item(*program.tools.get(name)?)? {
        ast::Item::Tool(t) => Some(t),
        _ => None,
    }
}

/// A tool's arguments: name, optional, type.
pub fn tool_args(tool: &ast::ToolDecl) -> impl Iterator<Item = (&Ident, bool, &TypeExpr)> {
    tool.items.iter().filter_map(|i| match i {
        ToolItem::Arg { name, optional, ty } => Some((name, *optional, ty)),
        _ => None,
    })
}
