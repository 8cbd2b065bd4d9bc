//! THE registry of every code agentpol can report. Input: the code tables
//! each stage keeps next to the code that detects its problems (front end,
//! analysis checks, backends, cross-checks, policy tests) and the
//! command-line codes in [`command`]. Output: one sorted list of
//! [`Entry`], read by `agentpol explain`, `check --list-checks`, the SARIF
//! rules and the documentation tests.
//!
//! A code lives in exactly one table and is never reused; the registry
//! test in `tests/registry.rs` fails when a code is used in the source but
//! not registered, or registered twice.
//!
//! This module sits above every stage (like the façade in `lib.rs`): it
//! only reads their tables.

pub mod command;

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::render::sarif::Rule;
use crate::diagnostics::{Code, Severity};
use std::borrow::Cow;

/// Which part of agentpol reports a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Syntax, names, types and configuration (AP0xx, AP1xx).
    FrontEnd,
    /// The analyzer's checks (AP2xx) and the solver's own outcomes (AP3xx).
    Analysis,
    /// An enforcement backend (AP4xx).
    Backend,
    /// Comparison with MCP listings or infrastructure files.
    CrossCheck,
    /// `agentpol test`.
    PolicyTests,
    /// A command-line or usage problem that is not about a policy file.
    Command,
}

/// One code: identity, default severity and documentation.
#[derive(Debug, Clone)]
pub struct Entry {
    pub code: Code,
    /// kebab-case name of what it flags.
    pub name: &'static str,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    /// What `agentpol explain` prints below the summary.
    pub doc: Cow<'static, str>,
    pub stage: Stage,
}

impl Entry {
    pub fn severity(&self) -> Severity {
        self.code.default_severity()
    }

    fn from_doc(d: &'static CodeDoc, stage: Stage) -> Self {
        Entry {
            code: d.code,
            name: d.name,
            summary: d.summary,
            doc: Cow::Borrowed(d.explanation),
            stage,
        }
    }
}

/// Every table with the stage it belongs to.
fn tables() -> [(&'static [CodeDoc], Stage); 10] {
    use crate::backend::{cedar, iam, k8s, rego};
    [
        (crate::diagnostics::codes::TABLE, Stage::FrontEnd),
        (rego::CODES, Stage::Backend),
        (cedar::CODES, Stage::Backend),
        (iam::CODES, Stage::Backend),
        (k8s::CODES, Stage::Backend),
        (crate::mcp::CODES, Stage::CrossCheck),
        (crate::crosscheck::mcp::CODES, Stage::CrossCheck),
        (crate::crosscheck::infra::CODES, Stage::CrossCheck),
        (crate::policy_tests::CODES, Stage::PolicyTests),
        (command::CODES, Stage::Command),
    ]
}

/// Every code, sorted by code.
pub fn entries() -> Vec<Entry> {
    let mut out: Vec<Entry> = tables()
        .into_iter()
        .flat_map(|(t, stage)| t.iter().map(move |d| Entry::from_doc(d, stage)))
        .collect();
    out.extend(crate::analysis::CHECKS.iter().map(|c| Entry {
        code: c.code,
        name: c.name,
        summary: c.summary,
        doc: Cow::Owned(c.doc()),
        stage: Stage::Analysis,
    }));
    out.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    out
}

/// The entry of this code (case-insensitive: `ap201` finds `AP201`).
pub fn lookup(code: &str) -> Option<Entry> {
    entries()
        .into_iter()
        .find(|e| e.code.as_str().eq_ignore_ascii_case(code))
}

/// The entry with this kebab-case name.
pub fn lookup_name(name: &str) -> Option<Entry> {
    entries().into_iter().find(|e| e.name == name)
}

/// Every code a policy set's `check` can report, as SARIF rules (command
/// codes never appear in a SARIF log: they stop the run instead).
pub fn sarif_rules() -> Vec<Rule> {
    entries()
        .into_iter()
        .filter(|e| e.stage != Stage::Command)
        .map(|e| Rule {
            id: e.code.as_str().to_string(),
            name: e.name.to_string(),
            summary: e.summary.to_string(),
            level: e.severity(),
            help: e.doc.into_owned(),
        })
        .collect()
}
