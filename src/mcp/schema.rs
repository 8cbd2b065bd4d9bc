//! A tool's `inputSchema` → typed arguments. The language types strings,
//! integers, booleans, enums of strings and lists of those; everything else
//! becomes a documented **fallback**, never a silently dropped argument
//! (a request with an undeclared argument is denied, so dropping one would
//! only hide the problem):
//!
//! | JSON Schema | declared as | why |
//! | --- | --- | --- |
//! | `number` | `int` | only integers are typed; a fractional value is denied as ill-typed |
//! | `object`, `anyOf`/`oneOf`/`allOf`, `$ref`, no `type` | `string` | a policy can name it; a non-string value is denied as ill-typed (fail closed) unless the runtime passes it JSON-encoded |
//! | `array` of any of those | `list<string>` | the same, per element |
//! | `["T", "null"]` | `T` | `null` itself is denied as ill-typed |
//! | a property name that is not an agentpol name (`dry-run`, `in`) | not declared | a call passing it is denied; if it is required, the tool can never be called |
//!
//! Every fallback carries a comment in the generated text and an AP152
//! warning.

use serde_json::{Map, Value};

/// Words the grammar reserves inside constraints, so not usable as names.
pub const RESERVED: [&str; 11] = [
    "and", "or", "not", "has", "in", "like", "any", "all", "contains", "true", "false",
];

/// An argument type as the language writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgType {
    String,
    Int,
    Bool,
    Enum(Vec<String>),
    List(Box<ArgType>),
}

impl ArgType {
    /// The type in policy syntax: `string`, `enum["a", "b"]`, `list<int>`.
    pub fn text(&self) -> String {
        match self {
            ArgType::String => "string".into(),
            ArgType::Int => "int".into(),
            ArgType::Bool => "bool".into(),
            ArgType::Enum(values) => {
                let v: Vec<String> = values
                    .iter()
                    .map(|s| super::emit::string_literal(s).0)
                    .collect();
                format!("enum[{}]", v.join(", "))
            }
            ArgType::List(inner) => format!("list<{}>", inner.text()),
        }
    }
}

/// One property of the input schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The property name, as the server spells it (and requests carry it).
    pub name: String,
    /// `None` when the name cannot be written as an agentpol name.
    pub ty: Option<ArgType>,
    pub optional: bool,
    /// Why the declaration differs from the schema, when it does.
    pub fallback: Option<String>,
}

/// True for a name the grammar accepts as an identifier.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&s)
}

/// The arguments of an `inputSchema`, in the server's order.
pub fn args(schema: &Value) -> Vec<Arg> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, prop)| {
            let optional = !required.contains(&name.as_str());
            if !is_ident(name) {
                let effect = if optional {
                    "a call that passes it is denied"
                } else {
                    "it is required, so every call of this tool is denied"
                };
                return Arg {
                    name: name.clone(),
                    ty: None,
                    optional,
                    fallback: Some(format!(
                        "argument `{}` cannot be declared: not an agentpol name; {effect}",
                        name.escape_debug()
                    )),
                };
            }
            let (ty, fallback) = arg_type(prop, false);
            Arg {
                name: name.clone(),
                ty: Some(ty),
                optional,
                fallback,
            }
        })
        .collect()
}

const AS_STRING: &str = "declared as a string: a call passing any other JSON value here is denied as ill-typed unless the runtime passes it JSON-encoded";

/// The declared type of one property schema and the fallback note, if any.
fn arg_type(prop: &Value, in_list: bool) -> (ArgType, Option<String>) {
    let Some(o) = prop.as_object() else {
        return (
            ArgType::String,
            Some(format!("schema is not an object; {AS_STRING}")),
        );
    };
    for key in ["anyOf", "oneOf", "allOf", "$ref"] {
        if o.contains_key(key) {
            return (
                ArgType::String,
                Some(format!("`{key}` has no agentpol type; {AS_STRING}")),
            );
        }
    }
    if let Some(values) = enum_values(o) {
        return (ArgType::Enum(values), None);
    }
    let (ty, nullable) = match o.get("type") {
        Some(Value::String(t)) => (t.as_str(), false),
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match named.as_slice() {
                [one] => (*one, named.len() < ts.len()),
                _ => {
                    return (
                        ArgType::String,
                        Some(format!(
                            "a union of types has no agentpol type; {AS_STRING}"
                        )),
                    )
                }
            }
        }
        _ => return (ArgType::String, Some(format!("no `type`; {AS_STRING}"))),
    };
    let null_note = nullable.then(|| {
        "`null` is accepted by the server but denied as ill-typed by agentpol".to_string()
    });
    let (t, note) = match ty {
        "string" => (ArgType::String, None),
        "integer" => (ArgType::Int, None),
        "boolean" if !in_list => (ArgType::Bool, None),
        "number" => (ArgType::Int, Some("JSON `number` declared as `int`: only integers are typed, a fractional value is denied as ill-typed".to_string())),
        "array" if !in_list => {
            let (inner, note) = match o.get("items") {
                Some(items) => arg_type(items, true),
                None => (ArgType::String, Some(format!("array without `items`; elements {AS_STRING}"))),
            };
            (ArgType::List(Box::new(inner)), note)
        }
        other => (ArgType::String, Some(format!("`{}` has no agentpol type{}; {AS_STRING}", other.escape_debug(), if in_list { " as a list element" } else { "" }))),
    };
    let note = match (note, null_note) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    (t, note)
}

/// `enum` (or `const`) of strings only, deduplicated, in order.
fn enum_values(o: &Map<String, Value>) -> Option<Vec<String>> {
    let list: Vec<&Value> = match (o.get("enum"), o.get("const")) {
        (Some(Value::Array(values)), _) => values.iter().collect(),
        (None, Some(c)) => vec![c],
        _ => return None,
    };
    let mut out: Vec<String> = Vec::new();
    for v in list {
        let s = v.as_str()?;
        if !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    }
    (!out.is_empty()).then_some(out)
}
