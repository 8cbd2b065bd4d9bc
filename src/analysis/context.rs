//! What a check sees: [`Cx`] holds the model, the capability graph and the
//! memoised solver questions, and asks the solver on a check's behalf. An
//! undecided answer and a witness the reference evaluator does not confirm
//! are recorded here as facts; AP301 and AP302 render them after the check
//! that met them (see `analysis::run`).

use super::facts::{self, Facts};
use super::flow;
use super::smt::{Answer, Assignment, Query};
use super::witness::{self, Call, Expect, State, Unconfirmed};
use crate::graph::CapabilityGraph;
use crate::model::{Agent, Model, Tool};
use crate::source::{SourceMap, Span};

/// What a check sees: the model, the graph and the solver.
pub struct Cx<'m> {
    pub model: &'m Model,
    pub sources: &'m SourceMap,
    pub graph: CapabilityGraph,
    pub facts: Facts<'m>,
    /// Witness calls the reference evaluator decided otherwise, not yet reported.
    pub(super) unconfirmed: Vec<Unconfirmed>,
    pub(super) flows: Option<std::rc::Rc<flow::Flows>>,
}

impl<'m> Cx<'m> {
    pub fn agents(&self) -> impl Iterator<Item = &'m Agent> + 'm {
        self.model.agents.values()
    }

    pub fn tool(&self, name: &str) -> Option<&'m Tool> {
        self.model.tools.get(name)
    }

    /// The tools an agent is granted, resolved, in name order.
    pub fn granted_tools(&self, agent: &'m Agent) -> Vec<&'m Tool> {
        self.granted(agent).into_iter().map(|g| g.tool).collect()
    }

    /// The tools an agent is granted, each with the agent and its first
    /// grant of the tool, in name order.
    pub fn granted(&self, agent: &'m Agent) -> Vec<Granted<'m>> {
        agent
            .granted_tools()
            .into_iter()
            .filter_map(|name| {
                let tool = self.model.tools.get(name)?;
                let first = agent.grants.iter().position(|g| g.tool == name)?;
                Some(Granted { agent, tool, first })
            })
            .collect()
    }

    /// Asks the solver; `None` when unsatisfiable. An undecided answer is
    /// reported (AP301) and also gives `None`: the finding it would have
    /// supported is replaced by a finding that the property is unproven.
    pub fn sat(
        &mut self,
        q: &Query<'_>,
        agent: &Agent,
        tool: &Tool,
        question: impl FnOnce() -> String,
    ) -> Option<Vec<Assignment>> {
        let a = self.facts.check(q);
        self.answer(a, agent, tool, question)
    }

    fn answer(
        &mut self,
        a: Answer,
        agent: &Agent,
        tool: &Tool,
        question: impl FnOnce() -> String,
    ) -> Option<Vec<Assignment>> {
        match a {
            Answer::Sat(x) => Some(x),
            Answer::Unsat => None,
            Answer::Unknown(reason) => {
                let u = facts::Undecided {
                    question: question(),
                    reason,
                    agent: agent.name.clone(),
                    tool: tool.name.clone(),
                };
                self.facts.undecided.push(u);
                None
            }
        }
    }

    pub fn sat1(
        &mut self,
        tool: &Tool,
        cond: crate::model::Cond,
        agent: &Agent,
        question: impl FnOnce() -> String,
    ) -> Option<Assignment> {
        let q = Query::one(tool, cond);
        self.sat(&q, agent, tool, question)?.into_iter().next()
    }

    pub fn permitted(&mut self, agent: &Agent, tool: &'m Tool) -> Option<Assignment> {
        let a = self.facts.permitted(agent, tool);
        self.answer(a, agent, tool, || {
            format!("whether `{}` can call `{}` at all", agent.name, tool.name)
        })?
        .into_iter()
        .next()
    }

    pub fn free(&mut self, agent: &Agent, tool: &'m Tool) -> Option<Assignment> {
        let a = self.facts.free(agent, tool);
        self.answer(a, agent, tool, || {
            format!(
                "whether `{}` can call `{}` without approval",
                agent.name, tool.name
            )
        })?
        .into_iter()
        .next()
    }

    pub fn live(&mut self, agent: &Agent, grant: usize) -> Option<Assignment> {
        let g = agent.grants.get(grant)?;
        let tool = self.tool(&g.tool)?;
        let a = self.facts.live(agent, grant);
        self.answer(a, agent, tool, || {
            format!("whether grant `{}` ever applies", g.id)
        })?
        .into_iter()
        .next()
    }

    /// A witness call, confirmed by the reference evaluator; a disagreement
    /// is reported (AP302) instead of being passed off as evidence.
    pub fn call(
        &mut self,
        agent: &Agent,
        tool: &Tool,
        a: &Assignment,
        state: State,
        expect: Expect,
    ) -> Call {
        let request = witness::request(agent, tool, a, state);
        let decision = witness::decide(self.model, &request);
        if !expect.accepts(decision.decision) {
            self.unconfirmed.push(Unconfirmed {
                agent: agent.name.clone(),
                agent_span: agent.span,
                tool: tool.name.clone(),
                request: request.clone(),
                expect,
                decision: decision.clone(),
            });
        }
        Call {
            request,
            decision: decision.decision,
        }
    }

    /// The index of the grant of `granted.tool` that decides `a`: the one
    /// `decide` names, else the first whose condition holds, else the first
    /// grant of the tool. Always a grant of that tool by that agent.
    pub fn deciding_grant(&self, granted: &Granted<'_>, a: &Assignment) -> usize {
        let Granted { agent, tool, first } = *granted;
        let request = witness::request(agent, tool, a, State::default());
        let d = witness::decide(self.model, &request);
        let by_rule = agent
            .grants
            .iter()
            .position(|g| g.tool == tool.name && d.rules.contains(&g.id));
        let env = crate::model::cond::Env {
            args: &a.args,
            justification: a.justification.as_deref(),
        };
        by_rule
            .or_else(|| {
                agent
                    .grants
                    .iter()
                    .position(|g| g.tool == tool.name && g.condition.eval(&env))
            })
            .unwrap_or(first)
    }

    /// "grant `x` comes from preset `p`", for grants an agent gets by `apply`.
    pub fn preset_note(&self, agent: &Agent, grant: usize) -> Option<String> {
        let g = agent.grants.get(grant)?;
        let preset = g.origin.preset.as_ref()?;
        Some(format!(
            "grant `{}` comes from preset `{preset}`, applied by `{}`",
            g.id, agent.name
        ))
    }

    pub fn grant_span(&self, agent: &Agent, grant: usize) -> Span {
        agent
            .grants
            .get(grant)
            .map(|g| g.origin.span)
            .unwrap_or(agent.span)
    }

    /// Where untrusted content and private data reach (computed once).
    pub fn flows(&mut self) -> std::rc::Rc<flow::Flows> {
        if let Some(f) = &self.flows {
            return f.clone();
        }
        let f = std::rc::Rc::new(flow::Flows::compute(self));
        self.flows = Some(f.clone());
        f
    }
}

/// A tool an agent is granted. Only [`Cx::granted`] makes one, so `first`
/// is always the index of a grant of `tool` among `agent`'s grants.
#[derive(Debug, Clone, Copy)]
pub struct Granted<'m> {
    pub agent: &'m Agent,
    pub tool: &'m Tool,
    first: usize,
}
