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

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Cond;

pub const CHECK: Check = Check {
    code: Code::new("AP207", Severity::Warning),
    name: "shadowed-grant",
    summary: "a grant never applies because denies, the budget or the justification rule block it",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
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
        let blocked_by_denies = cx
            .sat1(tool, not_denied, agent, || {
                format!("whether a deny covers all of `{}`", g.id)
            })
            .is_none();
        let mut d = cx
            .diag(format!("grant `{}` never applies", g.id))
            .primary(g.origin.span, "every call it matches is denied");
        if blocked_by_denies {
            for deny in agent.denies.iter().filter(|x| x.tool == g.tool) {
                d = d.secondary(deny.origin.span, "denies calls this grant matches");
            }
            d = d.help("remove the grant, or narrow the deny so that the grant keeps the calls it was written for");
        } else {
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
        let calls = vec![cx.call(agent, tool, &matched, State::default(), Expect::Deny)];
        let path = vec![
            Step::agent(agent, "calls"),
            Step::tool(tool, format!("matched by `{}` but denied", g.id)),
        ];
        let d = d.witness(witness(path, calls));
        cx.report([agent.name.as_str()], d);
    }
}
