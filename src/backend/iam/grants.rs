//! One rule (a grant or a deny of one tool) → statement drafts, and notes on
//! what IAM could not express.
//!
//! For each AWS mapping of the tool and each disjunct of the rule's
//! condition (see [`super::dnf`]), a literal is either
//! - a *pin* of an ARN placeholder (`bucket == "x"`, `key like "a/*"`), which
//!   narrows the statement's `Resource`;
//! - a test of an argument the mapping ties to a condition key, which becomes
//!   a `Condition` with the operator that has the same meaning, absent values
//!   included (`IfExists` and the negated operators are chosen so; `has`
//!   is never translated, see [`operator`]);
//! - or left over: IAM then allows more than the policy, and the literal is
//!   reported as enforced by OPA/Cedar only. Never silently widened.

use super::dnf::{self, Lit, Pat};
use super::document::Conditions;
use super::document::OneOrMany;
use super::reference;
use crate::model::aws::{parse_arn_template, ArnPart};
use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{ArgSpec, Atom, AwsMapping, Cond, Scalar, Tool, Type};
use crate::syntax::ast::CmpOp;
use std::collections::BTreeSet;

/// What the agent's role ARN fixes in every ARN template.
pub struct ArnEnv<'a> {
    pub partition: &'a str,
    pub account: &'a str,
}

/// A statement before merging: one mapping, one disjunct, one rule.
#[derive(Debug, Clone)]
pub struct Draft {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: Conditions,
}

/// Why part of a rule is not (exactly) in IAM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// IAM allows calls this literal would refuse.
    Widened { what: String, why: String },
    /// A placeholder no grant pins: its ARN segment is `*`. Exact, but worth
    /// knowing.
    Wildcard {
        placeholder: String,
        actions: String,
    },
}

pub struct Translation {
    pub drafts: Vec<Draft>,
    pub gaps: BTreeSet<Gap>,
}

/// Translates `cond` for every AWS mapping of `tool`.
pub fn translate(env: &ArnEnv<'_>, tool: &Tool, cond: &Cond) -> Translation {
    let mut out = Translation {
        drafts: Vec::new(),
        gaps: BTreeSet::new(),
    };
    let disjuncts = match dnf::dnf(cond) {
        Some(d) => d,
        None => {
            out.gaps.insert(Gap::Widened {
                what: "the whole condition".into(),
                why: format!(
                    "it has more than {} alternatives once expanded",
                    dnf::MAX_DISJUNCTS
                ),
            });
            vec![vec![]]
        }
    };
    for mapping in tool.aws.iter().filter(|m| !m.actions.is_empty()) {
        for disjunct in &disjuncts {
            if let Some(draft) = mapping_draft(env, tool, mapping, disjunct, &mut out.gaps) {
                out.drafts.push(draft);
            }
        }
    }
    out
}

fn mapping_draft(
    env: &ArnEnv<'_>,
    tool: &Tool,
    mapping: &AwsMapping,
    disjunct: &[Lit],
    gaps: &mut BTreeSet<Gap>,
) -> Option<Draft> {
    let actions = mapping.actions.join(", ");
    let parts = match &mapping.arn {
        Some(t) => parse_arn_template(t).ok()?,
        None => Vec::new(),
    };
    let placeholders: BTreeSet<&str> = parts
        .iter()
        .filter_map(|p| match p {
            ArnPart::Arg(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    let widened = |lit: &Lit, why: String| Gap::Widened {
        what: dnf::render(lit),
        why,
    };
    // Pins per placeholder, intersected; other literals go to conditions.
    let mut pins: Vec<(String, Vec<Pat>, Vec<Lit>)> = Vec::new();
    let mut conditions = Conditions::new();
    for lit in disjunct {
        if let Some((arg, pats)) = dnf::pin(lit).filter(|(a, _)| placeholders.contains(a)) {
            match pins.iter_mut().find(|(a, _, _)| a == arg) {
                None => pins.push((arg.to_string(), pats, vec![lit.clone()])),
                Some((_, have, lits)) => match dnf::intersect(have, &pats) {
                    Some(both) if both.is_empty() => return None, // never holds
                    Some(both) => {
                        *have = both;
                        lits.push(lit.clone());
                    }
                    None => {
                        gaps.insert(widened(
                            lit,
                            format!("two `like` patterns on one ARN segment (for {actions})"),
                        ));
                    }
                },
            }
            continue;
        }
        if let Err(why) = condition(tool, mapping, lit, &mut conditions) {
            gaps.insert(widened(lit, format!("{why} (for {actions})")));
        }
    }
    // Render the ARN; a pin after an earlier wildcard is only approximate,
    // because IAM's `*` also matches the `/` or `:` that follows it.
    let mut resources: Vec<String> = vec![String::new()];
    let mut wild_before = false;
    for (i, part) in parts.iter().enumerate() {
        let candidates: Vec<String> = match part {
            ArnPart::Text(t) => {
                if t.contains('*') {
                    wild_before = true;
                }
                vec![t.clone()]
            }
            ArnPart::Partition => vec![env.partition.to_string()],
            ArnPart::Account => vec![env.account.to_string()],
            // A region holds no `:`, so its `*` cannot reach the next segment.
            ArnPart::Region => vec!["*".to_string()],
            ArnPart::Arg(arg) => {
                let separator = match parts.get(i + 1) {
                    Some(ArnPart::Text(t)) => t.chars().next().filter(|c| matches!(c, '/' | ':')),
                    _ => None,
                };
                let pinned = pins.iter().find(|(a, _, _)| a == arg);
                match pinned.map(|(_, pats, lits)| (usable(pats, separator), lits)) {
                    Some((Ok(rendered), lits)) => {
                        if wild_before {
                            for lit in lits {
                                gaps.insert(widened(lit, format!("an earlier part of the ARN is a wildcard, and IAM's `*` also matches `/` and `:`, so IAM only approximates this (for {actions})")));
                            }
                        }
                        if rendered.iter().any(|r| has_wildcard(r)) {
                            wild_before = true;
                        }
                        rendered
                    }
                    Some((Err(why), lits)) => {
                        for lit in lits {
                            gaps.insert(widened(lit, format!("{why} (for {actions})")));
                        }
                        wild_before = true;
                        vec!["*".to_string()]
                    }
                    None => {
                        gaps.insert(Gap::Wildcard {
                            placeholder: format!("{{{arg}}}"),
                            actions: actions.clone(),
                        });
                        wild_before = true;
                        vec!["*".to_string()]
                    }
                }
            }
        };
        resources = resources
            .iter()
            .flat_map(|r| candidates.iter().map(move |c| format!("{r}{c}")))
            .collect();
    }
    if mapping.arn.is_none() {
        resources = vec!["*".to_string()];
    }
    resources.sort();
    resources.dedup();
    Some(Draft {
        actions: mapping.actions.clone(),
        resources,
        conditions,
    })
}

/// The ARN text of each pattern, or why the pin cannot be used.
fn usable(pats: &[Pat], separator: Option<char>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for p in pats {
        let text = p.text();
        if let Some(sep) = separator.filter(|s| text.contains(*s)) {
            return Err(format!(
                "the value contains `{sep}`, which would reach into the next part of the ARN"
            ));
        }
        if !representable(text) {
            return Err("the value has characters an IAM policy cannot hold".into());
        }
        out.push(match p {
            Pat::Lit(s) => escape(s, true),
            Pat::Glob(g) => g
                .split('*')
                .map(|piece| escape(piece, true))
                .collect::<Vec<_>>()
                .join("*"),
        });
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// IAM policy documents hold tab, newline, carriage return and U+0020 to
/// U+00FF; in a value compared with a request (an ARN, a condition value)
/// only the printable ones are accepted here, so no value depends on how
/// IAM treats control characters.
pub fn representable(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, ' '..='~' | '\u{a0}'..='\u{ff}'))
}

/// Escapes policy-variable syntax, and with `like` also IAM's wildcards, so a
/// value means itself: `${$}`, `${*}`, `${?}`.
fn escape(s: &str, like: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '$' => out.push_str("${$}"),
            '*' if like => out.push_str("${*}"),
            '?' if like => out.push_str("${?}"),
            c => out.push(c),
        }
    }
    out
}

/// Whether an ARN holds a wildcard that is not an escape.
fn has_wildcard(arn: &str) -> bool {
    arn.replace("${*}", "")
        .replace("${?}", "")
        .contains(['*', '?'])
}

/// Adds the IAM condition equivalent to `lit`, or says why there is none.
fn condition(
    tool: &Tool,
    mapping: &AwsMapping,
    lit: &Lit,
    out: &mut Conditions,
) -> Result<(), String> {
    let Some(arg) = operand_arg(&lit.atom) else {
        return Err("IAM sees no such value".into());
    };
    let Some(key) = mapping.conditions.iter().find(|c| c.arg == arg) else {
        return Err(format!("no IAM condition key carries `{arg}`"));
    };
    let Some(spec) = tool.args.get(arg) else {
        return Err(format!("`{arg}` is not an argument"));
    };
    let key_type = reference::get().and_then(|r| r.condition_type(&key.key));
    let multivalued = match key_type {
        Some(t) => reference::is_multivalued(t),
        None => matches!(spec.ty, Type::List { .. }),
    };
    let (op, values) = operator(lit, spec, multivalued)
        .map_err(|why| format!("{why} with condition key `{}`", key.key))?;
    if !values.iter().all(|v| representable(v)) {
        return Err("the value has characters an IAM policy cannot hold".into());
    }
    let slot = out.entry(op.clone()).or_default();
    if slot.contains_key(&key.key) {
        // Values of one key in one operator are alternatives, not a conjunction.
        return Err(format!(
            "`{}` is already tested with `{op}` in this statement",
            key.key
        ));
    }
    slot.insert(key.key.clone(), OneOrMany::new(values));
    Ok(())
}

fn operand_arg(atom: &Atom) -> Option<&str> {
    match atom {
        Atom::Has(StrOrArg::Arg(a)) | Atom::BoolIs { arg: a, .. } => Some(a),
        Atom::IntCmp {
            operand: IntOperand::Arg(a),
            ..
        } => Some(a),
        Atom::StrEq {
            operand: StrOperand::Arg(a),
            ..
        }
        | Atom::StrIn {
            operand: StrOperand::Arg(a),
            ..
        }
        | Atom::StrLike {
            operand: StrOperand::Arg(a),
            ..
        } => Some(a),
        Atom::ListAny { arg, .. } | Atom::ListAll { arg, .. } | Atom::ListContains { arg, .. } => {
            Some(arg)
        }
        _ => None,
    }
}

/// The operator and values with exactly the literal's meaning, absent
/// values included: a positive test is false on an absent value (so are
/// IAM's plain operators), a negated one true (IAM's negated operators, or
/// `IfExists`).
fn operator(lit: &Lit, spec: &ArgSpec, multivalued: bool) -> Result<(String, Vec<String>), String> {
    let strs = |vs: &[String], like: bool| vs.iter().map(|v| escape(v, like)).collect::<Vec<_>>();
    let glob = |p: &str| {
        p.split('*')
            .map(|piece| escape(piece, true))
            .collect::<Vec<_>>()
            .join("*")
    };
    let scalars = |vs: &[Scalar]| -> Result<(&'static str, Vec<String>), String> {
        if vs.iter().all(|v| matches!(v, Scalar::Int(_))) {
            Ok(("NumericEquals", vs.iter().map(scalar_text).collect()))
        } else if vs.iter().all(|v| matches!(v, Scalar::Str(_))) {
            Ok((
                "StringEquals",
                vs.iter().map(|v| escape(&scalar_text(v), false)).collect(),
            ))
        } else {
            Err("mixed value types".into())
        }
    };
    let scalar_arg = !matches!(spec.ty, Type::List { .. });
    let (pos, atom) = (lit.positive, &lit.atom);
    // Multivalued keys: `ForAnyValue` / `ForAllValues` with positive tests only
    // (negated operators under a set qualifier do not mean "none of").
    // Whether a service presents an absent parameter as an absent key, an
    // empty string or a default differs per key, so presence is left to the
    // policy engines rather than guessed.
    if let Atom::Has(_) = atom {
        return Err("IAM services differ in how they present a missing value".into());
    }
    if multivalued {
        if !pos {
            return Err("a negated test cannot be expressed on a multivalued key".into());
        }
        return match atom {
            Atom::ListAny { values, .. } => {
                let (op, v) = scalars(values)?;
                Ok((format!("ForAnyValue:{op}"), v))
            }
            Atom::ListContains { value, .. } => {
                let (op, v) = scalars(std::slice::from_ref(value))?;
                Ok((format!("ForAnyValue:{op}"), v))
            }
            // `ForAllValues` is true when the key is absent: exact only for a
            // value that every call carries.
            Atom::ListAll { values, .. } if !spec.optional => {
                let (op, v) = scalars(values)?;
                Ok((format!("ForAllValues:{op}"), v))
            }
            Atom::StrEq { value, .. } if scalar_arg && !spec.optional => Ok((
                "ForAllValues:StringEquals".into(),
                strs(std::slice::from_ref(value), false),
            )),
            Atom::StrIn { values, .. } if scalar_arg && !spec.optional => {
                Ok(("ForAllValues:StringEquals".into(), strs(values, false)))
            }
            Atom::StrLike { pattern, .. } if scalar_arg && !spec.optional => {
                Ok(("ForAllValues:StringLike".into(), vec![glob(pattern)]))
            }
            _ => Err("IAM would also allow calls without the value".into()),
        };
    }
    if matches!(spec.ty, Type::List { .. }) {
        return Err("a list argument needs a multivalued key".into());
    }
    Ok(match (atom, pos) {
        (Atom::StrEq { value, .. }, true) => (
            "StringEquals".into(),
            strs(std::slice::from_ref(value), false),
        ),
        (Atom::StrEq { value, .. }, false) => (
            "StringNotEquals".into(),
            strs(std::slice::from_ref(value), false),
        ),
        (Atom::StrIn { values, .. }, true) => ("StringEquals".into(), strs(values, false)),
        (Atom::StrIn { values, .. }, false) => ("StringNotEquals".into(), strs(values, false)),
        (Atom::StrLike { pattern, .. }, true) => ("StringLike".into(), vec![glob(pattern)]),
        (Atom::StrLike { pattern, .. }, false) => ("StringNotLike".into(), vec![glob(pattern)]),
        (Atom::BoolIs { value, .. }, true) => ("Bool".into(), vec![value.to_string()]),
        (Atom::BoolIs { value, .. }, false) => {
            let name = if spec.optional {
                "BoolIfExists"
            } else {
                "Bool"
            };
            (name.into(), vec![(!value).to_string()])
        }
        (Atom::IntCmp { op, value, .. }, _) => {
            // `!=` is `not ==`: both are true on an absent value, like
            // NumericNotEquals. Any other negation flips the comparison and
            // must stay true on an absent value: `IfExists`.
            let (name, if_exists) = match (op, pos) {
                (CmpOp::Eq, true) | (CmpOp::Ne, false) => ("NumericEquals", false),
                (CmpOp::Ne, true) | (CmpOp::Eq, false) => ("NumericNotEquals", false),
                (CmpOp::Lt, true) => ("NumericLessThan", false),
                (CmpOp::Le, true) => ("NumericLessThanEquals", false),
                (CmpOp::Gt, true) => ("NumericGreaterThan", false),
                (CmpOp::Ge, true) => ("NumericGreaterThanEquals", false),
                (CmpOp::Lt, false) => ("NumericGreaterThanEquals", true),
                (CmpOp::Le, false) => ("NumericGreaterThan", true),
                (CmpOp::Gt, false) => ("NumericLessThanEquals", true),
                (CmpOp::Ge, false) => ("NumericLessThan", true),
            };
            let name = if if_exists && spec.optional {
                format!("{name}IfExists")
            } else {
                name.to_string()
            };
            (name, vec![value.to_string()])
        }
        _ => return Err("this test has no IAM operator".into()),
    })
}

fn scalar_text(v: &Scalar) -> String {
    match v {
        Scalar::Str(s) => s.clone(),
        Scalar::Int(i) => i.to_string(),
    }
}
