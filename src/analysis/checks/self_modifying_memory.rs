//! ## What it does
//! Finds agents that can write memory or instructions they later read back,
//! while untrusted content reaches them: an agent with `memory writable`, or
//! one that writes a resource it also reads (a notes document, a prompt
//! file, a ticket it re-reads), as decided by the solver from the two grants'
//! resource constraints.
//!
//! ## Why it matters
//! A prompt injection that only lasts one turn becomes permanent once the
//! agent writes it into its own memory: every later session starts from the
//! attacker's instructions.
//!
//! ## Example
//! ```text
//! agent assistant {
//!   memory writable
//!   allow web.fetch
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! agent assistant {
//!   memory read_only
//!   allow web.fetch extract enum
//! }
//! ```

use crate::analysis::flow::{self, Level, Reach};
use crate::analysis::smt::Assignment;
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::graph::{Channel, Overlap};
use crate::model::{Agent, Memory, Tool};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    code: Code::new("AP214", Severity::Error),
    name: "self-modifying-memory",
    summary: "an agent reachable by untrusted input writes memory it later reads",
    source: include_str!("self_modifying_memory.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// How the agent writes what it reads back later.
pub enum Loop<'m> {
    /// Its declared memory is writable.
    Memory,
    /// It writes a resource with `writer` and reads it back with `reader`.
    Channel { writer: &'m Tool, reader: &'m Tool },
}

/// An agent reached by untrusted input that writes what it reads back.
pub struct Finding<'m> {
    agent: &'m Agent,
    reach: Reach,
    how: Loop<'m>,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let flows = cx.flows();
    let model = cx.model;
    let mut found = Vec::new();
    // Each agent's first channel to itself (it writes what it reads), in
    // the graph's channel order: collected once, not searched per agent.
    let mut loops: BTreeMap<String, Channel> = BTreeMap::new();
    for (w, r, c) in cx.graph.channel_edges() {
        if w == r && !loops.contains_key(w) {
            loops.insert(w.to_string(), c.clone());
        }
    }
    for agent in model.agents.values() {
        let Some(reach) = flows.untrusted_reach.get(&agent.name) else {
            continue;
        };
        let own = loops.remove(agent.name.as_str());
        let (mut path, mut calls) = flow::witness_of(cx, reach, "returns untrusted content");
        let how = if agent.memory == Memory::Writable {
            path.push(Step::memory(agent, "written by the agent"));
            path.push(Step::agent(agent, "reads it back in later sessions"));
            Loop::Memory
        } else if let Some(c) = own {
            let (Some(w), Some(r)) = (
                model.tools.get(&c.writer_tool),
                model.tools.get(&c.reader_tool),
            ) else {
                continue;
            };
            if let Overlap::Proven(shared) = &c.overlap {
                path.push(Step::tool(w, "writes"));
                path.push(Step::resource(
                    &c.resource_type,
                    &shared.name,
                    "its own memory",
                ));
                path.push(Step::tool(r, "reads it back"));
                let wa = Assignment {
                    args: shared.writer_args.clone(),
                    justification: shared.writer_justification.clone(),
                };
                let ra = Assignment {
                    args: shared.reader_args.clone(),
                    justification: shared.reader_justification.clone(),
                };
                calls.push(cx.call(agent, w, &wa, State::default(), Expect::NotDeny));
                calls.push(cx.call(agent, r, &ra, State::default(), Expect::NotDeny));
            }
            Loop::Channel {
                writer: w,
                reader: r,
            }
        } else {
            continue;
        };
        found.push(Finding {
            agent,
            reach: reach.clone(),
            how,
            witness: Witness::new(path, calls),
        });
    }
    found
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, reach) = (f.agent, &f.reach);
    let mut d = match f.how {
        Loop::Memory => CHECK
            .diag(format!(
                "agent `{}` has writable memory and reads untrusted input from `{}`",
                agent.name, reach.source.tool
            ))
            .primary(cx.setting_in_agent(agent, "memory"), "writable memory"),
        Loop::Channel {
            writer: w,
            reader: r,
        } => {
            let mut d = CHECK.diag(format!(
                "agent `{}` writes with `{}` what it reads back with `{}`, and reads untrusted input from `{}`",
                agent.name, w.name, r.name, reach.source.tool
            ));
            if let Some(g) = agent.grants.iter().position(|g| g.tool == w.name) {
                d = d.primary(cx.grant_span(agent, g), "writes the resource");
            }
            if let Some(g) = agent
                .grants
                .iter()
                .position(|g| g.tool == r.name && r.name != w.name)
            {
                d = d.secondary(cx.grant_span(agent, g), "reads it back");
            }
            d
        }
    };
    if let Some(src) = cx.model.agents.get(&reach.source.agent) {
        d = d.secondary(
            cx.grant_span(src, reach.source.grant),
            format!("untrusted input: `{}`", reach.source.tool),
        );
    }
    if !reach.hops.is_empty() {
        d = d.note(format!(
            "how the input arrives: {}",
            flow::describe_hops(reach)
        ));
    }
    if matches!(reach.source.level, Level::Untrusted(Some(_))) {
        d = d.with_severity(Severity::Warning).note(
            "the input passes a text sanitizer, which lowers the risk but does not remove it",
        );
    }
    let d = d
        .help("make memory `read_only` (or keep the agent's writes and reads on different resources), or reduce the untrusted input to a typed value")
        .witness(f.witness.json());
    Report::new([agent.name.as_str()], d)
}
