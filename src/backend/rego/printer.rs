//! A small Rego printer: JSON values as Rego terms, string literals with
//! every character that could end the literal, break the line or hide text
//! escaped, and identifiers reduced to `[A-Za-z0-9_]`. Generated Rego puts
//! user text only through these functions, never through `format!`.

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
