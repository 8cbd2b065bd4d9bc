//! ## What it does
//! Finds agents that can take high-risk actions — delete, execute code,
//! merge, administer, or spend — without `justification required`, so a
//! call carries no stated reason.
//!
//! ## Why it matters
//! A justification string links the tool call to the task that asked for
//! it; approvers and auditors read it. For irreversible actions it is the
//! cheapest control there is.
//!
//! ## Example
//! ```text
//! agent janitor { allow repo.delete where repo like "tmp-*" }
//! ```
//!
//! ## Use instead
//! ```text
//! agent janitor {
//!   justification required
//!   allow repo.delete where repo like "tmp-*"
//! }
//! ```

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Effect;

pub const CHECK: Check = Check {
    code: Code::new("AP220", Severity::Warning),
    name: "missing-justification",
    summary: "high-risk actions need no justification",
    source: check_source!(),
    run,
    witness: true,
};

const HIGH_RISK: [Effect; 5] = [
    Effect::Delete,
    Effect::Execute,
    Effect::Merge,
    Effect::Admin,
    Effect::Spend,
];

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        if agent.justification_required {
            continue;
        }
        let mut risky = Vec::new();
        for tool in cx.granted_tools(agent) {
            if !tool.effects.iter().any(|e| HIGH_RISK.contains(e)) {
                continue;
            }
            if let Some(call) = cx.permitted(agent, tool) {
                risky.push((tool, call));
            }
        }
        let Some((tool, call)) = risky.first().cloned() else {
            continue;
        };
        let names: Vec<String> = risky.iter().map(|(t, _)| format!("`{}`", t.name)).collect();
        let grant = cx.deciding_grant(agent, tool, &call).unwrap_or(0);
        let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::NotDeny)];
        let path = vec![
            Step::agent(agent, "gives no reason"),
            Step::tool(tool, effects(tool)),
        ];
        let mut d = cx
            .diag(format!(
                "agent `{}` can call {} without giving a justification",
                agent.name,
                names.join(", ")
            ))
            .primary(agent.span, "no `justification required`")
            .secondary(
                cx.grant_span(agent, grant),
                format!("`{}`: {}", tool.name, effects(tool)),
            )
            .help("add `justification required` to the agent");
        for (t, c) in risky.iter().skip(1) {
            if let Some(g) = cx.deciding_grant(agent, t, c) {
                d = d.secondary(
                    cx.grant_span(agent, g),
                    format!("`{}`: {}", t.name, effects(t)),
                );
            }
        }
        let d = d.witness(witness(path, calls));
        cx.report([agent.name.as_str()], d);
    }
}
