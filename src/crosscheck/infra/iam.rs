//! IAM: the role's policies against the generated least-privilege policy,
//! and the role's `MaxSessionDuration` against the declared lifetime.

use super::glob::{has_wildcard, matches};
use super::{InfraFile, IAM_WIDER, INFRA_UNREADABLE, SESSION_LONGER};
use crate::backend::iam::document::{Effect, PolicyDocument, Statement};
use crate::backend::iam::{reference, role};
use crate::diagnostics::Diagnostic;
use crate::model::{Agent, Model};
use crate::source::Span;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A statement of a given file, with where it is.
struct Given {
    statement: Statement,
    label: String,
    span: Span,
}

/// Everything the IAM files say about one agent's role.
#[derive(Default)]
struct RoleFacts {
    allows: Vec<Given>,
    denies: Vec<Given>,
    /// (MaxSessionDuration, where it is written, file name).
    max_session: Vec<(u64, Span, String)>,
}

/// Checks the IAM files; `generated` maps agent → its generated identity
/// policy documents (`iam/<agent>/policy*.json`).
pub fn check(
    model: &Model,
    files: &[InfraFile<'_>],
    generated: &BTreeMap<String, Vec<PolicyDocument>>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut facts: BTreeMap<String, RoleFacts> = BTreeMap::new();
    for f in files.iter().filter(|f| f.path.ends_with(".json")) {
        read(model, f, &mut facts, &mut out);
    }
    for (agent_name, fact) in &facts {
        let Some(agent) = model.agents.get(agent_name) else {
            continue;
        };
        let granted = generated
            .get(agent_name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for g in &fact.allows {
            if let Some(d) = wider(agent, g, granted, &fact.denies) {
                out.push(d);
            }
        }
        let limit = role::sessions(agent.credential_ttl).max_session;
        for (secs, span, file) in &fact.max_session {
            if *secs > limit {
                let mut d = Diagnostic::new(SESSION_LONGER, format!("the role of agent `{}` allows sessions of {} but its credentials may live {}", agent.name, crate::model::format_duration(*secs), crate::model::format_duration(limit)))
                    .primary(*span, format!("`MaxSessionDuration` in `{file}`"))
                    .help(format!("set `MaxSessionDuration` to {limit} (the generated `iam/{}/role.json`)", agent.name))
                    .witness(json!({"max_session_duration": secs, "allowed": limit, "credentials_ttl": agent.credential_ttl}));
                if let Some(s) = agent.spans.credentials {
                    d = d.secondary(s, "the declared lifetime");
                }
                out.push(d);
            }
        }
    }
    out
}

/// The agent a role name or ARN belongs to.
fn by_role<'m>(model: &'m Model, name_or_arn: &str) -> Option<&'m Agent> {
    model.agents.values().find(|a| {
        a.aws_role.as_deref().is_some_and(|r| {
            r == name_or_arn || role::parse_role_arn(r).is_ok_and(|p| p.name == name_or_arn)
        })
    })
}

/// The agent a bare document belongs to: its file stem or folder names the
/// agent or its role.
fn by_path<'m>(model: &'m Model, path: &str) -> Option<&'m Agent> {
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".json"))
        .unwrap_or(path);
    let dir = path.rsplit('/').nth(1);
    [Some(stem), dir]
        .into_iter()
        .flatten()
        .find_map(|n| model.agents.get(n).or_else(|| by_role(model, n)))
}

fn read(
    model: &Model,
    f: &InfraFile<'_>,
    facts: &mut BTreeMap<String, RoleFacts>,
    out: &mut Vec<Diagnostic>,
) {
    let whole = Span::new(f.file, 0, f.text.find('\n').unwrap_or(f.text.len()));
    let skip = |why: String| {
        Diagnostic::new(INFRA_UNREADABLE, format!("`{}` is skipped: {why}", f.path))
            .primary(whole, "this file")
            .help("see `agentpol explain AP155` for the files `check --infra` compares")
    };
    let v: Value = match serde_json::from_str(f.text) {
        Ok(v) => v,
        Err(e) => return out.push(skip(format!("not valid JSON ({e})"))),
    };
    // get-role output, create-role input, get-role-policy output, or a bare document.
    let record = v.get("Role").unwrap_or(&v);
    let named = record
        .get("Arn")
        .or(record.get("RoleName"))
        .and_then(Value::as_str);
    let agent = match named {
        Some(n) => by_role(model, n),
        None => by_path(model, f.path),
    };
    let Some(agent) = agent else {
        return out.push(skip("it belongs to no agent: name the file or its folder after the agent or its role, or use `aws iam get-role` output".into()));
    };
    let fact = facts.entry(agent.name.clone()).or_default();
    if let Some(secs) = record.get("MaxSessionDuration").and_then(Value::as_u64) {
        let span = find(f, "\"MaxSessionDuration\"", 0).unwrap_or(whole);
        fact.max_session.push((secs, span, f.path.to_string()));
    }
    let doc = record.get("PolicyDocument").unwrap_or(record);
    let Some(statements) = doc.get("Statement") else {
        if named.is_none() {
            out.push(skip("no `Statement`".into()));
        }
        return;
    };
    let list: Vec<&Value> = match statements {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for (i, s) in list.into_iter().enumerate() {
        let sid = s
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty());
        let label = match sid {
            Some(sid) => format!("`{}` statement `{sid}`", f.path),
            None => format!("`{}` statement #{}", f.path, i + 1),
        };
        let span = sid
            .and_then(|sid| find(f, &format!("\"{sid}\""), 0))
            .or_else(|| find(f, "\"Effect\"", i))
            .unwrap_or(whole);
        match serde_json::from_value::<Statement>(s.clone()) {
            Ok(st) if st.principal.is_some() => {} // a trust policy statement
            Ok(st) => {
                let g = Given { statement: st, label, span };
                if g.statement.effect == Effect::Allow { fact.allows.push(g) } else { fact.denies.push(g) }
            }
            Err(e) if s.get("Principal").is_some() => {
                let _ = e; // trust statements with `"Principal": "*"` and the like: not a permission
            }
            Err(e) => out.push(
                Diagnostic::new(INFRA_UNREADABLE, format!("{label} is not compared: {e}"))
                    .primary(span, "this statement")
                    .help("agentpol compares Effect, Action, Resource and Condition; rewrite `NotAction` / `NotResource` as explicit lists, or review the statement by hand"),
            ),
        }
    }
}

/// The `n`-th occurrence of `needle` in the file, as a span.
fn find(f: &InfraFile<'_>, needle: &str, n: usize) -> Option<Span> {
    f.text
        .match_indices(needle)
        .nth(n)
        .map(|(i, m)| Span::new(f.file, i, i + m.len()))
}

/// Whether the generated policy allows `action` on `arn`: without a
/// condition, or with one while the given statement has one too (agentpol
/// does not compare conditions, so a conditioned given statement gets the
/// benefit of the doubt; an unconditioned one does not).
fn allowed_by(docs: &[PolicyDocument], action: &str, arn: &str, given_has_condition: bool) -> bool {
    docs.iter()
        .flat_map(|d| &d.statement)
        .any(|s| covers(s, action, arn) && (s.condition.is_none() || given_has_condition))
}

/// The condition keys a generated statement requires for `action` on `arn`.
fn required_conditions(docs: &[PolicyDocument], action: &str, arn: &str) -> Vec<String> {
    let mut keys: Vec<String> = docs
        .iter()
        .flat_map(|d| &d.statement)
        .filter(|s| covers(s, action, arn))
        .filter_map(|s| s.condition.as_ref())
        .flat_map(|c| c.values().flat_map(|m| m.keys().cloned()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn covers(s: &Statement, action: &str, arn: &str) -> bool {
    s.action.values().iter().any(|a| matches(a, action, true))
        && s.resource
            .as_ref()
            .is_some_and(|r| r.values().iter().any(|p| matches(p, arn, false)))
}

/// The first action + ARN that `g` allows, no explicit deny of the role's
/// files denies, and no generated statement allows.
fn wider(
    agent: &Agent,
    g: &Given,
    granted: &[PolicyDocument],
    denies: &[Given],
) -> Option<Diagnostic> {
    let account = agent
        .aws_role
        .as_deref()
        .and_then(|r| role::parse_role_arn(r).ok())
        .map(|r| r.account)
        .unwrap_or_else(|| "123456789012".into());
    let resources = g
        .statement
        .resource
        .as_ref()
        .map(|r| r.values())
        .unwrap_or_else(|| vec!["*"]);
    for action_pat in g.statement.action.values() {
        for action in candidate_actions(action_pat, granted) {
            for res_pat in &resources {
                for arn in candidate_arns(res_pat, &action, &account, granted) {
                    if !fits_s3(&action, &arn) {
                        continue;
                    }
                    let conditioned = g.statement.condition.is_some();
                    if !matches(res_pat, &arn, false)
                        || allowed_by(granted, &action, &arn, conditioned)
                    {
                        continue;
                    }
                    if denies.iter().any(|d| {
                        d.statement.condition.is_none() && covers(&d.statement, &action, &arn)
                    }) {
                        continue;
                    }
                    let keys = required_conditions(granted, &action, &arn);
                    return Some(finding(agent, g, &action, &arn, granted.is_empty(), &keys));
                }
            }
        }
    }
    None
}

fn finding(
    agent: &Agent,
    g: &Given,
    action: &str,
    arn: &str,
    nothing_granted: bool,
    keys: &[String],
) -> Diagnostic {
    let mut d = Diagnostic::new(IAM_WIDER, format!("{} allows agent `{}` more than its policy: `{action}` on `{arn}`", g.label, agent.name))
        .primary(g.span, "allows more than the declaration")
        .help(format!("attach the generated `iam/{}/policy.json` instead, or narrow this statement to what the agent's grants need", agent.name))
        .witness(json!({"action": action, "resource": arn, "statement": g.label}));
    if !keys.is_empty() {
        d = d.note(format!("the generated policy allows this only under the condition key(s) {}, which this statement does not require", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")));
    } else if nothing_granted {
        d = d.note("the agent's grants map to no IAM action at all: its role needs no permissions");
    } else {
        d = d.note("no statement of the generated least-privilege policy allows this action on this resource");
    }
    if g.statement.condition.is_some() {
        d = d.note("the statement has a `Condition`, which agentpol does not evaluate: the witness holds when the condition does");
    }
    if let Some(s) = agent.spans.aws_role {
        d = d.secondary(s, "the agent's role");
    }
    d
}

/// Concrete actions matching `pattern`: the generated policy's own actions
/// first (the closest witness), then every action of the reference.
fn candidate_actions(pattern: &str, granted: &[PolicyDocument]) -> Vec<String> {
    if !has_wildcard(pattern) {
        return vec![pattern.to_string()];
    }
    let mut out: Vec<String> = granted
        .iter()
        .flat_map(|d| &d.statement)
        .flat_map(|s| s.action.values())
        .filter(|a| !has_wildcard(a) && matches(pattern, a, true))
        .map(String::from)
        .collect();
    if let Some(r) = reference::get() {
        let (svc, _) = pattern.split_once(':').unwrap_or(("*", "*"));
        for (prefix, service) in &r.services {
            if !matches(svc, prefix, true) {
                continue;
            }
            for name in service.actions.keys() {
                let full = format!("{prefix}:{name}");
                if matches(pattern, &full, true) {
                    out.push(full);
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|a| seen.insert(a.to_ascii_lowercase()));
    out.truncate(400);
    out
}

/// Concrete ARNs matching `pattern` for `action`: the pattern with each
/// wildcard filled by a name no policy would grant, and for `*` an ARN of
/// the action's service outside the generated resources.
fn candidate_arns(
    pattern: &str,
    action: &str,
    account: &str,
    granted: &[PolicyDocument],
) -> Vec<String> {
    if !has_wildcard(pattern) {
        return vec![pattern.to_string()];
    }
    let service = action
        .split(':')
        .next()
        .unwrap_or("s3")
        .to_ascii_lowercase();
    let mut out = Vec::new();
    if pattern != "*" {
        out.push(pattern.replace('*', "agentpol-witness").replace('?', "x"));
    }
    out.push(if service == "s3" {
        "arn:aws:s3:::agentpol-witness-bucket/agentpol-witness-key".to_string()
    } else {
        format!("arn:aws:{service}:us-east-1:{account}:agentpol-witness")
    });
    out.push("arn:aws:s3:::agentpol-witness-bucket".into());
    // A generated resource itself, for actions it is not granted with.
    out.extend(
        granted
            .iter()
            .flat_map(|d| &d.statement)
            .filter_map(|s| s.resource.as_ref())
            .flat_map(|r| r.values())
            .map(|r| r.replace('*', "agentpol-witness")),
    );
    out
}

/// S3 object actions act on `bucket/key` ARNs, bucket actions on `bucket`:
/// a witness pairs an action with an ARN it can act on (other services are
/// not filtered).
fn fits_s3(action: &str, arn: &str) -> bool {
    let Some(name) = action
        .strip_prefix("s3:")
        .or_else(|| action.strip_prefix("S3:"))
    else {
        return true;
    };
    let Some(path) = arn.split(":::").nth(1) else {
        return true;
    };
    name.contains("Object") == path.contains('/')
}
