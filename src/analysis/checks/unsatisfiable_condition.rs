//! ## What it does
//! Finds conditions no call can satisfy: a grant, a deny or an approval
//! trigger whose `where`/`when` is a contradiction, such as
//! `amount < USD 5.00 and amount > USD 10.00`, `channel == "a" and channel
//! == "b"`, or `prefix like "#a*" and prefix like "#b*"`. The solver proves
//! that no arguments satisfy it.
//!
//! ## Why it matters
//! A grant that matches nothing is a permission the author thought they gave;
//! a deny or an approval trigger that matches nothing is protection that does
//! not exist. Both usually come from a typo or from combining two rules.
//! A condition on resource attributes that no declared resource has (say
//! `resource.sensitivity == "secret"` with no secret resource) is reported
//! as information: it may be written ahead of such a resource. Rules that
//! come from a preset are not reported: a preset is written for many agents
//! and some of its rules do not apply to each.
//!
//! ## Example
//! ```text
//! allow pay.charge where amount > USD 100.00 and amount < USD 50.00
//!   approve when vendor == "a" and vendor == "b" by group "finance"
//! ```
//!
//! ## Use instead
//! ```text
//! allow pay.charge where amount < USD 50.00
//!   approve when vendor in ["a", "b"] by group "finance"
//! ```

use crate::analysis::{check_source, Check, Cx};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Cond, Tool};
use crate::source::Span;

pub const CHECK: Check = Check {
    code: Code::new("AP208", Severity::Warning),
    name: "unsatisfiable-condition",
    summary: "a rule's condition can never hold",
    source: check_source!(),
    run,
    witness: false,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        for g in &agent.grants {
            let Some(tool) = model.tools.get(&g.tool) else {
                continue;
            };
            if g.origin.preset.is_none() {
                test(cx, agent, tool, &g.condition, &g.id, "grant", g.origin.span);
            }
            for a in g.approvals.iter().filter(|a| a.origin.preset.is_none()) {
                test(
                    cx,
                    agent,
                    tool,
                    &a.condition,
                    &a.id,
                    "approval trigger",
                    a.origin.span,
                );
            }
        }
        for d in agent.denies.iter().filter(|d| d.origin.preset.is_none()) {
            let Some(tool) = model.tools.get(&d.tool) else {
                continue;
            };
            test(cx, agent, tool, &d.condition, &d.id, "deny", d.origin.span);
        }
        for gate in agent
            .gates
            .iter()
            .filter(|g| g.approval.origin.preset.is_none())
        {
            let Some(tool) = model.tools.get(&gate.tool) else {
                continue;
            };
            let a = &gate.approval;
            test(
                cx,
                agent,
                tool,
                &a.condition,
                &a.id,
                "approval trigger",
                a.origin.span,
            );
        }
    }
}

fn test(
    cx: &mut Cx<'_>,
    agent: &Agent,
    tool: &Tool,
    cond: &Cond,
    id: &str,
    what: &str,
    span: Span,
) {
    if cond.is_true() {
        return;
    }
    let q = crate::analysis::smt::Query::one(tool, cond.clone());
    if cx
        .sat(&q, agent, tool, || {
            format!("whether the condition of `{id}` can hold")
        })
        .is_some()
    {
        return;
    }
    // An undecided answer was reported as AP301 by `sat`; only a proof counts here.
    if !matches!(cx.facts.check(&q), crate::analysis::smt::Answer::Unsat) {
        return;
    }
    let effect = match what {
        "grant" => "it allows nothing",
        "deny" => "it denies nothing",
        _ => "approval is never required by it",
    };
    let mut d = cx
        .diag(format!("the condition of {what} `{id}` can never hold"))
        .primary(span, format!("no call satisfies this condition, so {effect}"))
        .help("look for contradicting tests on the same argument (two different `==`, disjoint ranges or patterns)");
    if *cond == Cond::False {
        // Only resource-attribute tests compile to a constant `false`.
        d = d
            .with_severity(Severity::Info)
            .note("no declared resource has the attributes this condition tests")
            .help("declare the resource instances it is meant for, or drop the condition");
    }
    cx.report([agent.name.as_str()], d);
}
