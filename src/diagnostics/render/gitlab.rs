//! GitLab code-quality report (`artifacts:reports:codequality`). Input: the
//! diagnostics of each policy set, as for SARIF. Output: a JSON array of
//! issues in the subset of the Code Climate format GitLab reads:
//! `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` + `location.lines.begin`.
//!
//! Mapping: the description is the message (and help); `check_name` the
//! code; severity error → `critical`, warning → `major`, info → `info`.
//! GitLab shows issues only on files of the repository, so the location is
//! the first primary label in a user file, else any label in one, else the
//! set's `agentpol.toml` (a finding about a standard-library tool then
//! points at the policy that uses it, or at the set). The fingerprint
//! hashes set, file, code and message (not the line, so that a finding
//! moved by an edit above it is the same issue in GitLab's comparison of
//! base and head); equal ones get an occurrence number. Paths are relative
//! to the working directory, as GitLab expects them relative to the
//! repository root: run `check` from there.

use super::sarif::SetResults;
use crate::diagnostics::{Diagnostic, Label, Severity};
use crate::source::Origin;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

pub fn to_value(sets: &[SetResults<'_>]) -> Value {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut issues = Vec::new();
    for set in sets {
        for d in set.diagnostics {
            let (path, line) = location(set, d);
            let mut h = Sha256::new();
            for part in [set.prefix.as_str(), &path, d.code.as_str(), &d.message] {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            let base: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description.push_str(&format!(". Help: {help}"));
            }
            issues.push(json!({
                "type": "issue",
                "description": description,
                "check_name": d.code.as_str(),
                "fingerprint": fingerprint,
                "severity": severity(d.severity),
                "location": {"path": path, "lines": {"begin": line}},
            }));
        }
    }
    Value::Array(issues)
}

/// (path, 1-based line) where GitLab shows the issue.
fn location(set: &SetResults<'_>, d: &Diagnostic) -> (String, usize) {
    let in_user_file = |l: &&Label| {
        set.sources
            .get(l.span.file)
            .is_some_and(|f| f.origin == Origin::User)
    };
    let label = d
        .labels
        .iter()
        .filter(|l| l.primary)
        .find(in_user_file)
        .or_else(|| d.labels.iter().find(in_user_file));
    match label.and_then(|l| set.sources.get(l.span.file).map(|f| (f, l))) {
        Some((file, l)) => (
            format!("{}{}", set.prefix, file.name),
            file.line_col(l.span.start).0,
        ),
        None => (format!("{}agentpol.toml", set.prefix), 1),
    }
}
