//! The escaping printer: the only place that turns user strings into Cedar
//! source text. Input: names and values from the model. Output: Cedar
//! literals, attribute accesses and expressions that parse back to exactly
//! the same strings, whatever characters they hold.
//!
//! Invariants:
//! - every user string is emitted through [`string`] or [`pattern`], which
//!   escape `"`, `\`, and every character outside printable ASCII as
//!   `\u{..}`, so no name can end a literal, start a comment or a new line;
//! - in a `like` pattern a `*` is the wildcard (agentpol's only glob
//!   character) and nothing else is special, matching `model::cond::glob_match`;
//! - an attribute is accessed with `.name` only when `name` is a plain Cedar
//!   identifier that is not reserved; otherwise with `["name"]`;
//! - long `&&` / `||` chains are printed as balanced groups so that the
//!   nesting depth Cedar's evaluator recurses through stays logarithmic.

use std::fmt::Write as _;

/// The Cedar namespace of every generated entity type and action.
pub const NAMESPACE: &str = "Agentpol";

/// A Cedar string literal, quotes included.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_char(&mut out, c);
    }
    out.push('"');
    out
}

/// A Cedar `like` pattern literal: `*` is the wildcard, every other
/// character (including a backslash) matches itself.
pub fn pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 2);
    out.push('"');
    for c in p.chars() {
        if c == '*' {
            out.push('*');
        } else {
            escape_char(&mut out, c);
        }
    }
    out.push('"');
    out
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        ' '..='~' => out.push(c),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `Agentpol::Type::"id"`: an entity uid literal (`ty` is one of our fixed
/// type names, `id` any string).
pub fn uid(ty: &str, id: &str) -> String {
    format!("{NAMESPACE}::{ty}::{}", string(id))
}

/// An entity uid as text in the normalized form Cedar requires where a uid
/// is parsed on its own (the `cedar` CLI's `--request-json`, `--principal`):
/// Cedar's own printing, which is Rust's `escape_debug`. Unlike [`uid`], it
/// keeps printable non-ASCII characters as they are.
pub fn uid_normalized(ty: &str, id: &str) -> String {
    format!("{ty}::\"{}\"", id.escape_debug())
}

/// Words Cedar reserves (or treats specially) that cannot follow a `.`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "if",
    "then",
    "else",
    "in",
    "is",
    "like",
    "has",
    "principal",
    "action",
    "resource",
    "context",
    "permit",
    "forbid",
    "when",
    "unless",
];

fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
        && !name.starts_with("__cedar")
}

/// `base.name`, or `base["name"]` when `name` is not a plain identifier.
pub fn access(base: &str, name: &str) -> String {
    if is_plain_ident(name) {
        format!("{base}.{name}")
    } else {
        format!("{base}[{}]", string(name))
    }
}

/// `base has name` (or `base has "name"`).
pub fn has(base: &str, name: &str) -> String {
    if is_plain_ident(name) {
        format!("{base} has {name}")
    } else {
        format!("{base} has {}", string(name))
    }
}

/// A Cedar set literal of string literals.
pub fn string_set<'a>(values: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = values.into_iter().map(|v| string(v)).collect();
    format!("[{}]", items.join(", "))
}

/// A boolean expression, already split into atoms built by this module's
/// helpers (so every user string inside an atom is escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Bool(bool),
    /// A relation, method call or `has` test. `primary` atoms (a path or a
    /// method call) need no parentheses after `!`.
    Atom {
        text: String,
        primary: bool,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    pub fn atom(text: String) -> Expr {
        Expr::Atom {
            text,
            primary: false,
        }
    }

    pub fn primary(text: String) -> Expr {
        Expr::Atom {
            text,
            primary: true,
        }
    }

    /// Conjunction, simplified: `true` parts vanish, a `false` part wins, a
    /// repeated atom (a guard two tests share) is kept once. The order of the
    /// remaining parts is kept, so guards still come first.
    pub fn and(parts: Vec<Expr>) -> Expr {
        let mut out: Vec<Expr> = Vec::new();
        let push = |out: &mut Vec<Expr>, e: Expr| {
            if !(matches!(e, Expr::Atom { .. }) && out.contains(&e)) {
                out.push(e);
            }
        };
        for p in parts {
            match p {
                Expr::Bool(true) => {}
                Expr::Bool(false) => return Expr::Bool(false),
                Expr::And(inner) => inner.into_iter().for_each(|e| push(&mut out, e)),
                other => push(&mut out, other),
            }
        }
        match out.len() {
            0 => Expr::Bool(true),
            1 => out.pop().unwrap_or(Expr::Bool(true)),
            _ => Expr::And(out),
        }
    }

    pub fn or(parts: Vec<Expr>) -> Expr {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Expr::Bool(false) => {}
                Expr::Bool(true) => return Expr::Bool(true),
                Expr::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Expr::Bool(false),
            1 => out.pop().unwrap_or(Expr::Bool(false)),
            _ => Expr::Or(out),
        }
    }

    #[expect(
        clippy::should_implement_trait,
        reason = "a constructor that simplifies, not the `!` operator"
    )]
    pub fn not(e: Expr) -> Expr {
        match e {
            Expr::Bool(b) => Expr::Bool(!b),
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        }
    }

    /// Prints the expression starting at column `indent`: on one line when
    /// it fits, otherwise one operand of the outermost `&&` / `||` per line
    /// (recursively), aligned under the first.
    pub fn print(&self, indent: usize) -> String {
        let flat = self.flat();
        if flat.len() + indent <= WIDTH {
            return flat;
        }
        match self {
            Expr::And(parts) | Expr::Or(parts) if parts.len() <= CHUNK => {
                let op = if matches!(self, Expr::And(_)) {
                    "&&"
                } else {
                    "||"
                };
                let pad = " ".repeat(indent);
                let items: Vec<String> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.print_operand(if i == 0 { indent } else { indent + 3 }))
                    .collect();
                items.join(&format!("\n{pad}{op} "))
            }
            Expr::Not(inner) if matches!(inner.as_ref(), Expr::And(_) | Expr::Or(_)) => {
                format!("!({})", inner.print(indent + 2))
            }
            _ => flat,
        }
    }

    fn print_operand(&self, indent: usize) -> String {
        match self {
            Expr::And(_) | Expr::Or(_) => format!("({})", self.print(indent + 1)),
            _ => self.print(indent),
        }
    }

    /// One-line form.
    fn flat(&self) -> String {
        match self {
            Expr::Bool(b) => b.to_string(),
            Expr::Atom { text, .. } => text.clone(),
            Expr::Not(inner) => match inner.as_ref() {
                Expr::Atom {
                    text,
                    primary: true,
                } => format!("!{text}"),
                other => format!("!({})", other.flat()),
            },
            Expr::And(parts) => chain(parts, "&&"),
            Expr::Or(parts) => chain(parts, "||"),
        }
    }
}

/// Longest run of operands printed side by side; longer chains are grouped.
const CHUNK: usize = 16;

/// Line width the pretty printer aims for.
const WIDTH: usize = 96;

fn chain(parts: &[Expr], op: &str) -> String {
    if parts.len() > CHUNK {
        // Balanced grouping: `(a && b) && (c && d)` has the meaning of the
        // flat chain (both operators are associative, and every guard sits
        // inside its own atom) but logarithmic nesting depth.
        let size = parts.len().div_ceil(CHUNK);
        let groups: Vec<String> = parts
            .chunks(size)
            .map(|c| match c {
                [one] => operand(one),
                _ => format!("({})", chain(c, op)),
            })
            .collect();
        return groups.join(&format!(" {op} "));
    }
    parts
        .iter()
        .map(operand)
        .collect::<Vec<_>>()
        .join(&format!(" {op} "))
}

fn operand(e: &Expr) -> String {
    match e {
        Expr::And(_) | Expr::Or(_) => format!("({})", e.flat()),
        _ => e.flat(),
    }
}
