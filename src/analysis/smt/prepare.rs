//! Preparing a query for the encoding: which string operands are linked
//! (and so share one variable), the literal elements each list argument is
//! compared with, pattern normalisation, and z3 string literals.

use super::encode::Name;
use super::strings::Pattern;
use super::Query;
use crate::model::{Atom, Cond, Scalar, Type};
use std::collections::{BTreeMap, HashMap};

/// Maps characters z3 4.8 cannot represent (above U+2FFFF) to unused code
/// points, consistently for the whole run. The mapping never needs undoing:
/// witness strings are rebuilt from the original patterns (see `strings`).
#[derive(Default)]
pub(super) struct CharMap {
    high: HashMap<char, u32>,
}

impl CharMap {
    /// The z3 string-literal text for `s`: printable ASCII as is, everything
    /// else (and the backslash) as a `\u{..}` escape, which z3 decodes.
    pub(super) fn literal(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            let code = c as u32;
            if (0x20..0x7f).contains(&code) && c != '\\' {
                out.push(c);
                continue;
            }
            let code = if code <= 0x2FFFF {
                code
            } else {
                let next = 0x2FC00 + self.high.len() as u32;
                *self.high.entry(c).or_insert(next)
            };
            out.push_str(&format!("\\u{{{code:x}}}"));
        }
        out
    }
}

/// Union of linked string operands: each maps to the smallest of its group.
pub(super) fn links(query: &Query<'_>) -> BTreeMap<(usize, Name), (usize, Name)> {
    let mut root: BTreeMap<(usize, Name), (usize, Name)> = BTreeMap::new();
    fn find(root: &BTreeMap<(usize, Name), (usize, Name)>, k: &(usize, Name)) -> (usize, Name) {
        let mut cur = k.clone();
        while let Some(next) = root.get(&cur) {
            if *next == cur {
                break;
            }
            cur = next.clone();
        }
        cur
    }
    for l in &query.links {
        let a = find(&root, &(l.left.0, Name::Arg(l.left.1.clone())));
        let b = find(&root, &(l.right.0, Name::Arg(l.right.1.clone())));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        root.insert(hi, lo.clone());
        root.entry(lo.clone()).or_insert(lo);
    }
    let keys: Vec<_> = root.keys().cloned().collect();
    keys.into_iter()
        .map(|k| {
            let r = find(&root, &k);
            (k, r)
        })
        .collect()
}

pub(super) fn collect_list_literals(
    c: &Cond,
    slot: usize,
    out: &mut BTreeMap<(usize, String), Vec<Scalar>>,
) {
    match c {
        Cond::True | Cond::False => {}
        Cond::And(p) | Cond::Or(p) => p.iter().for_each(|x| collect_list_literals(x, slot, out)),
        Cond::Not(x) => collect_list_literals(x, slot, out),
        Cond::Atom(a) => {
            let (arg, vals): (&str, Vec<&Scalar>) = match a {
                Atom::ListAny { arg, values } | Atom::ListAll { arg, values } => {
                    (arg, values.iter().collect())
                }
                Atom::ListContains { arg, value } => (arg, vec![value]),
                _ => return,
            };
            let list = out.entry((slot, arg.to_string())).or_default();
            for v in vals {
                if !list.contains(v) {
                    list.push(v.clone());
                }
            }
        }
    }
}

/// Whether a literal list element is a value of the element type.
pub(super) fn scalar_fits(s: &Scalar, element: &Type) -> bool {
    match (s, element) {
        (Scalar::Str(_), Type::String) => true,
        (Scalar::Str(v), Type::Enum { values }) => values.contains(v),
        (Scalar::Int(_), Type::Int) => true,
        (Scalar::Int(i), Type::Duration) => *i >= 0,
        _ => false,
    }
}
/// A `like` pattern without `*` is an exact value: one test, not two.
pub(super) fn normalize(p: Pattern) -> Pattern {
    match p {
        Pattern::Glob(g) if !g.contains('*') => Pattern::Exact(g),
        other => other,
    }
}
