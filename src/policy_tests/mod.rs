//! ⑦ Policy unit tests. Input: the checked [`Model`], test cases (already
//! read into JSON values by the caller) and the engines to run them on.
//! Output: one [`Outcome`] per case and engine, and the rules no case
//! exercised ([`coverage`]).
//!
//! **The convention** (documented in the README): beside the policy files of
//! a set,
//! - `tests/*.json`, `tests/*.yaml`, `tests/*.yml`: either one case
//!   (`{"request": ..., "expect": ...}`, named after the file) or
//!   `{"tests": [{"name": ..., "request": ..., "expect": ...}, ...]}`;
//! - `requests/*.json`: a bare request whose file name announces its
//!   decision: `allow-*`, `deny-*` or `approval-*` (approval_required).
//!
//! `request` is the documented request shape (`agentpol schema request`).
//! `expect` holds `decision` (`allow`, `deny`, `approval_required`) and
//! optionally `approvals` (exactly these approvals are still needed: each
//! `{"group": ..., "count"?: ..., "reason"?: ..., "rule"?: ...}`, the
//! fields given must match), `log` (exactly these fields must be logged)
//! and `rules` (exactly these rule ids decided).
//!
//! A case passes on an engine when the engine's decision meets `expect`
//! and agrees with the reference evaluator (decision, approvals, log
//! fields and tamper evidence; Rego also the deciding rules).

pub mod coverage;
pub mod engines;
mod spec;

pub use spec::{cases_from_value, Case, Expect, ExpectedApproval};

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Severity};
use crate::model::eval::{decide_json, RequiredApproval};
use crate::model::{Model, Outcome as Decision};
use serde_json::Value;

pub const INVALID_TEST: Code = Code::new("AP154", Severity::Error);

pub const CODES: &[CodeDoc] = &[CodeDoc {
    code: INVALID_TEST,
    name: "invalid-policy-test",
    summary: "a policy test file does not have the documented shape",
    explanation: "`agentpol test` reads `tests/*.json|yaml|yml` as one case (`{\"request\": {...}, \"expect\": {\"decision\": \"allow\"}}`) or a list (`{\"tests\": [{\"name\": \"...\", \"request\": {...}, \"expect\": {...}}]}`), and `requests/*.json` as bare requests named `allow-*`, `deny-*` or `approval-*`. `expect.decision` is `allow`, `deny` or `approval_required`; `approvals`, `log` and `rules` are optional lists.\n\nGood:\n    tests:\n      - name: refund under the cap\n        request: {agent: payer, tool: payments.refund, args: {amount: {minor: 500, currency: USD}}}\n        expect: {decision: allow, log: [amount]}",
}];

/// What one engine answered, in the reference decision's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub decision: Decision,
    pub approvals: Vec<RequiredApproval>,
    /// Fields to log and tamper evidence, for engines that report them on
    /// this decision (Cedar reports them only when it does not deny).
    pub audit: Option<(Vec<String>, bool)>,
    /// The deciding rules, for engines that report them.
    pub rules: Option<Vec<String>>,
    pub reasons: Vec<String>,
}

/// An engine a case can run on.
pub trait Engine {
    fn name(&self) -> &'static str;
    /// The engine's answer, or why it could not give one (a failure).
    fn answer(&mut self, model: &Model, request: &Value) -> Result<Answer, String>;
}

/// The reference evaluator (`model::eval::decide`).
pub struct Reference;

impl Engine for Reference {
    fn name(&self) -> &'static str {
        "reference"
    }

    fn answer(&mut self, model: &Model, request: &Value) -> Result<Answer, String> {
        Ok(reference(model, request))
    }
}

fn reference(model: &Model, request: &Value) -> Answer {
    let d = decide_json(model, request);
    Answer {
        decision: d.decision,
        approvals: d.approvals,
        audit: Some((d.log, d.tamper_evident)),
        rules: Some(d.rules),
        reasons: d.reasons,
    }
}

/// The result of one case on one engine.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub engine: &'static str,
    /// Empty when the case passed on this engine.
    pub failures: Vec<String>,
}

/// A case's results on every engine, and the reference decision (for coverage).
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    pub outcomes: Vec<Outcome>,
    pub reference: Answer,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.failures.is_empty())
    }
}

/// Runs every case on every engine (the reference always runs first).
pub fn run(model: &Model, cases: &[Case], engines: &mut [Box<dyn Engine + '_>]) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let want = reference(model, &case.request);
            let mut outcomes = vec![Outcome {
                engine: "reference",
                failures: case.expect.unmet(&want),
            }];
            for e in engines.iter_mut() {
                let failures = match e.answer(model, &case.request) {
                    Ok(got) => {
                        let mut f = case.expect.unmet(&got);
                        f.extend(disagreement(&want, &got));
                        f
                    }
                    Err(why) => vec![format!("the engine failed: {why}")],
                };
                outcomes.push(Outcome {
                    engine: e.name(),
                    failures,
                });
            }
            CaseResult {
                case: case.clone(),
                outcomes,
                reference: want,
            }
        })
        .collect()
}

/// How an engine's answer differs from the reference's.
fn disagreement(reference: &Answer, got: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    if got.decision != reference.decision {
        out.push(format!(
            "disagrees with the reference: `{}`, the reference decides `{}`",
            got.decision.as_str(),
            reference.decision.as_str()
        ));
    }
    if got.approvals != reference.approvals {
        out.push(format!(
            "disagrees with the reference on the approvals needed: {}, the reference: {}",
            spec::approvals_text(&got.approvals),
            spec::approvals_text(&reference.approvals)
        ));
    }
    if let (Some(a), Some(b)) = (&got.audit, &reference.audit) {
        if a != b {
            let text = |(log, t): &(Vec<String>, bool)| {
                format!(
                    "[{}]{}",
                    log.join(", "),
                    if *t { " tamper-evident" } else { "" }
                )
            };
            out.push(format!(
                "disagrees with the reference on logging: {}, the reference: {}",
                text(a),
                text(b)
            ));
        }
    }
    if let (Some(a), Some(b)) = (&got.rules, &reference.rules) {
        if a != b {
            out.push(format!(
                "disagrees with the reference on the deciding rules: [{}], the reference: [{}]",
                a.join(", "),
                b.join(", ")
            ));
        }
    }
    out
}
