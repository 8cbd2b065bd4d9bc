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
//! - strings (and the justification) are decided by automata where that is
//!   cheaper: every `==`/`in`/`like` test on the string becomes a boolean,
//!   and the booleans are constrained to the combinations some string
//!   realizes, which `strings::cells` enumerates exactly in Rust — z3 then
//!   sees no string theory at all (measured: 34 s → well under a second on a
//!   synthetic 12-agent policy whose shared-channel questions combine a
//!   dozen globs). When the product automaton is too large, the string is a
//!   z3 string and a `like` pattern a regular expression of literals
//!   concatenated with `re.all`, with no character classes (those are what
//!   makes z3's string solver slow);
//! - an enum is an integer index into its values, so string tests on it are
//!   decided here, by matching each value, and never reach the string solver;
//! - a money currency is the declared one (a constant) or a 3-letter string;
//! - a list is abstracted exactly by one flag per literal element the query
//!   mentions plus one flag for "some other element": `any`, `all` and
//!   `contains` only ever compare elements with those literals.

use super::prepare::{collect_list_literals, links, normalize, scalar_fits, CharMap};
use super::strings::{self, Cell, Pattern};
use super::Query;
use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{Atom, Cond, Scalar, Type};
use crate::syntax::ast::CmpOp;
use std::collections::BTreeMap;
use std::str::FromStr;
use z3::ast::{Bool, Int, Regexp, String as ZStr};

/// A string-valued operand of one slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Name {
    Arg(String),
    Justification,
}

pub(super) struct StrVar {
    /// The z3 string, when the tests are left to z3's string theory.
    pub z: Option<ZStr>,
    /// Each distinct test on this string and the z3 atom deciding it.
    pub atoms: Vec<(Pattern, Bool)>,
    /// The realizable combinations of test results, in automaton mode.
    pub cells: Option<Vec<Cell>>,
}

/// Bounds of the automaton mode (beyond them, z3's string theory decides).
const MAX_CELL_STATES: usize = strings::MAX_CELL_STATES;
const MAX_CELLS: usize = 512;

/// The most characters of string literals and patterns on one string that
/// are handed to z3's string theory (beyond the automaton mode's bounds).
const MAX_Z3_STRING_CHARS: usize = 4_096;

fn pattern_chars(p: &Pattern) -> usize {
    match p {
        Pattern::Exact(s) | Pattern::Glob(s) => s.chars().count(),
    }
}

/// Plain values preferred in witnesses when the tests allow them.
pub(super) const READABLE: [&str; 2] = ["example", "example text"];

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
    /// Why the encoding could not represent some test exactly (or would
    /// hand the solver more than it can take in bounded work), if so.
    pub incomplete: Option<String>,
}

pub(super) fn encode(query: &Query<'_>, chars: &mut CharMap) -> Encoded {
    let mut e = Encoder {
        query,
        vars: Vars::default(),
        roots: links(query),
        list_domains: BTreeMap::new(),
        str_patterns: BTreeMap::new(),
        chars,
        domain: Vec::new(),
        incomplete: None,
    };
    for (i, slot) in query.slots.iter().enumerate() {
        collect_list_literals(&slot.cond, i, &mut e.list_domains);
        e.collect_str_patterns(i, &slot.cond);
    }
    let mut parts = Vec::new();
    for (i, slot) in query.slots.iter().enumerate() {
        parts.push(e.cond(i, &slot.cond));
    }
    for l in &query.links {
        // Linked operands share one variable; both must also be present.
        parts.push(e.presence(l.left.0, &Name::Arg(l.left.1.clone())));
        parts.push(e.presence(l.right.0, &Name::Arg(l.right.1.clone())));
        // Both operands map to the same root, hence to one variable.
        e.string(l.left.0, &Name::Arg(l.left.1.clone()));
        e.string(l.right.0, &Name::Arg(l.right.1.clone()));
    }
    parts.append(&mut e.domain);
    Encoded {
        formula: Bool::and(&parts),
        vars: e.vars,
        incomplete: e.incomplete,
    }
}

struct Encoder<'q, 'c> {
    query: &'q Query<'q>,
    vars: Vars,
    roots: BTreeMap<(usize, Name), (usize, Name)>,
    list_domains: BTreeMap<(usize, String), Vec<Scalar>>,
    /// Every test on each string variable (by root), gathered first so the
    /// automaton mode can enumerate their combinations.
    str_patterns: BTreeMap<(usize, Name), Vec<Pattern>>,
    chars: &'c mut CharMap,
    /// Range constraints of the variables created so far.
    domain: Vec<Bool>,
    incomplete: Option<String>,
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

    fn root(&self, slot: usize, name: &Name) -> (usize, Name) {
        let key = (slot, name.clone());
        self.roots.get(&key).cloned().unwrap_or(key)
    }

    fn collect_str_patterns(&mut self, slot: usize, c: &Cond) {
        match c {
            Cond::True | Cond::False => {}
            Cond::And(p) | Cond::Or(p) => p.iter().for_each(|x| self.collect_str_patterns(slot, x)),
            Cond::Not(x) => self.collect_str_patterns(slot, x),
            Cond::Atom(a) => {
                let (operand, pats): (&StrOperand, Vec<Pattern>) = match a {
                    Atom::StrEq { operand, value } => {
                        (operand, vec![Pattern::Exact(value.clone())])
                    }
                    Atom::StrIn { operand, values } => (
                        operand,
                        values.iter().map(|v| Pattern::Exact(v.clone())).collect(),
                    ),
                    Atom::StrLike { operand, pattern } => {
                        (operand, vec![Pattern::Glob(pattern.clone())])
                    }
                    _ => return,
                };
                let name = match operand {
                    StrOperand::Justification => Name::Justification,
                    StrOperand::Arg(a) if matches!(self.arg_type(slot, a), Some(Type::String)) => {
                        Name::Arg(a.clone())
                    }
                    _ => return,
                };
                let root = self.root(slot, &name);
                let list = self.str_patterns.entry(root).or_default();
                for p in pats {
                    let p = normalize(p);
                    if !list.contains(&p) {
                        list.push(p);
                    }
                }
            }
        }
    }

    fn string(&mut self, slot: usize, name: &Name) -> usize {
        let key = (slot, name.clone());
        if let Some(i) = self.vars.strs.get(&key) {
            return *i;
        }
        let root = self.root(slot, name);
        let index = match self.vars.strs.get(&root) {
            Some(i) => *i,
            None => {
                let patterns = self.str_patterns.get(&root).cloned().unwrap_or_default();
                let cells = strings::cells(&patterns, &READABLE, MAX_CELL_STATES)
                    .filter(|c| c.len() <= MAX_CELLS);
                let var = match cells {
                    Some(cells) => {
                        let atoms: Vec<(Pattern, Bool)> = patterns
                            .iter()
                            .enumerate()
                            .map(|(i, p)| {
                                let b =
                                    Bool::new_const(var_name(root.0, &root.1, &format!("test{i}")));
                                (p.clone(), b)
                            })
                            .collect();
                        // Unless every combination is realizable, allow only those that are.
                        if (patterns.len() as u32) >= 16 || cells.len() < (1usize << patterns.len())
                        {
                            let options: Vec<Bool> = cells
                                .iter()
                                .map(|c| {
                                    let lits: Vec<Bool> = atoms
                                        .iter()
                                        .zip(&c.matches)
                                        .map(|((_, b), m)| if *m { b.clone() } else { b.not() })
                                        .collect();
                                    Bool::and(&lits)
                                })
                                .collect();
                            self.domain.push(Bool::or(&options));
                        }
                        StrVar {
                            z: None,
                            atoms,
                            cells: Some(cells),
                        }
                    }
                    None => {
                        // z3 rewrites string constants when they are
                        // asserted, before any resource limit applies:
                        // measured, 100,000 characters of literals on one
                        // string kept `Solver::assert` busy for minutes. So
                        // the string theory only gets bounded input.
                        let size: usize = patterns.iter().map(pattern_chars).sum();
                        if size > MAX_Z3_STRING_CHARS {
                            self.incomplete.get_or_insert_with(|| {
                                format!(
                                    "the string tests on {} total {size} characters, more than the solver's string theory is given ({MAX_Z3_STRING_CHARS}), and too many patterns for the automata",
                                    match &root.1 {
                                        Name::Arg(a) => format!("`{a}`"),
                                        Name::Justification => "the justification".into(),
                                    }
                                )
                            });
                        }
                        StrVar {
                            z: Some(ZStr::new_const(var_name(root.0, &root.1, "str"))),
                            atoms: Vec::new(),
                            cells: None,
                        }
                    }
                };
                self.vars.strings.push(var);
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
        let p = normalize(p);
        let Some(var) = self.vars.strings.get(index) else {
            return Bool::from_bool(false);
        };
        if let Some((_, b)) = var.atoms.iter().find(|(q, _)| *q == p) {
            return b.clone();
        }
        let Some(z) = var.z.clone() else {
            // Automaton mode lists every test up front, so this cannot
            // happen; if it did, the answer must not be trusted.
            self.incomplete
                .get_or_insert_with(|| "a string test could not be encoded".into());
            return Bool::from_bool(false);
        };
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
        // Currencies stay z3 strings: three capital letters are a domain the
        // automaton mode does not model.
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
