//! The picture of one agent's capability graph, as data: untrusted sources →
//! agent → tools (sinks), shared channels and delegates, approval gates
//! marked and risk paths highlighted. Input: an [`AgentReport`] (so the
//! picture shows exactly what the report says). Output: a [`Graph`] that the
//! Mermaid (Markdown) renderer draws.

use super::{AgentReport, Exists};
use crate::model::Model;
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
    /// `agent`, `source`, `tool`, `peer`.
    pub kind: String,
    /// Every call needs an approval (or none is possible).
    pub gated: bool,
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

/// Tool names on the witness paths of the report's findings.
fn risky_tools(r: &AgentReport) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &r.findings {
        if let Some(path) = f.witness["path"].as_array() {
            for step in path {
                if step["kind"] == "tool" {
                    if let Some(n) = step["name"].as_str() {
                        out.insert(n.to_string());
                    }
                }
            }
        }
    }
    out
}

pub fn build(_model: &Model, r: &AgentReport) -> Graph {
    let risky = risky_tools(r);
    let mut g = Graph::default();
    let agent = g.node(&r.name, "agent", false, !r.findings.is_empty());
    for t in &r.tools {
        let gated = !matches!(t.without_approval, Exists::Yes { .. });
        let risk = risky.contains(&t.tool);
        let label = format!("{} [{}]", t.tool, t.effects.join(", "));
        let id = g.node(&label, "tool", gated, risk);
        let edge = if gated { "approval" } else { "calls" };
        g.edge(&agent, &id, edge, risk);
    }
    let mut sources = BTreeSet::new();
    for s in &r.untrusted_sources {
        let label = format!("untrusted: {} ({})", s.tool, s.agent);
        if sources.insert(label.clone()) {
            let id = g.node(&label, "source", false, risky.contains(&s.tool));
            g.edge(&id, &agent, &s.path, risky.contains(&s.tool));
        }
    }
    for l in &r.agents {
        let id = g.node(&l.agent, "peer", false, false);
        let label = l
            .via
            .clone()
            .unwrap_or_else(|| l.relation.replace('_', " "));
        match l.relation.as_str() {
            "delegates_to" | "writes_to" => g.edge(&agent, &id, &label, false),
            _ => g.edge(&id, &agent, &label, false),
        }
    }
    g
}

impl Graph {
    fn node(&mut self, label: &str, kind: &str, gated: bool, risk: bool) -> String {
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
            risk,
        });
        id
    }

    fn edge(&mut self, from: &str, to: &str, label: &str, risk: bool) {
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            label: label.to_string(),
            risk,
        });
    }
}
