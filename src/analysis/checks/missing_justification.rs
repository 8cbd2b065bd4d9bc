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

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Effect, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP220", Severity::Warning),
    name: "missing-justification",
    summary: "high-risk actions need no justification",
    source: include_str!("missing_justification.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

const HIGH_RISK: [Effect; 5] = [
    Effect::Delete,
    Effect::Execute,
    Effect::Merge,
    Effect::Admin,
    Effect::Spend,
];

/// An agent that can take high-risk actions without giving a reason.
pub struct Finding<'m> {
    agent: &'m Agent,
    /// Each high-risk tool it can call, in name order, with the grant that
    /// allows a call of it; never empty.
    risky: Vec<(&'m Tool, usize)>,
    /// A call of the first.
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        if agent.justification_required {
            continue;
        }
        let mut risky = Vec::new();
        for granted in cx.granted(agent) {
            let tool = granted.tool;
            if !tool.effects.iter().any(|e| HIGH_RISK.contains(e)) {
                continue;
            }
            if let Some(call) = cx.permitted(agent, tool) {
                risky.push((granted, call));
            }
        }
        let Some((first, call)) = risky.first() else {
            continue;
        };
        let tool = first.tool;
        let calls = vec![cx.call(agent, tool, call, State::default(), Expect::NotDeny)];
        let path = vec![
            Step::agent(agent, "gives no reason"),
            Step::tool(tool, effects(tool)),
        ];
        let risky = risky
            .iter()
            .map(|(g, c)| (g.tool, cx.deciding_grant(g, c)))
            .collect();
        found.push(Finding {
            agent,
            risky,
            witness: Witness::new(path, calls),
        });
    }
    found
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let agent = f.agent;
    let names: Vec<String> = f
        .risky
        .iter()
        .map(|(t, _)| format!("`{}`", t.name))
        .collect();
    let mut d = CHECK
        .diag(format!(
            "agent `{}` can call {} without giving a justification",
            agent.name,
            names.join(", ")
        ))
        .primary(agent.span, "no `justification required`");
    let mut risky = f.risky.iter();
    if let Some((t, g)) = risky.next() {
        d = d.secondary(
            cx.grant_span(agent, *g),
            format!("`{}`: {}", t.name, effects(t)),
        );
    }
    d = d.help("add `justification required` to the agent");
    for (t, g) in risky {
        d = d.secondary(
            cx.grant_span(agent, *g),
            format!("`{}`: {}", t.name, effects(t)),
        );
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
