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

use crate::analysis::flow::{self, Level, Reach};
use crate::analysis::sinks::{exposed, grouped_witness, tool_list, Exposed, Sink};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP205", Severity::Error),
    name: "cross-agent-untrusted-flow",
    summary: "untrusted content crosses agents and reaches a privileged tool without approval",
    source: include_str!("cross_agent_flow.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// Untrusted content that reaches an agent from another agent.
#[derive(Debug, Clone)]
pub struct Crossing<'m> {
    reach: Reach,
    /// The agent that reads the content, and the tool it reads it with.
    reader: &'m Agent,
    tool: &'m Tool,
}

/// Content crossing agents that reaches the agent's sinks without approval:
/// one finding per agent, listing every sink.
pub struct Finding<'m> {
    exposed: Exposed<'m, Crossing<'m>>,
    witness: Witness,
    /// The index in the witness calls of the first sink's call.
    first_sink: usize,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let flows = cx.flows();
    let model = cx.model;
    let found = exposed(cx, Sink::Privileged, |agent| {
        if flows.untrusted.contains_key(&agent.name) {
            return None; // reads untrusted content itself: AP201's case
        }
        let reach = flows.untrusted_reach.get(&agent.name)?;
        if reach.hops.is_empty() {
            return None;
        }
        Some(Crossing {
            reach: reach.clone(),
            reader: model.agents.get(&reach.source.agent)?,
            tool: model.tools.get(&reach.source.tool)?,
        })
    });
    found
        .into_iter()
        .map(|exposed| {
            let agent = exposed.agent;
            let (mut path, mut calls) =
                flow::witness_of(cx, &exposed.reach.reach, "returns untrusted content");
            let first_sink = calls.len();
            for sink in exposed.sinks() {
                path.push(Step::tool(
                    sink.tool,
                    format!("{} without approval", effects(sink.tool)),
                ));
                calls.push(cx.call(
                    agent,
                    sink.tool,
                    &sink.call,
                    State::default(),
                    Expect::Allow,
                ));
            }
            Finding {
                witness: Witness::new(path, calls),
                exposed,
                first_sink,
            }
        })
        .collect()
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let exposed = &f.exposed;
    let Exposed {
        agent,
        reach: crossing,
        sink,
        more,
    } = exposed;
    let (sa, st, reach, tool) = (crossing.reader, crossing.tool, &crossing.reach, sink.tool);
    let model = cx.model;
    let mut d = CHECK
        .diag(format!(
            "untrusted input from `{}` in agent `{}` reaches agent `{}`, which can call {} without approval",
            st.name, sa.name, agent.name, tool_list(exposed)
        ))
        .primary(cx.grant_span(agent, sink.grant), format!("allows `{}` ({}) without approval", tool.name, effects(tool)))
        .secondary(cx.grant_span(sa, reach.source.grant), format!("`{}` reads untrusted `{}`", sa.name, st.name))
        .note(format!("how it travels: {}", flow::describe_hops(reach)))
        .help("keep the two agents' resources apart (make the writer's and the reader's constraints disjoint), reduce the untrusted output to a typed value, or require approval for the privileged call");
    for other in more {
        d = d.secondary(
            cx.grant_span(agent, other.grant),
            format!(
                "also allows `{}` ({}) without approval",
                other.tool.name,
                effects(other.tool)
            ),
        );
    }
    if !more.is_empty() {
        d = d.note(format!(
            "{} privileged tools are reachable; the witness has a call for each",
            more.len() + 1
        ));
    }
    for hop in &reach.hops {
        if let flow::HopKind::Channel {
            writer_tool,
            reader_tool,
            ..
        } = &hop.kind
        {
            let (Some(from), Some(to)) = (model.agents.get(&hop.from), model.agents.get(&hop.to))
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
    if let Level::Untrusted(Some(s)) = &reach.source.level {
        d = d.with_severity(Severity::Warning).note(format!(
            "the input passes sanitizer `{s}`, which lowers the risk but does not remove it"
        ));
    }
    let d = d.witness(grouped_witness(&f.witness, f.first_sink, exposed));
    Report::new([agent.name.as_str(), sa.name.as_str()], d)
}
