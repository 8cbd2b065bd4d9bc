//! Conditions and argument values written back in policy syntax, for
//! explanations and reports: `amount > USD 500.00`, `vendor in ["a", "b"]`.
//! Input: a [`Cond`] (or one [`Atom`]) and the tool whose arguments it
//! reads (for units: money currencies, durations). Output: one line of text.
//!
//! Every user string is printed as a quoted literal with its special
//! characters escaped, so a hostile name stays inside its quotes. The text is
//! plain, not Markdown or HTML: renderers escape it for their format.

use super::cond::{Atom, Cond, Env, IntOperand, Scalar, StrOperand, StrOrArg};
use super::{format_duration, Money, Tool, Type};
use serde_json::Value;

/// A string literal as the policy language writes it.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.escape_debug())
}

fn list(values: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", values.into_iter().collect::<Vec<_>>().join(", "))
}

fn scalar(s: &Scalar) -> String {
    match s {
        Scalar::Str(x) => quote(x),
        Scalar::Int(i) => i.to_string(),
    }
}

/// The currency of a money argument fixed by its type, if any.
fn currency(tool: &Tool, arg: &str) -> Option<String> {
    match tool.args.get(arg).map(|a| &a.ty) {
        Some(Type::Money { currency }) => currency.clone(),
        _ => None,
    }
}

/// An integer constant in the unit of its operand.
fn int_value(tool: &Tool, operand: &IntOperand, value: i64) -> String {
    match operand {
        IntOperand::MoneyMinor(arg) => match currency(tool, arg) {
            Some(c) => Money {
                minor: value,
                currency: c,
            }
            .display(),
            None => format!("{value} minor units"),
        },
        IntOperand::Arg(arg) => match tool.args.get(arg).map(|a| &a.ty) {
            Some(Type::Duration) if value >= 0 => format_duration(value.unsigned_abs()),
            _ => value.to_string(),
        },
    }
}

fn int_operand(operand: &IntOperand) -> String {
    match operand {
        IntOperand::Arg(a) => a.clone(),
        // Written as the argument itself when its currency is fixed.
        IntOperand::MoneyMinor(a) => a.clone(),
    }
}

fn str_operand(operand: &StrOperand) -> String {
    match operand {
        StrOperand::Arg(a) => a.clone(),
        StrOperand::MoneyCurrency(a) => format!("{a}.currency"),
        StrOperand::Justification => "context.justification".into(),
    }
}

/// One atom in policy syntax.
pub fn atom(tool: &Tool, a: &Atom) -> String {
    match a {
        Atom::Has(StrOrArg::Arg(x)) => format!("has {x}"),
        Atom::Has(StrOrArg::Justification) => "has context.justification".into(),
        Atom::BoolIs { arg, value: true } => arg.clone(),
        Atom::BoolIs { arg, value: false } => format!("not {arg}"),
        Atom::IntCmp { operand, op, value } => {
            let shown = match operand {
                IntOperand::MoneyMinor(arg) if currency(tool, arg).is_none() => {
                    format!("{arg}.minor")
                }
                _ => int_operand(operand),
            };
            format!(
                "{shown} {} {}",
                op.as_str(),
                int_value(tool, operand, *value)
            )
        }
        Atom::StrEq { operand, value } => format!("{} == {}", str_operand(operand), quote(value)),
        Atom::StrIn { operand, values } => format!(
            "{} in {}",
            str_operand(operand),
            list(values.iter().map(|v| quote(v)))
        ),
        Atom::StrLike { operand, pattern } => {
            format!("{} like {}", str_operand(operand), quote(pattern))
        }
        Atom::ListAny { arg, values } => format!("{arg} any {}", list(values.iter().map(scalar))),
        Atom::ListAll { arg, values } => format!("{arg} all {}", list(values.iter().map(scalar))),
        Atom::ListContains { arg, value } => format!("{arg} contains {}", scalar(value)),
    }
}

/// A whole condition in policy syntax, parenthesised where needed.
pub fn cond(tool: &Tool, c: &Cond) -> String {
    match c {
        Cond::True => "true".into(),
        Cond::False => "false".into(),
        Cond::Atom(a) => atom(tool, a),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Atom(_) => format!("not {}", cond(tool, inner)),
            _ => format!("not ({})", cond(tool, inner)),
        },
        Cond::And(parts) => join(tool, parts, " and ", |p| matches!(p, Cond::Or(_))),
        Cond::Or(parts) => join(tool, parts, " or ", |p| matches!(p, Cond::And(_))),
    }
}

fn join(tool: &Tool, parts: &[Cond], sep: &str, paren: fn(&Cond) -> bool) -> String {
    parts
        .iter()
        .map(|p| {
            let s = cond(tool, p);
            if paren(p) {
                format!("({s})")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// A request value of an argument, in the argument's unit.
pub fn value(tool: &Tool, arg: &str, v: &Value) -> String {
    match (tool.args.get(arg).map(|a| &a.ty), v) {
        (Some(Type::Money { .. }), _) => match super::request::money(v) {
            Some((minor, currency)) => Money { minor, currency }.display(),
            None => v.to_string(),
        },
        (Some(Type::Duration), Value::Number(n)) => match n.as_u64() {
            Some(s) => format_duration(s),
            None => n.to_string(),
        },
        (_, Value::String(s)) => quote(s),
        (_, other) => other.to_string(),
    }
}

/// What the atom reads on this request, in words: `amount is USD 600.00`,
/// `urgent is absent`, `the justification is "restock"`.
pub fn actual(tool: &Tool, a: &Atom, env: &Env<'_>) -> String {
    match a.arg() {
        Some(arg) => match env.args.get(arg) {
            Some(v) => format!("{arg} is {}", value(tool, arg, v)),
            None => format!("{arg} is absent"),
        },
        None => match env.justification {
            Some(j) => format!("the justification is {}", quote(j)),
            None => "the justification is absent".into(),
        },
    }
}
