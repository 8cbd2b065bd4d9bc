//! MCP import. Input: the JSON text of an MCP server's `tools/list` result
//! or its registry `server.json` record. Output: policy source text — one
//! `tool` declaration per MCP tool with typed arguments ([`schema`]),
//! guessed effects and output trust with the reason for each guess
//! ([`guess`]), and a [`pin`] — plus diagnostics (AP151–AP153).
//!
//! This stage produces source text, so it sits beside `syntax`: it reads no
//! model, and what it writes goes through the whole front end like any
//! other file. Comparing pins with a newer listing reads the model and lives
//! in `crosscheck::mcp`.

pub mod emit;
pub mod guess;
pub mod listing;
pub mod pin;
pub mod schema;

pub use listing::{parse, ListedTool, Listing};

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use std::collections::BTreeSet;

pub const INVALID_LISTING: Code = Code::new("AP151", Severity::Error);
pub const TYPE_FALLBACK: Code = Code::new("AP152", Severity::Warning);
pub const LISTING_NOTE: Code = Code::new("AP153", Severity::Warning);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: INVALID_LISTING,
        name: "invalid-mcp-listing",
        summary: "an MCP tool listing is not JSON of the shape `tools/list` returns",
        explanation: "`agentpol import mcp` and `agentpol check --mcp` read the result of an MCP server's `tools/list` request, `{\"tools\": [{\"name\": ..., \"description\": ..., \"inputSchema\": {...}, \"outputSchema\"?: {...}, \"annotations\"?: {...}}]}`, bare or inside its JSON-RPC response (`{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {...}}`), or a registry `server.json` record (`name`, `version`, `remotes`). Every tool needs a string `name` and an `inputSchema` object.",
    },
    CodeDoc {
        code: TYPE_FALLBACK,
        name: "mcp-import-fallback",
        summary: "part of an imported MCP tool has no exact agentpol equivalent",
        explanation: "The language types strings, integers, booleans, enums of strings and lists of them. A JSON `number` is declared `int`; an object, a union (`anyOf`, `oneOf`), a `$ref` or a schema without `type` is declared `string`; a property whose name is not an agentpol name is not declared at all, so a call passing it is denied. Requests whose values do not fit the declared type are denied, so each fallback fails closed; the generated text marks each one with `# FALLBACK:`. A description holding hidden or control characters is also reported here: they are removed from the `doc` line (the pin still covers the original).",
    },
    CodeDoc {
        code: LISTING_NOTE,
        name: "mcp-listing-note",
        summary: "an MCP listing is incomplete or carries a malformed hint",
        explanation: "A listing with a non-null `nextCursor` is one page of a paginated `tools/list`: tools on other pages are not imported. An annotation hint that is not a boolean is read as unset, so the protocol's default applies (`readOnlyHint` false, `destructiveHint` true, `idempotentHint` false, `openWorldHint` true).",
    },
];

/// How imported tools are named.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The namespace of every tool (`filesystem` → `filesystem.read_file`).
    pub namespace: String,
    /// The server name written in `source mcp "..."` (default: the
    /// `server.json` name, else the namespace).
    pub server: Option<String>,
}

/// True for a namespace the grammar accepts: dotted agentpol names.
pub fn is_namespace(ns: &str) -> bool {
    !ns.is_empty() && ns.split('.').all(schema::is_ident)
}

/// A namespace derived from a registry name: `io.github.acme/files-server`
/// → `files_server`.
pub fn namespace_of(server: &str) -> String {
    emit::ident(server.rsplit('/').next().unwrap_or(server))
}

pub struct Imported {
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// The policy text declaring every tool of `listing`.
pub fn import(listing: &Listing, opts: &ImportOptions) -> Imported {
    let mut text = String::new();
    let from = opts
        .server
        .as_deref()
        .or(listing.server.as_deref())
        .map(|s| format!(" `{}`", emit::comment(s)))
        .unwrap_or_default();
    text.push_str(&format!(
        "# Imported by `agentpol import mcp` from the MCP server{from}.\n\
         # Review every `# guess` line: effects, trust and sensitivity are inferred from\n\
         # the server's annotations and each tool's name and description, which the\n\
         # server controls. `agentpol check --mcp FILE` reports a tool whose listing no\n\
         # longer matches its `pin`.\n"
    ));
    let mut diagnostics = Vec::new();
    let mut used = BTreeSet::new();
    for t in &listing.tools {
        let base = emit::ident(&t.name);
        let mut local = base.clone();
        let mut n = 2;
        while !used.insert(local.clone()) {
            local = format!("{base}_{n}");
            n += 1;
        }
        let e = emit::tool(listing, t, &local, opts);
        text.push('\n');
        text.push_str(&e.text);
        diagnostics.extend(e.diagnostics);
    }
    Imported { text, diagnostics }
}
