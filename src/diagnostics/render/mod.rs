//! Renderers turn [`Diagnostic`](super::Diagnostic) data into text. The human
//! renderer uses codespan-reporting because one diagnostic may label several
//! files (a user policy and the stdlib tool it uses).

pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use crate::source::{FileId, SourceMap, Span};
use serde_json::{json, Value};

/// A location as `{"file", "line", "column", "end_line", "end_column"}`.
pub fn location(sources: &SourceMap, span: Span) -> Value {
    let (line, column, end_line, end_column) = match sources.get(span.file) {
        Some(f) => {
            let (a, b) = f.line_col(span.start);
            let (c, e) = f.line_col(span.end);
            (a, b, c, e)
        }
        None => (0, 0, 0, 0),
    };
    json!({
        "file": sources.name(span.file),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// A span as the analyzer serialises it inside a witness step.
pub fn span_of(v: &Value) -> Option<Span> {
    let file = usize::try_from(v.get("file")?.as_u64()?).ok()?;
    let start = usize::try_from(v.get("start")?.as_u64()?).ok()?;
    let end = usize::try_from(v.get("end")?.as_u64()?).ok()?;
    Some(Span::new(FileId(file), start, end))
}

/// The witness with each path step's `span` replaced by a `location`.
pub fn witness_with_locations(sources: &SourceMap, w: &Value) -> Value {
    let mut w = w.clone();
    if let Some(steps) = w.get_mut("path").and_then(Value::as_array_mut) {
        for step in steps {
            if let Some(obj) = step.as_object_mut() {
                if let Some(span) = obj.remove("span").as_ref().and_then(span_of) {
                    obj.insert("location".into(), location(sources, span));
                }
            }
        }
    }
    w
}
