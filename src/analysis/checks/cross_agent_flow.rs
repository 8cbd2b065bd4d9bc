//! ## What it does
//! Finds untrusted content that crosses from one agent to another — through
//! a resource one agent writes and the other reads (a ticket, a document, a
//! mailbox), or through delegation — and reaches a privileged tool the
//! second agent can call without approval. The agent that acts never reads
//! untrusted content itself, so a per-agent review misses it.
//!
//! A shared channel exists only when the writer's and the reader's resource
//! constraints can name the same resource: the solver decides, so
//! `like "IN*"` for the writer and `like "*BOX"` for the reader meet in
//! `INBOX`, while `like "#a*"` and `like "#b*"` never do.
//!
//! ## Why it matters
//! Prompt injection is transitive. An attacker who can make a low-privilege
//! agent write text into a shared resource controls what a high-privilege
//! agent reads next.
//!
//! ## Example
//! ```text
//! agent intake { allow web.fetch  allow mail.write where mailbox like "IN*" }
//! agent ops    { allow mail.read where mailbox like "*BOX"  allow shell.run }
//! ```
//!
//! ## Use instead
//! ```text
//! agent intake { allow web.fetch  allow mail.write where mailbox like "IN*" }
//! agent ops    { allow mail.read where mailbox == "OUTBOX"
//!                allow shell.run approve always by group "oncall" }
//! ```
//! Keep the writer's and the reader's resources apart, reduce what crosses
//! to typed values, or require approval for the privileged calls.

use crate::analysis::flow::{self, Level};
use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP205", Severity::Error),
    name: "cross-agent-untrusted-flow",
    summary: "untrusted content crosses agents and reaches a privileged tool without approval",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let flows = cx.flows();
    let model = cx.model;
    for agent in model.agents.values() {
        if flows.untrusted.contains_key(&agent.name) {
            continue; // reads untrusted content itself: AP201's case
        }
        let Some(reach) = flows.untrusted_reach.get(&agent.name) else {
            continue;
        };
        if reach.hops.is_empty() {
            continue;
        }
        let src = &reach.source;
        let (Some(sa), Some(st)) = (model.agents.get(&src.agent), model.tools.get(&src.tool))
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
            let mut d = cx
                .diag(format!(
                    "untrusted input from `{}` in agent `{}` reaches agent `{}`, which can call `{}` without approval",
                    st.name, sa.name, agent.name, tool.name
                ))
                .primary(cx.grant_span(agent, grant), format!("allows `{}` ({}) without approval", tool.name, effects(tool)))
                .secondary(cx.grant_span(sa, src.grant), format!("`{}` reads untrusted `{}`", sa.name, st.name))
                .note(format!("how it travels: {}", flow::describe_hops(reach)))
                .help("keep the two agents' resources apart (make the writer's and the reader's constraints disjoint), reduce the untrusted output to a typed value, or require approval for the privileged call");
            for hop in &reach.hops {
                if let flow::HopKind::Channel {
                    writer_tool,
                    reader_tool,
                    ..
                } = &hop.kind
                {
                    let (Some(from), Some(to)) =
                        (model.agents.get(&hop.from), model.agents.get(&hop.to))
                    else {
                        continue;
                    };
                    if let Some(g) = from.grants.iter().position(|g| &g.tool == writer_tool) {
                        d = d.secondary(
                            cx.grant_span(from, g),
                            format!("`{}` writes the shared resource", from.name),
                        );
                    }
                    if let Some(g) = to.grants.iter().position(|g| &g.tool == reader_tool) {
                        d = d.secondary(cx.grant_span(to, g), format!("`{}` reads it", to.name));
                    }
                }
            }
            if let Level::Untrusted(Some(s)) = &src.level {
                d = d
                    .with_severity(Severity::Warning)
                    .note(format!("the input passes sanitizer `{s}`, which lowers the risk but does not remove it"));
            }
            let (mut path, mut calls) = flow::witness_of(cx, reach, "returns untrusted content");
            path.push(Step::tool(
                tool,
                format!("{} without approval", effects(tool)),
            ));
            calls.push(cx.call(agent, tool, &call, State::default(), Expect::Allow));
            let d = d.witness(witness(path, calls));
            cx.report([agent.name.as_str(), sa.name.as_str()], d);
        }
    }
}
