//! ⑤b The analyzer. Input: the checked [`Model`] (and the [`SourceMap`],
//! read only for inline suppressions), plus [`Settings`] from
//! `agentpol.toml`. Output: findings as [`Diagnostic`]s — each with a stable
//! code, labels on the rules involved, and a witness whose calls the
//! reference evaluator has confirmed.
//!
//! Every check is one file under `checks/` holding its documentation (the
//! file's `//!` comment, printed by `agentpol explain`), its code, severity,
//! messages and logic, and is registered once, in [`CHECKS`] (`registry`). Checks share
//! one capability graph (`graph`), one solver (`smt`, the only place z3 is
//! touched) and the memoised questions of `facts`.

pub mod checks;
mod context;
pub mod facts;
pub mod flow;
pub mod reach;
mod registry;
mod settings;
pub mod sinks;
pub mod smt;
mod spans;
pub mod spend;
pub mod suppress;
pub mod witness;

pub use context::Cx;
pub use context::Granted;
pub use registry::{lookup, lookup_name, render, Check, CHECKS};
pub use settings::Settings;
pub use witness::{effects, Witness};

use crate::diagnostics::Diagnostic;
use crate::graph::CapabilityGraph;
use crate::model::Model;
use crate::source::SourceMap;
use facts::Facts;
use std::collections::BTreeSet;

/// The result of analyzing one policy set.
#[derive(Debug)]
pub struct Analysis {
    /// Sorted findings, after suppressions and severity overrides.
    pub diagnostics: Vec<Diagnostic>,
    pub stats: smt::Stats,
    /// Time spent building the graph (`graph`) and in each check, by code.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// A rendered finding before suppression: the diagnostic and the agents it
/// concerns (a `[[suppress]]` entry may name one).
#[derive(Debug, Clone)]
pub struct Report {
    pub diagnostic: Diagnostic,
    pub agents: BTreeSet<String>,
}

impl Report {
    pub fn new<'a>(agents: impl IntoIterator<Item = &'a str>, diagnostic: Diagnostic) -> Report {
        Report {
            diagnostic,
            agents: agents.into_iter().map(String::from).collect(),
        }
    }
}

/// Runs every check, in a solver context of its own.
pub fn analyze(model: &Model, sources: &SourceMap, settings: &Settings) -> Analysis {
    crate::source::with_stack(|| smt::with_fresh_context(|| run(model, sources, settings)))
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
        unconfirmed: Vec::new(),
        flows: None,
    };
    // Questions the graph left open.
    let mut findings = (checks::solver_unknown::CHECK.run)(&mut cx);
    for check in CHECKS {
        let started = std::time::Instant::now();
        let found = (check.run)(&mut cx);
        // What the check met on the way: open questions, unconfirmed witnesses.
        findings.extend((checks::solver_unknown::CHECK.run)(&mut cx));
        findings.extend(checks::unconfirmed_witness::reports(&mut cx, check));
        findings.extend(found);
        timings.push((check.code.as_str(), started.elapsed()));
    }
    for f in &mut findings {
        for l in &mut f.diagnostic.labels {
            l.span = spans::trim(sources, l.span);
        }
    }
    let stats = cx.facts.smt.stats();
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
