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
    let mut files = SimpleFiles::new();
    for (_, f) in sources.files() {
        files.add(f.name.clone(), f.text.clone());
    }
    let config = Config::default();
    let mut buffer = codespan_reporting::term::termcolor::NoColor::new(Vec::<u8>::new());
    for d in diagnostics {
        let cs = to_codespan(d);
        if term::emit(&mut buffer, &config, &files, &cs).is_err() {
            // Fall back to the message alone: a broken span must not lose the finding.
            let line = format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message);
            buffer.get_mut().extend_from_slice(line.as_bytes());
        }
    }
    String::from_utf8_lossy(&buffer.into_inner()).into_owned()
}

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<usize> {
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
        let text = serde_json::to_string_pretty(w).unwrap_or_default();
        notes.push(format!("witness:\n{text}"));
    }
    CsDiagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}
