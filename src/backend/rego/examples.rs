//! Example requests synthesized from the model, and `policy_test.rego`: OPA
//! unit tests whose expectations come from the reference evaluator.
//!
//! For every agent and every tool its rules name, candidate argument values
//! are drawn from the constants its conditions use (each constant, and one
//! below and above for numbers; each `like` pattern with its stars removed
//! and filled), plus one value per type and "absent" for optional arguments.
//! Candidates are enumerated in a fixed order, in a context that satisfies
//! limits, budget and justification. A candidate becomes a test when its
//! decision is new for this agent and tool (outcome and deciding rules), so
//! each grant, deny rule and trigger that some candidate reaches gets one;
//! an approval-required request is repeated with its approvals given, and
//! the first allowed one with its limits reached, its justification missing
//! and its budget spent. A test asserts the whole decision document.
//!
//! Large policy sets get tests for their first agent/tool pairs only (in
//! name order), up to [`MAX_TESTS`], to keep the file reviewable.

use super::printer;
use crate::model::cond::{IntOperand, StrOperand};
use crate::model::eval::decide_json;
use crate::model::{Agent, Atom, Cond, Model, Scalar, Tool, Type};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Candidates tried per agent and tool, at most.
const MAX_CANDIDATES: usize = 96;

/// Tests per agent and tool, at most.
const MAX_PER_TOOL: usize = 12;

/// Tests in one file, at most (the fixed ones included).
pub const MAX_TESTS: usize = 2_000;

/// One example: a name (a Rego identifier), the request and its decision.
pub struct Example {
    pub name: String,
    pub request: Value,
    pub expected: Value,
}

/// Example requests for the whole model, in a stable order.
pub fn examples(model: &Model) -> Vec<Example> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let mut push = |name: String, request: Value| {
        let mut unique = name.clone();
        let mut n = 2;
        while !names.insert(unique.clone()) {
            unique = format!("{name}_{n}");
            n += 1;
        }
        let decision = decide_json(model, &request);
        let expected = serde_json::to_value(&decision).unwrap_or(Value::Null);
        out.push(Example {
            name: unique,
            request,
            expected,
        });
    };
    push(
        "test_request_not_an_object".into(),
        json!(["not", "an", "object"]),
    );
    push(
        "test_unknown_agent".into(),
        json!({"agent": "", "tool": "", "args": {}}),
    );
    let mut total = 2;
    'agents: for agent in model.agents.values() {
        for tool_name in agent_tools(agent) {
            let Some(tool) = model.tools.get(tool_name) else {
                continue;
            };
            let picked = pick(model, agent, tool);
            if total + picked.len() > MAX_TESTS {
                break 'agents;
            }
            total += picked.len();
            let stem = format!(
                "test_{}__{}",
                printer::ident(&agent.name),
                printer::ident(tool_name)
            );
            for (label, request) in picked {
                push(format!("{stem}__{label}"), request);
            }
        }
    }
    out
}

fn agent_tools(agent: &Agent) -> BTreeSet<&str> {
    agent
        .grants
        .iter()
        .map(|g| g.tool.as_str())
        .chain(agent.denies.iter().map(|d| d.tool.as_str()))
        .chain(agent.gates.iter().map(|g| g.tool.as_str()))
        .collect()
}

/// Requests whose decisions differ, in candidate order.
fn pick(model: &Model, agent: &Agent, tool: &Tool) -> Vec<(&'static str, Value)> {
    let values: Vec<(String, Vec<Option<Value>>)> = tool
        .args
        .iter()
        .map(|(name, spec)| {
            let mut vs: Vec<Option<Value>> = candidates(model, agent, tool, name, &spec.ty)
                .into_iter()
                .map(Some)
                .collect();
            if spec.optional {
                vs.push(None);
            }
            (name.clone(), vs)
        })
        .collect();
    let context = base_context(agent, tool);
    let mut found: Vec<(&'static str, Value)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut first_allowed = None;
    for i in 0..MAX_CANDIDATES {
        if found.len() >= MAX_PER_TOOL {
            break;
        }
        let mut args = Map::new();
        let mut stride = 1usize;
        for (j, (name, vs)) in values.iter().enumerate() {
            // The first half enumerates combinations in mixed radix, the
            // second walks a diagonal so that later arguments vary too.
            let k = if i < MAX_CANDIDATES / 2 {
                (i / stride) % vs.len().max(1)
            } else {
                (i * (j + 1) + j) % vs.len().max(1)
            };
            stride = stride.saturating_mul(vs.len().max(1));
            if let Some(Some(v)) = vs.get(k) {
                args.insert(name.clone(), v.clone());
            }
        }
        let request = json!({
            "agent": agent.name,
            "tool": tool.name,
            "args": Value::Object(args),
            "context": context,
        });
        let d = decide_json(model, &request);
        if !seen.insert((d.decision, d.rules.clone())) {
            continue;
        }
        let label = d.decision.as_str();
        if d.decision == crate::model::Outcome::ApprovalRequired {
            found.push(("approved", with_approvals(agent, tool, &request)));
        }
        if d.decision == crate::model::Outcome::Allow && first_allowed.is_none() {
            first_allowed = Some(request.clone());
        }
        found.push((label, request));
    }
    if let Some(request) = first_allowed {
        found.extend(session_variants(agent, tool, &request));
    }
    found
}

/// The allowed request again, with each session check failing in turn.
fn session_variants(agent: &Agent, tool: &Tool, request: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let limits: Vec<_> = agent
        .limits
        .iter()
        .filter(|l| l.tool == tool.name)
        .collect();
    if !limits.is_empty() {
        let mut r = request.clone();
        for l in &limits {
            r["context"]["calls"][l.window.key()] = json!(l.max);
        }
        out.push(("limit_reached", r));
    }
    if agent.justification_required {
        let mut r = request.clone();
        if let Some(ctx) = r["context"].as_object_mut() {
            ctx.remove("justification");
        }
        out.push(("no_justification", r));
    }
    if let (Some(_), Some(b)) = (&tool.spends, &agent.budget) {
        let mut r = request.clone();
        r["context"]["spent"] = json!({"minor": b.minor, "currency": b.currency});
        out.push(("over_budget", r));
    }
    out
}

/// Context that satisfies limits, the budget and the justification, so the
/// arguments decide.
fn base_context(agent: &Agent, tool: &Tool) -> Value {
    let mut ctx = Map::new();
    ctx.insert("justification".into(), json!("example"));
    let windows: Map<String, Value> = agent
        .limits
        .iter()
        .filter(|l| l.tool == tool.name)
        .map(|l| (l.window.key(), json!(0)))
        .collect();
    if !windows.is_empty() {
        ctx.insert("calls".into(), Value::Object(windows));
    }
    if let Some(b) = &agent.budget {
        ctx.insert("spent".into(), json!({"minor": 0, "currency": b.currency}));
    }
    Value::Object(ctx)
}

/// The same request with every approval the agent could ask for this tool given.
fn with_approvals(agent: &Agent, tool: &Tool, request: &Value) -> Value {
    let mut needed: Vec<(&str, u32)> = agent
        .grants_for(&tool.name)
        .flat_map(|g| g.approvals.iter())
        .chain(
            agent
                .gates
                .iter()
                .filter(|g| g.tool == tool.name)
                .map(|g| &g.approval),
        )
        .map(|a| (a.group.as_str(), a.count))
        .collect();
    needed.sort();
    let mut given = Vec::new();
    let mut done = BTreeSet::new();
    for (group, _) in &needed {
        if !done.insert(*group) {
            continue;
        }
        let count = needed
            .iter()
            .filter(|(g, _)| g == group)
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(1);
        for n in 1..=count {
            given.push(json!({"group": group, "approver": format!("approver-{n}")}));
        }
    }
    let mut out = request.clone();
    out["context"]["approvals"] = Value::Array(given);
    out
}

/// Values for one argument: constants the agent's conditions compare it
/// with (and resource instance names), then one plain value of its type.
fn candidates(model: &Model, agent: &Agent, tool: &Tool, arg: &str, ty: &Type) -> Vec<Value> {
    let mut ints: Vec<i64> = Vec::new();
    let mut strs: Vec<String> = Vec::new();
    // A resource argument also takes the names of the declared instances.
    if let Some(res) = tool.resource.as_ref().filter(|r| r.arg == arg) {
        for r in model.resources.iter().filter(|r| r.ty == res.ty) {
            strs.push(r.pattern.replace('*', ""));
            strs.push(r.pattern.replace('*', "x"));
        }
    }
    let mut scalars: Vec<Scalar> = Vec::new();
    let conds = agent
        .grants_for(&tool.name)
        .flat_map(|g| std::iter::once(&g.condition).chain(g.approvals.iter().map(|a| &a.condition)))
        .chain(
            agent
                .denies
                .iter()
                .filter(|d| d.tool == tool.name)
                .map(|d| &d.condition),
        )
        .chain(
            agent
                .gates
                .iter()
                .filter(|g| g.tool == tool.name)
                .map(|g| &g.approval.condition),
        );
    for c in conds {
        atoms(c, &mut |a| {
            collect(a, arg, &mut ints, &mut strs, &mut scalars)
        });
    }
    let mut out = Vec::new();
    match ty {
        Type::String => {
            out.extend(strs.iter().map(|s| json!(s)));
            out.push(json!("x"));
        }
        Type::Int => {
            out.extend(ints.iter().map(|i| json!(i)));
            out.push(json!(0));
        }
        Type::Duration => {
            out.extend(ints.iter().filter(|i| **i >= 0).map(|i| json!(i)));
            out.push(json!(0));
        }
        Type::Bool => out.extend([json!(true), json!(false)]),
        Type::Money { currency } => {
            let mut currencies: Vec<String> = match currency {
                Some(c) => vec![c.clone()],
                None => strs.clone(),
            };
            if currencies.is_empty() {
                currencies.push(
                    agent
                        .budget
                        .as_ref()
                        .map_or("USD", |b| b.currency.as_str())
                        .into(),
                );
            }
            for c in &currencies {
                for m in ints.iter().filter(|i| **i >= 0).chain([&0]) {
                    out.push(json!({"minor": m, "currency": c}));
                }
            }
        }
        Type::Enum { values } => out.extend(values.iter().map(|v| json!(v))),
        Type::List { .. } => {
            out.push(json!([]));
            let items: Vec<Value> = scalars
                .iter()
                .map(|s| match s {
                    Scalar::Str(x) => json!(x),
                    Scalar::Int(i) => json!(i),
                })
                .collect();
            for item in &items {
                out.push(json!([item]));
            }
            if items.len() > 1 {
                out.push(Value::Array(items));
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|v| seen.insert(v.to_string()));
    out
}

fn atoms(c: &Cond, f: &mut impl FnMut(&Atom)) {
    match c {
        Cond::True | Cond::False => {}
        Cond::And(ps) | Cond::Or(ps) => ps.iter().for_each(|p| atoms(p, f)),
        Cond::Not(p) => atoms(p, f),
        Cond::Atom(a) => f(a),
    }
}

fn collect(
    a: &Atom,
    arg: &str,
    ints: &mut Vec<i64>,
    strs: &mut Vec<String>,
    scalars: &mut Vec<Scalar>,
) {
    let is = |s: &String| s == arg;
    match a {
        Atom::IntCmp {
            operand: IntOperand::Arg(x) | IntOperand::MoneyMinor(x),
            value,
            ..
        } if is(x) => ints.extend([value.saturating_sub(1), *value, value.saturating_add(1)]),
        Atom::StrEq {
            operand: StrOperand::Arg(x) | StrOperand::MoneyCurrency(x),
            value,
        } if is(x) => strs.push(value.clone()),
        Atom::StrIn {
            operand: StrOperand::Arg(x) | StrOperand::MoneyCurrency(x),
            values,
        } if is(x) => strs.extend(values.iter().cloned()),
        Atom::StrLike {
            operand: StrOperand::Arg(x) | StrOperand::MoneyCurrency(x),
            pattern,
        } if is(x) => {
            strs.push(pattern.replace('*', ""));
            strs.push(pattern.replace('*', "x"));
        }
        Atom::ListAny { arg: x, values } | Atom::ListAll { arg: x, values } if is(x) => {
            scalars.extend(values.iter().cloned())
        }
        Atom::ListContains { arg: x, value } if is(x) => scalars.push(value.clone()),
        _ => {}
    }
}

/// `policy_test.rego`: one `test_` rule per example.
pub fn render(examples: &[Example]) -> String {
    let mut out = String::from(
        "# Generated by agentpol: unit tests of policy.rego, one per example request,\n\
         # each expecting the decision of agentpol's reference evaluator.\n\
         # Run with: opa test policy.rego data.json policy_test.rego\n\
         package agentpol_test\n\nimport rego.v1\n\nimport data.agentpol\n",
    );
    for ex in examples {
        out.push('\n');
        out.push_str(&ex.name);
        out.push_str(" if {\n\td := agentpol.decision with input as ");
        printer::term(&ex.request, &mut out);
        out.push_str("\n\td == ");
        printer::term(&ex.expected, &mut out);
        out.push_str("\n}\n");
    }
    out
}
