//! The request → Cedar mapping and the Cedar response → decision mapping.
//! Both are small and pure so that an agent runtime can reimplement them
//! from `docs/cedar.md`; neither makes a policy decision.
//!
//! Request → Cedar ([`to_cedar_request`]), for a request that parses as the
//! documented request shape (`model::request`; otherwise: deny):
//! - principal `Agentpol::Agent::"<agent>"`, action `Agentpol::Action::"<tool>"`
//!   (an unknown tool has no action: deny);
//! - resource `Agentpol::Resource::"<value of the tool's resource argument>"`
//!   (not a string: deny), or `Agentpol::Tool::"<tool>"` for a tool without one;
//! - `context.args`: the arguments as given. Every value must be plain JSON
//!   that Cedar reads unambiguously: a string, a boolean, a 64-bit integer,
//!   an array of those, or a money object `{"minor": <integer>, "currency":
//!   "<three capital letters>"}` (the request JSON Schema's shape); anything
//!   else (null, a fraction, another object) is denied. Types, missing and
//!   extra arguments are left to Cedar's schema validation;
//! - `context.justification`: copied when present (even when empty);
//! - `context.calls`: the counters of the windows the action's schema
//!   declares, when present; others are dropped;
//! - `context.approvals`: for every group the action's schema declares, the
//!   number of *distinct* approvers the request lists for that group (Cedar
//!   cannot count a set);
//! - `context.spent`: copied for spend tools, dropped otherwise.
//!
//! Response → decision ([`interpret`]): an evaluation error, or a request
//! Cedar rejects, is a deny; `Allow` is allow; `Deny` whose determining
//! policies are all `@kind("approval")` (and at least one) is
//! approval_required, listing those policies' `@id`, `@group`, `@count` and
//! `@reason`; any other `Deny` is deny.

use super::print::{self, NAMESPACE};
use super::schema::{entity_ref, resource_type, ContextSpec};
use crate::model::eval::RequiredApproval;
use crate::model::request;
use crate::model::{Model, Outcome};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A request in Cedar's terms: JSON entity references
/// (`{"type": "Agentpol::Agent", "id": "..."}`) and the context record.
/// The entities are the generated `entities.json`, unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct CedarRequest {
    pub principal: Value,
    pub action: Value,
    pub resource: Value,
    pub context: Value,
}

impl CedarRequest {
    /// The file the `cedar` CLI reads with `--request-json`: the same
    /// request with entity references in Cedar syntax.
    pub fn to_cli_json(&self) -> Value {
        let text = |v: &Value| -> Value {
            let ty = v.get("type").and_then(Value::as_str).unwrap_or_default();
            let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
            Value::String(print::uid_normalized(ty, id))
        };
        let mut m = Map::new();
        m.insert("principal".into(), text(&self.principal));
        m.insert("action".into(), text(&self.action));
        m.insert("resource".into(), text(&self.resource));
        m.insert("context".into(), self.context.clone());
        Value::Object(m)
    }
}

/// Maps a request (the documented JSON shape) to Cedar. `Err` means the
/// request is malformed and must be denied without asking Cedar.
pub fn to_cedar_request(model: &Model, value: &Value) -> Result<CedarRequest, String> {
    let req = request::parse(value)?;
    let tool = model
        .tools
        .get(&req.tool)
        .ok_or_else(|| format!("unknown tool `{}`", req.tool))?;
    let spec = ContextSpec::of(model, tool);

    let mut args = Map::new();
    for (k, v) in &req.args {
        plain(v).map_err(|e| format!("argument `{k}`: {e}"))?;
        args.insert(k.clone(), v.clone());
    }
    let resource = match &tool.resource {
        Some(r) => match req.args.get(&r.arg) {
            Some(Value::String(name)) => entity_ref(resource_type(tool), name),
            _ => return Err(format!("argument `{}` must name the resource", r.arg)),
        },
        None => entity_ref(resource_type(tool), &tool.name),
    };

    let mut context = Map::new();
    context.insert("args".into(), Value::Object(args));
    if let Some(j) = &req.context.justification {
        context.insert("justification".into(), Value::String(j.clone()));
    }
    let mut calls = Map::new();
    for (k, n) in &req.context.calls {
        if spec.windows.contains(k) {
            calls.insert(k.clone(), Value::from(*n));
        }
    }
    context.insert("calls".into(), Value::Object(calls));
    let mut approvals = Map::new();
    for g in &spec.groups {
        let who: BTreeSet<&str> = req
            .context
            .approvals
            .iter()
            .filter(|a| &a.group == g)
            .map(|a| a.approver.as_str())
            .collect();
        approvals.insert(g.clone(), Value::from(who.len()));
    }
    context.insert("approvals".into(), Value::Object(approvals));
    if let (true, Some((minor, currency))) = (spec.spent, &req.context.spent) {
        let mut m = Map::new();
        m.insert("minor".into(), Value::from(*minor));
        m.insert("currency".into(), Value::String(currency.clone()));
        context.insert("spent".into(), Value::Object(m));
    }

    Ok(CedarRequest {
        principal: entity_ref("Agent", &req.agent),
        action: Value::Object(
            [
                (
                    "type".to_string(),
                    Value::String(format!("{NAMESPACE}::Action")),
                ),
                ("id".to_string(), Value::String(tool.name.clone())),
            ]
            .into_iter()
            .collect(),
        ),
        resource,
        context: Value::Object(context),
    })
}

/// An argument value Cedar reads as exactly one value of our types.
fn plain(v: &Value) -> Result<(), String> {
    match v {
        Value::String(_) | Value::Bool(_) => Ok(()),
        Value::Number(n) if n.is_i64() => Ok(()),
        Value::Array(items) => items.iter().try_for_each(|i| match i {
            Value::String(_) | Value::Bool(_) => Ok(()),
            Value::Number(n) if n.is_i64() => Ok(()),
            _ => Err("list elements must be strings, booleans or integers".to_string()),
        }),
        Value::Object(_) => match request::money(v) {
            Some((_, c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => Ok(()),
            _ => Err("an object must be money: {\"minor\": integer, \"currency\": \"USD\"}".into()),
        },
        Value::Null => Err("null is not a value".into()),
        Value::Number(_) => Err("numbers must be 64-bit integers".into()),
    }
}

/// The tri-state decision read from Cedar's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CedarDecision {
    pub decision: Outcome,
    /// Approvals still needed, sorted, when the decision is approval_required.
    pub approvals: Vec<RequiredApproval>,
    /// Fields to log (`@log`), when allowed or approval_required.
    pub log: Vec<String>,
    pub tamper_evident: bool,
}

/// Reads Cedar's answer: `allowed` is `Decision::Allow`, `errors` whether
/// the response listed evaluation errors, `determining` the annotations of
/// each policy in the response's reason set.
pub fn interpret(
    allowed: bool,
    errors: bool,
    determining: &[BTreeMap<String, String>],
) -> CedarDecision {
    let deny = CedarDecision {
        decision: Outcome::Deny,
        approvals: Vec::new(),
        log: Vec::new(),
        tamper_evident: false,
    };
    if errors {
        // A policy that errors is skipped by Cedar; a skipped forbid could
        // turn a deny into an allow, so any error fails closed.
        return deny;
    }
    let audit = |a: &BTreeMap<String, String>| -> (Vec<String>, bool) {
        let log = a
            .get("log")
            .map(|l| {
                l.split(", ")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        (log, a.get("tamper_evident").is_some_and(|t| t == "true"))
    };
    let is_approval = |a: &BTreeMap<String, String>| a.get("kind").is_some_and(|k| k == "approval");
    if allowed {
        let (log, tamper_evident) = determining.first().map(audit).unwrap_or_default();
        return CedarDecision {
            decision: Outcome::Allow,
            approvals: Vec::new(),
            log,
            tamper_evident,
        };
    }
    if determining.is_empty() || !determining.iter().all(is_approval) {
        return deny;
    }
    let mut approvals = Vec::new();
    for a in determining {
        let (Some(rule), Some(group), Some(Ok(count))) = (
            a.get("id"),
            a.get("group"),
            a.get("count").map(|c| c.parse::<u32>()),
        ) else {
            return deny;
        };
        approvals.push(RequiredApproval {
            rule: rule.clone(),
            group: group.clone(),
            count,
            reason: a.get("reason").cloned(),
        });
    }
    approvals.sort();
    approvals.dedup();
    let (log, tamper_evident) = determining.first().map(audit).unwrap_or_default();
    CedarDecision {
        decision: Outcome::ApprovalRequired,
        approvals,
        log,
        tamper_evident,
    }
}
