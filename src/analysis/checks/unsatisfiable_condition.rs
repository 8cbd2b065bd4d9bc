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

use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Cond, Tool};
use crate::source::Span;

pub const CHECK: Check = Check {
    code: Code::new("AP208", Severity::Warning),
    name: "unsatisfiable-condition",
    summary: "a rule's condition can never hold",
    source: include_str!("unsatisfiable_condition.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// The kind of rule a condition belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Grant,
    Deny,
    /// An approval trigger on a grant, or a gate.
    Approval,
}

/// A rule whose condition the solver proves unsatisfiable.
pub struct Finding<'m> {
    agent: &'m Agent,
    rule: Rule,
    id: &'m str,
    span: Span,
    /// The condition compiled to a constant `false` (resource attributes no
    /// declared resource has).
    constant: bool,
}

/// One rule's condition to test.
struct Candidate<'m> {
    tool: &'m Tool,
    cond: &'m Cond,
    rule: Rule,
    id: &'m str,
    span: Span,
}

/// The agent's own rules (not a preset's) with their tools, in order.
fn candidates<'m>(cx: &Cx<'m>, agent: &'m Agent) -> Vec<Candidate<'m>> {
    let model = cx.model;
    let mut out = Vec::new();
    for g in &agent.grants {
        let Some(tool) = model.tools.get(&g.tool) else {
            continue;
        };
        if g.origin.preset.is_none() {
            out.push(Candidate {
                tool,
                cond: &g.condition,
                rule: Rule::Grant,
                id: &g.id,
                span: g.origin.span,
            });
        }
        for a in g.approvals.iter().filter(|a| a.origin.preset.is_none()) {
            out.push(Candidate {
                tool,
                cond: &a.condition,
                rule: Rule::Approval,
                id: &a.id,
                span: a.origin.span,
            });
        }
    }
    for d in agent.denies.iter().filter(|d| d.origin.preset.is_none()) {
        let Some(tool) = model.tools.get(&d.tool) else {
            continue;
        };
        out.push(Candidate {
            tool,
            cond: &d.condition,
            rule: Rule::Deny,
            id: &d.id,
            span: d.origin.span,
        });
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
        out.push(Candidate {
            tool,
            cond: &a.condition,
            rule: Rule::Approval,
            id: &a.id,
            span: a.origin.span,
        });
    }
    out
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        for c in candidates(cx, agent) {
            if unsatisfiable(cx, agent, &c) {
                found.push(Finding {
                    agent,
                    rule: c.rule,
                    id: c.id,
                    span: c.span,
                    constant: *c.cond == Cond::False,
                });
            }
        }
    }
    found
}

/// Whether the solver proves the condition unsatisfiable.
fn unsatisfiable(cx: &mut Cx<'_>, agent: &Agent, c: &Candidate<'_>) -> bool {
    if c.cond.is_true() {
        return false;
    }
    let q = crate::analysis::smt::Query::one(c.tool, c.cond.clone());
    let id = c.id;
    if cx
        .sat(&q, agent, c.tool, || {
            format!("whether the condition of `{id}` can hold")
        })
        .is_some()
    {
        return false;
    }
    // An undecided answer was reported as AP301 by `sat`; only a proof counts here.
    matches!(cx.facts.check(&q), crate::analysis::smt::Answer::Unsat)
}

fn diagnostic(_: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (what, effect) = match f.rule {
        Rule::Grant => ("grant", "it allows nothing"),
        Rule::Deny => ("deny", "it denies nothing"),
        Rule::Approval => ("approval trigger", "approval is never required by it"),
    };
    let mut d = CHECK
        .diag(format!("the condition of {what} `{}` can never hold", f.id))
        .primary(f.span, format!("no call satisfies this condition, so {effect}"))
        .help("look for contradicting tests on the same argument (two different `==`, disjoint ranges or patterns)");
    if f.constant {
        // Only resource-attribute tests compile to a constant `false`.
        d = d
            .with_severity(Severity::Info)
            .note("no declared resource has the attributes this condition tests")
            .help("declare the resource instances it is meant for, or drop the condition");
    }
    Report::new([f.agent.name.as_str()], d)
}
