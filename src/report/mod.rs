//! ⑦ Reports: "what could this agent do?". Input: the checked [`Model`], the
//! analyzer's findings (diagnostics with witnesses), and what the solver and
//! the backends say about the model (spend ceilings, reachable calls, the IAM
//! statements and the Kubernetes egress policy). Output: a typed
//! [`Report`], serialisable as JSON (its schema: [`schema`]), which the
//! Markdown and HTML renderers format. Nothing here re-derives a check: every
//! fact is read from the stage that owns it, so the report cannot drift from
//! what is enforced.

mod agent;
pub mod diff;
pub mod graph;
pub mod html;
mod layout;
pub mod markdown;
mod svg;
mod words;

use crate::analysis::reach::{ChannelReach, Exists};
use crate::analysis::spend::Spend;
use crate::diagnostics::Diagnostic;
use crate::model::Model;
use crate::source::SourceMap;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The report format's version; bumped on incompatible changes.
pub const VERSION: u32 = 1;

/// What the report is built from.
pub struct Input<'a> {
    pub model: &'a Model,
    pub sources: &'a SourceMap,
    pub set_name: &'a str,
    /// The analyzer's findings, after suppressions.
    pub findings: &'a [Diagnostic],
    pub limits: crate::analysis::smt::Limits,
    /// Only this agent, when given.
    pub agent: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    pub version: u32,
    pub policy_set: String,
    pub agents: Vec<AgentReport>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AgentReport {
    pub name: String,
    pub owner: Option<String>,
    pub domains: Vec<String>,
    /// `file:line` of the agent's declaration.
    pub source: String,
    /// The blast radius in one paragraph, written from the facts below.
    pub summary: String,
    pub tools: Vec<ToolReport>,
    pub approvals: Vec<ApprovalReport>,
    /// Spend ceilings per currency (solver-computed, witnesses replayed).
    pub spend: Vec<Spend>,
    pub network: Network,
    pub aws: Option<Aws>,
    pub agents: Vec<Link>,
    /// Tools whose output is untrusted and that steer this agent, directly
    /// or through a channel or a delegate.
    pub untrusted_sources: Vec<Steer>,
    pub findings: Vec<FindingReport>,
    pub settings: Settings,
    pub graph: graph::Graph,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolReport {
    pub tool: String,
    pub effects: Vec<String>,
    pub output: String,
    /// The grants, each with its condition in words and in policy syntax.
    pub grants: Vec<GrantReport>,
    pub denies: Vec<String>,
    pub resources: Option<ResourceReport>,
    pub limits: Vec<String>,
    /// A call that is not denied, found by the solver; `no` when none is.
    pub permitted: Exists,
    /// A call allowed without any approval; `no` when every call needs one.
    pub without_approval: Exists,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GrantReport {
    pub rule: String,
    pub source: String,
    pub preset: Option<String>,
    /// `where` clause in policy syntax; `true` for an unconditional grant.
    pub condition: String,
    /// Bounds per argument in plain words (`amount` up to USD 1,000.00).
    pub bounds: Vec<String>,
}

/// Resources a tool acts on: the declared instances its grants can reach.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ResourceReport {
    pub resource_type: String,
    pub argument: String,
    pub instances: Vec<Instance>,
    /// Names outside every declared instance can also be reached (with the
    /// type's default attributes).
    pub undeclared: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Instance {
    pub pattern: String,
    pub sensitivity: String,
    pub external: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApprovalReport {
    pub rule: String,
    pub tool: String,
    /// `gate` (whichever grant allows) or `trigger` (of one grant).
    pub kind: String,
    pub when: String,
    pub group: String,
    pub count: u32,
    pub reason: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Network {
    /// `host:port` allowed by the egress allowlist.
    pub egress: Vec<String>,
    /// Enforced by the Kubernetes NetworkPolicy (CIDRs) and by Cilium
    /// `toFQDNs` (domain names); empty when the agent has no namespace.
    pub network_policy: Vec<String>,
    pub cilium_fqdns: Vec<String>,
    /// The manifest `agentpol build --target k8s` writes, if any.
    pub manifest: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Aws {
    pub role: String,
    pub statements: Vec<AwsStatement>,
    /// What IAM cannot enforce and only OPA/Cedar do.
    pub only_opa_cedar: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AwsStatement {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Link {
    pub agent: String,
    /// `delegates_to`, `delegated_by`, `writes_to` or `reads_from`.
    pub relation: String,
    /// For channels: the resource type, the tools and a shared name.
    pub via: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Steer {
    pub tool: String,
    /// The agent that calls it (this one, or one that reaches it).
    pub agent: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingReport {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub location: Option<String>,
    /// The path and calls that prove it, as the analyzer gave them.
    #[schemars(with = "Value")]
    pub witness: Value,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settings {
    pub credentials_ttl: Option<String>,
    /// The spend budget per session (`USD 5000.00`), if any.
    pub budget_per_session: Option<String>,
    pub memory: String,
    pub audit_fields: Vec<String>,
    pub tamper_evident: bool,
    pub justification_required: bool,
    pub presets: Vec<String>,
}

/// Builds the report: the solver questions run in their own context.
pub fn build(input: &Input<'_>) -> Report {
    let spend = crate::analysis::spend::ceilings(input.model, input.limits);
    let reach = crate::analysis::reach::reach(input.model, input.limits);
    let iam = crate::backend::iam::generate(&backend_input(input));
    let k8s = crate::backend::k8s::generate(&backend_input(input));
    let facts = agent::Facts {
        spend: &spend,
        reach: &reach,
        iam: &iam.artifacts,
        k8s: &k8s.artifacts,
    };
    let agents = input
        .model
        .agents
        .values()
        .filter(|a| input.agent.is_none_or(|n| n == a.name))
        .map(|a| agent::build(input, &facts, a))
        .collect();
    Report {
        version: VERSION,
        policy_set: input.set_name.to_string(),
        agents,
    }
}

fn backend_input<'a>(input: &Input<'a>) -> crate::backend::Input<'a> {
    crate::backend::Input {
        model: input.model,
        sources: input.sources,
        set_name: input.set_name,
    }
}

/// Channels touching an agent, for links.
pub(crate) fn channels_of<'r>(
    channels: &'r [ChannelReach],
    agent: &'r str,
) -> impl Iterator<Item = &'r ChannelReach> + 'r {
    channels
        .iter()
        .filter(move |c| c.writer == agent || c.reader == agent)
}

/// The JSON Schema of [`Report`], printed by `agentpol schema report`.
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or(Value::Null)
}
