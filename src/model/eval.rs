//! The reference decision: `decide(model, request) -> Decision`. Every backend
//! is tested against this function. It is default-deny and fails closed: a
//! request that cannot be fully checked is denied, never allowed.
//!
//! Order of evaluation (all deny causes are equivalent; reasons list them):
//! 1. the request must parse, name a declared agent and tool, and carry
//!    arguments of the declared types (nothing missing, nothing extra);
//! 2. a matching `deny` rule denies;
//! 3. no matching grant denies (default deny);
//! 4. a `limit` whose counter is missing or reached denies; a spend beyond the
//!    session budget (or with a missing or foreign-currency counter) denies;
//! 5. a required justification that is missing or empty denies;
//! 6. approval: a matching gate whose condition holds and whose approvals are
//!    not given requires approval; otherwise, if every matching grant has an
//!    unmet approval trigger, approval is required (listing them all); a
//!    single matching grant without an unmet trigger allows.

use super::cond::Env;
use super::request::{self, Request};
use super::trace::{money, ApprovalEvent, BudgetCheck, NoTrace, RuleKind, Trace, Tracer};
use super::{Agent, Approval, Model, Money, Outcome, Tool, Type};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub decision: Outcome,
    /// Ids of the rules that decided (deny rules, grants, approval triggers, limits).
    pub rules: Vec<String>,
    /// Human-readable reasons, one per cause.
    pub reasons: Vec<String>,
    /// Approvals still needed, when the decision is `approval_required`.
    pub approvals: Vec<RequiredApproval>,
    /// Fields the runtime must log for this call.
    pub log: Vec<String>,
    pub tamper_evident: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RequiredApproval {
    pub rule: String,
    pub group: String,
    pub count: u32,
    pub reason: Option<String>,
}

impl Decision {
    fn deny(reason: impl Into<String>) -> Decision {
        Decision {
            decision: Outcome::Deny,
            rules: Vec::new(),
            reasons: vec![reason.into()],
            approvals: Vec::new(),
            log: Vec::new(),
            tamper_evident: false,
        }
    }
}

/// Decides a request given as JSON (the documented request shape).
pub fn decide_json(model: &Model, value: &Value) -> Decision {
    match request::parse(value) {
        Ok(req) => decide(model, &req),
        Err(e) => Decision::deny(format!("invalid request: {e}")),
    }
}

pub fn decide(model: &Model, req: &Request) -> Decision {
    decide_traced(model, req, &mut NoTrace)
}

/// The decision and why: the same evaluation as [`decide`], with every test
/// it made recorded.
pub fn explain(model: &Model, req: &Request) -> (Decision, Trace) {
    let mut trace = Trace::default();
    let d = decide_traced(model, req, &mut trace);
    (d, trace)
}

/// [`explain`] for a request given as JSON.
pub fn explain_json(model: &Model, value: &Value) -> (Decision, Trace) {
    match request::parse(value) {
        Ok(req) => explain(model, &req),
        Err(e) => {
            let mut t = Trace::default();
            t.stop("the request does not match the documented shape");
            (Decision::deny(format!("invalid request: {e}")), t)
        }
    }
}

/// The reference decision, reporting each test to `tr` as it is made.
pub fn decide_traced(model: &Model, req: &Request, tr: &mut impl Tracer) -> Decision {
    let Some(agent) = model.agents.get(&req.agent) else {
        tr.stop("the agent is not declared");
        return Decision::deny(format!("unknown agent `{}`", req.agent));
    };
    let Some(tool) = model.tools.get(&req.tool) else {
        tr.stop("the tool is not declared");
        return Decision::deny(format!("unknown tool `{}`", req.tool));
    };
    let mut log: BTreeSet<String> = agent.audit_fields.clone();
    if let Some(fields) = agent.logs.get(&tool.name) {
        log.extend(fields.iter().cloned());
    }
    let mut d = Decision::deny("");
    d.reasons.clear();
    d.log = log.into_iter().collect();
    d.tamper_evident = agent.tamper_evident;

    if let Err(e) = validate_args(tool, &req.args) {
        d.reasons.push(format!("invalid arguments: {e}"));
        tr.stop("the arguments do not match the tool's declared types");
        return d;
    }
    let env = Env {
        args: &req.args,
        justification: req.context.justification.as_deref(),
    };

    for deny in agent.denies.iter().filter(|x| x.tool == tool.name) {
        tr.rule(RuleKind::Deny, &deny.id, tool, &deny.condition, &env);
        if deny.condition.eval(&env) {
            d.rules.push(deny.id.clone());
            d.reasons.push(match &deny.reason {
                Some(r) => format!("denied by `{}`: {r}", deny.id),
                None => format!("denied by `{}`", deny.id),
            });
        }
    }
    if !d.rules.is_empty() {
        tr.stop("a deny rule matched");
        return d;
    }

    let matching: Vec<_> = agent
        .grants_for(&tool.name)
        .filter(|g| {
            tr.rule(RuleKind::Grant, &g.id, tool, &g.condition, &env);
            g.condition.eval(&env)
        })
        .collect();
    if matching.is_empty() {
        d.reasons.push(format!(
            "no grant allows `{}` to call `{}` with these arguments",
            agent.name, tool.name
        ));
        tr.stop("no grant matched");
        return d;
    }

    if let Some(reasons) = session_limits(agent, tool, req, &mut d.rules, tr) {
        d.reasons.extend(reasons);
        tr.stop("a limit or the budget denied the call");
        return d;
    }

    if agent.justification_required {
        let given = req.context.justification.as_deref();
        let ok = given.is_some_and(|j| !j.is_empty());
        tr.justification(given, ok);
        if !ok {
            d.reasons
                .push(format!("agent `{}` must give a justification", agent.name));
            tr.stop("the required justification is missing");
            return d;
        }
    }

    // Approval gates apply whichever grant matched.
    let mut pending: Vec<&Approval> = agent
        .gates
        .iter()
        .filter(|g| g.tool == tool.name)
        .map(|g| &g.approval)
        .filter(|a| {
            tr.approval(event(None, a, tool, &env, req));
            a.condition.eval(&env) && !approved(a, req)
        })
        .collect();
    let mut free = Vec::new();
    let mut grant_pending = Vec::new();
    for g in &matching {
        let unmet: Vec<&Approval> = g
            .approvals
            .iter()
            .filter(|a| {
                tr.approval(event(Some(&g.id), a, tool, &env, req));
                a.condition.eval(&env) && !approved(a, req)
            })
            .collect();
        if unmet.is_empty() {
            free.push(g.id.clone());
        } else {
            grant_pending.extend(unmet);
        }
    }
    if free.is_empty() {
        pending.extend(grant_pending);
    }
    if pending.is_empty() {
        d.decision = Outcome::Allow;
        d.rules = free;
        d.reasons
            .push(format!("allowed by {}", quote_list(&d.rules)));
        return d;
    }
    d.decision = Outcome::ApprovalRequired;
    let mut required: Vec<RequiredApproval> = pending
        .iter()
        .map(|a| RequiredApproval {
            rule: a.id.clone(),
            group: a.group.clone(),
            count: a.count,
            reason: a.reason.clone(),
        })
        .collect();
    required.sort();
    required.dedup();
    d.rules = matching
        .iter()
        .map(|g| g.id.clone())
        .chain(required.iter().map(|r| r.rule.clone()))
        .collect();
    for r in &required {
        d.reasons.push(format!(
            "needs {} approval(s) from group `{}`{}",
            r.count,
            r.group,
            r.reason
                .as_ref()
                .map(|x| format!(": {x}"))
                .unwrap_or_default()
        ));
    }
    d.approvals = required;
    d
}

/// Limits and budget: `Some(reasons)` when the call must be denied.
fn session_limits(
    agent: &Agent,
    tool: &Tool,
    req: &Request,
    rules: &mut Vec<String>,
    tr: &mut impl Tracer,
) -> Option<Vec<String>> {
    let mut reasons = Vec::new();
    for limit in agent.limits.iter().filter(|l| l.tool == tool.name) {
        let key = limit.window.key();
        let counter = req.context.calls.get(&key).copied();
        tr.limit(
            limit,
            counter,
            counter.is_none_or(|n| n >= limit.max as i64),
        );
        match req.context.calls.get(&key) {
            None => {
                rules.push(limit.id.clone());
                reasons.push(format!(
                    "`context.calls.{key}` is required by `{}` and missing",
                    limit.id
                ));
            }
            Some(n) if *n >= limit.max as i64 => {
                rules.push(limit.id.clone());
                reasons.push(format!(
                    "limit of {} calls per {key} reached (`{}`)",
                    limit.max, limit.id
                ));
            }
            Some(_) => {}
        }
    }
    if let (Some(arg), Some(budget)) = (&tool.spends, &agent.budget) {
        let amount = req.args.get(arg).and_then(request::money);
        let before = rules.len();
        budget_check(agent, budget, req, amount.as_ref(), rules, &mut reasons);
        tr.budget(BudgetCheck {
            rule: format!("{}/budget", agent.name),
            budget: budget.display(),
            spent: req.context.spent.as_ref().map(|(m, c)| money(*m, c)),
            amount: amount.as_ref().map(|(m, c)| money(*m, c)),
            ok: rules.len() == before,
        });
    }
    (!reasons.is_empty()).then_some(reasons)
}

/// The session budget test of one spend.
fn budget_check(
    agent: &Agent,
    budget: &Money,
    req: &Request,
    amount: Option<&(i64, String)>,
    rules: &mut Vec<String>,
    reasons: &mut Vec<String>,
) {
    match (&req.context.spent, amount) {
        (Some((spent, cur)), Some((minor, acur)))
            if *cur == budget.currency && *acur == budget.currency =>
        {
            if i128::from(*spent) + i128::from(*minor) > i128::from(budget.minor) {
                rules.push(format!("{}/budget", agent.name));
                // Worded without the amount so every backend can say it
                // exactly: the amount is in the request already.
                reasons.push(format!(
                    "this spend would exceed the session budget of {}",
                    budget.display()
                ));
            }
        }
        (None, _) => {
            rules.push(format!("{}/budget", agent.name));
            reasons.push("`context.spent` is required by the session budget and missing".into());
        }
        _ => {
            rules.push(format!("{}/budget", agent.name));
            reasons.push(format!(
                "the spend and `context.spent` must be in {}",
                budget.currency
            ));
        }
    }
}

fn event<'a>(
    grant: Option<&'a str>,
    approval: &'a Approval,
    tool: &'a Tool,
    env: &'a Env<'a>,
    req: &Request,
) -> ApprovalEvent<'a> {
    ApprovalEvent {
        grant,
        approval,
        tool,
        env,
        given: approvers(approval, req),
    }
}

/// Distinct approvers from the approval's group reach its count.
pub fn approved(a: &Approval, req: &Request) -> bool {
    approvers(a, req) >= a.count as usize
}

/// Distinct approvers of the approval's group given in the request.
fn approvers(a: &Approval, req: &Request) -> usize {
    req.context
        .approvals
        .iter()
        .filter(|g| g.group == a.group)
        .map(|g| g.approver.as_str())
        .collect::<BTreeSet<&str>>()
        .len()
}

fn quote_list(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks arguments against the tool's declared types: nothing missing,
/// nothing unknown, every value of its type.
pub fn validate_args(tool: &Tool, args: &serde_json::Map<String, Value>) -> Result<(), String> {
    if let Some(extra) = args.keys().find(|k| !tool.args.contains_key(*k)) {
        return Err(format!("`{}` has no argument `{extra}`", tool.name));
    }
    for (name, spec) in &tool.args {
        match args.get(name) {
            None if spec.optional => {}
            None => return Err(format!("missing argument `{name}`")),
            Some(v) => {
                if !value_has_type(v, &spec.ty) {
                    return Err(format!("argument `{name}` must be {}", spec.ty.describe()));
                }
            }
        }
    }
    Ok(())
}

pub fn value_has_type(v: &Value, ty: &Type) -> bool {
    match ty {
        Type::String => v.is_string(),
        Type::Int => v.is_i64(),
        Type::Bool => v.is_boolean(),
        Type::Duration => v.as_i64().is_some_and(|n| n >= 0),
        Type::Money { currency } => match request::money(v) {
            Some((minor, cur)) => {
                minor >= 0
                    && request::currency_code(&cur)
                    && currency.as_ref().is_none_or(|c| *c == cur)
            }
            None => false,
        },
        Type::Enum { values } => v.as_str().is_some_and(|s| values.iter().any(|x| x == s)),
        Type::List { element } => v
            .as_array()
            .is_some_and(|items| items.iter().all(|i| value_has_type(i, element))),
    }
}
