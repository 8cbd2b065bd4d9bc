//! ## What it does
//! Finds spend tools an agent can call with a positive amount and no
//! approval. The solver looks for the largest such amount per call; the call
//! becomes the witness.
//!
//! ## Why it matters
//! Spending is the effect that cannot be rolled back. An agent that is
//! confused, looping or prompt-injected can move money as fast as it can
//! make calls; a human approval on positive amounts is the commit step that
//! stops it.
//!
//! ## Example
//! ```text
//! agent buyer {
//!   allow pay.charge where amount <= USD 500.00
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! agent buyer {
//!   budget USD 1000.00 per session
//!   allow pay.charge where amount <= USD 500.00
//!     approve when amount > USD 0.00 by group "finance" reason "every payment"
//! }
//! ```
//! Small automatic payments may be intended: then keep the cap low, set a
//! session budget and a call limit, and suppress this finding with a reason.

use crate::analysis::smt::{Answer, IntArg};
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Atom, Cond, IntOperand, Money, Tool};
use crate::syntax::ast::CmpOp;

pub const CHECK: Check = Check {
    code: Code::new("AP202", Severity::Error),
    name: "unapproved-spend",
    summary: "a positive amount can be spent without approval",
    source: include_str!("unapproved_spend.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// A spend tool `agent` can call with a positive amount and no approval.
pub struct Finding<'m> {
    agent: &'m Agent,
    tool: &'m Tool,
    /// The money argument spent.
    arg: &'m str,
    /// The largest amount per call found, if the call names one.
    amount: Option<Money>,
    /// The grant that allows the call.
    grant: usize,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let mut found = Vec::new();
    let agents: Vec<_> = cx.agents().collect();
    for agent in agents {
        for granted in cx.granted(agent) {
            let tool = granted.tool;
            let Some(arg) = &tool.spends else { continue };
            let positive = Cond::Atom(Atom::IntCmp {
                operand: IntOperand::MoneyMinor(arg.clone()),
                op: CmpOp::Gt,
                value: 0,
            });
            let cond = Cond::and(vec![facts::free(agent, tool), positive]);
            let answer = cx
                .facts
                .smt
                .maximize(tool, &cond, &IntArg::MoneyMinor(arg.clone()));
            let call = match answer {
                Answer::Sat(a) => a.into_iter().next(),
                Answer::Unsat => None,
                // The search for the largest amount gave up: fall back to any
                // amount, through the reporting path so that an undecided
                // answer becomes a finding.
                Answer::Unknown(_) => cx.sat1(tool, cond.clone(), agent, || {
                    format!(
                        "whether `{}` can spend with `{}` without approval",
                        agent.name, tool.name
                    )
                }),
            };
            let Some(call) = call else { continue };
            let amount = call.args.get(arg).and_then(|v| {
                Some(Money {
                    minor: v.get("minor")?.as_i64()?,
                    currency: v.get("currency")?.as_str()?.to_string(),
                })
            });
            let grant = cx.deciding_grant(&granted, &call);
            let calls = vec![cx.call(agent, tool, &call, State::default(), Expect::Allow)];
            let path = vec![
                Step::agent(agent, "decides to pay"),
                Step::tool(
                    tool,
                    format!("spends {} without approval", how_much(&amount)),
                ),
            ];
            found.push(Finding {
                agent,
                tool,
                arg,
                amount,
                grant,
                witness: Witness::new(path, calls),
            });
        }
    }
    found
}

fn how_much(amount: &Option<Money>) -> String {
    match amount {
        Some(m) if m.minor == i64::MAX => "any amount".to_string(),
        Some(m) => format!("up to {} per call", m.display()),
        None => "a positive amount".to_string(),
    }
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, tool, arg) = (f.agent, f.tool, f.arg);
    let mut d = CHECK
        .diag(format!(
            "`{}` can spend {} with `{}` without approval",
            agent.name,
            how_much(&f.amount),
            tool.name
        ))
        .primary(cx.grant_span(agent, f.grant), "allows spending without approval")
        .secondary(tool.span, format!("spends `{arg}`"))
        .help(format!(
            "add `approve when {arg} > {} by group \"...\"` to the grant, or a gate `approve {} when ... by group \"...\"`",
            zero(tool, agent),
            tool.name
        ));
    if let Some(n) = cx.preset_note(agent, f.grant) {
        d = d.note(n);
    }
    if agent.budget.is_none() {
        d = d.note(format!("`{}` has no session budget either", agent.name));
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}

/// `USD 0.00` in the tool's (or budget's) currency.
fn zero(tool: &crate::model::Tool, agent: &crate::model::Agent) -> String {
    let currency = tool
        .spends
        .as_ref()
        .and_then(|a| tool.args.get(a))
        .and_then(|s| match &s.ty {
            crate::model::Type::Money { currency } => currency.clone(),
            _ => None,
        })
        .or_else(|| agent.budget.as_ref().map(|b| b.currency.clone()))
        .unwrap_or_else(|| "USD".into());
    Money { minor: 0, currency }.display()
}
