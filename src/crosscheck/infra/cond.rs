//! IAM `Condition` blocks, evaluated three-valued against a request context
//! that a witness chooses: condition key → its values, or absent.
//!
//! Modelled operators: `String(Not)Equals(IgnoreCase)`, `String(Not)Like`,
//! `Arn(Not)Equals`, `Arn(Not)Like`, `Bool`, `Numeric*`, `Date*` (compared
//! as instants: ISO 8601 dates and times, or epoch seconds), `Null`,
//! `(Not)IpAddress`, each with the `...IfExists` suffix and the
//! `ForAnyValue:` / `ForAllValues:` qualifiers over multivalued keys
//! (`ForAnyValue` holds when some value passes, and not when the key is
//! absent; `ForAllValues` when every value passes, and also when the key is
//! absent). A key is multivalued when a clause qualifies it or AWS's
//! reference types it `ArrayOf...`; a witness may give such a key several
//! values, and an unqualified operator on several values "may hold".
//! Anything else, and any value holding a policy variable (`${...}`),
//! evaluates to "may hold" ([`Truth::Unknown`]); callers say so in their
//! findings.

use super::glob::matches;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::True,
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::False,
        }
    }
}

/// A request context: key → its values (never empty; one for a
/// single-valued key); a key not in the map is absent.
pub type Context = BTreeMap<String, Vec<String>>;

/// The context as a witness shows it: a single value as a string, several
/// as an array.
pub fn context_json(ctx: &Context) -> Value {
    Value::Object(
        ctx.iter()
            .map(|(k, vs)| {
                let v = match vs.as_slice() {
                    [one] => Value::String(one.clone()),
                    many => Value::Array(many.iter().cloned().map(Value::String).collect()),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// One key's values in a note: `` `v` `` or `` [`a`, `b`] ``.
pub fn show_values(vs: &[String]) -> String {
    match vs {
        [one] => format!("`{one}`"),
        many => format!(
            "[{}]",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StrEq { fold: bool, neg: bool },
    Like { neg: bool },
    Bool,
    Num(Num),
    Date(Num),
    Null,
    Ip { neg: bool },
    Unknown,
}

impl Op {
    fn negated(self) -> bool {
        matches!(
            self,
            Op::StrEq { neg: true, .. }
                | Op::Like { neg: true }
                | Op::Ip { neg: true }
                | Op::Num(Num::Ne)
                | Op::Date(Num::Ne)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Single,
    AnyValue,
    AllValues,
}

/// One `operator: {key: values}` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// As written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    pub key: String,
    pub values: BTreeSet<String>,
    op: Op,
    if_exists: bool,
    qualifier: Qualifier,
}

impl Clause {
    /// Whether this clause's operator is not modelled.
    pub fn is_unknown(&self) -> bool {
        self.op == Op::Unknown
    }
}

fn parse_op(name: &str) -> Op {
    match name {
        "StringEquals" => Op::StrEq {
            fold: false,
            neg: false,
        },
        "StringNotEquals" => Op::StrEq {
            fold: false,
            neg: true,
        },
        "StringEqualsIgnoreCase" => Op::StrEq {
            fold: true,
            neg: false,
        },
        "StringNotEqualsIgnoreCase" => Op::StrEq {
            fold: true,
            neg: true,
        },
        "StringLike" | "ArnEquals" | "ArnLike" => Op::Like { neg: false },
        "StringNotLike" | "ArnNotEquals" | "ArnNotLike" => Op::Like { neg: true },
        "Bool" => Op::Bool,
        "NumericEquals" => Op::Num(Num::Eq),
        "NumericNotEquals" => Op::Num(Num::Ne),
        "NumericLessThan" => Op::Num(Num::Lt),
        "NumericLessThanEquals" => Op::Num(Num::Le),
        "NumericGreaterThan" => Op::Num(Num::Gt),
        "NumericGreaterThanEquals" => Op::Num(Num::Ge),
        "DateEquals" => Op::Date(Num::Eq),
        "DateNotEquals" => Op::Date(Num::Ne),
        "DateLessThan" => Op::Date(Num::Lt),
        "DateLessThanEquals" => Op::Date(Num::Le),
        "DateGreaterThan" => Op::Date(Num::Gt),
        "DateGreaterThanEquals" => Op::Date(Num::Ge),
        "Null" => Op::Null,
        "IpAddress" => Op::Ip { neg: false },
        "NotIpAddress" => Op::Ip { neg: true },
        _ => Op::Unknown,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses a `Condition` value. `Err` names what is not a condition block.
pub fn parse(v: &Value) -> Result<Vec<Clause>, String> {
    let Value::Object(ops) = v else {
        return Err("`Condition` is not an object".into());
    };
    let mut out = Vec::new();
    for (operator, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(format!(
                "`Condition` operator `{operator}` does not map keys to values"
            ));
        };
        let (qualifier, rest) = if let Some(r) = operator.strip_prefix("ForAnyValue:") {
            (Qualifier::AnyValue, r)
        } else if let Some(r) = operator.strip_prefix("ForAllValues:") {
            (Qualifier::AllValues, r)
        } else {
            (Qualifier::Single, operator.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) if b != "Null" => (true, b),
            _ => (false, rest),
        };
        let op = parse_op(base);
        for (key, vals) in keys {
            let values: Option<BTreeSet<String>> = match vals {
                Value::Array(a) => a.iter().map(scalar).collect(),
                other => scalar(other).map(|s| BTreeSet::from([s])),
            };
            let Some(values) = values else {
                return Err(format!(
                    "`Condition` key `{key}` has a value that is not a string, number or boolean"
                ));
            };
            out.push(Clause {
                operator: operator.clone(),
                key: key.clone(),
                values,
                op,
                if_exists,
                qualifier,
            });
        }
    }
    Ok(out)
}

fn cidr(s: &str) -> Option<(u32, u32)> {
    let (addr, len) = s.split_once('/').unwrap_or((s, "32"));
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(addr) & mask, mask))
}

/// An IAM date value as seconds since the epoch: an ISO 8601 date
/// (`2026-01-31`), date and time (`2026-01-31T12:00:00Z`, fractions and
/// offsets allowed), or epoch seconds.
fn instant(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc().timestamp());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// An instant as IAM writes it (`2026-01-31T12:00:00Z`).
fn show_instant(secs: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn compare(n: Num, x: f64, y: f64) -> bool {
    match n {
        Num::Eq | Num::Ne => x == y,
        Num::Lt => x < y,
        Num::Le => x <= y,
        Num::Gt => x > y,
        Num::Ge => x >= y,
    }
}

fn test_present(op: Op, value: &str, values: &BTreeSet<String>) -> Truth {
    let any = |f: &dyn Fn(&str) -> Option<bool>| -> Truth {
        let mut unknown = false;
        for v in values {
            match f(v) {
                Some(true) => return Truth::True,
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown {
            Truth::Unknown
        } else {
            Truth::False
        }
    };
    let base = match op {
        Op::StrEq { fold, .. } => any(&|p| {
            Some(if fold {
                p.eq_ignore_ascii_case(value)
            } else {
                p == value
            })
        }),
        Op::Like { .. } => any(&|p| Some(matches(p, value, false))),
        Op::Bool => any(&|p| Some(p.eq_ignore_ascii_case(value))),
        Op::Num(n) => {
            let Ok(x) = value.parse::<f64>() else {
                return Truth::False;
            };
            any(&|p| Some(compare(n, x, p.parse::<f64>().ok()?)))
        }
        Op::Date(n) => {
            let Some(x) = instant(value) else {
                return Truth::False;
            };
            any(&|p| Some(compare(n, x as f64, instant(p)? as f64)))
        }
        Op::Ip { .. } => {
            let Some((x, _)) = cidr(value) else {
                return Truth::False;
            };
            any(&|p| cidr(p).map(|(net, mask)| x & mask == net))
        }
        Op::Null | Op::Unknown => Truth::Unknown,
    };
    if op.negated() {
        match base {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    } else {
        base
    }
}

fn eval_clause(c: &Clause, ctx: &Context) -> Truth {
    if c.op == Op::Unknown || c.values.iter().any(|v| v.contains("${")) {
        return Truth::Unknown;
    }
    let values = ctx.get(&c.key).filter(|vs| !vs.is_empty());
    if c.op == Op::Null {
        let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return if values.is_none() == wants_absent {
            Truth::True
        } else {
            Truth::False
        };
    }
    let Some(values) = values else {
        let holds = match c.qualifier {
            Qualifier::AllValues => true,
            Qualifier::AnyValue => c.if_exists,
            Qualifier::Single => c.if_exists || c.op.negated(),
        };
        return if holds { Truth::True } else { Truth::False };
    };
    let each = values.iter().map(|v| test_present(c.op, v, &c.values));
    match (c.qualifier, values.as_slice()) {
        (Qualifier::Single, [one]) => test_present(c.op, one, &c.values),
        // A single-valued operator on several values: IAM leaves it undefined.
        (Qualifier::Single, _) => Truth::Unknown,
        (Qualifier::AnyValue, _) => each.fold(Truth::False, Truth::or),
        (Qualifier::AllValues, _) => each.fold(Truth::True, Truth::and),
    }
}

/// All clauses of a block hold (an empty block holds).
pub fn eval(clauses: &[Clause], ctx: &Context) -> Truth {
    clauses
        .iter()
        .fold(Truth::True, |t, c| t.and(eval_clause(c, ctx)))
}

/// `inner` holds whenever `outer` does because every clause of `inner` is
/// written, identically, in `outer` (how a statement copied from the
/// generated policy is recognised whatever its operators).
pub fn implied_by(inner: &[Clause], outer: &[Clause]) -> bool {
    inner.iter().all(|c| outer.contains(c))
}

/// Whether `key` may carry several values in one request: a clause
/// qualifies it with `ForAnyValue:` / `ForAllValues:`, or AWS's reference
/// types it `ArrayOf...`.
fn multivalued<'a>(key: &str, mut clauses: impl Iterator<Item = &'a Clause>) -> bool {
    clauses.any(|c| c.key == key && c.qualifier != Qualifier::Single)
        || crate::backend::iam::reference::get()
            .and_then(|r| r.condition_type(key))
            .is_some_and(crate::backend::iam::reference::is_multivalued)
}

/// Values worth trying for `key`: the fresh name first, then values derived
/// from every clause on the key, then (for a multivalued key) sets of them,
/// then absence (`None`).
fn candidates<'a>(
    key: &str,
    clauses: impl Iterator<Item = &'a Clause> + Clone,
) -> Vec<Option<Vec<String>>> {
    const FRESH: &str = "agentpol-witness";
    let mut single = vec![FRESH.to_string()];
    let mut written = Vec::new();
    for c in clauses.clone().filter(|c| c.key == key) {
        for v in &c.values {
            let filled = v.replace('*', FRESH).replace('?', "x");
            written.push(filled.clone());
            single.push(filled);
            match c.op {
                Op::Num(_) => {
                    if let Ok(n) = v.parse::<i64>() {
                        single.push((n.saturating_add(1)).to_string());
                        single.push((n.saturating_sub(1)).to_string());
                    }
                }
                Op::Date(_) => {
                    if let Some(t) = instant(v) {
                        single.extend(show_instant(t.saturating_add(1)));
                        single.extend(show_instant(t.saturating_sub(1)));
                    }
                }
                Op::Ip { .. } => {
                    if let Some((net, mask)) = cidr(v) {
                        single.push(Ipv4Addr::from(net).to_string());
                        single.push(Ipv4Addr::from(net ^ !mask).to_string());
                        single.push(
                            Ipv4Addr::from(net.wrapping_add(!mask).wrapping_add(1)).to_string(),
                        );
                    }
                }
                _ => {}
            }
        }
        if c.op == Op::Bool {
            single.push("true".into());
            single.push("false".into());
        }
    }
    let mut out: Vec<Option<Vec<String>>> = single.iter().map(|v| Some(vec![v.clone()])).collect();
    if multivalued(key, clauses) {
        // A written value beside one no policy names, and all written values
        // together (with and without the fresh one).
        for v in &written {
            out.push(Some(vec![v.clone(), FRESH.to_string()]));
        }
        out.push(Some(written.clone()));
        let mut all = written;
        all.push(FRESH.to_string());
        out.push(Some(all));
    }
    out.push(None);
    for vs in out.iter_mut().flatten() {
        vs.sort();
        vs.dedup();
    }
    let mut seen = BTreeSet::new();
    out.retain(|v| v.as_ref().is_none_or(|vs| !vs.is_empty()) && seen.insert(v.clone()));
    out
}

/// A blocker: a condition block that, when it holds (or is implied by the
/// allowing statement's block), stops the witness.
pub struct Blocker<'a> {
    pub clauses: &'a [Clause],
}

/// A context in which `allow` does not evaluate to false and no blocker
/// evaluates to true, searching the candidate values of every key the
/// blocks mention (bounded; `None` when none is found or a blocker is
/// implied by `allow`).
pub fn witness_context(allow: &[Clause], blockers: &[Blocker<'_>]) -> Option<(Context, Truth)> {
    if blockers.iter().any(|b| implied_by(b.clauses, allow)) {
        return None;
    }
    let all: Vec<&Clause> = allow
        .iter()
        .chain(blockers.iter().flat_map(|b| b.clauses.iter()))
        .collect();
    let keys: Vec<String> = all
        .iter()
        .map(|c| c.key.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cands: Vec<Vec<Option<Vec<String>>>> = keys
        .iter()
        .map(|k| candidates(k, all.iter().copied()))
        .collect();
    let mut idx = vec![0usize; keys.len()];
    let mut best: Option<(Context, Truth)> = None;
    for _ in 0..4096 {
        let ctx: Context = keys
            .iter()
            .zip(&idx)
            .zip(&cands)
            .filter_map(|((k, i), c)| c.get(*i).cloned().flatten().map(|v| (k.clone(), v)))
            .collect();
        let t = eval(allow, &ctx);
        if t != Truth::False
            && blockers
                .iter()
                .all(|b| eval(b.clauses, &ctx) != Truth::True)
        {
            if t == Truth::True {
                return Some((ctx, t));
            }
            best.get_or_insert((ctx, t));
        }
        // Odometer over the candidate lists.
        let mut pos = 0;
        loop {
            let Some(slot) = idx.get_mut(pos) else {
                return best;
            };
            *slot += 1;
            if *slot < cands[pos].len() {
                break;
            }
            *slot = 0;
            pos += 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(v: Value) -> Vec<Clause> {
        parse(&v).unwrap_or_default()
    }

    #[test]
    fn operators() {
        let c = block(json!({"StringLike": {"s3:prefix": "monthly/*"}}));
        let ctx = |k: &str, v: &str| Context::from([(k.to_string(), vec![v.to_string()])]);
        assert_eq!(eval(&c, &ctx("s3:prefix", "monthly/x")), Truth::True);
        assert_eq!(eval(&c, &ctx("s3:prefix", "daily/x")), Truth::False);
        assert_eq!(eval(&c, &Context::new()), Truth::False);
        let c = block(json!({"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}));
        assert_eq!(
            eval(&c, &Context::new()),
            Truth::True,
            "negated, key absent"
        );
        let c = block(json!({"NumericLessThanIfExists": {"s3:max-keys": 10}}));
        assert_eq!(eval(&c, &Context::new()), Truth::True);
        assert_eq!(eval(&c, &ctx("s3:max-keys", "11")), Truth::False);
        let c = block(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}));
        assert_eq!(eval(&c, &ctx("aws:SourceIp", "10.1.2.3")), Truth::True);
        assert_eq!(eval(&c, &ctx("aws:SourceIp", "11.1.2.3")), Truth::False);
        let c = block(json!({"Null": {"sts:ExternalId": "false"}}));
        assert_eq!(eval(&c, &Context::new()), Truth::False);
        let c = block(json!({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}));
        assert_eq!(eval(&c, &Context::new()), Truth::False);
        assert_eq!(eval(&c, &ctx("aws:CurrentTime", "2019-12-31")), Truth::True);
        assert_eq!(
            eval(&c, &ctx("aws:CurrentTime", "2019-12-31T23:59:59.500-01:00")),
            Truth::False,
            "an offset moves the instant past the bound"
        );
        assert_eq!(
            eval(&c, &ctx("aws:CurrentTime", "1577836800")),
            Truth::False
        );
        assert_eq!(eval(&c, &ctx("aws:CurrentTime", "1577836799")), Truth::True);
        assert_eq!(eval(&c, &ctx("aws:CurrentTime", "soon")), Truth::False);
        let c = block(json!({"DateGreaterThanEqualsIfExists": {"aws:EpochTime": "2020-01-01"}}));
        assert_eq!(eval(&c, &Context::new()), Truth::True);
        assert_eq!(
            eval(&c, &ctx("aws:EpochTime", "2020-01-01T00:00:00Z")),
            Truth::True
        );
        let c = block(json!({"DateNotEquals": {"aws:CurrentTime": "2020-01-01"}}));
        assert_eq!(
            eval(&c, &ctx("aws:CurrentTime", "2020-01-01T00:00:00+00:00")),
            Truth::False
        );
        let c = block(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}));
        assert_eq!(eval(&c, &Context::new()), Truth::True, "vacuous");
    }

    #[test]
    fn multivalued_keys() {
        let tags = |vs: &[&str]| {
            Context::from([(
                "aws:TagKeys".to_string(),
                vs.iter().map(|v| v.to_string()).collect(),
            )])
        };
        let any = block(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}));
        let all = block(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}));
        let single = block(json!({"StringEquals": {"aws:TagKeys": "a"}}));
        assert_eq!(eval(&any, &tags(&["a", "x"])), Truth::True);
        assert_eq!(eval(&any, &tags(&["x", "y"])), Truth::False);
        assert_eq!(
            eval(&any, &Context::new()),
            Truth::False,
            "absent: no value passes"
        );
        assert_eq!(eval(&all, &tags(&["a", "b"])), Truth::True);
        assert_eq!(eval(&all, &tags(&["a", "x"])), Truth::False);
        assert_eq!(eval(&single, &tags(&["a"])), Truth::True);
        assert_eq!(eval(&single, &tags(&["a", "x"])), Truth::Unknown);
        let not_any = block(json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "a"}}));
        assert_eq!(eval(&not_any, &tags(&["a", "x"])), Truth::True);
        assert_eq!(eval(&not_any, &tags(&["a"])), Truth::False);
        assert_eq!(eval(&not_any, &Context::new()), Truth::False);
    }

    #[test]
    fn a_wider_multivalued_condition_has_a_witness_with_several_values() {
        // Allowing when any tag key is `a` is wider than allowing only when
        // every tag key is: a request tagged `a` and something else shows it.
        let allow = block(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}));
        let gen = block(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}));
        let found = witness_context(&allow, &[Blocker { clauses: &gen }]);
        assert!(
            found.is_some(),
            "no witness for ForAnyValue against ForAllValues"
        );
        let (ctx, t) = found.unwrap_or((Context::new(), Truth::False));
        assert_eq!(t, Truth::True);
        assert_eq!(eval(&gen, &ctx), Truth::False);
        assert_eq!(
            context_json(&ctx),
            json!({"aws:TagKeys": ["a", "agentpol-witness"]})
        );
        // The converse is wider too, vacuously: `ForAllValues` holds when
        // the request has no tag keys at all, `ForAnyValue` does not.
        assert!(witness_context(&gen, &[Blocker { clauses: &allow }])
            .is_some_and(|(c, _)| !c.contains_key("aws:TagKeys")));
    }

    #[test]
    fn date_bounds_have_witnesses_one_second_apart() {
        let allow = block(json!({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}));
        let gen = block(json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}));
        let found = witness_context(&allow, &[Blocker { clauses: &gen }]);
        assert!(found.is_some(), "a later deadline is wider");
        let (ctx, t) = found.unwrap_or((Context::new(), Truth::False));
        assert_eq!(t, Truth::True);
        assert_eq!(eval(&gen, &ctx), Truth::False);
        assert_eq!(
            context_json(&ctx),
            json!({"aws:CurrentTime": "2029-12-31T23:59:59Z"})
        );
        assert!(witness_context(&gen, &[Blocker { clauses: &allow }]).is_none());
    }

    #[test]
    fn contexts() {
        let allow = block(json!({"Bool": {"aws:SecureTransport": "true"}}));
        let gen = block(json!({"StringLike": {"s3:prefix": "monthly/*"}}));
        let found = witness_context(&allow, &[Blocker { clauses: &gen }]);
        assert!(found.is_some());
        let (ctx, t) = found.unwrap_or((Context::new(), Truth::False));
        assert_eq!(t, Truth::True);
        assert_eq!(
            ctx.get("aws:SecureTransport").map(Vec::as_slice),
            Some(&["true".to_string()][..])
        );
        assert_eq!(eval(&gen, &ctx), Truth::False);
        // The same block never escapes itself, whatever its operators.
        let odd = block(json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}));
        assert!(witness_context(&odd, &[Blocker { clauses: &odd }]).is_none());
        let odd = block(json!({"BinaryEquals": {"aws:CurrentTime": "AAAA"}}));
        assert!(witness_context(&odd, &[Blocker { clauses: &odd }]).is_none());
        // A condition that cannot hold together with the blocker's negation.
        let narrow = block(json!({"StringEquals": {"s3:prefix": "monthly/a"}}));
        assert!(witness_context(&narrow, &[Blocker { clauses: &gen }]).is_none());
    }
}
