//! Hover text (Markdown) for the symbol at a position, and for a diagnostic
//! code: what `agentpol explain` prints.

use super::{tool_args, tool_decl, Snapshot, Symbol, SymbolKind};
use crate::model::Agent;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, AttrValue, ToolItem};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The hovered span and its Markdown text.
pub fn hover(snap: &Snapshot, file: FileId, offset: usize) -> Option<(Span, String)> {
    let occ = snap.index.at(file, offset)?;
    let text = describe(snap, &occ.symbol)?;
    Some((occ.span, text))
}

fn describe(snap: &Snapshot, sym: &Symbol) -> Option<String> {
    let name = sym.name.as_str();
    match sym.kind {
        SymbolKind::Tool => Some(tool_text(snap, tool_decl(&snap.program, name)?)),
        SymbolKind::Argument => {
            let tool = tool_decl(&snap.program, sym.owner.as_deref()?)?;
            let (arg, optional, ty) = tool_args(tool).find(|(a, _, _)| a.name == name)?;
            Some(format!(
                "```agentpol\narg {}{}: {}\n```\nargument of tool `{}`",
                arg.name,
                if optional { "?" } else { "" },
                snap.sources.slice(ty.span),
                tool.name.name
            ))
        }
        SymbolKind::Agent => match snap.compiled.model.agents.get(name) {
            Some(agent) => Some(agent_text(agent)),
            None => Some(format!("```agentpol\nagent {name}\n```")),
        },
        SymbolKind::Module => {
            let idx = snap.program.modules.iter().position(|m| m.name == name)?;
            let file = snap.program.modules.get(idx)?.file;
            Some(format!(
                "```agentpol\nuse {name}\n```\nfile `{}`",
                snap.sources.name(file)
            ))
        }
        _ => decl_text(snap, sym),
    }
}

/// Resource types, resources, sanitizers and presets: their declaration as written.
fn decl_text(snap: &Snapshot, sym: &Symbol) -> Option<String> {
    let table = match sym.kind {
        SymbolKind::ResourceType => &snap.program.resource_types,
        SymbolKind::Sanitizer => &snap.program.sanitizers,
        SymbolKind::Preset => &snap.program.presets,
        _ => return resource_text(snap, sym),
    };
    let decl = *table.get(&sym.name)?;
    let module = snap.program.module_name(decl.module);
    let body = match snap.program.item(decl)? {
        ast::Item::ResourceType(t) => {
            let mut s = format!("resource type {}", t.name.name);
            if let Some(p) = &t.parent {
                let _ = write!(s, " in {}", p.name);
            }
            s.push_str(&attrs_text(&t.attrs));
            s
        }
        ast::Item::Sanitizer(s) => match &s.description {
            Some(d) => format!("sanitizer {} {:?}", s.name.name, d.value),
            None => format!("sanitizer {}", s.name.name),
        },
        ast::Item::Preset(p) => format!("preset {} ({} rules)", p.name.name, p.items.len()),
        _ => return None,
    };
    Some(format!("```agentpol\n{body}\n```\ndeclared in `{module}`"))
}

fn resource_text(snap: &Snapshot, sym: &Symbol) -> Option<String> {
    let r = snap
        .program
        .resources
        .iter()
        .find_map(|d| match snap.program.item(*d) {
            Some(ast::Item::Resource(r))
                if format!("{} {:?}", r.ty.name, r.pattern.value) == sym.name =>
            {
                Some(r)
            }
            _ => None,
        })?;
    Some(format!(
        "```agentpol\nresource {} {:?}{}\n```",
        r.ty.name,
        r.pattern.value,
        attrs_text(&r.attrs)
    ))
}

fn attrs_text(attrs: &[ast::Attr]) -> String {
    if attrs.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = attrs
        .iter()
        .map(|a| {
            let v = match &a.value {
                AttrValue::Word(w) => w.name.clone(),
                AttrValue::Bool(b) => b.to_string(),
                AttrValue::Str(s) => format!("{:?}", s.value),
            };
            format!("{} {v}", a.name.name)
        })
        .collect();
    format!(" {{ {} }}", parts.join(" "))
}

/// A tool's signature, doc, effects, output trust, resource type and AWS mapping.
fn tool_text(snap: &Snapshot, tool: &ast::ToolDecl) -> String {
    let args: Vec<String> = tool_args(tool)
        .map(|(a, opt, ty)| {
            format!(
                "{}{}: {}",
                a.name,
                if opt { "?" } else { "" },
                snap.sources.slice(ty.span)
            )
        })
        .collect();
    let mut out = format!(
        "```agentpol\ntool {}({})\n```\n",
        tool.name.name,
        args.join(", ")
    );
    let mut facts = Vec::new();
    for item in &tool.items {
        match item {
            ToolItem::Doc(d) => {
                let _ = writeln!(out, "{}\n", d.value);
            }
            ToolItem::Effects(e) => facts.push(format!(
                "**effects** {}",
                e.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ToolItem::Output { trust, sensitivity } => {
                facts.push(format!("**output** {} {}", trust.name, sensitivity.name))
            }
            ToolItem::Resource { ty, arg } => facts.push(format!(
                "**resource** `{}` named by `{}`",
                ty.name, arg.name
            )),
            ToolItem::Verb(v) => facts.push(format!("**verb** {}", v.name)),
            ToolItem::Endpoint(e) => facts.push(format!("**endpoint** `{}`", e.value)),
            ToolItem::Spends(a) => facts.push(format!("**spends** `{}`", a.name)),
            ToolItem::Aws {
                actions,
                arn,
                conditions,
            } => {
                let mut s = format!(
                    "**aws** {}",
                    actions
                        .iter()
                        .map(|a| format!("`{}`", a.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(arn) = arn {
                    let _ = write!(s, " on `{}`", arn.value);
                }
                for (key, arg) in conditions {
                    let _ = write!(s, ", condition `{}` = `{}`", key.value, arg.name);
                }
                facts.push(s);
            }
            ToolItem::Source { server, tool } => {
                let mut s = format!("**source** mcp `{}`", server.value);
                if let Some(t) = tool {
                    let _ = write!(s, " tool `{}`", t.value);
                }
                facts.push(s);
            }
            ToolItem::Pin(p) => facts.push(format!("**pin** `{}`", p.value)),
            ToolItem::Arg { .. } => {}
        }
    }
    out.push_str(&facts.join("  \n"));
    out
}

/// An agent's summary: its tools, approvals and budget.
fn agent_text(agent: &Agent) -> String {
    let mut out = format!("```agentpol\nagent {}\n```\n", agent.name);
    let mut facts = Vec::new();
    if let Some(o) = &agent.owner {
        facts.push(format!("**owner** {o}"));
    }
    let tools: BTreeSet<&str> = agent.grants.iter().map(|g| g.tool.as_str()).collect();
    facts.push(format!(
        "**tools** ({}) {}",
        tools.len(),
        tools
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut approvals: BTreeSet<String> = BTreeSet::new();
    for g in &agent.grants {
        for a in &g.approvals {
            approvals.insert(format!("`{}` by {} ×{}", g.tool, a.group, a.count));
        }
    }
    for g in &agent.gates {
        approvals.insert(format!(
            "`{}` by {} ×{}",
            g.tool, g.approval.group, g.approval.count
        ));
    }
    if !approvals.is_empty() {
        facts.push(format!(
            "**approvals** {}",
            approvals.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if !agent.denies.is_empty() {
        facts.push(format!("**deny rules** {}", agent.denies.len()));
    }
    facts.push(match &agent.budget {
        Some(b) => format!("**budget** {} per session", b.display()),
        None => "**budget** none".to_string(),
    });
    if !agent.presets.is_empty() {
        facts.push(format!("**presets** {}", agent.presets.join(", ")));
    }
    out.push_str(&facts.join("  \n"));
    out
}

/// A diagnostic code's documentation (what `agentpol explain CODE` prints), as Markdown.
pub fn code_markdown(code: &str) -> Option<String> {
    let e = crate::registry::lookup(code)?;
    let severity = if e.stage == crate::registry::Stage::Analysis {
        format!(", {} by default", e.severity().as_str())
    } else {
        String::new()
    };
    Some(format!(
        "**{}** ({}{severity}): {}\n\n{}",
        e.code, e.name, e.summary, e.doc
    ))
}
