//! ## What it does
//! Reports a `deny` rule that overlaps a grant of the same tool: some calls
//! the grant allows are denied by the deny (deny wins), while others still go
//! through. The witness shows one call of each kind.
//!
//! ## Why it matters
//! Usually this is an intended carve-out, so the finding is informational
//! (and not reported for a deny that comes from a preset, whose job is to
//! carve out of whatever an agent grants).
//! It is worth a look when the grant and the deny were written by different
//! people (a preset and an agent): the overlap is where their intentions
//! meet, and a reviewer should see both calls.
//!
//! ## Example
//! ```text
//! allow chat.post where channel like "#*"
//! deny chat.post where channel like "#exec*"
//! ```
//!
//! ## Use instead
//! When the carve-out is intended, say it in the grant itself so one rule
//! tells the whole story:
//! ```text
//! allow chat.post where channel like "#*" and not channel like "#exec*"
//! ```

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Cond, Deny, Grant};

pub const CHECK: Check = Check {
    code: Code::new("AP206", Severity::Info),
    name: "allow-deny-overlap",
    summary: "a deny rule overrides part of a grant",
    source: include_str!("allow_deny_overlap.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// A deny that overrides part, not all, of a grant.
pub struct Finding<'m> {
    agent: &'m Agent,
    grant: &'m Grant,
    deny: &'m Deny,
    /// A call the deny denies, then one the grant still allows.
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for (agent, gi, g, tool) in model.grants_with_tools() {
        let denies: Vec<_> = agent
            .denies
            .iter()
            .filter(|d| d.tool == g.tool && d.origin.preset.is_none())
            .collect();
        if denies.is_empty() {
            continue;
        }
        // Only partial overlaps: a grant the denies cover entirely is AP207's.
        let Some(kept) = cx.live(agent, gi) else {
            continue;
        };
        for d in denies {
            let both = Cond::and(vec![
                g.condition.clone(),
                d.condition.clone(),
                facts::context_ok(agent, tool),
            ]);
            let Some(denied) = cx.sat1(tool, both, agent, || {
                format!("whether `{}` and `{}` overlap", g.id, d.id)
            }) else {
                continue;
            };
            let calls = vec![
                cx.call(agent, tool, &denied, State::default(), Expect::Deny),
                cx.call(agent, tool, &kept, State::default(), Expect::NotDeny),
            ];
            let path = vec![
                Step::agent(agent, "calls"),
                Step::tool(
                    tool,
                    format!("allowed by `{}` except where `{}` denies", g.id, d.id),
                ),
            ];
            found.push(Finding {
                agent,
                grant: g,
                deny: d,
                witness: Witness::new(path, calls),
            });
        }
    }
    found
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (g, d) = (f.grant, f.deny);
    let diag = CHECK
        .diag(format!("deny `{}` overrides part of grant `{}`", d.id, g.id))
        .primary(d.origin.span, "denies some calls the grant allows")
        .secondary(g.origin.span, "this grant")
        .note("the first witness call is denied by the deny, the second is still allowed by the grant")
        .help("if the carve-out is intended, state it in the grant's condition (`and not ...`) so that one rule tells the whole story")
        .witness(f.witness.json());
    Report::new([f.agent.name.as_str()], diag)
}
