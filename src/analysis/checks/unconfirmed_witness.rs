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

use crate::analysis::witness::Expect;
use crate::analysis::{check_source, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::eval::Decision;
use crate::model::{Agent, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP302", Severity::Error),
    name: "unconfirmed-witness",
    summary: "a witness call is not decided as the finding claims",
    source: check_source!(),
    run,
    witness: false,
};

/// Reported where witnesses are made (see `Cx::call`).
fn run(_: &mut Cx<'_>) {}

pub(crate) fn report(
    cx: &mut Cx<'_>,
    check: &Check,
    agent: &Agent,
    tool: &Tool,
    request: &serde_json::Value,
    expect: Expect,
    decision: &Decision,
) {
    let d = cx
        .diag(format!(
            "{} produced a witness call of `{}` by `{}` that the reference evaluator decides as {}, not {}",
            check.code,
            tool.name,
            agent.name,
            decision.decision.as_str(),
            expect.describe()
        ))
        .primary(agent.span, "unconfirmed witness")
        .note(format!("request: {}", serde_json::to_string(request).unwrap_or_default()))
        .note(format!("reasons: {}", decision.reasons.join("; ")))
        .help("this is a bug in agentpol's analyzer: please report it with the policy");
    cx.report([agent.name.as_str()], d);
}
