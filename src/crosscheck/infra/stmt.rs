//! IAM statements as `check --infra` compares them: `Action` or
//! `NotAction`, `Resource` or `NotResource`, `Principal` or `NotPrincipal`,
//! and the `Condition` block, read from hand-written JSON (single strings or
//! lists, any key order).

use super::cond::{self, Clause};
use super::glob::matches;
use crate::backend::iam::document::Effect;
use serde_json::Value;

/// A list of patterns, or everything except them (`NotAction`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patterns {
    Only(Vec<String>),
    Except(Vec<String>),
}

impl Patterns {
    pub fn matches(&self, text: &str, fold: bool) -> bool {
        match self {
            Patterns::Only(p) => p.iter().any(|p| matches(p, text, fold)),
            Patterns::Except(p) => !p.iter().any(|p| matches(p, text, fold)),
        }
    }

    /// The patterns to draw witnesses from: the listed ones, or `*` for an
    /// `Except` (candidates are then filtered by [`Patterns::matches`]).
    pub fn seeds(&self) -> Vec<&str> {
        match self {
            Patterns::Only(p) => p.iter().map(String::as_str).collect(),
            Patterns::Except(_) => vec!["*"],
        }
    }

    pub fn is_except(&self) -> bool {
        matches!(self, Patterns::Except(_))
    }
}

/// `(kind, value)` pairs: `("AWS", "arn:...")`, `("Service", ...)`,
/// `("*", "*")` for `"Principal": "*"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    Only(Vec<(String, String)>),
    Except(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub effect: Effect,
    pub actions: Patterns,
    pub resources: Patterns,
    pub principals: Option<Principals>,
    pub condition: Vec<Clause>,
}

fn strings(v: &Value, field: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(String::from)
                    .ok_or_else(|| format!("`{field}` holds a value that is not a string"))
            })
            .collect(),
        _ => Err(format!("`{field}` is not a string or a list of strings")),
    }
}

fn patterns(s: &Value, yes: &str, no: &str, default: Option<Patterns>) -> Result<Patterns, String> {
    match (s.get(yes), s.get(no)) {
        (Some(_), Some(_)) => Err(format!("both `{yes}` and `{no}`")),
        (Some(v), None) => Ok(Patterns::Only(strings(v, yes)?)),
        (None, Some(v)) => Ok(Patterns::Except(strings(v, no)?)),
        (None, None) => default.ok_or_else(|| format!("neither `{yes}` nor `{no}`")),
    }
}

fn principal_list(v: &Value, field: &str) -> Result<Vec<(String, String)>, String> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![("*".into(), "*".into())]),
        Value::Object(m) => {
            let mut out = Vec::new();
            for (kind, vals) in m {
                for val in strings(vals, field)? {
                    out.push((kind.clone(), val));
                }
            }
            Ok(out)
        }
        _ => Err(format!("`{field}` is not `*` or an object")),
    }
}

/// Parses one statement.
pub fn parse(s: &Value) -> Result<Stmt, String> {
    if !s.is_object() {
        return Err("a statement is not an object".into());
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("`Effect` is `{other}`, not `Allow` or `Deny`")),
        None => return Err("no `Effect`".into()),
    };
    let actions = patterns(s, "Action", "NotAction", None)?;
    let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err("both `Principal` and `NotPrincipal`".into()),
        (Some(v), None) => Some(Principals::Only(principal_list(v, "Principal")?)),
        (None, Some(v)) => Some(Principals::Except(principal_list(v, "NotPrincipal")?)),
        (None, None) => None,
    };
    // Identity policies need a resource; trust policies have none (the role).
    let resources = patterns(
        s,
        "Resource",
        "NotResource",
        Some(Patterns::Only(vec!["*".into()])),
    )?;
    let condition = match s.get("Condition") {
        Some(c) => cond::parse(c)?,
        None => Vec::new(),
    };
    Ok(Stmt {
        effect,
        actions,
        resources,
        principals,
        condition,
    })
}

impl Stmt {
    pub fn covers(&self, action: &str, arn: &str) -> bool {
        self.actions.matches(action, true) && self.resources.matches(arn, false)
    }
}
