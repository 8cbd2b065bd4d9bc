//! The Cedar backend: generated schema, policies and entities run in
//! cedar-policy and decide like `model::eval::decide` (differential laws
//! over generated policies, hostile names, malformed requests), strict
//! validation, determinism, snapshots and the documented worked example.

mod cases;
pub mod harness;
mod laws;

use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;
use harness::{ask, Built};
use serde_json::Value;

/// `Ok` when Cedar (whole set and agent slice) and `decide` agree on the
/// outcome, the approvals still needed and the fields to log, and Cedar
/// reported no evaluation error.
pub fn agrees(b: &Built, request: &Value) -> Result<(), String> {
    let want = decide_json(&b.model, request);
    for sliced in [false, true] {
        let got = ask(b, request, sliced);
        let which = if sliced {
            "agent slice"
        } else {
            "policies.cedar"
        };
        if !got.errors.is_empty() {
            return Err(format!("{which}: evaluation errors {:?}", got.errors));
        }
        let d = &got.decision;
        let mismatch = d.decision != want.decision
            || (want.decision == Outcome::ApprovalRequired && d.approvals != want.approvals)
            || (want.decision != Outcome::Deny
                && (d.log != want.log || d.tamper_evident != want.tamper_evident));
        if mismatch {
            return Err(format!(
                "{which}: cedar says {:?} (approvals {:?}, log {:?}{}), decide says {:?} (approvals {:?}, log {:?}, reasons {:?})",
                d.decision,
                d.approvals,
                d.log,
                got.rejected.map(|r| format!(", rejected: {r}")).unwrap_or_default(),
                want.decision,
                want.approvals,
                want.log,
                want.reasons
            ));
        }
    }
    Ok(())
}
