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

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::resources::attr_cond;
use crate::model::{Cond, Sensitivity};

pub const CHECK: Check = Check {
    code: Code::new("AP215", Severity::Warning),
    name: "wildcard-grant",
    summary: "a grant covers every tool of a namespace or every resource",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
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
            let message = if g.wildcard {
                // One finding per wildcard rule, not per tool it expanded to.
                if !wildcard_spans.insert(g.origin.span) {
                    continue;
                }
                let n = agent
                    .grants
                    .iter()
                    .filter(|x| x.origin.span == g.origin.span)
                    .count();
                format!(
                    "grant in agent `{}` covers every tool of a namespace ({n} now)",
                    agent.name
                )
            } else if let Some(r) = unconstrained {
                format!(
                    "grant `{}` allows `{}` on every `{}`",
                    g.id, tool.name, r.ty
                )
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
            let mut d = cx
                .diag(message)
                .primary(g.origin.span, if g.wildcard { "tool wildcard" } else { "no constraint on the resource" })
                .help("grant the tools and resources the agent needs by name (`where channel in [...]`)");
            if !privileged {
                d = d.with_severity(Severity::Info);
            }
            let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::NotDeny)];
            let path = vec![
                Step::agent(agent, "calls"),
                Step::tool(tool, "on any resource"),
            ];
            let d = d.witness(witness(path, calls));
            cx.report([agent.name.as_str()], d);
        }
    }
}
