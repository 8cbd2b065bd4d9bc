//! IAM: the role's policies against the generated least-privilege policy,
//! and the role's `MaxSessionDuration` against the declared lifetime.

use super::cond::{context_json, show_values, witness_context, Blocker, Clause, Context, Truth};
use super::glob::{has_wildcard, matches};
use super::stmt::{self, Stmt};
use super::{InfraFile, IAM_WIDER, INFRA_UNREADABLE, SESSION_LONGER};
use crate::backend::iam::document::{Effect, PolicyDocument};
use crate::backend::iam::{reference, role};
use crate::diagnostics::Diagnostic;
use crate::model::{Agent, Model};
use crate::source::Span;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A statement of a given file, with where it is.
struct Given {
    stmt: Stmt,
    label: String,
    span: Span,
}

/// Everything the IAM files say about one agent's role.
#[derive(Default)]
struct RoleFacts {
    allows: Vec<Given>,
    denies: Vec<Given>,
    /// Statements of the role's trust policy.
    trusts: Vec<Given>,
    /// (MaxSessionDuration, where it is written, file name).
    max_session: Vec<(u64, Span, String)>,
}

/// What the IAM backend generates for one agent, as statements.
#[derive(Default)]
pub struct Generated {
    /// The identity policies' statements.
    pub policies: Vec<Stmt>,
    /// The trust policy's statements.
    pub trust: Vec<Stmt>,
}

impl Generated {
    /// Adds a generated document's statements (`trust`: to the trust policy).
    pub fn add(&mut self, doc: &PolicyDocument, trust: bool) {
        for s in &doc.statement {
            if let Ok(st) = serde_json::to_value(s)
                .map_err(|e| e.to_string())
                .and_then(|v| stmt::parse(&v))
            {
                if trust {
                    self.trust.push(st)
                } else {
                    self.policies.push(st)
                }
            }
        }
    }
}

/// Checks the IAM files; `generated` maps agent → what the IAM backend
/// generates for it.
pub fn check(
    model: &Model,
    files: &[InfraFile<'_>],
    generated: &BTreeMap<String, Generated>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut facts: BTreeMap<String, RoleFacts> = BTreeMap::new();
    for f in files.iter().filter(|f| f.path.ends_with(".json")) {
        read(model, f, &mut facts, &mut out);
    }
    let none = Generated::default();
    for (agent_name, fact) in &facts {
        let Some(agent) = model.agents.get(agent_name) else {
            continue;
        };
        let gen = generated.get(agent_name).unwrap_or(&none);
        for g in &fact.allows {
            if let Some(d) = wider(agent, g, &gen.policies, &fact.denies) {
                out.push(d);
            }
        }
        for t in fact
            .trusts
            .iter()
            .filter(|t| t.stmt.effect == Effect::Allow)
        {
            if let Some(d) = super::trust::wider(
                agent,
                &t.stmt,
                &t.label,
                t.span,
                &gen.trust,
                fact.trusts.iter().map(|d| &d.stmt),
            ) {
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
    if let Some(trust) = record.get("AssumeRolePolicyDocument") {
        // get-role output has an object; create-role input a JSON string.
        let parsed = match trust {
            Value::String(text) => serde_json::from_str::<Value>(text).ok(),
            other => Some(other.clone()),
        };
        let span = find(f, "\"AssumeRolePolicyDocument\"", 0).unwrap_or(whole);
        match parsed.as_ref().and_then(|d| d.get("Statement")) {
            Some(statements) => statements_of(f, statements, span, true, fact, out),
            None => out.push(
                Diagnostic::new(INFRA_UNREADABLE, format!("the trust policy in `{}` is not compared: it is not a policy document (URL-encoded? decode it first)", f.path))
                    .primary(span, "this trust policy")
                    .help("pass the trust policy as JSON, as `aws iam get-role` prints it"),
            ),
        }
    }
    let doc = record.get("PolicyDocument").unwrap_or(record);
    let Some(statements) = doc.get("Statement") else {
        if named.is_none() {
            out.push(skip("no `Statement`".into()));
        }
        return;
    };
    statements_of(f, statements, whole, false, fact, out);
}

/// Reads the statements of one document into `fact` (`trust`: of a trust
/// policy; statements with a `Principal` always are).
fn statements_of(
    f: &InfraFile<'_>,
    statements: &Value,
    whole: Span,
    trust: bool,
    fact: &mut RoleFacts,
    out: &mut Vec<Diagnostic>,
) {
    let list: Vec<&Value> = match statements {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let what = if trust {
        "trust policy statement"
    } else {
        "statement"
    };
    // Where this document's statements start, to find their spans.
    let base = if trust {
        f.text[..whole.start.min(f.text.len())]
            .matches("\"Effect\"")
            .count()
    } else {
        0
    };
    for (i, s) in list.into_iter().enumerate() {
        let sid = s
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty());
        let label = match sid {
            Some(sid) => format!("`{}` {what} `{sid}`", f.path),
            None => format!("`{}` {what} #{}", f.path, i + 1),
        };
        let span = sid
            .and_then(|sid| find(f, &format!("\"{sid}\""), 0))
            .or_else(|| find(f, "\"Effect\"", base + i))
            .unwrap_or(whole);
        match stmt::parse(s) {
            Ok(st) => {
                let g = Given { stmt: st, label, span };
                if trust || g.stmt.principals.is_some() {
                    fact.trusts.push(g);
                } else if g.stmt.effect == Effect::Allow {
                    fact.allows.push(g);
                } else {
                    fact.denies.push(g);
                }
            }
            Err(e) => out.push(
                Diagnostic::new(INFRA_UNREADABLE, format!("{label} is not compared: {e}"))
                    .primary(span, "this statement")
                    .help("write the statement as IAM documents it (`Effect`, `Action` or `NotAction`, `Resource` or `NotResource`, `Condition`), or review it by hand"),
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

/// The condition keys the generated statements covering `action` on `arn`
/// require and `given` does not mention.
fn missing_conditions(granted: &[Stmt], given: &[Clause], action: &str, arn: &str) -> Vec<String> {
    let mut keys: Vec<String> = granted
        .iter()
        .filter(|s| s.covers(action, arn))
        .flat_map(|s| s.condition.iter().map(|c| c.key.clone()))
        .filter(|k| !given.iter().any(|c| &c.key == k))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The first action + ARN (+ request context) that `g` allows, no explicit
/// deny of the role's files denies, and no generated statement allows.
fn wider(agent: &Agent, g: &Given, granted: &[Stmt], denies: &[Given]) -> Option<Diagnostic> {
    let account = agent
        .aws_role
        .as_deref()
        .and_then(|r| role::parse_role_arn(r).ok())
        .map(|r| r.account)
        .unwrap_or_else(|| "123456789012".into());
    let st = &g.stmt;
    for action_pat in st.actions.seeds() {
        for action in candidate_actions(action_pat, granted) {
            if !st.actions.matches(&action, true) {
                continue;
            }
            for res_pat in st.resources.seeds() {
                for arn in candidate_arns(res_pat, &action, &account, granted) {
                    if !fits(&action, &arn) || !st.resources.matches(&arn, false) {
                        continue;
                    }
                    let blockers: Vec<&Stmt> = granted
                        .iter()
                        .chain(denies.iter().map(|d| &d.stmt))
                        .filter(|s| s.covers(&action, &arn))
                        .collect();
                    let blocks: Vec<Blocker<'_>> = blockers
                        .iter()
                        .map(|s| Blocker {
                            clauses: &s.condition,
                        })
                        .collect();
                    if let Some((ctx, truth)) = witness_context(&st.condition, &blocks) {
                        let keys = missing_conditions(granted, &st.condition, &action, &arn);
                        let unknown_blockers: Vec<&Clause> = blockers
                            .iter()
                            .flat_map(|s| s.condition.iter())
                            .filter(|c| c.is_unknown())
                            .collect();
                        return Some(finding(
                            agent,
                            g,
                            &action,
                            &arn,
                            &ctx,
                            truth,
                            granted.is_empty(),
                            &keys,
                            &unknown_blockers,
                        ));
                    }
                }
            }
        }
    }
    None
}

/// Notes on the conditions a witness rests on.
pub(super) fn condition_notes(
    mut d: Diagnostic,
    given: &[Clause],
    ctx: &Context,
    truth: Truth,
    unknown_blockers: &[&Clause],
) -> Diagnostic {
    if !given.is_empty() {
        let keys: Vec<String> = given
            .iter()
            .map(|c| c.key.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let shown: Vec<String> = keys
            .iter()
            .map(|k| match ctx.get(k) {
                Some(vs) => format!("`{k}` = {}", show_values(vs)),
                None => format!("`{k}` absent"),
            })
            .collect();
        d = d.note(format!(
            "the statement's `Condition` holds in a request with {}",
            shown.join(", ")
        ));
    }
    if truth == Truth::Unknown {
        let ops: Vec<String> = given
            .iter()
            .filter(|c| c.is_unknown() || c.values.iter().any(|v| v.contains("${")))
            .map(|c| format!("`{}` on `{}`", c.operator, c.key))
            .collect();
        d = d.note(format!(
            "agentpol does not evaluate {}: assumed it may hold",
            ops.join(", ")
        ));
    }
    if !unknown_blockers.is_empty() {
        let ops: Vec<String> = unknown_blockers
            .iter()
            .map(|c| format!("`{}` on `{}`", c.operator, c.key))
            .collect();
        d = d.note(format!("agentpol does not evaluate {} in the statements that would stop this witness: assumed they do not hold", ops.join(", ")));
    }
    d
}

#[allow(clippy::too_many_arguments)]
fn finding(
    agent: &Agent,
    g: &Given,
    action: &str,
    arn: &str,
    ctx: &Context,
    truth: Truth,
    nothing_granted: bool,
    keys: &[String],
    unknown_blockers: &[&Clause],
) -> Diagnostic {
    let mut witness = json!({"action": action, "resource": arn, "statement": g.label});
    if !ctx.is_empty() {
        witness["context"] = context_json(ctx);
    }
    let mut d = Diagnostic::new(IAM_WIDER, format!("{} allows agent `{}` more than its policy: `{action}` on `{arn}`", g.label, agent.name))
        .primary(g.span, "allows more than the declaration")
        .help(format!("attach the generated `iam/{}/policy.json` instead, or narrow this statement to what the agent's grants need", agent.name))
        .witness(witness);
    if g.stmt.actions.is_except() {
        d = d.note("`NotAction` allows every action except the listed ones");
    }
    if g.stmt.resources.is_except() {
        d = d.note("`NotResource` applies to every resource except the listed ones");
    }
    if !keys.is_empty() {
        d = d.note(format!("the generated policy allows this only under the condition key(s) {}, which this statement does not require", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")));
    } else if nothing_granted {
        d = d.note("the agent's grants map to no IAM action at all: its role needs no permissions");
    } else {
        d = d.note("no statement of the generated least-privilege policy allows this action on this resource in this request");
    }
    d = condition_notes(d, &g.stmt.condition, ctx, truth, unknown_blockers);
    if let Some(s) = agent.spans.aws_role {
        d = d.secondary(s, "the agent's role");
    }
    d
}

/// Concrete actions matching `pattern`: the generated policy's own actions
/// first (the closest witness), then every action of the reference.
fn candidate_actions(pattern: &str, granted: &[Stmt]) -> Vec<String> {
    if !has_wildcard(pattern) {
        return vec![pattern.to_string()];
    }
    let mut out: Vec<String> = granted
        .iter()
        .flat_map(|s| s.actions.seeds())
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

/// The ARN formats AWS documents for the resource types `action` acts on,
/// plainest first (fewest variables: a bucket's object before an access
/// point's); empty when the action takes no resource type (its resource is `*`) or
/// the reference does not cover it, and then any ARN fits.
fn arn_formats(action: &str) -> Vec<&'static str> {
    let Some(r) = reference::get() else {
        return Vec::new();
    };
    let reference::Known::Action { action: a, .. } = r.action(action) else {
        return Vec::new();
    };
    let Some(service) = action.split_once(':').and_then(|(p, _)| r.service(p)) else {
        return Vec::new();
    };
    let mut formats: Vec<&str> = a
        .resources
        .iter()
        .filter_map(|name| {
            service
                .resources
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, t)| t.arn.as_str())
        })
        .collect();
    formats.sort_by_key(|f| (f.matches("${").count(), f.len()));
    formats
}

/// Whether a format variable may span `/` (object keys, IAM names with a
/// path).
fn spans_path(var: &str) -> bool {
    var == "ObjectName" || var.ends_with("WithPath")
}

/// Whether `arn` has the shape of `format` (`arn:${Partition}:s3:::${BucketName}`):
/// literal text compared without case for the fixed parts, each variable a
/// non-empty run without `:` or `/` (or any run, for path-like variables).
fn fits_format(format: &str, arn: &str) -> bool {
    enum Part<'a> {
        Lit(&'a str),
        Var(&'a str),
    }
    let mut parts = Vec::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        parts.push(Part::Lit(&rest[..i]));
        let Some(j) = rest[i..].find('}') else {
            parts.push(Part::Lit(&rest[i..]));
            rest = "";
            break;
        };
        parts.push(Part::Var(&rest[i + 2..i + j]));
        rest = &rest[i + j + 1..];
    }
    parts.push(Part::Lit(rest));
    // Positions in `arn` reachable after each part (a small NFA walk).
    let mut at: Vec<usize> = vec![0];
    for part in &parts {
        let mut next = Vec::new();
        for &i in &at {
            match part {
                Part::Lit(l) => {
                    if arn
                        .get(i..i + l.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(l))
                    {
                        next.push(i + l.len());
                    }
                }
                Part::Var(v) => {
                    for (k, c) in arn[i..].char_indices() {
                        if !spans_path(v) && (c == ':' || c == '/') {
                            break;
                        }
                        next.push(i + k + c.len_utf8());
                    }
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        at = next;
        if at.is_empty() {
            return false;
        }
    }
    at.contains(&arn.len())
}

/// Whether a request for `action` can name `arn`: it has the shape of one
/// of the action's resource types (an S3 object action takes `bucket/key`,
/// a bucket action `bucket`, a DynamoDB item action a table).
fn fits(action: &str, arn: &str) -> bool {
    let formats = arn_formats(action);
    formats.is_empty() || formats.iter().any(|f| fits_format(f, arn))
}

/// `format` with its variables filled: the partition `aws`, region
/// `us-east-1`, the role's account, and names no policy would grant.
fn instantiate(format: &str, account: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            break;
        };
        out.push_str(match &rest[i + 2..i + j] {
            "Partition" => "aws",
            "Region" => "us-east-1",
            "Account" => account,
            "BucketName" => "agentpol-witness-bucket",
            "ObjectName" => "agentpol-witness-key",
            _ => "agentpol-witness",
        });
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// Concrete ARNs matching `pattern` for `action`: the pattern with each
/// wildcard filled by a name no policy would grant, an ARN of each resource
/// type the action takes (in AWS's documented format), and the generated
/// policy's own resources.
fn candidate_arns(pattern: &str, action: &str, account: &str, granted: &[Stmt]) -> Vec<String> {
    if !has_wildcard(pattern) {
        return vec![pattern.to_string()];
    }
    let mut out = Vec::new();
    if pattern != "*" {
        out.push(pattern.replace('*', "agentpol-witness").replace('?', "x"));
    }
    let formats = arn_formats(action);
    if formats.is_empty() {
        let service = action
            .split(':')
            .next()
            .unwrap_or("s3")
            .to_ascii_lowercase();
        out.push(format!(
            "arn:aws:{service}:us-east-1:{account}:agentpol-witness"
        ));
    }
    out.extend(formats.iter().map(|f| instantiate(f, account)));
    // A generated resource itself, for actions it is not granted with.
    out.extend(
        granted
            .iter()
            .flat_map(|s| s.resources.seeds())
            .map(|r| r.replace('*', "agentpol-witness")),
    );
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|a| seen.insert(a.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_arns_take_the_shape_of_the_action_s_resource_types() {
        let arns = candidate_arns("*", "dynamodb:GetItem", "111122223333", &[]);
        assert!(
            arns.contains(
                &"arn:aws:dynamodb:us-east-1:111122223333:table/agentpol-witness".to_string()
            ),
            "{arns:?}"
        );
        assert!(arns
            .iter()
            .all(|a| fits("dynamodb:GetItem", a) || !a.contains(":table/")));
        let arns = candidate_arns("*", "s3:GetObject", "111122223333", &[]);
        assert!(
            arns.contains(&"arn:aws:s3:::agentpol-witness-bucket/agentpol-witness-key".to_string())
        );
        let arns = candidate_arns("*", "sqs:SendMessage", "111122223333", &[]);
        assert_eq!(
            arns.iter()
                .filter(|a| fits("sqs:SendMessage", a))
                .collect::<Vec<_>>(),
            ["arn:aws:sqs:us-east-1:111122223333:agentpol-witness"]
        );
    }

    #[test]
    fn an_arn_fits_an_action_only_in_a_documented_shape() {
        assert!(fits("s3:GetObject", "arn:aws:s3:::b/k/with/slashes"));
        assert!(!fits("s3:GetObject", "arn:aws:s3:::b"));
        assert!(fits("s3:ListBucket", "arn:aws:s3:::b"));
        assert!(!fits("s3:ListBucket", "arn:aws:s3:::b/k"));
        assert!(fits(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:eu-west-1:1:table/orders"
        ));
        assert!(!fits("dynamodb:GetItem", "arn:aws:s3:::orders"));
        assert!(!fits(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:eu-west-1:1:table/orders/extra"
        ));
        assert!(fits(
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"
        ));
        // Not covered by the reference, or taking no resource type: any ARN.
        assert!(fits("acme:DoThing", "arn:aws:acme:::x"));
        assert!(fits_format(
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            "arn:aws:iam::1:role/team/agent"
        ));
    }
}
