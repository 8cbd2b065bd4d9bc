//! ② Names. Input: the parsed user files of one policy set. Output: a
//! [`Program`]: every module (user files and the stdlib modules they reach),
//! what each module can see, and global tables of declarations.
//!
//! Rules: a file is a module named after its path (`tools/crm.agentpol` is
//! `tools.crm`); stdlib modules are `std.NAME`. A module sees its own
//! declarations and those of the modules it `use`s (not transitively).
//! Agents are global to the set, so delegation can cross files. Names are
//! unique across the whole set.

pub mod stdlib;

use crate::diagnostics::{codes, did_you_mean, Diagnostic, Sink};
use crate::source::{FileId, Origin, SourceMap, Span};
use crate::syntax::{self, ast};
use std::collections::BTreeMap;

pub struct Module {
    pub name: String,
    pub file: FileId,
    pub ast: ast::File,
    /// The modules this one uses, with the span of each `use`.
    pub uses: Vec<(usize, Span)>,
}

/// Where a declaration lives: module index and item index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclRef {
    pub module: usize,
    pub item: usize,
}

#[derive(Default)]
pub struct Program {
    pub modules: Vec<Module>,
    pub tools: BTreeMap<String, DeclRef>,
    pub resource_types: BTreeMap<String, DeclRef>,
    pub sanitizers: BTreeMap<String, DeclRef>,
    pub presets: BTreeMap<String, DeclRef>,
    pub agents: BTreeMap<String, DeclRef>,
    /// Resource instance declarations, in source order.
    pub resources: Vec<DeclRef>,
}

impl Program {
    pub fn item(&self, r: DeclRef) -> Option<&ast::Item> {
        self.modules.get(r.module)?.ast.items.get(r.item)
    }

    /// Is a declaration visible from `module`?
    pub fn visible(&self, from: usize, decl: DeclRef) -> bool {
        decl.module == from
            || self
                .modules
                .get(from)
                .is_some_and(|m| m.uses.iter().any(|(u, _)| *u == decl.module))
    }

    pub fn module_name(&self, idx: usize) -> &str {
        self.modules
            .get(idx)
            .map(|m| m.name.as_str())
            .unwrap_or("?")
    }
}

/// Module name of a user file from its path relative to the set root.
pub fn module_name_for(rel_path: &str) -> String {
    rel_path
        .trim_end_matches(".agentpol")
        .replace(['/', '\\'], ".")
}

/// Parses and resolves a policy set whose user files are already in `sources`.
pub fn resolve(sources: &mut SourceMap, user_files: &[FileId], sink: &mut Sink) -> Program {
    let mut program = Program::default();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for &file in user_files {
        let Some(src) = sources.get(file) else {
            continue;
        };
        let name = module_name_for(&src.name);
        let ast = syntax::parse(file, &src.text, sink);
        by_name.insert(name.clone(), program.modules.len());
        program.modules.push(Module {
            name,
            file,
            ast,
            uses: Vec::new(),
        });
    }

    // Resolve `use` breadth-first, loading stdlib modules on demand.
    let mut next = 0;
    while next < program.modules.len() {
        let uses: Vec<ast::Ident> = program.modules[next]
            .ast
            .items
            .iter()
            .filter_map(|i| {
                if let ast::Item::Use(p) = i {
                    Some(p.clone())
                } else {
                    None
                }
            })
            .collect();
        let mut targets = Vec::new();
        for u in uses {
            let target = match by_name.get(&u.name) {
                Some(&t) => Some(t),
                None => load_stdlib(&u.name, sources, &mut program, &mut by_name, sink),
            };
            match target {
                Some(t) if t == next => sink.push(
                    Diagnostic::error(
                        codes::IMPORT_CYCLE,
                        format!("module `{}` uses itself", u.name),
                    )
                    .primary(u.span, "this `use` refers to the current file")
                    .help("remove this line"),
                ),
                Some(t) => targets.push((t, u.span)),
                None => {
                    let candidates: Vec<String> =
                        by_name.keys().cloned().chain(stdlib::names()).collect();
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_MODULE,
                        format!("unknown module `{}`", u.name),
                    )
                    .primary(u.span, "no such module");
                    d = match did_you_mean(&u.name, candidates.iter().map(String::as_str)) {
                        Some(s) => d.help(s),
                        None => d.help("stdlib modules are `std.NAME`; user modules are file paths relative to the policy set root, with `.` for `/`"),
                    };
                    sink.push(d);
                }
            }
        }
        program.modules[next].uses = targets;
        next += 1;
    }
    report_cycles(&program, sink);

    collect_declarations(&mut program, sources, sink);
    program
}

fn load_stdlib(
    name: &str,
    sources: &mut SourceMap,
    program: &mut Program,
    by_name: &mut BTreeMap<String, usize>,
    sink: &mut Sink,
) -> Option<usize> {
    let short = name.strip_prefix("std.")?;
    let (file_name, text) = stdlib::module(short)?;
    let file = sources.add(format!("<std>/{file_name}"), text, Origin::Stdlib);
    let ast = syntax::parse(file, text, sink);
    let idx = program.modules.len();
    by_name.insert(name.to_string(), idx);
    program.modules.push(Module {
        name: name.to_string(),
        file,
        ast,
        uses: Vec::new(),
    });
    Some(idx)
}

/// Reports each import cycle once, at a `use` inside the cycle in the module
/// that comes first by name.
fn report_cycles(program: &Program, sink: &mut Sink) {
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..program.modules.len())
        .map(|i| graph.add_node(i))
        .collect();
    for (i, m) in program.modules.iter().enumerate() {
        for (t, _) in &m.uses {
            if let (Some(&a), Some(&b)) = (nodes.get(i), nodes.get(*t)) {
                graph.add_edge(a, b, ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        members.sort_by(|a, b| program.module_name(*a).cmp(program.module_name(*b)));
        let Some(&first) = members.first() else {
            continue;
        };
        let Some((_, span)) = program.modules[first]
            .uses
            .iter()
            .find(|(t, _)| members.contains(t))
        else {
            continue;
        };
        let names: Vec<&str> = members.iter().map(|m| program.module_name(*m)).collect();
        sink.push(
            Diagnostic::error(
                codes::IMPORT_CYCLE,
                format!(
                    "import cycle between {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .primary(*span, "this `use` is part of the cycle")
            .help(
                "move the declarations these modules share into a module that uses neither of them",
            ),
        );
    }
}

fn collect_declarations(program: &mut Program, sources: &SourceMap, sink: &mut Sink) {
    let _ = sources;
    for (mi, module) in program.modules.iter().enumerate() {
        for (ii, item) in module.ast.items.iter().enumerate() {
            let r = DeclRef {
                module: mi,
                item: ii,
            };
            let (table, name, what) = match item {
                ast::Item::Tool(t) => (&mut program.tools, &t.name, "tool"),
                ast::Item::ResourceType(t) => {
                    (&mut program.resource_types, &t.name, "resource type")
                }
                ast::Item::Sanitizer(s) => (&mut program.sanitizers, &s.name, "sanitizer"),
                ast::Item::Preset(p) => (&mut program.presets, &p.name, "preset"),
                ast::Item::Agent(a) => (&mut program.agents, &a.name, "agent"),
                ast::Item::Resource(_) => {
                    program.resources.push(r);
                    continue;
                }
                ast::Item::Use(_) => continue,
            };
            if let Some(prev) = table.get(&name.name).copied() {
                let prev_span = program_span(&program.modules, prev);
                let mut d = Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    format!("{what} `{}` is declared twice", name.name),
                )
                .primary(name.span, "declared again here");
                if let Some(s) = prev_span {
                    d = d.secondary(s, "first declared here");
                }
                sink.push(d.help(format!("rename one of them; {what} names are unique across the policy set and the stdlib modules it uses")));
            } else {
                table.insert(name.name.clone(), r);
            }
        }
    }
}

fn program_span(modules: &[Module], r: DeclRef) -> Option<Span> {
    let item = modules.get(r.module)?.ast.items.get(r.item)?;
    Some(match item {
        ast::Item::Tool(t) => t.name.span,
        ast::Item::ResourceType(t) => t.name.span,
        ast::Item::Sanitizer(s) => s.name.span,
        ast::Item::Preset(p) => p.name.span,
        ast::Item::Agent(a) => a.name.span,
        ast::Item::Resource(r) => r.pattern.span,
        ast::Item::Use(u) => u.span,
    })
}
