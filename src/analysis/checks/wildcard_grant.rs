//! ## What it does
//! Finds grants broader than least privilege: grants written with a tool
//! wildcard (`allow jira.*`), and grants on a tool that acts on a resource
//! whose condition does not constrain which resource (so every channel,
//! repository or bucket is allowed). The witness is a call on the most
//! sensitive resource the grant reaches.
//!
//! ## Why it matters
//! A wildcard grows silently: a new tool in the namespace, or a new
//! confidential channel, is granted without anyone deciding it. Reviewers
//! cannot tell what was intended.
//!
//! ## Example
//! ```text
//! allow jira.*
//! allow chat.post
//! ```
//!
//! ## Use instead
//! ```text
//! allow jira.read_issue where project == "SUP"
//! allow chat.post where channel in ["#support", "#support-escalations"]
//! ```

use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::resources::attr_cond;
use crate::model::{Agent, Cond, Grant, Sensitivity, ToolResource};

pub const CHECK: Check = Check {
    code: Code::new("AP215", Severity::Warning),
    name: "wildcard-grant",
    summary: "a grant covers every tool of a namespace or every resource",
    source: include_str!("wildcard_grant.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// What the grant covers in full.
pub enum Breadth<'m> {
    /// Every tool of a namespace: a `tool.*` rule, expanded to `tools` grants.
    Tools { tools: usize },
    /// Every resource of a type: the grant does not constrain its argument.
    Resources(&'m ToolResource),
}

/// A grant that covers every tool of a namespace or every resource.
pub struct Finding<'m> {
    agent: &'m Agent,
    grant: &'m Grant,
    breadth: Breadth<'m>,
    /// Whether the tool (for a wildcard, the first it expands to) is privileged.
    privileged: bool,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        let mut wildcard_spans = std::collections::BTreeSet::new();
        for (gi, g) in agent.grants.iter().enumerate() {
            let Some(tool) = model.tools.get(&g.tool) else {
                continue;
            };
            let privileged = tool.effects.iter().any(|e| e.is_privileged());
            let unconstrained = tool.resource.as_ref().filter(|r| {
                let mut used = std::collections::BTreeSet::new();
                g.condition.args(&mut used);
                !used.contains(&r.arg)
            });
            let breadth = if g.wildcard {
                // One finding per wildcard rule, not per tool it expanded to.
                if !wildcard_spans.insert(g.origin.span) {
                    continue;
                }
                let tools = agent
                    .grants
                    .iter()
                    .filter(|x| x.origin.span == g.origin.span)
                    .count();
                Breadth::Tools { tools }
            } else if let Some(r) = unconstrained {
                Breadth::Resources(r)
            } else {
                continue;
            };
            let Some(mut call) = cx.live(agent, gi) else {
                continue;
            };
            // Prefer a witness on the most sensitive resource the grant reaches.
            if let (Some(r), Some(ty)) = (
                unconstrained,
                unconstrained.and_then(|r| model.resource_types.get(&r.ty)),
            ) {
                for level in [Sensitivity::Secret, Sensitivity::Confidential] {
                    let sensitive =
                        attr_cond(&model.resources, ty, &r.arg, |a| a.sensitivity == level);
                    if sensitive == Cond::False {
                        continue;
                    }
                    if let Some(a) = cx.sat1(
                        tool,
                        Cond::and(vec![facts::live(agent, tool, gi), sensitive]),
                        agent,
                        || format!("whether `{}` reaches a {} `{}`", g.id, level.as_str(), r.ty),
                    ) {
                        call = a;
                        break;
                    }
                }
            }
            let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::NotDeny)];
            let path = vec![
                Step::agent(agent, "calls"),
                Step::tool(tool, "on any resource"),
            ];
            found.push(Finding {
                agent,
                grant: g,
                breadth,
                privileged,
                witness: Witness::new(path, calls),
            });
        }
    }
    found
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, g) = (f.agent, f.grant);
    let (message, label) = match f.breadth {
        Breadth::Tools { tools } => (
            format!(
                "grant in agent `{}` covers every tool of a namespace ({tools} now)",
                agent.name
            ),
            "tool wildcard",
        ),
        Breadth::Resources(r) => (
            format!("grant `{}` allows `{}` on every `{}`", g.id, g.tool, r.ty),
            "no constraint on the resource",
        ),
    };
    let mut d = CHECK
        .diag(message)
        .primary(g.origin.span, label)
        .help("grant the tools and resources the agent needs by name (`where channel in [...]`)");
    if !f.privileged {
        d = d.with_severity(Severity::Info);
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
