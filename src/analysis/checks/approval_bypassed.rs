//! ## What it does
//! Finds an approval trigger on a grant that another grant of the same tool
//! makes pointless: for some call the trigger fires, but a second grant also
//! matches that call without any trigger of its own, so `decide` allows it
//! without approval (a call is allowed when any matching grant has no unmet
//! trigger). The solver finds such a call; it is the witness.
//!
//! ## Why it matters
//! The author believes large payments or production deploys need a human;
//! the broader grant, often from a preset or an earlier rule, lets the same
//! calls through silently.
//!
//! ## Example
//! ```text
//! allow deploy.run where env == "prod" approve always by group "sre"
//! allow deploy.run where env like "*"
//! ```
//!
//! ## Use instead
//! Put the approval on the tool itself (a gate applies whichever grant
//! matches), or make the grants disjoint:
//! ```text
//! allow deploy.run where env like "*"
//! approve deploy.run when env == "prod" by group "sre"
//! ```

use crate::analysis::witness::{Expect, State, Step};
use crate::analysis::{check_source, facts, witness, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::Cond;

pub const CHECK: Check = Check {
    code: Code::new("AP210", Severity::Error),
    name: "approval-bypassed",
    summary: "another grant allows without approval a call an approval trigger covers",
    source: check_source!(),
    run,
    witness: true,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for (agent, gi, g, tool) in model.grants_with_tools() {
        if agent.grants_for(&g.tool).count() < 2 {
            continue;
        }
        for a in &g.approvals {
            let cond = Cond::and(vec![
                g.condition.clone(),
                a.condition.clone(),
                facts::free(agent, tool),
            ]);
            let Some(call) = cx.sat1(tool, cond, agent, || {
                format!("whether another grant bypasses `{}`", a.id)
            }) else {
                continue;
            };
            let other = agent
                .grants
                .iter()
                .enumerate()
                .find(|(i, o)| {
                    *i != gi && o.tool == g.tool && {
                        let env = crate::model::cond::Env {
                            args: &call.args,
                            justification: call.justification.as_deref(),
                        };
                        o.condition.eval(&env)
                            && !o.approvals.iter().any(|x| x.condition.eval(&env))
                    }
                })
                .map(|(i, _)| i);
            let Some(oi) = other else { continue };
            let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::Allow)];
            let path = vec![
                Step::agent(agent, "calls"),
                Step::tool(
                    tool,
                    format!(
                        "`{}` fires, yet `{}` allows it without approval",
                        a.id, agent.grants[oi].id
                    ),
                ),
            ];
            let d = cx
                    .diag(format!(
                        "approval `{}` is bypassed: grant `{}` allows the same call without approval",
                        a.id, agent.grants[oi].id
                    ))
                    .primary(agent.grants[oi].origin.span, "allows the call without approval")
                    .secondary(a.origin.span, "this approval is required here...")
                    .secondary(g.origin.span, "...for calls of this grant")
                    .help(format!(
                        "move the approval to the tool (`approve {} when ... by group \"{}\"` applies whichever grant matches), or make the grants disjoint",
                        tool.name, a.group
                    ))
                    .witness(witness(path, calls));
            let d = match cx.preset_note(agent, oi) {
                Some(n) => d.note(n),
                None => d,
            };
            cx.report([agent.name.as_str()], d);
        }
    }
}
