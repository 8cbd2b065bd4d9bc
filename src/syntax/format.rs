//! The canonical layout of a policy file (`agentpol fmt`). Input: one file's
//! text. Output: the same file laid out canonically, or the syntax
//! diagnostics that stop it from being formatted. No I/O.
//!
//! The layout:
//! - one declaration per line at column 0, one item per line inside a
//!   `tool`, `agent` or `preset` block, indented two spaces per open brace;
//! - every `approve when/always ...` of an `allow` on a continuation line
//!   (indented two more spaces than its rule);
//! - a line break the author put inside one item (say, before `and` in a
//!   long `where`) is kept, on a continuation line; everything else inside
//!   an item is joined by single spaces (none inside `(...)`, `[...]`,
//!   `list<...>`, before `,` `:` `?`, nor between `enum` and its `[`);
//! - an attribute block stays on one line when it was written on one,
//!   otherwise it gets one attribute per line; labels get a line each;
//! - a list written on one line stays on one line, without a trailing
//!   comma; a list written over several lines gets an element per line
//!   (on continuation lines), a trailing comma, and its `]` on its own line;
//! - blank lines are the author's, at most one in a row, none at the start
//!   or end of a block or file; the file ends with one newline;
//! - comments stay where they were: a comment on its own line stays on its
//!   own line before the same token (indented like it), a comment at the end
//!   of a line stays at the end of that token's line, so an
//!   `# agentpol: allow CODE reason "..."` keeps its target line's rule.
//!
//! Only whitespace (and a list's trailing comma) changes, so the tokens — and so the meaning — are those
//! of the input; `tests/format.rs` checks the checked model is unchanged.

use super::{AgentpolParser, Rule};
use crate::diagnostics::Sink;
use crate::source::FileId;
use pest::iterators::Pair;
use pest::Parser;
use std::collections::{BTreeMap, BTreeSet};

/// Formats one file. `None` when it has syntax errors (they go to `sink`).
pub fn format(file: FileId, text: &str, sink: &mut Sink) -> Option<String> {
    // Deep nesting recurses in the parser and the printer (see `with_stack`).
    crate::source::with_stack(|| format_on_stack(file, text, sink))
}

fn format_on_stack(file: FileId, text: &str, sink: &mut Sink) -> Option<String> {
    let mut errors = Sink::new();
    let _ = super::parse(file, text, &mut errors);
    if errors.has_errors() {
        sink.extend(errors.into_sorted());
        return None;
    }
    let root = AgentpolParser::parse(Rule::file, text).ok()?.next()?;
    let mut plan = Plan::default();
    plan.file(root);
    let tokens = lex(text);
    Some(layout(text, &tokens, &plan))
}

/// Formats a file known to parse; `None` if it does not.
pub fn format_str(text: &str) -> Option<String> {
    format(FileId(0), text, &mut Sink::new())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Break {
    /// A declaration or block item: a new line at the block's indentation.
    Item,
    /// An approval of a grant: a new line, indented as a continuation.
    Continuation,
}

/// What the parse tree says about the layout, by byte offset.
#[derive(Default)]
struct Plan {
    breaks: BTreeMap<usize, Break>,
    /// Declarations with a blank line before them (and their comments):
    /// `tool`, `agent` and `preset` blocks, and whatever follows one.
    blank_before: BTreeSet<usize>,
    /// Offsets of `}` that go on their own line.
    closing: BTreeSet<usize>,
    /// Offsets of `]` of lists written over several lines (own line, and
    /// a trailing comma before it).
    list_close: BTreeSet<usize>,
    /// Tokens with no space before them: `<` and `>` of `list<...>`, `[`
    /// after `enum`, `(` of `resource TYPE(arg)` and `money(USD)`.
    tight_before: BTreeSet<usize>,
    /// Tokens with no space after them: `<` of `list<...>`.
    tight_after: BTreeSet<usize>,
}

impl Plan {
    fn file(&mut self, root: Pair<'_, Rule>) {
        let mut prev_block: Option<bool> = None;
        for item in root.into_inner() {
            if item.as_rule() == Rule::EOI {
                continue;
            }
            let block = matches!(
                item.as_rule(),
                Rule::tool_decl | Rule::agent_decl | Rule::preset_decl
            );
            if prev_block.is_some_and(|p| p || block) {
                self.blank_before.insert(item.as_span().start());
            }
            prev_block = Some(block);
            self.breaks.insert(item.as_span().start(), Break::Item);
            self.walk(item);
        }
    }

    fn walk(&mut self, pair: Pair<'_, Rule>) {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::tool_decl | Rule::agent_decl | Rule::preset_decl => {
                let mut any = false;
                for child in pair.clone().into_inner() {
                    if is_block_item(child.as_rule()) {
                        self.breaks.insert(child.as_span().start(), Break::Item);
                        any = true;
                    }
                }
                let close = span.end().saturating_sub(1);
                if any || has_comment(span.as_str()) {
                    self.closing.insert(close);
                }
            }
            Rule::attr_block | Rule::label_block => {
                // Labels always get a line each; attributes when the block
                // was written on more than one line.
                let children: Vec<_> = pair.clone().into_inner().collect();
                let multi = pair.as_rule() == Rule::label_block || span.as_str().contains('\n');
                if multi && !children.is_empty() {
                    for c in &children {
                        self.breaks.insert(c.as_span().start(), Break::Item);
                    }
                    self.closing.insert(span.end().saturating_sub(1));
                }
            }
            Rule::string_list | Rule::ident_list | Rule::path_list | Rule::literal_list => {
                // A list written on several lines gets an element per line.
                let children: Vec<_> = pair.clone().into_inner().collect();
                if span.as_str().contains('\n') && !children.is_empty() {
                    for c in &children {
                        self.breaks.insert(c.as_span().start(), Break::Continuation);
                    }
                    self.list_close.insert(span.end().saturating_sub(1));
                }
            }
            Rule::approval => {
                self.breaks.insert(span.start(), Break::Continuation);
            }
            Rule::list_type => {
                // `list` `<` type `>`: the `<` is the first `<` after `list`.
                if let Some(lt) = span.as_str().find('<') {
                    self.tight_before.insert(span.start() + lt);
                    self.tight_after.insert(span.start() + lt);
                }
                self.tight_before.insert(span.end().saturating_sub(1));
            }
            Rule::enum_type => {
                if let Some(br) = span.as_str().find('[') {
                    self.tight_before.insert(span.start() + br);
                }
            }
            Rule::tool_on | Rule::money_type => {
                if let Some(p) = span.as_str().find('(') {
                    self.tight_before.insert(span.start() + p);
                }
            }
            _ => {}
        }
        for child in pair.into_inner() {
            self.walk(child);
        }
    }
}

fn is_block_item(rule: Rule) -> bool {
    !matches!(
        rule,
        Rule::path | Rule::ident | Rule::k_tool | Rule::k_agent | Rule::k_preset
    )
}

/// Whether a declaration's text has a comment (outside strings).
fn has_comment(text: &str) -> bool {
    lex(text).iter().any(|t| t.kind == Kind::Comment)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Str,
    Comment,
    Punct,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits text that parses into tokens: words (names, numbers, durations,
/// `jira.*`), strings, comments and punctuation.
fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                Kind::Str
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += if bytes.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                };
                Kind::Punct
            }
            c if is_word(c) => {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                // One character (UTF-8 aware: only ASCII reaches here in
                // text that parses, but never split a character).
                i += text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                Kind::Punct
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'*' | b'-')
}

fn layout(text: &str, tokens: &[Token], plan: &Plan) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut depth: usize = 0;
    let mut prev: Option<&Token> = None;
    let blank = blank_lines(text, tokens, plan);
    // The previous token ends a comment, or opens a block whose items go on lines.
    for (n, tok) in tokens.iter().enumerate() {
        let s = &text[tok.start..tok.end];
        // A trailing comma in a list (`[a, b,]`) goes.
        if s == ","
            && tokens.get(n + 1).is_some_and(|t| {
                &text[t.start..t.end] == "]" && !plan.list_close.contains(&t.start)
            })
        {
            continue;
        }
        if plan.list_close.contains(&tok.start)
            && prev.is_some_and(|p| {
                !matches!(&text[p.start..p.end], "," | "[") && p.kind != Kind::Comment
            })
        {
            out.push(',');
        }
        let gap = prev.map(|p| &text[p.end..tok.start]).unwrap_or("");
        let newlines = gap.matches('\n').count();
        let prev_s = prev.map(|p| &text[p.start..p.end]);
        let after_open = prev_s == Some("{");
        let is_close = s == "}";
        if is_close {
            depth = depth.saturating_sub(1);
        }
        let brk = plan.breaks.get(&tok.start).copied();
        // Where this token goes: on a new line (with this indentation) or not.
        let line: Option<usize> = if prev.is_none() {
            Some(0)
        } else if tok.kind == Kind::Comment {
            if newlines > 0 {
                Some(comment_indent(text, tokens, n, depth, plan))
            } else {
                None
            }
        } else if plan.list_close.contains(&tok.start)
            || (is_close && plan.closing.contains(&tok.start))
        {
            Some(depth * 2)
        } else {
            match brk {
                Some(Break::Item) => Some(depth * 2),
                Some(Break::Continuation) => Some(depth * 2 + 2),
                None if newlines > 0 || prev.map(|p| p.kind) == Some(Kind::Comment) => {
                    Some(depth * 2 + 2)
                }
                None => None,
            }
        };
        match line {
            Some(indent) => {
                if prev.is_some() {
                    // A blank line survives only between items or before a comment.
                    let keeps_blank = (newlines >= 2
                        && !after_open
                        && !is_close
                        && (brk == Some(Break::Item) || tok.kind == Kind::Comment))
                        || blank.contains(&n);
                    out.push('\n');
                    if keeps_blank {
                        out.push('\n');
                    }
                }
                out.extend(std::iter::repeat_n(' ', indent));
            }
            None => {
                if let Some(p) = prev_s {
                    if space_between(p, s, prev.map(|t| t.start), tok.start, plan) {
                        out.push(' ');
                    }
                }
            }
        }
        if tok.kind == Kind::Comment {
            out.push_str(s.trim_end());
        } else {
            out.push_str(s);
        }
        if s == "{" {
            depth += 1;
        }
        prev = Some(tok);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Indices of the tokens that get a blank line before them for
/// `Plan::blank_before`: the declaration's first token, or the first of the
/// comments on the lines right above it.
fn blank_lines(text: &str, tokens: &[Token], plan: &Plan) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for (n, tok) in tokens.iter().enumerate() {
        if !plan.blank_before.contains(&tok.start) {
            continue;
        }
        let mut first = n;
        while first > 0 {
            let c = &tokens[first - 1];
            let gap_after = &text[c.end..tokens[first].start];
            let gap_before = first
                .checked_sub(2)
                .map(|b| &text[tokens[b].end..c.start])
                .unwrap_or("\n");
            if c.kind == Kind::Comment
                && gap_after.matches('\n').count() == 1
                && gap_before.contains('\n')
            {
                first -= 1;
            } else {
                break;
            }
        }
        if first > 0 {
            out.insert(first);
        }
    }
    out
}

/// The indentation of a comment on its own line: that of the token it precedes.
fn comment_indent(text: &str, tokens: &[Token], n: usize, depth: usize, plan: &Plan) -> usize {
    let next = tokens[n + 1..].iter().find(|t| t.kind != Kind::Comment);
    match next {
        None => 0,
        Some(t) if &text[t.start..t.end] == "}" => depth * 2,
        Some(t) => match plan.breaks.get(&t.start) {
            Some(Break::Item) => depth * 2,
            _ => depth * 2 + 2,
        },
    }
}

fn space_between(
    prev: &str,
    cur: &str,
    prev_at: Option<usize>,
    cur_at: usize,
    plan: &Plan,
) -> bool {
    if matches!((prev, cur), ("(" | "[", _) | ("{", "}"))
        || prev_at.is_some_and(|p| plan.tight_after.contains(&p))
    {
        return false;
    }
    !(matches!(cur, ")" | "]" | "," | ":" | "?") || plan.tight_before.contains(&cur_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_a_messy_agent() {
        let src = "agent a {owner \"x\"   domain support\n\n\n allow jira.get_issue where project==\"SUP\" approve always by group \"g\"}";
        let out = format_str(src).unwrap_or_default();
        assert_eq!(
            out,
            "agent a {\n  owner \"x\"\n  domain support\n\n  allow jira.get_issue where project == \"SUP\"\n    approve always by group \"g\"\n}\n"
        );
        assert_eq!(format_str(&out).as_deref(), Some(out.as_str()));
    }

    #[test]
    fn refuses_what_does_not_parse() {
        assert_eq!(format_str("agent a {"), None);
    }
}
