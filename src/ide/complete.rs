//! Completion candidates at a position. The text being typed rarely parses,
//! so the context comes from the tokens before the cursor (a small lexer that
//! skips comments and strings), and the candidates from the last program:
//! tool names after `allow`/`deny`/`approve`/`limit`/`log`, the rule's tool
//! arguments inside `where`/`when`, enum values after a comparison, effect,
//! trust, sensitivity and memory words, and the keywords of the enclosing block.

use super::{tool_args, tool_decl, Snapshot, SymbolKind};
use crate::source::FileId;
use crate::syntax::ast::{ToolDecl, TypeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Tool,
    Argument,
    Value,
    Module,
    Agent,
    Preset,
    Sanitizer,
    ResourceType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
}

const TOP: &[&str] = &["use", "tool", "resource", "sanitizer", "preset", "agent"];
const TOOL_ITEMS: &[&str] = &[
    "doc", "verb", "resource", "arg", "effects", "output", "endpoint", "aws", "spends",
];
const AGENT_ITEMS: &[&str] = &[
    "owner",
    "domain",
    "aws",
    "kubernetes",
    "credentials",
    "egress",
    "memory",
    "delegate",
    "justification",
    "audit",
    "apply",
    "allow",
    "deny",
    "approve",
    "limit",
    "budget",
    "log",
];
const EFFECTS: &[&str] = &[
    "read",
    "write",
    "delete",
    "communicate",
    "spend",
    "execute",
    "merge",
    "admin",
    "network",
];
const SENSITIVITIES: &[&str] = &["public", "internal", "confidential", "secret"];
const TYPES: &[&str] = &["string", "int", "bool", "duration", "money", "enum", "list"];
const COND_WORDS: &[&str] = &["and", "or", "not", "has"];
const TEST_WORDS: &[&str] = &["in", "like", "any", "all", "contains"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str,
    Punct(char),
}

/// Completions at byte `offset` of `file`.
pub fn complete(snap: &Snapshot, file: FileId, offset: usize) -> Vec<Completion> {
    let Some(text) = snap.sources.get(file).map(|f| f.text.as_str()) else {
        return Vec::new();
    };
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let Some(mut toks) = lex(before) else {
        return Vec::new(); // inside a comment or a string
    };
    // The word being typed is replaced by the client; the context is before it.
    if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        toks.pop();
    }
    let mut out = Vec::new();
    let line = before.rsplit('\n').next().unwrap_or("");
    if line.trim().is_empty() {
        // A fresh line starts an item: the enclosing block's keywords.
        block_keywords(enclosing_block(&toks), &mut out);
    } else {
        context(snap, &toks, &mut out);
    }
    out
}

fn block_keywords(block: Option<&str>, out: &mut Vec<Completion>) {
    match block {
        None => keywords(TOP, out),
        Some("tool") => keywords(TOOL_ITEMS, out),
        Some("agent" | "preset") => keywords(AGENT_ITEMS, out),
        Some(_) => {}
    }
}

fn context(snap: &Snapshot, toks: &[Tok], out: &mut Vec<Completion>) {
    let word = |i: usize| match toks.len().checked_sub(i).and_then(|j| toks.get(j)) {
        Some(Tok::Word(w)) => w.as_str(),
        _ => "",
    };
    let prev = word(1);
    let in_list = open_bracket_word(toks);
    match (word(2), prev) {
        (_, "allow" | "deny" | "limit" | "log") => {
            return names(snap, SymbolKind::Tool, CompletionKind::Tool, out)
        }
        (_, "approve") => {
            keywords(&["when", "always"], out);
            return names(snap, SymbolKind::Tool, CompletionKind::Tool, out);
        }
        (_, "use") => {
            let stdlib = crate::resolve::stdlib::names();
            let user = snap.program.modules.iter().map(|m| m.name.clone());
            let mut all: Vec<String> = stdlib.chain(user).collect();
            all.sort();
            all.dedup();
            out.extend(all.into_iter().map(|label| Completion {
                label,
                kind: CompletionKind::Module,
                detail: None,
            }));
            return;
        }
        (_, "apply") => return names(snap, SymbolKind::Preset, CompletionKind::Preset, out),
        (_, "via") => return names(snap, SymbolKind::Sanitizer, CompletionKind::Sanitizer, out),
        ("output", _) => return keywords(SENSITIVITIES, out),
        (_, "output") => return keywords(&["trusted", "untrusted"], out),
        (_, "memory") => return keywords(&["none", "read_only", "writable"], out),
        (_, "sensitivity") => return keywords(SENSITIVITIES, out),
        ("resource", "type") | ("type", _) if prev == "in" || word(2) == "resource" => {
            return names(
                snap,
                SymbolKind::ResourceType,
                CompletionKind::ResourceType,
                out,
            )
        }
        _ => {}
    }
    if toks.last() == Some(&Tok::Punct(':')) && word(3) == "arg" || prev == "list" {
        return keywords(TYPES, out);
    }
    match in_list {
        Some("effects") => return keywords(EFFECTS, out),
        Some("to") => return names(snap, SymbolKind::Agent, CompletionKind::Agent, out),
        Some("audit") => return keywords(&["prompt", "plan", "tool_call", "result"], out),
        _ => {}
    }
    let block = enclosing_block(toks);
    if block == Some("tool") && prev == "resource" {
        return names(
            snap,
            SymbolKind::ResourceType,
            CompletionKind::ResourceType,
            out,
        );
    }
    if matches!(block, Some("agent" | "preset")) {
        if let Some(tool) = condition_tool(toks).and_then(|t| tool_decl(&snap.program, t)) {
            return condition(toks, tool, out);
        }
    }
    block_keywords(block, out);
}

/// Inside a `where`/`when`: enum values after a comparison of an enum
/// argument, test words after an operand, otherwise the tool's arguments.
fn condition(toks: &[Tok], tool: &ToolDecl, out: &mut Vec<Completion>) {
    let n = toks.len();
    let at = |i: usize| n.checked_sub(i).and_then(|j| toks.get(j));
    // `ARG ==`, `ARG in [`, `ARG in ["a",`, `ARG contains`: the operand is the nearest word.
    let operand = toks.iter().rev().take(8).find_map(|t| match t {
        Tok::Word(w) if !TEST_WORDS.contains(&w.as_str()) => Some(w.as_str()),
        _ => None,
    });
    let after_op = matches!(at(1), Some(Tok::Punct('=' | '<' | '>' | '[' | ',')))
        || matches!(at(1), Some(Tok::Word(w)) if TEST_WORDS.contains(&w.as_str()) && w != "like");
    if after_op {
        if operand == Some("resource.sensitivity") {
            return values(SENSITIVITIES.iter().map(|s| s.to_string()), out);
        }
        let ty = tool_args(tool)
            .find(|(a, _, _)| Some(a.name.as_str()) == operand)
            .map(|(_, _, t)| t);
        let mut ty = ty.map(|t| &t.kind);
        if let Some(TypeKind::List(inner)) = ty {
            ty = Some(&inner.kind);
        }
        if let Some(TypeKind::Enum(vals)) = ty {
            return values(vals.iter().map(|v| v.value.clone()), out);
        }
        return;
    }
    if let Some(Tok::Word(w)) = at(1) {
        if tool_args(tool).any(|(a, _, _)| a.name == *w) {
            return keywords(TEST_WORDS, out);
        }
    }
    for (arg, optional, ty) in tool_args(tool) {
        out.push(Completion {
            label: arg.name.clone(),
            kind: CompletionKind::Argument,
            detail: Some(format!(
                "{}{}",
                if optional { "optional " } else { "" },
                type_name(&ty.kind)
            )),
        });
    }
    let has_resource = tool
        .items
        .iter()
        .any(|i| matches!(i, crate::syntax::ast::ToolItem::Resource { .. }));
    if has_resource {
        keywords(
            &[
                "resource.sensitivity",
                "resource.external",
                "resource.owner",
            ],
            out,
        );
    }
    keywords(&["context.justification"], out);
    keywords(COND_WORDS, out);
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::String => "string".into(),
        TypeKind::Int => "int".into(),
        TypeKind::Bool => "bool".into(),
        TypeKind::Duration => "duration".into(),
        TypeKind::Money(c) => match c {
            Some(c) => format!("money({})", c.name),
            None => "money".into(),
        },
        TypeKind::Enum(v) => format!(
            "enum[{}]",
            v.iter()
                .map(|s| format!("{:?}", s.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::List(t) => format!("list<{}>", type_name(&t.kind)),
    }
}

/// The tool of the rule whose condition the cursor is in: the last
/// `allow|deny|approve|log|limit TOOL` before a `where`/`when` that is
/// itself after the last item start.
fn condition_tool(toks: &[Tok]) -> Option<&str> {
    let mut seen_cond = false;
    for (i, t) in toks.iter().enumerate().rev() {
        let Tok::Word(w) = t else {
            if matches!(t, Tok::Punct('{' | '}')) {
                return None;
            }
            continue;
        };
        match w.as_str() {
            "where" | "when" => seen_cond = true,
            "allow" | "deny" | "approve" => {
                let next = match toks.get(i + 1) {
                    Some(Tok::Word(n)) => n.as_str(),
                    _ => "",
                };
                if next == "when" || next == "always" {
                    continue; // an approval of the grant before it
                }
                return if seen_cond { Some(next) } else { None };
            }
            w if AGENT_ITEMS.contains(&w) && !seen_cond => return None,
            _ => {}
        }
    }
    None
}

/// The keyword that opened the innermost unclosed `{`, if any.
fn enclosing_block(toks: &[Tok]) -> Option<&str> {
    let mut stack: Vec<Option<&str>> = Vec::new();
    let mut last_decl: Option<&str> = None;
    for t in toks {
        match t {
            Tok::Word(w) if stack.is_empty() && TOP.contains(&w.as_str()) => last_decl = Some(w),
            Tok::Word(w) if w == "labels" => last_decl = Some("labels"),
            Tok::Punct('{') => stack.push(if stack.is_empty() {
                last_decl
            } else {
                Some("attrs")
            }),
            Tok::Punct('}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    match stack.last() {
        None => None,
        Some(b) => Some(b.unwrap_or("attrs")),
    }
}

/// The word before the innermost unclosed `[`, e.g. `effects` in `effects [read, `.
fn open_bracket_word(toks: &[Tok]) -> Option<&str> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().rev() {
        match t {
            Tok::Punct(']') => depth += 1,
            Tok::Punct('[') if depth == 0 => {
                return match i.checked_sub(1).and_then(|j| toks.get(j)) {
                    Some(Tok::Word(w)) => Some(w.as_str()),
                    _ => None,
                }
            }
            Tok::Punct('[') => depth -= 1,
            Tok::Punct('{' | '}') => return None,
            _ => {}
        }
    }
    None
}

fn names(snap: &Snapshot, kind: SymbolKind, ck: CompletionKind, out: &mut Vec<Completion>) {
    for (sym, span) in snap.index.declared(kind) {
        let detail = match kind {
            SymbolKind::Tool => tool_decl(&snap.program, &sym.name).and_then(|t| {
                t.items.iter().find_map(|i| match i {
                    crate::syntax::ast::ToolItem::Doc(d) => Some(d.value.clone()),
                    _ => None,
                })
            }),
            _ => Some(snap.sources.name(span.file).to_string()),
        };
        out.push(Completion {
            label: sym.name.clone(),
            kind: ck,
            detail,
        });
    }
}

fn keywords(words: &[&str], out: &mut Vec<Completion>) {
    out.extend(words.iter().map(|w| Completion {
        label: (*w).to_string(),
        kind: CompletionKind::Keyword,
        detail: None,
    }));
}

/// String values, quoted as they are written.
fn values(vals: impl Iterator<Item = String>, out: &mut Vec<Completion>) {
    out.extend(vals.map(|v| Completion {
        label: format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
        kind: CompletionKind::Value,
        detail: None,
    }));
}

/// Tokens of `text`, or `None` when it ends inside a comment or a string.
fn lex(text: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                if !chars.by_ref().any(|c| c == '\n') {
                    return None;
                }
            }
            '"' => {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return None;
                }
                toks.push(Tok::Str);
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let mut w = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' || n == '.' || n == '*' {
                        w.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Word(w));
            }
            c if c.is_whitespace() => {}
            c => toks.push(Tok::Punct(c)),
        }
    }
    Some(toks)
}
