//! Conditions as `policy.rego` evaluates them: negation normal form over an
//! agent × tool entry's interned atoms (see [`When`], [`Node`], [`Atoms`]).
//! Input: a checked [`Cond`]. Output: serializable data, with the meaning of
//! `model::cond` kept exactly (absent operand → false; `!=` → `not ==`;
//! `like` with `*` only).

use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{Atom, Cond, Scalar};
use crate::syntax::ast::CmpOp;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// A rule's condition: atoms that must hold (`pos`), atoms that must not
/// (`neg`) and nested conditions that must hold (`more`). Most conditions
/// are a conjunction of tests and need no nesting at all.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct When {
    pub pos: Vec<usize>,
    pub neg: Vec<usize>,
    pub more: Vec<Node>,
}

impl When {
    pub fn of(node: Node) -> When {
        let mut w = When::default();
        match node {
            Node::Atom(i) => w.pos.push(i),
            Node::Not { not } => w.neg.push(not),
            Node::All { all } => {
                for m in all {
                    match m {
                        Node::Atom(i) => w.pos.push(i),
                        Node::Not { not } => w.neg.push(not),
                        other => w.more.push(other),
                    }
                }
            }
            any @ Node::Any { .. } => w.more.push(any),
        }
        w
    }
}

/// A condition in negation normal form over an entry's atoms: a number `i`
/// (atom `i` holds), `{"not": i}`, `{"all": [..]}` (true when empty) or
/// `{"any": [..]}` (false when empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Node {
    Atom(usize),
    Not { not: usize },
    All { all: Vec<Node> },
    Any { any: Vec<Node> },
}

impl Node {
    /// Nesting depth as `policy.rego` counts it: a literal is 0, a
    /// conjunction or disjunction one more than its deepest member.
    pub fn depth(&self) -> usize {
        match self {
            Node::Atom(_) | Node::Not { .. } => 0,
            Node::All { all: xs } | Node::Any { any: xs } => {
                1 + xs.iter().map(Node::depth).max().unwrap_or(0)
            }
        }
    }
}

/// One test on the request: an operator, the path to its operand in the
/// Rego's `env` (`["args", NAME]`, `["args", NAME, "minor"]`,
/// `["args", NAME, "currency"]` or `["context", "justification"]`) and the
/// operator's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct AtomDoc {
    pub op: &'static str,
    pub path: Vec<String>,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    Bools(Vec<bool>),
    Scalar(Scalar),
    Strs(Vec<String>),
    Scalars(Vec<Scalar>),
}

/// An entry's atoms, serialized grouped by operator, each as
/// `[INDEX, PATH, PARAMS...]`.
#[derive(Debug, Default)]
pub struct Atoms(pub Vec<AtomDoc>);

impl Atoms {
    fn intern(&mut self, atom: AtomDoc) -> usize {
        match self.0.iter().position(|x| *x == atom) {
            Some(i) => i,
            None => {
                self.0.push(atom);
                self.0.len() - 1
            }
        }
    }
}

impl Serialize for Atoms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut groups: BTreeMap<&str, Vec<(usize, &AtomDoc)>> = BTreeMap::new();
        for (i, a) in self.0.iter().enumerate() {
            groups.entry(a.op).or_default().push((i, a));
        }
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (op, list) in &groups {
            let items: Vec<Indexed<'_>> = list.iter().map(|(i, a)| Indexed(*i, a)).collect();
            map.serialize_entry(op, &items)?;
        }
        map.end()
    }
}

struct Indexed<'a>(usize, &'a AtomDoc);

impl Serialize for Indexed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.1;
        let mut seq = s.serialize_seq(Some(2 + a.params.len()))?;
        seq.serialize_element(&self.0)?;
        seq.serialize_element(&a.path)?;
        for p in &a.params {
            seq.serialize_element(p)?;
        }
        seq.end()
    }
}

/// Negation normal form: negations pushed down to atoms, nested conjunctions
/// (disjunctions) flattened, constants folded, atoms interned. Negating an
/// atom is kept as a negative literal rather than flipping a comparison,
/// because an atom with an absent operand is false and its negation true.
pub fn nnf(cond: &Cond, positive: bool, atoms: &mut Atoms) -> Node {
    match cond {
        Cond::True if positive => Node::All { all: Vec::new() },
        Cond::True => Node::Any { any: Vec::new() },
        Cond::False if positive => Node::Any { any: Vec::new() },
        Cond::False => Node::All { all: Vec::new() },
        Cond::Not(inner) => nnf(inner, !positive, atoms),
        Cond::And(parts) | Cond::Or(parts) => {
            let conjunction = matches!(cond, Cond::And(_)) == positive;
            let members = parts.iter().map(|p| nnf(p, positive, atoms)).collect();
            junction(conjunction, members)
        }
        Cond::Atom(a) => atom_node(a, positive, atoms),
    }
}

/// A literal; `x != v` on an integer becomes `x < v or x > v`, which is
/// false for an absent operand as `!=` atoms are.
fn atom_node(a: &Atom, positive: bool, atoms: &mut Atoms) -> Node {
    let lit = |i: usize| {
        if positive {
            Node::Atom(i)
        } else {
            Node::Not { not: i }
        }
    };
    if let Atom::IntCmp {
        operand,
        op: CmpOp::Ne,
        value,
    } = a
    {
        let path = int_path(operand);
        let below = atoms.intern(range(path.clone(), CmpOp::Lt, *value));
        let above = atoms.intern(range(path, CmpOp::Gt, *value));
        return junction(!positive, vec![lit(below), lit(above)]);
    }
    lit(atoms.intern(atom(a)))
}

fn junction(conjunction: bool, members: Vec<Node>) -> Node {
    let mut out = Vec::new();
    for m in members {
        match (conjunction, m) {
            // The neutral element disappears, the absorbing one wins.
            (true, Node::All { all: xs }) | (false, Node::Any { any: xs }) => out.extend(xs),
            (true, Node::Any { any: xs }) if xs.is_empty() => return Node::Any { any: xs },
            (false, Node::All { all: xs }) if xs.is_empty() => return Node::All { all: xs },
            (_, other) => out.push(other),
        }
    }
    if out.len() == 1 {
        if let Some(only) = out.pop() {
            return only;
        }
    }
    if conjunction {
        Node::All { all: out }
    } else {
        Node::Any { any: out }
    }
}

fn on(op: &'static str, path: Vec<String>, params: Vec<Param>) -> AtomDoc {
    AtomDoc { op, path, params }
}

fn arg(name: &str) -> Vec<String> {
    vec!["args".into(), name.into()]
}

fn field(name: &str, field: &str) -> Vec<String> {
    vec!["args".into(), name.into(), field.into()]
}

fn justification() -> Vec<String> {
    vec!["context".into(), "justification".into()]
}

fn atom(a: &Atom) -> AtomDoc {
    let one = |v: Scalar| vec![Param::Scalars(vec![v])];
    match a {
        Atom::Has(StrOrArg::Arg(name)) => on("has", arg(name), vec![]),
        Atom::Has(StrOrArg::Justification) => on("has", justification(), vec![]),
        Atom::BoolIs { arg: name, value } => on("in", arg(name), vec![Param::Bools(vec![*value])]),
        Atom::IntCmp {
            operand,
            op: CmpOp::Eq,
            value,
        } => on("in", int_path(operand), one(Scalar::Int(*value))),
        Atom::IntCmp { operand, op, value } => range(int_path(operand), *op, *value),
        Atom::StrEq { operand, value } => {
            on("in", str_path(operand), one(Scalar::Str(value.clone())))
        }
        Atom::StrIn { operand, values } => {
            on("in", str_path(operand), vec![Param::Strs(values.clone())])
        }
        Atom::StrLike { operand, pattern } => like(str_path(operand), pattern),
        Atom::ListAny { arg: name, values } => {
            on("any", arg(name), vec![Param::Scalars(values.clone())])
        }
        Atom::ListAll { arg: name, values } => {
            on("all", arg(name), vec![Param::Scalars(values.clone())])
        }
        Atom::ListContains { arg: name, value } => on("any", arg(name), one(value.clone())),
    }
}

/// An integer comparison as the range of operands it accepts. `Eq` and `Ne`
/// are handled by the callers (`in`, and two ranges).
fn range(path: Vec<String>, op: CmpOp, v: i64) -> AtomDoc {
    // No integer is below i64::MIN or above i64::MAX: an empty range.
    const EMPTY: (i64, i64) = (1, 0);
    let (low, high) = match op {
        CmpOp::Lt => v.checked_sub(1).map_or(EMPTY, |h| (i64::MIN, h)),
        CmpOp::Le => (i64::MIN, v),
        CmpOp::Gt => v.checked_add(1).map_or(EMPTY, |l| (l, i64::MAX)),
        CmpOp::Ge => (v, i64::MAX),
        CmpOp::Eq => (v, v),
        // `atom_node` turns `!=` into two ranges before it gets here.
        CmpOp::Ne => EMPTY,
    };
    on(
        "range",
        path,
        vec![
            Param::Scalar(Scalar::Int(low)),
            Param::Scalar(Scalar::Int(high)),
        ],
    )
}

fn int_path(o: &IntOperand) -> Vec<String> {
    match o {
        IntOperand::Arg(a) => arg(a),
        IntOperand::MoneyMinor(a) => field(a, "minor"),
    }
}

fn str_path(o: &StrOperand) -> Vec<String> {
    match o {
        StrOperand::Arg(a) => arg(a),
        StrOperand::MoneyCurrency(a) => field(a, "currency"),
        StrOperand::Justification => justification(),
    }
}

/// `like`: only `*` is special. No star is equality, one star a
/// prefix/suffix test, more an anchored regular expression with every
/// literal part escaped (RE2 and Rust's regex accept the same escapes, and
/// `(?s)` lets `.` match newlines).
fn like(path: Vec<String>, pattern: &str) -> AtomDoc {
    let parts: Vec<&str> = pattern.split('*').collect();
    let text = |s: &str| Param::Scalar(Scalar::Str(s.to_string()));
    match parts.as_slice() {
        [only] => on(
            "in",
            path,
            vec![Param::Scalars(vec![Scalar::Str((*only).to_string())])],
        ),
        [prefix, suffix] => on("glob", path, vec![text(prefix), text(suffix)]),
        _ => {
            let body: Vec<String> = parts.iter().map(|p| regex_syntax::escape(p)).collect();
            let re = format!("(?s)^{}$", body.join(".*"));
            on("regex", path, vec![text(&re)])
        }
    }
}
