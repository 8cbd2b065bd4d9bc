//! SARIF 2.1.0 rendering for code-scanning dashboards. Input: rule metadata
//! (every code agentpol can report, given by the caller so that this stage
//! does not depend on the analyzer) and the diagnostics of each policy set.
//! Output: one SARIF log with one run.
//!
//! Mapping: a code is a `reportingDescriptor` (`id`, `name`, short and full
//! description, `help` = its documentation, default level); a diagnostic is
//! a `result` whose `locations` is its primary label, `relatedLocations` its
//! other labels, `codeFlows` the witness path (one thread flow, a location
//! per step) and `properties.witness.calls` the witness requests with their
//! decisions. Levels: error → `error`, warning → `warning`, info → `note`.
//! Files are `uri`s relative to the working directory (`uriBaseId`
//! `%SRCROOT%`), or absolute `file://` URIs without a base id when the
//! policy set was named by an absolute path; embedded standard-library files use the base id
//! `AGENTPOL_STDLIB`. Columns count Unicode code points.

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{Origin, SourceMap, Span};
use serde_json::{json, Map, Value};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What SARIF needs to know about one code.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub help: String,
    pub level: Severity,
}

/// The diagnostics of one policy set. `prefix` is the set's directory as it
/// should appear in URIs (`""` or `examples/risky/`).
pub struct SetResults<'a> {
    pub prefix: String,
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn to_value(rules: &[Rule], sets: &[SetResults<'_>], version: &str) -> Value {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.help, "markdown": r.help},
                "defaultConfiguration": {"level": level(r.level)},
                "helpUri": format!("https://agentpol.dev/checks/{}", r.id),
            })
        })
        .collect();
    let mut results = Vec::new();
    for set in sets {
        for d in set.diagnostics {
            results.push(result(rules, set, d));
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "agentpol",
                "version": version,
                "semanticVersion": version,
                "informationUri": "https://agentpol.dev",
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn physical(set: &SetResults<'_>, span: Span) -> Value {
    let Some(f) = set.sources.get(span.file) else {
        return json!({});
    };
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end.max(span.start));
    let artifact = match f.origin {
        Origin::User => user_artifact(&format!("{}{}", set.prefix, f.name)),
        Origin::Stdlib => json!({
            "uri": uri(f.name.trim_start_matches("<std>/")),
            "uriBaseId": "AGENTPOL_STDLIB"
        }),
    };
    json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": line,
            "startColumn": column,
            "endLine": end_line,
            "endColumn": end_column.max(1),
        }
    })
}

/// A user file's `artifactLocation`. A relative path is a reference
/// against `%SRCROOT%`; an absolute one is a `file` URI of its own and
/// carries no base id (SARIF 2.1.0 §3.4.4: a `uriBaseId` goes only with a
/// relative reference, which the Multitool checks as SARIF1004).
fn user_artifact(path: &str) -> Value {
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", uri(path)) })
    } else {
        json!({ "uri": uri(path), "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encodes what may not appear in a URI reference path.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn result(rules: &[Rule], set: &SetResults<'_>, d: &Diagnostic) -> Value {
    let mut r = Map::new();
    let code = d.code.as_str();
    r.insert("ruleId".into(), json!(code));
    if let Some(i) = rules.iter().position(|x| x.id == code) {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(d.severity)));
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str(&format!(". Help: {h}"));
    }
    r.insert("message".into(), json!({ "text": text }));
    let located = |l: &crate::diagnostics::Label| json!({"physicalLocation": physical(set, l.span), "message": {"text": l.message}});
    let primary: Vec<Value> = d.labels.iter().filter(|l| l.primary).map(located).collect();
    if !primary.is_empty() {
        r.insert("locations".into(), Value::Array(primary));
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .enumerate()
        .map(|(i, l)| {
            let mut v = located(l);
            if let Some(o) = v.as_object_mut() {
                o.insert("id".into(), json!(i + 1));
            }
            v
        })
        .collect();
    if !related.is_empty() {
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(w) = &d.witness {
        let steps: Vec<Value> = w
            .get("path")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| {
                let text = format!(
                    "{} `{}`: {}",
                    s.get("kind").and_then(Value::as_str).unwrap_or_default(),
                    s.get("name").and_then(Value::as_str).unwrap_or_default(),
                    s.get("role").and_then(Value::as_str).unwrap_or_default()
                );
                let mut loc = Map::new();
                if let Some(span) = s.get("span").and_then(super::span_of) {
                    loc.insert("physicalLocation".into(), physical(set, span));
                }
                loc.insert("message".into(), json!({ "text": text }));
                json!({ "location": Value::Object(loc) })
            })
            .collect();
        if !steps.is_empty() {
            r.insert(
                "codeFlows".into(),
                json!([{"threadFlows": [{"locations": steps}]}]),
            );
        }
        let calls = w.get("calls").cloned().unwrap_or(Value::Array(Vec::new()));
        let mut props = json!({"witness": {"calls": calls}});
        // One result per risk: a finding that groups several sinks says so.
        if let Some(sinks) = w.get("sinks").and_then(Value::as_array) {
            let tools: Vec<Value> = sinks
                .iter()
                .filter_map(|s| s.get("tool").cloned())
                .collect();
            props["grouped"] = json!({"sinks": sinks.len(), "tools": tools});
        }
        r.insert("properties".into(), props);
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ "agentpolFinding/v1": fingerprint(set, d) }),
    );
    Value::Object(r)
}

/// A stable hash of the code, the message and the primary file, so that
/// dashboards track a finding across commits that move it between lines.
fn fingerprint(set: &SetResults<'_>, d: &Diagnostic) -> String {
    let file = d
        .primary_span()
        .map(|s| set.sources.name(s.file).to_string())
        .unwrap_or_default();
    // FNV-1a, 64 bits: deterministic across platforms and runs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in [set.prefix.as_str(), &file, d.code.as_str(), &d.message]
        .join("\u{1f}")
        .bytes()
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}
