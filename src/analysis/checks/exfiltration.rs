//! ## What it does
//! Finds confidential or secret data that can reach an external sink without
//! approval: a tool that communicates or uses the network, called on a
//! resource marked `external true` (or on a destination the tool does not
//! declare as a resource, which agentpol treats as external). The data may
//! come from the agent itself or from another agent through a shared
//! channel or delegation.
//!
//! ## Why it matters
//! Once secret data is in an agent's context, anything the agent can send
//! out can carry it: a message to an outside channel, an email, a URL it
//! fetches. Secret data reaching an external sink is an error; confidential
//! data a warning.
//!
//! ## Example
//! ```text
//! resource type chat.channel { sensitivity internal external false }
//! resource chat.channel "#ext-*" { external true }
//! agent reporter {
//!   allow vault.read                   # output trusted secret
//!   allow chat.post where channel like "#*"
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! agent reporter {
//!   allow vault.read
//!   allow chat.post where channel like "#*" and not resource.external
//! }
//! ```
//! Keep the sink internal, require approval for external destinations, or
//! move the secret-reading tool to an agent that cannot communicate.

use crate::analysis::flow::{self, Level, Reach};
use crate::analysis::sinks::{exposures, Exposure, Sink};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Sensitivity, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP204", Severity::Error),
    name: "data-exfiltration",
    summary: "confidential or secret data can reach an external sink without approval",
    source: include_str!("exfiltration.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// Private data that reaches an agent: how, and where it is read.
#[derive(Debug, Clone)]
pub struct Data<'m> {
    reach: Reach,
    level: Sensitivity,
    /// The agent and tool that read it.
    reader: &'m Agent,
    tool: &'m Tool,
}

/// Private `data` that can leave through the exposure's sink without approval.
pub struct Finding<'m> {
    exposure: Exposure<'m, Data<'m>>,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let flows = cx.flows();
    let model = cx.model;
    let found = exposures(cx, Sink::External, |agent| {
        let reach = flows.private_reach.get(&agent.name)?;
        let src = &reach.source;
        let Level::Private(level) = src.level else {
            return None;
        };
        Some(Data {
            reach: reach.clone(),
            level,
            reader: model.agents.get(&src.agent)?,
            tool: model.tools.get(&src.tool)?,
        })
    });
    found
        .into_iter()
        .map(|exposure| {
            let (agent, data, sink) = (exposure.agent, &exposure.reach, &exposure.sink);
            let (mut path, mut calls) = flow::witness_of(
                cx,
                &data.reach,
                &format!("returns {} data", data.level.as_str()),
            );
            path.push(Step::tool(
                sink.tool,
                format!("sends it out ({})", effects(sink.tool)),
            ));
            calls.push(cx.call(
                agent,
                sink.tool,
                &sink.call,
                State::default(),
                Expect::Allow,
            ));
            Finding {
                witness: Witness::new(path, calls),
                exposure,
            }
        })
        .collect()
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let Exposure {
        agent,
        reach: data,
        sink,
    } = &f.exposure;
    let (tool, reach, level) = (sink.tool, &data.reach, data.level);
    let src = &reach.source;
    let dest = match &tool.resource {
        Some(r) => format!(
            "external `{}` \"{}\"",
            r.ty,
            sink.call
                .args
                .get(&r.arg)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .escape_debug()
        ),
        None => "a destination it does not declare as a resource".to_string(),
    };
    let via = if reach.hops.is_empty() {
        String::new()
    } else {
        format!(" (read by `{}`)", src.agent)
    };
    let mut d = CHECK
        .diag(format!(
            "{} data from `{}`{via} can leave through `{}` in agent `{}`",
            level.as_str(),
            src.tool,
            tool.name,
            agent.name
        ))
        .primary(cx.grant_span(agent, sink.grant), format!("sends to {dest} without approval"))
        .secondary(cx.grant_span(data.reader, src.grant), format!("reads {} data", level.as_str()))
        .secondary(data.tool.span, "declared here")
        .help("restrict the sink to internal destinations (`and not resource.external`), require approval for external ones, or keep this data away from agents that can communicate");
    if level < Sensitivity::Secret {
        d = d.with_severity(Severity::Warning);
    }
    if !reach.hops.is_empty() {
        d = d.note(format!(
            "how the data travels: {}",
            flow::describe_hops(reach)
        ));
    }
    if tool.resource.is_none() {
        d = d.note(format!(
            "`{}` does not name its destination as a resource, so agentpol treats it as external",
            tool.name
        ));
    }
    let mut agents = vec![agent.name.as_str()];
    if src.agent != agent.name {
        agents.push(src.agent.as_str());
    }
    Report::new(agents, d.witness(f.witness.json()))
}
