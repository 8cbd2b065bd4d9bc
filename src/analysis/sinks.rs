//! The sinks of the flow checks (AP201, AP203, AP204, AP205). Input: an
//! agent and a kind of [`Sink`]. Output: [`FreeCalls`], each tool of that
//! kind the agent can call without approval, with such a call and the grant
//! that allows it; [`exposures`] pairs them with what reaches each agent.

use super::smt::Assignment;
use super::{facts, Cx, Granted};
use crate::model::resources::attr_cond;
use crate::model::{Agent, Cond, Effect, Tool};

/// Which tools of an agent a flow check treats as sinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Writes, deletes, communicates, executes, merges or administers.
    Privileged,
    /// Communicates externally or changes state (privileged, or network).
    Acts,
    /// Communicates or uses the network, called on an external destination.
    External,
}

/// Effects that communicate externally or change state.
const ACTS: [Effect; 7] = [
    Effect::Communicate,
    Effect::Network,
    Effect::Write,
    Effect::Delete,
    Effect::Execute,
    Effect::Merge,
    Effect::Admin,
];

impl Sink {
    fn admits(self, tool: &Tool) -> bool {
        match self {
            Sink::Privileged => tool.effects.iter().any(|e| e.is_privileged()),
            Sink::Acts => tool.effects.iter().any(|e| ACTS.contains(e)),
            Sink::External => {
                tool.effects.contains(&Effect::Communicate)
                    || tool.effects.contains(&Effect::Network)
            }
        }
    }
}

/// A sink tool an agent can call without approval.
#[derive(Debug, Clone)]
pub struct FreeCall<'m> {
    pub tool: &'m Tool,
    /// A call no approval covers (for [`Sink::External`], to an external
    /// destination).
    pub call: Assignment,
    /// The agent's grant that allows `call`.
    pub grant: usize,
}

/// The sink tools of one agent, in name order, each asked of the solver
/// only when [`FreeCalls::next`] reaches it.
pub struct FreeCalls<'m> {
    agent: &'m Agent,
    sink: Sink,
    tools: std::vec::IntoIter<Granted<'m>>,
}

impl<'m> FreeCalls<'m> {
    pub fn of(cx: &Cx<'m>, agent: &'m Agent, sink: Sink) -> FreeCalls<'m> {
        FreeCalls {
            agent,
            sink,
            tools: cx.granted(agent).into_iter(),
        }
    }

    /// The next sink tool with a call that needs no approval.
    pub fn next(&mut self, cx: &mut Cx<'m>) -> Option<FreeCall<'m>> {
        let agent = self.agent;
        for granted in self.tools.by_ref() {
            let tool = granted.tool;
            if !self.sink.admits(tool) {
                continue;
            }
            let call = match self.sink {
                Sink::Privileged | Sink::Acts => cx.free(agent, tool),
                Sink::External => external_call(cx, agent, tool),
            };
            if let Some(call) = call {
                let grant = cx.deciding_grant(&granted, &call);
                return Some(FreeCall { tool, call, grant });
            }
        }
        None
    }
}

/// A call without approval to an external destination: a resource marked
/// external, or any destination when the tool declares no resource.
fn external_call<'m>(cx: &mut Cx<'m>, agent: &'m Agent, tool: &'m Tool) -> Option<Assignment> {
    let model = cx.model;
    let external = match &tool.resource {
        Some(r) => match model.resource_types.get(&r.ty) {
            Some(ty) => attr_cond(&model.resources, ty, &r.arg, |a| a.external),
            None => Cond::False,
        },
        None => Cond::True,
    };
    if external == Cond::False {
        return None;
    }
    let cond = Cond::and(vec![facts::free(agent, tool), external]);
    cx.sat1(tool, cond, agent, || {
        format!(
            "whether `{}` can send to an external destination with `{}` without approval",
            agent.name, tool.name
        )
    })
}

/// An agent, what reaches it, and one sink it can call without approval.
#[derive(Debug, Clone)]
pub struct Exposure<'m, R> {
    pub agent: &'m Agent,
    pub reach: R,
    pub sink: FreeCall<'m>,
}

/// For each agent `reach` gives something for (in name order), each sink
/// of kind `sink` it can call without approval.
pub fn exposures<'m, R: Clone>(
    cx: &mut Cx<'m>,
    sink: Sink,
    mut reach: impl FnMut(&'m Agent) -> Option<R>,
) -> Vec<Exposure<'m, R>> {
    let model = cx.model;
    let mut out = Vec::new();
    for agent in model.agents.values() {
        let Some(r) = reach(agent) else { continue };
        let mut sinks = FreeCalls::of(cx, agent, sink);
        while let Some(s) = sinks.next(cx) {
            out.push(Exposure {
                agent,
                reach: r.clone(),
                sink: s,
            });
        }
    }
    out
}

/// One agent, what reaches it, and every sink of the kind it can call
/// without approval: flow checks report one finding per risk, listing all
/// its sinks, not one finding per sink.
#[derive(Debug, Clone)]
pub struct Exposed<'m, R> {
    pub agent: &'m Agent,
    pub reach: R,
    /// The first sink, in tool-name order.
    pub sink: FreeCall<'m>,
    /// The other sinks, in tool-name order.
    pub more: Vec<FreeCall<'m>>,
}

impl<'m, R> Exposed<'m, R> {
    /// Every sink, the first one first.
    pub fn sinks(&self) -> impl Iterator<Item = &FreeCall<'m>> {
        std::iter::once(&self.sink).chain(&self.more)
    }
}

/// [`exposures`], grouped by agent (in the same order).
pub fn exposed<'m, R: Clone>(
    cx: &mut Cx<'m>,
    sink: Sink,
    reach: impl FnMut(&'m Agent) -> Option<R>,
) -> Vec<Exposed<'m, R>> {
    let mut out: Vec<Exposed<'m, R>> = Vec::new();
    for e in exposures(cx, sink, reach) {
        match out.last_mut() {
            Some(last) if std::ptr::eq(last.agent, e.agent) => last.more.push(e.sink),
            _ => out.push(Exposed {
                agent: e.agent,
                reach: e.reach,
                sink: e.sink,
                more: Vec::new(),
            }),
        }
    }
    out
}

/// The witness JSON of a grouped finding: `witness`'s calls are the
/// reaching calls followed by one call per sink (`first_sink` is the index
/// of the first); with more than one sink, `sinks` lists each sink tool with
/// its witness call.
pub fn grouped_witness<R>(
    witness: &super::Witness,
    first_sink: usize,
    exposed: &Exposed<'_, R>,
) -> serde_json::Value {
    let mut json = witness.json();
    if !exposed.more.is_empty() {
        let list: Vec<serde_json::Value> = exposed
            .sinks()
            .zip(witness.calls.iter().skip(first_sink))
            .map(|(s, c)| serde_json::json!({"tool": s.tool.name, "call": c}))
            .collect();
        if let Some(o) = json.as_object_mut() {
            o.insert("sinks".into(), serde_json::Value::Array(list));
        }
    }
    json
}

/// `` `a`, `b` and `c` ``: the sink tools for a message.
pub fn tool_list<R>(exposed: &Exposed<'_, R>) -> String {
    let names: Vec<String> = exposed
        .sinks()
        .map(|s| format!("`{}`", s.tool.name))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}
