//! ① Text → AST. Input: one file's text. Output: [`ast::File`] plus syntax
//! diagnostics (AP0xx). pest lives only in this module: `Pair` never leaves it.
//!
//! A file that fails to parse is split at top-level declarations (lines that
//! start in column 0 with a declaration keyword) and each piece is parsed on
//! its own, so one mistake does not hide the next.

pub mod ast;
pub mod format;
mod lower;

use crate::diagnostics::{codes, Diagnostic, Sink};
use crate::source::{FileId, Span};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/agentpol.pest"]
struct AgentpolParser;

/// Characters that can make source text read differently from how it parses.
pub fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

/// Parses one file. Always returns the items that parsed; syntax errors go to `sink`.
pub fn parse(file: FileId, text: &str, sink: &mut Sink) -> ast::File {
    if text.len() > MAX_FILE_BYTES {
        let at = (0..=MAX_FILE_BYTES)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        sink.push(
            Diagnostic::error(
                codes::INPUT_TOO_LARGE,
                format!(
                    "file is {} bytes long, more than the limit of {MAX_FILE_BYTES}",
                    text.len()
                ),
            )
            .primary(Span::new(file, at, at), "the limit is reached here")
            .help("split the policy into several files of one policy set; agentpol bounds the size of each file so no input can exhaust its memory or time"),
        );
        return ast::File {
            file,
            items: Vec::new(),
        };
    }
    for (offset, c) in text.char_indices() {
        if is_forbidden_char(c) {
            sink.push(
                Diagnostic::error(codes::INVALID_STRING, format!("forbidden character U+{:04X} in source", c as u32))
                    .primary(Span::new(file, offset, offset + c.len_utf8()), "this character")
                    .help("bidirectional overrides and control characters can make a policy read differently from how it is parsed; remove it"),
            );
        }
    }
    if let Some(span) = too_deep(file, text) {
        sink.push(
            Diagnostic::error(codes::SYNTAX_ERROR, format!("nesting deeper than {MAX_DEPTH} levels"))
                .primary(span, "too deeply nested")
                .help("split the condition into several rules; agentpol limits nesting so no input can exhaust the parser's stack"),
        );
        return ast::File {
            file,
            items: Vec::new(),
        };
    }
    // The whole file first; only if that fails, declaration by declaration,
    // so each broken declaration is reported once and the rest still parse.
    let mut whole = Sink::new();
    if let Some(items) = parse_chunk(file, text, 0, &mut whole) {
        sink.extend(whole.into_sorted());
        return ast::File { file, items };
    }
    let mut items = Vec::new();
    let mut errors = Sink::new();
    for (start, end) in chunks(text) {
        let chunk = text.get(start..end).unwrap_or("");
        if let Some(mut parsed) = parse_chunk(file, chunk, start, &mut errors) {
            items.append(&mut parsed);
        }
    }
    if errors.has_errors() {
        sink.extend(errors.into_sorted());
    } else {
        // The error spans declarations (say, an unclosed brace): report it as found.
        sink.extend(whole.into_sorted());
    }
    ast::File { file, items }
}

/// Parentheses, `not` chains and `list<` types nest at most this deep.
pub const MAX_DEPTH: usize = 64;

/// The largest policy file parsed, in bytes (16 MiB).
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// The longest string literal, in characters after unescaping.
pub const MAX_STRING_CHARS: usize = 65_536;

/// The most elements of one list literal (`in [...]`, `egress [...]`, ...).
pub const MAX_LIST_LEN: usize = 100_000;

/// Finds nesting that would recurse too deeply in the parser (outside
/// strings and comments): the span where the limit is first exceeded.
fn too_deep(file: FileId, text: &str) -> Option<Span> {
    let bytes = text.as_bytes();
    let (mut i, mut parens, mut chain) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                parens += 1;
                if parens > MAX_DEPTH {
                    return Some(Span::new(file, i, i + 1));
                }
            }
            b')' => parens = parens.saturating_sub(1),
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                // `not not ...` and `list<list<...` recurse once per word.
                if word == "not" || word == "list" {
                    chain += 1;
                    if chain > MAX_DEPTH {
                        return Some(Span::new(file, start, i));
                    }
                } else {
                    chain = 0;
                }
                continue;
            }
            c if c.is_ascii_whitespace() || c == b'<' => {}
            _ => chain = 0,
        }
        i += 1;
    }
    None
}

const TOP_LEVEL: &[&str] = &[
    "use ",
    "tool ",
    "resource ",
    "sanitizer ",
    "preset ",
    "agent ",
];

/// Byte ranges of top-level declarations, split at lines that begin one.
fn chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && TOP_LEVEL.iter().any(|k| line.starts_with(k)) {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut out = Vec::new();
    for (i, s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        out.push((*s, e));
    }
    out
}

fn parse_chunk(file: FileId, text: &str, base: usize, sink: &mut Sink) -> Option<Vec<ast::Item>> {
    match AgentpolParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let root = pairs.next()?;
            let mut lowerer = lower::Lowerer { file, base, sink };
            Some(lowerer.file(root))
        }
        Err(err) => {
            sink.push(syntax_error(file, base, text, &err));
            None
        }
    }
}

fn syntax_error(
    file: FileId,
    base: usize,
    text: &str,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    // Widen an empty span to the offending character (or token) so the label shows.
    let end = if end > start {
        end
    } else {
        let rest = text.get(start..).unwrap_or("");
        let token: usize = rest
            .char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .map(|(_, c)| c.len_utf8())
            .sum();
        start + token.max(rest.chars().next().map(char::len_utf8).unwrap_or(0))
    };
    let found = match text.get(start..end) {
        Some("") | None => "end of file".to_string(),
        Some(s) if s.chars().any(char::is_control) => format!("`{}`", s.escape_debug()),
        Some(s) => format!("`{s}`"),
    };
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::error(
        codes::SYNTAX_ERROR,
        format!("expected {expected}, found {found}"),
    )
    .primary(
        Span::new(file, base + start, base + end),
        format!("expected {expected}"),
    )
    .help("see `agentpol explain AP001` and the language reference in README.md")
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().map(|r| describe(*r)).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() > 1 {
        names.retain(|n| *n != "another token");
    }
    match names.len() {
        0 => "something else".to_string(),
        1 => names.concat(),
        _ => {
            let (last, rest) = names
                .split_last()
                .map(|(l, r)| (*l, r.to_vec()))
                .unwrap_or(("", vec![]));
            format!("{} or {}", rest.join(", "), last)
        }
    }
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::ident | Rule::path | Rule::tool_pattern => "a name",
        Rule::string | Rule::string_body => "a string",
        Rule::int | Rule::decimal => "a number",
        Rule::duration => "a duration such as `15m`",
        Rule::money | Rule::currency => "a money amount such as `USD 10.00`",
        Rule::literal | Rule::boolean => "a value",
        Rule::literal_list | Rule::string_list | Rule::ident_list | Rule::path_list => {
            "a list `[...]`"
        }
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::atom
        | Rule::test
        | Rule::has => "a condition",
        Rule::cmp_op
        | Rule::cmp
        | Rule::member
        | Rule::like
        | Rule::any
        | Rule::all
        | Rule::contains => "an operator",
        Rule::k_and | Rule::k_or => "`and`/`or`",
        Rule::EOI => "end of file",
        Rule::use_decl
        | Rule::tool_decl
        | Rule::resource_type_decl
        | Rule::resource_decl
        | Rule::sanitizer_decl
        | Rule::preset_decl
        | Rule::agent_decl
        | Rule::k_use
        | Rule::k_tool
        | Rule::k_resource
        | Rule::k_sanitizer
        | Rule::k_preset
        | Rule::k_agent => {
            "a declaration (`use`, `tool`, `resource`, `sanitizer`, `preset`, `agent`)"
        }
        Rule::owner
        | Rule::domain
        | Rule::aws_role
        | Rule::kubernetes
        | Rule::credentials
        | Rule::egress
        | Rule::memory
        | Rule::delegate
        | Rule::justification
        | Rule::audit
        | Rule::apply
        | Rule::grant
        | Rule::deny_rule
        | Rule::gate
        | Rule::limit
        | Rule::budget
        | Rule::log_rule
        | Rule::k_allow
        | Rule::k_deny
        | Rule::k_approve
        | Rule::k_limit
        | Rule::k_budget
        | Rule::k_log
        | Rule::k_audit
        | Rule::k_apply => "an agent item (`allow`, `deny`, `approve`, `owner`, ...)",
        Rule::tool_doc
        | Rule::tool_verb
        | Rule::tool_on
        | Rule::tool_arg
        | Rule::tool_effects
        | Rule::tool_output
        | Rule::tool_endpoint
        | Rule::tool_aws
        | Rule::tool_spends => "a tool item (`arg`, `effects`, `output`, ...)",
        Rule::type_expr
        | Rule::prim_type
        | Rule::money_type
        | Rule::enum_type
        | Rule::list_type => "a type",
        Rule::where_clause | Rule::k_where => "`where`",
        Rule::approval | Rule::trigger | Rule::k_when | Rule::k_always => {
            "`approve when ...` or `approve always`"
        }
        Rule::k_by => "`by`",
        Rule::k_group => "`group`",
        Rule::k_per => "`per`",
        Rule::k_session => "`session`",
        Rule::attr_block | Rule::attr => "an attribute",
        Rule::label_block | Rule::label => "a label `\"key\" = \"value\"`",
        Rule::via | Rule::k_via => "`via`",
        Rule::extract | Rule::k_extract => "`extract`",
        Rule::aws_condition | Rule::k_condition => "`condition \"KEY\" = arg`",
        _ => "another token",
    }
}
