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

use crate::analysis::flow::{self, Level};
use crate::analysis::smt::Assignment;
use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, effects, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Effect, Tool};

pub const CHECK: Check = Check {
    code: Code::new("AP203", Severity::Error),
    name: "lethal-trifecta",
    summary: "untrusted input, private data and external action meet in one agent or group",
    source: check_source!(),
    run,
    witness: true,
};

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

/// The first tool (by name) the agent can use to act without approval.
fn act<'m>(cx: &mut Cx<'m>, agent: &'m Agent) -> Option<(&'m Tool, Assignment)> {
    for tool in cx.granted_tools(agent) {
        if !tool.effects.iter().any(|e| ACTS.contains(e)) {
            continue;
        }
        if let Some(a) = cx.free(agent, tool) {
            return Some((tool, a));
        }
    }
    None
}

fn run(cx: &mut Cx<'_>) {
    let flows = cx.flows();
    let mut found = std::collections::BTreeSet::new();
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
        let Some((tool, call)) = act(cx, agent) else {
            continue;
        };
        found.insert(agent.name.clone());
        let from = |r: &flow::Reach| {
            if r.hops.is_empty() {
                format!("`{}`", r.source.tool)
            } else {
                format!("`{}` via `{}`", r.source.tool, r.source.agent)
            }
        };
        let msg = format!(
            "agent `{}` combines untrusted input ({}), private data ({}) and `{}` ({}) without approval",
            agent.name,
            from(u),
            from(p),
            tool.name,
            effects(tool)
        );
        let mut involved = vec![agent];
        for r in [u, p] {
            if let Some(a) = model.agents.get(&r.source.agent) {
                if !involved.iter().any(|x| x.name == a.name) {
                    involved.push(a);
                }
            }
        }
        report(
            cx,
            &involved,
            msg,
            u.clone(),
            p.clone(),
            (agent, tool, call),
        );
    }
    // A group where the three legs sit in different agents that no single
    // flow connects: still one blast radius.
    for group in cx.graph.groups() {
        if group.iter().any(|a| found.contains(a)) {
            continue;
        }
        let members: Vec<&Agent> = group.iter().filter_map(|a| model.agents.get(a)).collect();
        let direct = |m: &std::collections::BTreeMap<String, Vec<flow::Source>>| {
            members
                .iter()
                .find_map(|a| m.get(&a.name).and_then(|s| s.first()).cloned())
        };
        let (Some(u), Some(p)) = (direct(&flows.untrusted), direct(&flows.private)) else {
            continue;
        };
        let mut e = None;
        for m in &members {
            if let Some((tool, call)) = act(cx, m) {
                e = Some((*m, tool, call));
                break;
            }
        }
        let Some(e) = e else { continue };
        let names: Vec<String> = group.iter().map(|a| format!("`{a}`")).collect();
        let msg = format!(
            "agents {} are joined by shared channels or delegation and together combine untrusted input (`{}` in `{}`), private data (`{}` in `{}`) and `{}` in `{}` without approval",
            names.join(", "),
            u.tool,
            u.agent,
            p.tool,
            p.agent,
            e.1.name,
            e.0.name
        );
        let reach = |s: flow::Source| flow::Reach {
            source: s,
            hops: Vec::new(),
        };
        report(cx, &members, msg, reach(u), reach(p), e);
    }
}

fn report(
    cx: &mut Cx<'_>,
    agents: &[&Agent],
    msg: String,
    u: flow::Reach,
    p: flow::Reach,
    e: (&Agent, &Tool, Assignment),
) {
    let model = cx.model;
    let (Some(ua), Some(ut), Some(pa), Some(pt)) = (
        model.agents.get(&u.source.agent),
        model.tools.get(&u.source.tool),
        model.agents.get(&p.source.agent),
        model.tools.get(&p.source.tool),
    ) else {
        return;
    };
    let (ea, et, ecall) = e;
    let grant = cx.deciding_grant(ea, et, &ecall).unwrap_or(0);
    let mut d = cx
        .diag(msg)
        .primary(cx.grant_span(ea, grant), format!("acts with `{}` without approval", et.name))
        .secondary(cx.grant_span(ua, u.source.grant), format!("untrusted input: `{}`", ut.name))
        .secondary(cx.grant_span(pa, p.source.grant), format!("{} data: `{}`", level_name(&p.source.level), pt.name))
        .help("remove one leg: reduce the untrusted output with `extract enum|int|bool`, drop the private data source, or require approval for the action");
    if let Level::Untrusted(Some(s)) = &u.source.level {
        d = d
            .with_severity(Severity::Warning)
            .note(format!("the untrusted input passes sanitizer `{s}`, which lowers the risk but does not remove it"));
    }
    if !u.hops.is_empty() {
        d = d.note(format!(
            "how the untrusted input arrives: {}",
            flow::describe_hops(&u)
        ));
    }
    if !p.hops.is_empty() {
        d = d.note(format!(
            "how the private data arrives: {}",
            flow::describe_hops(&p)
        ));
    }
    let (mut path, mut calls) = flow::witness_of(cx, &u, "returns untrusted content");
    let (ppath, pcalls) = flow::witness_of(
        cx,
        &p,
        &format!("returns {} data", level_name(&p.source.level)),
    );
    path.extend(ppath);
    calls.extend(pcalls);
    path.push(Step::tool(
        et,
        format!("`{}` acts: {} without approval", ea.name, effects(et)),
    ));
    calls.push(cx.call(ea, et, &ecall, State::default(), Expect::Allow));
    let d = d.witness(witness(path, calls));
    cx.report(agents.iter().map(|a| a.name.as_str()), d);
}

fn level_name(l: &Level) -> &'static str {
    match l {
        Level::Private(s) => s.as_str(),
        Level::Untrusted(_) => "untrusted",
    }
}
