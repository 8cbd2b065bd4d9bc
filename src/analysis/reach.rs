//! What each agent can reach, for reports: per granted tool, a call the
//! reference evaluator permits and a call it allows without any approval
//! (or the proof that none exists), and the channels between agents. Input:
//! the checked [`Model`] and the solver limits. Output: [`Reach`], whose
//! calls were found by the solver and replayed through `decide`.

use super::facts::Facts;
use super::smt::{Answer, Limits};
use super::witness::{self, State};
use crate::graph::{CapabilityGraph, Overlap};
use crate::model::{Model, Outcome};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether some call exists, with the call.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Exists {
    /// This request is decided as claimed.
    Yes {
        request: Value,
        decision: Outcome,
    },
    /// The solver proved that no call exists.
    No,
    Unknown {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ToolReach {
    pub tool: String,
    /// A call that is not denied.
    pub permitted: Exists,
    /// A call allowed without any approval.
    pub free: Exists,
}

/// A resource one agent writes and another reads.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelReach {
    pub writer: String,
    pub reader: String,
    pub resource_type: String,
    pub writer_tool: String,
    pub reader_tool: String,
    /// A resource name both may use; `None` when the solver could not decide
    /// (the channel is kept: fail closed).
    pub shared: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reach {
    pub tools: BTreeMap<String, Vec<ToolReach>>,
    pub channels: Vec<ChannelReach>,
}

/// Computes [`Reach`] in a solver context of its own.
pub fn reach(model: &Model, limits: Limits) -> Reach {
    super::smt::with_fresh_context(|| {
        let mut facts = Facts::new(model, limits);
        let graph = CapabilityGraph::build(model, &mut facts);
        let mut out = Reach::default();
        for agent in model.agents.values() {
            let mut tools = Vec::new();
            for name in agent.granted_tools() {
                let Some(tool) = model.tools.get(name) else {
                    continue;
                };
                let exists = |a: Answer, want_free: bool| match a {
                    Answer::Sat(mut calls) => match calls.pop() {
                        Some(call) => {
                            let request = witness::request(agent, tool, &call, State::default());
                            let decision = witness::decide(model, &request).decision;
                            let ok = if want_free {
                                decision == Outcome::Allow
                            } else {
                                decision != Outcome::Deny
                            };
                            if ok {
                                Exists::Yes { request, decision }
                            } else {
                                Exists::Unknown {
                                    reason: format!(
                                        "the solver's call was decided {}",
                                        decision.as_str()
                                    ),
                                }
                            }
                        }
                        None => Exists::Unknown {
                            reason: "the solver gave no call".into(),
                        },
                    },
                    Answer::Unsat => Exists::No,
                    Answer::Unknown(reason) => Exists::Unknown { reason },
                };
                let permitted = exists(facts.permitted(agent, tool), false);
                let free = exists(facts.free(agent, tool), true);
                tools.push(ToolReach {
                    tool: tool.name.clone(),
                    permitted,
                    free,
                });
            }
            out.tools.insert(agent.name.clone(), tools);
        }
        for (writer, reader, c) in graph.channel_edges() {
            out.channels.push(ChannelReach {
                writer: writer.to_string(),
                reader: reader.to_string(),
                resource_type: c.resource_type.clone(),
                writer_tool: c.writer_tool.clone(),
                reader_tool: c.reader_tool.clone(),
                shared: match &c.overlap {
                    Overlap::Proven(s) => Some(s.name.clone()),
                    Overlap::Unknown(_) => None,
                },
            });
        }
        out
    })
}
