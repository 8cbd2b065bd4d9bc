//! JSON rendering: a stable document of diagnostics with resolved locations.
//!
//! Shape: `{"diagnostics": [{"code", "severity", "message", "labels": [{"file",
//! "line", "column", "end_line", "end_column", "message", "primary"}], "notes",
//! "help", "witness"}], "summary": {"error", "warning", "info"}}`.
//!
//! `witness` (analysis findings only) is `{"path": [{"kind", "name", "role",
//! "location"?}], "calls": [{"request", "decision"}]}`: the path through the
//! capability graph, and requests in the shape of `agentpol schema request`
//! with the decision `agentpol eval` gives them (see `analysis::witness`).

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;
use serde_json::{json, Value};

pub fn to_value(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Value {
    let list: Vec<Value> = diagnostics.iter().map(|d| diagnostic(sources, d)).collect();
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    json!({
        "diagnostics": list,
        "summary": {
            "error": count(Severity::Error),
            "warning": count(Severity::Warning),
            "info": count(Severity::Info),
        }
    })
}

pub fn diagnostic(sources: &SourceMap, d: &Diagnostic) -> Value {
    let labels: Vec<Value> = d
        .labels
        .iter()
        .map(|l| {
            let mut v = super::location(sources, l.span);
            if let Some(o) = v.as_object_mut() {
                o.insert("message".into(), json!(l.message));
                o.insert("primary".into(), json!(l.primary));
            }
            v
        })
        .collect();
    json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
        "witness": d.witness.as_ref().map(|w| super::witness_with_locations(sources, w)),
    })
}
