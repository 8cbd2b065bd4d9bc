//! Decoding a z3 model into concrete arguments, one [`Assignment`] per call
//! slot, in the request JSON shape (`model::request`).
//!
//! Strings are rebuilt from the truth value z3 chose for each test on them
//! (see `strings`), which gives short readable values such as `INBOX`
//! instead of z3's `IN\u{800}\u{0}BOX`. Arguments the query does not
//! mention get plain defaults; optional ones it does not mention are left out.

use super::encode::{Encoded, Name, READABLE};
use super::strings;
use super::{Assignment, Query};
use crate::model::{Scalar, Type};
use serde_json::{json, Map, Value};
use z3::ast::{Bool, Int};

/// How to turn a string variable into text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Strings {
    /// Shortest readable string with the model's test results.
    Readable,
    /// z3's own value, unescaped (fallback).
    Raw,
}

pub(super) fn decode(
    query: &Query<'_>,
    enc: &Encoded,
    model: &z3::Model,
    mode: Strings,
) -> Vec<Assignment> {
    let texts: Vec<String> = enc
        .vars
        .strings
        .iter()
        .map(|v| {
            let truths: Vec<(strings::Pattern, bool)> = v
                .atoms
                .iter()
                .map(|(p, b)| (p.clone(), truth(model, b)))
                .collect();
            if let Some(cells) = &v.cells {
                let want: Vec<bool> = truths.iter().map(|(_, t)| *t).collect();
                return cells
                    .iter()
                    .find(|c| c.matches == want)
                    .map(|c| c.example.clone())
                    .unwrap_or_else(|| READABLE[0].to_string());
            }
            let raw = || {
                v.z.as_ref()
                    .and_then(|z| model.eval(z, true))
                    .and_then(|s| s.as_string())
                    .map(|s| unescape(&s))
                    .unwrap_or_default()
            };
            if mode == Strings::Raw {
                return raw();
            }
            // A plain word when the tests allow one, else the shortest string.
            READABLE
                .iter()
                .find(|r| truths.iter().all(|(p, w)| p.matches(r) == *w))
                .map(|r| r.to_string())
                .or_else(|| strings::find(&truths))
                .unwrap_or_else(raw)
        })
        .collect();
    let vars = &enc.vars;
    query
        .slots
        .iter()
        .enumerate()
        .map(|(slot, s)| {
            let mut args = Map::new();
            for (name, spec) in &s.tool.args {
                let key = (slot, name.clone());
                if spec.optional {
                    match vars.presence.get(&(slot, Name::Arg(name.clone()))) {
                        Some(p) if truth(model, p) => {}
                        _ => continue,
                    }
                }
                let text = vars
                    .strs
                    .get(&(slot, Name::Arg(name.clone())))
                    .and_then(|i| texts.get(*i));
                let value = match &spec.ty {
                    Type::String => json!(text.cloned().unwrap_or_else(|| "example".into())),
                    Type::Int | Type::Duration => json!(int(model, vars.ints.get(&key)).unwrap_or(0)),
                    Type::Bool => json!(vars.bools.get(&key).is_some_and(|b| truth(model, b))),
                    Type::Money { currency } => {
                        let cur = currency
                            .clone()
                            .or_else(|| {
                                vars.currencies
                                    .get(&key)
                                    .and_then(|z| model.eval(z, true))
                                    .and_then(|z| z.as_string())
                            })
                            .unwrap_or_else(|| "USD".into());
                        json!({"minor": int(model, vars.ints.get(&key)).unwrap_or(0), "currency": cur})
                    }
                    Type::Enum { values } => {
                        let i = int(model, vars.enums.get(&key)).unwrap_or(0);
                        let v = usize::try_from(i)
                            .ok()
                            .and_then(|i| values.get(i))
                            .or(values.first());
                        json!(v.cloned().unwrap_or_default())
                    }
                    Type::List { element } => list(model, vars.lists.get(&key), element),
                };
                args.insert(name.clone(), value);
            }
            let justification = match vars.presence.get(&(slot, Name::Justification)) {
                Some(p) if truth(model, p) => Some(
                    vars.strs
                        .get(&(slot, Name::Justification))
                        .and_then(|i| texts.get(*i))
                        .cloned()
                        .unwrap_or_else(|| "example".into()),
                ),
                _ => None,
            };
            Assignment {
                args,
                justification,
            }
        })
        .collect()
}

fn truth(model: &z3::Model, b: &Bool) -> bool {
    model
        .eval(b, true)
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn int(model: &z3::Model, v: Option<&Int>) -> Option<i64> {
    model.eval(v?, true)?.as_i64()
}

fn list(model: &z3::Model, l: Option<&super::encode::ListVar>, element: &Type) -> Value {
    let Some(l) = l else {
        return json!([]);
    };
    let mut out: Vec<Value> = Vec::new();
    for (s, b) in &l.elems {
        if truth(model, b) {
            out.push(scalar(s));
        }
    }
    if l.other.as_ref().is_some_and(|b| truth(model, b)) {
        if let Some(fresh) = fresh_element(&l.elems, element) {
            out.push(fresh);
        }
    }
    Value::Array(out)
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Str(x) => json!(x),
        Scalar::Int(i) => json!(i),
    }
}

/// An element of the type that differs from every literal the query names.
fn fresh_element(elems: &[(Scalar, Bool)], element: &Type) -> Option<Value> {
    let taken = |s: &Scalar| elems.iter().any(|(e, _)| e == s);
    match element {
        Type::Enum { values } => values
            .iter()
            .find(|v| !taken(&Scalar::Str((*v).clone())))
            .map(|v| json!(v)),
        Type::Int | Type::Duration => (0..).find(|i| !taken(&Scalar::Int(*i))).map(|i| json!(i)),
        _ => ["other", "x"]
            .iter()
            .map(|s| s.to_string())
            .chain((1..).map(|i| format!("other{i}")))
            .find(|s| !taken(&Scalar::Str(s.clone())))
            .map(|s| json!(s)),
    }
}

/// Undoes z3's `\u{..}` escapes (z3 4.8 prints other characters as is).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        match after.find('}').and_then(|j| {
            u32::from_str_radix(&after[..j], 16)
                .ok()
                .and_then(char::from_u32)
                .map(|c| (c, j))
        }) {
            Some((c, j)) => {
                out.push(c);
                rest = &after[j + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
