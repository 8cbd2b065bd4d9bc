//! Conditions in disjunctive normal form, and how their literals read.
//!
//! An IAM statement is a conjunction (its resources, and each condition
//! operator), and several statements are a disjunction. So a grant's
//! condition is put in DNF: one statement per disjunct, each literal either
//! expressed (a resource pin or a condition key) or reported as left to the
//! policy engines.

use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{Atom, Cond, Scalar};

/// Disjuncts beyond this many are not worth a statement each: the condition
/// is then left to OPA/Cedar as a whole.
pub const MAX_DISJUNCTS: usize = 32;

/// An atom, or its negation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lit {
    pub positive: bool,
    pub atom: Atom,
}

/// The condition's disjuncts, or `None` when there would be more than
/// [`MAX_DISJUNCTS`]. `Some(vec![])` means the condition never holds;
/// `Some(vec![vec![]])` that it always holds.
pub fn dnf(cond: &Cond) -> Option<Vec<Vec<Lit>>> {
    go(cond, true)
}

fn go(cond: &Cond, positive: bool) -> Option<Vec<Vec<Lit>>> {
    match (cond, positive) {
        (Cond::True, true) | (Cond::False, false) => Some(vec![vec![]]),
        (Cond::True, false) | (Cond::False, true) => Some(vec![]),
        (Cond::Atom(atom), _) => Some(vec![vec![Lit {
            positive,
            atom: atom.clone(),
        }]]),
        (Cond::Not(inner), _) => go(inner, !positive),
        (Cond::And(parts), true) | (Cond::Or(parts), false) => {
            let mut acc: Vec<Vec<Lit>> = vec![vec![]];
            for p in parts {
                let next = go(p, positive)?;
                let mut product = Vec::new();
                for a in &acc {
                    for b in &next {
                        let mut both = a.clone();
                        both.extend(b.iter().cloned());
                        product.push(both);
                    }
                }
                if product.len() > MAX_DISJUNCTS {
                    return None;
                }
                acc = product;
            }
            Some(acc)
        }
        (Cond::Or(parts), true) | (Cond::And(parts), false) => {
            let mut acc = Vec::new();
            for p in parts {
                acc.extend(go(p, positive)?);
                if acc.len() > MAX_DISJUNCTS {
                    return None;
                }
            }
            Some(acc)
        }
    }
}

/// A value a resource argument may take: a literal name or a `*`-glob.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pat {
    Lit(String),
    Glob(String),
}

impl Pat {
    fn new(pattern: &str) -> Pat {
        if pattern.contains('*') {
            Pat::Glob(pattern.to_string())
        } else {
            Pat::Lit(pattern.to_string())
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Pat::Lit(s) | Pat::Glob(s) => s,
        }
    }

    /// Whether a literal name satisfies this pattern.
    fn admits(&self, name: &str) -> bool {
        match self {
            Pat::Lit(s) => s == name,
            Pat::Glob(p) => crate::model::cond::glob_match(p, name),
        }
    }
}

/// The argument a positive literal pins to a set of patterns, if it does.
pub fn pin(lit: &Lit) -> Option<(&str, Vec<Pat>)> {
    if !lit.positive {
        return None;
    }
    match &lit.atom {
        Atom::StrEq {
            operand: StrOperand::Arg(a),
            value,
        } => Some((a, vec![Pat::Lit(value.clone())])),
        Atom::StrIn {
            operand: StrOperand::Arg(a),
            values,
        } => Some((a, values.iter().map(|v| Pat::Lit(v.clone())).collect())),
        Atom::StrLike {
            operand: StrOperand::Arg(a),
            pattern,
        } => Some((a, vec![Pat::new(pattern)])),
        _ => None,
    }
}

/// Intersects two pin sets exactly when one of them lists only literal
/// names; `None` when both hold globs (their intersection is not a glob).
pub fn intersect(a: &[Pat], b: &[Pat]) -> Option<Vec<Pat>> {
    let all_lit = |s: &[Pat]| s.iter().all(|p| matches!(p, Pat::Lit(_)));
    let (lits, other) = if all_lit(a) {
        (a, b)
    } else if all_lit(b) {
        (b, a)
    } else {
        return None;
    };
    let mut out: Vec<Pat> = lits
        .iter()
        .filter(|l| other.iter().any(|o| o.admits(l.text())))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// The literal as policy text, e.g. `key like "reports/*"` or
/// `not amount.minor <= 5000`. Strings are escaped (`escape_debug`), so the
/// result is one line.
pub fn render(lit: &Lit) -> String {
    let s = |v: &str| format!("\"{}\"", v.escape_debug());
    let list = |vs: &[String]| {
        let items: Vec<String> = vs.iter().map(|v| s(v)).collect();
        format!("[{}]", items.join(", "))
    };
    let scalar = |v: &Scalar| match v {
        Scalar::Str(x) => s(x),
        Scalar::Int(i) => i.to_string(),
    };
    let scalars = |vs: &[Scalar]| {
        let items: Vec<String> = vs.iter().map(scalar).collect();
        format!("[{}]", items.join(", "))
    };
    let str_op = |o: &StrOperand| match o {
        StrOperand::Arg(a) => a.clone(),
        StrOperand::MoneyCurrency(a) => format!("{a}.currency"),
        StrOperand::Justification => "context.justification".into(),
    };
    let int_op = |o: &IntOperand| match o {
        IntOperand::Arg(a) => a.clone(),
        IntOperand::MoneyMinor(a) => format!("{a}.minor"),
    };
    let body = match &lit.atom {
        Atom::Has(StrOrArg::Arg(a)) => format!("has {a}"),
        Atom::Has(StrOrArg::Justification) => "has context.justification".into(),
        Atom::BoolIs { arg, value: true } => arg.clone(),
        Atom::BoolIs { arg, value: false } => format!("not {arg}"),
        Atom::IntCmp { operand, op, value } => {
            format!("{} {} {value}", int_op(operand), op.as_str())
        }
        Atom::StrEq { operand, value } => format!("{} == {}", str_op(operand), s(value)),
        Atom::StrIn { operand, values } => format!("{} in {}", str_op(operand), list(values)),
        Atom::StrLike { operand, pattern } => format!("{} like {}", str_op(operand), s(pattern)),
        Atom::ListAny { arg, values } => format!("{arg} any {}", scalars(values)),
        Atom::ListAll { arg, values } => format!("{arg} all {}", scalars(values)),
        Atom::ListContains { arg, value } => format!("{arg} contains {}", scalar(value)),
    };
    if lit.positive {
        body
    } else {
        format!("not ({body})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(arg: &str, v: &str) -> Cond {
        Cond::Atom(Atom::StrEq {
            operand: StrOperand::Arg(arg.into()),
            value: v.into(),
        })
    }

    #[test]
    fn negation_is_pushed_to_the_atoms() {
        let c = Cond::not(Cond::or(vec![eq("a", "1"), eq("b", "2")]));
        let d = dnf(&c).unwrap_or_default();
        assert_eq!(d.len(), 1);
        assert!(d[0].iter().all(|l| !l.positive));
    }

    #[test]
    fn products_past_the_limit_give_up() {
        let wide = Cond::or((0..6).map(|i| eq("a", &i.to_string())).collect());
        let c = Cond::and(vec![wide.clone(), wide]);
        assert!(dnf(&c).is_none());
        assert_eq!(dnf(&Cond::False), Some(vec![]));
    }

    #[test]
    fn literal_pins_intersect_with_globs() {
        let a = vec![Pat::Lit("x1".into()), Pat::Lit("y1".into())];
        let b = vec![Pat::Glob("x*".into())];
        assert_eq!(intersect(&a, &b), Some(vec![Pat::Lit("x1".into())]));
        assert_eq!(intersect(&b, &b), None);
    }
}
