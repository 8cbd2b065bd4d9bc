//! The data document (`data.json`, served at `data.agentpol.model`): the
//! checked model reduced to what a decision reads, keyed by agent and then by
//! tool, built through typed serde structures (so every user string is
//! escaped by the JSON serializer, never by hand).
//!
//! Conditions are stored in negation normal form (see [`Node`]) and checked
//! against the fixed evaluation depth of `policy.rego`; reason texts the
//! reference evaluator would print are precomputed here so the Rego only
//! concatenates what depends on the request.

use super::diag;
use crate::backend::Input;
use crate::diagnostics::Diagnostic;
use crate::model::cond::{IntOperand, StrOperand, StrOrArg};
use crate::model::{Agent, Approval, Atom, Cond, Grant, Limit, RuleOrigin, Scalar, Tool, Type};
use crate::syntax::ast::CmpOp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The deepest condition `policy.rego` evaluates: its ladder runs `cond_0`
/// to `cond_8`. Raising it means adding rungs to the ladder.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spends: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ArgDoc {
    #[serde(rename = "type")]
    pub ty: TypeDoc,
    pub optional: bool,
    /// The type as the reference evaluator names it in its reasons.
    pub describe: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TypeDoc {
    String,
    Int,
    Bool,
    Duration,
    Money {
        #[serde(skip_serializing_if = "Option::is_none")]
        currency: Option<String>,
    },
    Enum {
        values: Vec<String>,
    },
    List {
        element: Box<TypeDoc>,
    },
}

#[derive(Debug, Serialize)]
pub struct AgentDoc {
    /// Fields every call of this agent logs, sorted.
    pub audit: Vec<String>,
    pub tamper_evident: bool,
    pub justification_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetDoc>,
    /// Everything the agent's rules say about one tool.
    pub tools: BTreeMap<String, EntryDoc>,
}

#[derive(Debug, Serialize)]
pub struct BudgetDoc {
    pub rule: String,
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
    pub denies: Vec<DenyDoc>,
    pub grants: Vec<GrantDoc>,
    pub gates: Vec<ApprovalDoc>,
    pub limits: Vec<LimitDoc>,
}

#[derive(Debug, Serialize)]
pub struct DenyDoc {
    pub id: String,
    pub reason: String,
    pub when: Node,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct GrantDoc {
    pub id: String,
    pub when: Node,
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
    pub when: Node,
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

/// A condition in negation normal form. `All([])` is true, `Any([])` false.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Atom(AtomDoc),
    Not(AtomDoc),
}

impl Node {
    /// Nesting depth as `policy.rego` counts it: a literal is 0, a
    /// conjunction or disjunction one more than its deepest member.
    pub fn depth(&self) -> usize {
        match self {
            Node::Atom(_) | Node::Not(_) => 0,
            Node::All(xs) | Node::Any(xs) => 1 + xs.iter().map(Node::depth).max().unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum AtomDoc {
    Has {
        arg: String,
    },
    HasJustification,
    Bool {
        arg: String,
        value: bool,
    },
    Eq {
        operand: OperandDoc,
        value: Scalar,
    },
    Ne {
        operand: OperandDoc,
        value: Scalar,
    },
    Lt {
        operand: OperandDoc,
        value: i64,
    },
    Le {
        operand: OperandDoc,
        value: i64,
    },
    Gt {
        operand: OperandDoc,
        value: i64,
    },
    Ge {
        operand: OperandDoc,
        value: i64,
    },
    In {
        operand: OperandDoc,
        values: Vec<String>,
    },
    Glob {
        operand: OperandDoc,
        prefix: String,
        suffix: String,
    },
    Regex {
        operand: OperandDoc,
        pattern: String,
    },
    Any {
        arg: String,
        values: Vec<Scalar>,
    },
    All {
        arg: String,
        values: Vec<Scalar>,
    },
    Contains {
        arg: String,
        value: Scalar,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OperandDoc {
    Arg { arg: String },
    Minor { arg: String },
    Currency { arg: String },
    Justification,
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
        .map(|(name, agent)| (name.clone(), b.agent(agent)))
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
    let args = tool
        .args
        .iter()
        .map(|(name, spec)| {
            let ty = match type_doc(&spec.ty, false) {
                Some(t) => t,
                None => {
                    errors.push(diag::unsupported_type(tool, name, &spec.ty));
                    TypeDoc::String
                }
            };
            let doc = ArgDoc {
                ty,
                optional: spec.optional,
                describe: spec.ty.describe(),
            };
            (name.clone(), doc)
        })
        .collect();
    ToolDoc {
        args,
        spends: tool.spends.clone(),
    }
}

/// `None` for a list of lists: `policy.rego` checks one level of elements.
fn type_doc(ty: &Type, in_list: bool) -> Option<TypeDoc> {
    Some(match ty {
        Type::String => TypeDoc::String,
        Type::Int => TypeDoc::Int,
        Type::Bool => TypeDoc::Bool,
        Type::Duration => TypeDoc::Duration,
        Type::Money { currency } => TypeDoc::Money {
            currency: currency.clone(),
        },
        Type::Enum { values } => TypeDoc::Enum {
            values: values.clone(),
        },
        Type::List { element } if !in_list => TypeDoc::List {
            element: Box::new(type_doc(element, true)?),
        },
        Type::List { .. } => return None,
    })
}

struct Builder<'a, 'i> {
    input: &'a Input<'i>,
    errors: &'a mut Vec<Diagnostic>,
}

impl Builder<'_, '_> {
    fn source(&self, origin: &RuleOrigin) -> String {
        self.input.sources.location(origin.span)
    }

    /// A rule's condition in negation normal form, refused when deeper than
    /// `policy.rego` evaluates.
    fn when(&mut self, rule: &str, cond: &Cond, origin: &RuleOrigin) -> Node {
        let node = nnf(cond, true);
        let depth = node.depth();
        if depth > MAX_DEPTH {
            self.errors
                .push(diag::condition_too_deep(rule, depth, origin.span));
        }
        node
    }

    fn agent(&mut self, agent: &Agent) -> AgentDoc {
        let audit: Vec<String> = agent.audit_fields.iter().cloned().collect();
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
            tools.insert(
                tool.to_string(),
                EntryDoc {
                    log: log.into_iter().collect(),
                    ..EntryDoc::default()
                },
            );
        }
        for deny in &agent.denies {
            let doc = DenyDoc {
                id: deny.id.clone(),
                reason: match &deny.reason {
                    Some(r) => format!("denied by `{}`: {r}", deny.id),
                    None => format!("denied by `{}`", deny.id),
                },
                when: self.when(&deny.id, &deny.condition, &deny.origin),
                source: self.source(&deny.origin),
            };
            entry(&mut tools, &deny.tool).denies.push(doc);
        }
        for grant in &agent.grants {
            let doc = self.grant(grant);
            entry(&mut tools, &grant.tool).grants.push(doc);
        }
        for gate in &agent.gates {
            let doc = self.approval(&gate.approval);
            entry(&mut tools, &gate.tool).gates.push(doc);
        }
        for limit in &agent.limits {
            let doc = self.limit(limit);
            entry(&mut tools, &limit.tool).limits.push(doc);
        }
        AgentDoc {
            audit,
            tamper_evident: agent.tamper_evident,
            justification_required: agent.justification_required,
            justification_reason: agent
                .justification_required
                .then(|| format!("agent `{}` must give a justification", agent.name)),
            budget: agent.budget.as_ref().map(|b| BudgetDoc {
                rule: format!("{}/budget", agent.name),
                minor: b.minor,
                currency: b.currency.clone(),
                display: b.display(),
                missing: "`context.spent` is required by the session budget and missing".into(),
                wrong_currency: format!("the spend and `context.spent` must be in {}", b.currency),
            }),
            tools,
        }
    }

    fn grant(&mut self, grant: &Grant) -> GrantDoc {
        GrantDoc {
            id: grant.id.clone(),
            when: self.when(&grant.id, &grant.condition, &grant.origin),
            approvals: grant.approvals.iter().map(|a| self.approval(a)).collect(),
            source: self.source(&grant.origin),
        }
    }

    fn approval(&mut self, a: &Approval) -> ApprovalDoc {
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
            when: self.when(&a.id, &a.condition, &a.origin),
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

/// Negation normal form: negations pushed down to atoms, nested conjunctions
/// (disjunctions) flattened, constants folded. Negating an atom is kept as a
/// negative literal rather than flipping a comparison, because an atom with
/// an absent operand is false and its negation true.
pub fn nnf(cond: &Cond, positive: bool) -> Node {
    match cond {
        Cond::True if positive => Node::All(Vec::new()),
        Cond::True => Node::Any(Vec::new()),
        Cond::False if positive => Node::Any(Vec::new()),
        Cond::False => Node::All(Vec::new()),
        Cond::Not(inner) => nnf(inner, !positive),
        Cond::And(parts) | Cond::Or(parts) => {
            let conjunction = matches!(cond, Cond::And(_)) == positive;
            let members = parts.iter().map(|p| nnf(p, positive)).collect();
            junction(conjunction, members)
        }
        Cond::Atom(a) if positive => Node::Atom(atom(a)),
        Cond::Atom(a) => Node::Not(atom(a)),
    }
}

fn junction(conjunction: bool, members: Vec<Node>) -> Node {
    let mut out = Vec::new();
    for m in members {
        match (conjunction, m) {
            // The neutral element disappears, the absorbing one wins.
            (true, Node::All(xs)) | (false, Node::Any(xs)) => out.extend(xs),
            (true, Node::Any(xs)) if xs.is_empty() => return Node::Any(Vec::new()),
            (false, Node::All(xs)) if xs.is_empty() => return Node::All(Vec::new()),
            (_, other) => out.push(other),
        }
    }
    if out.len() == 1 {
        if let Some(only) = out.pop() {
            return only;
        }
    }
    if conjunction {
        Node::All(out)
    } else {
        Node::Any(out)
    }
}

fn atom(a: &Atom) -> AtomDoc {
    match a {
        Atom::Has(StrOrArg::Arg(arg)) => AtomDoc::Has { arg: arg.clone() },
        Atom::Has(StrOrArg::Justification) => AtomDoc::HasJustification,
        Atom::BoolIs { arg, value } => AtomDoc::Bool {
            arg: arg.clone(),
            value: *value,
        },
        Atom::IntCmp { operand, op, value } => {
            let operand = match operand {
                IntOperand::Arg(a) => OperandDoc::Arg { arg: a.clone() },
                IntOperand::MoneyMinor(a) => OperandDoc::Minor { arg: a.clone() },
            };
            let value = *value;
            match op {
                CmpOp::Eq => AtomDoc::Eq {
                    operand,
                    value: Scalar::Int(value),
                },
                CmpOp::Ne => AtomDoc::Ne {
                    operand,
                    value: Scalar::Int(value),
                },
                CmpOp::Lt => AtomDoc::Lt { operand, value },
                CmpOp::Le => AtomDoc::Le { operand, value },
                CmpOp::Gt => AtomDoc::Gt { operand, value },
                CmpOp::Ge => AtomDoc::Ge { operand, value },
            }
        }
        Atom::StrEq { operand, value } => AtomDoc::Eq {
            operand: str_operand(operand),
            value: Scalar::Str(value.clone()),
        },
        Atom::StrIn { operand, values } => AtomDoc::In {
            operand: str_operand(operand),
            values: values.clone(),
        },
        Atom::StrLike { operand, pattern } => like(str_operand(operand), pattern),
        Atom::ListAny { arg, values } => AtomDoc::Any {
            arg: arg.clone(),
            values: values.clone(),
        },
        Atom::ListAll { arg, values } => AtomDoc::All {
            arg: arg.clone(),
            values: values.clone(),
        },
        Atom::ListContains { arg, value } => AtomDoc::Contains {
            arg: arg.clone(),
            value: value.clone(),
        },
    }
}

fn str_operand(o: &StrOperand) -> OperandDoc {
    match o {
        StrOperand::Arg(a) => OperandDoc::Arg { arg: a.clone() },
        StrOperand::MoneyCurrency(a) => OperandDoc::Currency { arg: a.clone() },
        StrOperand::Justification => OperandDoc::Justification,
    }
}

/// `like`: only `*` is special. No star is equality, one star a
/// prefix/suffix test, more an anchored regular expression with every
/// literal part escaped (RE2 and Rust's regex accept the same escapes, and
/// `(?s)` lets `.` match newlines).
fn like(operand: OperandDoc, pattern: &str) -> AtomDoc {
    let parts: Vec<&str> = pattern.split('*').collect();
    match parts.as_slice() {
        [only] => AtomDoc::Eq {
            operand,
            value: Scalar::Str((*only).to_string()),
        },
        [prefix, suffix] => AtomDoc::Glob {
            operand,
            prefix: (*prefix).to_string(),
            suffix: (*suffix).to_string(),
        },
        _ => {
            let body: Vec<String> = parts.iter().map(|p| regex_syntax::escape(p)).collect();
            AtomDoc::Regex {
                operand,
                pattern: format!("(?s)^{}$", body.join(".*")),
            }
        }
    }
}
