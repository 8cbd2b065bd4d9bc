//! One agent's Cedar policies. Input: the [`Model`] and one [`Agent`].
//! Output: [`Policy`] values (scope, condition, annotations) that
//! [`Policy::print`] turns into Cedar text, every policy scoped to
//! `principal == Agentpol::Agent::"<agent>"` so an agent's policies form a
//! slice that can be loaded on its own.
//!
//! Per tool the agent mentions, in this order:
//! - `<agent>/args/<tool>` (forbid, deny): argument values the schema cannot
//!   constrain (enum membership, non-negative durations and money, a money
//!   argument's fixed currency);
//! - each `deny` rule (forbid, deny);
//! - each grant (permit);
//! - each `limit` (forbid, deny unless the counter is present and below the limit);
//! - `<agent>/budget/<tool>` for a spend tool under a session budget
//!   (forbid, deny), written without overflowing arithmetic;
//! - each gate (forbid, approval) when some grant matches and its trigger
//!   holds without enough approvers;
//! - each grant-level trigger (forbid, approval) when its grant matches, the
//!   trigger holds without enough approvers, and no matching grant is free of
//!   unmet triggers.
//!
//! and, once per agent, `<agent>/justification` (forbid, deny).

use super::cond::{cond, ARGS};
use super::print::{self, Expr};
use super::Diagnostic;
use crate::model::{Agent, Approval, Grant, Model, RuleOrigin, Tool, Type};
use crate::source::SourceMap;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Permit,
    Forbid,
}

/// The `@kind` annotation: how a determining policy maps to the tri-state decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Grant,
    Deny,
    Approval,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Grant => "grant",
            Kind::Deny => "deny",
            Kind::Approval => "approval",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Clause {
    When(Expr),
    Unless(Expr),
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub effect: Effect,
    pub kind: Kind,
    /// Annotations besides `@id` and `@kind`, in print order.
    pub annotations: Vec<(&'static str, String)>,
    pub agent: String,
    /// `None`: every action.
    pub tool: Option<String>,
    pub clause: Clause,
}

impl Policy {
    pub fn print(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("@id({})\n", print::string(&self.id)));
        out.push_str(&format!("@kind({})\n", print::string(self.kind.as_str())));
        for (k, v) in &self.annotations {
            out.push_str(&format!("@{k}({})\n", print::string(v)));
        }
        out.push_str(match self.effect {
            Effect::Permit => "permit (\n",
            Effect::Forbid => "forbid (\n",
        });
        out.push_str(&format!(
            "  principal == {},\n",
            print::uid("Agent", &self.agent)
        ));
        match &self.tool {
            Some(t) => out.push_str(&format!("  action == {},\n", print::uid("Action", t))),
            None => out.push_str("  action,\n"),
        }
        out.push_str("  resource\n)");
        let (word, expr) = match &self.clause {
            Clause::When(e) => ("when", e),
            Clause::Unless(e) => ("unless", e),
        };
        match (word, expr) {
            ("when", Expr::Bool(true)) | ("unless", Expr::Bool(false)) => {}
            _ => out.push_str(&format!("\n{word} {{\n  {}\n}}", expr.print(2))),
        }
        out.push_str(";\n");
        out
    }
}

/// What the builder needs besides the agent.
pub struct Cx<'a> {
    pub model: &'a Model,
    pub sources: &'a SourceMap,
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    fn source(&self, origin: &RuleOrigin) -> Vec<(&'static str, String)> {
        let mut a = vec![("source", self.sources.location(origin.span))];
        if let Some(p) = &origin.preset {
            a.push(("preset", p.clone()));
        }
        a
    }
}

/// `context.approvals["<group>"] < count`: the approval is not yet given.
fn pending(a: &Approval) -> Expr {
    Expr::atom(format!(
        "{} < {}",
        print::access("context.approvals", &a.group),
        a.count
    ))
}

/// The approval trigger holds and is not yet approved.
fn unmet(a: &Approval, tool: &Tool) -> Expr {
    Expr::and(vec![cond(&a.condition, tool), pending(a)])
}

/// Fields to log for this agent and tool, as the `@log` annotation reads.
fn log_fields(agent: &Agent, tool: &str) -> String {
    let mut fields: BTreeSet<&str> = agent.audit_fields.iter().map(String::as_str).collect();
    if let Some(f) = agent.logs.get(tool) {
        fields.extend(f.iter().map(String::as_str));
    }
    fields.into_iter().collect::<Vec<_>>().join(", ")
}

pub fn agent_policies(cx: &mut Cx<'_>, agent: &Agent) -> Vec<Policy> {
    let mut tools: BTreeSet<&str> = BTreeSet::new();
    tools.extend(agent.grants.iter().map(|g| g.tool.as_str()));
    tools.extend(agent.denies.iter().map(|d| d.tool.as_str()));
    tools.extend(agent.limits.iter().map(|l| l.tool.as_str()));
    tools.extend(agent.gates.iter().map(|g| g.tool.as_str()));
    let mut out = Vec::new();
    for name in tools {
        if let Some(tool) = cx.model.tools.get(name) {
            tool_policies(cx, agent, tool, &mut out);
        }
    }
    if agent.justification_required && !agent.grants.is_empty() {
        let j = print::access("context", "justification");
        out.push(Policy {
            id: format!("{}/justification", agent.name),
            effect: Effect::Forbid,
            kind: Kind::Deny,
            annotations: vec![
                ("source", cx.sources.location(agent.span)),
                ("reason", "a non-empty justification is required".into()),
            ],
            agent: agent.name.clone(),
            tool: None,
            clause: Clause::Unless(Expr::and(vec![
                Expr::atom(print::has("context", "justification")),
                Expr::atom(format!("{j} != \"\"")),
            ])),
        });
    }
    dedup_ids(&mut out);
    out
}

fn tool_policies(cx: &mut Cx<'_>, agent: &Agent, tool: &Tool, out: &mut Vec<Policy>) {
    let grants: Vec<&Grant> = agent.grants_for(&tool.name).collect();
    let base = |id: String, effect, kind, annotations, clause| Policy {
        id,
        effect,
        kind,
        annotations,
        agent: agent.name.clone(),
        tool: Some(tool.name.clone()),
        clause,
    };
    let log = log_fields(agent, &tool.name);
    let mut audit = vec![("log", log)];
    if agent.tamper_evident {
        audit.push(("tamper_evident", "true".to_string()));
    }

    if !grants.is_empty() {
        let invalid = invalid_args(tool);
        if invalid != Expr::Bool(false) {
            out.push(base(
                format!("{}/args/{}", agent.name, tool.name),
                Effect::Forbid,
                Kind::Deny,
                vec![
                    ("source", cx.sources.location(tool.span)),
                    (
                        "reason",
                        "argument values outside their declared types".into(),
                    ),
                ],
                Clause::When(invalid),
            ));
        }
    }
    for d in agent.denies.iter().filter(|d| d.tool == tool.name) {
        let mut a = cx.source(&d.origin);
        if let Some(r) = &d.reason {
            a.push(("reason", r.clone()));
        }
        out.push(base(
            d.id.clone(),
            Effect::Forbid,
            Kind::Deny,
            a,
            Clause::When(cond(&d.condition, tool)),
        ));
    }
    for g in &grants {
        let mut a = cx.source(&g.origin);
        a.extend(audit.iter().cloned());
        out.push(base(
            g.id.clone(),
            Effect::Permit,
            Kind::Grant,
            a,
            Clause::When(cond(&g.condition, tool)),
        ));
    }
    for l in agent.limits.iter().filter(|l| l.tool == tool.name) {
        let Ok(max) = i64::try_from(l.max) else {
            cx.diagnostics.push(super::unsupported(
                &format!("a limit of {} calls", l.max),
                l.origin.span,
                "Cedar integers are 64-bit signed; use a limit below 2^63",
            ));
            continue;
        };
        let key = l.window.key();
        let counter = print::access("context.calls", &key);
        out.push(base(
            l.id.clone(),
            Effect::Forbid,
            Kind::Deny,
            cx.source(&l.origin),
            Clause::Unless(Expr::and(vec![
                Expr::atom(print::has("context.calls", &key)),
                Expr::atom(format!("{counter} < {max}")),
            ])),
        ));
    }
    if let (Some(arg), Some(budget), false) = (&tool.spends, &agent.budget, grants.is_empty()) {
        out.push(base(
            format!("{}/budget/{}", agent.name, tool.name),
            Effect::Forbid,
            Kind::Deny,
            vec![
                ("source", cx.sources.location(agent.span)),
                (
                    "reason",
                    format!("the session budget of {}", budget.display()),
                ),
            ],
            Clause::Unless(within_budget(tool, arg, budget)),
        ));
    }
    if grants.is_empty() {
        // Gates and triggers only ever turn an allow into approval_required;
        // without a grant the call is denied by default.
        return;
    }
    let any_grant = Expr::or(grants.iter().map(|g| cond(&g.condition, tool)).collect());
    for gate in agent.gates.iter().filter(|g| g.tool == tool.name) {
        let a = &gate.approval;
        out.push(base(
            a.id.clone(),
            Effect::Forbid,
            Kind::Approval,
            approval_annotations(cx, a, &audit),
            Clause::When(Expr::and(vec![any_grant.clone(), unmet(a, tool)])),
        ));
    }
    // "No matching grant is free of unmet triggers", for a trigger of grant
    // `g`: when that trigger is unmet `g` itself is not free, so only the
    // other grants need testing.
    let free = |g: &Grant| {
        let met = Expr::and(
            g.approvals
                .iter()
                .map(|a| Expr::not(unmet(a, tool)))
                .collect(),
        );
        Expr::and(vec![cond(&g.condition, tool), met])
    };
    for (i, g) in grants.iter().enumerate() {
        if g.approvals.is_empty() {
            continue;
        }
        let no_other_free = Expr::and(
            grants
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, other)| Expr::not(free(other)))
                .collect(),
        );
        for a in &g.approvals {
            out.push(base(
                a.id.clone(),
                Effect::Forbid,
                Kind::Approval,
                approval_annotations(cx, a, &audit),
                Clause::When(Expr::and(vec![
                    cond(&g.condition, tool),
                    unmet(a, tool),
                    no_other_free.clone(),
                ])),
            ));
        }
    }
}

fn approval_annotations(
    cx: &Cx<'_>,
    a: &Approval,
    audit: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut out = cx.source(&a.origin);
    out.push(("group", a.group.clone()));
    out.push(("count", a.count.to_string()));
    if let Some(r) = &a.reason {
        out.push(("reason", r.clone()));
    }
    out.extend(audit.iter().cloned());
    out
}

/// Argument values the schema's types cannot rule out, as one expression
/// true when some argument is present and out of its declared range. (An
/// `unless { !(has x) || ok(x) }` would mean the same, but the strict
/// validator only trusts a `has` guard on the left of `&&`.)
fn invalid_args(tool: &Tool) -> Expr {
    let mut violations = Vec::new();
    for (name, spec) in &tool.args {
        let path = print::access(ARGS, name);
        let ok = match &spec.ty {
            Type::Duration => Expr::atom(format!("{path} >= 0")),
            Type::Money { currency } => {
                let mut parts = vec![Expr::atom(format!(
                    "{} >= 0",
                    print::access(&path, "minor")
                ))];
                if let Some(c) = currency {
                    parts.push(Expr::atom(format!(
                        "{} == {}",
                        print::access(&path, "currency"),
                        print::string(c)
                    )));
                }
                Expr::and(parts)
            }
            Type::Enum { values } => {
                Expr::primary(format!("{}.contains({path})", print::string_set(values)))
            }
            Type::List { element } => match element.as_ref() {
                Type::Enum { values } => {
                    Expr::primary(format!("{}.containsAll({path})", print::string_set(values)))
                }
                _ => Expr::Bool(true),
            },
            Type::String | Type::Int | Type::Bool => Expr::Bool(true),
        };
        if ok == Expr::Bool(true) {
            continue;
        }
        let guard = if spec.optional {
            Expr::atom(print::has(ARGS, name))
        } else {
            Expr::Bool(true)
        };
        violations.push(Expr::and(vec![guard, Expr::not(ok)]));
    }
    Expr::or(violations)
}

/// `spent + amount <= budget` in the budget's currency, without overflow:
/// with `0 <= spent <= budget`, `budget - spent` cannot overflow.
fn within_budget(tool: &Tool, arg: &str, budget: &crate::model::Money) -> Expr {
    let Some(spec) = tool
        .args
        .get(arg)
        .filter(|s| matches!(s.ty, Type::Money { .. }))
    else {
        // The reference denies every spend it cannot read as money.
        return Expr::Bool(false);
    };
    let amount = print::access(ARGS, arg);
    let optional = spec.optional;
    let cur = print::string(&budget.currency);
    let b = budget.minor;
    let mut parts = vec![Expr::atom(print::has("context", "spent"))];
    if optional {
        parts.push(Expr::atom(print::has(ARGS, arg)));
    }
    parts.extend([
        Expr::atom(format!("context.spent.currency == {cur}")),
        Expr::atom(format!("{amount}.currency == {cur}")),
        Expr::atom("context.spent.minor >= 0".to_string()),
        Expr::atom(format!("context.spent.minor <= {b}")),
        Expr::atom(format!("{amount}.minor <= {b} - context.spent.minor")),
    ]);
    Expr::and(parts)
}

/// Policy ids must be unique in a policy set; model ids already are, this
/// only guards synthesized ones (suffix `#2`, `#3`, ... in order).
fn dedup_ids(policies: &mut [Policy]) {
    let mut seen = BTreeSet::new();
    for p in policies.iter_mut() {
        let mut n = 1;
        let base = p.id.clone();
        while !seen.insert(p.id.clone()) {
            n += 1;
            p.id = format!("{base}#{n}");
        }
    }
}
