//! Reading an MCP server's tool listing: the `tools/list` result
//! (`{"tools": [...]}`, bare or inside a JSON-RPC response), a registry
//! `server.json` record (its `name` and `remotes`; tools only if it carries
//! a `tools` array), or both merged by the caller.

use super::{pin, INVALID_LISTING, LISTING_NOTE};
use crate::diagnostics::{Diagnostic, Sink};
use crate::source::{FileId, Span};
use serde_json::{Map, Value};

/// What a listing file says about a server and its tools.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The registry name (`io.github.acme/files`), from a `server.json`.
    pub server: Option<String>,
    /// `host:port` of each remote (`remotes[].url`), from a `server.json`.
    pub endpoints: Vec<String>,
    pub tools: Vec<ListedTool>,
}

/// One MCP annotation hint: its value, and whether the server stated it
/// (an unstated hint takes the protocol's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub value: bool,
    pub stated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: Hint,
    pub destructive: Hint,
    pub idempotent: Hint,
    pub open_world: Hint,
}

#[derive(Debug, Clone)]
pub struct ListedTool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    pub annotations: Annotations,
    pub pin: String,
    /// Where the tool's `name` is written in the listing file.
    pub span: Span,
}

/// Parses a listing file; problems go to `sink`, and `None` means nothing
/// usable was found.
pub fn parse(file: FileId, text: &str, sink: &mut Sink) -> Option<Listing> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let at = offset(text, e.line(), e.column());
            sink.push(
                Diagnostic::error(
                    INVALID_LISTING,
                    format!("the MCP listing is not valid JSON: {e}"),
                )
                .primary(Span::new(file, at, at), "here")
                .help("pass the JSON result of `tools/list` or a `server.json` record"),
            );
            return None;
        }
    };
    let whole = Span::new(file, 0, text.len().min(1));
    let Some(root) = value.as_object() else {
        sink.push(not_a_listing(whole));
        return None;
    };
    // A JSON-RPC response wraps the result.
    let body = root
        .get("result")
        .and_then(Value::as_object)
        .unwrap_or(root);
    let mut listing = Listing::default();
    if is_server_json(body) {
        listing.server = body.get("name").and_then(Value::as_str).map(String::from);
        listing.endpoints = remotes(body);
    }
    if body.get("nextCursor").is_some_and(|c| !c.is_null()) {
        sink.push(
            Diagnostic::new(LISTING_NOTE, "the listing is one page of a paginated `tools/list`")
                .primary(find_key(file, text, "nextCursor").unwrap_or(whole), "more tools follow")
                .help("fetch every page and merge their `tools` arrays; tools on other pages are not imported"),
        );
    }
    match body.get("tools") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(t) = tool(file, text, i, item, sink) {
                    listing.tools.push(t);
                }
            }
        }
        Some(_) => sink.push(
            Diagnostic::error(INVALID_LISTING, "`tools` is not an array")
                .primary(
                    find_key(file, text, "tools").unwrap_or(whole),
                    "expected `[...]`",
                )
                .help(
                    "`tools/list` returns `{\"tools\": [{\"name\": ..., \"inputSchema\": ...}]}`",
                ),
        ),
        None if listing.server.is_some() => {}
        None => {
            sink.push(not_a_listing(whole));
            return None;
        }
    }
    Some(listing)
}

fn not_a_listing(span: Span) -> Diagnostic {
    Diagnostic::error(
        INVALID_LISTING,
        "this is neither a `tools/list` result nor a `server.json` record",
    )
    .primary(span, "no `tools` array and no server `name`")
    .help("pass the JSON the server returns for `tools/list`, e.g. `{\"tools\": [...]}`")
}

/// A registry record: a `name` with one slash (reverse-DNS namespace) and a
/// `version`, as the registry's `server.json` schema requires.
fn is_server_json(o: &Map<String, Value>) -> bool {
    o.get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.matches('/').count() == 1)
        && o.get("version").is_some_and(Value::is_string)
}

/// `host:port` of every remote whose URL is `http(s)://host[:port]/...`.
fn remotes(o: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = o
        .get("remotes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("url").and_then(Value::as_str))
        .filter_map(endpoint_of_url)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn endpoint_of_url(url: &str) -> Option<String> {
    let (default_port, rest) = if let Some(r) = url.strip_prefix("https://") {
        (443, r)
    } else {
        (80, url.strip_prefix("http://")?)
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    // Template variables (`https://{tenant}.example.com`) name no fixed host.
    if host_port.is_empty() || host_port.contains(['{', '}', '[']) {
        return None;
    }
    Some(match host_port.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => format!("{}:{p}", h.to_ascii_lowercase()),
        _ => format!("{}:{default_port}", host_port.to_ascii_lowercase()),
    })
}

fn tool(
    file: FileId,
    text: &str,
    index: usize,
    item: &Value,
    sink: &mut Sink,
) -> Option<ListedTool> {
    let fallback = find_key(file, text, "tools").unwrap_or(Span::new(file, 0, 0));
    let Some(o) = item.as_object() else {
        sink.push(
            Diagnostic::error(
                INVALID_LISTING,
                format!("tool #{} is not an object", index + 1),
            )
            .primary(fallback, "in this array")
            .help("each entry of `tools` is `{\"name\": ..., \"inputSchema\": {...}}`"),
        );
        return None;
    };
    let Some(name) = o.get("name").and_then(Value::as_str) else {
        sink.push(
            Diagnostic::error(
                INVALID_LISTING,
                format!("tool #{} has no `name`", index + 1),
            )
            .primary(fallback, "in this array")
            .help("every MCP tool has a string `name`"),
        );
        return None;
    };
    let span = find_member(file, text, "name", name).unwrap_or(fallback);
    let input_schema = match o.get("inputSchema") {
        Some(s @ Value::Object(_)) => s.clone(),
        _ => {
            sink.push(
                Diagnostic::error(
                    INVALID_LISTING,
                    format!("tool `{}` has no `inputSchema` object", name.escape_debug()),
                )
                .primary(span, "this tool")
                .help(
                    "the protocol requires an `inputSchema` (a JSON Schema object) for every tool",
                ),
            );
            return None;
        }
    };
    let annotations = annotations(o.get("annotations"), name, span, sink);
    Some(ListedTool {
        name: name.to_string(),
        description: o
            .get("description")
            .and_then(Value::as_str)
            .map(String::from),
        input_schema,
        output_schema: o.get("outputSchema").cloned(),
        annotations,
        pin: pin::pin(o),
        span,
    })
}

/// Reads the four hints with the protocol's defaults: `readOnlyHint` false,
/// `destructiveHint` true, `idempotentHint` false, `openWorldHint` true.
fn annotations(v: Option<&Value>, tool: &str, span: Span, sink: &mut Sink) -> Annotations {
    let get = |key: &str, default: bool, sink: &mut Sink| -> Hint {
        match v.and_then(|a| a.get(key)) {
            Some(Value::Bool(b)) => Hint {
                value: *b,
                stated: true,
            },
            None | Some(Value::Null) => Hint {
                value: default,
                stated: false,
            },
            Some(other) => {
                sink.push(
                    Diagnostic::new(
                        LISTING_NOTE,
                        format!(
                            "`{key}` of `{}` is `{other}`, not a boolean",
                            tool.escape_debug()
                        ),
                    )
                    .primary(span, "this tool")
                    .help(format!(
                        "read as unset: the protocol's default ({default}) applies"
                    )),
                );
                Hint {
                    value: default,
                    stated: false,
                }
            }
        }
    };
    Annotations {
        read_only: get("readOnlyHint", false, sink),
        destructive: get("destructiveHint", true, sink),
        idempotent: get("idempotentHint", false, sink),
        open_world: get("openWorldHint", true, sink),
    }
}

/// Byte offset of a 1-based line and column.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The span of `"key"` (the first occurrence), best effort.
fn find_key(file: FileId, text: &str, key: &str) -> Option<Span> {
    let needle = format!("\"{key}\"");
    text.find(&needle)
        .map(|i| Span::new(file, i, i + needle.len()))
}

/// The span of the string value in `"key": "value"`, best effort: the
/// value is searched as serde_json escapes it, with any spacing around `:`.
fn find_member(file: FileId, text: &str, key: &str, value: &str) -> Option<Span> {
    let key = format!("\"{key}\"");
    let value = serde_json::to_string(value).ok()?;
    let mut from = 0;
    while let Some(i) = text.get(from..)?.find(&key) {
        let after = from + i + key.len();
        let rest = text.get(after..)?;
        let trimmed = rest.trim_start();
        if let Some(r) = trimmed.strip_prefix(':') {
            let r2 = r.trim_start();
            if r2.starts_with(&value) {
                let start = text.len() - r2.len();
                return Some(Span::new(file, start, start + value.len()));
            }
        }
        from = after;
    }
    None
}
