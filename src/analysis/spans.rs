//! Span repairs: finding in the source text the spans the model does not
//! keep (a setting of an agent, an egress entry) and trimming the trivia
//! the parser attaches after a rule.

use super::{suppress, Cx};
use crate::model::Agent;
use crate::source::{SourceMap, Span};

impl Cx<'_> {
    /// The span from `needle` to the end of its line inside the agent's
    /// declaration: a whole setting such as `budget USD 100.00 per session`.
    pub fn setting_in_agent(&self, agent: &Agent, needle: &str) -> Span {
        let s = self.find_in_agent(agent, needle);
        if s == agent.span {
            return s;
        }
        let Some(file) = self.sources.get(s.file) else {
            return s;
        };
        let rest = file.text.get(s.start..).unwrap_or_default();
        let line = rest.split('\n').next().unwrap_or_default();
        let line = line.split(" #").next().unwrap_or(line).trim_end();
        let line = line.strip_suffix('}').unwrap_or(line).trim_end();
        Span::new(s.file, s.start, s.start + line.len().max(needle.len()))
    }

    /// The span of `needle` inside the agent's declaration, for properties
    /// the model keeps without a span (egress entries, domains, lifetimes).
    pub fn find_in_agent(&self, agent: &Agent, needle: &str) -> Span {
        let Some(file) = self.sources.get(agent.span.file) else {
            return agent.span;
        };
        let from = agent.span.start;
        let Some(text) = file.text.get(from..) else {
            return agent.span;
        };
        // The first occurrence that is not inside a comment.
        for (i, _) in text.match_indices(needle) {
            let line_start = text[..i].rfind('\n').map(|n| n + 1).unwrap_or(0);
            let before = &text[line_start..i];
            if suppress::comment_start(before).is_none() {
                return Span::new(agent.span.file, from + i, from + i + needle.len());
            }
        }
        agent.span
    }
}

/// A rule's span without the blank lines and comments the parser attaches
/// after it, so that labels underline the rule and nothing else.
pub(super) fn trim(sources: &SourceMap, span: Span) -> Span {
    let text = sources.slice(span);
    let mut end = text.len();
    loop {
        let kept = text[..end].trim_end();
        end = kept.len();
        // Drop a trailing comment-only line.
        match kept.rfind('\n') {
            Some(i) if kept[i + 1..].trim_start().starts_with('#') => end = i,
            _ => break,
        }
    }
    if end == 0 {
        return span;
    }
    Span::new(span.file, span.start, span.start + end)
}
