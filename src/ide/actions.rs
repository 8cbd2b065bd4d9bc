//! Mechanical fixes for diagnostics whose help states the edit exactly:
//! "did you mean `X`?" renames, a missing `justification required` (AP220)
//! and a missing `reason` on an inline suppression (AP221). A fix never
//! invents a justification: the reason it adds is empty, so the suppression
//! stays reported until its author writes why.

use super::Snapshot;
use crate::diagnostics::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::Item;

/// Replace `span` with `new_text` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub new_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

/// The fixes for one diagnostic (none when the edit is not mechanical).
pub fn fixes(snap: &Snapshot, diag: &Diagnostic) -> Vec<Fix> {
    let Some(span) = diag.primary_span() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(name) = diag.help.as_deref().and_then(suggested_name) {
        let written = snap.sources.slice(span);
        let is_name = !written.is_empty()
            && written
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*'));
        if is_name && written != name {
            out.push(Fix {
                title: format!("replace `{written}` with `{name}`"),
                edits: vec![TextEdit {
                    span,
                    new_text: name.to_string(),
                }],
            });
        }
    }
    match diag.code.as_str() {
        "AP220" => out.extend(justification(snap, span)),
        "AP221"
            if diag
                .help
                .as_deref()
                .is_some_and(|h| h.starts_with("add `reason")) =>
        {
            let end = Span::new(span.file, span.end, span.end);
            let text = snap.sources.slice(span);
            out.push(Fix {
                title: "add a `reason` to the suppression".into(),
                edits: vec![TextEdit {
                    span: end,
                    new_text: if text.ends_with(' ') {
                        "reason \"\""
                    } else {
                        " reason \"\""
                    }
                    .into(),
                }],
            });
        }
        _ => {}
    }
    out
}

/// `did you mean `X`?` → `X`.
fn suggested_name(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    let end = rest.find('`')?;
    rest.get(..end)
}

/// Inserts `justification required` as the first line of the agent whose
/// declaration holds `at`, indented like the agent's next line.
fn justification(snap: &Snapshot, at: Span) -> Option<Fix> {
    let module = snap.program.modules.iter().find(|m| m.file == at.file)?;
    let agent = module.ast.items.iter().find_map(|i| match i {
        Item::Agent(a) if a.span.start <= at.start && at.start <= a.span.end => Some(a),
        _ => None,
    })?;
    let text = snap.sources.get(at.file)?.text.as_str();
    let brace = agent.span.start + text.get(agent.span.start..agent.span.end)?.find('{')?;
    let after = text.get(brace + 1..)?;
    let indent: String = after
        .split('\n')
        .nth(1)
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').collect())
        .filter(|s: &String| !s.is_empty())
        .unwrap_or_else(|| "  ".into());
    Some(Fix {
        title: format!(
            "add `justification required` to agent `{}`",
            agent.name.name
        ),
        edits: vec![TextEdit {
            span: Span::new(at.file, brace + 1, brace + 1),
            new_text: format!("\n{indent}justification required"),
        }],
    })
}
