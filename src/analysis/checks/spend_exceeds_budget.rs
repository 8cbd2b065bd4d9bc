//! ## What it does
//! Adds up what an agent can spend in one session: for every spend tool it
//! reaches — its own, and those of the agents it delegates to — the largest
//! amount one call may carry (found by the solver) times the tool's session
//! call limit, each agent capped by its own budget. It reports
//! - an agent without a session budget whose spending has no bound (a spend
//!   tool with no per-call cap or no session limit);
//! - an agent whose delegates can together spend more than its own session
//!   budget — the budget of the agent that started the work does not bind
//!   the agents it hands the work to;
//! - (info) an agent whose caps and limits allow more than its budget, so the
//!   budget check is the only thing that stops spending.
//!
//! The witness is a sequence of calls, each allowed by the reference
//! evaluator with the session counters it would have at that point, whose
//! amounts add up past the budget.
//!
//! ## Why it matters
//! Per-call caps and call limits are what a reviewer reads; the budget is
//! what finance agreed to. When they disagree, one of them is wrong, and
//! delegation silently multiplies every budget.
//!
//! ## Example
//! ```text
//! agent planner { budget USD 100.00 per session  delegate to [buyer] }
//! agent buyer   { allow pay.charge where amount <= USD 80.00
//!                 limit pay.charge 5 per session }
//! ```
//!
//! ## Use instead
//! ```text
//! agent planner { budget USD 100.00 per session  delegate to [buyer] }
//! agent buyer   { budget USD 100.00 per session
//!                 allow pay.charge where amount <= USD 20.00
//!                 limit pay.charge 5 per session }
//! ```

use crate::analysis::smt::{Answer, Assignment, IntArg};
use crate::analysis::witness::{Call, Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Granted, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Money, Tool, Window};
use std::collections::BTreeSet;

pub const CHECK: Check = Check {
    code: Code::new("AP212", Severity::Warning),
    name: "spend-exceeds-budget",
    summary: "what an agent or its delegates can spend per session exceeds or escapes its budget",
    source: include_str!("spend_exceeds_budget.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// One spend tool of one agent: the largest call and how often it may recur.
struct Line<'m> {
    agent: &'m Agent,
    tool: &'m Tool,
    granted: Granted<'m>,
    call: Assignment,
    cap: i64,
    currency: String,
    limit: Option<u64>,
}

fn lines<'m>(cx: &mut Cx<'m>, agent: &'m Agent) -> Vec<Line<'m>> {
    let mut out = Vec::new();
    for granted in cx.granted(agent) {
        let tool = granted.tool;
        let Some(arg) = &tool.spends else { continue };
        let permitted = facts::permitted(agent, tool);
        let call = match cx
            .facts
            .smt
            .maximize(tool, &permitted, &IntArg::MoneyMinor(arg.clone()))
        {
            Answer::Sat(a) => a.into_iter().next(),
            Answer::Unsat => None,
            Answer::Unknown(_) => cx.sat1(tool, permitted.clone(), agent, || {
                format!(
                    "the largest amount `{}` can spend per call of `{}`",
                    agent.name, tool.name
                )
            }),
        };
        let Some(call) = call else { continue };
        let Some(money) = call.args.get(arg) else {
            continue;
        };
        let cap = money.get("minor").and_then(|v| v.as_i64()).unwrap_or(0);
        let currency = money
            .get("currency")
            .and_then(|v| v.as_str())
            .unwrap_or("USD")
            .to_string();
        if cap <= 0 {
            continue;
        }
        let limit = agent
            .limits
            .iter()
            .filter(|l| l.tool == tool.name && l.window == Window::Session)
            .map(|l| l.max)
            .min();
        out.push(Line {
            agent,
            tool,
            granted,
            call,
            cap,
            currency,
            limit,
        });
    }
    out
}

/// What the lines of one agent can spend per session; `None` is unbounded.
fn capacity(agent: &Agent, lines: &[Line<'_>], currency: &str) -> Option<i128> {
    let mut total: Option<i128> = Some(0);
    for l in lines.iter().filter(|l| l.currency == currency) {
        total = match (total, l.limit) {
            (Some(t), Some(n)) if l.cap < i64::MAX => Some(t + i128::from(l.cap) * i128::from(n)),
            _ => None,
        };
    }
    match (&agent.budget, total) {
        (Some(b), Some(t)) if b.currency == currency => Some(t.min(i128::from(b.minor))),
        (Some(b), None) if b.currency == currency => Some(i128::from(b.minor)),
        (_, t) => t,
    }
}

fn money(minor: i128, currency: &str) -> String {
    Money {
        minor: i64::try_from(minor).unwrap_or(i64::MAX),
        currency: currency.to_string(),
    }
    .display()
}

/// Why an agent without a budget can spend without bound.
pub enum Unbound {
    /// The tool's calls have no cap.
    NoCap,
    /// The tool has no session call limit.
    NoLimit,
}

/// What one agent, or it and its delegates, can spend beyond a bound.
pub enum Finding<'m> {
    /// (a) No session budget, and a spend tool without a cap or a limit.
    Unbounded {
        agent: &'m Agent,
        tool: &'m Tool,
        why: Unbound,
        currency: String,
        grant: usize,
        witness: Witness,
    },
    /// (b) The agents it delegates to can spend more than its budget.
    Delegates {
        agent: &'m Agent,
        budget: &'m Money,
        group: BTreeSet<String>,
        /// What the group can spend per session; `None` is unbounded.
        total: Option<i128>,
        /// The delegates' spend grants: agent, grant and cap per call.
        spenders: Vec<(&'m Agent, usize, i64)>,
        witness: Witness,
    },
    /// (c) Its own caps and call limits exceed its budget.
    OwnCaps {
        agent: &'m Agent,
        budget: &'m Money,
        /// What the caps and limits allow; `None` is unbounded.
        raw: Option<i128>,
        witness: Witness,
    },
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut by_agent = std::collections::BTreeMap::new();
    for agent in model.agents.values() {
        by_agent.insert(agent.name.clone(), lines(cx, agent));
    }
    let mut found = Vec::new();
    for agent in model.agents.values() {
        let own = by_agent.get(&agent.name).map(Vec::as_slice).unwrap_or(&[]);
        let finding = match &agent.budget {
            None => unbounded(cx, agent, own),
            Some(budget) => delegates_escape(cx, &by_agent, agent, budget)
                .or_else(|| own_caps(cx, agent, budget, own)),
        };
        found.extend(finding);
    }
    found
}

/// (a) no budget and no bound.
fn unbounded<'m>(cx: &mut Cx<'m>, agent: &'m Agent, own: &[Line<'m>]) -> Option<Finding<'m>> {
    let l = own
        .iter()
        .find(|l| l.cap == i64::MAX || l.limit.is_none())?;
    let why = if l.cap == i64::MAX {
        Unbound::NoCap
    } else {
        Unbound::NoLimit
    };
    let calls = vec![cx.call(agent, l.tool, &l.call, State::default(), Expect::NotDeny)];
    let path = vec![
        Step::agent(agent, "no session budget"),
        Step::tool(l.tool, "spends, as often as it likes"),
    ];
    let grant = cx.deciding_grant(&l.granted, &l.call);
    Some(Finding::Unbounded {
        agent,
        tool: l.tool,
        why,
        currency: l.currency.clone(),
        grant,
        witness: Witness::new(path, calls),
    })
}

/// (b) the delegates escape the budget.
fn delegates_escape<'m>(
    cx: &mut Cx<'m>,
    by_agent: &std::collections::BTreeMap<String, Vec<Line<'m>>>,
    agent: &'m Agent,
    budget: &'m Money,
) -> Option<Finding<'m>> {
    let model = cx.model;
    let group = delegates(model, agent);
    let budget_minor = i128::from(budget.minor);
    let cur = budget.currency.as_str();
    let mut total = Some(0i128);
    let mut all: Vec<&Line<'_>> = Vec::new();
    for name in std::iter::once(&agent.name).chain(group.iter()) {
        let (Some(a), Some(ls)) = (model.agents.get(name), by_agent.get(name)) else {
            continue;
        };
        total = match (total, capacity(a, ls, cur)) {
            (Some(t), Some(c)) => Some(t + c),
            _ => None,
        };
        all.extend(ls.iter().filter(|l| l.currency == cur));
    }
    if group.is_empty() || total.is_some_and(|t| t <= budget_minor) {
        return None;
    }
    let (mut path, calls) = sequence(cx, &all, budget_minor);
    path.insert(
        0,
        Step::agent(
            agent,
            format!(
                "has a budget of {} and delegates the work",
                budget.display()
            ),
        ),
    );
    let spenders = all
        .iter()
        .filter(|l| l.agent.name != agent.name)
        .map(|l| (l.agent, cx.deciding_grant(&l.granted, &l.call), l.cap))
        .collect();
    Some(Finding::Delegates {
        agent,
        budget,
        group,
        total,
        spenders,
        witness: Witness::new(path, calls),
    })
}

/// (c) the agent's own caps and limits exceed its budget.
fn own_caps<'m>(
    cx: &mut Cx<'m>,
    agent: &'m Agent,
    budget: &'m Money,
    own: &[Line<'m>],
) -> Option<Finding<'m>> {
    let budget_minor = i128::from(budget.minor);
    let cur = budget.currency.as_str();
    let own_cur: Vec<&Line<'_>> = own.iter().filter(|l| l.currency == cur).collect();
    let mut raw = Some(0i128);
    for l in &own_cur {
        raw = match (raw, l.limit) {
            (Some(t), Some(n)) if l.cap < i64::MAX => Some(t + i128::from(l.cap) * i128::from(n)),
            _ => None,
        };
    }
    if own_cur.is_empty() || raw.is_some_and(|r| r <= budget_minor) {
        return None;
    }
    let (path, calls) = sequence(cx, &own_cur, budget_minor);
    Some(Finding::OwnCaps {
        agent,
        budget,
        raw,
        witness: Witness::new(path, calls),
    })
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    match f {
        Finding::Unbounded {
            agent,
            tool,
            why,
            currency,
            grant,
            witness,
        } => {
            let why = match why {
                Unbound::NoCap => format!("`{}` has no per-call cap", tool.name),
                Unbound::NoLimit => format!("`{}` has no session call limit", tool.name),
            };
            let d = CHECK
                .diag(format!("`{}` can spend without bound per session: it has no session budget and {why}", agent.name))
                .primary(cx.grant_span(agent, *grant), "spends with no bound per session")
                .secondary(agent.span, "no `budget` declared")
                .help(format!(
                    "declare a session budget (`budget {} per session`), cap each call (`where {} <= ...`) and limit the calls (`limit {} N per session`)",
                    money(10_000, currency),
                    tool.spends.as_deref().unwrap_or("amount"),
                    tool.name
                ))
                .witness(witness.json());
            Report::new([agent.name.as_str()], d)
        }
        Finding::Delegates {
            agent,
            budget,
            group,
            total,
            spenders,
            witness,
        } => {
            let cur = budget.currency.as_str();
            let names: Vec<String> = group.iter().map(|g| format!("`{g}`")).collect();
            let amount = total
                .map(|t| money(t, cur))
                .unwrap_or_else(|| "without bound".into());
            let mut d = CHECK
                .diag(format!(
                    "`{}` has a session budget of {}, but with the agents it delegates to ({}) it can spend {amount} per session",
                    agent.name,
                    budget.display(),
                    names.join(", ")
                ))
                .primary(cx.setting_in_agent(agent, "budget"), "this budget does not bind the delegates")
                .help("give every delegate its own budget and make the budgets add up, or lower the delegates' caps and call limits");
            for (a, g, cap) in spenders {
                d = d.secondary(
                    cx.grant_span(a, *g),
                    format!(
                        "`{}` spends up to {} per call",
                        a.name,
                        money(i128::from(*cap), cur)
                    ),
                );
            }
            let mut agents = vec![agent.name.as_str()];
            agents.extend(group.iter().map(String::as_str));
            Report::new(agents, d.witness(witness.json()))
        }
        Finding::OwnCaps {
            agent,
            budget,
            raw,
            witness,
        } => {
            let amount = raw
                .map(|t| money(t, &budget.currency))
                .unwrap_or_else(|| "an unbounded amount".into());
            let d = CHECK
                .diag(format!(
                    "the caps and call limits of `{}` allow {amount} per session, more than its budget of {}",
                    agent.name,
                    budget.display()
                ))
                .with_severity(Severity::Info)
                .primary(cx.setting_in_agent(agent, "budget"), "only this budget stops spending")
                .note("the last witness call is denied by the budget check alone")
                .help("lower the per-call caps or the session limits so that they fit the budget")
                .witness(witness.json());
            Report::new([agent.name.as_str()], d)
        }
    }
}

/// Agents reached by delegation, transitively, without the agent itself.
fn delegates(model: &crate::model::Model, agent: &Agent) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = agent.delegates.iter().map(String::as_str).collect();
    while let Some(x) = stack.pop() {
        if x == agent.name || !seen.insert(x.to_string()) {
            continue;
        }
        if let Some(a) = model.agents.get(x) {
            stack.extend(a.delegates.iter().map(String::as_str));
        }
    }
    seen
}

/// Calls at each line's cap, in order, until the total passes `target`; the
/// first and last call of each line are shown. Calls an agent's own budget
/// would deny are not made, except one final call to show the budget check
/// stopping it when nothing else can pass the target.
fn sequence(cx: &mut Cx<'_>, lines: &[&Line<'_>], target: i128) -> (Vec<Step>, Vec<Call>) {
    let mut path = Vec::new();
    let mut calls = Vec::new();
    let mut total: i128 = 0;
    let mut spent: std::collections::BTreeMap<&str, i128> = Default::default();
    let mut made: std::collections::BTreeMap<(&str, &str), i128> = Default::default();
    for l in lines {
        if total > target {
            break;
        }
        let cap = i128::from(l.cap);
        let before = spent.get(l.agent.name.as_str()).copied().unwrap_or(0);
        let room = l
            .agent
            .budget
            .as_ref()
            .map(|b| (i128::from(b.minor) - before) / cap);
        let needed = (target - total) / cap + 1;
        let mut n = needed;
        if let Some(limit) = l.limit {
            n = n.min(i128::from(limit));
        }
        if let Some(r) = room {
            n = n.min(r);
        }
        if n <= 0 {
            continue;
        }
        path.push(Step::tool(
            l.tool,
            format!(
                "`{}` calls it {n} time(s) at {}",
                l.agent.name,
                money(cap, &l.currency)
            ),
        ));
        for k in [0, n - 1].into_iter().collect::<BTreeSet<_>>() {
            let state = State {
                calls: u64::try_from(k).unwrap_or(u64::MAX),
                spent: i64::try_from(before + k * cap).unwrap_or(i64::MAX),
                without_justification: false,
            };
            calls.push(cx.call(l.agent, l.tool, &l.call, state, Expect::NotDeny));
        }
        spent.insert(l.agent.name.as_str(), before + n * cap);
        made.insert((l.agent.name.as_str(), l.tool.name.as_str()), n);
        total += n * cap;
    }
    if total <= target {
        // Only an agent's own budget stops it: show the call it denies.
        for l in lines {
            let n = made
                .get(&(l.agent.name.as_str(), l.tool.name.as_str()))
                .copied()
                .unwrap_or(0);
            if l.limit.is_some_and(|m| n >= i128::from(m)) {
                continue;
            }
            let before = spent.get(l.agent.name.as_str()).copied().unwrap_or(0);
            let Some(b) = &l.agent.budget else { continue };
            if before + i128::from(l.cap) <= i128::from(b.minor) {
                continue;
            }
            let state = State {
                calls: u64::try_from(n).unwrap_or(u64::MAX),
                spent: i64::try_from(before).unwrap_or(i64::MAX),
                without_justification: false,
            };
            path.push(Step::tool(l.tool, "the next call is denied by the budget"));
            calls.push(cx.call(l.agent, l.tool, &l.call, state, Expect::Deny));
            break;
        }
    }
    (path, calls)
}
