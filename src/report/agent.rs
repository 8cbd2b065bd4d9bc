//! One agent's report, assembled from the model, the solver's answers, the
//! backends' artifacts and the analyzer's findings.

use super::*;
use crate::analysis::reach::Reach;
use crate::analysis::spend::{Amount, Per};
use crate::backend::Artifact;
use crate::model::{cond::glob_match, format_duration, show, Agent, Memory, Tool, Trust};
use std::collections::{BTreeMap, BTreeSet};

/// What the solver and the backends said, computed once for all agents.
pub(super) struct Facts<'a> {
    pub spend: &'a BTreeMap<String, Vec<Spend>>,
    pub reach: &'a Reach,
    pub iam: &'a [Artifact],
    pub k8s: &'a [Artifact],
}

pub(super) fn build(input: &Input<'_>, facts: &Facts<'_>, agent: &Agent) -> AgentReport {
    let model = input.model;
    let tools: Vec<ToolReport> = agent
        .granted_tools()
        .into_iter()
        .filter_map(|t| model.tools.get(t))
        .map(|t| tool(input, facts, agent, t))
        .collect();
    let findings = findings(input, agent);
    let agents = links(model, facts, agent);
    let untrusted = steering(input, facts, agent);
    let spend = facts.spend.get(&agent.name).cloned().unwrap_or_default();
    let mut report = AgentReport {
        name: agent.name.clone(),
        owner: agent.owner.clone(),
        domains: agent.domains.clone(),
        source: input.sources.location(agent.span),
        summary: String::new(),
        approvals: approvals(input, agent),
        spend,
        network: network(facts, agent),
        aws: aws(facts, agent),
        agents,
        untrusted_sources: untrusted,
        findings,
        settings: settings(agent),
        tools,
        graph: graph::Graph::default(),
    };
    report.graph = graph::build(&report, &facts.reach.channels);
    report.summary = summary(&report);
    report
}

fn tool(input: &Input<'_>, facts: &Facts<'_>, agent: &Agent, t: &Tool) -> ToolReport {
    let grants: Vec<GrantReport> = agent
        .grants_for(&t.name)
        .map(|g| GrantReport {
            rule: g.id.clone(),
            source: input.sources.location(g.origin.span),
            preset: g.origin.preset.clone(),
            condition: show::cond(t, &g.condition),
            bounds: words::bounds(t, &g.condition),
        })
        .collect();
    let denies = agent
        .denies
        .iter()
        .filter(|d| d.tool == t.name)
        .map(|d| format!("{} where {}", d.id, show::cond(t, &d.condition)))
        .collect();
    let limits = agent
        .limits
        .iter()
        .filter(|l| l.tool == t.name)
        .map(|l| format!("{} calls per {}", l.max, l.window.key()))
        .collect();
    let reach = facts
        .reach
        .tools
        .get(&agent.name)
        .and_then(|ts| ts.iter().find(|r| r.tool == t.name));
    let unknown = || Exists::Unknown {
        reason: "not computed".into(),
    };
    ToolReport {
        tool: t.name.clone(),
        effects: t.effects.iter().map(|e| e.as_str().to_string()).collect(),
        output: format!(
            "{} {}",
            if t.trust == Trust::Untrusted {
                "untrusted"
            } else {
                "trusted"
            },
            t.sensitivity.as_str()
        ),
        grants,
        denies,
        resources: resources(input, agent, t),
        limits,
        permitted: reach.map(|r| r.permitted.clone()).unwrap_or_else(unknown),
        without_approval: reach.map(|r| r.free.clone()).unwrap_or_else(unknown),
    }
}

/// Declared instances of the tool's resource type that its grants name with
/// `==`, `in` or `like` tests on the resource argument (every instance when
/// a grant leaves the name open).
fn resources(input: &Input<'_>, agent: &Agent, t: &Tool) -> Option<ResourceReport> {
    let r = t.resource.as_ref()?;
    let patterns: Vec<String> = agent
        .grants_for(&t.name)
        .flat_map(|g| name_patterns(&g.condition, &r.arg))
        .collect();
    let unconstrained = patterns.is_empty();
    let instances = input
        .model
        .resources
        .iter()
        .filter(|x| x.ty == r.ty)
        .filter(|x| {
            unconstrained
                || patterns
                    .iter()
                    .any(|p| glob_match(p, &x.pattern) || glob_match(&x.pattern, p))
        })
        .map(|x| Instance {
            pattern: x.pattern.clone(),
            sensitivity: x.attrs.sensitivity.as_str().to_string(),
            external: x.attrs.external,
        })
        .collect();
    Some(ResourceReport {
        resource_type: r.ty.clone(),
        argument: r.arg.clone(),
        instances,
        undeclared: unconstrained || patterns.iter().any(|p| p.contains('*')),
    })
}

/// Names and globs a condition pins the resource argument to (top level).
fn name_patterns(c: &crate::model::Cond, arg: &str) -> Vec<String> {
    use crate::model::cond::{Atom, Cond, StrOperand};
    let atoms: Vec<&Cond> = match c {
        Cond::And(p) => p.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for a in atoms {
        match a {
            Cond::Atom(Atom::StrEq {
                operand: StrOperand::Arg(x),
                value,
            }) if x == arg => out.push(value.clone()),
            Cond::Atom(Atom::StrIn {
                operand: StrOperand::Arg(x),
                values,
            }) if x == arg => out.extend(values.iter().cloned()),
            Cond::Atom(Atom::StrLike {
                operand: StrOperand::Arg(x),
                pattern,
            }) if x == arg => out.push(pattern.clone()),
            _ => {}
        }
    }
    out
}

fn approvals(input: &Input<'_>, agent: &Agent) -> Vec<ApprovalReport> {
    let model = input.model;
    let when = |tool: &str, c: &crate::model::Cond| match model.tools.get(tool) {
        Some(t) => show::cond(t, c),
        None => String::new(),
    };
    let gates = agent.gates.iter().map(|g| ApprovalReport {
        rule: g.approval.id.clone(),
        tool: g.tool.clone(),
        kind: "gate".into(),
        when: when(&g.tool, &g.approval.condition),
        group: g.approval.group.clone(),
        count: g.approval.count,
        reason: g.approval.reason.clone(),
        source: input.sources.location(g.approval.origin.span),
    });
    let triggers = agent.grants.iter().flat_map(|g| {
        g.approvals.iter().map(move |a| ApprovalReport {
            rule: a.id.clone(),
            tool: g.tool.clone(),
            kind: "trigger".into(),
            when: when(&g.tool, &a.condition),
            group: a.group.clone(),
            count: a.count,
            reason: a.reason.clone(),
            source: input.sources.location(a.origin.span),
        })
    });
    gates.chain(triggers).collect()
}

fn network(facts: &Facts<'_>, agent: &Agent) -> Network {
    let manifest = format!("{}.yaml", agent.name);
    let file = facts.k8s.iter().find(|a| a.path == manifest);
    let mut cidrs = BTreeSet::new();
    let mut fqdns = BTreeSet::new();
    if let Some(f) = file {
        let text = String::from_utf8_lossy(&f.contents);
        for doc in text.split("\n---\n") {
            if let Ok(v) = serde_yaml_ng::from_str::<Value>(doc) {
                collect(&v, "cidr", &mut cidrs);
                collect(&v, "matchName", &mut fqdns);
                collect(&v, "matchPattern", &mut fqdns);
            }
        }
    }
    Network {
        egress: agent.egress.iter().map(|e| e.display()).collect(),
        network_policy: cidrs.into_iter().collect(),
        cilium_fqdns: fqdns.into_iter().collect(),
        manifest: file.map(|f| format!("k8s/{}", f.path)),
    }
}

/// Every string under `key`, anywhere in the document.
fn collect(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k == key, x) {
                    (true, Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    _ => collect(x, key, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
        _ => {}
    }
}

fn aws(facts: &Facts<'_>, agent: &Agent) -> Option<Aws> {
    let role = agent.aws_role.clone()?;
    let path = format!("{}/summary.json", agent.name);
    let summary: Value = facts
        .iam
        .iter()
        .find(|a| a.path == path)
        .and_then(|a| serde_json::from_slice(&a.contents).ok())
        .unwrap_or(Value::Null);
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let statements = summary["statements"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|st| AwsStatement {
                    sid: st["sid"].as_str().unwrap_or_default().to_string(),
                    actions: strings(&st["actions"]),
                    resources: strings(&st["resources"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let only = summary["enforced_by_opa_cedar_only"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|x| {
                    let rule = x["rule"]["id"]
                        .as_str()
                        .map(|r| format!("`{r}`: "))
                        .unwrap_or_default();
                    format!(
                        "{rule}{} ({})",
                        x["what"].as_str().unwrap_or_default(),
                        x["why"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Aws {
        role,
        statements,
        only_opa_cedar: only,
    })
}

fn links(model: &Model, facts: &Facts<'_>, agent: &Agent) -> Vec<Link> {
    let mut out: Vec<Link> = agent
        .delegates
        .iter()
        .map(|d| Link {
            agent: d.clone(),
            relation: "delegates_to".into(),
            via: None,
        })
        .collect();
    for other in model.agents.values() {
        if other.delegates.contains(&agent.name) {
            out.push(Link {
                agent: other.name.clone(),
                relation: "delegated_by".into(),
                via: None,
            });
        }
    }
    for c in channels_of(&facts.reach.channels, &agent.name) {
        let (other, relation) = if c.writer == agent.name {
            (&c.reader, "writes_to")
        } else {
            (&c.writer, "reads_from")
        };
        if *other == agent.name {
            continue;
        }
        let shared = c
            .shared
            .as_ref()
            .map(|s| format!(", both can use {s}"))
            .unwrap_or_else(|| ", overlap not decided (kept)".into());
        out.push(Link {
            agent: other.clone(),
            relation: relation.into(),
            via: Some(format!(
                "{} ({} writes, {} reads{shared})",
                c.resource_type, c.writer_tool, c.reader_tool
            )),
        });
    }
    out
}

/// Untrusted-output tools of the agent, of agents that write what it reads,
/// and of its delegates (whose results return to it).
fn steering(input: &Input<'_>, facts: &Facts<'_>, agent: &Agent) -> Vec<Steer> {
    let model = input.model;
    let mut out = Vec::new();
    let untrusted = |a: &Agent| -> Vec<String> {
        a.granted_tools()
            .into_iter()
            .filter(|t| {
                model
                    .tools
                    .get(*t)
                    .is_some_and(|x| x.trust == Trust::Untrusted)
            })
            .map(String::from)
            .collect()
    };
    for t in untrusted(agent) {
        out.push(Steer {
            tool: t,
            agent: agent.name.clone(),
            path: "read directly".into(),
        });
    }
    for c in facts
        .reach
        .channels
        .iter()
        .filter(|c| c.reader == agent.name && c.writer != agent.name)
    {
        if let Some(w) = model.agents.get(&c.writer) {
            for t in untrusted(w) {
                out.push(Steer {
                    tool: t,
                    agent: w.name.clone(),
                    path: format!(
                        "{} writes {} that this agent reads",
                        w.name, c.resource_type
                    ),
                });
            }
        }
    }
    for d in model
        .agents
        .values()
        .filter(|d| agent.delegates.contains(&d.name))
    {
        for t in untrusted(d) {
            out.push(Steer {
                tool: t,
                agent: d.name.clone(),
                path: format!("results returned by delegate {}", d.name),
            });
        }
    }
    out.sort_by(|a, b| (&a.agent, &a.tool, &a.path).cmp(&(&b.agent, &b.tool, &b.path)));
    out.dedup_by(|a, b| a.agent == b.agent && a.tool == b.tool && a.path == b.path);
    out
}

/// Findings concerning the agent: a label inside its declaration, or its
/// name on the witness path.
fn findings(input: &Input<'_>, agent: &Agent) -> Vec<FindingReport> {
    input
        .findings
        .iter()
        .filter(|d| concerns(d, agent))
        .map(|d| FindingReport {
            code: d.code.as_str().to_string(),
            severity: d.severity.as_str().to_string(),
            message: d.message.clone(),
            location: d.primary_span().map(|s| input.sources.location(s)),
            witness: d.witness.clone().unwrap_or(Value::Null),
        })
        .collect()
}

fn concerns(d: &Diagnostic, agent: &Agent) -> bool {
    let s = agent.span;
    let inside = d
        .labels
        .iter()
        .any(|l| l.span.file == s.file && l.span.start >= s.start && l.span.end <= s.end);
    let on_path = d
        .witness
        .as_ref()
        .and_then(|w| w["path"].as_array())
        .is_some_and(|p| {
            p.iter()
                .any(|step| step["kind"] == "agent" && step["name"] == agent.name.as_str())
        });
    inside || on_path
}

fn settings(agent: &Agent) -> Settings {
    Settings {
        credentials_ttl: agent.credential_ttl.map(format_duration),
        budget_per_session: agent.budget.as_ref().map(|m| m.display()),
        memory: match agent.memory {
            Memory::None => "none",
            Memory::ReadOnly => "read_only",
            Memory::Writable => "writable",
        }
        .into(),
        audit_fields: agent.audit_fields.iter().cloned().collect(),
        tamper_evident: agent.tamper_evident,
        justification_required: agent.justification_required,
        presets: agent.presets.clone(),
    }
}

/// The blast-radius paragraph, from the report's own facts.
fn summary(r: &AgentReport) -> String {
    let free: Vec<&str> = r
        .tools
        .iter()
        .filter(|t| matches!(t.without_approval, Exists::Yes { .. }))
        .map(|t| t.tool.as_str())
        .collect();
    let gated = r.tools.len() - free.len();
    let mut s =
        format!(
        "`{}` can call {} tool(s); {} without any approval{}, {} only with approval or not at all.",
        r.name,
        r.tools.len(),
        free.len(),
        if free.is_empty() {
            String::new()
        } else {
            format!(" ({})", free.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))
        },
        gated
    );
    for sp in &r.spend {
        let get = |per: Per| sp.ceilings.iter().find(|c| c.per == per);
        let words = |a: &Amount| match a {
            Amount::Bounded { amount, .. } => amount.clone(),
            Amount::Unbounded { .. } => "an unbounded amount".into(),
            Amount::Unknown { .. } => "an amount the solver could not bound".into(),
        };
        if let (Some(call), Some(session), Some(day)) =
            (get(Per::Call), get(Per::Session), get(Per::Day))
        {
            s.push_str(&format!(
                " Without approval it can spend {} per session ({} per call, {} per day); with approvals, up to {} per session and {} per day.",
                words(&session.without_approval),
                words(&call.without_approval),
                words(&day.without_approval),
                words(&session.total),
                words(&day.total)
            ));
        }
    }
    if !r.network.egress.is_empty() {
        s.push_str(&format!(
            " It may connect to {} endpoint(s).",
            r.network.egress.len()
        ));
    } else {
        s.push_str(" It has no network egress.");
    }
    if let Some(a) = &r.aws {
        s.push_str(&format!(
            " Its AWS role allows {} statement(s).",
            a.statements.len()
        ));
    }
    if !r.untrusted_sources.is_empty() {
        s.push_str(&format!(
            " {} untrusted source(s) can steer it.",
            r.untrusted_sources.len()
        ));
    }
    if !r.agents.is_empty() {
        s.push_str(&format!(
            " It is linked to {} other agent relation(s).",
            r.agents.len()
        ));
    }
    let errors = r.findings.iter().filter(|f| f.severity == "error").count();
    s.push_str(&format!(
        " The analyzer reports {} finding(s), {errors} of them error(s).",
        r.findings.len()
    ));
    s
}
