//! Conditions: the decidable constraint fragment every backend and the SMT
//! encoding translate. This file also holds the reference meaning of each
//! atom over a request's (already type-validated) arguments.
//!
//! Meaning, stated once:
//! - an atom whose operand is absent (an optional argument not sent, or no
//!   justification) is false; `has x` is true exactly when `x` is present;
//! - `!=` is `not ==`, so it is true for an absent operand;
//! - `like` patterns use `*` for any run of characters (including none) and
//!   nothing else is special;
//! - `any [..]` is true when the list shares an element with the set,
//!   `all [..]` when every element of the list is in the set (so an empty
//!   list satisfies `all`), `contains v` when `v` is an element.

use crate::syntax::ast::CmpOp;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    True,
    False,
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Atom(Atom),
}

/// Integer-valued operands: int and duration arguments, money minor units.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "arg")]
pub enum IntOperand {
    Arg(String),
    MoneyMinor(String),
}

/// String-valued operands: string and enum arguments, money currency, and the
/// request's justification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "arg")]
pub enum StrOperand {
    Arg(String),
    MoneyCurrency(String),
    Justification,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    Str(String),
    Int(i64),
}

impl Scalar {
    fn matches(&self, v: &Value) -> bool {
        match self {
            Scalar::Str(s) => v.as_str() == Some(s.as_str()),
            Scalar::Int(i) => v.as_i64() == Some(*i),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Atom {
    /// `has x`: the optional argument (or justification) is present.
    Has(StrOrArg),
    /// A bare boolean argument: `dry_run`, or `not dry_run`.
    BoolIs {
        arg: String,
        value: bool,
    },
    IntCmp {
        operand: IntOperand,
        op: CmpOp,
        value: i64,
    },
    StrEq {
        operand: StrOperand,
        value: String,
    },
    StrIn {
        operand: StrOperand,
        values: Vec<String>,
    },
    StrLike {
        operand: StrOperand,
        pattern: String,
    },
    ListAny {
        arg: String,
        values: Vec<Scalar>,
    },
    ListAll {
        arg: String,
        values: Vec<Scalar>,
    },
    ListContains {
        arg: String,
        value: Scalar,
    },
}

/// The operand of `has`: an argument name, or the justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StrOrArg {
    Arg(String),
    Justification,
}

/// What a condition is evaluated against: validated arguments and context.
pub struct Env<'a> {
    pub args: &'a serde_json::Map<String, Value>,
    pub justification: Option<&'a str>,
}

impl Cond {
    pub fn and(parts: Vec<Cond>) -> Cond {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Cond::True => {}
                Cond::False => return Cond::False,
                Cond::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::True,
            1 => out.pop().unwrap_or(Cond::True),
            _ => Cond::And(out),
        }
    }

    pub fn or(parts: Vec<Cond>) -> Cond {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Cond::False => {}
                Cond::True => return Cond::True,
                Cond::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::False,
            1 => out.pop().unwrap_or(Cond::False),
            _ => Cond::Or(out),
        }
    }

    #[expect(
        clippy::should_implement_trait,
        reason = "a constructor that simplifies, not the `!` operator"
    )]
    pub fn not(c: Cond) -> Cond {
        match c {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(inner) => *inner,
            other => Cond::Not(Box::new(other)),
        }
    }

    pub fn is_true(&self) -> bool {
        matches!(self, Cond::True)
    }

    /// Reference evaluation. Arguments must already be validated against the
    /// tool's types: a value of the wrong shape makes its atom false.
    pub fn eval(&self, env: &Env<'_>) -> bool {
        match self {
            Cond::True => true,
            Cond::False => false,
            Cond::And(parts) => parts.iter().all(|p| p.eval(env)),
            Cond::Or(parts) => parts.iter().any(|p| p.eval(env)),
            Cond::Not(inner) => !inner.eval(env),
            Cond::Atom(atom) => atom.eval(env),
        }
    }

    /// Every argument name the condition reads.
    pub fn args(&self, out: &mut std::collections::BTreeSet<String>) {
        match self {
            Cond::True | Cond::False => {}
            Cond::And(p) | Cond::Or(p) => p.iter().for_each(|c| c.args(out)),
            Cond::Not(c) => c.args(out),
            Cond::Atom(a) => {
                if let Some(name) = a.arg() {
                    out.insert(name.to_string());
                }
            }
        }
    }
}

impl Atom {
    /// The argument this atom reads, if any (the justification is not one).
    pub fn arg(&self) -> Option<&str> {
        match self {
            Atom::Has(StrOrArg::Arg(a)) | Atom::BoolIs { arg: a, .. } => Some(a),
            Atom::Has(StrOrArg::Justification) => None,
            Atom::IntCmp {
                operand: IntOperand::Arg(a) | IntOperand::MoneyMinor(a),
                ..
            } => Some(a),
            Atom::StrEq { operand, .. }
            | Atom::StrIn { operand, .. }
            | Atom::StrLike { operand, .. } => match operand {
                StrOperand::Arg(a) | StrOperand::MoneyCurrency(a) => Some(a),
                StrOperand::Justification => None,
            },
            Atom::ListAny { arg, .. }
            | Atom::ListAll { arg, .. }
            | Atom::ListContains { arg, .. } => Some(arg),
        }
    }

    pub fn eval(&self, env: &Env<'_>) -> bool {
        match self {
            Atom::Has(StrOrArg::Arg(a)) => env.args.contains_key(a),
            Atom::Has(StrOrArg::Justification) => env.justification.is_some(),
            Atom::BoolIs { arg, value } => {
                env.args.get(arg).and_then(Value::as_bool) == Some(*value)
            }
            Atom::IntCmp { operand, op, value } => match int_operand(env, operand) {
                Some(x) => compare(x, *op, *value),
                None => false,
            },
            Atom::StrEq { operand, value } => str_operand(env, operand) == Some(value.as_str()),
            Atom::StrIn { operand, values } => {
                str_operand(env, operand).is_some_and(|s| values.iter().any(|v| v == s))
            }
            Atom::StrLike { operand, pattern } => {
                str_operand(env, operand).is_some_and(|s| glob_match(pattern, s))
            }
            Atom::ListAny { arg, values } => list(env, arg)
                .is_some_and(|l| l.iter().any(|e| values.iter().any(|v| v.matches(e)))),
            Atom::ListAll { arg, values } => list(env, arg)
                .is_some_and(|l| l.iter().all(|e| values.iter().any(|v| v.matches(e)))),
            Atom::ListContains { arg, value } => {
                list(env, arg).is_some_and(|l| l.iter().any(|e| value.matches(e)))
            }
        }
    }
}

pub fn compare(x: i64, op: CmpOp, y: i64) -> bool {
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

fn int_operand(env: &Env<'_>, operand: &IntOperand) -> Option<i64> {
    match operand {
        IntOperand::Arg(a) => env.args.get(a)?.as_i64(),
        IntOperand::MoneyMinor(a) => env.args.get(a)?.get("minor")?.as_i64(),
    }
}

fn str_operand<'a>(env: &'a Env<'_>, operand: &StrOperand) -> Option<&'a str> {
    match operand {
        StrOperand::Arg(a) => env.args.get(a)?.as_str(),
        StrOperand::MoneyCurrency(a) => env.args.get(a)?.get("currency")?.as_str(),
        StrOperand::Justification => env.justification,
    }
}

fn list<'a>(env: &'a Env<'_>, arg: &str) -> Option<&'a Vec<Value>> {
    env.args.get(arg)?.as_array()
}

/// `*`-glob match: `*` matches any run of characters, everything else is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return false,
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = match rest.split_last() {
        Some(x) => x,
        None => return false,
    };
    for part in middle {
        match remaining.find(part) {
            Some(i) => remaining = &remaining[i + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}
