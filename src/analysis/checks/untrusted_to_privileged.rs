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

use crate::analysis::flow::{Level, Source};
use crate::analysis::sinks::{exposed, grouped_witness, tool_list, Exposed, Sink};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Grant, Tool, Trust};

pub const CHECK: Check = Check {
    code: Code::new("AP201", Severity::Error),
    name: "untrusted-input-to-privileged-sink",
    summary: "untrusted input can reach a privileged tool without approval",
    source: include_str!("untrusted_to_privileged.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// The untrusted source an agent reads first, and its other sources.
#[derive(Debug, Clone)]
pub struct Input<'m> {
    source: Source,
    tool: &'m Tool,
    grant: &'m Grant,
    /// The agent's other untrusted tools, in order.
    others: Vec<String>,
}

/// An agent that reads `input` and can call the sinks without approval:
/// one finding per agent and source, listing every sink.
pub struct Finding<'m> {
    exposed: Exposed<'m, Input<'m>>,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let flows = cx.flows();
    let model = cx.model;
    let found = exposed(cx, Sink::Privileged, |agent| {
        let mut sources = flows.untrusted.get(&agent.name)?.iter();
        let source = sources.next()?;
        Some(Input {
            source: source.clone(),
            tool: model.tools.get(&source.tool)?,
            grant: agent.grants.get(source.grant)?,
            others: sources.map(|s| s.tool.clone()).collect(),
        })
    });
    found
        .into_iter()
        .map(|exposed| {
            let (agent, input) = (exposed.agent, &exposed.reach);
            let mut calls = vec![cx.call(
                agent,
                input.tool,
                &input.source.call,
                State::default(),
                Expect::NotDeny,
            )];
            let role = match input.tool.trust {
                Trust::Untrusted => "returns untrusted content",
                Trust::Trusted => "returns content",
            };
            let mut path = vec![
                Step::tool(input.tool, role),
                Step::agent(agent, "reads it into its context"),
            ];
            for sink in exposed.sinks() {
                calls.push(cx.call(
                    agent,
                    sink.tool,
                    &sink.call,
                    State::default(),
                    Expect::Allow,
                ));
                path.push(Step::tool(
                    sink.tool,
                    format!("{} without approval", effects(sink.tool)),
                ));
            }
            Finding {
                witness: Witness::new(path, calls),
                exposed,
            }
        })
        .collect()
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let exposed = &f.exposed;
    let Exposed {
        agent,
        reach: input,
        sink,
        more,
    } = exposed;
    let (src_tool, tool) = (input.tool, sink.tool);
    let mut d = CHECK
        .diag(format!(
            "untrusted input from `{}` can reach {} without approval in agent `{}`",
            src_tool.name,
            tool_list(exposed),
            agent.name
        ))
        .primary(
            cx.grant_span(agent, sink.grant),
            format!(
                "allows `{}` ({}) without approval",
                tool.name,
                effects(tool)
            ),
        )
        .secondary(
            input.grant.origin.span,
            format!("reads `{}` into the agent's context", src_tool.name),
        )
        .secondary(src_tool.span, "declared `output untrusted`");
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
    let mut d = d
        .help(format!(
            "require approval for these calls (`approve when ...` on the grant, or `approve {} always by group \"...\"`), or read `{}` with `extract enum|int|bool`",
            tool.name, src_tool.name
        ));
    if input.source.level != Level::Untrusted(None) {
        d = d.with_severity(Severity::Warning).note(format!(
            "the output passes sanitizer `{}`, which lowers the risk but cannot remove instructions from text",
            input.grant.sanitizer.as_deref().unwrap_or_default()
        ));
    }
    if !input.others.is_empty() {
        let others: Vec<String> = input.others.iter().map(|t| format!("`{t}`")).collect();
        d = d.note(format!(
            "other untrusted sources of `{}`: {}",
            agent.name,
            others.join(", ")
        ));
    }
    if !more.is_empty() {
        d = d.note(format!(
            "{} privileged tools are reachable; the witness has a call for each",
            more.len() + 1
        ));
    }
    Report::new(
        [agent.name.as_str()],
        d.witness(grouped_witness(&f.witness, 1, exposed)),
    )
}
