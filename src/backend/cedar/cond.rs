//! Conditions → Cedar expressions. Input: a [`Cond`] and the tool whose
//! arguments it reads. Output: an [`Expr`] over `context.args` and
//! `context.justification` with the same truth value on every request that
//! passes the schema, and that cannot raise an evaluation error.
//!
//! The meaning mirrors `model::cond` atom by atom:
//! - an atom over an optional argument is `context.args has x && <test>`, so
//!   an absent operand makes it false and the access is guarded (the strict
//!   validator insists on the guard, which is what rules out type errors);
//! - `!=` is printed as Cedar `!=` behind the same guard, which is exactly the
//!   reference `has x && x != v`; the checker already lowers source `!=` to
//!   `not ==`, so an absent operand makes the source-level test true;
//! - `like` keeps `*` as the only wildcard ([`print::pattern`]);
//! - `any` / `all` / `contains` become `containsAny` / `containsAll` /
//!   `contains`; list elements of the wrong type can never match, so such
//!   literals are dropped, and an empty set literal (which strict validation
//!   rejects) is replaced by its meaning (`false`, or `isEmpty()` for `all`);
//! - an atom over an argument the tool does not declare, or of the wrong
//!   type, is `false`, as in the reference (the request could not carry it).

use super::print::{self, Expr};
use crate::model::cond::StrOrArg;
use crate::model::{Atom, Cond, IntOperand, Scalar, StrOperand, Tool, Type};
use crate::syntax::ast::CmpOp;

/// The record holding the tool's arguments.
pub const ARGS: &str = "context.args";

pub fn cond(c: &Cond, tool: &Tool) -> Expr {
    match c {
        Cond::True => Expr::Bool(true),
        Cond::False => Expr::Bool(false),
        Cond::And(parts) => Expr::and(parts.iter().map(|p| cond(p, tool)).collect()),
        Cond::Or(parts) => Expr::or(parts.iter().map(|p| cond(p, tool)).collect()),
        Cond::Not(inner) => Expr::not(cond(inner, tool)),
        Cond::Atom(a) => atom(a, tool),
    }
}

pub fn op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// A readable operand: its guard (when it may be absent) and its path.
struct Operand {
    guard: Option<Expr>,
    path: String,
}

impl Operand {
    /// `guard && test`.
    fn test(self, test: Expr) -> Expr {
        match self.guard {
            Some(g) => Expr::and(vec![g, test]),
            None => test,
        }
    }
}

/// The argument `name` if the tool declares it with a type `accepts` takes.
fn arg(tool: &Tool, name: &str, accepts: impl Fn(&Type) -> bool) -> Option<Operand> {
    let spec = tool.args.get(name).filter(|s| accepts(&s.ty))?;
    Some(Operand {
        guard: spec.optional.then(|| Expr::atom(print::has(ARGS, name))),
        path: print::access(ARGS, name),
    })
}

fn justification() -> Operand {
    Operand {
        guard: Some(Expr::atom(print::has("context", "justification"))),
        path: print::access("context", "justification"),
    }
}

fn int_operand(tool: &Tool, o: &IntOperand) -> Option<Operand> {
    match o {
        IntOperand::Arg(a) => arg(tool, a, |t| matches!(t, Type::Int | Type::Duration)),
        IntOperand::MoneyMinor(a) => {
            arg(tool, a, |t| matches!(t, Type::Money { .. })).map(|o| Operand {
                path: print::access(&o.path, "minor"),
                guard: o.guard,
            })
        }
    }
}

fn str_operand(tool: &Tool, o: &StrOperand) -> Option<Operand> {
    match o {
        StrOperand::Arg(a) => arg(tool, a, |t| matches!(t, Type::String | Type::Enum { .. })),
        StrOperand::MoneyCurrency(a) => {
            arg(tool, a, |t| matches!(t, Type::Money { .. })).map(|o| Operand {
                path: print::access(&o.path, "currency"),
                guard: o.guard,
            })
        }
        StrOperand::Justification => Some(justification()),
    }
}

/// A list argument and the Cedar literals of those `values` its elements
/// could equal.
fn list_operand(tool: &Tool, name: &str, values: &[Scalar]) -> Option<(Operand, Vec<String>)> {
    let element = match tool.args.get(name).map(|s| &s.ty) {
        Some(Type::List { element }) => element.as_ref().clone(),
        _ => return None,
    };
    let operand = arg(tool, name, |_| true)?;
    let literals = values.iter().filter_map(|v| scalar(&element, v)).collect();
    Some((operand, literals))
}

/// The Cedar literal of a list element, if it has the element type.
fn scalar(element: &Type, v: &Scalar) -> Option<String> {
    match (element, v) {
        (Type::Int, Scalar::Int(i)) => Some(i.to_string()),
        (Type::String | Type::Enum { .. }, Scalar::Str(s)) => Some(print::string(s)),
        _ => None,
    }
}

fn atom(a: &Atom, tool: &Tool) -> Expr {
    atom_opt(a, tool).unwrap_or(Expr::Bool(false))
}

fn atom_opt(a: &Atom, tool: &Tool) -> Option<Expr> {
    Some(match a {
        Atom::Has(StrOrArg::Arg(name)) => {
            tool.args.get(name)?;
            Expr::atom(print::has(ARGS, name))
        }
        Atom::Has(StrOrArg::Justification) => Expr::atom(print::has("context", "justification")),
        Atom::BoolIs { arg: name, value } => {
            let o = arg(tool, name, |t| matches!(t, Type::Bool))?;
            let test = Expr::primary(o.path.clone());
            o.test(if *value { test } else { Expr::not(test) })
        }
        Atom::IntCmp {
            operand,
            op: cmp,
            value,
        } => {
            let o = int_operand(tool, operand)?;
            let test = Expr::atom(format!("{} {} {value}", o.path, op(*cmp)));
            o.test(test)
        }
        Atom::StrEq { operand, value } => {
            let o = str_operand(tool, operand)?;
            let test = Expr::atom(format!("{} == {}", o.path, print::string(value)));
            o.test(test)
        }
        Atom::StrIn { operand, values } => {
            let o = str_operand(tool, operand)?;
            if values.is_empty() {
                return None;
            }
            let test = Expr::primary(format!(
                "{}.contains({})",
                print::string_set(values),
                o.path
            ));
            o.test(test)
        }
        Atom::StrLike { operand, pattern } => {
            let o = str_operand(tool, operand)?;
            let test = Expr::atom(format!("{} like {}", o.path, print::pattern(pattern)));
            o.test(test)
        }
        Atom::ListAny { arg: name, values } => {
            let (o, lits) = list_operand(tool, name, values)?;
            if lits.is_empty() {
                return None;
            }
            let test = Expr::primary(format!("{}.containsAny([{}])", o.path, lits.join(", ")));
            o.test(test)
        }
        Atom::ListAll { arg: name, values } => {
            let (o, lits) = list_operand(tool, name, values)?;
            let test = if lits.is_empty() {
                Expr::primary(format!("{}.isEmpty()", o.path))
            } else {
                Expr::primary(format!("[{}].containsAll({})", lits.join(", "), o.path))
            };
            o.test(test)
        }
        Atom::ListContains { arg: name, value } => {
            let (o, lits) = list_operand(tool, name, std::slice::from_ref(value))?;
            let lit = lits.into_iter().next()?;
            let test = Expr::primary(format!("{}.contains({lit})", o.path));
            o.test(test)
        }
    })
}
