//! ## What it does
//! Reports a witness the reference evaluator does not confirm: the solver
//! produced a call for a finding, but `agentpol eval` decides that call
//! differently than the finding claims. This is an internal inconsistency
//! between the analyzer's encoding and the reference semantics; agentpol
//! reports it instead of presenting the call as evidence.
//!
//! ## Why it matters
//! Every witness is meant to be pasted into `agentpol eval` by a reviewer.
//! One that does not reproduce would erode trust in every other finding.
//!
//! ## Example
//! No policy should trigger it; if one does, please report it with the
//! policy and the printed request.
//!
//! ## Use instead
//! Evaluate the printed request with `agentpol eval` to see the actual
//! decision, and report the discrepancy.

use crate::analysis::witness::Unconfirmed;
use crate::analysis::{Check, Cx, Report};
use crate::diagnostics::{Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP302", Severity::Error),
    name: "unconfirmed-witness",
    summary: "a witness call is not decided as the finding claims",
    source: include_str!("unconfirmed_witness.rs"),
    run: |_| Vec::new(),
    witness: false,
};

/// A witness call of `check` the reference evaluator does not confirm.
pub struct Finding<'a> {
    pub check: &'a Check,
    pub call: Unconfirmed,
}

/// The unconfirmed witnesses `check` made: they are recorded where witnesses
/// are made (see `Cx::call`), so `analysis::run` calls this after each check.
pub(crate) fn reports(cx: &mut Cx<'_>, check: &Check) -> Vec<Report> {
    std::mem::take(&mut cx.unconfirmed)
        .into_iter()
        .map(|call| diagnostic(cx, &Finding { check, call }))
        .collect()
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let u = &f.call;
    let d = CHECK
        .diag(format!(
            "{} produced a witness call of `{}` by `{}` that the reference evaluator decides as {}, not {}",
            f.check.code,
            u.tool,
            u.agent,
            u.decision.decision.as_str(),
            u.expect.describe()
        ))
        .primary(u.agent_span, "unconfirmed witness")
        .note(format!("request: {}", serde_json::to_string(&u.request).unwrap_or_default()))
        .note(format!("reasons: {}", u.decision.reasons.join("; ")))
        .help("this is a bug in agentpol's analyzer: please report it with the policy");
    Report::new([u.agent.as_str()], d)
}
