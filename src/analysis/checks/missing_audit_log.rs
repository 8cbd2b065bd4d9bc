//! ## What it does
//! Finds privileged tools (write, delete, communicate, execute, merge, admin)
//! an agent can call while nothing about the call is logged: the agent's
//! `audit [...]` does not include `tool_call` and no `log TOOL [...]` rule
//! names fields for that tool. The witness call's decision shows the empty
//! `log` list.
//!
//! ## Why it matters
//! When something goes wrong, the audit trail must link the prompt, the plan
//! and the tool call with its arguments. A privileged action with no record
//! cannot be investigated or attributed.
//!
//! ## Example
//! ```text
//! agent bot { allow repo.delete where repo like "tmp-*" }
//! ```
//!
//! ## Use instead
//! ```text
//! agent bot {
//!   audit [prompt, tool_call, result] tamper_evident
//!   allow repo.delete where repo like "tmp-*"
//!   log repo.delete [repo]
//! }
//! ```

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP219", Severity::Warning),
    name: "missing-audit-log",
    summary: "a privileged action is not logged",
    source: include_str!("missing_audit_log.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// An agent whose privileged calls go unlogged.
pub struct Finding<'m> {
    agent: &'m Agent,
    /// Each unlogged privileged tool, in name order, with the grant that
    /// allows a call of it; never empty.
    unlogged: Vec<(&'m Tool, usize)>,
    /// A call of the first.
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        if agent.audit_fields.contains("tool_call") {
            continue;
        }
        let mut unlogged = Vec::new();
        for granted in cx.granted(agent) {
            let tool = granted.tool;
            if !tool.effects.iter().any(|e| e.is_privileged()) {
                continue;
            }
            if agent.logs.get(&tool.name).is_some_and(|f| !f.is_empty()) {
                continue;
            }
            if let Some(call) = cx.permitted(agent, tool) {
                unlogged.push((granted, call));
            }
        }
        let Some((first, call)) = unlogged.first() else {
            continue;
        };
        let tool = first.tool;
        let calls = vec![cx.call(agent, tool, call, State::default(), Expect::NotDeny)];
        let path = vec![
            Step::agent(agent, "calls"),
            Step::tool(tool, format!("{}; nothing logged", effects(tool))),
        ];
        let unlogged = unlogged
            .iter()
            .map(|(g, c)| (g.tool, cx.deciding_grant(g, c)))
            .collect();
        found.push(Finding {
            agent,
            unlogged,
            witness: Witness::new(path, calls),
        });
    }
    found
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let agent = f.agent;
    let names: Vec<String> = f
        .unlogged
        .iter()
        .map(|(t, _)| format!("`{}`", t.name))
        .collect();
    let first = f
        .unlogged
        .first()
        .map(|(t, _)| t.name.as_str())
        .unwrap_or_default();
    let mut d = CHECK
        .diag(format!(
            "agent `{}` can call privileged {} and nothing about the calls is logged",
            agent.name,
            names.join(", ")
        ))
        .primary(agent.span, "no `audit [.., tool_call, ..]`")
        .help(format!(
            "add `audit [prompt, tool_call, result]` to the agent, or `log {first} [...]` with the arguments to record"
        ));
    for (t, g) in &f.unlogged {
        d = d.secondary(
            cx.grant_span(agent, *g),
            format!("`{}`: {}, unlogged", t.name, effects(t)),
        );
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
