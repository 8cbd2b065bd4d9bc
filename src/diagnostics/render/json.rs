//! JSON rendering: a stable document of diagnostics with resolved locations.
//!
//! Shape: `{"diagnostics": [{"code", "severity", "message", "labels": [{"file",
//! "line", "column", "end_line", "end_column", "message", "primary"}], "notes",
//! "help", "witness"}], "summary": {"error", "warning", "info"}}`.

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
            let (line, column, end_line, end_column) = match sources.get(l.span.file) {
                Some(f) => {
                    let (a, b) = f.line_col(l.span.start);
                    let (c, e) = f.line_col(l.span.end);
                    (a, b, c, e)
                }
                None => (0, 0, 0, 0),
            };
            json!({
                "file": sources.name(l.span.file),
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "message": l.message,
                "primary": l.primary,
            })
        })
        .collect();
    json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "labels": labels,
        "notes": d.notes,
        "help": d.help,
        "witness": d.witness,
    })
}
