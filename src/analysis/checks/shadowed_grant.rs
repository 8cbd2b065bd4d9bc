//! ## What it does
//! Finds grants that can never allow anything although their own condition
//! is satisfiable: every call they match is denied by a `deny` rule, exceeds
//! the session budget, or lacks a required justification the grant's own
//! condition rules out.
//!
//! ## Why it matters
//! A dead grant misleads reviewers: it reads as a permission the agent does
//! not have, and when the shadowing deny is later removed the grant wakes up
//! with whatever scope it had. Either the grant or the rule that shadows it
//! is a mistake.
//!
//! ## Example
//! ```text
//! allow repo.delete where repo like "sandbox-*"
//! deny repo.delete
//! ```
//!
//! ## Use instead
//! Remove the dead grant, or narrow the deny so that the grant keeps the
//! calls it was written for:
//! ```text
//! allow repo.delete where repo like "sandbox-*"
//! deny repo.delete where not repo like "sandbox-*"
//! ```

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Cond, Grant, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP207", Severity::Warning),
    name: "shadowed-grant",
    summary: "a grant never applies because denies, the budget or the justification rule block it",
    source: include_str!("shadowed_grant.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// What keeps a grant from ever applying.
pub enum Blocker {
    /// The agent's denies cover every call it matches.
    Denies,
    /// The budget or the justification rule rejects every call it matches.
    Context,
}

/// A satisfiable grant that never applies.
pub struct Finding<'m> {
    agent: &'m Agent,
    tool: &'m Tool,
    grant: &'m Grant,
    blocker: Blocker,
    /// A call the grant matches, denied.
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for (agent, gi, g, tool) in model.grants_with_tools() {
        // Unsatisfiable on its own: AP208's case.
        let Some(matched) = cx.sat1(tool, g.condition.clone(), agent, || {
            format!("whether the condition of `{}` can hold", g.id)
        }) else {
            continue;
        };
        if cx.live(agent, gi).is_some() {
            continue;
        }
        // Which rule blocks it: the denies, or the context rules?
        let not_denied = Cond::and(vec![
            g.condition.clone(),
            Cond::not(facts::denied(agent, tool)),
        ]);
        let blocker = match cx.sat1(tool, not_denied, agent, || {
            format!("whether a deny covers all of `{}`", g.id)
        }) {
            None => Blocker::Denies,
            Some(_) => Blocker::Context,
        };
        // The default justification a witness gets for an agent that
        // requires one would take the call out of a grant that matches only
        // calls without one (`where not has context.justification`); then
        // the call is sent as the grant matches it, and denied for lacking it.
        let justified = crate::model::cond::Env {
            args: &matched.args,
            justification: matched.justification.as_deref().or(agent
                .justification_required
                .then_some(crate::analysis::witness::DEFAULT_JUSTIFICATION)),
        };
        let state = State {
            without_justification: !g.condition.eval(&justified),
            ..State::default()
        };
        let calls = vec![cx.call(agent, tool, &matched, state, Expect::Deny)];
        let path = vec![
            Step::agent(agent, "calls"),
            Step::tool(tool, format!("matched by `{}` but denied", g.id)),
        ];
        found.push(Finding {
            agent,
            tool,
            grant: g,
            blocker,
            witness: Witness::new(path, calls),
        });
    }
    found
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, tool, g) = (f.agent, f.tool, f.grant);
    let mut d = CHECK
        .diag(format!("grant `{}` never applies", g.id))
        .primary(g.origin.span, "every call it matches is denied");
    match f.blocker {
        Blocker::Denies => {
            for deny in agent.denies.iter().filter(|x| x.tool == g.tool) {
                d = d.secondary(deny.origin.span, "denies calls this grant matches");
            }
            d = d.help("remove the grant, or narrow the deny so that the grant keeps the calls it was written for");
        }
        Blocker::Context => {
            d = d
                .note(format!(
                    "every call it matches {}",
                    if tool.spends.is_some() && agent.budget.is_some() {
                        "exceeds the session budget or lacks the required justification"
                    } else {
                        "lacks the required justification"
                    }
                ))
                .help("make the grant's condition compatible with the agent's budget and justification rules, or remove it");
        }
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
