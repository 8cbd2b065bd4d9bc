//! Why a request got its decision. Input: the events the reference evaluator
//! (`eval::decide_traced`) emits while it decides — each rule it tests with
//! the value of every atom of its condition, each limit, the budget, the
//! justification and every approval. Output: a [`Trace`], serialisable, in
//! the order `decide` looked at things.
//!
//! The trace is recorded by `decide` itself through the [`Tracer`] hooks, so
//! it cannot drift from the decision: no second evaluator exists. Atom
//! values are computed with the same `Atom::eval` the decision uses.

use super::cond::{Atom, Cond, Env};
use super::{show, Approval, Limit, Money, Tool};
use serde::Serialize;

/// The hooks `decide` calls. Every method has an empty default, so the
/// untraced decision ([`NoTrace`]) costs nothing.
pub trait Tracer {
    fn rule(&mut self, _kind: RuleKind, _id: &str, _tool: &Tool, _cond: &Cond, _env: &Env<'_>) {}
    fn limit(&mut self, _limit: &Limit, _counter: Option<i64>, _reached: bool) {}
    fn budget(&mut self, _check: BudgetCheck) {}
    fn justification(&mut self, _given: Option<&str>, _ok: bool) {}
    fn approval(&mut self, _a: ApprovalEvent<'_>) {}
    fn stop(&mut self, _why: &str) {}
}

/// The decision without a trace.
pub struct NoTrace;
impl Tracer for NoTrace {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Deny,
    Grant,
}

/// The budget test of a spend call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetCheck {
    pub rule: String,
    pub budget: String,
    /// `context.spent`, if given.
    pub spent: Option<String>,
    /// The amount of this call, if it is well-formed money.
    pub amount: Option<String>,
    pub ok: bool,
}

/// An approval trigger or gate looked at by `decide`.
pub struct ApprovalEvent<'a> {
    /// The grant whose trigger this is; `None` for a gate.
    pub grant: Option<&'a str>,
    pub approval: &'a Approval,
    pub tool: &'a Tool,
    pub env: &'a Env<'a>,
    /// Distinct approvers of the group given in the request.
    pub given: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub steps: Vec<Step>,
    /// Why `decide` stopped before the approval stage, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// One atom of a condition and its value on the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtomValue {
    /// The atom in policy syntax: `amount > USD 500.00`.
    pub atom: String,
    pub value: bool,
    /// What the atom read: `amount is USD 600.00`.
    pub actual: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "check")]
pub enum Step {
    /// A deny rule or grant and whether its condition held.
    Rule {
        kind: RuleKind,
        rule: String,
        condition: String,
        matched: bool,
        atoms: Vec<AtomValue>,
    },
    Limit {
        rule: String,
        max: u64,
        window: String,
        counter: Option<i64>,
        reached: bool,
    },
    Budget(BudgetCheck),
    Justification {
        given: bool,
        ok: bool,
    },
    /// An approval trigger (of `grant`) or a gate (no `grant`).
    Approval {
        rule: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        grant: Option<String>,
        condition: String,
        fires: bool,
        atoms: Vec<AtomValue>,
        group: String,
        count: u32,
        given: usize,
        /// Fires and not enough approvers: still needed.
        missing: bool,
    },
}

/// The atoms of a condition, each evaluated with the evaluator's own
/// `Atom::eval`, in the order they are written.
pub fn atoms(tool: &Tool, cond: &Cond, env: &Env<'_>) -> Vec<AtomValue> {
    let mut out = Vec::new();
    collect(cond, &mut |a: &Atom| {
        out.push(AtomValue {
            atom: show::atom(tool, a),
            value: a.eval(env),
            actual: show::actual(tool, a, env),
        });
    });
    out
}

fn collect(cond: &Cond, f: &mut dyn FnMut(&Atom)) {
    match cond {
        Cond::True | Cond::False => {}
        Cond::And(p) | Cond::Or(p) => p.iter().for_each(|c| collect(c, f)),
        Cond::Not(c) => collect(c, f),
        Cond::Atom(a) => f(a),
    }
}

impl Tracer for Trace {
    fn rule(&mut self, kind: RuleKind, id: &str, tool: &Tool, cond: &Cond, env: &Env<'_>) {
        self.steps.push(Step::Rule {
            kind,
            rule: id.to_string(),
            condition: show::cond(tool, cond),
            matched: cond.eval(env),
            atoms: atoms(tool, cond, env),
        });
    }

    fn limit(&mut self, limit: &Limit, counter: Option<i64>, reached: bool) {
        self.steps.push(Step::Limit {
            rule: limit.id.clone(),
            max: limit.max,
            window: limit.window.key(),
            counter,
            reached,
        });
    }

    fn budget(&mut self, check: BudgetCheck) {
        self.steps.push(Step::Budget(check));
    }

    fn justification(&mut self, given: Option<&str>, ok: bool) {
        self.steps.push(Step::Justification {
            given: given.is_some(),
            ok,
        });
    }

    fn approval(&mut self, e: ApprovalEvent<'_>) {
        let fires = e.approval.condition.eval(e.env);
        self.steps.push(Step::Approval {
            rule: e.approval.id.clone(),
            grant: e.grant.map(String::from),
            condition: show::cond(e.tool, &e.approval.condition),
            fires,
            atoms: atoms(e.tool, &e.approval.condition, e.env),
            group: e.approval.group.clone(),
            count: e.approval.count,
            given: e.given,
            missing: fires && e.given < e.approval.count as usize,
        });
    }

    fn stop(&mut self, why: &str) {
        self.stopped = Some(why.to_string());
    }
}

/// `USD 12.00`, for budget steps.
pub fn money(minor: i64, currency: &str) -> String {
    Money {
        minor,
        currency: currency.to_string(),
    }
    .display()
}

impl Trace {
    /// The decision and its trace as text, one line per fact, for
    /// `agentpol eval --explain`.
    pub fn text(&self, d: &super::eval::Decision) -> String {
        let mut out = format!("decision: {}\n", d.decision.as_str());
        for r in &d.reasons {
            out.push_str(&format!("  {r}\n"));
        }
        out.push_str("\nwhy:\n");
        for s in &self.steps {
            step_text(s, &mut out);
        }
        if let Some(why) = &self.stopped {
            out.push_str(&format!("stopped here: {why}\n"));
        }
        if !d.approvals.is_empty() {
            out.push_str("\napprovals still missing:\n");
            for a in &d.approvals {
                let reason = a
                    .reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {} approver(s) from `{}` for `{}`{reason}\n",
                    a.count, a.group, a.rule
                ));
            }
        }
        if !d.log.is_empty() {
            out.push_str(&format!(
                "\nlog{}: {}\n",
                if d.tamper_evident {
                    " (tamper-evident)"
                } else {
                    ""
                },
                d.log.join(", ")
            ));
        }
        out
    }
}

fn atom_lines(atoms: &[AtomValue], out: &mut String) {
    for a in atoms {
        out.push_str(&format!("    `{}`: {}, {}\n", a.atom, a.value, a.actual));
    }
}

fn step_text(s: &Step, out: &mut String) {
    match s {
        Step::Rule {
            kind,
            rule,
            condition,
            matched,
            atoms,
        } => {
            let (what, verdict) = match (kind, matched) {
                (RuleKind::Deny, true) => ("deny", "matches: the request is denied"),
                (RuleKind::Deny, false) => ("deny", "does not match"),
                (RuleKind::Grant, true) => ("grant", "matches"),
                (RuleKind::Grant, false) => ("grant", "does not match"),
            };
            out.push_str(&format!("{what} `{rule}` where `{condition}`: {verdict}\n"));
            atom_lines(atoms, out);
        }
        Step::Limit {
            rule,
            max,
            window,
            counter,
            reached,
        } => {
            let state = match (counter, reached) {
                (None, _) => format!("`context.calls.{window}` is missing: denied"),
                (Some(n), true) => format!("{n} call(s) made: limit reached, denied"),
                (Some(n), false) => format!("{n} call(s) made: within the limit"),
            };
            out.push_str(&format!("limit `{rule}` ({max} per {window}): {state}\n"));
        }
        Step::Budget(b) => {
            let spent = b.spent.as_deref().unwrap_or("missing");
            let amount = b.amount.as_deref().unwrap_or("not money");
            let verdict = if b.ok { "fits" } else { "does not fit: denied" };
            out.push_str(&format!(
                "budget `{}` of {}: spent {spent}, this call {amount}: {verdict}\n",
                b.rule, b.budget
            ));
        }
        Step::Justification { given, ok } => {
            let verdict = match (given, ok) {
                (_, true) => "required and given",
                (true, false) => "required and empty: denied",
                (false, false) => "required and missing: denied",
            };
            out.push_str(&format!("justification: {verdict}\n"));
        }
        Step::Approval {
            rule,
            grant,
            condition,
            fires,
            atoms,
            group,
            count,
            given,
            missing,
        } => {
            let what = match grant {
                Some(g) => format!("approval trigger `{rule}` of `{g}`"),
                None => format!("approval gate `{rule}`"),
            };
            let verdict = match (fires, missing) {
                (false, _) => "does not fire".to_string(),
                (true, true) => format!(
                    "fires: needs {count} approver(s) from `{group}`, {given} given: still missing"
                ),
                (true, false) => {
                    format!("fires: needs {count} approver(s) from `{group}`, {given} given: met")
                }
            };
            out.push_str(&format!("{what} when `{condition}`: {verdict}\n"));
            atom_lines(atoms, out);
        }
    }
}
