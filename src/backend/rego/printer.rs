//! A small Rego printer: JSON values as Rego terms, string literals with
//! every character that could end the literal, break the line or hide text
//! escaped, and identifiers reduced to `[A-Za-z0-9_]`. Generated Rego puts
//! user text only through these functions, never through `format!`. Also
//! the layout of `data.json` (whose strings serde_json escapes).

use serde_json::Value;
use std::fmt::Write;

/// A JSON value as a Rego term (Rego's scalar and composite syntax is a
/// superset of JSON's, with the same escapes).
pub fn term(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                term(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string(k, out);
                out.push_str(": ");
                term(item, out);
            }
            out.push('}');
        }
    }
}

/// A double-quoted Rego string. Quotes and backslashes are escaped; control
/// characters, line and paragraph separators, bidirectional controls and the
/// byte-order mark become `\uXXXX` (all in the Basic Multilingual Plane, so
/// no surrogate pairs, which OPA's parser would not join); every other
/// character is written as itself, in UTF-8.
pub fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'
                ..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// A Rego identifier made from arbitrary text: every character outside
/// `[A-Za-z0-9_]` becomes `_`, and a leading digit gets a `_` prefix.
pub fn ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// JSON text for `data.json`: objects and lists of objects one member per
/// line, lists of scalars (atoms, paths, values) on one line, so that the
/// file stays reviewable and small. Every string goes through serde_json.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    json_value(v, 0, &mut out);
    out.push('\n');
    out
}

fn json_value(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, item)) in map.iter().enumerate() {
                pad(indent + 2, out);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                json_value(item, indent + 2, out);
                if i + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push('}');
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(indent + 2, out);
                json_value(item, indent + 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push(']');
        }
        // Scalars, empty objects and lists without objects: compact.
        other => out.push_str(&other.to_string()),
    }
}
