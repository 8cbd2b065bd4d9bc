//! Suppressions and severity overrides. Input: raw findings, the user's
//! source texts (for inline suppressions) and the [`Settings`] from
//! `agentpol.toml`. Output: the diagnostics to report, sorted.
//!
//! An inline suppression is a comment
//!
//! ```text
//! # agentpol: allow AP201, AP203 reason "reviewed in SEC-142: replies are templated"
//! allow chat.post where channel == "#support"
//! ```
//!
//! on the line before a rule (or at the end of the rule's line). It silences
//! those codes for findings whose main label starts on that line. A
//! suppression without a reason silences nothing and is itself reported
//! (AP221), as is one that names no known code.

use super::{Report, Settings};
use crate::diagnostics::{self, Diagnostic};
use crate::source::{FileId, Origin, SourceMap, Span};

/// A `[[suppress]]` entry of `agentpol.toml`.
#[derive(Debug, Clone)]
pub struct ConfigSuppression {
    pub code: String,
    pub agent: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Inline {
    /// The comment.
    pub span: Span,
    /// 1-based line whose findings it silences.
    pub target_line: usize,
    pub codes: Vec<String>,
    pub reason: Option<String>,
    /// Why the comment could not be read, if it could not.
    pub error: Option<String>,
}

/// Every `# agentpol:` comment of the user's files.
pub fn parse_inline(sources: &SourceMap) -> Vec<Inline> {
    let mut out = Vec::new();
    for (file, f) in sources.files() {
        if f.origin != Origin::User || !f.name.ends_with(".agentpol") {
            continue;
        }
        let lines: Vec<(usize, &str)> = {
            let mut offset = 0;
            f.text
                .split('\n')
                .map(|l| {
                    let start = offset;
                    offset += l.len() + 1;
                    (start, l)
                })
                .collect()
        };
        for (n, (start, line)) in lines.iter().enumerate() {
            let Some(hash) = comment_start(line) else {
                continue;
            };
            let comment = &line[hash + 1..];
            let Some(rest) = comment.trim_start().strip_prefix("agentpol:") else {
                continue;
            };
            let span = Span::new(file, start + hash, start + line.len());
            let code_before = !line[..hash].trim().is_empty();
            let target_line = if code_before {
                n + 1
            } else {
                lines
                    .iter()
                    .enumerate()
                    .skip(n + 1)
                    .find(|(_, (_, l))| {
                        let t = l.trim();
                        !t.is_empty() && !t.starts_with('#')
                    })
                    .map(|(i, _)| i + 1)
                    .unwrap_or(n + 1)
            };
            out.push(parse_body(rest, span, target_line));
        }
    }
    out
}

/// Byte index of a `#` that starts a comment (not inside a string).
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_body(rest: &str, span: Span, target_line: usize) -> Inline {
    let mut inline = Inline {
        span,
        target_line,
        codes: Vec::new(),
        reason: None,
        error: None,
    };
    let rest = rest.trim();
    let Some(rest) = rest.strip_prefix("allow") else {
        inline.error = Some("expected `allow CODE reason \"...\"`".into());
        return inline;
    };
    let (codes, reason) = match rest.find("reason") {
        Some(i) => (&rest[..i], Some(&rest[i + "reason".len()..])),
        None => (rest, None),
    };
    inline.codes = codes
        .split([',', ' ', '\t'])
        .filter(|c| !c.is_empty())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if inline.codes.is_empty() {
        inline.error = Some("names no code to allow".into());
    }
    if let Some(r) = reason {
        match string_literal(r.trim()) {
            Some(text) if !text.trim().is_empty() => inline.reason = Some(text),
            Some(_) => {}
            None => inline.error = Some("the reason must be a quoted string".into()),
        }
    }
    inline
}

/// `"text"` with `\"` and `\\` escapes.
fn string_literal(s: &str) -> Option<String> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            c => out.push(c),
        }
    }
    None
}

fn line_of(sources: &SourceMap, span: Span) -> Option<(FileId, usize)> {
    sources
        .get(span.file)
        .map(|f| (span.file, f.line_col(span.start).0))
}

/// Drops suppressed findings, applies severity overrides, sorts.
pub fn apply(findings: Vec<Report>, sources: &SourceMap, settings: &Settings) -> Vec<Diagnostic> {
    let inline: Vec<Inline> = parse_inline(sources)
        .into_iter()
        .filter(|s| s.reason.is_some() && s.error.is_none())
        .collect();
    let mut out = Vec::new();
    for f in findings {
        let code = f.diagnostic.code.as_str();
        let by_config = settings.suppress.iter().any(|s| {
            s.code.eq_ignore_ascii_case(code)
                && s.agent.as_ref().is_none_or(|a| f.agents.contains(a))
        });
        let at = f
            .diagnostic
            .primary_span()
            .and_then(|s| line_of(sources, s));
        let by_comment = inline
            .iter()
            .any(|s| at == Some((s.span.file, s.target_line)) && s.codes.iter().any(|c| c == code));
        if by_config || by_comment {
            continue;
        }
        let mut d = f.diagnostic;
        match settings.severity.get(code) {
            Some(None) => continue,
            Some(Some(s)) => d.severity = *s,
            None => {}
        }
        out.push(d);
    }
    diagnostics::sort(&mut out);
    out
}
