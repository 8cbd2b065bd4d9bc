//! Spend ceilings: the most an agent can spend per call, per session and per
//! day, without any approval and in total, over every spend tool it reaches
//! itself and through delegation. Input: the checked [`Model`] and the
//! solver limits. Output: per agent and currency, a [`Spend`] whose amounts
//! the solver computed (`smt::ceiling`) and whose witness calls the
//! reference evaluator replayed.
//!
//! Windows, as the runtime counts them:
//! - per call: one call with fresh counters;
//! - per session: each agent's own session budget and `per session` limits
//!   bind; limits over time windows do not (a session may last any time);
//! - per day (any 24 hours): a limit over a window of a day or more allows
//!   its `max` calls, a shorter window `max` per window (24h / window,
//!   rounded up); session limits and budgets do not bind, since a day may
//!   hold any number of sessions.
//!
//! A delegate spends under its own limits and budget, in its own session.

use super::facts;
use super::smt::{Batch, Ceiling, CeilingQuery, Limits, Smt, SpendLine};
use super::witness::{self, State};
use crate::model::eval::decide_json;
use crate::model::{Agent, Model, Money, Outcome, Tool, Type, Window};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const DAY: u64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Call,
    Session,
    Day,
}

/// What one agent (with its delegates) can spend in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Spend {
    pub currency: String,
    /// Agents whose spend tools count: the agent and its delegates.
    pub agents: Vec<String>,
    pub ceilings: Vec<WindowCeiling>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WindowCeiling {
    pub per: Per,
    pub without_approval: Amount,
    pub total: Amount,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Amount {
    /// The exact maximum and a sequence of calls reaching it.
    Bounded {
        amount: String,
        minor: i128,
        calls: Vec<SpendCall>,
    },
    /// No maximum: this call can be repeated (or raised) without limit.
    Unbounded {
        agent: String,
        tool: String,
        request: Value,
    },
    /// The solver could not decide; nothing is claimed.
    Unknown { reason: String },
}

/// `count` calls of `tool` by `agent`, each spending `amount`; `request` is
/// the first of them, with the counters it is made with.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SpendCall {
    pub agent: String,
    pub tool: String,
    pub count: u64,
    pub amount: String,
    pub request: Value,
    pub decision: Outcome,
}

/// Spend ceilings of every agent that reaches a spend tool, by agent name.
pub fn ceilings(model: &Model, limits: Limits) -> BTreeMap<String, Vec<Spend>> {
    super::smt::with_fresh_context(|| {
        let mut smt = Smt::new(limits);
        let mut out = BTreeMap::new();
        for agent in model.agents.values() {
            let spends = of_agent(model, agent, &mut smt);
            if !spends.is_empty() {
                out.insert(agent.name.clone(), spends);
            }
        }
        out
    })
}

/// The agent and every agent it delegates to, transitively, in name order
/// after the agent itself.
pub fn group<'m>(model: &'m Model, agent: &'m Agent) -> Vec<&'m Agent> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = agent.delegates.iter().map(String::as_str).collect();
    while let Some(x) = stack.pop() {
        if x == agent.name || !seen.insert(x) {
            continue;
        }
        if let Some(a) = model.agents.get(x) {
            stack.extend(a.delegates.iter().map(String::as_str));
        }
    }
    std::iter::once(agent)
        .chain(seen.into_iter().filter_map(|n| model.agents.get(n)))
        .collect()
}

/// A spend tool of one agent of the group, in one currency.
struct Reach<'m> {
    owner: usize,
    agent: &'m Agent,
    tool: &'m Tool,
    arg: String,
}

fn currency_of(agent: &Agent, tool: &Tool, arg: &str) -> Option<String> {
    match tool.args.get(arg).map(|a| &a.ty) {
        Some(Type::Money {
            currency: Some(c), ..
        }) => Some(c.clone()),
        _ => agent.budget.as_ref().map(|b| b.currency.clone()),
    }
}

fn of_agent(model: &Model, agent: &Agent, smt: &mut Smt) -> Vec<Spend> {
    let members = group(model, agent);
    let mut by_currency: BTreeMap<String, Vec<Reach<'_>>> = BTreeMap::new();
    for (owner, a) in members.iter().enumerate() {
        for t in a.granted_tools() {
            let Some(tool) = model.tools.get(t) else {
                continue;
            };
            let Some(arg) = &tool.spends else { continue };
            // A money argument of no fixed currency, with no budget to fix it,
            // is counted in USD: amounts in other currencies are not summed.
            let cur = currency_of(a, tool, arg).unwrap_or_else(|| "USD".into());
            by_currency.entry(cur).or_default().push(Reach {
                owner,
                agent: a,
                tool,
                arg: arg.clone(),
            });
        }
    }
    let names: Vec<String> = members.iter().map(|a| a.name.clone()).collect();
    by_currency
        .into_iter()
        .map(|(currency, reach)| {
            let ceilings = [Per::Call, Per::Session, Per::Day]
                .into_iter()
                .map(|per| WindowCeiling {
                    per,
                    without_approval: amount(model, &members, &reach, &currency, per, true, smt),
                    total: amount(model, &members, &reach, &currency, per, false, smt),
                })
                .collect();
            Spend {
                currency,
                agents: names.clone(),
                ceilings,
            }
        })
        .collect()
}

/// Calls of `tool` the window allows, `None` when nothing limits them.
fn calls_allowed(agent: &Agent, tool: &Tool, per: Per) -> Option<u64> {
    let limits = agent.limits.iter().filter(|l| l.tool == tool.name);
    let bound = |w: Window, max: u64| match (per, w) {
        (Per::Call, _) => Some(1),
        (Per::Session, Window::Session) => Some(max),
        (Per::Session, Window::Seconds(_)) => None,
        (Per::Day, Window::Session) => None,
        (Per::Day, Window::Seconds(s)) if s >= DAY => Some(max),
        (Per::Day, Window::Seconds(s)) => Some(max.saturating_mul(DAY.div_ceil(s.max(1)))),
    };
    let limited = limits.filter_map(|l| bound(l.window, l.max)).min();
    match per {
        Per::Call => Some(1),
        _ => limited,
    }
}

fn amount(
    model: &Model,
    members: &[&Agent],
    reach: &[Reach<'_>],
    currency: &str,
    per: Per,
    free: bool,
    smt: &mut Smt,
) -> Amount {
    let lines: Vec<SpendLine<'_>> = reach
        .iter()
        .map(|r| {
            let base = if free {
                facts::free(r.agent, r.tool)
            } else {
                facts::permitted(r.agent, r.tool)
            };
            let cond = crate::model::Cond::and(vec![base, currency_is(&r.arg, currency)]);
            SpendLine {
                tool: r.tool,
                cond,
                arg: r.arg.clone(),
                calls: calls_allowed(r.agent, r.tool, per),
                owner: r.owner,
            }
        })
        .collect();
    let budgets = members
        .iter()
        .map(|a| match (per, &a.budget) {
            (Per::Day, _) => None,
            (_, Some(b)) if b.currency == currency => Some(b.minor),
            _ => None,
        })
        .collect();
    let q = CeilingQuery {
        lines,
        budgets,
        single_call: per == Per::Call,
    };
    match smt.ceiling(&q) {
        Ceiling::Unknown(reason) => Amount::Unknown { reason },
        Ceiling::Unbounded { line, call } => match reach.get(line) {
            Some(r) => Amount::Unbounded {
                agent: r.agent.name.clone(),
                tool: r.tool.name.clone(),
                request: witness::request(r.agent, r.tool, &call, State::default()),
            },
            None => Amount::Unknown {
                reason: "the solver named no spend tool".into(),
            },
        },
        Ceiling::Bounded { total, batches } => {
            replay(model, reach, &batches, currency, per, free, total)
        }
    }
}

fn currency_is(arg: &str, currency: &str) -> crate::model::Cond {
    crate::model::Cond::Atom(crate::model::Atom::StrEq {
        operand: crate::model::StrOperand::MoneyCurrency(arg.to_string()),
        value: currency.to_string(),
    })
}

/// Session and window counters of one agent while a sequence is replayed.
#[derive(Default)]
struct Counters {
    /// Calls per tool: in the current session, and in all.
    session: BTreeMap<String, u64>,
    all: BTreeMap<String, u64>,
    spent: i64,
}

/// Replays the solver's calls through `decide`, in order, with the counters
/// each call would carry. A call decided otherwise than claimed makes the
/// answer unknown: a ceiling is never reported on an unconfirmed witness.
fn replay(
    model: &Model,
    reach: &[Reach<'_>],
    batches: &[Batch],
    currency: &str,
    per: Per,
    free: bool,
    total: i128,
) -> Amount {
    let mut counters: BTreeMap<&str, Counters> = BTreeMap::new();
    let mut calls = Vec::new();
    for b in batches {
        let Some(r) = reach.get(b.line) else { continue };
        let c = counters.entry(r.agent.name.as_str()).or_default();
        let mut first = None;
        for _ in 0..b.count {
            let request = counted(r, &b.call, c, b.amount, per);
            let d = decide_json(model, &request);
            let ok = if free {
                d.decision == Outcome::Allow
            } else {
                d.decision != Outcome::Deny
            };
            if !ok {
                return Amount::Unknown {
                    reason: format!(
                        "a witness call of `{}` was decided {}: {}",
                        r.tool.name,
                        d.decision.as_str(),
                        d.reasons.join("; ")
                    ),
                };
            }
            *c.session.entry(r.tool.name.clone()).or_default() += 1;
            *c.all.entry(r.tool.name.clone()).or_default() += 1;
            c.spent = c.spent.saturating_add(b.amount);
            first.get_or_insert((request, d.decision));
        }
        if let Some((request, decision)) = first {
            calls.push(SpendCall {
                agent: r.agent.name.clone(),
                tool: r.tool.name.clone(),
                count: b.count,
                amount: money(i128::from(b.amount), currency),
                request,
                decision,
            });
        }
    }
    Amount::Bounded {
        amount: money(total, currency),
        minor: total,
        calls,
    }
}

/// The request for the next call: a new session starts (for per-day
/// sequences) when the session limit or budget would stop it.
fn counted(
    r: &Reach<'_>,
    a: &super::smt::Assignment,
    c: &mut Counters,
    amount: i64,
    per: Per,
) -> Value {
    let tool = &r.tool.name;
    if per == Per::Day {
        let session_full = r.agent.limits.iter().any(|l| {
            &l.tool == tool
                && l.window == Window::Session
                && c.session.get(tool).copied().unwrap_or(0) >= l.max
        });
        let over = r
            .agent
            .budget
            .as_ref()
            .is_some_and(|b| i128::from(c.spent) + i128::from(amount) > i128::from(b.minor));
        if session_full || over {
            c.session.clear();
            c.spent = 0;
        }
    }
    let mut request = witness::request(
        r.agent,
        r.tool,
        a,
        State {
            calls: 0,
            spent: c.spent,
            without_justification: false,
        },
    );
    let all = c.all.get(tool).copied().unwrap_or(0);
    let session = c.session.get(tool).copied().unwrap_or(0);
    if let Some(Value::Object(calls)) = request.pointer_mut("/context/calls") {
        for l in r.agent.limits.iter().filter(|l| &l.tool == tool) {
            let n = match (l.window, per) {
                (Window::Session, _) => session,
                (Window::Seconds(s), Per::Day) if s >= DAY => all,
                (Window::Seconds(_), _) => all % l.max.max(1),
            };
            calls.insert(l.window.key(), Value::from(n));
        }
    }
    request
}

fn money(minor: i128, currency: &str) -> String {
    match i64::try_from(minor) {
        Ok(m) => Money {
            minor: m,
            currency: currency.to_string(),
        }
        .display(),
        Err(_) => format!("{currency} {minor} (minor units)"),
    }
}
