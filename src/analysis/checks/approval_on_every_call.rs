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

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Effect;

pub const CHECK: Check = Check {
    code: Code::new("AP211", Severity::Warning),
    name: "approval-on-every-call",
    summary: "every call of a read-only tool needs approval",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        for tool in cx.granted_tools(agent) {
            if tool.effects.iter().any(|e| *e != Effect::Read) {
                continue;
            }
            let Some(call) = cx.permitted(agent, tool) else {
                continue;
            };
            let q = crate::analysis::smt::Query::one(tool, facts::free(agent, tool));
            if cx
                .sat(&q, agent, tool, || {
                    format!(
                        "whether `{}` can call `{}` without approval",
                        agent.name, tool.name
                    )
                })
                .is_some()
                || !matches!(cx.facts.check(&q), crate::analysis::smt::Answer::Unsat)
            {
                continue;
            }
            let grant = cx.deciding_grant(agent, tool, &call).unwrap_or(0);
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
            let mut d = cx
                .diag(format!("every call of read-only `{}` by `{}` needs approval", tool.name, agent.name))
                .primary(cx.grant_span(agent, grant), "approval required on every call")
                .help("approve on the arguments that make a call risky (`approve when ...`), or narrow the grant instead of asking a human every time");
            for gate in agent.gates.iter().filter(|g| g.tool == tool.name) {
                d = d.secondary(gate.approval.origin.span, "this gate fires on every call");
            }
            let d = d.witness(witness(path, calls));
            cx.report([agent.name.as_str()], d);
        }
    }
}
