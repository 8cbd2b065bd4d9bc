//! The symbol index of one resolved policy set: every place a name is
//! declared or used, with its span. Built from the syntax trees of the
//! [`Program`] (user files and the stdlib modules they reach), so it works
//! on a set that does not type-check; names are unique across a set, so a
//! use resolves through the program's tables.

use crate::resolve::{DeclRef, Program};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, AgentItemKind, ExprKind, Ident, Item, ToolItem};
use std::collections::BTreeMap;

/// What kind of declaration a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    Module,
    Tool,
    Argument,
    ResourceType,
    Resource,
    Sanitizer,
    Preset,
    Agent,
}

impl SymbolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Module => "module",
            SymbolKind::Tool => "tool",
            SymbolKind::Argument => "argument",
            SymbolKind::ResourceType => "resource type",
            SymbolKind::Resource => "resource",
            SymbolKind::Sanitizer => "sanitizer",
            SymbolKind::Preset => "preset",
            SymbolKind::Agent => "agent",
        }
    }
}

/// A declared thing. An argument's `owner` is its tool; a resource's name is
/// `TYPE "PATTERN"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    pub owner: Option<String>,
}

impl Symbol {
    pub fn new(kind: SymbolKind, name: impl Into<String>) -> Self {
        Symbol {
            kind,
            name: name.into(),
            owner: None,
        }
    }

    fn argument(tool: &str, name: &str) -> Self {
        Symbol {
            kind: SymbolKind::Argument,
            name: name.to_string(),
            owner: Some(tool.to_string()),
        }
    }
}

/// One mention of a symbol: its declaration or a use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: Symbol,
    pub is_definition: bool,
}

/// Every occurrence in a program, sorted by position.
#[derive(Debug, Default)]
pub struct Index {
    occurrences: Vec<Occurrence>,
    definitions: BTreeMap<Symbol, Span>,
}

impl Index {
    pub fn build(program: &Program) -> Index {
        let mut b = Builder {
            program,
            index: Index::default(),
        };
        for module in &program.modules {
            b.module(module);
        }
        let mut index = b.index;
        index
            .occurrences
            .sort_by_key(|o| (o.span.file, o.span.start, o.span.end));
        index
    }

    /// The innermost occurrence whose span contains `offset` (its end included,
    /// so a cursor right after a name still finds it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| o.span.end - o.span.start)
    }

    pub fn definition(&self, symbol: &Symbol) -> Option<Span> {
        self.definitions.get(symbol).copied()
    }

    /// Every occurrence of a symbol, its declaration included, in position order.
    pub fn references<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    /// Every declared symbol of a kind, with its declaration.
    pub fn declared(&self, kind: SymbolKind) -> impl Iterator<Item = (&Symbol, Span)> {
        self.definitions
            .iter()
            .filter(move |(s, _)| s.kind == kind)
            .map(|(s, sp)| (s, *sp))
    }
}

struct Builder<'p> {
    program: &'p Program,
    index: Index,
}

impl Builder<'_> {
    fn def(&mut self, symbol: Symbol, span: Span) {
        self.index.definitions.entry(symbol.clone()).or_insert(span);
        self.index.occurrences.push(Occurrence {
            span,
            symbol,
            is_definition: true,
        });
    }

    fn use_(&mut self, symbol: Symbol, span: Span) {
        self.index.occurrences.push(Occurrence {
            span,
            symbol,
            is_definition: false,
        });
    }

    /// A use of a name in one of the program's tables; unknown names are
    /// left out (the checker reports them).
    fn use_in(
        &mut self,
        kind: SymbolKind,
        table: fn(&Program) -> &BTreeMap<String, DeclRef>,
        id: &Ident,
    ) {
        if table(self.program).contains_key(&id.name) {
            self.use_(Symbol::new(kind, &id.name), id.span);
        }
    }

    fn module(&mut self, module: &crate::resolve::Module) {
        self.def(
            Symbol::new(SymbolKind::Module, &module.name),
            Span::new(module.file, 0, 0),
        );
        for (target, span) in &module.uses {
            let name = self.program.module_name(*target).to_string();
            self.use_(Symbol::new(SymbolKind::Module, name), *span);
        }
        for item in &module.ast.items {
            match item {
                Item::Use(_) => {}
                Item::Tool(t) => self.tool(t),
                Item::ResourceType(t) => {
                    self.def(
                        Symbol::new(SymbolKind::ResourceType, &t.name.name),
                        t.name.span,
                    );
                    if let Some(p) = &t.parent {
                        self.use_in(SymbolKind::ResourceType, |p| &p.resource_types, p);
                    }
                }
                Item::Resource(r) => {
                    let name = format!("{} {:?}", r.ty.name, r.pattern.value);
                    self.def(Symbol::new(SymbolKind::Resource, name), r.pattern.span);
                    self.use_in(SymbolKind::ResourceType, |p| &p.resource_types, &r.ty);
                }
                Item::Sanitizer(s) => self.def(
                    Symbol::new(SymbolKind::Sanitizer, &s.name.name),
                    s.name.span,
                ),
                Item::Preset(p) => {
                    self.def(Symbol::new(SymbolKind::Preset, &p.name.name), p.name.span);
                    self.agent_items(&p.items);
                }
                Item::Agent(a) => {
                    self.def(Symbol::new(SymbolKind::Agent, &a.name.name), a.name.span);
                    self.agent_items(&a.items);
                }
            }
        }
    }

    fn tool(&mut self, t: &ast::ToolDecl) {
        let tool = t.name.name.as_str();
        self.def(Symbol::new(SymbolKind::Tool, tool), t.name.span);
        for item in &t.items {
            if let ToolItem::Arg { name, .. } = item {
                self.def(Symbol::argument(tool, &name.name), name.span);
            }
        }
        for item in &t.items {
            match item {
                ToolItem::Resource { ty, arg } => {
                    self.use_in(SymbolKind::ResourceType, |p| &p.resource_types, ty);
                    self.arg_use(tool, arg);
                }
                ToolItem::Spends(arg) => self.arg_use(tool, arg),
                ToolItem::Aws { conditions, .. } => {
                    for (_, arg) in conditions {
                        self.arg_use(tool, arg);
                    }
                }
                _ => {}
            }
        }
    }

    /// `arg` or `arg.minor`: a use of the tool's argument `arg`, spanning the base name.
    fn arg_use(&mut self, tool: &str, path: &Ident) {
        let base = path.name.split('.').next().unwrap_or("");
        let declared = super::tool_decl(self.program, tool)
            .is_some_and(|t| super::tool_args(t).any(|(a, _, _)| a.name == base));
        if declared {
            let symbol = Symbol::argument(tool, base);
            let span = Span::new(
                path.span.file,
                path.span.start,
                path.span.start + base.len(),
            );
            self.use_(symbol, span);
        }
    }

    fn agent_items(&mut self, items: &[ast::AgentItem]) {
        for item in items {
            match &item.kind {
                AgentItemKind::Delegate(agents) => {
                    for a in agents {
                        self.use_in(SymbolKind::Agent, |p| &p.agents, a);
                    }
                }
                AgentItemKind::Apply(p) => self.use_in(SymbolKind::Preset, |p| &p.presets, p),
                AgentItemKind::Allow(g) => {
                    self.tool_use(&g.tool);
                    if let Some(v) = &g.via {
                        self.use_in(SymbolKind::Sanitizer, |p| &p.sanitizers, v);
                    }
                    self.cond(&g.tool, g.condition.as_ref());
                    for a in &g.approvals {
                        self.cond(&g.tool, a.condition.as_ref());
                    }
                }
                AgentItemKind::Deny(d) => {
                    self.tool_use(&d.tool);
                    self.cond(&d.tool, d.condition.as_ref());
                }
                AgentItemKind::Gate { tool, approval } => {
                    self.tool_use(tool);
                    self.cond(tool, approval.condition.as_ref());
                }
                AgentItemKind::Limit { tool, .. } => self.tool_use(tool),
                AgentItemKind::Log { tool, fields } => {
                    self.tool_use(tool);
                    for f in fields {
                        self.arg_use(&tool.name, f);
                    }
                }
                _ => {}
            }
        }
    }

    fn tool_use(&mut self, tool: &Ident) {
        self.use_in(SymbolKind::Tool, |p| &p.tools, tool);
    }

    fn cond(&mut self, tool: &Ident, expr: Option<&ast::Expr>) {
        let Some(expr) = expr else { return };
        match &expr.kind {
            ExprKind::And(parts) | ExprKind::Or(parts) => {
                for p in parts {
                    self.cond(tool, Some(p));
                }
            }
            ExprKind::Not(inner) => self.cond(tool, Some(inner)),
            ExprKind::Has(path) | ExprKind::Path(path) | ExprKind::Test { lhs: path, .. } => {
                self.arg_use(&tool.name, path)
            }
            ExprKind::Bool(_) => {}
        }
    }
}
