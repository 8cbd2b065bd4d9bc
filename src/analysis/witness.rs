//! Witnesses: the evidence a finding carries, in a documented JSON shape.
//!
//! ```json
//! {
//!   "path": [
//!     {"kind": "tool", "name": "web.fetch", "role": "returns untrusted text", "span": {..}},
//!     {"kind": "agent", "name": "triage", "role": "reads it into its context"},
//!     {"kind": "tool", "name": "chat.post", "role": "communicate, write"}
//!   ],
//!   "calls": [
//!     {"request": {"agent": "triage", "tool": "web.fetch", "args": {..}}, "decision": "allow"},
//!     {"request": {"agent": "triage", "tool": "chat.post", "args": {..}, "context": {..}}, "decision": "allow"}
//!   ]
//! }
//! ```
//!
//! `path` walks the capability graph from source to sink. Each `calls[i].request`
//! is a complete request in the shape of `agentpol schema request` (with the
//! counters, budget state and justification `decide` needs) and `decision` is
//! what `agentpol eval` answers for it — every call is evaluated by the
//! reference evaluator before the finding is reported. Renderers replace a
//! step's `span` (file id and byte range) by a file, line and column.

use super::smt::Assignment;
use crate::model::{Agent, Model, Outcome, Tool, Window};
use crate::source::Span;
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub path: Vec<Step>,
    pub calls: Vec<Call>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Agent,
    Tool,
    Resource,
    Memory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub name: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

impl Step {
    pub fn agent(a: &Agent, role: impl Into<String>) -> Step {
        Step {
            kind: StepKind::Agent,
            name: a.name.clone(),
            role: role.into(),
            span: Some(a.span),
        }
    }

    pub fn tool(t: &Tool, role: impl Into<String>) -> Step {
        Step {
            kind: StepKind::Tool,
            name: t.name.clone(),
            role: role.into(),
            span: Some(t.span),
        }
    }

    pub fn resource(ty: &str, name: &str, role: impl Into<String>) -> Step {
        Step {
            kind: StepKind::Resource,
            name: format!("{ty} \"{}\"", name.escape_debug()),
            role: role.into(),
            span: None,
        }
    }

    pub fn memory(a: &Agent, role: impl Into<String>) -> Step {
        Step {
            kind: StepKind::Memory,
            name: format!("memory of {}", a.name),
            role: role.into(),
            span: Some(a.span),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub request: Value,
    pub decision: Outcome,
}

/// What a witness call must be decided as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Allow,
    ApprovalRequired,
    Deny,
    /// Allow or approval required.
    NotDeny,
}

impl Expect {
    pub fn accepts(self, o: Outcome) -> bool {
        match self {
            Expect::Allow => o == Outcome::Allow,
            Expect::ApprovalRequired => o == Outcome::ApprovalRequired,
            Expect::Deny => o == Outcome::Deny,
            Expect::NotDeny => o != Outcome::Deny,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Expect::Allow => "allow",
            Expect::ApprovalRequired => "approval_required",
            Expect::Deny => "deny",
            Expect::NotDeny => "allow or approval_required",
        }
    }
}

/// Session state before a call: calls of this tool already made in the
/// session and the amount the agent has already spent. A witness spaces its
/// calls at least one window apart, so a counter for a window shorter than
/// the session (`limit t 1 per 1h`) is 0: only session limits bound what a
/// session can do.
#[derive(Debug, Clone, Copy, Default)]
pub struct State {
    pub calls: u64,
    pub spent: i64,
    /// Send no justification unless the assignment has one, even to an
    /// agent that requires one: the call is meant to be denied for it.
    pub without_justification: bool,
}

/// The justification a witness gives an agent that requires one, when the
/// solver's assignment has none.
pub const DEFAULT_JUSTIFICATION: &str = "example justification";

/// A complete request for `agent` calling `tool` with `a`, with the context
/// `decide` needs: a counter for every limit, the budget state, and the
/// justification.
pub fn request(agent: &Agent, tool: &Tool, a: &Assignment, state: State) -> Value {
    let mut context = Map::new();
    let mut calls = Map::new();
    for l in agent.limits.iter().filter(|l| l.tool == tool.name) {
        let made = match l.window {
            Window::Session => state.calls,
            Window::Seconds(_) => 0,
        };
        calls.insert(l.window.key(), json!(made));
    }
    if !calls.is_empty() {
        context.insert("calls".into(), Value::Object(calls));
    }
    if let (Some(_), Some(b)) = (&tool.spends, &agent.budget) {
        context.insert(
            "spent".into(),
            json!({"minor": state.spent, "currency": b.currency}),
        );
    }
    let justification = a.justification.clone().or_else(|| {
        (agent.justification_required && !state.without_justification)
            .then(|| DEFAULT_JUSTIFICATION.to_string())
    });
    if let Some(j) = justification {
        context.insert("justification".into(), Value::String(j));
    }
    let mut req = Map::new();
    req.insert("agent".into(), json!(agent.name));
    req.insert("tool".into(), json!(tool.name));
    req.insert("args".into(), Value::Object(a.args.clone()));
    if !context.is_empty() {
        req.insert("context".into(), Value::Object(context));
    }
    Value::Object(req)
}

/// Decides a request with the reference evaluator.
pub fn decide(model: &Model, request: &Value) -> crate::model::eval::Decision {
    crate::model::eval::decide_json(model, request)
}

impl Witness {
    pub fn new(path: Vec<Step>, calls: Vec<Call>) -> Witness {
        Witness { path, calls }
    }

    /// The witness in its documented JSON shape, for a diagnostic.
    pub fn json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The effects of a tool as `a, b, c`, for messages and witness steps.
pub fn effects(tool: &Tool) -> String {
    tool.effects
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A witness call the reference evaluator decides otherwise than the
/// finding claims (rendered as AP302 by `checks::unconfirmed_witness`).
#[derive(Debug, Clone)]
pub struct Unconfirmed {
    pub agent: String,
    pub agent_span: Span,
    pub tool: String,
    pub request: Value,
    pub expect: Expect,
    pub decision: crate::model::eval::Decision,
}
