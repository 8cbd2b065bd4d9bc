//! ## What it does
//! Reports a question a check needed answered that the SMT solver could not
//! decide within its bounds: the resource limit per question (`rlimit`), the
//! number of questions per analysis (`max_queries`), or the size of string
//! tests the automata and the solver's string theory accept (for example
//! many long literals, or long `*a*b*c*` glob chains, on one argument). agentpol fails closed: the property is reported as
//! unproven instead of being silently treated as safe, and a shared channel
//! whose overlap is undecided is assumed to exist.
//!
//! ## Why it matters
//! "The solver gave up" is not "no problem found". A reviewer must know which
//! question is open.
//!
//! ## Example
//! ```text
//! # agentpol.toml
//! [analysis]
//! rlimit = 1          # far too small: every solver call gives up
//! ```
//!
//! ## Use instead
//! Simplify the conditions involved (fewer overlapping `like` patterns on one
//! argument), or raise the limit in `agentpol.toml`:
//! ```text
//! [analysis]
//! rlimit = 50000000
//! max_queries = 1000000
//! ```

use crate::analysis::facts::Undecided;
use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::Agent;

pub const CHECK: Check = Check {
    code: Code::new("AP301", Severity::Error),
    name: "solver-unknown",
    summary: "the solver could not decide a question, so a property is unproven",
    source: include_str!("solver_unknown.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// A question left open, and the agent it was asked about.
pub struct Finding<'m> {
    agent: &'m Agent,
    undecided: Undecided,
}

/// The questions left open since the last call: they arise inside other
/// checks (see `Cx::sat`), which is why `analysis::run` calls this after
/// each of them.
fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    std::mem::take(&mut cx.facts.undecided)
        .into_iter()
        .filter_map(|undecided| {
            let agent = model.agents.get(&undecided.agent)?;
            Some(Finding { agent, undecided })
        })
        .collect()
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, u) = (f.agent, &f.undecided);
    let mut d = CHECK
        .diag(format!("could not decide {}", u.question))
        .primary(agent.span, "property unproven for this agent")
        .note(format!("the solver answered unknown: {}", u.reason))
        .help("simplify the conditions involved, or raise `[analysis] rlimit` (solver work per question) or `max_queries` (questions per analysis) in agentpol.toml");
    if let Some(g) = agent.grants.iter().find(|g| g.tool == u.tool) {
        d = d.secondary(g.origin.span, format!("a grant of `{}`", u.tool));
    }
    Report::new([agent.name.as_str()], d)
}
