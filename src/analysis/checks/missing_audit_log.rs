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

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP219", Severity::Warning),
    name: "missing-audit-log",
    summary: "a privileged action is not logged",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        if agent.audit_fields.contains("tool_call") {
            continue;
        }
        let mut unlogged = Vec::new();
        for tool in cx.granted_tools(agent) {
            if !tool.effects.iter().any(|e| e.is_privileged()) {
                continue;
            }
            if agent.logs.get(&tool.name).is_some_and(|f| !f.is_empty()) {
                continue;
            }
            if let Some(call) = cx.permitted(agent, tool) {
                unlogged.push((tool, call));
            }
        }
        let Some((tool, call)) = unlogged.first().cloned() else {
            continue;
        };
        let names: Vec<String> = unlogged
            .iter()
            .map(|(t, _)| format!("`{}`", t.name))
            .collect();
        let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::NotDeny)];
        let path = vec![
            Step::agent(agent, "calls"),
            Step::tool(tool, format!("{}; nothing logged", effects(tool))),
        ];
        let mut d = cx
            .diag(format!(
                "agent `{}` can call privileged {} and nothing about the calls is logged",
                agent.name,
                names.join(", ")
            ))
            .primary(agent.span, "no `audit [.., tool_call, ..]`")
            .help(format!(
                "add `audit [prompt, tool_call, result]` to the agent, or `log {} [...]` with the arguments to record",
                tool.name
            ));
        for (t, c) in &unlogged {
            if let Some(g) = cx.deciding_grant(agent, t, c) {
                d = d.secondary(
                    cx.grant_span(agent, g),
                    format!("`{}`: {}, unlogged", t.name, effects(t)),
                );
            }
        }
        let d = d.witness(witness(path, calls));
        cx.report([agent.name.as_str()], d);
    }
}
