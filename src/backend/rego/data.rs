//! The data document (`data.json`, served at `data.agentpol.model`): the
//! checked model reduced to what a decision reads, keyed by agent and then by
//! tool, built through typed serde structures (so every user string is
//! escaped by the JSON serializer, never by hand).
//!
//! Shapes are chosen for the Rego that reads them (`policy.rego`): a tool's
//! arguments are checked by JSON type plus a short list of refinements; an
//! entry's atoms are interned, grouped by kind and referred to by index, so
//! each is evaluated once per request; conditions are in negation normal
//! form (see [`conditions`](super::conditions)) and checked against the
//! fixed evaluation depth of `policy.rego`. Reason texts the reference
//! evaluator prints are precomputed here, so the Rego only concatenates
//! what depends on the request.

use super::conditions::{nnf, Atoms, When};
use super::diag;
use crate::backend::Input;
use crate::diagnostics::Diagnostic;
use crate::model::{Agent, Approval, Cond, Grant, Limit, Model, RuleOrigin, Tool, Type};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// The deepest nested condition `policy.rego` evaluates: its ladder runs
/// `cond_0` to `cond_8`. Raising it means adding rungs to the ladder.
pub const MAX_DEPTH: usize = 8;

/// Version of the data layout, bumped when `policy.rego` reads it differently.
pub const FORMAT: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Document {
    pub agentpol: Root,
}

#[derive(Debug, Serialize)]
pub struct Root {
    pub model: ModelDoc,
}

#[derive(Debug, Serialize)]
pub struct ModelDoc {
    pub format: u32,
    pub policy_set: String,
    pub tools: BTreeMap<String, ToolDoc>,
    pub agents: BTreeMap<String, AgentDoc>,
}

#[derive(Debug, Serialize)]
pub struct ToolDoc {
    pub args: BTreeMap<String, ArgDoc>,
    /// Each argument's JSON type, as Rego's `type_name` names it.
    pub types: BTreeMap<String, &'static str>,
    /// The arguments a call must give.
    pub required: Vec<String>,
    /// The type checks beyond each argument's JSON type.
    pub refine: Vec<Refine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spends: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ArgDoc {
    pub optional: bool,
    /// The type as the reference evaluator names it in its reasons.
    pub describe: String,
}

/// A check beyond the JSON type: `[NAME, CHECK, PARAMETER]` with CHECK one
/// of `int`, `duration`, `money` (PARAMETER: the fixed currency or null),
/// `enum` (PARAMETER: the values) or `list` (PARAMETER: the element type).
#[derive(Debug)]
pub struct Refine(pub String, pub &'static str, pub RefineParam);

impl Serialize for Refine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.0, self.1, &self.2).serialize(s)
    }
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum RefineParam {
    None,
    Currency(String),
    Values(Vec<String>),
    Element(ElementDoc),
}

/// A list element's type as `policy.rego` matches it: `["string"]`,
/// `["int"]`, `["bool"]`, `["duration"]`, `["money"]`, `["money", CURRENCY]`
/// or `["enum", VALUES]`.
#[derive(Debug)]
pub struct ElementDoc(Type);

impl Serialize for ElementDoc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Type::String => ("string",).serialize(s),
            Type::Int => ("int",).serialize(s),
            Type::Bool => ("bool",).serialize(s),
            Type::Duration => ("duration",).serialize(s),
            Type::Money { currency: None } => ("money",).serialize(s),
            Type::Money { currency: Some(c) } => ("money", c).serialize(s),
            Type::Enum { values } => ("enum", values).serialize(s),
            // Refused by `tool_doc` before serialization.
            Type::List { .. } => ("unsupported",).serialize(s),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AgentDoc {
    /// Fields every call of this agent logs, sorted.
    pub audit: Vec<String>,
    pub tamper_evident: bool,
    pub justification_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification_reason: Option<String>,
    /// Everything the agent's rules say about one tool.
    pub tools: BTreeMap<String, EntryDoc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetDoc {
    pub rule: String,
    /// The money argument the tool spends.
    pub arg: String,
    pub minor: i64,
    pub currency: String,
    pub display: String,
    pub missing: String,
    pub wrong_currency: String,
}

#[derive(Debug, Default, Serialize)]
pub struct EntryDoc {
    /// The agent's audit fields plus the tool's `log` fields, sorted.
    pub log: Vec<String>,
    /// Every distinct atom of the entry's conditions.
    pub atoms: Atoms,
    pub denies: Vec<DenyDoc>,
    pub grants: Vec<GrantDoc>,
    pub gates: Vec<ApprovalDoc>,
    pub limits: Vec<LimitDoc>,
    /// The agent's session budget when the tool spends: zero or one.
    pub budget: Vec<BudgetDoc>,
    /// Whether any gate or grant of the entry asks for approval.
    pub approvals: bool,
}

#[derive(Debug, Serialize)]
pub struct DenyDoc {
    pub id: String,
    pub reason: String,
    pub when: When,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct GrantDoc {
    pub id: String,
    pub when: When,
    pub approvals: Vec<ApprovalDoc>,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct ApprovalDoc {
    pub id: String,
    pub group: String,
    pub count: u32,
    pub reason: Option<String>,
    /// The reason the decision gives while this approval is missing.
    pub needs: String,
    pub when: When,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct LimitDoc {
    pub id: String,
    pub max: u64,
    /// The `context.calls` key of the window (`session`, `1h`, ...).
    pub window: String,
    pub missing: String,
    pub reached: String,
    pub source: String,
}

/// Builds the data document, or the diagnostics that prevent it.
pub fn build(input: &Input<'_>) -> Result<Document, Vec<Diagnostic>> {
    let model = input.model;
    let mut errors = Vec::new();
    let tools = model
        .tools
        .iter()
        .map(|(name, tool)| (name.clone(), tool_doc(tool, &mut errors)))
        .collect();
    let mut b = Builder {
        input,
        errors: &mut errors,
    };
    let agents = model
        .agents
        .iter()
        .map(|(name, agent)| (name.clone(), b.agent(agent, model)))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Document {
        agentpol: Root {
            model: ModelDoc {
                format: FORMAT,
                policy_set: input.set_name.to_string(),
                tools,
                agents,
            },
        },
    })
}

fn tool_doc(tool: &Tool, errors: &mut Vec<Diagnostic>) -> ToolDoc {
    let mut refine = Vec::new();
    for (name, spec) in &tool.args {
        let r = |check, param| Refine(name.clone(), check, param);
        match &spec.ty {
            Type::String | Type::Bool => {}
            Type::Int => refine.push(r("int", RefineParam::None)),
            Type::Duration => refine.push(r("duration", RefineParam::None)),
            Type::Money { currency: None } => refine.push(r("money", RefineParam::None)),
            Type::Money { currency: Some(c) } => {
                refine.push(r("money", RefineParam::Currency(c.clone())))
            }
            Type::Enum { values } => refine.push(r("enum", RefineParam::Values(values.clone()))),
            Type::List { element } if !matches!(**element, Type::List { .. }) => refine.push(r(
                "list",
                RefineParam::Element(ElementDoc((**element).clone())),
            )),
            Type::List { .. } => errors.push(diag::unsupported_type(tool, name, &spec.ty)),
        }
    }
    ToolDoc {
        args: tool
            .args
            .iter()
            .map(|(name, spec)| {
                let doc = ArgDoc {
                    optional: spec.optional,
                    describe: spec.ty.describe(),
                };
                (name.clone(), doc)
            })
            .collect(),
        types: tool
            .args
            .iter()
            .map(|(name, spec)| (name.clone(), json_type(&spec.ty)))
            .collect(),
        required: tool
            .args
            .iter()
            .filter(|(_, spec)| !spec.optional)
            .map(|(name, _)| name.clone())
            .collect(),
        refine,
        spends: tool.spends.clone(),
    }
}

/// The JSON type of a valid value, as Rego's `type_name` names it.
fn json_type(ty: &Type) -> &'static str {
    match ty {
        Type::String | Type::Enum { .. } => "string",
        Type::Int | Type::Duration => "number",
        Type::Bool => "boolean",
        Type::Money { .. } => "object",
        Type::List { .. } => "array",
    }
}

struct Builder<'a, 'i> {
    input: &'a Input<'i>,
    errors: &'a mut Vec<Diagnostic>,
}

impl Builder<'_, '_> {
    fn source(&self, origin: &RuleOrigin) -> String {
        self.input.sources.location(origin.span)
    }

    /// A rule's condition over the entry's atoms, refused when deeper than
    /// `policy.rego` evaluates.
    fn when(&mut self, atoms: &mut Atoms, rule: &str, cond: &Cond, origin: &RuleOrigin) -> When {
        let node = nnf(cond, true, atoms);
        let depth = node.depth();
        if depth > MAX_DEPTH {
            self.errors
                .push(diag::condition_too_deep(rule, depth, origin.span));
        }
        When::of(node)
    }

    fn agent(&mut self, agent: &Agent, model: &Model) -> AgentDoc {
        let mut tools: BTreeMap<String, EntryDoc> = BTreeMap::new();
        let named: BTreeSet<&str> = agent
            .grants
            .iter()
            .map(|g| g.tool.as_str())
            .chain(agent.denies.iter().map(|d| d.tool.as_str()))
            .chain(agent.gates.iter().map(|g| g.tool.as_str()))
            .chain(agent.limits.iter().map(|l| l.tool.as_str()))
            .chain(agent.logs.keys().map(String::as_str))
            .collect();
        for tool in named {
            let mut log = agent.audit_fields.clone();
            if let Some(fields) = agent.logs.get(tool) {
                log.extend(fields.iter().cloned());
            }
            let spends = model.tools.get(tool).and_then(|t| t.spends.as_ref());
            let budget = match (spends, &agent.budget) {
                (Some(arg), Some(b)) => vec![BudgetDoc {
                    rule: format!("{}/budget", agent.name),
                    arg: arg.clone(),
                    minor: b.minor,
                    currency: b.currency.clone(),
                    display: b.display(),
                    missing: "`context.spent` is required by the session budget and missing".into(),
                    wrong_currency: format!(
                        "the spend and `context.spent` must be in {}",
                        b.currency
                    ),
                }],
                _ => Vec::new(),
            };
            let doc = EntryDoc {
                log: log.into_iter().collect(),
                budget,
                ..EntryDoc::default()
            };
            tools.insert(tool.to_string(), doc);
        }
        for deny in &agent.denies {
            let e = entry(&mut tools, &deny.tool);
            let doc = DenyDoc {
                id: deny.id.clone(),
                reason: match &deny.reason {
                    Some(r) => format!("denied by `{}`: {r}", deny.id),
                    None => format!("denied by `{}`", deny.id),
                },
                when: self.when(&mut e.atoms, &deny.id, &deny.condition, &deny.origin),
                source: self.source(&deny.origin),
            };
            e.denies.push(doc);
        }
        for grant in &agent.grants {
            let e = entry(&mut tools, &grant.tool);
            let doc = self.grant(&mut e.atoms, grant);
            e.grants.push(doc);
        }
        for gate in &agent.gates {
            let e = entry(&mut tools, &gate.tool);
            let doc = self.approval(&mut e.atoms, &gate.approval);
            e.gates.push(doc);
        }
        for limit in &agent.limits {
            let doc = self.limit(limit);
            entry(&mut tools, &limit.tool).limits.push(doc);
        }
        for e in tools.values_mut() {
            e.approvals = !e.gates.is_empty() || e.grants.iter().any(|g| !g.approvals.is_empty());
        }
        AgentDoc {
            audit: agent.audit_fields.iter().cloned().collect(),
            tamper_evident: agent.tamper_evident,
            justification_required: agent.justification_required,
            justification_reason: agent
                .justification_required
                .then(|| format!("agent `{}` must give a justification", agent.name)),
            tools,
        }
    }

    fn grant(&mut self, atoms: &mut Atoms, grant: &Grant) -> GrantDoc {
        GrantDoc {
            id: grant.id.clone(),
            when: self.when(atoms, &grant.id, &grant.condition, &grant.origin),
            approvals: grant
                .approvals
                .iter()
                .map(|a| self.approval(atoms, a))
                .collect(),
            source: self.source(&grant.origin),
        }
    }

    fn approval(&mut self, atoms: &mut Atoms, a: &Approval) -> ApprovalDoc {
        ApprovalDoc {
            id: a.id.clone(),
            group: a.group.clone(),
            count: a.count,
            reason: a.reason.clone(),
            needs: format!(
                "needs {} approval(s) from group `{}`{}",
                a.count,
                a.group,
                a.reason
                    .as_ref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            ),
            when: self.when(atoms, &a.id, &a.condition, &a.origin),
            source: self.source(&a.origin),
        }
    }

    fn limit(&mut self, limit: &Limit) -> LimitDoc {
        let key = limit.window.key();
        LimitDoc {
            id: limit.id.clone(),
            max: limit.max,
            missing: format!(
                "`context.calls.{key}` is required by `{}` and missing",
                limit.id
            ),
            reached: format!(
                "limit of {} calls per {key} reached (`{}`)",
                limit.max, limit.id
            ),
            window: key,
            source: self.source(&limit.origin),
        }
    }
}

fn entry<'a>(tools: &'a mut BTreeMap<String, EntryDoc>, tool: &str) -> &'a mut EntryDoc {
    tools.entry(tool.to_string()).or_default()
}
