//! The role's trust policy against the one the IAM backend generates: who
//! may assume the role. A given Allow statement that lets a principal the
//! generated policy does not trust (`"AWS": "*"`, another account, a
//! service) assume the role, or lets the trusted one assume it without the
//! generated conditions (EKS Pod Identity's namespace and service-account
//! session tags), is reported with a witness principal and request context.

use super::cond::{context_json, witness_context, Blocker, Clause};
use super::iam::condition_notes;
use super::stmt::{Principals, Stmt};
use super::TRUST_WIDER;
use crate::backend::iam::role;
use crate::diagnostics::Diagnostic;
use crate::model::Agent;
use crate::source::Span;
use serde_json::json;

const ASSUME: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/// The account of an `AWS` principal: a bare account id or an ARN's.
fn account_of(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    value.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Whether the generated principal `(gk, gv)` trusts `(kind, value)`: the
/// same service or provider, or an account root that covers principals of
/// its account.
fn trusted(gk: &str, gv: &str, kind: &str, value: &str) -> bool {
    if gk != kind {
        return false;
    }
    if kind == "AWS" {
        if gv == value {
            return true;
        }
        let root = gv.ends_with(":root") || account_of(gv) == Some(gv);
        return root && account_of(gv).is_some() && account_of(gv) == account_of(value);
    }
    gv.eq_ignore_ascii_case(value)
}

fn principal_matches(p: &Principals, kind: &str, value: &str) -> bool {
    let hit = |list: &[(String, String)]| {
        list.iter().any(|(k, v)| {
            k == "*"
                || (k == kind
                    && (super::glob::matches(v, value, false) || trusted(k, v, kind, value)))
        })
    };
    match p {
        Principals::Only(l) => hit(l),
        Principals::Except(l) => !hit(l),
    }
}

/// Concrete principals a statement lets assume the role: the listed ones,
/// with `*` and wildcards replaced by a principal of another account.
fn candidates(p: &Principals, own_account: &str) -> Vec<(String, String)> {
    let other = if own_account == "999999999999" {
        "888888888888"
    } else {
        "999999999999"
    };
    let stranger = ("AWS".to_string(), format!("arn:aws:iam::{other}:root"));
    let mut out = Vec::new();
    match p {
        Principals::Only(list) => {
            for (k, v) in list {
                if k == "*" || v.contains(['*', '?']) {
                    out.push(stranger.clone());
                    if k != "*" && k != "AWS" {
                        out.push((k.clone(), v.replace('*', "agentpol-witness")));
                    }
                } else if k == "AWS" && account_of(v) == Some(v.as_str()) {
                    out.push((k.clone(), format!("arn:aws:iam::{v}:root")));
                } else {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
        Principals::Except(_) => out.push(stranger),
    }
    out
}

/// A finding for the first principal, action and request context `t`
/// allows to assume the role and neither the generated trust policy nor a
/// Deny of the given one covers.
pub fn wider<'a>(
    agent: &Agent,
    t: &Stmt,
    label: &str,
    span: Span,
    generated: &[Stmt],
    given: impl Iterator<Item = &'a Stmt>,
) -> Option<Diagnostic> {
    let principals = t.principals.as_ref()?;
    let denies: Vec<&Stmt> = given.filter(|s| s.effect != t.effect).collect();
    let own = agent
        .aws_role
        .as_deref()
        .and_then(|r| role::parse_role_arn(r).ok())
        .map(|r| r.account)
        .unwrap_or_default();
    for (kind, value) in candidates(principals, &own) {
        if !principal_matches(principals, &kind, &value) {
            continue;
        }
        for action in ASSUME.iter().filter(|a| t.actions.matches(a, true)) {
            let covering: Vec<&Stmt> = generated
                .iter()
                .filter(|g| g.effect == t.effect)
                .filter(|g| g.actions.matches(action, true))
                .filter(|g| {
                    g.principals
                        .as_ref()
                        .is_some_and(|p| matches!(p, Principals::Only(l) if l.iter().any(|(gk, gv)| trusted(gk, gv, &kind, &value))))
                })
                .chain(denies.iter().copied().filter(|d| {
                    d.actions.matches(action, true)
                        && d.principals.as_ref().is_some_and(|p| principal_matches(p, &kind, &value))
                }))
                .collect();
            let blocks: Vec<Blocker<'_>> = covering
                .iter()
                .map(|s| Blocker {
                    clauses: &s.condition,
                })
                .collect();
            let Some((ctx, truth)) = witness_context(&t.condition, &blocks) else {
                continue;
            };
            let same: Vec<&Stmt> = covering
                .iter()
                .copied()
                .filter(|s| s.effect == t.effect)
                .collect();
            let mut witness =
                json!({"principal": {kind.as_str(): value}, "action": action, "statement": label});
            if !ctx.is_empty() {
                witness["context"] = context_json(&ctx);
            }
            let mut d = Diagnostic::new(
                TRUST_WIDER,
                format!(
                    "{label} lets `{kind}` principal `{value}` assume the role of agent `{}`, which the declaration does not",
                    agent.name
                ),
            )
            .primary(span, "trusts more than the declaration")
            .help(format!(
                "use the generated `iam/{}/trust-policy.json` as the role's trust policy",
                agent.name
            ))
            .witness(witness);
            if same.is_empty() {
                let expected: Vec<String> = generated
                    .iter()
                    .filter_map(|g| match &g.principals {
                        Some(Principals::Only(l)) => {
                            Some(l.iter().map(|(k, v)| format!("`{k}` `{v}`")))
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                d = d.note(format!(
                    "the generated trust policy trusts only {}",
                    if expected.is_empty() {
                        "no one".to_string()
                    } else {
                        expected.join(", ")
                    }
                ));
            } else {
                let missing: Vec<String> = same
                    .iter()
                    .flat_map(|s| s.condition.iter())
                    .filter(|c| !t.condition.contains(c))
                    .map(|c| {
                        format!(
                            "`{}` on `{}` ({})",
                            c.operator,
                            c.key,
                            c.values.iter().cloned().collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                d = d.note(format!(
                    "the generated trust policy trusts this principal only under {}, which this statement does not require",
                    missing.join(", ")
                ));
            }
            let unknown: Vec<&Clause> = covering
                .iter()
                .flat_map(|s| s.condition.iter())
                .filter(|c| c.is_unknown())
                .collect();
            d = condition_notes(d, &t.condition, &ctx, truth, &unknown);
            if let Some(s) = agent.spans.aws_role {
                d = d.secondary(s, "the agent's role");
            }
            return Some(d);
        }
    }
    None
}
