//! One agent → its IAM files. Reads the grants and denies, translates each
//! (see [`super::grants`]), packs the statements (see [`super::pack`]) and
//! writes the role, session and summary files beside them.

use super::document::{self, Effect, OneOrMany, PolicyDocument, Statement};
use super::grants::{self, ArnEnv, Gap};
use super::pack::{self, Tagged, Traced};
use super::reference::{self, Known};
use super::role::{self, PodIdentity};
use super::summary::{AgentSummary, Hole, IndexEntry, PolicyFile, RuleRef, StatementInfo};
use super::*;
use crate::backend::k8s::names;
use crate::model::{format_duration, Agent, RuleOrigin, Tool};
use std::collections::{BTreeMap, BTreeSet};

/// Longest agent name whose policy names (`agentpol-NAME-boundary`) fit
/// IAM's 128 characters.
const MAX_AGENT_NAME: usize = 128 - "agentpol--boundary".len();

pub(super) fn generate(
    input: &Input<'_>,
    agent: &Agent,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Vec<Artifact>, IndexEntry)> {
    let arn = agent.aws_role.as_ref()?;
    let role_span = agent.spans.aws_role.unwrap_or(agent.span);
    let role = match role::parse_role_arn(arn) {
        Ok(r) => r,
        Err(why) => {
            diagnostics.push(
                Diagnostic::new(
                    INVALID_AWS_ROLE,
                    format!("`{}` is not a valid IAM role ARN", arn.escape_debug()),
                )
                .primary(role_span, why)
                .help("write `aws role \"arn:aws:iam::123456789012:role/NAME\"`"),
            );
            return None;
        }
    };
    if agent.name.len() > MAX_AGENT_NAME {
        diagnostics.push(
            Diagnostic::new(
                IAM_NAME_TOO_LONG,
                format!("agent name is longer than {MAX_AGENT_NAME} characters"),
            )
            .primary(agent.span, "too long for IAM policy names")
            .help("shorten the agent's name"),
        );
        return None;
    }
    let pod = pod_identity(agent, diagnostics)?;
    let env = ArnEnv {
        partition: &role.partition,
        account: &role.account,
    };
    let mut s = AgentSummary::new(agent, input.sources, &role);
    let mut rules: BTreeMap<String, RuleRef> = BTreeMap::new();
    let mut tagged = Vec::new();
    let mut warned: BTreeSet<String> = BTreeSet::new();
    let granted: BTreeSet<&str> = agent.granted_tools();
    for g in &agent.grants {
        let Some(tool) = input.model.tools.get(&g.tool) else {
            continue;
        };
        if tool.aws.iter().all(|m| m.actions.is_empty()) {
            s.tools_without_aws.insert(tool.name.clone());
            continue;
        }
        check_actions(tool, &mut warned, diagnostics);
        let r = rule_ref(input, &g.id, &g.origin);
        rules.insert(g.id.clone(), r.clone());
        let t = grants::translate(&env, tool, &g.condition);
        if t.drafts.is_empty() {
            s.notes.push(format!(
                "rule `{}` can never hold: it gives no statement",
                g.id
            ));
        }
        record_gaps(&mut s, &r, t.gaps);
        for a in &g.approvals {
            s.holes.push(Hole {
                rule: Some(r.clone()),
                what: format!("approve by group \"{}\"", a.group.escape_debug()),
                why: "IAM cannot ask a human: the statement allows these calls without approval"
                    .into(),
            });
        }
        tagged.extend(t.drafts.into_iter().map(|draft| Tagged {
            effect: Effect::Allow,
            draft,
            rule: g.id.clone(),
        }));
    }
    for d in &agent.denies {
        let Some(tool) = input.model.tools.get(&d.tool) else {
            continue;
        };
        if tool.aws.iter().all(|m| m.actions.is_empty()) {
            continue;
        }
        let r = rule_ref(input, &d.id, &d.origin);
        let t = grants::translate(&env, tool, &d.condition);
        let mut holes: Vec<Hole> = t
            .gaps
            .iter()
            .filter_map(|g| match g {
                Gap::Widened { what, why } => Some(Hole {
                    rule: Some(r.clone()),
                    what: what.clone(),
                    why: format!(
                        "no IAM Deny for this rule, it would refuse calls the policy allows: {why}"
                    ),
                }),
                Gap::Wildcard { .. } => None,
            })
            .collect();
        for other in shared_actions(input, tool, &granted) {
            holes.push(Hole {
                rule: Some(r.clone()),
                what: format!("deny {}", tool.name),
                why: format!("no IAM Deny for this rule: granted tool `{other}` uses the same IAM action, and the Deny would refuse its calls too"),
            });
        }
        if !holes.is_empty() {
            s.holes.extend(holes);
            continue;
        }
        rules.insert(d.id.clone(), r);
        tagged.extend(t.drafts.into_iter().map(|draft| Tagged {
            effect: Effect::Deny,
            draft,
            rule: d.id.clone(),
        }));
    }
    agent_wide_holes(agent, &mut s);
    let statements = pack::statements(&agent.name, tagged);
    let policies = match pack::pack(statements, pack::MANAGED_POLICY_LIMIT) {
        Ok(p) => p,
        Err(t) => {
            let span = t
                .rules
                .first()
                .and_then(|id| origin_span(agent, id))
                .unwrap_or(agent.span);
            diagnostics.push(
                Diagnostic::new(
                    IAM_QUOTA_EXCEEDED,
                    format!(
                        "statement `{}` does not fit in one managed policy of {} characters",
                        t.statement.sid,
                        pack::MANAGED_POLICY_LIMIT
                    ),
                )
                .primary(span, "this rule's statement is too large for IAM")
                .help("shorten the values the rule pins, or split the tool's AWS mapping"),
            );
            return None;
        }
    };
    if policies.len() > pack::MAX_POLICIES_PER_ROLE {
        diagnostics.push(
            Diagnostic::new(
                IAM_QUOTA_EXCEEDED,
                format!(
                    "agent `{}` needs {} managed policies, more than the {} a role can have attached",
                    agent.name,
                    policies.len(),
                    pack::MAX_POLICIES_PER_ROLE
                ),
            )
            .primary(agent.span, "too many AWS grants for one role")
            .help("split the agent, or grant fewer or broader-patterned resources"),
        );
        return None;
    }
    let trust = role::trust_policy(&role, pod.as_ref());
    if document::size(&trust) > role::TRUST_POLICY_LIMIT {
        diagnostics.push(
            Diagnostic::new(
                IAM_QUOTA_EXCEEDED,
                format!(
                    "the trust policy of agent `{}` exceeds {} characters",
                    agent.name,
                    role::TRUST_POLICY_LIMIT
                ),
            )
            .primary(role_span, "its trust policy is too large")
            .help("shorten the Kubernetes namespace or the agent's name"),
        );
        return None;
    }
    let sessions = role::sessions(agent.credential_ttl);
    credential_notes(agent, pod.is_some(), &sessions, &mut s, diagnostics);

    let dir = agent.name.as_str();
    let mut files = Vec::new();
    let mut names = Vec::new();
    for (i, policy) in policies.iter().enumerate() {
        let (file, name) = if policies.len() == 1 {
            (
                "policy.json".to_string(),
                format!("agentpol-{}", agent.name),
            )
        } else {
            (
                format!("policy-{}.json", i + 1),
                format!("agentpol-{}-{}", agent.name, i + 1),
            )
        };
        let doc = pack::document_of(policy);
        s.policies.push(PolicyFile {
            file: file.clone(),
            arn: role::policy_arn(&role, &name),
            name: name.clone(),
            size: document::size(&doc),
            limit: pack::MANAGED_POLICY_LIMIT,
        });
        for t in policy {
            s.statements.push(statement_info(&file, t, &rules));
        }
        files.push(Artifact::text(
            format!("{dir}/{file}"),
            document::to_pretty(&doc),
        ));
        names.push(name);
    }
    if let Some(b) = boundary(&policies) {
        let name = format!("agentpol-{}-boundary", agent.name);
        s.boundary = Some(PolicyFile {
            file: "boundary.json".into(),
            arn: role::policy_arn(&role, &name),
            name,
            size: document::size(&b),
            limit: pack::MANAGED_POLICY_LIMIT,
        });
        files.push(Artifact::text(
            format!("{dir}/boundary.json"),
            document::to_pretty(&b),
        ));
    } else if policies
        .iter()
        .flatten()
        .any(|t| t.statement.effect == Effect::Allow)
    {
        s.notes.push("no permissions boundary: even with `Resource: *` the granted actions exceed one policy".into());
    }
    s.role.max_session_duration = sessions.max_session;
    s.role.session_duration = sessions.duration;
    let create = role::create_role(&role, &agent.name, &trust, &sessions);
    let assume = role::assume_role(&role, &agent.name, &sessions, &names);
    files.push(Artifact::text(
        format!("{dir}/trust-policy.json"),
        document::to_pretty(&trust),
    ));
    files.push(Artifact::text(
        format!("{dir}/role.json"),
        document::to_pretty(&create),
    ));
    files.push(Artifact::text(
        format!("{dir}/assume-role.json"),
        document::to_pretty(&assume),
    ));
    s.finish();
    files.push(Artifact::text(format!("{dir}/summary.md"), s.markdown()));
    files.push(Artifact::text(
        format!("{dir}/summary.json"),
        document::to_pretty(&s),
    ));
    Some((files, s.index_entry()))
}

/// The pod identity the role trusts, `Some(None)` for an agent outside
/// Kubernetes, `None` (after a diagnostic) when the names are unusable.
fn pod_identity(agent: &Agent, diagnostics: &mut Vec<Diagnostic>) -> Option<Option<PodIdentity>> {
    let Some(k) = &agent.kubernetes else {
        return Some(None);
    };
    if let Err(why) = names::check_namespace(&k.namespace) {
        diagnostics.push(crate::backend::k8s::invalid_namespace(k, why));
        return None;
    }
    match names::service_account(&agent.name) {
        Ok(service_account) => Some(Some(PodIdentity {
            namespace: k.namespace.clone(),
            service_account,
        })),
        Err(why) => {
            diagnostics.push(crate::backend::k8s::name_too_long(agent, why));
            None
        }
    }
}

fn check_actions(tool: &Tool, warned: &mut BTreeSet<String>, diagnostics: &mut Vec<Diagnostic>) {
    let Some(r) = reference::get() else { return };
    for action in tool.aws.iter().flat_map(|m| m.actions.iter()) {
        if let Known::Unknown { suggestion } = r.action(action) {
            if warned.insert(format!("{}/{action}", tool.name)) {
                diagnostics.push(
                    Diagnostic::new(
                        UNKNOWN_IAM_ACTION,
                        format!(
                            "`{}` is not an IAM action of its service",
                            action.escape_debug()
                        ),
                    )
                    .primary(tool.span, format!("tool `{}` maps to it", tool.name))
                    .note(format!("checked against {} of {}", r.source, r.updated))
                    .help(suggestion.unwrap_or_else(|| {
                        "check the action's spelling in the AWS Service Authorization Reference"
                            .into()
                    })),
                );
            }
        }
    }
}

fn rule_ref(input: &Input<'_>, id: &str, origin: &RuleOrigin) -> RuleRef {
    RuleRef {
        id: id.to_string(),
        source: input.sources.location(origin.span),
        preset: origin.preset.clone(),
    }
}

fn origin_span(agent: &Agent, id: &str) -> Option<crate::source::Span> {
    agent
        .grants
        .iter()
        .find(|g| g.id == id)
        .map(|g| g.origin.span)
        .or_else(|| {
            agent
                .denies
                .iter()
                .find(|d| d.id == id)
                .map(|d| d.origin.span)
        })
}

fn record_gaps(s: &mut AgentSummary, r: &RuleRef, gaps: BTreeSet<Gap>) {
    for g in gaps {
        match g {
            Gap::Widened { what, why } => s.holes.push(Hole {
                rule: Some(r.clone()),
                what,
                why,
            }),
            Gap::Wildcard {
                placeholder,
                actions,
            } => s.wildcards.push(format!(
                "rule `{}`: `{placeholder}` is `*` for {actions} (the rule does not pin it)",
                r.id
            )),
        }
    }
}

/// Granted tools that use an IAM action of a denied tool: an IAM Deny on it
/// would also refuse their allowed calls.
fn shared_actions<'a>(
    input: &Input<'_>,
    denied: &Tool,
    granted: &BTreeSet<&'a str>,
) -> Vec<&'a str> {
    let mine: BTreeSet<String> = denied
        .aws
        .iter()
        .flat_map(|m| m.actions.iter().map(|a| a.to_ascii_lowercase()))
        .collect();
    granted
        .iter()
        .copied()
        .filter(|t| *t != denied.name)
        .filter(|t| {
            input.model.tools.get(*t).is_some_and(|tool| {
                tool.aws
                    .iter()
                    .flat_map(|m| &m.actions)
                    .any(|a| mine.contains(&a.to_ascii_lowercase()))
            })
        })
        .collect()
}

/// What the agent declares that IAM has no notion of.
fn agent_wide_holes(agent: &Agent, s: &mut AgentSummary) {
    let aws_tools: BTreeSet<&str> = agent
        .grants
        .iter()
        .filter(|g| !s.tools_without_aws.contains(&g.tool))
        .map(|g| g.tool.as_str())
        .collect();
    let mut push = |what: String, why: &str| {
        s.holes.push(Hole {
            rule: None,
            what,
            why: why.to_string(),
        })
    };
    for g in agent
        .gates
        .iter()
        .filter(|g| aws_tools.contains(g.tool.as_str()))
    {
        push(
            format!(
                "approve {} by group \"{}\"",
                g.tool,
                g.approval.group.escape_debug()
            ),
            "IAM cannot ask a human",
        );
    }
    for l in agent
        .limits
        .iter()
        .filter(|l| aws_tools.contains(l.tool.as_str()))
    {
        push(
            format!("limit {} {} per {}", l.tool, l.max, l.window.key()),
            "IAM keeps no call counters",
        );
    }
    if agent.justification_required && !aws_tools.is_empty() {
        push(
            "justification required".into(),
            "IAM requests carry no justification",
        );
    }
}

fn credential_notes(
    agent: &Agent,
    in_kubernetes: bool,
    sessions: &role::Sessions,
    s: &mut AgentSummary,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let notes = &mut s.credentials;
    match agent.credential_ttl {
        None => {
            notes.push("no credential lifetime declared: sessions last AWS's default of 1h".into())
        }
        Some(ttl) => {
            let declared = format_duration(ttl);
            if ttl < role::MIN_SESSION {
                diagnostics.push(
                    Diagnostic::new(
                        CREDENTIALS_TOO_SHORT_FOR_AWS,
                        format!("AWS sessions last at least 15m, longer than the declared {declared}"),
                    )
                    .primary(agent.spans.credentials.unwrap_or(agent.span), "shorter than any AWS session")
                    .help("declare `credentials ttl 15m` or longer, or accept 15-minute AWS credentials"),
                );
                notes.push(format!("declared {declared}, but AWS sessions last at least 15m: the session is requested for 15m"));
            }
            if ttl > role::MAX_MAX_SESSION {
                notes.push(format!("declared {declared}; AWS sessions last at most 12h, so credentials are shorter-lived than declared"));
            }
            if (role::MIN_MAX_SESSION..=role::MAX_MAX_SESSION).contains(&ttl) {
                notes.push(format!(
                    "MaxSessionDuration and DurationSeconds are the declared {declared}"
                ));
            }
            if sessions.max_session > sessions.duration {
                notes.push(format!(
                    "the role's MaxSessionDuration is {} (AWS's minimum); the declared {declared} holds for sessions requested as in assume-role.json (DurationSeconds {})",
                    format_duration(sessions.max_session),
                    sessions.duration
                ));
            }
        }
    }
    if in_kubernetes {
        notes.push("with EKS Pod Identity, EKS requests the session itself: assume-role.json does not apply, and the session length is EKS's choice within MaxSessionDuration".into());
    }
}

/// A permissions boundary: the Allow statements without their conditions
/// (so a ceiling, not a restatement), or, when that does not fit one policy,
/// every allowed action on `*`. It bounds whatever else gets attached to the
/// role; least privilege is the identity policy's job.
fn boundary(policies: &[Vec<Traced>]) -> Option<PolicyDocument> {
    let allows: Vec<&Statement> = policies
        .iter()
        .flatten()
        .map(|t| &t.statement)
        .filter(|s| s.effect == Effect::Allow)
        .collect();
    if allows.is_empty() {
        return None;
    }
    let mut by_resources: Vec<(OneOrMany, BTreeSet<String>)> = Vec::new();
    for s in &allows {
        let resources = s.resource.clone().unwrap_or(OneOrMany::One("*".into()));
        let actions = s.action.values().into_iter().map(String::from);
        match by_resources.iter_mut().find(|(r, _)| *r == resources) {
            Some((_, a)) => a.extend(actions),
            None => by_resources.push((resources, actions.collect())),
        }
    }
    let statement = |i: usize, actions: Vec<String>, resources: OneOrMany| Statement {
        sid: format!("AgentpolBoundary{i}"),
        effect: Effect::Allow,
        principal: None,
        action: OneOrMany::new(actions),
        resource: Some(resources),
        condition: None,
    };
    let doc = |statement: Vec<Statement>| PolicyDocument {
        version: document::VERSION.into(),
        statement,
    };
    let narrow = doc(by_resources
        .into_iter()
        .enumerate()
        .map(|(i, (r, a))| statement(i + 1, a.into_iter().collect(), r))
        .collect());
    if document::size(&narrow) <= pack::MANAGED_POLICY_LIMIT {
        return Some(narrow);
    }
    let actions: BTreeSet<String> = allows
        .iter()
        .flat_map(|s| s.action.values())
        .map(String::from)
        .collect();
    let wide = doc(vec![statement(
        1,
        actions.into_iter().collect(),
        OneOrMany::One("*".into()),
    )]);
    (document::size(&wide) <= pack::MANAGED_POLICY_LIMIT).then_some(wide)
}

fn statement_info(file: &str, t: &Traced, rules: &BTreeMap<String, RuleRef>) -> StatementInfo {
    StatementInfo {
        sid: t.statement.sid.clone(),
        file: file.to_string(),
        effect: t.statement.effect,
        actions: t
            .statement
            .action
            .values()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        resources: t
            .statement
            .resource
            .iter()
            .flat_map(|r| r.values())
            .map(String::from)
            .collect(),
        rules: t
            .rules
            .iter()
            .filter_map(|r| rules.get(r).cloned())
            .collect(),
    }
}
