//! The questions every check asks, written once as conditions over one
//! call's arguments (the same `model::Cond` the backends translate), and
//! their memoised answers. This is where the decision order of
//! `model::eval::decide` is restated as formulas:
//!
//! - `permitted(a, t)`: some call of `t` by `a` is not denied — no deny
//!   matches, some grant matches, the spend fits the session budget, and a
//!   required justification is given (limits are met with fresh counters);
//! - `free(a, t)`: `permitted` and allowed without any approval — no gate
//!   fires, and some matching grant has no trigger that fires;
//! - `live(a, g)`: grant `g` matches a call that is not denied.

use super::smt::{Answer, Assignment, Limits, Link, Query, Slot, Smt};
use crate::graph::{ChannelOracle, Overlap};
use crate::model::cond::StrOrArg;
use crate::model::{Agent, Atom, Cond, IntOperand, Model, StrOperand, Tool};
use crate::syntax::ast::CmpOp;
use std::collections::HashMap;

/// An undecided question, reported as AP301.
#[derive(Debug, Clone)]
pub struct Undecided {
    pub question: String,
    pub reason: String,
    pub agent: String,
    pub tool: String,
}

pub struct Facts<'m> {
    pub model: &'m Model,
    pub smt: Smt,
    memo: HashMap<(u8, String, String, usize), Answer>,
    /// Questions the solver could not decide while building the graph.
    pub undecided: Vec<Undecided>,
}

/// Kinds of memoised question.
const PERMITTED: u8 = 0;
const FREE: u8 = 1;
const LIVE: u8 = 2;

impl<'m> Facts<'m> {
    pub fn new(model: &'m Model, limits: Limits) -> Self {
        Facts {
            model,
            smt: Smt::new(limits),
            memo: HashMap::new(),
            undecided: Vec::new(),
        }
    }

    pub fn tool(&self, name: &str) -> Option<&'m Tool> {
        self.model.tools.get(name)
    }

    fn memo(
        &mut self,
        kind: u8,
        agent: &Agent,
        tool: &'m Tool,
        index: usize,
        cond: Cond,
    ) -> Answer {
        let key = (kind, agent.name.clone(), tool.name.clone(), index);
        if let Some(a) = self.memo.get(&key) {
            return a.clone();
        }
        let a = self.smt.check(&Query::one(tool, cond));
        self.memo.insert(key, a.clone());
        a
    }

    pub fn permitted(&mut self, agent: &Agent, tool: &'m Tool) -> Answer {
        let c = permitted(agent, tool);
        self.memo(PERMITTED, agent, tool, 0, c)
    }

    pub fn free(&mut self, agent: &Agent, tool: &'m Tool) -> Answer {
        let c = free(agent, tool);
        self.memo(FREE, agent, tool, 0, c)
    }

    pub fn live(&mut self, agent: &Agent, grant: usize) -> Answer {
        let Some(g) = agent.grants.get(grant) else {
            return Answer::Unsat;
        };
        let Some(tool) = self.tool(&g.tool) else {
            return Answer::Unsat;
        };
        let c = live(agent, tool, grant);
        self.memo(LIVE, agent, tool, grant, c)
    }

    pub fn check(&mut self, q: &Query<'_>) -> Answer {
        self.smt.check(q)
    }
}

/// Any of the agent's denies of the tool matches.
pub fn denied(agent: &Agent, tool: &Tool) -> Cond {
    Cond::or(
        agent
            .denies
            .iter()
            .filter(|d| d.tool == tool.name)
            .map(|d| d.condition.clone())
            .collect(),
    )
}

/// What `decide` checks besides rules: the justification and the budget.
/// Limits are not here: a call with fresh counters always meets them.
pub fn context_ok(agent: &Agent, tool: &Tool) -> Cond {
    let mut parts = Vec::new();
    if agent.justification_required {
        parts.push(Cond::Atom(Atom::Has(StrOrArg::Justification)));
        parts.push(Cond::not(Cond::Atom(Atom::StrEq {
            operand: StrOperand::Justification,
            value: String::new(),
        })));
    }
    if let (Some(arg), Some(budget)) = (&tool.spends, &agent.budget) {
        parts.push(Cond::Atom(Atom::IntCmp {
            operand: IntOperand::MoneyMinor(arg.clone()),
            op: CmpOp::Le,
            value: budget.minor,
        }));
        parts.push(Cond::Atom(Atom::StrEq {
            operand: StrOperand::MoneyCurrency(arg.clone()),
            value: budget.currency.clone(),
        }));
    }
    Cond::and(parts)
}

pub fn granted(agent: &Agent, tool: &Tool) -> Cond {
    Cond::or(
        agent
            .grants_for(&tool.name)
            .map(|g| g.condition.clone())
            .collect(),
    )
}

pub fn permitted(agent: &Agent, tool: &Tool) -> Cond {
    Cond::and(vec![
        Cond::not(denied(agent, tool)),
        granted(agent, tool),
        context_ok(agent, tool),
    ])
}

/// Any gate on the tool fires.
pub fn gated(agent: &Agent, tool: &Tool) -> Cond {
    Cond::or(
        agent
            .gates
            .iter()
            .filter(|g| g.tool == tool.name)
            .map(|g| g.approval.condition.clone())
            .collect(),
    )
}

/// Some grant matches and none of its triggers fires.
pub fn granted_free(agent: &Agent, tool: &Tool) -> Cond {
    Cond::or(
        agent
            .grants_for(&tool.name)
            .map(|g| {
                Cond::and(vec![
                    g.condition.clone(),
                    Cond::not(Cond::or(
                        g.approvals.iter().map(|a| a.condition.clone()).collect(),
                    )),
                ])
            })
            .collect(),
    )
}

pub fn free(agent: &Agent, tool: &Tool) -> Cond {
    Cond::and(vec![
        Cond::not(denied(agent, tool)),
        Cond::not(gated(agent, tool)),
        granted_free(agent, tool),
        context_ok(agent, tool),
    ])
}

pub fn live(agent: &Agent, tool: &Tool, grant: usize) -> Cond {
    let g = agent
        .grants
        .get(grant)
        .map(|g| g.condition.clone())
        .unwrap_or(Cond::False);
    Cond::and(vec![
        g,
        Cond::not(denied(agent, tool)),
        context_ok(agent, tool),
    ])
}

impl ChannelOracle for Facts<'_> {
    fn overlap(&mut self, writer: (&Agent, &Tool), reader: (&Agent, &Tool)) -> Option<Overlap> {
        let (w_arg, r_arg) = match (&writer.1.resource, &reader.1.resource) {
            (Some(w), Some(r)) => (w.arg.clone(), r.arg.clone()),
            _ => return None,
        };
        let (Some(wt), Some(rt)) = (self.tool(&writer.1.name), self.tool(&reader.1.name)) else {
            return None;
        };
        let q = Query {
            slots: vec![
                Slot {
                    tool: wt,
                    cond: permitted(writer.0, wt),
                },
                Slot {
                    tool: rt,
                    cond: permitted(reader.0, rt),
                },
            ],
            links: vec![Link {
                left: (0, w_arg.clone()),
                right: (1, r_arg),
            }],
        };
        match self.smt.check(&q) {
            Answer::Unsat => None,
            Answer::Sat(found) => {
                let (w, r) = match found.as_slice() {
                    [w, r] => (w.clone(), r.clone()),
                    _ => return None,
                };
                let name = w
                    .args
                    .get(&w_arg)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                Some(Overlap::Proven(Box::new(crate::graph::Shared {
                    name,
                    writer_args: w.args,
                    reader_args: r.args,
                    writer_justification: w.justification,
                    reader_justification: r.justification,
                })))
            }
            Answer::Unknown(reason) => {
                self.undecided.push(Undecided {
                    question: format!(
                        "whether `{}` (via `{}`) and `{}` (via `{}`) can use the same `{}`",
                        writer.0.name,
                        writer.1.name,
                        reader.0.name,
                        reader.1.name,
                        writer
                            .1
                            .resource
                            .as_ref()
                            .map(|r| r.ty.as_str())
                            .unwrap_or("resource")
                    ),
                    reason: reason.clone(),
                    agent: writer.0.name.clone(),
                    tool: writer.1.name.clone(),
                });
                Some(Overlap::Unknown(reason))
            }
        }
    }
}

/// An assignment as the `args` of a witness call.
pub fn first(answer: &Answer) -> Option<Assignment> {
    match answer {
        Answer::Sat(a) => a.first().cloned(),
        _ => None,
    }
}
