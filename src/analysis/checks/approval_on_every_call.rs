//! ## What it does
//! Finds routine tools — tools whose only effect is `read` — for which every
//! call the agent may make needs a human approval.
//!
//! ## Why it matters
//! Approval as theater: when reviewers are asked to approve every lookup,
//! they stop reading and approve everything, including the calls that
//! matter. Approvals belong on state changes, spending and external
//! communication, triggered by the arguments that make a call risky.
//!
//! ## Example
//! ```text
//! allow kb.search approve always by group "support-leads"
//! ```
//!
//! ## Use instead
//! ```text
//! allow kb.search where space in ["SUP", "FAQ"]
//! allow chat.post where channel == "#support"
//!   approve when urgent by group "support-leads"
//! ```

use crate::analysis::smt::{Answer, Query};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Effect, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP211", Severity::Warning),
    name: "approval-on-every-call",
    summary: "every call of a read-only tool needs approval",
    source: include_str!("approval_on_every_call.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// A read-only tool every permitted call of which needs approval.
pub struct Finding<'m> {
    agent: &'m Agent,
    tool: &'m Tool,
    /// The grant that allows the witness call.
    grant: usize,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        for granted in cx.granted(agent) {
            let tool = granted.tool;
            if tool.effects.iter().any(|e| *e != Effect::Read) {
                continue;
            }
            let Some(call) = cx.permitted(agent, tool) else {
                continue;
            };
            let q = Query::one(tool, facts::free(agent, tool));
            if cx
                .sat(&q, agent, tool, || {
                    format!(
                        "whether `{}` can call `{}` without approval",
                        agent.name, tool.name
                    )
                })
                .is_some()
                || !matches!(cx.facts.check(&q), Answer::Unsat)
            {
                continue;
            }
            let grant = cx.deciding_grant(&granted, &call);
            let calls = vec![cx.call(
                agent,
                tool,
                &call,
                State::default(),
                Expect::ApprovalRequired,
            )];
            let path = vec![
                Step::agent(agent, "reads"),
                Step::tool(tool, "read only, yet always needs approval"),
            ];
            found.push(Finding {
                agent,
                tool,
                grant,
                witness: Witness::new(path, calls),
            });
        }
    }
    found
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, tool) = (f.agent, f.tool);
    let mut d = CHECK
        .diag(format!("every call of read-only `{}` by `{}` needs approval", tool.name, agent.name))
        .primary(cx.grant_span(agent, f.grant), "approval required on every call")
        .help("approve on the arguments that make a call risky (`approve when ...`), or narrow the grant instead of asking a human every time");
    for gate in agent.gates.iter().filter(|g| g.tool == tool.name) {
        d = d.secondary(gate.approval.origin.span, "this gate fires on every call");
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
