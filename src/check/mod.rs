//! ③ Types and other hard errors. Input: a resolved [`Program`]. Output: the
//! checked [`Model`] (stage ④) plus AP1xx diagnostics. The model is built even
//! when errors were found (bad parts are left out), so one run reports every
//! mistake; callers must not use a model whose sink has errors.

mod agents;
mod aws;
mod decls;
mod expr;
mod literals;
mod mcp;

use crate::diagnostics::{codes, did_you_mean, Diagnostic, Sink};
use crate::model::Model;
use crate::resolve::{DeclRef, Program};
use crate::source::Span;
use crate::syntax::ast;

pub use literals::{parse_duration, parse_endpoint, parse_money};

pub fn check(program: &Program, sink: &mut Sink) -> Model {
    let mut cx = Cx {
        program,
        sink,
        model: Model::default(),
    };
    decls::resource_types(&mut cx);
    decls::tools(&mut cx);
    decls::resources(&mut cx);
    decls::sanitizers(&mut cx);
    agents::agents(&mut cx);
    cx.model
}

/// Shared state of the checker.
pub(crate) struct Cx<'p, 's> {
    pub program: &'p Program,
    pub sink: &'s mut Sink,
    pub model: Model,
}

/// Which table a lookup searches, with its word for messages and its code.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Tool,
    ResourceType,
    Sanitizer,
    Preset,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::ResourceType => "resource type",
            Kind::Sanitizer => "sanitizer",
            Kind::Preset => "preset",
        }
    }

    fn code(self) -> codes::Code {
        match self {
            Kind::Tool => codes::UNKNOWN_TOOL,
            Kind::ResourceType => codes::UNKNOWN_RESOURCE_TYPE,
            Kind::Sanitizer | Kind::Preset => codes::UNKNOWN_NAME,
        }
    }
}

impl Cx<'_, '_> {
    fn table(&self, kind: Kind) -> &std::collections::BTreeMap<String, DeclRef> {
        match kind {
            Kind::Tool => &self.program.tools,
            Kind::ResourceType => &self.program.resource_types,
            Kind::Sanitizer => &self.program.sanitizers,
            Kind::Preset => &self.program.presets,
        }
    }

    /// Looks a name up from `module`, reporting unknown or not-imported names.
    pub fn lookup(&mut self, module: usize, kind: Kind, name: &ast::Ident) -> Option<DeclRef> {
        let table = self.table(kind);
        match table.get(&name.name).copied() {
            Some(r) if self.program.visible(module, r) => Some(r),
            Some(r) => {
                let owner = self.program.module_name(r.module).to_string();
                self.sink.push(
                    Diagnostic::error(
                        kind.code(),
                        format!("{} `{}` is not imported", kind.word(), name.name),
                    )
                    .primary(name.span, format!("declared in `{owner}`"))
                    .help(format!("add `use {owner}` at the top of this file")),
                );
                None
            }
            None => {
                let visible: Vec<&str> = table
                    .iter()
                    .filter(|(_, r)| self.program.visible(module, **r))
                    .map(|(n, _)| n.as_str())
                    .collect();
                let hint =
                    did_you_mean(&name.name, visible.iter().copied()).unwrap_or_else(
                        || match kind {
                            Kind::Tool => stdlib_hint(&name.name),
                            _ => format!(
                                "declare the {} or `use` the module that declares it",
                                kind.word()
                            ),
                        },
                    );
                self.sink.push(
                    Diagnostic::error(
                        kind.code(),
                        format!("unknown {} `{}`", kind.word(), name.name),
                    )
                    .primary(name.span, format!("no {} with this name", kind.word()))
                    .help(hint),
                );
                None
            }
        }
    }

    pub fn error(
        &mut self,
        code: codes::Code,
        span: Span,
        message: impl Into<String>,
        label: &str,
        help: impl Into<String>,
    ) {
        self.sink.push(
            Diagnostic::error(code, message)
                .primary(span, label)
                .help(help),
        );
    }
}

/// Suggests the stdlib module a namespaced tool probably lives in.
fn stdlib_hint(tool: &str) -> String {
    let ns = tool.split('.').next().unwrap_or(tool);
    if crate::resolve::stdlib::module(ns).is_some() {
        format!("the standard library has tools under `{ns}.`: add `use std.{ns}`")
    } else {
        "declare the tool with `tool NAME { ... }` or `use` the module that declares it".to_string()
    }
}

#[cfg(test)]
#[expect(clippy::panic, reason = "test failures")]
mod tests;
