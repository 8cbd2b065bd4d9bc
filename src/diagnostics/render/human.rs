//! Human-readable rendering with source snippets (codespan-reporting).

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;
use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};

/// Renders diagnostics as plain text (no colour), one after another.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_styled(sources, diagnostics, false)
}

/// Renders diagnostics as text, with ANSI colours when `color` (the command
/// line decides: a terminal, and no `NO_COLOR`).
pub fn render_styled(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    use codespan_reporting::term::termcolor::{Ansi, NoColor};
    if color {
        let mut buffer = Ansi::new(Vec::<u8>::new());
        emit_all(sources, diagnostics, &mut buffer);
        String::from_utf8_lossy(&buffer.into_inner()).into_owned()
    } else {
        let mut buffer = NoColor::new(Vec::<u8>::new());
        emit_all(sources, diagnostics, &mut buffer);
        String::from_utf8_lossy(&buffer.into_inner()).into_owned()
    }
}

fn emit_all<W>(sources: &SourceMap, diagnostics: &[Diagnostic], buffer: &mut W)
where
    W: codespan_reporting::term::termcolor::WriteColor,
{
    let mut files = SimpleFiles::new();
    for (_, f) in sources.files() {
        files.add(f.name.clone(), f.text.clone());
    }
    let config = Config::default();
    for d in diagnostics {
        let cs = to_codespan(sources, d);
        if term::emit(buffer, &config, &files, &cs).is_err() {
            // Fall back to the message alone: a broken span must not lose the finding.
            let line = format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message);
            let _ = buffer.write_all(line.as_bytes());
        }
    }
}

fn to_codespan(sources: &SourceMap, d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    };
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let label = if l.primary {
                CsLabel::primary(l.span.file.0, l.span.start..l.span.end)
            } else {
                CsLabel::secondary(l.span.file.0, l.span.start..l.span.end)
            };
            label.with_message(l.message.clone())
        })
        .collect();
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    if let Some(w) = &d.witness {
        notes.push(witness_text(sources, w));
    }
    CsDiagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// A witness for reviewers: the numbered path with source locations, then
/// each call as one line of request JSON with the decision it gets, ready to
/// paste into `agentpol eval --request -`.
pub fn witness_text(sources: &SourceMap, w: &serde_json::Value) -> String {
    let mut out = String::from("witness:");
    let steps = w.get("path").and_then(|p| p.as_array());
    let calls = w.get("calls").and_then(|c| c.as_array());
    if steps.is_none() && calls.is_none() {
        let text = serde_json::to_string_pretty(w).unwrap_or_default();
        return format!("{out}\n{text}");
    }
    for (i, step) in steps.into_iter().flatten().enumerate() {
        let text = |k: &str| step.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let at = step
            .get("span")
            .and_then(super::span_of)
            .map(|s| format!(" ({})", sources.location(s)))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  {}. {} `{}`: {}{at}",
            i + 1,
            text("kind"),
            text("name"),
            text("role")
        ));
    }
    let calls: Vec<&serde_json::Value> = calls.into_iter().flatten().collect();
    if !calls.is_empty() {
        out.push_str("\n  calls (each decided by `agentpol eval --request -`):");
        for c in calls {
            let decision = c
                .get("decision")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let request = c
                .get("request")
                .map(|r| serde_json::to_string(r).unwrap_or_default())
                .unwrap_or_default();
            out.push_str(&format!("\n    {decision:<17} {request}"));
        }
    }
    out
}
