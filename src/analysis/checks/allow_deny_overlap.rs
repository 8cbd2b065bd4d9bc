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

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Cond;

pub const CHECK: Check = Check {
    code: Code::new("AP206", Severity::Info),
    name: "allow-deny-overlap",
    summary: "a deny rule overrides part of a grant",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
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
            let diag = cx
                    .diag(format!("deny `{}` overrides part of grant `{}`", d.id, g.id))
                    .primary(d.origin.span, "denies some calls the grant allows")
                    .secondary(g.origin.span, "this grant")
                    .note("the first witness call is denied by the deny, the second is still allowed by the grant")
                    .help("if the carve-out is intended, state it in the grant's condition (`and not ...`) so that one rule tells the whole story")
                    .witness(witness(path, calls));
            cx.report([agent.name.as_str()], diag);
        }
    }
}
