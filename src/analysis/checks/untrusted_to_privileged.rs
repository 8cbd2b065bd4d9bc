//! ## What it does
//! Finds agents that read untrusted content (web pages, inbound email,
//! customer tickets: tools declared `output untrusted`) and can also call a
//! privileged tool — one that writes, deletes, communicates externally,
//! executes code, merges or administers — with some arguments that no
//! approval trigger covers. The solver finds those arguments; they become the
//! witness.
//!
//! ## Why it matters
//! Text an attacker controls ends up in the agent's context, and a prompt
//! injection in it can steer the agent's next tool call. If that call can
//! change state without a human looking at it, the attacker acts with the
//! agent's permissions.
//!
//! ## Example
//! ```text
//! agent triage {
//!   allow web.fetch
//!   allow chat.post where channel like "#*"
//! }
//! ```
//! A page fetched by `web.fetch` can make `triage` post to any channel.
//!
//! ## Use instead
//! ```text
//! agent triage {
//!   allow web.fetch extract enum          # typed extraction: no instructions
//!   allow chat.post where channel == "#support"
//!     approve always by group "support-leads"
//! }
//! ```
//! Require approval for every call the untrusted content could steer, or
//! reduce the untrusted output to a type that cannot carry instructions
//! (`extract bool|int|enum`). A text sanitizer (`via`) lowers the severity to
//! a warning but does not remove the risk.

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Trust;

pub const CHECK: Check = Check {
    code: Code::new("AP201", Severity::Error),
    name: "untrusted-input-to-privileged-sink",
    summary: "untrusted input can reach a privileged tool without approval",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let flows = cx.flows();
    let agents: Vec<_> = cx.agents().collect();
    for agent in agents {
        let Some(source) = flows.untrusted.get(&agent.name).and_then(|s| s.first()) else {
            continue;
        };
        let (Some(src_tool), Some(src_grant)) =
            (cx.tool(&source.tool), agent.grants.get(source.grant))
        else {
            continue;
        };
        for tool in cx.granted_tools(agent) {
            if !tool.effects.iter().any(|e| e.is_privileged()) {
                continue;
            }
            let Some(call) = cx.free(agent, tool) else {
                continue;
            };
            let grant = cx.deciding_grant(agent, tool, &call).unwrap_or(0);
            let sanitized = source.level != crate::analysis::flow::Level::Untrusted(None);
            let mut d = cx
                .diag(format!(
                    "untrusted input from `{}` can reach `{}` without approval in agent `{}`",
                    src_tool.name, tool.name, agent.name
                ))
                .primary(
                    cx.grant_span(agent, grant),
                    format!(
                        "allows `{}` ({}) without approval",
                        tool.name,
                        effects(tool)
                    ),
                )
                .secondary(
                    src_grant.origin.span,
                    format!("reads `{}` into the agent's context", src_tool.name),
                )
                .secondary(src_tool.span, "declared `output untrusted`")
                .help(format!(
                    "require approval for these calls (`approve when ...` on the grant, or `approve {} always by group \"...\"`), or read `{}` with `extract enum|int|bool`",
                    tool.name, src_tool.name
                ));
            if sanitized {
                d = d.with_severity(Severity::Warning).note(format!(
                    "the output passes sanitizer `{}`, which lowers the risk but cannot remove instructions from text",
                    src_grant.sanitizer.as_deref().unwrap_or_default()
                ));
            }
            let others: Vec<String> = flows
                .untrusted
                .get(&agent.name)
                .into_iter()
                .flatten()
                .skip(1)
                .map(|s| format!("`{}`", s.tool))
                .collect();
            if !others.is_empty() {
                d = d.note(format!(
                    "other untrusted sources of `{}`: {}",
                    agent.name,
                    others.join(", ")
                ));
            }
            let calls = vec![
                cx.call(
                    agent,
                    src_tool,
                    &source.call,
                    State::default(),
                    Expect::NotDeny,
                ),
                cx.call(agent, tool, &call, State::default(), Expect::Allow),
            ];
            let role = match src_tool.trust {
                Trust::Untrusted => "returns untrusted content",
                Trust::Trusted => "returns content",
            };
            let path = vec![
                Step::tool(src_tool, role),
                Step::agent(agent, "reads it into its context"),
                Step::tool(tool, format!("{} without approval", effects(tool))),
            ];
            let d = d.witness(witness(path, calls));
            cx.report([agent.name.as_str()], d);
        }
    }
}
