//! ## What it does
//! Finds an approval trigger on a grant that another grant of the same tool
//! makes pointless: for some call the trigger fires, but a second grant also
//! matches that call without any trigger of its own, so `decide` allows it
//! without approval (a call is allowed when any matching grant has no unmet
//! trigger). The solver finds such a call; it is the witness.
//!
//! ## Why it matters
//! The author believes large payments or production deploys need a human;
//! the broader grant, often from a preset or an earlier rule, lets the same
//! calls through silently.
//!
//! ## Example
//! ```text
//! allow deploy.run where env == "prod" approve always by group "sre"
//! allow deploy.run where env like "*"
//! ```
//!
//! ## Use instead
//! Put the approval on the tool itself (a gate applies whichever grant
//! matches), or make the grants disjoint:
//! ```text
//! allow deploy.run where env like "*"
//! approve deploy.run when env == "prod" by group "sre"
//! ```

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Approval, Cond, Grant, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP210", Severity::Error),
    name: "approval-bypassed",
    summary: "another grant allows without approval a call an approval trigger covers",
    source: include_str!("approval_bypassed.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// An approval on `grant` that grant `other` of the same tool bypasses.
pub struct Finding<'m> {
    agent: &'m Agent,
    tool: &'m Tool,
    grant: &'m Grant,
    approval: &'m Approval,
    /// The bypassing grant, and its index among the agent's grants.
    other: (usize, &'m Grant),
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for (agent, gi, g, tool) in model.grants_with_tools() {
        if agent.grants_for(&g.tool).count() < 2 {
            continue;
        }
        for a in &g.approvals {
            let cond = Cond::and(vec![
                g.condition.clone(),
                a.condition.clone(),
                facts::free(agent, tool),
            ]);
            let Some(call) = cx.sat1(tool, cond, agent, || {
                format!("whether another grant bypasses `{}`", a.id)
            }) else {
                continue;
            };
            let env = crate::model::cond::Env {
                args: &call.args,
                justification: call.justification.as_deref(),
            };
            let other = agent.grants.iter().enumerate().find(|(i, o)| {
                *i != gi
                    && o.tool == g.tool
                    && o.condition.eval(&env)
                    && !o.approvals.iter().any(|x| x.condition.eval(&env))
            });
            let Some(other) = other else { continue };
            let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::Allow)];
            let path = vec![
                Step::agent(agent, "calls"),
                Step::tool(
                    tool,
                    format!(
                        "`{}` fires, yet `{}` allows it without approval",
                        a.id, other.1.id
                    ),
                ),
            ];
            found.push(Finding {
                agent,
                tool,
                grant: g,
                approval: a,
                other,
                witness: Witness::new(path, calls),
            });
        }
    }
    found
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, a) = (f.agent, f.approval);
    let (oi, other) = f.other;
    let d = CHECK
        .diag(format!(
            "approval `{}` is bypassed: grant `{}` allows the same call without approval",
            a.id, other.id
        ))
        .primary(other.origin.span, "allows the call without approval")
        .secondary(a.origin.span, "this approval is required here...")
        .secondary(f.grant.origin.span, "...for calls of this grant")
        .help(format!(
            "move the approval to the tool (`approve {} when ... by group \"{}\"` applies whichever grant matches), or make the grants disjoint",
            f.tool.name, a.group
        ))
        .witness(f.witness.json());
    let d = match cx.preset_note(agent, oi) {
        Some(n) => d.note(n),
        None => d,
    };
    Report::new([agent.name.as_str()], d)
}
