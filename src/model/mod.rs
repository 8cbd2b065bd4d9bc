//! ④ The checked policy model. Input: a resolved, type-checked program (built
//! by `check`). Output: plain data that analyses, backends and reports read;
//! none of them sees the syntax tree.
//!
//! Invariants the checker guarantees:
//! - every tool a rule names exists in [`Model::tools`]; wildcard grants are
//!   already expanded to one [`Grant`] per tool;
//! - every [`Cond`] is well-typed against its tool's arguments; resource
//!   attribute tests are already compiled into name-pattern tests on the
//!   tool's resource argument (see [`resources`]);
//! - rule ids are unique within the model and stable across runs.

pub mod aws;
pub mod cond;
pub mod eval;
pub mod request;
pub mod resources;
pub mod show;
pub mod trace;

use crate::source::Span;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use aws::{AwsCondition, AwsMapping};
pub use cond::{Atom, Cond, IntOperand, Scalar, StrOperand};

/// The whole checked policy set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// Every tool visible to some agent, by full name (`slack.post_message`).
    pub tools: BTreeMap<String, Tool>,
    pub resource_types: BTreeMap<String, ResourceType>,
    /// Resource instances in priority order per type (see [`resources`]).
    pub resources: Vec<Resource>,
    pub sanitizers: BTreeMap<String, Sanitizer>,
    pub agents: BTreeMap<String, Agent>,
}

impl Model {
    /// Every grant with its agent, its index among the agent's grants, and
    /// its tool, in agent order. The checker guarantees the tool exists.
    pub fn grants_with_tools(&self) -> impl Iterator<Item = (&Agent, usize, &Grant, &Tool)> + '_ {
        self.agents.values().flat_map(move |agent| {
            agent
                .grants
                .iter()
                .enumerate()
                .filter_map(move |(gi, g)| self.tools.get(&g.tool).map(|tool| (agent, gi, g, tool)))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Read,
    Write,
    Delete,
    Communicate,
    Spend,
    Execute,
    Merge,
    Admin,
    Network,
}

impl Effect {
    pub const ALL: [Effect; 9] = [
        Effect::Read,
        Effect::Write,
        Effect::Delete,
        Effect::Communicate,
        Effect::Spend,
        Effect::Execute,
        Effect::Merge,
        Effect::Admin,
        Effect::Network,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Read => "read",
            Effect::Write => "write",
            Effect::Delete => "delete",
            Effect::Communicate => "communicate",
            Effect::Spend => "spend",
            Effect::Execute => "execute",
            Effect::Merge => "merge",
            Effect::Admin => "admin",
            Effect::Network => "network",
        }
    }

    /// Privileged sinks for the untrusted-input check.
    pub fn is_privileged(self) -> bool {
        matches!(
            self,
            Effect::Write
                | Effect::Delete
                | Effect::Communicate
                | Effect::Execute
                | Effect::Merge
                | Effect::Admin
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    Trusted,
    Untrusted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Public,
    Internal,
    Confidential,
    Secret,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 4] = [
        Sensitivity::Public,
        Sensitivity::Internal,
        Sensitivity::Confidential,
        Sensitivity::Secret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Public => "public",
            Sensitivity::Internal => "internal",
            Sensitivity::Confidential => "confidential",
            Sensitivity::Secret => "secret",
        }
    }

    pub fn parse(s: &str) -> Option<Sensitivity> {
        Sensitivity::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The type of a tool argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Type {
    String,
    Int,
    Bool,
    /// Whole seconds, as a non-negative integer in requests.
    Duration,
    /// `{"minor": i64, "currency": "USD"}`; `currency` is fixed when declared.
    Money {
        currency: Option<String>,
    },
    Enum {
        values: Vec<String>,
    },
    /// Elements are scalars (string, int, enum): nested lists are rejected.
    List {
        element: Box<Type>,
    },
}

impl Type {
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Int => "int".into(),
            Type::Bool => "bool".into(),
            Type::Duration => "duration".into(),
            Type::Money { currency: Some(c) } => format!("money({c})"),
            Type::Money { currency: None } => "money".into(),
            Type::Enum { values } => format!("enum[{}]", values.join(", ")),
            Type::List { element } => format!("list<{}>", element.describe()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgSpec {
    pub ty: Type,
    pub optional: bool,
}

/// `host:port`, `*.domain:port` or `CIDR:port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// True when `host` is an IPv4/IPv6 CIDR block or address.
    pub is_cidr: bool,
}

impl Endpoint {
    /// The block `*:PORT` (every host on a port) is read as.
    pub const ALL_HOSTS: &'static str = "0.0.0.0/0";

    /// Every IPv4 address on the port (`*:PORT` or `0.0.0.0/0:PORT`).
    pub fn is_all_hosts(&self) -> bool {
        self.is_cidr && self.host == Self::ALL_HOSTS
    }

    pub fn display(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: String,
    pub doc: Option<String>,
    pub verb: Option<String>,
    /// Resource type and the (required, string) argument naming the instance.
    pub resource: Option<ToolResource>,
    pub args: BTreeMap<String, ArgSpec>,
    pub effects: BTreeSet<Effect>,
    pub trust: Trust,
    pub sensitivity: Sensitivity,
    pub endpoints: Vec<Endpoint>,
    pub aws: Vec<AwsMapping>,
    /// The money argument that is spent, for tools with the `spend` effect.
    pub spends: Option<String>,
    /// Where an imported tool comes from and the pin of its listing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp: Option<McpBinding>,
    pub span: Span,
}

/// `source mcp "SERVER" tool "NAME"` and `pin "sha3-256:..."` of a tool
/// imported from an MCP server (`agentpol import mcp`); `check --mcp`
/// compares the pin with a newer `tools/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct McpBinding {
    /// The server's name, when the declaration says it.
    pub server: Option<String>,
    /// The tool's name on the server (default: the last segment of ours).
    pub name: String,
    /// `sha3-256:<64 hex digits>`, checked by the checker.
    pub pin: Option<String>,
    /// Where the pin is written (else the `source` line).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolResource {
    pub ty: String,
    pub arg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attrs {
    pub sensitivity: Sensitivity,
    pub external: bool,
    pub owner: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceType {
    pub name: String,
    pub parent: Option<String>,
    /// Attributes of a resource of this type that matches no declared instance.
    pub defaults: Attrs,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub ty: String,
    /// A name or a `*`-glob.
    pub pattern: String,
    pub parent: Option<String>,
    /// Effective attributes (own, else inherited from the parent, else defaults).
    pub attrs: Attrs,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sanitizer {
    pub name: String,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Memory {
    None,
    ReadOnly,
    Writable,
}

/// Reduction of a tool's output to a type that cannot carry instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extraction {
    Bool,
    Int,
    Enum,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kubernetes {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// Where the namespace string is written.
    pub namespace_span: Span,
    /// Where each label (by key) is written, from its key to its value.
    pub label_spans: BTreeMap<String, Span>,
}

/// Where an agent's identity settings are written, so that a backend that
/// cannot use a value can point at it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentSpans {
    pub aws_role: Option<Span>,
    pub credentials: Option<Span>,
    pub egress: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub name: String,
    pub owner: Option<String>,
    pub domains: Vec<String>,
    pub aws_role: Option<String>,
    pub kubernetes: Option<Kubernetes>,
    /// Credential lifetime in seconds.
    pub credential_ttl: Option<u64>,
    pub egress: Vec<Endpoint>,
    pub memory: Memory,
    pub delegates: Vec<String>,
    pub justification_required: bool,
    pub audit_fields: BTreeSet<String>,
    pub tamper_evident: bool,
    pub grants: Vec<Grant>,
    pub denies: Vec<Deny>,
    /// Approval gates that apply to a tool whichever grant allows it.
    pub gates: Vec<Gate>,
    pub limits: Vec<Limit>,
    pub budget: Option<Money>,
    /// Fields to log per tool (from `log` rules and presets).
    pub logs: BTreeMap<String, BTreeSet<String>>,
    pub presets: Vec<String>,
    pub span: Span,
    pub spans: AgentSpans,
}

impl Agent {
    pub fn grants_for<'a>(&'a self, tool: &'a str) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants.iter().filter(move |g| g.tool == tool)
    }

    /// Tools this agent is granted, deduplicated and sorted.
    pub fn granted_tools(&self) -> BTreeSet<&str> {
        self.grants.iter().map(|g| g.tool.as_str()).collect()
    }
}

/// Where a rule came from: its source span, and the preset that contributed it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOrigin {
    pub span: Span,
    pub preset: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// Stable id, e.g. `support_triage/allow/jira.read_issue/0`.
    pub id: String,
    pub tool: String,
    pub condition: Cond,
    pub approvals: Vec<Approval>,
    pub sanitizer: Option<String>,
    pub extract: Option<Extraction>,
    /// True when the grant came from a `tool.*` pattern.
    pub wildcard: bool,
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub id: String,
    /// `Cond::True` for `approve always`.
    pub condition: Cond,
    pub group: String,
    pub count: u32,
    pub reason: Option<String>,
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deny {
    pub id: String,
    pub tool: String,
    pub condition: Cond,
    pub reason: Option<String>,
    pub wildcard: bool,
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    pub tool: String,
    pub approval: Approval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "seconds")]
pub enum Window {
    Session,
    Seconds(u64),
}

impl Window {
    /// The key the request context uses for this window's counter:
    /// `session`, or a canonical duration such as `1h` or `90s`.
    pub fn key(self) -> String {
        match self {
            Window::Session => "session".into(),
            Window::Seconds(s) => format_duration(s),
        }
    }
}

/// Canonical text of a duration in seconds: the largest unit that divides it.
pub fn format_duration(seconds: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    pub id: String,
    pub tool: String,
    pub max: u64,
    pub window: Window,
    pub origin: RuleOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl Money {
    pub fn display(&self) -> String {
        let exp = crate::model::currency_exponent(&self.currency).unwrap_or(2);
        if exp == 0 {
            return format!("{} {}", self.currency, self.minor);
        }
        let base = 10i64.pow(exp);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!(
            "{} {sign}{}.{:0width$}",
            self.currency,
            abs / base as u64,
            abs % base as u64,
            width = exp as usize
        )
    }
}

/// ISO 4217 minor-unit exponents of the currencies agentpol accepts.
pub fn currency_exponent(code: &str) -> Option<u32> {
    match code {
        "JPY" | "KRW" | "CLP" | "ISK" | "VND" => Some(0),
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" => Some(3),
        "USD" | "EUR" | "GBP" | "CHF" | "CAD" | "AUD" | "NZD" | "SEK" | "NOK" | "DKK" | "PLN"
        | "CZK" | "HUF" | "SGD" | "HKD" | "CNY" | "INR" | "BRL" | "MXN" | "ZAR" | "ILS" | "TRY"
        | "AED" | "SAR" => Some(2),
        _ => None,
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allow,
    Deny,
    ApprovalRequired,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::ApprovalRequired => "approval_required",
        }
    }
}

#[cfg(test)]
mod tests;
