//! Argument bounds in plain words, from a grant's condition: amount above
//! USD 0.00 and up to USD 1000.00; vendor one of "a", "b". Input: a tool
//! and a [`Cond`]. Output: one phrase per argument of a top-level
//! conjunction; any other shape is given whole in policy syntax, never
//! approximated.

use crate::model::cond::{Atom, Cond, IntOperand, StrOperand};
use crate::model::show;
use crate::model::Tool;
use crate::syntax::ast::CmpOp;
use std::collections::BTreeMap;

/// Phrases, one per argument the condition bounds.
pub fn bounds(tool: &Tool, cond: &Cond) -> Vec<String> {
    let parts: Vec<&Cond> = match cond {
        Cond::True => return Vec::new(),
        Cond::And(p) => p.iter().collect(),
        other => vec![other],
    };
    let mut by_arg: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut other = Vec::new();
    for p in parts {
        match p {
            Cond::Atom(a) => match phrase(tool, a) {
                Some((arg, words)) => by_arg.entry(arg).or_default().push(words),
                None => other.push(show::atom(tool, a)),
            },
            c => other.push(show::cond(tool, c)),
        }
    }
    let mut out: Vec<String> = by_arg
        .into_iter()
        .map(|(arg, words)| format!("{arg} {}", words.join(" and ")))
        .collect();
    out.extend(other);
    out
}

fn phrase(tool: &Tool, a: &Atom) -> Option<(String, String)> {
    match a {
        Atom::IntCmp { operand, op, .. } => {
            let name = match operand {
                IntOperand::Arg(x) | IntOperand::MoneyMinor(x) => x.clone(),
            };
            let shown = show::atom(tool, a);
            let v = shown
                .rsplit_once(&format!(" {} ", op.as_str()))?
                .1
                .to_string();
            let w = match op {
                CmpOp::Le => format!("up to {v}"),
                CmpOp::Lt => format!("below {v}"),
                CmpOp::Ge => format!("at least {v}"),
                CmpOp::Gt => format!("above {v}"),
                CmpOp::Eq => format!("exactly {v}"),
                CmpOp::Ne => format!("not {v}"),
            };
            Some((name, w))
        }
        Atom::StrIn {
            operand: StrOperand::Arg(x),
            values,
        } => Some((
            x.clone(),
            format!(
                "one of {}",
                values
                    .iter()
                    .map(|v| show::quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        Atom::StrEq {
            operand: StrOperand::Arg(x),
            value,
        } => Some((x.clone(), format!("exactly {}", show::quote(value)))),
        Atom::StrLike {
            operand: StrOperand::Arg(x),
            pattern,
        } => Some((x.clone(), format!("matching {}", show::quote(pattern)))),
        _ => None,
    }
}
