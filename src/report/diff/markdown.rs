//! A [`Diff`] as Markdown for a pull-request comment. Every user string is
//! a code span it cannot leave (`md_code`).

use super::{Delta, Diff};
use crate::backend::iam::summary::md_code;
use std::fmt::Write as _;

pub fn render(d: &Diff) -> String {
    let mut out = format!(
        "## agentpol diff: {} → {}\n\n",
        md_code(&d.old),
        md_code(&d.new)
    );
    if !d.changed {
        out.push_str("**No change in behaviour.** Every agent is decided the same way on every request (proved by the solver).\n");
        return out;
    }
    let widened: Vec<String> = d
        .agents
        .iter()
        .filter(|a| a.deltas.iter().any(|x| x.widens) || a.status == "added")
        .map(|a| md_code(&a.agent))
        .collect();
    if widened.is_empty() {
        out.push_str("**Behaviour changed, nothing widened.**\n\n");
    } else {
        let _ = writeln!(out, "**Widened** for {}.\n", widened.join(", "));
    }
    for a in &d.agents {
        let _ = writeln!(out, "### Agent {} ({})\n", md_code(&a.agent), a.status);
        if a.deltas.is_empty() {
            out.push_str("No capability.\n\n");
            continue;
        }
        for x in &a.deltas {
            delta(x, &mut out);
        }
        out.push('\n');
    }
    out.push_str("Witnesses were found by the solver and replayed through the reference evaluator on both sides (`agentpol eval` confirms each).\n");
    out
}

fn delta(x: &Delta, out: &mut String) {
    let sign = if x.widens { "➕" } else { "➖" };
    let _ = write!(out, "- {sign} **{}**", x.kind.replace('_', " "));
    if let Some(t) = &x.tool {
        let _ = write!(out, " {}", md_code(t));
    }
    if let Some(r) = &x.resource {
        let _ = write!(out, " on {}", md_code(r));
    }
    let _ = write!(out, ": {}", md_code(&x.detail));
    if let Some(w) = &x.witness {
        let args = serde_json::to_string(&w.request["args"]).unwrap_or_default();
        let _ = write!(
            out,
            "\n  - witness args {}: old {}, new {}{}",
            md_code(&args),
            w.old.as_str(),
            w.new.as_str(),
            if w.confirmed {
                " (confirmed by `decide`)"
            } else {
                ""
            }
        );
    }
    out.push('\n');
}
