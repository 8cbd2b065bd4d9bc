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

use crate::analysis::flow::{self, Level};
use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::resources::attr_cond;
use crate::model::{Cond, Effect, Sensitivity};

pub const CHECK: Check = Check {
    code: Code::new("AP204", Severity::Error),
    name: "data-exfiltration",
    summary: "confidential or secret data can reach an external sink without approval",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let flows = cx.flows();
    let model = cx.model;
    for agent in model.agents.values() {
        let Some(reach) = flows.private_reach.get(&agent.name) else {
            continue;
        };
        for tool in cx.granted_tools(agent) {
            if !tool.effects.contains(&Effect::Communicate)
                && !tool.effects.contains(&Effect::Network)
            {
                continue;
            }
            // An external destination: a resource marked external, or none declared.
            let external = match &tool.resource {
                Some(r) => match model.resource_types.get(&r.ty) {
                    Some(ty) => attr_cond(&model.resources, ty, &r.arg, |a| a.external),
                    None => Cond::False,
                },
                None => Cond::True,
            };
            if external == Cond::False {
                continue;
            }
            let cond = Cond::and(vec![facts::free(agent, tool), external]);
            let Some(call) = cx.sat1(tool, cond, agent, || {
                format!(
                    "whether `{}` can send to an external destination with `{}` without approval",
                    agent.name, tool.name
                )
            }) else {
                continue;
            };
            let src = &reach.source;
            let (Some(sa), Some(st)) = (model.agents.get(&src.agent), model.tools.get(&src.tool))
            else {
                continue;
            };
            let level = match src.level {
                Level::Private(s) => s,
                Level::Untrusted(_) => continue,
            };
            let grant = cx.deciding_grant(agent, tool, &call).unwrap_or(0);
            let dest = match &tool.resource {
                Some(r) => format!(
                    "external `{}` \"{}\"",
                    r.ty,
                    call.args
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
            let mut d = cx
                .diag(format!(
                    "{} data from `{}`{via} can leave through `{}` in agent `{}`",
                    level.as_str(),
                    src.tool,
                    tool.name,
                    agent.name
                ))
                .primary(cx.grant_span(agent, grant), format!("sends to {dest} without approval"))
                .secondary(cx.grant_span(sa, src.grant), format!("reads {} data", level.as_str()))
                .secondary(st.span, "declared here")
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
                d = d.note(format!("`{}` does not name its destination as a resource, so agentpol treats it as external", tool.name));
            }
            let (mut path, mut calls) =
                flow::witness_of(cx, reach, &format!("returns {} data", level.as_str()));
            path.push(Step::tool(
                tool,
                format!("sends it out ({})", effects(tool)),
            ));
            calls.push(cx.call(agent, tool, &call, State::default(), Expect::Allow));
            let d = d.witness(witness(path, calls));
            let mut agents = vec![agent.name.as_str()];
            if src.agent != agent.name {
                agents.push(src.agent.as_str());
            }
            cx.report(agents, d);
        }
    }
}
