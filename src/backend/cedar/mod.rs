//! ⑥ The Cedar backend. Input: the checked [`Model`]. Output: a Cedar
//! schema, policies and entities that decide every request exactly as
//! `model::eval::decide` does, once the request is mapped by
//! [`to_cedar_request`] and Cedar's answer read by [`interpret`].
//!
//! Artifacts (`docs/cedar.md` is the integration guide):
//! - `schema.cedarschema.json`: entity types `Agentpol::Agent` (principal),
//!   `Agentpol::Resource` and `Agentpol::Tool` (resources), one action per
//!   tool whose context type carries the tool's typed arguments (see
//!   `schema.rs`);
//! - `policies.cedar`: every policy; `agents/<agent>.cedar`: the same
//!   policies sliced per agent. Every policy is scoped to one principal, so
//!   loading only the requesting agent's slice gives the same decision
//!   while Cedar evaluates a number of policies independent of the number
//!   of agents;
//! - `entities.json`: the agents, and the `Tool` entities that serve as the
//!   resource of tools acting on no named resource.
//!
//! Tri-state decision. Cedar answers allow or deny; agentpol also needs
//! approval_required. Each policy carries `@kind`:
//! - `grant` (permit): one per grant, `when` its condition;
//! - `deny` (forbid): deny rules, limits, the budget, the justification
//!   requirement and argument values outside their declared types;
//! - `approval` (forbid): one per gate or approval trigger, satisfied exactly
//!   when the reference would list that approval as still needed *and* some
//!   grant matches (so it never fires on a call that is denied by default).
//!
//! The decision is allow when Cedar allows; approval_required when Cedar
//! denies and every policy in the response's reason set is `@kind("approval")`
//! (the reason set of a deny is the satisfied forbids); deny otherwise, and
//! deny whenever evaluation reported an error or the request could not be
//! built or validated. Because any deny-kind forbid outranks approvals in
//! the reference too, this reproduces `decide` exactly; the differential
//! tests in `tests/cedar/` check it against the real engine.
//!
//! Guards cannot fail open: every generated policy passes Cedar's strict
//! validation against the generated schema (optional attributes are read
//! only behind `has`; sums are rewritten to differences that cannot
//! overflow), requests are validated against the same schema, and any
//! evaluation error is read as deny.
//!
//! Every user string reaches the Cedar text through [`mod@print`] (escaped
//! literals and attribute accesses) and the JSON files through `serde_json`.
//! What Cedar cannot express is reported as [`CEDAR_UNSUPPORTED`] (AP420);
//! today that is only a number outside Cedar's 64-bit range, which the
//! checker already prevents.

mod cond;
mod policies;
pub mod print;
mod request;
mod schema;

pub use request::{interpret, to_cedar_request, CedarDecision, CedarRequest};
pub use schema::ContextSpec;

use super::{Artifact, Input, Output};
use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::model::Model;
use crate::source::Span;

/// A construct of the checked model that Cedar cannot express.
pub const CEDAR_UNSUPPORTED: Code = Code::new("AP420", Severity::Error);

/// Documentation of the Cedar backend's codes, for `agentpol explain`.
pub const CODES: &[CodeDoc] = &[CodeDoc {
    code: CEDAR_UNSUPPORTED,
    name: "cedar-unsupported",
    summary: "the policy uses something the Cedar target cannot express",
    explanation: "The Cedar backend refuses to weaken or drop a rule it cannot translate exactly; the whole target fails instead. Cedar integers are 64-bit signed, so a limit or bound beyond 2^63 - 1 cannot be written.\n\nBad:\n    limit t.read 18446744073709551615 per session\n\nGood:\n    limit t.read 1000 per session",
}];

fn unsupported(what: &str, span: Span, help: &str) -> Diagnostic {
    Diagnostic::error(
        CEDAR_UNSUPPORTED,
        format!("{what} cannot be expressed in the `cedar` target"),
    )
    .primary(span, "not expressible in Cedar")
    .help(help.to_string())
}

/// Generates the Cedar artifacts, or AP4xx diagnostics and nothing.
pub fn generate(input: &Input<'_>) -> Output {
    let model: &Model = input.model;
    let mut diagnostics = Vec::new();
    let mut slices = Vec::new();
    for agent in model.agents.values() {
        let mut cx = policies::Cx {
            model,
            sources: input.sources,
            diagnostics: &mut diagnostics,
        };
        let list = policies::agent_policies(&mut cx, agent);
        let body: Vec<String> = list.iter().map(policies::Policy::print).collect();
        slices.push((agent.name.clone(), body.join("\n")));
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        crate::diagnostics::sort(&mut diagnostics);
        return Output {
            artifacts: Vec::new(),
            diagnostics,
        };
    }

    let header = |what: &str| {
        format!(
            "// Generated by agentpol from the policy set {}: {what}.\n\
             // Do not edit; see docs/cedar.md for how to load and query it.\n",
            print::string(input.set_name)
        )
    };
    let mut all = header("every agent's policies");
    let mut artifacts = Vec::new();
    for (name, body) in &slices {
        all.push_str(&format!("\n// ---- agent {}\n\n", print::string(name)));
        all.push_str(body);
        let mut slice = header("the policies of one agent");
        slice.push('\n');
        slice.push_str(body);
        artifacts.push(Artifact::text(format!("agents/{name}.cedar"), slice));
    }
    artifacts.push(Artifact::text("policies.cedar", all));
    artifacts.push(Artifact::text(
        "schema.cedarschema.json",
        json_text(&schema::schema(model)),
    ));
    artifacts.push(Artifact::text(
        "entities.json",
        json_text(&schema::entities(model)),
    ));
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Output {
        artifacts,
        diagnostics,
    }
}

fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
