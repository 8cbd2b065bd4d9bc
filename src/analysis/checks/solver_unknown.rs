//! ## What it does
//! Reports a question a check needed answered that the SMT solver could not
//! decide within its resource limit (for example a deep combination of
//! string patterns). agentpol fails closed: the property is reported as
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
//! ```

use crate::analysis::facts::Undecided;
use crate::analysis::{check_source, Check, Cx};
use crate::diagnostics::{Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP301", Severity::Error),
    name: "solver-unknown",
    summary: "the solver could not decide a question, so a property is unproven",
    source: check_source!(),
    run,
    witness: false,
};

/// Reported where the question arises (see `Cx::sat`), not by a pass of its own.
fn run(_: &mut Cx<'_>) {}

pub(crate) fn report(cx: &mut Cx<'_>, u: &Undecided) {
    let model = cx.model;
    let Some(agent) = model.agents.get(&u.agent) else {
        return;
    };
    let mut d = cx
        .diag(format!("could not decide {}", u.question))
        .primary(agent.span, "property unproven for this agent")
        .note(format!("the solver answered unknown: {}", u.reason))
        .help("simplify the conditions involved, or raise `[analysis] rlimit` in agentpol.toml");
    if let Some(t) = model.tools.get(&u.tool) {
        if let Some(g) = agent.grants.iter().find(|g| g.tool == t.name) {
            d = d.secondary(g.origin.span, format!("a grant of `{}`", t.name));
        }
    }
    cx.report([agent.name.as_str()], d);
}
