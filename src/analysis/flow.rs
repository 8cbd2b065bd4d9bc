//! Flows of untrusted content and private data through the capability graph.
//! Input: the graph and the solver (through [`Cx`]). Output: [`Flows`]: per
//! agent, the sources it reads directly, and the best path by which content
//! from some source reaches it across agents (shared channels, delegation).
//!
//! Taint follows PRODUCT.md: typed extraction (`extract bool|int|enum`)
//! removes a tool's output from the untrusted sources altogether (a number or
//! an enum cannot carry instructions); a text sanitizer (`via`) keeps it as a
//! source with lower severity. An agent influenced by untrusted content
//! influences everything it writes and everyone it delegates to or returns
//! results to.

use super::smt::Assignment;
use super::Cx;
use crate::graph::{Hop as GraphHop, Overlap};
use crate::model::resources::attr_cond;
use crate::model::{Cond, Sensitivity, Trust};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    /// Untrusted text; `Some(sanitizer)` when it passes a text sanitizer.
    Untrusted(Option<String>),
    Private(Sensitivity),
}

impl Level {
    /// Lower is worse (reported first).
    fn rank(&self) -> u8 {
        match self {
            Level::Untrusted(None) => 0,
            Level::Untrusted(Some(_)) => 1,
            Level::Private(Sensitivity::Secret) => 0,
            Level::Private(_) => 1,
        }
    }
}

/// A grant through which an agent reads a source, with a call that reads it.
#[derive(Debug, Clone)]
pub struct Source {
    pub agent: String,
    pub grant: usize,
    pub tool: String,
    pub level: Level,
    pub call: Assignment,
    /// For private data read from a resource: its type and name.
    pub resource: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum HopKind {
    Channel {
        resource_type: String,
        writer_tool: String,
        reader_tool: String,
        overlap: Overlap,
    },
    DelegatesTo,
    ResultTo,
}

#[derive(Debug, Clone)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub kind: HopKind,
}

/// How content from `source` reaches an agent: the hops from the source's
/// agent (empty when the agent reads the source itself).
#[derive(Debug, Clone)]
pub struct Reach {
    pub source: Source,
    pub hops: Vec<Hop>,
}

impl Reach {
    fn key(&self) -> (u8, usize, String, usize) {
        (
            self.source.level.rank(),
            self.hops.len(),
            self.source.agent.clone(),
            self.source.grant,
        )
    }
}

#[derive(Debug, Default)]
pub struct Flows {
    pub untrusted: BTreeMap<String, Vec<Source>>,
    pub private: BTreeMap<String, Vec<Source>>,
    pub untrusted_reach: BTreeMap<String, Reach>,
    pub private_reach: BTreeMap<String, Reach>,
}

impl Flows {
    pub fn compute(cx: &mut Cx<'_>) -> Flows {
        let mut f = Flows::default();
        let agents: Vec<_> = cx.agents().collect();
        for agent in agents {
            let mut untrusted = Vec::new();
            let mut private = Vec::new();
            for (i, g) in agent.grants.iter().enumerate() {
                let Some(tool) = cx.tool(&g.tool) else {
                    continue;
                };
                let reads_untrusted = tool.trust == Trust::Untrusted && g.extract.is_none();
                let reads_resource =
                    tool.resource.is_some() && tool.effects.contains(&crate::model::Effect::Read);
                if !reads_untrusted
                    && tool.sensitivity < Sensitivity::Confidential
                    && !reads_resource
                {
                    continue;
                }
                let Some(call) = cx.live(agent, i) else {
                    continue;
                };
                let source = |level: Level, call: Assignment, resource| Source {
                    agent: agent.name.clone(),
                    grant: i,
                    tool: tool.name.clone(),
                    level,
                    call,
                    resource,
                };
                if reads_untrusted {
                    untrusted.push(source(
                        Level::Untrusted(g.sanitizer.clone()),
                        call.clone(),
                        None,
                    ));
                }
                if tool.sensitivity >= Sensitivity::Confidential {
                    private.push(source(Level::Private(tool.sensitivity), call.clone(), None));
                } else if let (true, Some(r)) = (reads_resource, &tool.resource) {
                    // Reading a confidential or secret resource instance.
                    let Some(ty) = cx.model.resource_types.get(&r.ty) else {
                        continue;
                    };
                    for level in [Sensitivity::Secret, Sensitivity::Confidential] {
                        let sensitive =
                            attr_cond(&cx.model.resources, ty, &r.arg, |a| a.sensitivity == level);
                        if sensitive == Cond::False {
                            continue;
                        }
                        let cond = Cond::and(vec![super::facts::live(agent, tool, i), sensitive]);
                        if let Some(a) = cx.sat1(tool, cond, agent, || {
                            format!(
                                "whether grant `{}` reads a {} `{}`",
                                g.id,
                                level.as_str(),
                                r.ty
                            )
                        }) {
                            let name = a
                                .args
                                .get(&r.arg)
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_string();
                            private.push(source(
                                Level::Private(level),
                                a,
                                Some((r.ty.clone(), name)),
                            ));
                            break;
                        }
                    }
                }
            }
            untrusted.sort_by(|a, b| {
                (a.level.rank(), &a.tool, a.grant).cmp(&(b.level.rank(), &b.tool, b.grant))
            });
            private.sort_by(|a, b| {
                (a.level.rank(), &a.tool, a.grant).cmp(&(b.level.rank(), &b.tool, b.grant))
            });
            if !untrusted.is_empty() {
                f.untrusted.insert(agent.name.clone(), untrusted);
            }
            if !private.is_empty() {
                f.private.insert(agent.name.clone(), private);
            }
        }
        f.untrusted_reach = reach(cx, &f.untrusted);
        f.private_reach = reach(cx, &f.private);
        f
    }
}

/// Best reach per agent: worst level first, then fewest hops.
fn reach(cx: &Cx<'_>, direct: &BTreeMap<String, Vec<Source>>) -> BTreeMap<String, Reach> {
    let mut best: BTreeMap<String, Reach> = BTreeMap::new();
    for (agent, sources) in direct {
        if let Some(s) = sources.first() {
            best.insert(
                agent.clone(),
                Reach {
                    source: s.clone(),
                    hops: Vec::new(),
                },
            );
        }
    }
    // Relax until nothing improves; each round extends paths by one hop.
    for _ in 0..=cx.model.agents.len() {
        let mut changed = false;
        let current: Vec<(String, Reach)> =
            best.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (agent, r) in current {
            for (next, hop) in cx.graph.flows_from(&agent) {
                let kind = match hop {
                    GraphHop::Channel(c) => HopKind::Channel {
                        resource_type: c.resource_type.clone(),
                        writer_tool: c.writer_tool.clone(),
                        reader_tool: c.reader_tool.clone(),
                        overlap: c.overlap.clone(),
                    },
                    GraphHop::DelegatesTo => HopKind::DelegatesTo,
                    GraphHop::ResultTo => HopKind::ResultTo,
                };
                let mut hops = r.hops.clone();
                hops.push(Hop {
                    from: agent.clone(),
                    to: next.to_string(),
                    kind,
                });
                let candidate = Reach {
                    source: r.source.clone(),
                    hops,
                };
                let better = match best.get(next) {
                    None => true,
                    Some(old) => candidate.key() < old.key(),
                };
                if better && next != r.source.agent {
                    best.insert(next.to_string(), candidate);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    best
}

/// The witness steps and calls of a reach: the call that reads the source,
/// then for each hop the agents and, for a channel, the write and the read
/// of the same resource.
pub fn witness_of(
    cx: &mut Cx<'_>,
    r: &Reach,
    source_role: &str,
) -> (Vec<super::witness::Step>, Vec<super::witness::Call>) {
    use super::witness::{Expect, State, Step};
    let mut steps = Vec::new();
    let mut calls = Vec::new();
    let model = cx.model;
    let (Some(agent), Some(tool)) = (
        model.agents.get(&r.source.agent),
        model.tools.get(&r.source.tool),
    ) else {
        return (steps, calls);
    };
    steps.push(Step::tool(tool, source_role));
    if let Some((ty, name)) = &r.source.resource {
        steps.push(Step::resource(ty, name, "read from"));
    }
    steps.push(Step::agent(agent, "reads it into its context"));
    calls.push(cx.call(
        agent,
        tool,
        &r.source.call,
        State::default(),
        Expect::NotDeny,
    ));
    for hop in &r.hops {
        let (Some(from), Some(to)) = (model.agents.get(&hop.from), model.agents.get(&hop.to))
        else {
            continue;
        };
        match &hop.kind {
            HopKind::Channel {
                resource_type,
                writer_tool,
                reader_tool,
                overlap,
            } => {
                let (Some(w), Some(rd)) =
                    (model.tools.get(writer_tool), model.tools.get(reader_tool))
                else {
                    continue;
                };
                match overlap {
                    Overlap::Proven(shared) => {
                        steps.push(Step::tool(w, format!("`{}` writes", from.name)));
                        steps.push(Step::resource(
                            resource_type,
                            &shared.name,
                            "shared channel",
                        ));
                        steps.push(Step::tool(rd, format!("`{}` reads", to.name)));
                        let wa = Assignment {
                            args: shared.writer_args.clone(),
                            justification: shared.writer_justification.clone(),
                        };
                        let ra = Assignment {
                            args: shared.reader_args.clone(),
                            justification: shared.reader_justification.clone(),
                        };
                        calls.push(cx.call(from, w, &wa, State::default(), Expect::NotDeny));
                        calls.push(cx.call(to, rd, &ra, State::default(), Expect::NotDeny));
                    }
                    Overlap::Unknown(_) => {
                        steps.push(Step::tool(
                            w,
                            format!("`{}` writes (overlap undecided)", from.name),
                        ));
                        steps.push(Step::tool(rd, format!("`{}` reads", to.name)));
                    }
                }
                steps.push(Step::agent(to, "reads it into its context"));
            }
            HopKind::DelegatesTo => steps.push(Step::agent(
                to,
                format!("receives a task from `{}`", from.name),
            )),
            HopKind::ResultTo => steps.push(Step::agent(
                to,
                format!("receives the result of `{}`", from.name),
            )),
        }
    }
    (steps, calls)
}

/// "`a` → `b` (via `ticket "X"`)" descriptions of the hops, for notes.
pub fn describe_hops(r: &Reach) -> String {
    let mut parts = vec![format!("`{}`", r.source.agent)];
    for h in &r.hops {
        let how = match &h.kind {
            HopKind::Channel {
                resource_type,
                overlap: Overlap::Proven(shared),
                ..
            } => {
                format!(
                    "writes `{resource_type}` \"{}\" read by",
                    shared.name.escape_debug()
                )
            }
            HopKind::Channel { resource_type, .. } => format!("writes a `{resource_type}` read by"),
            HopKind::DelegatesTo => "delegates to".into(),
            HopKind::ResultTo => "returns results to".into(),
        };
        parts.push(format!("{how} `{}`", h.to));
    }
    parts.join(" ")
}
