//! Drafts → statements → managed policies within AWS's size quotas.
//!
//! Drafts are merged only where the result means exactly their union: same
//! resources and conditions (actions are joined), then same actions and
//! conditions (resources are joined). Each statement gets a `Sid` derived
//! from the first rule behind it, so `AllowAwsS3GetObject0` reads as rule
//! `allow/aws_s3.get_object/0`. Statements are then packed, in order, into
//! as few managed policies as the 6,144-character quota allows; a statement
//! too large for one policy is split by resources, then condition values,
//! then actions, which keeps its meaning.

use super::document::{self, Conditions, Effect, OneOrMany, PolicyDocument, Statement};
use super::grants::Draft;
use std::collections::BTreeSet;

/// Characters of a managed policy, not counting whitespace (IAM quotas).
pub const MANAGED_POLICY_LIMIT: usize = 6_144;
/// Managed policies attached to one role, by default (adjustable to 20).
pub const MAX_POLICIES_PER_ROLE: usize = 10;

/// A draft with its effect and the rule it came from.
pub struct Tagged {
    pub effect: Effect,
    pub draft: Draft,
    pub rule: String,
}

/// A final statement and the rules behind it.
#[derive(Debug, Clone)]
pub struct Traced {
    pub statement: Statement,
    pub rules: Vec<String>,
}

struct Group {
    effect: Effect,
    actions: Vec<String>,
    resources: Vec<String>,
    conditions: Conditions,
    rules: Vec<String>,
}

/// Merges drafts and names the statements; `agent` is stripped from rule ids.
pub fn statements(agent: &str, drafts: Vec<Tagged>) -> Vec<Traced> {
    let mut groups: Vec<Group> = Vec::new();
    for t in drafts {
        let mut actions = t.draft.actions;
        actions.sort();
        actions.dedup();
        match groups.iter_mut().find(|g| {
            g.effect == t.effect
                && g.resources == t.draft.resources
                && g.conditions == t.draft.conditions
        }) {
            Some(g) => {
                g.actions.extend(actions);
                g.actions.sort();
                g.actions.dedup();
                push_unique(&mut g.rules, t.rule);
            }
            None => groups.push(Group {
                effect: t.effect,
                actions,
                resources: t.draft.resources,
                conditions: t.draft.conditions,
                rules: vec![t.rule],
            }),
        }
    }
    let mut merged: Vec<Group> = Vec::new();
    for g in groups {
        match merged.iter_mut().find(|m| {
            m.effect == g.effect && m.actions == g.actions && m.conditions == g.conditions
        }) {
            Some(m) => {
                m.resources.extend(g.resources);
                m.resources.sort();
                m.resources.dedup();
                for r in g.rules {
                    push_unique(&mut m.rules, r);
                }
            }
            None => merged.push(g),
        }
    }
    // Denies first: a reader sees what is forbidden before what is allowed.
    merged.sort_by_key(|g| g.effect != Effect::Deny);
    let mut used = BTreeSet::new();
    merged
        .into_iter()
        .map(|g| {
            let base = g
                .rules
                .first()
                .map(|r| sid_base(agent, r))
                .unwrap_or_default();
            Traced {
                statement: Statement {
                    sid: unique(&mut used, base),
                    effect: g.effect,
                    principal: None,
                    action: OneOrMany::new(g.actions),
                    resource: Some(OneOrMany::new(g.resources)),
                    condition: (!g.conditions.is_empty()).then_some(g.conditions),
                },
                rules: g.rules,
            }
        })
        .collect()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// `bot/allow/aws_s3.get_object/0` → `AllowAwsS3GetObject0` (IAM wants
/// alphanumeric Sids).
pub fn sid_base(agent: &str, rule: &str) -> String {
    let rule = rule
        .strip_prefix(agent)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(rule);
    let mut out = String::new();
    for word in rule.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() {
        out.push_str("Statement");
    }
    out
}

fn unique(used: &mut BTreeSet<String>, base: String) -> String {
    let mut sid = base.clone();
    let mut n = 2;
    while used.contains(&sid) {
        sid = format!("{base}N{n}");
        n += 1;
    }
    used.insert(sid.clone());
    sid
}

fn doc(statements: Vec<Statement>) -> PolicyDocument {
    PolicyDocument {
        version: document::VERSION.to_string(),
        statement: statements,
    }
}

/// Splits a statement until each part fits a policy on its own; `Err` with
/// the smallest part when even that does not fit.
fn split(t: Traced, limit: usize) -> Result<Vec<Traced>, Box<Traced>> {
    if document::size(&doc(vec![t.statement.clone()])) <= limit {
        return Ok(vec![t]);
    }
    let halves = |v: Vec<&str>| {
        let mid = v.len() / 2;
        let (a, b) = v.split_at(mid);
        (
            OneOrMany::new(a.iter().map(|s| s.to_string()).collect()),
            OneOrMany::new(b.iter().map(|s| s.to_string()).collect()),
        )
    };
    let mut a = t.clone();
    let mut b = t.clone();
    let resources = t
        .statement
        .resource
        .as_ref()
        .map(|r| r.values())
        .unwrap_or_default();
    let widest_condition = t.statement.condition.as_ref().and_then(|c| {
        c.iter()
            .flat_map(|(op, keys)| keys.iter().map(move |(k, v)| (op, k, v.values().len())))
            .filter(|(_, _, n)| *n > 1)
            .max_by_key(|(_, _, n)| *n)
            .map(|(op, k, _)| (op.clone(), k.clone()))
    });
    if resources.len() > 1 {
        let (x, y) = halves(resources);
        a.statement.resource = Some(x);
        b.statement.resource = Some(y);
    } else if let Some((op, key)) = widest_condition {
        // Values of one key are alternatives: each half allows part of them.
        let values = t
            .statement
            .condition
            .as_ref()
            .and_then(|c| c.get(&op))
            .and_then(|k| k.get(&key))
            .map(|v| v.values())
            .unwrap_or_default();
        let (x, y) = halves(values);
        for (part, vals) in [(&mut a, x), (&mut b, y)] {
            if let Some(slot) = part
                .statement
                .condition
                .as_mut()
                .and_then(|c| c.get_mut(&op))
                .and_then(|k| k.get_mut(&key))
            {
                *slot = vals;
            }
        }
    } else if t.statement.action.values().len() > 1 {
        let (x, y) = halves(t.statement.action.values());
        a.statement.action = x;
        b.statement.action = y;
    } else {
        return Err(Box::new(t));
    }
    let mut out = split(a, limit)?;
    out.extend(split(b, limit)?);
    Ok(out)
}

/// Policies of at most `limit` characters each, in order; `Err` with the
/// statement that cannot fit any policy.
pub fn pack(statements: Vec<Traced>, limit: usize) -> Result<Vec<Vec<Traced>>, Box<Traced>> {
    let mut parts = Vec::new();
    let mut used: BTreeSet<String> = statements.iter().map(|t| t.statement.sid.clone()).collect();
    for t in statements {
        let sid = t.statement.sid.clone();
        let pieces = split(t, limit)?;
        if pieces.len() == 1 {
            parts.extend(pieces);
            continue;
        }
        for (i, mut p) in pieces.into_iter().enumerate() {
            p.statement.sid = unique(&mut used, format!("{sid}P{}", i + 1));
            parts.push(p);
        }
    }
    let mut policies: Vec<Vec<Traced>> = Vec::new();
    for t in parts {
        let fits = policies.last().is_some_and(|current| {
            let mut trial: Vec<Statement> = current.iter().map(|x| x.statement.clone()).collect();
            trial.push(t.statement.clone());
            document::size(&doc(trial)) <= limit
        });
        match policies.last_mut() {
            Some(current) if fits => current.push(t),
            _ => policies.push(vec![t]),
        }
    }
    Ok(policies)
}

/// The document of one packed policy.
pub fn document_of(policy: &[Traced]) -> PolicyDocument {
    doc(policy.iter().map(|t| t.statement.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_alphanumeric_and_traceable() {
        assert_eq!(
            sid_base("bot", "bot/allow/aws_s3.get_object/0"),
            "AllowAwsS3GetObject0"
        );
        assert_eq!(sid_base("bot", "bot/deny/x.y/12"), "DenyXY12");
    }

    #[test]
    fn large_statements_split_and_pack_under_the_limit() {
        let resources: Vec<String> = (0..400)
            .map(|i| format!("arn:aws:s3:::bucket-{i:04}/*"))
            .collect();
        let t = Traced {
            statement: Statement {
                sid: "AllowX".into(),
                effect: Effect::Allow,
                principal: None,
                action: OneOrMany::new(vec!["s3:GetObject".into()]),
                resource: Some(OneOrMany::new(resources.clone())),
                condition: None,
            },
            rules: vec!["bot/allow/x/0".into()],
        };
        let policies = pack(vec![t], MANAGED_POLICY_LIMIT).unwrap_or_default();
        assert!(policies.len() > 1);
        let mut seen = Vec::new();
        for p in &policies {
            assert!(document::size(&document_of(p)) <= MANAGED_POLICY_LIMIT);
            for t in p {
                seen.extend(
                    t.statement
                        .resource
                        .iter()
                        .flat_map(|r| r.values())
                        .map(String::from),
                );
            }
        }
        seen.sort();
        assert_eq!(seen, resources);
    }
}
