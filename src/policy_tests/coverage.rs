//! Which rules no test exercised. A rule is exercised when the reference
//! decision of some case names it: a grant that allowed (or matched a call
//! that needs approval), a deny rule that denied, an approval trigger or gate
//! whose approval was still needed, a limit that was reached, a budget that
//! was exceeded. So a limit counts only once a test shows it denying; a
//! trigger only once a test shows it demanding approval.

use super::CaseResult;
use crate::model::Model;
use crate::source::Span;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    /// `grant`, `deny`, `approval`, `limit` or `budget`.
    pub kind: &'static str,
    pub id: String,
    pub span: Span,
}

/// Every rule of `model` in (agent, source) order, and whether exercised.
pub fn rules(model: &Model) -> Vec<(&'static str, String, Span)> {
    let mut out = Vec::new();
    for a in model.agents.values() {
        for g in &a.grants {
            out.push(("grant", g.id.clone(), g.origin.span));
            for ap in &g.approvals {
                out.push(("approval", ap.id.clone(), ap.origin.span));
            }
        }
        for d in &a.denies {
            out.push(("deny", d.id.clone(), d.origin.span));
        }
        for g in &a.gates {
            out.push(("approval", g.approval.id.clone(), g.approval.origin.span));
        }
        for l in &a.limits {
            out.push(("limit", l.id.clone(), l.origin.span));
        }
        if a.budget.is_some() {
            out.push(("budget", format!("{}/budget", a.name), a.span));
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|(_, id, _)| seen.insert(id.clone()));
    out
}

/// The rules no case exercised, and how many rules there are.
pub fn uncovered(model: &Model, results: &[CaseResult]) -> (Vec<Uncovered>, usize) {
    let mut hit: BTreeSet<&str> = BTreeSet::new();
    for r in results {
        if let Some(rules) = &r.reference.rules {
            hit.extend(rules.iter().map(String::as_str));
        }
        hit.extend(r.reference.approvals.iter().map(|a| a.rule.as_str()));
    }
    let all = rules(model);
    let total = all.len();
    let missing = all
        .into_iter()
        .filter(|(_, id, _)| !hit.contains(id.as_str()))
        .map(|(kind, id, span)| Uncovered { kind, id, span })
        .collect();
    (missing, total)
}
