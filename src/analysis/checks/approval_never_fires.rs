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

use crate::analysis::smt::{Answer, Assignment, Query};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Approval, Cond, Tool};
use crate::source::Span;

pub const CHECK: Check = Check {
    code: Code::new("AP209", Severity::Warning),
    name: "approval-never-fires",
    summary: "an approval trigger can never fire on an allowed call",
    source: include_str!("approval_never_fires.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// The calls a trigger could apply to.
pub struct Scope {
    /// `grant `x`` or `the grants of `t``.
    name: String,
    span: Span,
}

/// An approval trigger that fires on no call its scope allows.
pub struct Finding<'m> {
    agent: &'m Agent,
    approval: &'m Approval,
    scope: Scope,
    /// An allowed call the trigger does not fire on.
    witness: Witness,
}

/// A trigger to test: the tool, the calls it could fire on, and one of them.
struct Trigger<'m> {
    tool: &'m Tool,
    approval: &'m Approval,
    calls: Cond,
    allowed: Assignment,
    scope: Scope,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
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
                let t = Trigger {
                    tool,
                    approval: a,
                    calls: facts::live(agent, tool, gi),
                    allowed: allowed.clone(),
                    scope: Scope {
                        name: format!("grant `{}`", g.id),
                        span: g.origin.span,
                    },
                };
                found.extend(never_fires(cx, agent, t));
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
            let span = agent
                .grants
                .iter()
                .find(|g| g.tool == gate.tool)
                .map(|g| g.origin.span)
                .unwrap_or(agent.span);
            let t = Trigger {
                tool,
                approval: &gate.approval,
                calls: facts::permitted(agent, tool),
                allowed,
                scope: Scope {
                    name: format!("the grants of `{}`", tool.name),
                    span,
                },
            };
            found.extend(never_fires(cx, agent, t));
        }
    }
    found
}

/// The finding when the trigger is satisfiable on its own yet provably
/// never fires on a call of its scope.
fn never_fires<'m>(cx: &mut Cx<'m>, agent: &'m Agent, t: Trigger<'m>) -> Option<Finding<'m>> {
    let (tool, a) = (t.tool, t.approval);
    if a.condition.is_true() {
        return None;
    }
    // A trigger unsatisfiable on its own is AP208's.
    cx.sat1(tool, a.condition.clone(), agent, || {
        format!("whether the condition of `{}` can hold", a.id)
    })?;
    let fires = Cond::and(vec![t.calls, a.condition.clone()]);
    let q = Query::one(tool, fires);
    if cx
        .sat(&q, agent, tool, || {
            format!("whether `{}` can ever fire", a.id)
        })
        .is_some()
        || !matches!(cx.facts.check(&q), Answer::Unsat)
    {
        return None;
    }
    let calls = vec![cx.call(agent, tool, &t.allowed, State::default(), Expect::NotDeny)];
    let path = vec![
        Step::agent(agent, "calls"),
        Step::tool(tool, format!("allowed; `{}` does not fire", a.id)),
    ];
    Some(Finding {
        agent,
        approval: a,
        scope: t.scope,
        witness: Witness::new(path, calls),
    })
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (a, scope) = (f.approval, &f.scope);
    let d = CHECK
        .diag(format!(
            "approval trigger `{}` can never fire on a call {}",
            a.id, scope.name
        ))
        .primary(a.origin.span, "never fires on an allowed call")
        .secondary(scope.span, "the calls it could apply to")
        .help(format!(
            "align the trigger with the grant: every call it was meant for is outside what {}",
            scope.name
        ))
        .witness(f.witness.json());
    Report::new([f.agent.name.as_str()], d)
}
