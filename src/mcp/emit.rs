//! Writing imported tools as policy text. Every string goes through
//! [`string_literal`] and every comment through [`comment`], so nothing a
//! server sends can end a string, start a declaration or hide text.

use super::guess::{self, Guess};
use super::listing::{ListedTool, Listing};
use super::schema::{self, Arg};
use super::{ImportOptions, TYPE_FALLBACK};
use crate::diagnostics::Diagnostic;

/// A string literal in policy syntax, and the characters that had to be
/// removed because the language rejects them (control characters other
/// than newline, tab and carriage return; bidirectional controls).
pub fn string_literal(s: &str) -> (String, Vec<char>) {
    let mut out = String::from("\"");
    let mut removed = Vec::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\u{D}"),
            c if crate::syntax::is_forbidden_char(c) => removed.push(c),
            c => out.push(c),
        }
    }
    out.push('"');
    (out, removed)
}

/// The text a declaration can keep of a server string: what
/// [`string_literal`] keeps. Drift detection compares descriptions this way.
pub fn keepable(s: &str) -> String {
    s.chars()
        .filter(|c| !crate::syntax::is_forbidden_char(*c) || matches!(c, '\n' | '\t' | '\r'))
        .collect()
}

/// One comment line's text: control and forbidden characters become spaces.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || crate::syntax::is_forbidden_char(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// `name` as an agentpol identifier: other characters become `_`, a
/// leading digit or a reserved word gets a `_` prefix / suffix.
pub fn ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if schema::RESERVED.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

pub(super) struct Emitted {
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// The declaration of one tool.
pub(super) fn tool(
    listing: &Listing,
    t: &ListedTool,
    local: &str,
    opts: &ImportOptions,
) -> Emitted {
    let mut diagnostics = Vec::new();
    let mut out = String::new();
    let server = opts
        .server
        .as_deref()
        .or(listing.server.as_deref())
        .unwrap_or(&opts.namespace);
    out.push_str(&format!("tool {}.{local} {{\n", opts.namespace));
    if let Some(d) = &t.description {
        let (lit, removed) = string_literal(d);
        if !removed.is_empty() {
            let list: Vec<String> = removed
                .iter()
                .map(|c| format!("U+{:04X}", *c as u32))
                .collect();
            out.push_str(&format!("  # WARNING: the description holds {} hidden or control character(s) ({}), removed here; the pin covers the original\n", removed.len(), list.join(", ")));
            diagnostics.push(
                Diagnostic::new(TYPE_FALLBACK, format!("the description of `{}` holds hidden or control characters", t.name.escape_debug()))
                    .primary(t.span, "this tool")
                    .note(format!("removed: {}", list.join(", ")))
                    .help("hidden characters in a tool description are a known prompt-injection vector; read the description in a hex viewer before granting the tool"),
            );
        }
        out.push_str(&format!("  doc {lit}\n"));
    }
    let source = string_literal(server).0;
    let name_lit = string_literal(&t.name).0;
    out.push_str(&format!("  source mcp {source} tool {name_lit}\n"));
    out.push_str(&format!("  pin \"{}\"\n", t.pin));
    for a in schema::args(&t.input_schema) {
        arg(&mut out, &a, t, &mut diagnostics);
    }
    let g = guess::guess(t);
    guesses(&mut out, &g);
    for e in &listing.endpoints {
        out.push_str(&format!(
            "  # the server's remote endpoint, from its server.json\n  endpoint {}\n",
            string_literal(e).0
        ));
    }
    out.push_str("}\n");
    Emitted {
        text: out,
        diagnostics,
    }
}

fn arg(out: &mut String, a: &Arg, t: &ListedTool, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(why) = &a.fallback {
        out.push_str(&format!("  # FALLBACK: {}\n", comment(why)));
        diagnostics.push(
            Diagnostic::new(TYPE_FALLBACK, format!("argument `{}` of `{}` has no exact agentpol type", a.name.escape_debug(), t.name.escape_debug()))
                .primary(t.span, "this tool")
                .note(why.clone())
                .help("review the generated declaration; constraints on this argument cannot be expressed"),
        );
    }
    if let Some(ty) = &a.ty {
        let q = if a.optional { "?" } else { "" };
        out.push_str(&format!("  arg {}{q}: {}\n", a.name, ty.text()));
    }
}

fn guesses(out: &mut String, g: &Guess) {
    for (effect, why) in &g.effects {
        out.push_str(&format!("  # guess {effect}: {}\n", comment(why)));
    }
    let names: Vec<&str> = g.effects.iter().map(|(e, _)| *e).collect();
    out.push_str(&format!("  effects [{}]\n", names.join(", ")));
    for r in &g.review {
        out.push_str(&format!("  # REVIEW: {}\n", comment(r)));
    }
    out.push_str(&format!(
        "  # guess output {}: {}\n",
        g.trust.0,
        comment(&g.trust.1)
    ));
    out.push_str(&format!(
        "  # guess sensitivity {}: {}\n",
        g.sensitivity.0,
        comment(&g.sensitivity.1)
    ));
    out.push_str(&format!("  output {} {}\n", g.trust.0, g.sensitivity.0));
}
