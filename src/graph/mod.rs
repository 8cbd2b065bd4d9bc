//! ⑤a The capability graph. Input: the checked [`Model`] and a
//! [`ChannelOracle`] that decides whether two resource constraints overlap.
//! Output: a [`CapabilityGraph`] (a petgraph `DiGraph`) that the analysis
//! walks to find paths from sources to sinks, within an agent and across
//! agents.
//!
//! Nodes: agents, tools, resource types, data sources (untrusted content,
//! confidential and secret data), sinks (one per effect class) and agent
//! memories. Edges:
//! - `Grant` agent → tool: the agent's context flows into the tool's
//!   arguments, under the listed grants, with the formula of the calls they
//!   permit (no deny matches, some grant matches, budget and justification
//!   rules hold — `permitted` in `analysis::facts`);
//! - `Produces` source → tool: the tool's output is untrusted, or carries
//!   confidential or secret data;
//! - `Output` tool → agent: the tool's output flows into the agent's context;
//! - `Reads` resource → tool and `Writes` tool → resource;
//! - `Effect` tool → sink;
//! - `Delegates` agent → agent;
//! - `Channel` writer agent → reader agent: a resource one writes and the
//!   other reads. It exists only when some resource name is allowed to both
//!   (the oracle — the SMT layer — decides, never a string comparison); the
//!   oracle's witness names that resource and both calls;
//! - `Remembers` agent → memory and `Recalls` memory → agent.
//!
//! Channels are bucketed by resource type: only a writer and a reader of the
//! same type are ever compared.

use crate::model::{Agent, Cond, Effect, Memory, Model, Sensitivity, Tool, Trust};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Agent(String),
    Tool(String),
    Resource(String),
    Source(SourceKind),
    Sink(Effect),
    Memory(String),
}

/// What a data source provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// Content an outsider controls (web pages, inbound email, tickets).
    Untrusted,
    Confidential,
    Secret,
}

#[derive(Debug, Clone)]
pub enum Edge {
    /// Indices into the agent's `grants`, and the condition under which a
    /// call of the tool is permitted.
    Grant {
        grants: Vec<usize>,
        permitted: Cond,
    },
    Produces,
    Output(Vec<usize>),
    Reads,
    Writes,
    Effect,
    Delegates,
    Channel(Channel),
    Remembers,
    Recalls,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub resource_type: String,
    pub writer_tool: String,
    pub reader_tool: String,
    pub overlap: Overlap,
}

/// The oracle's answer for one writer/reader pair.
#[derive(Debug, Clone)]
pub enum Overlap {
    /// Both calls are allowed on the same resource.
    Proven(Box<Shared>),
    /// The solver could not decide; the edge is kept (fail closed).
    Unknown(String),
}

/// A resource name both calls may use, and the two calls.
#[derive(Debug, Clone)]
pub struct Shared {
    pub name: String,
    pub writer_args: Map<String, Value>,
    pub reader_args: Map<String, Value>,
    pub writer_justification: Option<String>,
    pub reader_justification: Option<String>,
}

/// Decides whether a writer's and a reader's allowed resource names overlap,
/// and gives the condition under which an agent may call a tool.
pub trait ChannelOracle {
    fn permitted(&self, agent: &Agent, tool: &Tool) -> Cond;

    /// `None` when no resource name is allowed to both.
    fn overlap(&mut self, writer: (&Agent, &Tool), reader: (&Agent, &Tool)) -> Option<Overlap>;

    /// Literal prefixes such that every resource name `agent` may use with
    /// `tool` starts with one of them (an empty list: no name at all), or
    /// `None` when nothing so narrow is known. Two endpoints whose prefixes
    /// are pairwise incompatible (neither a prefix of the other) never
    /// share a name, so [`ChannelOracle::overlap`] is not asked about them:
    /// this keeps the channel search proportional to the channels found
    /// rather than to writers × readers.
    fn prefixes(&mut self, _agent: &Agent, _tool: &Tool) -> Option<Vec<String>> {
        None
    }
}

#[derive(Debug, Default)]
pub struct CapabilityGraph {
    pub graph: DiGraph<Node, Edge>,
    index: BTreeMap<Node, NodeIndex>,
}

impl CapabilityGraph {
    pub fn build(model: &Model, oracle: &mut dyn ChannelOracle) -> CapabilityGraph {
        let mut g = CapabilityGraph::default();
        for tool in model.tools.values() {
            let t = g.node(Node::Tool(tool.name.clone()));
            for e in &tool.effects {
                let s = g.node(Node::Sink(*e));
                g.graph.add_edge(t, s, Edge::Effect);
            }
            let mut kinds = Vec::new();
            if tool.trust == Trust::Untrusted {
                kinds.push(SourceKind::Untrusted);
            }
            match tool.sensitivity {
                Sensitivity::Secret => kinds.push(SourceKind::Secret),
                Sensitivity::Confidential => kinds.push(SourceKind::Confidential),
                _ => {}
            }
            for k in kinds {
                let s = g.node(Node::Source(k));
                g.graph.add_edge(s, t, Edge::Produces);
            }
            if let Some(r) = &tool.resource {
                let rn = g.node(Node::Resource(r.ty.clone()));
                if tool.effects.contains(&Effect::Read) {
                    g.graph.add_edge(rn, t, Edge::Reads);
                }
                if writes(tool) {
                    g.graph.add_edge(t, rn, Edge::Writes);
                }
            }
        }
        for agent in model.agents.values() {
            let a = g.node(Node::Agent(agent.name.clone()));
            let mut by_tool: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, grant) in agent.grants.iter().enumerate() {
                by_tool.entry(grant.tool.as_str()).or_default().push(i);
            }
            for (tool, grants) in by_tool {
                let t = g.node(Node::Tool(tool.to_string()));
                let permitted = match model.tools.get(tool) {
                    Some(spec) => oracle.permitted(agent, spec),
                    None => Cond::False,
                };
                g.graph.add_edge(
                    a,
                    t,
                    Edge::Grant {
                        grants: grants.clone(),
                        permitted,
                    },
                );
                g.graph.add_edge(t, a, Edge::Output(grants));
            }
            if agent.memory != Memory::None {
                let m = g.node(Node::Memory(agent.name.clone()));
                g.graph.add_edge(m, a, Edge::Recalls);
                if agent.memory == Memory::Writable {
                    g.graph.add_edge(a, m, Edge::Remembers);
                }
            }
        }
        for agent in model.agents.values() {
            for d in &agent.delegates {
                if let (Some(a), Some(b)) = (
                    g.find(&Node::Agent(agent.name.clone())),
                    g.find(&Node::Agent(d.clone())),
                ) {
                    g.graph.add_edge(a, b, Edge::Delegates);
                }
            }
        }
        g.channels(model, oracle);
        g
    }

    fn node(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    pub fn find(&self, n: &Node) -> Option<NodeIndex> {
        self.index.get(n).copied()
    }

    /// Shared channels, bucketed by resource type.
    fn channels(&mut self, model: &Model, oracle: &mut dyn ChannelOracle) {
        let mut writers: BTreeMap<&str, Vec<(&Agent, &Tool)>> = BTreeMap::new();
        let mut readers: BTreeMap<&str, Vec<(&Agent, &Tool)>> = BTreeMap::new();
        for agent in model.agents.values() {
            for name in agent.granted_tools() {
                let Some(tool) = model.tools.get(name) else {
                    continue;
                };
                let Some(r) = &tool.resource else { continue };
                if writes(tool) {
                    writers
                        .entry(r.ty.as_str())
                        .or_default()
                        .push((agent, tool));
                }
                if tool.effects.contains(&Effect::Read) {
                    readers
                        .entry(r.ty.as_str())
                        .or_default()
                        .push((agent, tool));
                }
            }
        }
        for (ty, ws) in &writers {
            let Some(rs) = readers.get(ty) else { continue };
            let index = PrefixIndex::new(rs.iter().map(|r| oracle.prefixes(r.0, r.1)));
            for w in ws {
                let candidates = index.candidates(oracle.prefixes(w.0, w.1).as_deref());
                for r in candidates.into_iter().filter_map(|i| rs.get(i)) {
                    let Some(overlap) = oracle.overlap(*w, *r) else {
                        continue;
                    };
                    let (Some(a), Some(b)) = (
                        self.find(&Node::Agent(w.0.name.clone())),
                        self.find(&Node::Agent(r.0.name.clone())),
                    ) else {
                        continue;
                    };
                    self.graph.add_edge(
                        a,
                        b,
                        Edge::Channel(Channel {
                            resource_type: ty.to_string(),
                            writer_tool: w.1.name.clone(),
                            reader_tool: r.1.name.clone(),
                            overlap,
                        }),
                    );
                }
            }
        }
    }

    /// Channels as (writer agent, reader agent, channel), in a stable order.
    pub fn channel_edges(&self) -> Vec<(&str, &str, &Channel)> {
        let mut out: Vec<(&str, &str, &Channel)> = self
            .graph
            .edge_references()
            .filter_map(|e| {
                match (
                    e.weight(),
                    self.agent_name(e.source()),
                    self.agent_name(e.target()),
                ) {
                    (Edge::Channel(c), Some(a), Some(b)) => Some((a, b, c)),
                    _ => None,
                }
            })
            .collect();
        out.sort_by(|x, y| {
            (x.0, x.1, &x.2.writer_tool, &x.2.reader_tool).cmp(&(
                y.0,
                y.1,
                &y.2.writer_tool,
                &y.2.reader_tool,
            ))
        });
        out
    }

    fn agent_name(&self, i: NodeIndex) -> Option<&str> {
        match self.graph.node_weight(i) {
            Some(Node::Agent(n)) => Some(n),
            _ => None,
        }
    }

    /// Where an agent's context can flow to another agent: channels it
    /// writes, agents it delegates to (the task), and agents that delegate to
    /// it (the result returns). Sorted, with the edge that carries the flow.
    pub fn flows_from(&self, agent: &str) -> Vec<(&str, Hop<'_>)> {
        let Some(a) = self.find(&Node::Agent(agent.to_string())) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in self.graph.edges_directed(a, Direction::Outgoing) {
            let Some(b) = self.agent_name(e.target()) else {
                continue;
            };
            match e.weight() {
                Edge::Channel(c) => out.push((b, Hop::Channel(c))),
                Edge::Delegates => out.push((b, Hop::DelegatesTo)),
                _ => {}
            }
        }
        for e in self.graph.edges_directed(a, Direction::Incoming) {
            if let (Edge::Delegates, Some(b)) = (e.weight(), self.agent_name(e.source())) {
                out.push((b, Hop::ResultTo));
            }
        }
        out.sort_by(|x, y| x.0.cmp(y.0).then_with(|| x.1.order().cmp(&y.1.order())));
        out
    }

    /// Groups of two or more agents joined by channels or delegation
    /// (connected components, ignoring direction), each sorted, in order.
    pub fn groups(&self) -> Vec<Vec<String>> {
        let agents: Vec<&str> = self
            .index
            .keys()
            .filter_map(|n| match n {
                Node::Agent(a) => Some(a.as_str()),
                _ => None,
            })
            .collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut groups = Vec::new();
        for start in agents {
            if seen.contains(start) {
                continue;
            }
            let mut group = BTreeSet::from([start]);
            let mut stack = vec![start];
            seen.insert(start);
            while let Some(x) = stack.pop() {
                let mut next: Vec<&str> = self.flows_from(x).into_iter().map(|(b, _)| b).collect();
                if let Some(i) = self.find(&Node::Agent(x.to_string())) {
                    for e in self.graph.edges_directed(i, Direction::Incoming) {
                        if let (Edge::Channel(_), Some(b)) =
                            (e.weight(), self.agent_name(e.source()))
                        {
                            next.push(b);
                        }
                    }
                }
                for b in next {
                    if seen.insert(b) {
                        group.insert(b);
                        stack.push(b);
                    }
                }
            }
            if group.len() > 1 {
                groups.push(group.into_iter().map(String::from).collect());
            }
        }
        groups
    }

    /// Graphviz text of the graph, for reports.
    pub fn to_dot(&self) -> String {
        let label = |n: &Node| match n {
            Node::Agent(a) => format!("agent {a}"),
            Node::Tool(t) => format!("tool {t}"),
            Node::Resource(r) => format!("resource {r}"),
            Node::Sink(e) => format!("sink {}", e.as_str()),
            Node::Source(k) => format!("source {k:?}").to_lowercase(),
            Node::Memory(a) => format!("memory of {a}"),
        };
        let mut out = String::from("digraph capabilities {\n");
        for i in self.graph.node_indices() {
            if let Some(n) = self.graph.node_weight(i) {
                out.push_str(&format!(
                    "  n{} [label={}];\n",
                    i.index(),
                    dot_string(&label(n))
                ));
            }
        }
        for e in self.graph.edge_references() {
            let l = match e.weight() {
                Edge::Grant { .. } => "grant".to_string(),
                Edge::Produces => "produces".into(),
                Edge::Output(_) => "output".into(),
                Edge::Reads => "reads".into(),
                Edge::Writes => "writes".into(),
                Edge::Effect => "effect".into(),
                Edge::Delegates => "delegates".into(),
                Edge::Channel(c) => format!("channel {}", c.resource_type),
                Edge::Remembers => "remembers".into(),
                Edge::Recalls => "recalls".into(),
            };
            out.push_str(&format!(
                "  n{} -> n{} [label={}];\n",
                e.source().index(),
                e.target().index(),
                dot_string(&l)
            ));
        }
        out.push_str("}\n");
        out
    }
}

/// A hop of a flow between agents.
#[derive(Debug, Clone, Copy)]
pub enum Hop<'g> {
    Channel(&'g Channel),
    DelegatesTo,
    ResultTo,
}

impl Hop<'_> {
    fn order(&self) -> (u8, &str, &str) {
        match self {
            Hop::Channel(c) => (0, c.writer_tool.as_str(), c.reader_tool.as_str()),
            Hop::DelegatesTo => (1, "", ""),
            Hop::ResultTo => (2, "", ""),
        }
    }
}

/// Tools that change a resource others can read.
pub fn writes(tool: &Tool) -> bool {
    tool.effects.contains(&Effect::Write)
}

/// A Graphviz quoted string with every special character escaped.
fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Readers of one resource type indexed by the literal prefixes of the names
/// they may use (see [`ChannelOracle::prefixes`]).
struct PrefixIndex {
    by_prefix: BTreeMap<String, Vec<usize>>,
    /// Readers with no known prefix: candidates for every writer.
    any: Vec<usize>,
    len: usize,
}

impl PrefixIndex {
    fn new(readers: impl Iterator<Item = Option<Vec<String>>>) -> PrefixIndex {
        let mut index = PrefixIndex {
            by_prefix: BTreeMap::new(),
            any: Vec::new(),
            len: 0,
        };
        for (i, prefixes) in readers.enumerate() {
            index.len = i + 1;
            match prefixes {
                None => index.any.push(i),
                Some(ps) => {
                    for p in ps {
                        index.by_prefix.entry(p).or_default().push(i);
                    }
                }
            }
        }
        index
    }

    /// The readers a writer with these prefixes may share a name with, in
    /// reader order: those with a prefix that extends one of the writer's or
    /// that one of the writer's extends.
    fn candidates(&self, writer: Option<&[String]>) -> Vec<usize> {
        let Some(prefixes) = writer else {
            return (0..self.len).collect();
        };
        let mut out = self.any.clone();
        for p in prefixes {
            let shorter = p
                .char_indices()
                .map(|(i, _)| &p[..i])
                .chain(std::iter::once(p.as_str()));
            for q in shorter {
                if let Some(rs) = self.by_prefix.get(q) {
                    out.extend(rs);
                }
            }
            let longer = self
                .by_prefix
                .range::<str, _>((
                    std::ops::Bound::Excluded(p.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(k, _)| k.starts_with(p.as_str()));
            for (_, rs) in longer {
                out.extend(rs);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
