//! ⑤b The analyzer. Input: the checked [`Model`] (and the [`SourceMap`],
//! read only for inline suppressions), plus [`Settings`] from
//! `agentpol.toml`. Output: findings as [`Diagnostic`]s — each with a stable
//! code, labels on the rules involved, and a witness whose calls the
//! reference evaluator has confirmed.
//!
//! Every check is one file under `checks/` holding its documentation (the
//! file's `//!` comment, printed by `agentpol explain`), its code, severity,
//! messages and logic, and is registered once, in [`CHECKS`]. Checks share
//! one capability graph (`graph`), one solver (`smt`, the only place z3 is
//! touched) and the memoised questions of `facts`.

pub mod checks;
pub mod facts;
pub mod flow;
pub mod smt;
pub mod suppress;
pub mod witness;

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::graph::CapabilityGraph;
use crate::model::{Agent, Model, Tool};
use crate::source::{SourceMap, Span};
use facts::Facts;
use smt::{Answer, Assignment, Limits, Query};
use std::collections::{BTreeMap, BTreeSet};
use witness::{Call, Expect, State, Step, Witness};

/// One check: its identity, its documentation and its logic.
pub struct Check {
    pub code: Code,
    /// kebab-case name of what it flags.
    pub name: &'static str,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    /// The check's own source file; [`Check::doc`] is its `//!` comment.
    pub source: &'static str,
    pub run: fn(&mut Cx<'_>),
    /// Whether every finding carries a witness with at least one call.
    pub witness: bool,
}

impl Check {
    /// The documentation: the leading `//!` lines of the check's file.
    pub fn doc(&self) -> String {
        let mut out = Vec::new();
        for line in self.source.lines() {
            match line.strip_prefix("//!") {
                Some(rest) => out.push(rest.strip_prefix(' ').unwrap_or(rest)),
                None => break,
            }
        }
        out.join("\n").trim().to_string()
    }
}

/// The source text of the file that invokes it, for [`Check::source`].
macro_rules! check_source {
    () => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", file!()))
    };
}
pub(crate) use check_source;

/// THE list of checks, in the order they run and are listed.
pub static CHECKS: &[&Check] = &[
    &checks::untrusted_to_privileged::CHECK,
    &checks::unapproved_spend::CHECK,
    &checks::lethal_trifecta::CHECK,
    &checks::exfiltration::CHECK,
    &checks::cross_agent_flow::CHECK,
    &checks::allow_deny_overlap::CHECK,
    &checks::shadowed_grant::CHECK,
    &checks::unsatisfiable_condition::CHECK,
    &checks::approval_never_fires::CHECK,
    &checks::approval_bypassed::CHECK,
    &checks::approval_on_every_call::CHECK,
    &checks::spend_exceeds_budget::CHECK,
    &checks::browser_bypass::CHECK,
    &checks::self_modifying_memory::CHECK,
    &checks::wildcard_grant::CHECK,
    &checks::wildcard_egress::CHECK,
    &checks::long_lived_credentials::CHECK,
    &checks::multi_domain_agent::CHECK,
    &checks::missing_audit_log::CHECK,
    &checks::missing_justification::CHECK,
    &checks::suppression_without_reason::CHECK,
    &checks::solver_unknown::CHECK,
    &checks::unconfirmed_witness::CHECK,
];

/// Every code agentpol can report, as SARIF rules: the front end's table,
/// then the checks.
pub fn sarif_rules() -> Vec<crate::diagnostics::render::sarif::Rule> {
    use crate::diagnostics::render::sarif::Rule;
    let front = crate::diagnostics::codes::TABLE.iter().map(|d| Rule {
        id: d.code.as_str().to_string(),
        name: d.name.to_string(),
        summary: d.summary.to_string(),
        help: d.explanation.to_string(),
        level: d.code.default_severity(),
    });
    let checks = CHECKS.iter().map(|c| Rule {
        id: c.code.as_str().to_string(),
        name: c.name.to_string(),
        summary: c.summary.to_string(),
        help: c.doc(),
        level: c.code.default_severity(),
    });
    front.chain(checks).collect()
}

/// The check with this code (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static Check> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.code.as_str().eq_ignore_ascii_case(code))
}

/// The check with this name (`untrusted-input-to-privileged-sink`).
pub fn lookup_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.name == name)
}

/// Settings from `agentpol.toml` that change what is reported.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Per-code severity; `None` turns the code off.
    pub severity: BTreeMap<String, Option<Severity>>,
    pub suppress: Vec<suppress::ConfigSuppression>,
    pub limits: Limits,
}

/// The result of analyzing one policy set.
#[derive(Debug)]
pub struct Analysis {
    /// Sorted findings, after suppressions and severity overrides.
    pub diagnostics: Vec<Diagnostic>,
    pub stats: smt::Stats,
    /// Time spent building the graph (`graph`) and in each check, by code.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// A finding before suppression: the diagnostic and the agents it concerns.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub agents: BTreeSet<String>,
}

/// Runs every check, in a solver context of its own.
pub fn analyze(model: &Model, sources: &SourceMap, settings: &Settings) -> Analysis {
    smt::with_fresh_context(|| run(model, sources, settings))
}

fn run(model: &Model, sources: &SourceMap, settings: &Settings) -> Analysis {
    let mut timings = Vec::new();
    let started = std::time::Instant::now();
    let mut facts = Facts::new(model, settings.limits);
    let graph = CapabilityGraph::build(model, &mut facts);
    timings.push(("graph", started.elapsed()));
    let mut cx = Cx {
        model,
        sources,
        graph,
        facts,
        findings: Vec::new(),
        current: CHECKS[0],
        flows: None,
    };
    for u in std::mem::take(&mut cx.facts.undecided) {
        cx.current = &checks::solver_unknown::CHECK;
        checks::solver_unknown::report(&mut cx, &u);
    }
    for check in CHECKS {
        cx.current = check;
        let started = std::time::Instant::now();
        (check.run)(&mut cx);
        timings.push((check.code.as_str(), started.elapsed()));
    }
    let stats = cx.facts.smt.stats.clone();
    let mut findings = cx.findings;
    // One finding per code, location and message.
    let mut seen = BTreeSet::new();
    findings.retain(|f| {
        seen.insert((
            f.diagnostic.code.as_str(),
            f.diagnostic.primary_span(),
            f.diagnostic.message.clone(),
        ))
    });
    let diagnostics = suppress::apply(findings, sources, settings);
    Analysis {
        diagnostics,
        stats,
        timings,
    }
}

/// What a check sees: the model, the graph, the solver, and where to report.
pub struct Cx<'m> {
    pub model: &'m Model,
    pub sources: &'m SourceMap,
    pub graph: CapabilityGraph,
    pub facts: Facts<'m>,
    findings: Vec<Finding>,
    current: &'static Check,
    flows: Option<std::rc::Rc<flow::Flows>>,
}

impl<'m> Cx<'m> {
    /// A diagnostic of the running check with its default severity.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.current.code, message)
    }

    pub fn report<'a>(&mut self, agents: impl IntoIterator<Item = &'a str>, mut d: Diagnostic) {
        for l in &mut d.labels {
            l.span = trim(self.sources, l.span);
        }
        self.findings.push(Finding {
            diagnostic: d,
            agents: agents.into_iter().map(String::from).collect(),
        });
    }

    pub fn agents(&self) -> impl Iterator<Item = &'m Agent> + 'm {
        self.model.agents.values()
    }

    pub fn tool(&self, name: &str) -> Option<&'m Tool> {
        self.model.tools.get(name)
    }

    /// The tools an agent is granted, resolved, in name order.
    pub fn granted_tools(&self, agent: &'m Agent) -> Vec<&'m Tool> {
        agent
            .granted_tools()
            .into_iter()
            .filter_map(|t| self.model.tools.get(t))
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
                let current = self.current;
                self.current = &checks::solver_unknown::CHECK;
                checks::solver_unknown::report(self, &u);
                self.current = current;
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
            let current = self.current;
            self.current = &checks::unconfirmed_witness::CHECK;
            checks::unconfirmed_witness::report(
                self, current, agent, tool, &request, expect, &decision,
            );
            self.current = current;
        }
        Call {
            request,
            decision: decision.decision,
        }
    }

    /// The index of the grant that decides `a` (the one `decide` names),
    /// else the first grant of the tool whose condition holds.
    pub fn deciding_grant(&self, agent: &Agent, tool: &Tool, a: &Assignment) -> Option<usize> {
        let request = witness::request(agent, tool, a, State::default());
        let d = witness::decide(self.model, &request);
        let by_rule = agent
            .grants
            .iter()
            .position(|g| g.tool == tool.name && d.rules.contains(&g.id));
        by_rule.or_else(|| {
            let env = crate::model::cond::Env {
                args: &a.args,
                justification: a.justification.as_deref(),
            };
            agent
                .grants
                .iter()
                .position(|g| g.tool == tool.name && g.condition.eval(&env))
        })
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

    /// The span from `needle` to the end of its line inside the agent's
    /// declaration: a whole setting such as `budget USD 100.00 per session`.
    pub fn setting_in_agent(&self, agent: &Agent, needle: &str) -> Span {
        let s = self.find_in_agent(agent, needle);
        if s == agent.span {
            return s;
        }
        let Some(file) = self.sources.get(s.file) else {
            return s;
        };
        let rest = file.text.get(s.start..).unwrap_or_default();
        let line = rest.split('\n').next().unwrap_or_default();
        let line = line.split(" #").next().unwrap_or(line).trim_end();
        let line = line.strip_suffix('}').unwrap_or(line).trim_end();
        Span::new(s.file, s.start, s.start + line.len().max(needle.len()))
    }

    /// The span of `needle` inside the agent's declaration, for properties
    /// the model keeps without a span (egress entries, domains, lifetimes).
    pub fn find_in_agent(&self, agent: &Agent, needle: &str) -> Span {
        let Some(file) = self.sources.get(agent.span.file) else {
            return agent.span;
        };
        let from = agent.span.start;
        let Some(text) = file.text.get(from..) else {
            return agent.span;
        };
        // The first occurrence that is not inside a comment.
        for (i, _) in text.match_indices(needle) {
            let line_start = text[..i].rfind('\n').map(|n| n + 1).unwrap_or(0);
            let before = &text[line_start..i];
            if suppress::comment_start(before).is_none() {
                return Span::new(agent.span.file, from + i, from + i + needle.len());
            }
        }
        agent.span
    }
}

/// A rule's span without the blank lines and comments the parser attaches
/// after it, so that labels underline the rule and nothing else.
pub fn trim(sources: &SourceMap, span: Span) -> Span {
    let text = sources.slice(span);
    let mut end = text.len();
    loop {
        let kept = text[..end].trim_end();
        end = kept.len();
        // Drop a trailing comment-only line.
        match kept.rfind('\n') {
            Some(i) if kept[i + 1..].trim_start().starts_with('#') => end = i,
            _ => break,
        }
    }
    if end == 0 {
        return span;
    }
    Span::new(span.file, span.start, span.start + end)
}

/// Builds the witness value of a finding.
pub fn witness(path: Vec<Step>, calls: Vec<Call>) -> serde_json::Value {
    serde_json::to_value(Witness { path, calls }).unwrap_or(serde_json::Value::Null)
}

/// The effects of a tool as `a, b, c`.
pub fn effects(tool: &Tool) -> String {
    tool.effects
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
