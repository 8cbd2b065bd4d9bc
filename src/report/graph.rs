//! The picture of one agent's capability graph, as data: untrusted sources →
//! agent → tools (sinks), shared resources (channels) and the agents on
//! their other side, delegates, approval gates marked and risk paths
//! highlighted. Input: an [`AgentReport`] and the channels the solver found
//! (so the picture shows exactly what the report says). Output: a [`Graph`]
//! that the Mermaid (Markdown) and SVG (HTML) renderers draw.

use super::{AgentReport, Exists};
use crate::analysis::reach::ChannelReach;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Node {
    /// Stable id, unique in the graph (`n0`, `n1`, ...).
    pub id: String,
    pub label: String,
    /// `agent`, `source`, `tool`, `resource` (a shared channel) or `peer`.
    pub kind: String,
    /// Every call needs an approval (or none is possible).
    pub gated: bool,
    /// The approval gate in words (`needs approval: finance-approvers`, or
    /// `approval for some calls: ...`); `None` when no call needs one.
    pub gate: Option<String>,
    /// On the witness path of a finding of this agent.
    pub risk: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
    pub risk: bool,
}

/// `(kind, name)` of every step on the witness paths of the report's
/// findings; a resource step is named by its type (`mail.box "INBOX"` →
/// `mail.box`).
fn risky_steps(r: &AgentReport) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for f in &r.findings {
        for step in f.witness["path"].as_array().into_iter().flatten() {
            if let (Some(kind), Some(name)) = (step["kind"].as_str(), step["name"].as_str()) {
                let name = match kind {
                    "resource" => name.split(' ').next().unwrap_or(name),
                    _ => name,
                };
                out.insert((kind.to_string(), name.to_string()));
            }
        }
    }
    out
}

fn step(kind: &str, name: &str) -> (String, String) {
    (kind.to_string(), name.to_string())
}

/// The approval groups that gate some call of `tool`, in words.
fn gate(r: &AgentReport, tool: &str, gated: bool) -> Option<String> {
    let groups: BTreeSet<&str> = r
        .approvals
        .iter()
        .filter(|a| a.tool == tool)
        .map(|a| a.group.as_str())
        .collect();
    if groups.is_empty() {
        return gated.then(|| "no call allowed without approval".into());
    }
    let groups = groups.into_iter().collect::<Vec<_>>().join(", ");
    Some(if gated {
        format!("needs approval: {groups}")
    } else {
        format!("approval for some calls: {groups}")
    })
}

/// The node label of a shared channel: its type and a name both agents can
/// use, or that the overlap was kept undecided.
fn channel_label(c: &ChannelReach) -> String {
    match &c.shared {
        Some(s) => format!("{} {s}", c.resource_type),
        None => format!("{} (overlap undecided)", c.resource_type),
    }
}

pub fn build(r: &AgentReport, channels: &[ChannelReach]) -> Graph {
    let steps = risky_steps(r);
    let risky: BTreeSet<String> = steps
        .iter()
        .filter(|(k, _)| k == "tool")
        .map(|(_, n)| n.clone())
        .collect();
    let mut g = Graph::default();
    let agent = g.node(&r.name, "agent", false, None, !r.findings.is_empty());
    let mut tool_ids = Vec::new();
    for t in &r.tools {
        let gated = !matches!(t.without_approval, Exists::Yes { .. });
        let risk = risky.contains(&t.tool);
        let label = format!("{} [{}]", t.tool, t.effects.join(", "));
        let id = g.node(&label, "tool", gated, gate(r, &t.tool, gated), risk);
        let edge = if gated { "approval" } else { "calls" };
        g.edge(&agent, &id, edge);
        tool_ids.push((t.tool.clone(), id));
    }
    let mut sources = BTreeSet::new();
    for s in &r.untrusted_sources {
        let label = format!("untrusted: {} ({})", s.tool, s.agent);
        if sources.insert(label.clone()) {
            let id = g.node(&label, "source", false, None, risky.contains(&s.tool));
            g.edge(&id, &agent, &s.path);
        }
    }
    for l in r.agents.iter().filter(|l| l.via.is_none()) {
        let risk = steps.contains(&step("agent", &l.agent));
        let id = g.node(&l.agent, "peer", false, None, risk);
        let label = l.relation.replace('_', " ");
        match l.relation.as_str() {
            "delegates_to" => g.edge(&agent, &id, &label),
            _ => g.edge(&id, &agent, &label),
        }
    }
    // A channel is drawn writer → resource → reader; on this agent's side
    // the writing tool is the edge's start, so the flow reads agent → tool →
    // resource → peer.
    for c in super::channels_of(channels, &r.name) {
        if c.writer == c.reader {
            continue;
        }
        let res_risk = steps.contains(&step("resource", &c.resource_type));
        let res = g.node(&channel_label(c), "resource", false, None, res_risk);
        if c.writer == r.name {
            let from = tool_ids
                .iter()
                .find(|(t, _)| *t == c.writer_tool)
                .map_or_else(|| agent.clone(), |(_, id)| id.clone());
            g.edge(&from, &res, "writes");
            let risk = steps.contains(&step("agent", &c.reader));
            let peer = g.node(&c.reader, "peer", false, None, risk);
            g.edge(&res, &peer, &format!("read by {}", c.reader_tool));
        } else {
            let risk = steps.contains(&step("agent", &c.writer));
            let peer = g.node(&c.writer, "peer", false, None, risk);
            g.edge(&peer, &res, &format!("writes with {}", c.writer_tool));
            g.edge(&res, &agent, &format!("read with {}", c.reader_tool));
        }
    }
    // A risk path runs through risky nodes only: an edge is highlighted
    // when both of its ends are.
    let risky_ids: BTreeSet<String> = g
        .nodes
        .iter()
        .filter(|n| n.risk)
        .map(|n| n.id.clone())
        .collect();
    for e in &mut g.edges {
        e.risk = risky_ids.contains(&e.from) && risky_ids.contains(&e.to);
    }
    g
}

impl Graph {
    fn node(
        &mut self,
        label: &str,
        kind: &str,
        gated: bool,
        gate: Option<String>,
        risk: bool,
    ) -> String {
        if let Some(n) = self
            .nodes
            .iter()
            .find(|n| n.label == label && n.kind == kind)
        {
            return n.id.clone();
        }
        let id = format!("n{}", self.nodes.len());
        self.nodes.push(Node {
            id: id.clone(),
            label: label.to_string(),
            kind: kind.to_string(),
            gated,
            gate,
            risk,
        });
        id
    }

    /// Adds an edge once; its `risk` is set when the graph is complete.
    fn edge(&mut self, from: &str, to: &str, label: &str) {
        if self
            .edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.label == label)
        {
            return;
        }
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            label: label.to_string(),
            risk: false,
        });
    }
}
