//! The request: one documented JSON shape that `decide`, the generated Rego
//! (as OPA `input`) and the Cedar mapping all read.
//!
//! ```json
//! {
//!   "agent": "procurement",
//!   "tool": "payments.create_charge",
//!   "args": {"amount": {"minor": 5000, "currency": "USD"}, "vendor": "acme"},
//!   "context": {
//!     "approvals": [{"group": "finance-approvers", "approver": "alice@acme.example"}],
//!     "justification": "restock office supplies",
//!     "calls": {"session": 2, "1h": 1},
//!     "spent": {"minor": 10000, "currency": "USD"}
//!   }
//! }
//! ```
//!
//! `context.calls` counts earlier calls of *this* tool by this agent, per
//! window (`session` or a canonical duration such as `1h`); `context.spent` is
//! what the session has spent so far. The agent runtime keeps both counters.
//! Unknown fields anywhere are rejected: a request that does not match this
//! shape is denied.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub agent: String,
    pub tool: String,
    pub args: Map<String, Value>,
    pub context: Context,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub approvals: Vec<GivenApproval>,
    pub justification: Option<String>,
    /// Calls of the requested tool already made, per window key.
    pub calls: BTreeMap<String, i64>,
    pub spent: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenApproval {
    pub group: String,
    pub approver: String,
}

/// Parses the request envelope. Argument values are validated later against
/// the tool's declared types (see `eval`).
pub fn parse(value: &Value) -> Result<Request, String> {
    let obj = value
        .as_object()
        .ok_or("the request must be a JSON object")?;
    only_keys(obj, &["agent", "tool", "args", "context"], "request")?;
    let agent = string_field(obj, "agent")?;
    let tool = string_field(obj, "tool")?;
    let args = match obj.get("args") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("`args` must be an object".into()),
    };
    let context = match obj.get("context") {
        None => Context::default(),
        Some(Value::Object(c)) => parse_context(c)?,
        Some(_) => return Err("`context` must be an object".into()),
    };
    Ok(Request {
        agent,
        tool,
        args,
        context,
    })
}

fn parse_context(c: &Map<String, Value>) -> Result<Context, String> {
    only_keys(
        c,
        &["approvals", "justification", "calls", "spent"],
        "context",
    )?;
    let mut ctx = Context::default();
    if let Some(a) = c.get("approvals") {
        let list = a.as_array().ok_or("`context.approvals` must be an array")?;
        for item in list {
            let o = item.as_object().ok_or("each approval must be an object")?;
            only_keys(o, &["group", "approver"], "approval")?;
            ctx.approvals.push(GivenApproval {
                group: string_field(o, "group")?,
                approver: string_field(o, "approver")?,
            });
        }
    }
    if let Some(j) = c.get("justification") {
        ctx.justification = Some(
            j.as_str()
                .ok_or("`context.justification` must be a string")?
                .to_string(),
        );
    }
    if let Some(calls) = c.get("calls") {
        let o = calls
            .as_object()
            .ok_or("`context.calls` must be an object")?;
        for (k, v) in o {
            let n = v
                .as_i64()
                .filter(|n| *n >= 0)
                .ok_or("call counters must be non-negative integers")?;
            ctx.calls.insert(k.clone(), n);
        }
    }
    if let Some(s) = c.get("spent") {
        ctx.spent = Some(
            money(s)
                .ok_or("`context.spent` must be {\"minor\": integer >= 0, \"currency\": string}")?,
        );
        if ctx.spent.as_ref().is_some_and(|(m, _)| *m < 0) {
            return Err("`context.spent` must not be negative".into());
        }
        if ctx.spent.as_ref().is_some_and(|(_, c)| !currency_code(c)) {
            return Err("`context.spent.currency` must be three capital letters (ISO 4217)".into());
        }
    }
    Ok(ctx)
}

/// A currency as the request schema spells it: three capital ASCII letters
/// (`USD`; `usd` is not one).
pub fn currency_code(c: &str) -> bool {
    c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())
}

/// `{"minor": i64, "currency": "XYZ"}` with nothing else.
pub fn money(v: &Value) -> Option<(i64, String)> {
    let o = v.as_object()?;
    if o.len() != 2 {
        return None;
    }
    Some((
        o.get("minor")?.as_i64()?,
        o.get("currency")?.as_str()?.to_string(),
    ))
}

fn only_keys(obj: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown field `{k}` in {what}")),
        None => Ok(()),
    }
}

fn string_field(obj: &Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("`{key}` must be a string")),
        None => Err(format!("missing field `{key}`")),
    }
}

/// The JSON Schema (draft 2020-12) of a request, printed by `agentpol schema request`.
///
/// Integers carry their 64-bit range. How an integer is written is beyond
/// JSON Schema (its `integer` accepts `50000.0`), so the descriptions say
/// it: digits with an optional `-`, no fraction, exponent or `-0`, as
/// `decide`, the generated Rego and the Cedar mapping all require.
pub fn schema() -> Value {
    const WRITTEN: &str = "written as JSON digits with an optional leading `-`: no fraction, no exponent, no `-0` (`50000.0`, `5e4` and `-0` are refused)";
    let money = json!({
        "type": "object",
        "required": ["minor", "currency"],
        "additionalProperties": false,
        "properties": {
            "minor": {
                "type": "integer", "minimum": 0, "maximum": i64::MAX,
                "description": format!("amount in minor units (cents), {WRITTEN}")
            },
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}
        }
    });
    let int = json!({
        "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX,
        "description": format!("a signed 64-bit integer, {WRITTEN}")
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://agentpol.dev/schema/request.json",
        "title": "agentpol request",
        "description": "One tool call an agent wants to make. Arguments are checked against the tool's declared types; anything that does not match this schema is denied.",
        "type": "object",
        "required": ["agent", "tool"],
        "additionalProperties": false,
        "properties": {
            "agent": {"type": "string", "description": "the agent's name as declared in the policy"},
            "tool": {"type": "string", "description": "the full tool name, e.g. slack.post_message"},
            "args": {
                "type": "object",
                "description": "tool arguments: string, integer, boolean, enum (string), duration (integer seconds), money, or arrays of scalars",
                "additionalProperties": {
                    "anyOf": [
                        {"type": "string"},
                        {"$ref": "#/$defs/int"},
                        {"type": "boolean"},
                        {"$ref": "#/$defs/money"},
                        {"type": "array", "items": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/int"}]}}
                    ]
                }
            },
            "context": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "approvals": {
                        "type": "array",
                        "description": "approvals already given for this exact call",
                        "items": {
                            "type": "object",
                            "required": ["group", "approver"],
                            "additionalProperties": false,
                            "properties": {
                                "group": {"type": "string"},
                                "approver": {"type": "string"}
                            }
                        }
                    },
                    "justification": {"type": "string"},
                    "calls": {
                        "type": "object",
                        "description": "calls of this tool already made by this agent: `session`, or per window such as `1h`",
                        "additionalProperties": {
                            "type": "integer", "minimum": 0, "maximum": i64::MAX,
                            "description": format!("a count, {WRITTEN}")
                        }
                    },
                    "spent": {"$ref": "#/$defs/money", "description": "amount already spent this session"}
                }
            }
        },
        "$defs": {"money": money, "int": int}
    })
}
