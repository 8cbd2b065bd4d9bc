//! The registry of checks: what a check is ([`Check`]), THE list of them
//! ([`CHECKS`]) in the order they run, and lookups by code and name for
//! `agentpol explain`, `--list-checks` and SARIF.
//!
//! A check has two halves, as Biome's rules do: its `run` finds — asks the
//! solver, builds witnesses the reference evaluator confirms — and returns
//! values of the check's own `Finding` type; its `diagnostic` renders one
//! finding as message, labels, notes and help. [`render`] joins them.

use super::{checks, Cx, Report};
use crate::diagnostics::{Code, Diagnostic};

/// One check: its identity, its documentation and its logic.
pub struct Check {
    pub code: Code,
    /// kebab-case name of what it flags.
    pub name: &'static str,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    /// The check's own source file; [`Check::doc`] is its `//!` comment.
    pub source: &'static str,
    /// Finds, then renders: `|cx| render(cx, run, diagnostic)`.
    pub run: fn(&mut Cx<'_>) -> Vec<Report>,
    /// Whether every finding carries a witness with at least one call.
    pub witness: bool,
}

impl Check {
    /// A diagnostic of this check with its default severity.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, message)
    }

    /// The documentation: the leading `//!` lines of the check's file.
    pub fn doc(&self) -> String {
        let mut out = Vec::new();
        for line in self.source.lines() {
            match line.strip_prefix("//!") {
                Some(rest) => out.push(rest.strip_prefix(' ').unwrap_or(rest)),
                None => break,
            }
        }
        out.join("\n").trim().to_string()
    }
}

/// A check's `run`, then its `diagnostic` for each finding.
pub fn render<'m, F>(
    cx: &mut Cx<'m>,
    run: fn(&mut Cx<'m>) -> Vec<F>,
    diagnostic: fn(&Cx<'m>, &F) -> Report,
) -> Vec<Report> {
    let found = run(cx);
    found.iter().map(|f| diagnostic(cx, f)).collect()
}

/// THE list of checks, in the order they run and are listed.
pub static CHECKS: &[&Check] = &[
    &checks::untrusted_to_privileged::CHECK,
    &checks::unapproved_spend::CHECK,
    &checks::lethal_trifecta::CHECK,
    &checks::exfiltration::CHECK,
    &checks::cross_agent_flow::CHECK,
    &checks::allow_deny_overlap::CHECK,
    &checks::shadowed_grant::CHECK,
    &checks::unsatisfiable_condition::CHECK,
    &checks::approval_never_fires::CHECK,
    &checks::approval_bypassed::CHECK,
    &checks::approval_on_every_call::CHECK,
    &checks::spend_exceeds_budget::CHECK,
    &checks::browser_bypass::CHECK,
    &checks::self_modifying_memory::CHECK,
    &checks::wildcard_grant::CHECK,
    &checks::wildcard_egress::CHECK,
    &checks::long_lived_credentials::CHECK,
    &checks::multi_domain_agent::CHECK,
    &checks::missing_audit_log::CHECK,
    &checks::missing_justification::CHECK,
    &checks::suppression_without_reason::CHECK,
    &checks::solver_unknown::CHECK,
    &checks::unconfirmed_witness::CHECK,
];

/// The check with this code (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static Check> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.code.as_str().eq_ignore_ascii_case(code))
}

/// The check with this name (`untrusted-input-to-privileged-sink`).
pub fn lookup_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.name == name)
}
