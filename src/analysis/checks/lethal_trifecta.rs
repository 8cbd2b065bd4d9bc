//! ## What it does
//! Finds the "lethal trifecta", also called breaking the rule of two: one
//! agent, or a group of agents joined by shared channels or delegation, that
//! combines all three of
//! 1. untrusted input (a tool with `output untrusted`, not reduced by typed
//!    extraction),
//! 2. private data (a tool returning `confidential` or `secret` data, or
//!    reading a resource instance marked so), and
//! 3. external communication or a state change (communicate, network,
//!    write, delete, execute, merge, admin) that needs no approval.
//!
//! ## Why it matters
//! Any two are manageable; all three let injected instructions read private
//! data and send it out or act on it. Splitting the three over agents that
//! share a ticket queue or delegate to each other does not help: the
//! instructions travel with the data.
//!
//! ## Example
//! ```text
//! agent assistant {
//!   allow mail.read                  # untrusted
//!   allow crm.lookup                 # confidential
//!   allow mail.send                  # external communication
//! }
//! ```
//!
//! ## Use instead
//! Drop one leg, or put a human on the third:
//! ```text
//! agent assistant {
//!   allow mail.read extract enum
//!   allow crm.lookup
//!   allow mail.send approve always by group "support-leads"
//! }
//! ```

use crate::analysis::flow::{self, Level, Reach};
use crate::analysis::sinks::{FreeCall, FreeCalls, Sink};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{effects, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Tool};
use std::collections::{BTreeMap, BTreeSet};

pub const CHECK: Check = Check {
    code: Code::new("AP203", Severity::Error),
    name: "lethal-trifecta",
    summary: "untrusted input, private data and external action meet in one agent or group",
    source: include_str!("lethal_trifecta.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// Where the three legs meet.
pub enum Meeting {
    /// In one agent's context, directly or through channels and delegation.
    Agent,
    /// In a group of agents joined by channels or delegation (their names),
    /// with no single flow connecting the legs.
    Group(Vec<String>),
}

/// A leg of the trifecta that reads something: its reach, and the agent and
/// tool at its source.
pub struct Leg<'m> {
    reach: Reach,
    agent: &'m Agent,
    tool: &'m Tool,
}

/// Untrusted input, private data and an action without approval that meet.
pub struct Finding<'m> {
    meeting: Meeting,
    /// The agents concerned: the actor first.
    agents: Vec<&'m Agent>,
    untrusted: Leg<'m>,
    private: Leg<'m>,
    actor: &'m Agent,
    act: FreeCall<'m>,
    witness: Witness,
}

/// The first tool (by name) the agent can use to act without approval.
fn act<'m>(cx: &mut Cx<'m>, agent: &'m Agent) -> Option<FreeCall<'m>> {
    FreeCalls::of(cx, agent, Sink::Acts).next(cx)
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let flows = cx.flows();
    let mut found = Vec::new();
    let mut met = BTreeSet::new();
    let model = cx.model;
    // One agent whose context receives all three, directly or through
    // channels and delegation.
    for agent in model.agents.values() {
        let (Some(u), Some(p)) = (
            flows.untrusted_reach.get(&agent.name),
            flows.private_reach.get(&agent.name),
        ) else {
            continue;
        };
        let Some(call) = act(cx, agent) else {
            continue;
        };
        met.insert(agent.name.clone());
        let mut involved = vec![agent];
        for r in [u, p] {
            if let Some(a) = model.agents.get(&r.source.agent) {
                if !involved.iter().any(|x| x.name == a.name) {
                    involved.push(a);
                }
            }
        }
        found.extend(finding(
            cx,
            Meeting::Agent,
            involved,
            u.clone(),
            p.clone(),
            (agent, call),
        ));
    }
    // A group where the three legs sit in different agents that no single
    // flow connects: still one blast radius.
    for group in cx.graph.groups() {
        if group.iter().any(|a| met.contains(a)) {
            continue;
        }
        let members: Vec<&Agent> = group.iter().filter_map(|a| model.agents.get(a)).collect();
        let direct = |m: &BTreeMap<String, Vec<flow::Source>>| {
            members
                .iter()
                .find_map(|a| m.get(&a.name).and_then(|s| s.first()).cloned())
        };
        let (Some(u), Some(p)) = (direct(&flows.untrusted), direct(&flows.private)) else {
            continue;
        };
        let mut e = None;
        for m in &members {
            if let Some(call) = act(cx, m) {
                e = Some((*m, call));
                break;
            }
        }
        let Some(e) = e else { continue };
        let reach = |s: flow::Source| Reach {
            source: s,
            hops: Vec::new(),
        };
        let meeting = Meeting::Group(group.to_vec());
        found.extend(finding(cx, meeting, members, reach(u), reach(p), e));
    }
    found
}

/// The finding with its witness: the untrusted leg, the private leg, the act.
fn finding<'m>(
    cx: &mut Cx<'m>,
    meeting: Meeting,
    agents: Vec<&'m Agent>,
    u: Reach,
    p: Reach,
    (actor, act): (&'m Agent, FreeCall<'m>),
) -> Option<Finding<'m>> {
    let model = cx.model;
    let leg = |reach: Reach| {
        Some(Leg {
            agent: model.agents.get(&reach.source.agent)?,
            tool: model.tools.get(&reach.source.tool)?,
            reach,
        })
    };
    let (untrusted, private) = (leg(u)?, leg(p)?);
    let (mut path, mut calls) = flow::witness_of(cx, &untrusted.reach, "returns untrusted content");
    let (ppath, pcalls) = flow::witness_of(
        cx,
        &private.reach,
        &format!("returns {} data", level_name(&private.reach.source.level)),
    );
    path.extend(ppath);
    calls.extend(pcalls);
    path.push(Step::tool(
        act.tool,
        format!(
            "`{}` acts: {} without approval",
            actor.name,
            effects(act.tool)
        ),
    ));
    calls.push(cx.call(actor, act.tool, &act.call, State::default(), Expect::Allow));
    Some(Finding {
        meeting,
        agents,
        untrusted,
        private,
        actor,
        act,
        witness: Witness::new(path, calls),
    })
}

fn message(f: &Finding<'_>) -> String {
    let (u, p) = (&f.untrusted.reach, &f.private.reach);
    match &f.meeting {
        Meeting::Agent => {
            let from = |r: &Reach| {
                if r.hops.is_empty() {
                    format!("`{}`", r.source.tool)
                } else {
                    format!("`{}` via `{}`", r.source.tool, r.source.agent)
                }
            };
            format!(
                "agent `{}` combines untrusted input ({}), private data ({}) and `{}` ({}) without approval",
                f.actor.name,
                from(u),
                from(p),
                f.act.tool.name,
                effects(f.act.tool)
            )
        }
        Meeting::Group(group) => {
            let names: Vec<String> = group.iter().map(|a| format!("`{a}`")).collect();
            format!(
                "agents {} are joined by shared channels or delegation and together combine untrusted input (`{}` in `{}`), private data (`{}` in `{}`) and `{}` in `{}` without approval",
                names.join(", "),
                u.source.tool,
                u.source.agent,
                p.source.tool,
                p.source.agent,
                f.act.tool.name,
                f.actor.name
            )
        }
    }
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (u, p) = (&f.untrusted, &f.private);
    let mut d = CHECK
        .diag(message(f))
        .primary(cx.grant_span(f.actor, f.act.grant), format!("acts with `{}` without approval", f.act.tool.name))
        .secondary(cx.grant_span(u.agent, u.reach.source.grant), format!("untrusted input: `{}`", u.tool.name))
        .secondary(cx.grant_span(p.agent, p.reach.source.grant), format!("{} data: `{}`", level_name(&p.reach.source.level), p.tool.name))
        .help("remove one leg: reduce the untrusted output with `extract enum|int|bool`, drop the private data source, or require approval for the action");
    if let Level::Untrusted(Some(s)) = &u.reach.source.level {
        d = d
            .with_severity(Severity::Warning)
            .note(format!("the untrusted input passes sanitizer `{s}`, which lowers the risk but does not remove it"));
    }
    if !u.reach.hops.is_empty() {
        d = d.note(format!(
            "how the untrusted input arrives: {}",
            flow::describe_hops(&u.reach)
        ));
    }
    if !p.reach.hops.is_empty() {
        d = d.note(format!(
            "how the private data arrives: {}",
            flow::describe_hops(&p.reach)
        ));
    }
    let d = d.witness(f.witness.json());
    Report::new(f.agents.iter().map(|a| a.name.as_str()), d)
}

fn level_name(l: &Level) -> &'static str {
    match l {
        Level::Private(s) => s.as_str(),
        Level::Untrusted(_) => "untrusted",
    }
}
