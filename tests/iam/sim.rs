//! A small IAM policy evaluator, written from the IAM User Guide's "policy
//! evaluation logic" and "condition operators" pages, for the operators the
//! backend emits. It turns a tool call into the AWS request IAM would see
//! (action, resource ARN, condition-key values) and decides it: an explicit
//! Deny wins, then any Allow, else the implicit deny.

use agentpol::backend::iam::document::{Effect, OneOrMany, PolicyDocument, Statement};
use agentpol::model::aws::{parse_arn_template, ArnPart};
use agentpol::model::Tool;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What IAM sees of one call: the action, the resource ARN and the
/// condition-key values (absent keys are missing from the map).
#[derive(Debug, Clone)]
pub struct AwsRequest {
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, Vec<String>>,
}

/// The AWS requests a tool call makes: one per action of each mapping, in
/// account `account`, region `us-east-1`. Secrets get AWS's six-character
/// suffix, as real secret ARNs do.
pub fn requests(tool: &Tool, args: &Map<String, Value>, account: &str) -> Vec<AwsRequest> {
    let mut out = Vec::new();
    for m in &tool.aws {
        let mut resource = String::new();
        match &m.arn {
            None => resource.push('*'),
            Some(t) => {
                for part in parse_arn_template(t).unwrap() {
                    match part {
                        ArnPart::Text(s) => resource.push_str(&s.replace("??????", "AbCdEf")),
                        ArnPart::Partition => resource.push_str("aws"),
                        ArnPart::Region => resource.push_str("us-east-1"),
                        ArnPart::Account => resource.push_str(account),
                        ArnPart::Arg(a) => resource.push_str(args[&a].as_str().unwrap()),
                    }
                }
            }
        }
        let mut context = BTreeMap::new();
        for c in &m.conditions {
            let Some(v) = args.get(&c.arg) else { continue };
            let values: Vec<String> = match v {
                Value::Array(items) => items.iter().map(scalar).collect(),
                other => vec![scalar(other)],
            };
            context.insert(c.key.clone(), values);
        }
        for a in &m.actions {
            out.push(AwsRequest {
                action: a.clone(),
                resource: resource.clone(),
                context: context.clone(),
            });
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// IAM's decision over several attached policies.
pub fn allowed(policies: &[PolicyDocument], req: &AwsRequest) -> bool {
    let statements: Vec<&Statement> = policies.iter().flat_map(|p| &p.statement).collect();
    let hit = |effect: Effect| {
        statements
            .iter()
            .any(|s| s.effect == effect && matches(s, req))
    };
    !hit(Effect::Deny) && hit(Effect::Allow)
}

fn matches(s: &Statement, req: &AwsRequest) -> bool {
    let action = s.action.values().iter().any(|a| {
        let (svc, name) = a.split_once(':').unwrap();
        let (rsvc, rname) = req.action.split_once(':').unwrap();
        svc.eq_ignore_ascii_case(rsvc) && like(&name.to_lowercase(), &rname.to_lowercase())
    });
    let resource = s
        .resource
        .as_ref()
        .is_some_and(|r| r.values().iter().any(|p| like(p, &req.resource)));
    let conditions = s.condition.as_ref().is_none_or(|c| {
        c.iter().all(|(op, keys)| {
            keys.iter()
                .all(|(key, values)| condition(op, req.context.get(key), values))
        })
    });
    action && resource && conditions
}

/// IAM's wildcard match: `*` any run, `?` one character, `${*}`, `${?}` and
/// `${$}` the literal characters. Any other `${...}` is a policy variable,
/// which the backend must never emit.
pub fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Any,
        One,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}').expect("unclosed ${");
            let lit = &after[..end];
            assert!(
                matches!(lit, "*" | "?" | "$"),
                "policy variable `${{{lit}}}` in {pattern:?}"
            );
            toks.push(Tok::Char(lit.chars().next().unwrap()));
            rest = &after[end + 1..];
            continue;
        }
        toks.push(match c {
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Char(c),
        });
        rest = &rest[c.len_utf8()..];
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard DP over (pattern token, text position).
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for t in toks {
        let mut next = vec![false; text.len() + 1];
        for i in 0..=text.len() {
            if !reach[i] {
                continue;
            }
            match t {
                Tok::Any => {
                    for n in next.iter_mut().skip(i) {
                        *n = true;
                    }
                }
                Tok::One if i < text.len() => next[i + 1] = true,
                Tok::Char(c) if i < text.len() && text[i] == c => next[i + 1] = true,
                _ => {}
            }
        }
        reach = next;
    }
    reach[text.len()]
}

/// One operator on one key: `present` is the request's values, if any.
fn condition(op: &str, present: Option<&Vec<String>>, policy: &OneOrMany) -> bool {
    let values = policy.values();
    if op == "Null" {
        let want_absent = values == ["true"];
        return present.is_none() == want_absent;
    }
    let (qualifier, base) = match op.split_once(':') {
        Some((q, b)) => (Some(q), b),
        None => (None, op),
    };
    let (base, if_exists) = match base.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (base, false),
    };
    let negated = matches!(
        base,
        "StringNotEquals" | "StringNotLike" | "NumericNotEquals"
    );
    let one = |v: &str| -> bool {
        let hit = |p: &&str| match base {
            "StringEquals" | "StringNotEquals" => unescape(p) == v,
            "StringLike" | "StringNotLike" => like(p, v),
            "Bool" => *p == v,
            "NumericEquals" | "NumericNotEquals" => num(p) == num(v),
            "NumericLessThan" => num(v) < num(p),
            "NumericLessThanEquals" => num(v) <= num(p),
            "NumericGreaterThan" => num(v) > num(p),
            "NumericGreaterThanEquals" => num(v) >= num(p),
            other => panic!("operator {other} not simulated"),
        };
        if negated {
            !values.iter().any(hit)
        } else {
            values.iter().any(hit)
        }
    };
    match (qualifier, present) {
        (Some("ForAllValues"), None) => true,
        (Some("ForAllValues"), Some(vs)) => vs.iter().all(|v| one(v)),
        (Some("ForAnyValue"), None) => false,
        (Some("ForAnyValue"), Some(vs)) => vs.iter().any(|v| one(v)),
        (Some(q), _) => panic!("qualifier {q} not simulated"),
        (None, None) => if_exists || negated,
        (None, Some(vs)) => {
            assert_eq!(vs.len(), 1, "single-valued operator on a multivalued key");
            one(&vs[0])
        }
    }
}

fn num(s: &str) -> i64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

/// `${$}` → `$` in a string compared exactly (policy variables are
/// substituted in condition values too).
fn unescape(s: &str) -> String {
    assert!(
        !s.replace("${$}", "").contains("${"),
        "policy variable in {s:?}"
    );
    s.replace("${$}", "$")
}

#[test]
fn wildcards_and_escapes() {
    assert!(like("arn:aws:s3:::x/*", "arn:aws:s3:::x/a/b"));
    assert!(like("a?c", "abc"));
    assert!(!like("a?c", "ac"));
    assert!(like("a${*}b", "a*b"));
    assert!(!like("a${*}b", "axb"));
    assert!(like("${$}x", "$x"));
    assert!(like("*", ""));
}
