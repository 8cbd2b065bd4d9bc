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

use super::smt::strings::{self, Pattern};
use super::smt::{Answer, Assignment, Limits, Link, Query, Slot, Smt};
use crate::graph::{ChannelOracle, Overlap};
use crate::model::cond::StrOrArg;
use crate::model::{Agent, Atom, Cond, IntOperand, Model, StrOperand, Tool};
use crate::syntax::ast::CmpOp;
use serde_json::Value;
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
    endpoints: HashMap<(String, String), Endpoint>,
    pairs: HashMap<String, Meet>,
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
            endpoints: HashMap::new(),
            pairs: HashMap::new(),
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

/// How one (agent, tool) may name a resource: the tests its `permitted`
/// condition makes on the resource argument, and for each combination of
/// their results that some name realizes, a call allowed with such a name
/// (`None`: not allowed; `Err`: undecided). The condition depends on the
/// name only through these results, so this is exact.
#[derive(Debug, Clone)]
struct Endpoint {
    patterns: Vec<Pattern>,
    combos: Vec<(Vec<bool>, Allowed)>,
}

/// The most resource tests an endpoint is enumerated for (one solver
/// question per realizable combination of their results).
const MAX_ENDPOINT_TESTS: usize = 256;

/// A call allowed with such a name, none (`Ok(None)`), or undecided (`Err`).
type Allowed = Result<Option<Assignment>, String>;

impl Facts<'_> {
    fn endpoint(&mut self, agent: &Agent, tool: &Tool) -> Option<Endpoint> {
        let key = (agent.name.clone(), tool.name.clone());
        if let Some(e) = self.endpoints.get(&key) {
            return Some(e.clone());
        }
        let arg = tool.resource.as_ref()?.arg.clone();
        let tool = self.tool(&tool.name)?;
        let cond = permitted(agent, tool);
        let mut patterns = Vec::new();
        str_patterns(&cond, &arg, &mut patterns);
        // Too many tests to ask about each combination of results (a long
        // `in` list): the pair of endpoints goes to the solver instead.
        if patterns.len() > MAX_ENDPOINT_TESTS {
            return None;
        }
        let cells = strings::cells(&patterns, &[], strings::MAX_CELL_STATES)?;
        let mut combos = Vec::new();
        for cell in cells {
            let fixed = fix_str(&cond, &arg, &cell.example);
            let answer = match self.smt.check(&Query::one(tool, fixed)) {
                Answer::Sat(mut a) => Ok(a.pop().map(|mut a| {
                    a.args
                        .insert(arg.clone(), Value::String(cell.example.clone()));
                    a
                })),
                Answer::Unsat => Ok(None),
                Answer::Unknown(r) => Err(r),
            };
            combos.push((cell.matches, answer));
        }
        let e = Endpoint { patterns, combos };
        self.endpoints.insert(key, e.clone());
        Some(e)
    }

    /// The same question as one solver query over both calls (fallback).
    fn overlap_by_solver(
        &mut self,
        writer: (&Agent, &Tool),
        reader: (&Agent, &Tool),
    ) -> Option<Overlap> {
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
                let [w, r] = <[Assignment; 2]>::try_from(found).ok()?;
                let name = w
                    .args
                    .get(&w_arg)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                Some(shared(name, w, r))
            }
            Answer::Unknown(reason) => Some(self.undecided_overlap(writer, reader, reason)),
        }
    }

    fn undecided_overlap(
        &mut self,
        writer: (&Agent, &Tool),
        reader: (&Agent, &Tool),
        reason: String,
    ) -> Overlap {
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
        Overlap::Unknown(reason)
    }
}

fn shared(name: String, w: Assignment, r: Assignment) -> Overlap {
    Overlap::Proven(Box::new(crate::graph::Shared {
        name,
        writer_args: w.args,
        reader_args: r.args,
        writer_justification: w.justification,
        reader_justification: r.justification,
    }))
}

/// Shared channels are decided per endpoint, not per pair: the solver finds,
/// once for each (agent, tool), which combinations of its own resource tests
/// it allows; two endpoints overlap exactly when some name gives a
/// combination each of them allows, which the automata of `strings` decide
/// over the union of their patterns. A pair query is never needed unless an
/// automaton grows too large.
impl ChannelOracle for Facts<'_> {
    fn permitted(&self, agent: &Agent, tool: &Tool) -> Cond {
        permitted(agent, tool)
    }

    /// For each combination of resource tests the endpoint allows (or could
    /// not decide), the longest literal prefix of the patterns it matches:
    /// a name in that combination matches all of them, so it starts with
    /// that prefix. A combination that matches no pattern admits names
    /// with no common prefix.
    fn prefixes(&mut self, agent: &Agent, tool: &Tool) -> Option<Vec<String>> {
        let e = self.endpoint(agent, tool)?;
        let mut out = Vec::new();
        for (matches, allowed) in &e.combos {
            if matches!(allowed, Ok(None)) {
                continue;
            }
            let longest = e
                .patterns
                .iter()
                .zip(matches)
                .filter(|(_, m)| **m)
                .map(|(p, _)| match p {
                    Pattern::Exact(s) => s.as_str(),
                    Pattern::Glob(g) => g.split('*').next().unwrap_or_default(),
                })
                .max_by_key(|p| p.len())?;
            if !out.iter().any(|p: &String| p == longest) {
                out.push(longest.to_string());
            }
        }
        Some(out)
    }

    fn overlap(&mut self, writer: (&Agent, &Tool), reader: (&Agent, &Tool)) -> Option<Overlap> {
        let (Some(w), Some(r)) = (
            self.endpoint(writer.0, writer.1),
            self.endpoint(reader.0, reader.1),
        ) else {
            return self.overlap_by_solver(writer, reader);
        };
        if !w.combos.iter().any(|(_, a)| !matches!(a, Ok(None)))
            || !r.combos.iter().any(|(_, a)| !matches!(a, Ok(None)))
        {
            return None;
        }
        let (w_arg, r_arg) = match (&writer.1.resource, &reader.1.resource) {
            (Some(a), Some(b)) => (a.arg.clone(), b.arg.clone()),
            _ => return None,
        };
        let decision = match self.pairs.get(&pair_key(&w, &r)) {
            Some(d) => d.clone(),
            None => {
                let d = meet(&w, &r);
                self.pairs.insert(pair_key(&w, &r), d.clone());
                d
            }
        };
        match decision {
            Meet::No => None,
            Meet::TooLarge => self.overlap_by_solver(writer, reader),
            Meet::Undecided(reason) => Some(self.undecided_overlap(writer, reader, reason)),
            Meet::Yes { name, w: vw, r: vr } => {
                let pick = |e: &Endpoint, v: &Vec<bool>| {
                    e.combos.iter().find_map(|(m, a)| match a {
                        Ok(Some(a)) if m == v => Some(a.clone()),
                        _ => None,
                    })
                };
                let (Some(mut wa), Some(mut ra)) = (pick(&w, &vw), pick(&r, &vr)) else {
                    return self.overlap_by_solver(writer, reader);
                };
                // The same name, in a combination both endpoints allow.
                wa.args.insert(w_arg, Value::String(name.clone()));
                ra.args.insert(r_arg, Value::String(name.clone()));
                let ok = |a: &Assignment, c: &Cond| {
                    c.eval(&crate::model::cond::Env {
                        args: &a.args,
                        justification: a.justification.as_deref(),
                    })
                };
                if ok(&wa, &permitted(writer.0, writer.1))
                    && ok(&ra, &permitted(reader.0, reader.1))
                {
                    Some(shared(name, wa, ra))
                } else {
                    self.overlap_by_solver(writer, reader)
                }
            }
        }
    }
}

/// Whether two endpoints can name the same resource, decided by automata.
#[derive(Debug, Clone)]
enum Meet {
    No,
    Yes {
        name: String,
        w: Vec<bool>,
        r: Vec<bool>,
    },
    Undecided(String),
    TooLarge,
}

/// Endpoints with the same patterns and allowed combinations meet alike.
fn pair_key(w: &Endpoint, r: &Endpoint) -> String {
    let sig = |e: &Endpoint| {
        let combos: Vec<(&Vec<bool>, u8)> = e
            .combos
            .iter()
            .map(|(m, a)| {
                (
                    m,
                    match a {
                        Ok(None) => 0,
                        Ok(Some(_)) => 1,
                        Err(_) => 2,
                    },
                )
            })
            .collect();
        format!("{:?}{:?}", e.patterns, combos)
    };
    format!("{}|{}", sig(w), sig(r))
}

fn meet(w: &Endpoint, r: &Endpoint) -> Meet {
    let mut union: Vec<Pattern> = w.patterns.clone();
    let mut seen: std::collections::HashSet<&Pattern> = w.patterns.iter().collect();
    for p in &r.patterns {
        if seen.insert(p) {
            union.push(p.clone());
        }
    }
    let Some(cells) = strings::cells(&union, &["example"], strings::MAX_CELL_STATES) else {
        return Meet::TooLarge;
    };
    let index: std::collections::HashMap<&Pattern, usize> =
        union.iter().enumerate().map(|(i, p)| (p, i)).collect();
    let project = |cell: &strings::Cell, pats: &[Pattern]| -> Vec<bool> {
        pats.iter()
            .map(|p| {
                index
                    .get(p)
                    .and_then(|&i| cell.matches.get(i).copied())
                    .unwrap_or(false)
            })
            .collect()
    };
    let by_matches = |e: &'_ Endpoint| -> std::collections::HashMap<Vec<bool>, usize> {
        let mut m = std::collections::HashMap::new();
        for (i, (k, _)) in e.combos.iter().enumerate() {
            m.entry(k.clone()).or_insert(i);
        }
        m
    };
    let (w_at, r_at) = (by_matches(w), by_matches(r));
    let status = |e: &'_ Endpoint, at: &std::collections::HashMap<Vec<bool>, usize>, v: &[bool]| {
        at.get(v)
            .and_then(|&i| e.combos.get(i))
            .map(|(_, a)| a.clone())
    };
    let mut undecided = None;
    for cell in &cells {
        let (vw, vr) = (project(cell, &w.patterns), project(cell, &r.patterns));
        match (
            status(w, &w_at, &vw).as_ref(),
            status(r, &r_at, &vr).as_ref(),
        ) {
            (Some(Ok(Some(_))), Some(Ok(Some(_)))) => {
                return Meet::Yes {
                    name: cell.example.clone(),
                    w: vw,
                    r: vr,
                };
            }
            (Some(Err(e)), Some(Ok(Some(_)) | Err(_))) | (Some(Ok(Some(_))), Some(Err(e))) => {
                undecided.get_or_insert(e.clone());
            }
            _ => {}
        }
    }
    undecided.map(Meet::Undecided).unwrap_or(Meet::No)
}

/// Every test `cond` makes on string argument `arg`, as patterns.
fn str_patterns(cond: &Cond, arg: &str, out: &mut Vec<Pattern>) {
    let mut seen: std::collections::HashSet<Pattern> = out.iter().cloned().collect();
    let mut push = |p: Pattern| {
        let p = match p {
            Pattern::Glob(g) if !g.contains('*') => Pattern::Exact(g),
            other => other,
        };
        if seen.insert(p.clone()) {
            out.push(p);
        }
    };
    fn walk(c: &Cond, arg: &str, push: &mut dyn FnMut(Pattern)) {
        match c {
            Cond::True | Cond::False => {}
            Cond::And(p) | Cond::Or(p) => p.iter().for_each(|x| walk(x, arg, push)),
            Cond::Not(x) => walk(x, arg, push),
            Cond::Atom(Atom::StrEq {
                operand: StrOperand::Arg(a),
                value,
            }) if a == arg => push(Pattern::Exact(value.clone())),
            Cond::Atom(Atom::StrIn {
                operand: StrOperand::Arg(a),
                values,
            }) if a == arg => values.iter().for_each(|v| push(Pattern::Exact(v.clone()))),
            Cond::Atom(Atom::StrLike {
                operand: StrOperand::Arg(a),
                pattern,
            }) if a == arg => push(Pattern::Glob(pattern.clone())),
            Cond::Atom(_) => {}
        }
    }
    walk(cond, arg, &mut push);
}

/// `cond` with the (required) string argument `arg` fixed to `value`.
pub fn fix_str(cond: &Cond, arg: &str, value: &str) -> Cond {
    match cond {
        Cond::True | Cond::False => cond.clone(),
        Cond::And(p) => Cond::and(p.iter().map(|x| fix_str(x, arg, value)).collect()),
        Cond::Or(p) => Cond::or(p.iter().map(|x| fix_str(x, arg, value)).collect()),
        Cond::Not(x) => Cond::not(fix_str(x, arg, value)),
        Cond::Atom(a) => {
            let known = match a {
                Atom::Has(StrOrArg::Arg(x)) if x == arg => Some(true),
                Atom::StrEq {
                    operand: StrOperand::Arg(x),
                    value: v,
                } if x == arg => Some(v == value),
                Atom::StrIn {
                    operand: StrOperand::Arg(x),
                    values,
                } if x == arg => Some(values.iter().any(|v| v == value)),
                Atom::StrLike {
                    operand: StrOperand::Arg(x),
                    pattern,
                } if x == arg => Some(crate::model::cond::glob_match(pattern, value)),
                _ => None,
            };
            match known {
                Some(true) => Cond::True,
                Some(false) => Cond::False,
                None => cond.clone(),
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
