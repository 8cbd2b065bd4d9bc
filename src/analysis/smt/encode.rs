//! The encoding of [`Cond`] over a tool's typed arguments into z3 formulas.
//! Input: a [`Query`] (one or more tool calls, each with a condition, and
//! equalities between their string arguments). Output: one z3 `Bool` plus the
//! variables it uses, which `decode` reads back from a model.
//!
//! Variables, per call slot:
//! - every optional argument (and the justification) has a presence flag; an
//!   atom on an absent operand is false, exactly as in `Cond::eval`;
//! - int and duration arguments and money minor units are z3 integers bounded
//!   to the request's range (i64; non-negative for durations and money);
//! - strings (and the justification) are z3 strings; a `like` pattern is a
//!   regular expression made of literals concatenated with `re.all`, with no
//!   character classes (those are what makes z3's string solver slow);
//! - an enum is an integer index into its values, so string tests on it are
//!   decided here, by matching each value, and never reach the string solver;
//! - a money currency is the declared one (a constant) or a 3-letter string;
//! - a list is abstracted exactly by one flag per literal element the query
//!   mentions plus one flag for "some other element": `any`, `all` and
//!   `contains` only ever compare elements with those literals.

use super::strings::Pattern;
use super::Query;
use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{Atom, Cond, Scalar, Type};
use crate::syntax::ast::CmpOp;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use z3::ast::{Bool, Int, Regexp, String as ZStr};

/// A string-valued operand of one slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Name {
    Arg(String),
    Justification,
}

pub(super) struct StrVar {
    pub z: ZStr,
    /// Each distinct test on this string and the z3 atom deciding it.
    pub atoms: Vec<(Pattern, Bool)>,
}

#[derive(Clone)]
pub(super) struct ListVar {
    pub elems: Vec<(Scalar, Bool)>,
    /// "Some element not among `elems`", when such an element can exist.
    pub other: Option<Bool>,
}

#[derive(Default)]
pub(super) struct Vars {
    pub presence: BTreeMap<(usize, Name), Bool>,
    pub ints: BTreeMap<(usize, String), Int>,
    pub bools: BTreeMap<(usize, String), Bool>,
    pub enums: BTreeMap<(usize, String), Int>,
    /// Operand → index into `strings` (linked operands share one variable).
    pub strs: BTreeMap<(usize, Name), usize>,
    pub strings: Vec<StrVar>,
    pub currencies: BTreeMap<(usize, String), ZStr>,
    pub lists: BTreeMap<(usize, String), ListVar>,
}

pub(super) struct Encoded {
    pub formula: Bool,
    pub vars: Vars,
}

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
    fn literal(&mut self, s: &str) -> String {
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

pub(super) fn encode(query: &Query<'_>, chars: &mut CharMap) -> Encoded {
    let mut e = Encoder {
        query,
        vars: Vars::default(),
        roots: links(query),
        list_domains: BTreeMap::new(),
        chars,
        domain: Vec::new(),
    };
    for (i, slot) in query.slots.iter().enumerate() {
        collect_list_literals(&slot.cond, i, &mut e.list_domains);
    }
    let mut parts = Vec::new();
    for (i, slot) in query.slots.iter().enumerate() {
        parts.push(e.cond(i, &slot.cond));
    }
    for l in &query.links {
        // Linked operands share one variable; both must also be present.
        parts.push(e.presence(l.left.0, &Name::Arg(l.left.1.clone())));
        parts.push(e.presence(l.right.0, &Name::Arg(l.right.1.clone())));
        let a = e.string(l.left.0, &Name::Arg(l.left.1.clone()));
        let b = e.string(l.right.0, &Name::Arg(l.right.1.clone()));
        if a != b {
            let (za, zb) = (&e.vars.strings[a].z, &e.vars.strings[b].z);
            parts.push(za.eq(zb));
        }
    }
    parts.append(&mut e.domain);
    Encoded {
        formula: Bool::and(&parts),
        vars: e.vars,
    }
}

/// Union of linked string operands: each maps to the smallest of its group.
fn links(query: &Query<'_>) -> BTreeMap<(usize, Name), (usize, Name)> {
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

fn collect_list_literals(c: &Cond, slot: usize, out: &mut BTreeMap<(usize, String), Vec<Scalar>>) {
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

struct Encoder<'q, 'c> {
    query: &'q Query<'q>,
    vars: Vars,
    roots: BTreeMap<(usize, Name), (usize, Name)>,
    list_domains: BTreeMap<(usize, String), Vec<Scalar>>,
    chars: &'c mut CharMap,
    /// Range constraints of the variables created so far.
    domain: Vec<Bool>,
}

fn var_name(slot: usize, name: &Name, kind: &str) -> String {
    match name {
        Name::Arg(a) => format!("s{slot}|{a}|{kind}"),
        Name::Justification => format!("s{slot}||justification|{kind}"),
    }
}

impl Encoder<'_, '_> {
    fn arg_type(&self, slot: usize, arg: &str) -> Option<&Type> {
        let tool = self.query.slots.get(slot)?.tool;
        tool.args.get(arg).map(|s| &s.ty)
    }

    fn cond(&mut self, slot: usize, c: &Cond) -> Bool {
        match c {
            Cond::True => Bool::from_bool(true),
            Cond::False => Bool::from_bool(false),
            Cond::And(p) => {
                let parts: Vec<Bool> = p.iter().map(|x| self.cond(slot, x)).collect();
                Bool::and(&parts)
            }
            Cond::Or(p) => {
                let parts: Vec<Bool> = p.iter().map(|x| self.cond(slot, x)).collect();
                Bool::or(&parts)
            }
            Cond::Not(x) => self.cond(slot, x).not(),
            Cond::Atom(a) => self.atom(slot, a),
        }
    }

    /// The presence flag of an operand: constant true for required arguments.
    fn presence(&mut self, slot: usize, name: &Name) -> Bool {
        if let Name::Arg(a) = name {
            let optional = self
                .query
                .slots
                .get(slot)
                .and_then(|s| s.tool.args.get(a))
                .is_none_or(|s| s.optional);
            if !optional {
                return Bool::from_bool(true);
            }
        }
        self.vars
            .presence
            .entry((slot, name.clone()))
            .or_insert_with(|| Bool::new_const(var_name(slot, name, "present")))
            .clone()
    }

    fn int(&mut self, slot: usize, arg: &str, non_negative: bool) -> Int {
        if let Some(v) = self.vars.ints.get(&(slot, arg.to_string())) {
            return v.clone();
        }
        let v = Int::new_const(var_name(slot, &Name::Arg(arg.into()), "int"));
        let lo = if non_negative { 0 } else { i64::MIN };
        self.domain.push(v.ge(Int::from_i64(lo)));
        self.domain.push(v.le(Int::from_i64(i64::MAX)));
        self.vars.ints.insert((slot, arg.to_string()), v.clone());
        v
    }

    fn string(&mut self, slot: usize, name: &Name) -> usize {
        let key = (slot, name.clone());
        if let Some(i) = self.vars.strs.get(&key) {
            return *i;
        }
        let root = self.roots.get(&key).cloned().unwrap_or(key.clone());
        let index = match self.vars.strs.get(&root) {
            Some(i) => *i,
            None => {
                self.vars.strings.push(StrVar {
                    z: ZStr::new_const(var_name(root.0, &root.1, "str")),
                    atoms: Vec::new(),
                });
                let i = self.vars.strings.len() - 1;
                self.vars.strs.insert(root, i);
                i
            }
        };
        self.vars.strs.insert(key, index);
        index
    }

    /// The z3 atom "string variable `index` matches `p`", shared by every
    /// occurrence so that decoding reads one truth value per test.
    fn str_test(&mut self, index: usize, p: Pattern) -> Bool {
        let Some(var) = self.vars.strings.get(index) else {
            return Bool::from_bool(false);
        };
        if let Some((_, b)) = var.atoms.iter().find(|(q, _)| *q == p) {
            return b.clone();
        }
        let z = var.z.clone();
        let b = self.matches(&z, &p);
        if let Some(var) = self.vars.strings.get_mut(index) {
            var.atoms.push((p, b.clone()));
        }
        b
    }

    fn matches(&mut self, z: &ZStr, p: &Pattern) -> Bool {
        match p {
            Pattern::Exact(v) => self.eq_lit(z, v),
            Pattern::Glob(g) if !g.contains('*') => self.eq_lit(z, g),
            Pattern::Glob(g) => {
                let parts: Vec<Regexp> = g
                    .split('*')
                    .enumerate()
                    .flat_map(|(i, seg)| {
                        let star = (i > 0).then(Regexp::full);
                        let lit =
                            (!seg.is_empty()).then(|| Regexp::literal(&self.chars.literal(seg)));
                        star.into_iter().chain(lit)
                    })
                    .collect();
                // z3 rejects a concatenation of one regex.
                let re = match parts.as_slice() {
                    [one] => one.clone(),
                    _ => Regexp::concat(&parts),
                };
                z.regex_matches(&re)
            }
        }
    }

    fn eq_lit(&mut self, z: &ZStr, v: &str) -> Bool {
        match ZStr::from_str(&self.chars.literal(v)) {
            Ok(lit) => z.eq(&lit),
            // A NUL cannot be written as a z3 literal; the parser rejects it
            // in policies, so no request can carry it either.
            Err(_) => Bool::from_bool(false),
        }
    }

    fn currency(&mut self, slot: usize, arg: &str) -> ZStr {
        if let Some(z) = self.vars.currencies.get(&(slot, arg.to_string())) {
            return z.clone();
        }
        let z = ZStr::new_const(var_name(slot, &Name::Arg(arg.into()), "currency"));
        self.domain.push(z.length().eq(Int::from_i64(3)));
        for i in 0..3i64 {
            let ch = z.at(i);
            if let (Ok(a), Ok(zz)) = (ZStr::from_str("A"), ZStr::from_str("Z")) {
                self.domain.push(a.str_le(&ch));
                self.domain.push(ch.str_le(&zz));
            }
        }
        self.vars
            .currencies
            .insert((slot, arg.to_string()), z.clone());
        z
    }

    /// A string test on any string-valued operand.
    fn str_atom(&mut self, slot: usize, operand: &StrOperand, p: Pattern) -> Bool {
        match operand {
            StrOperand::Justification => {
                let present = self.presence(slot, &Name::Justification);
                let i = self.string(slot, &Name::Justification);
                Bool::and(&[present, self.str_test(i, p)])
            }
            StrOperand::MoneyCurrency(a) => {
                let present = self.presence(slot, &Name::Arg(a.clone()));
                let fixed = match self.arg_type(slot, a) {
                    Some(Type::Money { currency }) => currency.clone(),
                    _ => None,
                };
                let test = match fixed {
                    Some(c) => Bool::from_bool(p.matches(&c)),
                    None => {
                        let z = self.currency(slot, a);
                        self.matches(&z, &p)
                    }
                };
                Bool::and(&[present, test])
            }
            StrOperand::Arg(a) => {
                let present = self.presence(slot, &Name::Arg(a.clone()));
                let test = match self.arg_type(slot, a).cloned() {
                    Some(Type::Enum { values }) => {
                        let idx = self.enum_index(slot, a, values.len());
                        let hits: Vec<Bool> = values
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| p.matches(v))
                            .map(|(i, _)| idx.eq(Int::from_i64(i as i64)))
                            .collect();
                        Bool::or(&hits)
                    }
                    Some(Type::String) => {
                        let i = self.string(slot, &Name::Arg(a.clone()));
                        self.str_test(i, p)
                    }
                    // The checker only builds string tests on strings and enums.
                    _ => Bool::from_bool(false),
                };
                Bool::and(&[present, test])
            }
        }
    }

    fn enum_index(&mut self, slot: usize, arg: &str, n: usize) -> Int {
        if let Some(v) = self.vars.enums.get(&(slot, arg.to_string())) {
            return v.clone();
        }
        let v = Int::new_const(var_name(slot, &Name::Arg(arg.into()), "enum"));
        self.domain.push(v.ge(Int::from_i64(0)));
        self.domain.push(v.lt(Int::from_i64(n as i64)));
        self.vars.enums.insert((slot, arg.to_string()), v.clone());
        v
    }

    fn list(&mut self, slot: usize, arg: &str) -> ListVar {
        let key = (slot, arg.to_string());
        if let Some(l) = self.vars.lists.get(&key) {
            return l.clone();
        }
        {
            let element = match self.arg_type(slot, arg) {
                Some(Type::List { element }) => (**element).clone(),
                _ => Type::String,
            };
            let literals = self.list_domains.get(&key).cloned().unwrap_or_default();
            let valid: Vec<Scalar> = literals
                .into_iter()
                .filter(|s| scalar_fits(s, &element))
                .collect();
            let elems = valid
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let b = Bool::new_const(var_name(
                        slot,
                        &Name::Arg(arg.into()),
                        &format!("elem{i}"),
                    ));
                    (s.clone(), b)
                })
                .collect();
            let other_exists = match &element {
                Type::Enum { values } => values
                    .iter()
                    .any(|v| !valid.contains(&Scalar::Str(v.clone()))),
                _ => true,
            };
            let other = other_exists
                .then(|| Bool::new_const(var_name(slot, &Name::Arg(arg.into()), "other")));
            let l = ListVar { elems, other };
            self.vars.lists.insert(key, l.clone());
            l
        }
    }

    fn atom(&mut self, slot: usize, a: &Atom) -> Bool {
        match a {
            Atom::Has(StrOrArg::Arg(x)) => self.presence(slot, &Name::Arg(x.clone())),
            Atom::Has(StrOrArg::Justification) => self.presence(slot, &Name::Justification),
            Atom::BoolIs { arg, value } => {
                let present = self.presence(slot, &Name::Arg(arg.clone()));
                let v = self
                    .vars
                    .bools
                    .entry((slot, arg.clone()))
                    .or_insert_with(|| {
                        Bool::new_const(var_name(slot, &Name::Arg(arg.clone()), "bool"))
                    })
                    .clone();
                let test = if *value { v } else { v.not() };
                Bool::and(&[present, test])
            }
            Atom::IntCmp { operand, op, value } => {
                let (arg, non_negative) = match operand {
                    IntOperand::Arg(x) => {
                        (x, matches!(self.arg_type(slot, x), Some(Type::Duration)))
                    }
                    IntOperand::MoneyMinor(x) => (x, true),
                };
                let present = self.presence(slot, &Name::Arg(arg.clone()));
                let x = self.int(slot, arg, non_negative);
                let c = Int::from_i64(*value);
                let test = match op {
                    CmpOp::Eq => x.eq(&c),
                    CmpOp::Ne => x.eq(&c).not(),
                    CmpOp::Lt => x.lt(&c),
                    CmpOp::Le => x.le(&c),
                    CmpOp::Gt => x.gt(&c),
                    CmpOp::Ge => x.ge(&c),
                };
                Bool::and(&[present, test])
            }
            Atom::StrEq { operand, value } => {
                self.str_atom(slot, operand, Pattern::Exact(value.clone()))
            }
            Atom::StrIn { operand, values } => {
                let parts: Vec<Bool> = values
                    .iter()
                    .map(|v| self.str_atom(slot, operand, Pattern::Exact(v.clone())))
                    .collect();
                Bool::or(&parts)
            }
            Atom::StrLike { operand, pattern } => {
                self.str_atom(slot, operand, Pattern::Glob(pattern.clone()))
            }
            Atom::ListAny { arg, values } => {
                let present = self.presence(slot, &Name::Arg(arg.clone()));
                let l = self.list(slot, arg);
                let hits: Vec<Bool> = l
                    .elems
                    .iter()
                    .filter(|(s, _)| values.contains(s))
                    .map(|(_, b)| b.clone())
                    .collect();
                Bool::and(&[present, Bool::or(&hits)])
            }
            Atom::ListAll { arg, values } => {
                let present = self.presence(slot, &Name::Arg(arg.clone()));
                let l = self.list(slot, arg);
                let mut parts: Vec<Bool> = l
                    .elems
                    .iter()
                    .filter(|(s, _)| !values.contains(s))
                    .map(|(_, b)| b.not())
                    .collect();
                if let Some(o) = &l.other {
                    parts.push(o.not());
                }
                parts.push(present);
                Bool::and(&parts)
            }
            Atom::ListContains { arg, value } => {
                let present = self.presence(slot, &Name::Arg(arg.clone()));
                let l = self.list(slot, arg);
                let hit = l
                    .elems
                    .iter()
                    .find(|(s, _)| s == value)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_else(|| Bool::from_bool(false));
                Bool::and(&[present, hit])
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
