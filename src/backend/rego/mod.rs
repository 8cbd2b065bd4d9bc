//! ⑥ The OPA/Rego backend. Input: the checked [`Model`](crate::model::Model)
//! (through [`Input`]). Output: `policy.rego`, `data.json`,
//! `policy_test.rego`, `bundle.tar.gz` and `README.md`, or AP41x diagnostics
//! for what Rego cannot express.
//!
//! # Design
//!
//! **Rules fixed, policy as data.** `policy.rego` is one constant text: a
//! small fixed set of rules that mirror [`decide`](crate::model::eval::decide)
//! step by step. Everything the policy set declares goes to `data.json`
//! ([`data`]), keyed by agent and then by tool, so a decision looks up one
//! agent × tool entry and evaluates only its rules: its cost does not grow
//! with the number of agents, tools or grants (one rule per grant would make
//! every decision evaluate all of them). A side effect is that no policy
//! string ever appears in Rego source: user text reaches `data.json` through
//! serde and `policy_test.rego` through the escaping [`printer`].
//!
//! **Conditions without recursion.** Rego forbids recursive functions. An
//! entry's atoms (single tests) are interned, stored grouped by kind (`has`,
//! `in`, `range`, `glob`, `regex`, `any`, `all`) and evaluated once per
//! request into the set of the indices that hold. A rule's condition is put
//! in negation normal form (negations on atoms, nested `and`s and `or`s
//! merged) and stored as `{pos, neg, more}`: the atoms that must hold, those
//! that must not, and nested sub-conditions. Most conditions are flat; nested
//! ones are evaluated by a ladder, `cond_k` calling `cond_{k-1}` on its
//! members, up to [`data::MAX_DEPTH`]. Deeper conditions are refused with
//! AP410, never dropped.
//!
//! **Exact atoms.** An atom with an absent operand is false; `!=` stays
//! `not ==` (an integer `!=` atom becomes `< or >`, false when absent).
//! `like` is compiled by agentpol, never handed to `glob.match` (which gives
//! `?`, `[`, `{` and `\` meaning): no star is equality, one star a
//! non-overlapping prefix and suffix, more an anchored, escaped regular
//! expression. Integer comparisons are ranges of `i64`. Budgets compare
//! `spend <= budget - spent`, which cannot overflow 64 bits.
//!
//! **Fails closed.** `decision` has a default (deny) and an `else` chain;
//! `allow` and `approval_required` come first but require `checks_passed`,
//! which restates every refusal positively, so an undefined step denies; the
//! refusals follow the reference's order. The request envelope and the
//! arguments are validated as `request::parse` and `eval::validate_args` do:
//! unknown fields, missing fields, wrong types and `null` deny. Iteration
//! over request data is always type-guarded: regorus raises an error (not
//! "undefined") on `some x in null`. Integers are checked by value and by
//! text (`json.marshal(x) == format_int(x, 10)`), which makes OPA reject
//! `1.0`, `1e2` and `-0` as the reference does; an engine that keeps only a
//! number's value (regorus) reads `1.0` as `1` and accepts it.
//!
//! **Cost.** Rego engines charge per rule body and statement (regorus about
//! a microsecond each), so each stage (envelope, arguments, matches and
//! approvals, session) is one rule body, arguments are checked by JSON type
//! plus a short list of refinements, and reasons are precomputed in data.
//! `benches/decision` measures it against a hand-written data-driven policy
//! returning the same decision document.
//!
//! # Mapping
//!
//! The request document (see [`request`](crate::model::request)) is OPA's
//! `input`, unchanged. Query `data.agentpol.decision` (package `agentpol`,
//! REST `POST /v1/data/agentpol/decision`); it is always defined:
//!
//! ```json
//! {"decision": "allow" | "deny" | "approval_required",
//!  "approvals": [{"rule": "...", "group": "...", "count": 1, "reason": "..." | null}],
//!  "reasons": ["..."], "rules": ["..."], "log": ["..."], "tamper_evident": false}
//! ```
//!
//! It equals the reference [`Decision`](crate::model::eval::Decision) field
//! for field, except the detail of an "invalid request" reason, and of an
//! "invalid arguments" reason naming an unknown argument, when several are
//! wrong: the reference names the first in the request's key order, which
//! Rego cannot see, so the Rego names the smallest.
//!
//! The bundle (`bundle.rs`) holds `.manifest` (single root `agentpol`,
//! `rego_version` 1, a revision hashed from the content),
//! `agentpol/policy.rego` and `data.json`; signed (`sign.rs`,
//! `build --signing-key`), also `.signatures.json` as OPA verifies it.

mod bundle;
pub mod conditions;
pub mod data;
mod diag;
mod examples;
pub mod printer;
pub mod sign;

pub use diag::{CODES, CONDITION_TOO_DEEP, INTERNAL, UNSUPPORTED_TYPE};

use super::{Artifact, Input, Output};
use crate::diagnostics::Diagnostic;

/// The decision rules, identical for every policy set.
pub const POLICY: &str = include_str!("policy.rego");

const README: &str = include_str!("README.out.md");

/// The query that answers a request.
pub const QUERY: &str = "data.agentpol.decision";

/// Generates the Rego target.
pub fn generate(input: &Input<'_>) -> Output {
    match build(input) {
        Ok(artifacts) => Output {
            artifacts,
            diagnostics: Vec::new(),
        },
        Err(diagnostics) => Output {
            artifacts: Vec::new(),
            diagnostics,
        },
    }
}

/// What the Rego target refuses, without serialising or packing anything:
/// every refusal is raised while building the data document.
pub fn validate(input: &Input<'_>) -> Vec<Diagnostic> {
    data::build(input).err().unwrap_or_default()
}

fn build(input: &Input<'_>) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let doc = data::build(input)?;
    let data_json = printer::json(&serde_json::to_value(&doc).map_err(internal)?);
    let tests = examples::render(&examples::examples(input.model));
    let tarball = bundle::tarball(POLICY, &data_json, input.set_name, None).map_err(internal)?;
    Ok(vec![
        Artifact::text("README.md", README),
        Artifact {
            path: "bundle.tar.gz".into(),
            contents: tarball,
        },
        Artifact::text("data.json", data_json),
        Artifact::text("policy.rego", POLICY),
        Artifact::text("policy_test.rego", tests),
    ])
}

/// Replaces the unsigned `bundle.tar.gz` among `artifacts` (from
/// [`generate`]) with one signed by `signing`. The error is a sentence.
pub fn sign_bundle(
    artifacts: &mut [Artifact],
    set_name: &str,
    signing: &sign::Signing,
) -> Result<(), String> {
    let data = artifacts
        .iter()
        .find(|a| a.path == "data.json")
        .map(|a| String::from_utf8_lossy(&a.contents).into_owned())
        .ok_or("the rego target produced no data.json")?;
    let signed =
        bundle::tarball(POLICY, &data, set_name, Some(signing)).map_err(|e| e.to_string())?;
    match artifacts.iter_mut().find(|a| a.path == "bundle.tar.gz") {
        Some(a) => {
            a.contents = signed;
            Ok(())
        }
        None => Err("the rego target produced no bundle.tar.gz".into()),
    }
}

/// Serializing in memory cannot fail for these types; if it ever does, the
/// build stops with a diagnostic rather than a panic.
fn internal(e: impl std::fmt::Display) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        diag::INTERNAL,
        format!("the `rego` target could not be written: {e}"),
    )
    .help("this is a bug in agentpol; please report it")]
}
