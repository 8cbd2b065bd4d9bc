//! The Cedar schema (JSON format) and the entities file. Input: the
//! [`Model`]. Output: `serde_json` values, so every name is escaped by the
//! JSON serializer and nothing is printed by hand.
//!
//! ```text
//! namespace Agentpol
//!   entity Agent    { owner?: String, domains: Set<String> }   the principal
//!   entity Resource                                           a tool's named resource
//!   entity Tool                                               the resource of a tool without one
//!   type Money = { minor: Long, currency: String }
//!   action "<tool>" appliesTo {
//!     principal: Agent, resource: Resource | Tool,
//!     context: {
//!       args: { <arg>: <type>, <optional arg>?: <type>, ... },
//!       justification?: String,
//!       calls: { <window>?: Long, ... },        windows limited for this tool
//!       approvals: { <group>: Long, ... },      groups approving this tool
//!       spent?: Money                           spend tools only
//!     }
//!   }
//! ```
//!
//! Records are closed: a context with an unknown, missing or mistyped
//! attribute fails Cedar's request validation, and such a request is denied.

use super::print::NAMESPACE;
use crate::model::{Model, Tool, Type};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The request-dependent parts of one action's context type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextSpec {
    /// `context.calls` keys: every window some agent limits this tool by.
    pub windows: BTreeSet<String>,
    /// `context.approvals` keys: every group some gate or trigger on this tool names.
    pub groups: BTreeSet<String>,
    /// Whether `context.spent` is declared (the tool spends money).
    pub spent: bool,
}

impl ContextSpec {
    pub fn of(model: &Model, tool: &Tool) -> ContextSpec {
        let mut spec = ContextSpec {
            spent: tool.spends.is_some(),
            ..ContextSpec::default()
        };
        for agent in model.agents.values() {
            for l in agent.limits.iter().filter(|l| l.tool == tool.name) {
                spec.windows.insert(l.window.key());
            }
            for g in agent.gates.iter().filter(|g| g.tool == tool.name) {
                spec.groups.insert(g.approval.group.clone());
            }
            for g in agent.grants_for(&tool.name) {
                spec.groups
                    .extend(g.approvals.iter().map(|a| a.group.clone()));
            }
        }
        spec
    }
}

fn long() -> Value {
    json!({"type": "Long"})
}

fn string() -> Value {
    json!({"type": "String"})
}

fn optional(mut ty: Value) -> Value {
    if let Value::Object(m) = &mut ty {
        m.insert("required".into(), Value::Bool(false));
    }
    ty
}

fn record(attributes: Map<String, Value>) -> Value {
    json!({"type": "Record", "attributes": attributes})
}

fn arg_type(ty: &Type) -> Value {
    match ty {
        Type::String | Type::Enum { .. } => string(),
        Type::Int | Type::Duration => long(),
        Type::Bool => json!({"type": "Boolean"}),
        Type::Money { .. } => json!({"type": "Money"}),
        Type::List { element } => json!({"type": "Set", "element": arg_type(element)}),
    }
}

/// The resource entity type of a tool's action.
pub fn resource_type(tool: &Tool) -> &'static str {
    if tool.resource.is_some() {
        "Resource"
    } else {
        "Tool"
    }
}

fn context_type(model: &Model, tool: &Tool) -> Value {
    let spec = ContextSpec::of(model, tool);
    let mut args = Map::new();
    for (name, a) in &tool.args {
        let ty = arg_type(&a.ty);
        args.insert(name.clone(), if a.optional { optional(ty) } else { ty });
    }
    let mut calls = Map::new();
    for w in &spec.windows {
        calls.insert(w.clone(), optional(long()));
    }
    let mut approvals = Map::new();
    for g in &spec.groups {
        approvals.insert(g.clone(), long());
    }
    let mut ctx = Map::new();
    ctx.insert("args".into(), record(args));
    ctx.insert("justification".into(), optional(string()));
    ctx.insert("calls".into(), record(calls));
    ctx.insert("approvals".into(), record(approvals));
    if spec.spent {
        ctx.insert("spent".into(), optional(json!({"type": "Money"})));
    }
    record(ctx)
}

pub fn schema(model: &Model) -> Value {
    let mut money = Map::new();
    money.insert("minor".into(), long());
    money.insert("currency".into(), string());
    let mut agent = Map::new();
    agent.insert("owner".into(), optional(string()));
    agent.insert(
        "domains".into(),
        json!({"type": "Set", "element": string()}),
    );
    let mut actions = Map::new();
    for tool in model.tools.values() {
        actions.insert(
            tool.name.clone(),
            json!({
                "appliesTo": {
                    "principalTypes": ["Agent"],
                    "resourceTypes": [resource_type(tool)],
                    "context": context_type(model, tool),
                }
            }),
        );
    }
    json!({
        NAMESPACE: {
            "commonTypes": {"Money": record(money)},
            "entityTypes": {
                "Agent": {"shape": record(agent)},
                "Resource": {},
                "Tool": {},
            },
            "actions": actions,
        }
    })
}

fn uid(ty: &str, id: &str) -> Value {
    json!({"type": format!("{NAMESPACE}::{ty}"), "id": id})
}

/// The entities file: every agent, and a `Tool` entity for every tool that
/// acts on no named resource (that entity is the request's resource).
pub fn entities(model: &Model) -> Value {
    let mut out = Vec::new();
    for agent in model.agents.values() {
        let mut attrs = Map::new();
        if let Some(o) = &agent.owner {
            attrs.insert("owner".into(), Value::String(o.clone()));
        }
        attrs.insert("domains".into(), json!(agent.domains));
        out.push(json!({"uid": uid("Agent", &agent.name), "attrs": attrs, "parents": []}));
    }
    for tool in model.tools.values().filter(|t| t.resource.is_none()) {
        out.push(json!({"uid": uid("Tool", &tool.name), "attrs": {}, "parents": []}));
    }
    Value::Array(out)
}

/// The JSON entity reference of the request's principal, action or resource.
pub fn entity_ref(ty: &str, id: &str) -> Value {
    uid(ty, id)
}
