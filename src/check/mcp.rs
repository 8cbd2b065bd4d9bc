//! `source mcp` and `pin` on a tool: the binding of an imported tool to the
//! MCP listing it came from (see `mcp::pin` for the hash).

use super::Cx;
use crate::diagnostics::codes;
use crate::model::McpBinding;
use crate::syntax::ast::{StrLit, ToolItem};

/// The tool's MCP binding, if it declares `source mcp` or `pin`.
pub(super) fn binding(cx: &mut Cx<'_, '_>, tool: &str, items: &[ToolItem]) -> Option<McpBinding> {
    let mut source: Option<(&StrLit, Option<&StrLit>)> = None;
    let mut pin: Option<&StrLit> = None;
    for item in items {
        match item {
            ToolItem::Source { server, tool } => {
                if source.is_some() {
                    repeated(cx, server, "source");
                } else {
                    source = Some((server, tool.as_ref()));
                }
            }
            ToolItem::Pin(p) => {
                if pin.is_some() {
                    repeated(cx, p, "pin");
                } else {
                    if !crate::mcp::pin::is_valid(&p.value) {
                        cx.error(
                            codes::INVALID_PIN,
                            p.span,
                            format!("`{}` is not an agentpol pin", p.value.escape_debug()),
                            "not `sha3-256:` and 64 lowercase hex digits",
                            "copy the pin from `agentpol import mcp` output, or remove the line",
                        );
                    }
                    pin = Some(p);
                }
            }
            _ => {}
        }
    }
    if source.is_none() && pin.is_none() {
        return None;
    }
    let last = tool.rsplit('.').next().unwrap_or(tool).to_string();
    let span = pin.or(source.map(|s| s.0)).map(|s| s.span)?;
    Some(McpBinding {
        server: source.map(|(s, _)| s.value.clone()),
        name: source
            .and_then(|(_, t)| t)
            .map(|t| t.value.clone())
            .unwrap_or(last),
        pin: pin
            .filter(|p| crate::mcp::pin::is_valid(&p.value))
            .map(|p| p.value.clone()),
        span,
    })
}

fn repeated(cx: &mut Cx<'_, '_>, at: &StrLit, what: &str) {
    cx.error(
        codes::INVALID_PIN,
        at.span,
        format!("`{what}` is set twice in one tool"),
        "set again here",
        "keep one: a tool comes from one MCP listing",
    );
}
