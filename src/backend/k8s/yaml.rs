//! A small YAML printer for Kubernetes manifests, over typed values turned
//! into JSON values (field order preserved).
//!
//! Why not a YAML library's printer: `kubectl` reads YAML 1.1, where plain
//! `yes`, `no`, `on`, `off`, `y`, `1_000` or `12:30` are booleans or numbers,
//! and YAML 1.2 printers leave them unquoted. Every label value `yes` would
//! then fail to apply. So this printer double-quotes every string, and every
//! key that is not a plain camel-case word, with escapes for everything but
//! printable ASCII: no value can change type, and none can leave its scalar.

use serde_json::Value;

/// One YAML document (no `---`), ending in a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (k, v)) in map.iter().enumerate() {
        // The first entry of a sequence item sits after its `- `.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(k));
        out.push(':');
        value(v, indent, out);
    }
}

/// The value after `key:` (a space and a scalar, or a nested block).
fn value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            mapping(m, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(items, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// Items at the parent key's indentation, as `kubectl` prints them.
fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => mapping(m, indent + 2, out),
            other => {
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

/// Scalars, and empty or nested collections in flow style.
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", quote(k), inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Words YAML 1.1 reads as something other than a string.
const SPECIAL: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
];

fn key(k: &str) -> String {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.chars().all(|c| c.is_ascii_alphanumeric())
        && !SPECIAL.contains(&k);
    if plain {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A double-quoted YAML scalar in pure ASCII.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_always_quoted_and_structure_is_block_style() {
        let v = json!({
            "kind": "X",
            "metadata": {"labels": {"app": "yes", "y": "1_000", "a.b/c": "x\"\n\u{202e}😀"}},
            "list": [{"a": 1, "b": [true]}, "s"],
            "empty": {}
        });
        let text = document(&v);
        assert_eq!(
            text,
            "kind: \"X\"\nmetadata:\n  labels:\n    app: \"yes\"\n    \"y\": \"1_000\"\n    \"a.b/c\": \"x\\\"\\n\\u202e\\U0001f600\"\nlist:\n- a: 1\n  b:\n  - true\n- \"s\"\nempty: {}\n"
        );
        assert!(text.is_ascii());
    }
}
