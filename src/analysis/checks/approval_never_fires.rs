//! ## What it does
//! Finds approval triggers that can never fire on a call that is otherwise
//! allowed: the trigger's condition can hold, but never together with its
//! grant (for a trigger on a grant) or with any grant of the tool (for an
//! agent-level `approve TOOL when ...` gate), once denies, the budget and
//! the justification rule are taken into account.
//!
//! Triggers from presets are not reported: a preset is written for many
//! agents, and its gates need not apply to each one's grants.
//!
//! ## Why it matters
//! The trigger reads as a human check that is not there. Typically the grant
//! was narrowed after the trigger was written (`allow pay.charge where amount
//! <= USD 50.00` with `approve when amount > USD 100.00`), and the calls the
//! approval was meant for are now denied — or, worse, allowed by another
//! grant.
//!
//! ## Example
//! ```text
//! allow pay.charge where amount <= USD 50.00
//!   approve when amount > USD 100.00 by group "finance"
//! ```
//!
//! ## Use instead
//! ```text
//! allow pay.charge where amount <= USD 500.00
//!   approve when amount > USD 100.00 by group "finance"
//! ```

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::{Approval, Cond};

pub const CHECK: Check = Check {
    code: Code::new("AP209", Severity::Warning),
    name: "approval-never-fires",
    summary: "an approval trigger can never fire on an allowed call",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        // Triggers on grants: against their own grant.
        for (gi, g) in agent.grants.iter().enumerate() {
            let Some(tool) = model.tools.get(&g.tool) else {
                continue;
            };
            if g.approvals.is_empty() {
                continue;
            }
            let Some(allowed) = cx.live(agent, gi) else {
                continue;
            };
            for a in g.approvals.iter().filter(|a| a.origin.preset.is_none()) {
                let scope = facts::live(agent, tool, gi);
                check(
                    cx,
                    agent,
                    tool,
                    a,
                    scope,
                    &allowed,
                    &format!("grant `{}`", g.id),
                    g.origin.span,
                );
            }
        }
        // Gates: against every grant of the tool.
        for gate in agent
            .gates
            .iter()
            .filter(|g| g.approval.origin.preset.is_none())
        {
            let Some(tool) = model.tools.get(&gate.tool) else {
                continue;
            };
            let Some(allowed) = cx.permitted(agent, tool) else {
                continue;
            };
            let scope = facts::permitted(agent, tool);
            let span = agent
                .grants
                .iter()
                .find(|g| g.tool == gate.tool)
                .map(|g| g.origin.span)
                .unwrap_or(agent.span);
            check(
                cx,
                agent,
                tool,
                &gate.approval,
                scope,
                &allowed,
                &format!("the grants of `{}`", tool.name),
                span,
            );
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per kind of trigger, each spelling out its scope"
)]
fn check(
    cx: &mut Cx<'_>,
    agent: &crate::model::Agent,
    tool: &crate::model::Tool,
    a: &Approval,
    scope: Cond,
    allowed: &crate::analysis::smt::Assignment,
    scope_name: &str,
    scope_span: crate::source::Span,
) {
    if a.condition.is_true() {
        return;
    }
    // A trigger unsatisfiable on its own is AP208's.
    if cx
        .sat1(tool, a.condition.clone(), agent, || {
            format!("whether the condition of `{}` can hold", a.id)
        })
        .is_none()
    {
        return;
    }
    let fires = Cond::and(vec![scope, a.condition.clone()]);
    let q = crate::analysis::smt::Query::one(tool, fires);
    if cx
        .sat(&q, agent, tool, || {
            format!("whether `{}` can ever fire", a.id)
        })
        .is_some()
        || !matches!(cx.facts.check(&q), crate::analysis::smt::Answer::Unsat)
    {
        return;
    }
    let calls = vec![cx.call(agent, tool, allowed, State::default(), Expect::NotDeny)];
    let path = vec![
        Step::agent(agent, "calls"),
        Step::tool(tool, format!("allowed; `{}` does not fire", a.id)),
    ];
    let d = cx
        .diag(format!("approval trigger `{}` can never fire on a call {scope_name}", a.id))
        .primary(a.origin.span, "never fires on an allowed call")
        .secondary(scope_span, "the calls it could apply to")
        .help(format!(
            "align the trigger with the grant: every call it was meant for is outside what {scope_name}"
        ))
        .witness(witness(path, calls));
    cx.report([agent.name.as_str()], d);
}
