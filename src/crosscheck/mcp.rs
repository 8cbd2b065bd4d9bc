//! Pin drift: a tool imported from an MCP server (`pin "sha3-256:..."`)
//! compared with the server's current `tools/list`. A changed pin is
//! reported as AP230 with what changed, as far as the declaration records
//! it: new or removed arguments, changed or widened types, a changed
//! description (where prompt injection hides) and effects or output trust
//! that the current annotations imply and the declaration lacks.
//!
//! Which listing a tool is compared with: a listing labelled with a server
//! name (`--mcp NAME=FILE`, or the `name` of a `server.json`) is compared
//! with the tools whose `source mcp "NAME"` matches; an unlabelled listing
//! with every pinned tool, by MCP tool name. A pinned tool missing from a
//! listing labelled with its server is reported as removed (AP231).

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::mcp::schema::{self, ArgType};
use crate::mcp::{emit, guess, ListedTool, Listing};
use crate::model::{Model, Tool, Trust, Type};
use serde_json::json;

pub const PIN_DRIFT: Code = Code::new("AP230", Severity::Error);
pub const PINNED_TOOL_REMOVED: Code = Code::new("AP231", Severity::Warning);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: PIN_DRIFT,
        name: "mcp-tool-changed",
        summary: "an MCP tool no longer matches the pin its declaration was imported with",
        explanation: "What it does: `agentpol check --mcp FILE` hashes each tool of a current `tools/list` result the way `agentpol import mcp` did and compares it with the tool's `pin`. A difference means the server changed the tool after it was reviewed: a new argument, a widened type, a changed description (where prompt injection hides) or a flipped annotation. The finding lists each change the declaration can show.\n\nWhy it matters: a policy is only as good as its tool declarations; an MCP server can change what a tool does, or what its description tells the model, without any change to the policy (capability creep, \"rug pull\").\n\nUse instead: review the change, re-run `agentpol import mcp` and merge the new declaration (with its new pin) into the policy.",
    },
    CodeDoc {
        code: PINNED_TOOL_REMOVED,
        name: "mcp-tool-removed",
        summary: "a pinned MCP tool is missing from its server's current listing",
        explanation: "The tool's `source mcp \"SERVER\"` names a server whose current listing (given with `--mcp SERVER=FILE`, or a `server.json` with that `name`) has no tool of that name. Rules granting it are dead, or the server renamed it; remove the declaration or re-import.",
    },
];

/// A listing and the server it speaks for, if known.
pub struct Labelled<'a> {
    pub server: Option<&'a str>,
    pub listing: &'a Listing,
}

/// Every drift finding for the pinned tools of `model`.
pub fn check(model: &Model, listings: &[Labelled<'_>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for tool in model.tools.values() {
        let Some(binding) = &tool.mcp else { continue };
        let Some(pin) = &binding.pin else { continue };
        let relevant: Vec<&Labelled<'_>> = listings
            .iter()
            .filter(|l| match (l.server, binding.server.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect();
        let found = relevant
            .iter()
            .find_map(|l| l.listing.tools.iter().find(|t| t.name == binding.name));
        match found {
            Some(current) if &current.pin != pin => out.push(drift(tool, pin, current)),
            Some(_) => {}
            None if relevant
                .iter()
                .any(|l| l.server.is_some() && l.server == binding.server.as_deref()) =>
            {
                out.push(
                    Diagnostic::new(PINNED_TOOL_REMOVED, format!("MCP tool `{}` of `{}` is no longer listed by its server", binding.name.escape_debug(), tool.name))
                        .primary(binding.span, "pinned here")
                        .help("remove the declaration and the rules that grant it, or re-import it if the server renamed it"),
                );
            }
            None => {}
        }
    }
    out
}

fn drift(tool: &Tool, pin: &str, current: &ListedTool) -> Diagnostic {
    let changes = changes(tool, current);
    let mut d = Diagnostic::new(PIN_DRIFT, format!("MCP tool `{}` changed since it was pinned", tool.name))
        .primary(tool.mcp.as_ref().map(|b| b.span).unwrap_or(tool.span), "pinned here")
        .secondary(current.span, "the server's current listing")
        .help("review the change, then re-import with `agentpol import mcp` and update the declaration and its pin");
    if changes.is_empty() {
        d = d.note("the change is in parts the declaration does not record (the output schema, an argument's description or schema details, or annotations that imply no new effect)");
    }
    for c in &changes {
        d = d.note(c.text.clone());
    }
    d.witness(json!({
        "tool": tool.name,
        "mcp_tool": current.name,
        "pinned": pin,
        "current": current.pin,
        "changes": changes.iter().map(|c| json!({"kind": c.kind, "detail": c.text})).collect::<Vec<_>>(),
    }))
}

struct Change {
    kind: &'static str,
    text: String,
}

fn changes(tool: &Tool, current: &ListedTool) -> Vec<Change> {
    let mut out = Vec::new();
    description(tool, current, &mut out);
    arguments(tool, current, &mut out);
    let g = guess::guess(current);
    let missing: Vec<&str> = g
        .effects
        .iter()
        .filter(|(e, _)| !tool.effects.iter().any(|x| x.as_str() == *e))
        .map(|(e, _)| *e)
        .collect();
    if !missing.is_empty() {
        let why: Vec<String> = g
            .effects
            .iter()
            .filter(|(e, _)| missing.contains(e))
            .map(|(e, w)| format!("{e}: {w}"))
            .collect();
        out.push(Change {
            kind: "new-effects",
            text: format!(
                "the listing now implies effects [{}] the declaration lacks ({})",
                missing.join(", "),
                why.join("; ")
            ),
        });
    }
    if g.trust.0 == "untrusted" && tool.trust == Trust::Trusted {
        out.push(Change {
            kind: "output-trust",
            text: format!(
                "its output is now untrusted but declared trusted ({})",
                g.trust.1
            ),
        });
    }
    out
}

fn description(tool: &Tool, current: &ListedTool, out: &mut Vec<Change>) {
    let old = tool.doc.clone().unwrap_or_default();
    let new = current
        .description
        .as_deref()
        .map(emit::keepable)
        .unwrap_or_default();
    if old == new {
        return;
    }
    let diff = similar::TextDiff::from_words(old.as_str(), new.as_str());
    // Runs of inserted or deleted words are marked once: `{+a b c+}`.
    let mut marked = String::new();
    let mut run: Option<(similar::ChangeTag, String)> = None;
    let flush = |run: &mut Option<(similar::ChangeTag, String)>, out: &mut String| match run.take()
    {
        Some((similar::ChangeTag::Delete, t)) => out.push_str(&format!("[-{t}-]")),
        Some((similar::ChangeTag::Insert, t)) => out.push_str(&format!("{{+{t}+}}")),
        Some((similar::ChangeTag::Equal, t)) => out.push_str(&t),
        None => {}
    };
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        match &mut run {
            Some((t, text)) if *t == tag => text.push_str(change.value()),
            _ => {
                flush(&mut run, &mut marked);
                run = Some((tag, change.value().to_string()));
            }
        }
    }
    flush(&mut run, &mut marked);
    out.push(Change {
        kind: "description",
        text: format!(
            "description changed (descriptions reach the model: read it for instructions): {}",
            emit::comment(&marked)
        ),
    });
}

fn arguments(tool: &Tool, current: &ListedTool, out: &mut Vec<Change>) {
    let now = schema::args(&current.input_schema);
    for a in &now {
        let opt = if a.optional { "optional" } else { "required" };
        match (tool.args.get(&a.name), &a.ty) {
            (None, Some(ty)) => out.push(Change {
                kind: "new-argument",
                text: format!("new {opt} argument `{}: {}`", a.name, ty.text()),
            }),
            (None, None) => out.push(Change {
                kind: "new-argument",
                text: format!(
                    "new {opt} argument `{}` (not an agentpol name: calls passing it are denied)",
                    a.name.escape_debug()
                ),
            }),
            (Some(old), Some(ty)) => {
                let new_ty = model_type(ty);
                if old.ty != new_ty {
                    let widened = if widens(&old.ty, &new_ty) {
                        "widened"
                    } else {
                        "changed"
                    };
                    out.push(Change {
                        kind: "argument-type",
                        text: format!(
                            "argument `{}` {widened} from `{}` to `{}`",
                            a.name,
                            old.ty.describe(),
                            new_ty.describe()
                        ),
                    });
                }
                if old.optional != a.optional {
                    out.push(Change {
                        kind: "argument-required",
                        text: format!("argument `{}` is now {opt}", a.name),
                    });
                }
            }
            (Some(_), None) => {}
        }
    }
    for name in tool.args.keys() {
        if !now.iter().any(|a| &a.name == name) {
            out.push(Change {
                kind: "removed-argument",
                text: format!("argument `{name}` was removed"),
            });
        }
    }
}

fn model_type(t: &ArgType) -> Type {
    match t {
        ArgType::String => Type::String,
        ArgType::Int => Type::Int,
        ArgType::Bool => Type::Bool,
        ArgType::Enum(values) => Type::Enum {
            values: values.clone(),
        },
        ArgType::List(inner) => Type::List {
            element: Box::new(model_type(inner)),
        },
    }
}

/// True when every value of `old` is a value of `new`.
fn widens(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::Enum { values: a }, Type::Enum { values: b }) => a.iter().all(|v| b.contains(v)),
        (Type::Enum { .. }, Type::String) => true,
        (Type::List { element: a }, Type::List { element: b }) => widens(a, b),
        (a, b) => a == b,
    }
}
