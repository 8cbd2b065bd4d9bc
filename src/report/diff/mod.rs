//! ⑦′ Semantic policy diffs: what each agent can do in the new policy set
//! that it could not in the old one, and back. Input: both checked models
//! with their reports (the report's solver facts: spend ceilings, egress,
//! AWS statements, links between agents, findings). Output: a [`Diff`].
//!
//! Every grant delta is a solver question over one call — "the old policy
//! decides X and the new one decides Y" — built from the same `permitted` and
//! `free` conditions the analyzer uses (`analysis::facts`), asked per tool and
//! per declared resource instance. A satisfying call is turned into a request
//! and replayed through the reference `decide` on both sides; only a delta
//! whose witness really gets two different decisions is reported as
//! confirmed. When the solver cannot decide, the delta is reported as
//! `undecided` (fail closed: it counts as widening). Equal behaviour — a
//! reordered rule, a split file, an equivalent constraint — makes every
//! question unsatisfiable, so the diff is empty: "no change in behaviour".

pub mod markdown;

use super::{AgentReport, Report};
use crate::analysis::facts;
use crate::analysis::smt::{Answer, Assignment, Limits, Query, Smt};
use crate::analysis::spend::{Amount, Per};
use crate::analysis::witness::{self, State};
use crate::model::cond::{Atom, Cond, StrOperand};
use crate::model::{Agent, Model, Outcome, Tool};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The diff format's version; bumped on incompatible changes.
pub const VERSION: u32 = 1;

/// One side of the comparison.
pub struct Side<'a> {
    pub model: &'a Model,
    pub report: &'a Report,
    /// How the side is named in the output (a path or `REV:path`).
    pub label: &'a str,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diff {
    pub version: u32,
    pub old: String,
    pub new: String,
    /// Some agent can do something it could not before (or a question was
    /// undecided).
    pub widened: bool,
    /// Some agent's behaviour changed at all.
    pub changed: bool,
    pub agents: Vec<AgentDiff>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AgentDiff {
    pub agent: String,
    /// `added`, `removed` or `changed`.
    pub status: String,
    pub deltas: Vec<Delta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Delta {
    /// `capability_gained`, `capability_lost`, `approval_removed`,
    /// `approval_added`, `undecided`, `spend_changed`, `egress_added`,
    /// `egress_removed`, `aws_added`, `aws_removed`, `link_added`,
    /// `link_removed`, `risk_opened`, `risk_closed`.
    pub kind: String,
    /// The agent can do more than before.
    pub widens: bool,
    pub tool: Option<String>,
    /// The declared resource instance (`type "pattern"`), when the delta is
    /// about one.
    pub resource: Option<String>,
    /// What changed, in words.
    pub detail: String,
    /// A request the two policies decide differently, replayed through the
    /// reference evaluator on both sides.
    pub witness: Option<Witness>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Witness {
    #[schemars(with = "Value")]
    pub request: Value,
    pub old: Outcome,
    pub new: Outcome,
    /// `decide` gave `old` on the old policy and `new` on the new one, and
    /// they differ as the delta claims.
    pub confirmed: bool,
}

/// Compares two policy sets (the solver questions run in their own context).
pub fn diff(old: &Side<'_>, new: &Side<'_>, limits: Limits) -> Diff {
    let names: BTreeSet<&str> = old
        .model
        .agents
        .keys()
        .chain(new.model.agents.keys())
        .map(String::as_str)
        .collect();
    let mut agents = Vec::new();
    crate::analysis::smt::with_fresh_context(|| {
        let mut smt = Smt::new(limits);
        for name in &names {
            let (oa, na) = (old.model.agents.get(*name), new.model.agents.get(*name));
            let status = match (oa, na) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            let mut deltas = Vec::new();
            let mut tools: BTreeSet<&str> = BTreeSet::new();
            for a in oa.into_iter().chain(na) {
                tools.extend(a.granted_tools());
            }
            for t in tools {
                grant_deltas(&mut smt, old.model, new.model, oa, na, t, &mut deltas);
            }
            let (orep, nrep) = (
                agent_report(old.report, name),
                agent_report(new.report, name),
            );
            fact_deltas(orep, nrep, &mut deltas);
            if !deltas.is_empty() || status != "changed" {
                agents.push(AgentDiff {
                    agent: (*name).to_string(),
                    status: status.to_string(),
                    deltas,
                });
            }
        }
    });
    let widened = agents.iter().any(|a| a.deltas.iter().any(|d| d.widens));
    Diff {
        version: VERSION,
        old: old.label.to_string(),
        new: new.label.to_string(),
        widened,
        changed: !agents.is_empty(),
        agents,
    }
}

fn agent_report<'r>(r: &'r Report, name: &str) -> Option<&'r AgentReport> {
    r.agents.iter().find(|a| a.name == name)
}

/// The condition of `which` (`permitted` or `free`) for one side; `False`
/// when the agent or the tool does not exist there.
fn side_cond(
    model: &Model,
    agent: Option<&Agent>,
    tool: &str,
    which: fn(&Agent, &Tool) -> Cond,
) -> Cond {
    match (agent, model.tools.get(tool)) {
        (Some(a), Some(t)) => which(a, t),
        _ => Cond::False,
    }
}

/// The questions for one (agent, tool): per declared resource instance and
/// for every other name when the tool names a resource, else for any call.
fn grant_deltas(
    smt: &mut Smt,
    old: &Model,
    new: &Model,
    oa: Option<&Agent>,
    na: Option<&Agent>,
    tool: &str,
    out: &mut Vec<Delta>,
) {
    // The slot's tool: the new one (or the old one when it was removed).
    let Some(slot_tool) = new.tools.get(tool).or_else(|| old.tools.get(tool)) else {
        return;
    };
    let p_old = side_cond(old, oa, tool, facts::permitted);
    let p_new = side_cond(new, na, tool, facts::permitted);
    let f_old = side_cond(old, oa, tool, facts::free);
    let f_new = side_cond(new, na, tool, facts::free);
    let ctx = Ctx {
        old,
        new,
        oa,
        na,
        tool: slot_tool,
    };
    // Scopes: each declared instance of the resource type, then the rest.
    let mut scopes: Vec<(Option<String>, Cond)> = Vec::new();
    if let Some(r) = &slot_tool.resource {
        let patterns: BTreeSet<&str> = old
            .resources
            .iter()
            .chain(new.resources.iter())
            .filter(|x| x.ty == r.ty)
            .map(|x| x.pattern.as_str())
            .collect();
        let mut rest = Vec::new();
        for p in patterns {
            let atom = name_atom(&r.arg, p);
            rest.push(Cond::not(atom.clone()));
            scopes.push((Some(format!("{} {:?}", r.ty, p)), atom));
        }
        scopes.push((None, Cond::and(rest)));
    } else {
        scopes.push((None, Cond::True));
    }
    for (resource, scope) in &scopes {
        let what = match resource {
            Some(r) => format!("calls on {r}"),
            None if slot_tool.resource.is_some() => "calls on undeclared names".to_string(),
            None => "calls".to_string(),
        };
        ask(
            smt,
            &ctx,
            Cond::and(vec![scope.clone(), p_new.clone(), Cond::not(p_old.clone())]),
            Claim::Gained,
            resource.clone(),
            format!("{what} now permitted that were denied"),
            out,
        );
        ask(
            smt,
            &ctx,
            Cond::and(vec![scope.clone(), p_old.clone(), Cond::not(p_new.clone())]),
            Claim::Lost,
            resource.clone(),
            format!("{what} now denied that were permitted"),
            out,
        );
        // Approvals too are compared per instance: a gate dropped for one
        // channel names that channel.
        ask(
            smt,
            &ctx,
            Cond::and(vec![
                scope.clone(),
                f_new.clone(),
                Cond::not(f_old.clone()),
                p_old.clone(),
            ]),
            Claim::ApprovalRemoved,
            resource.clone(),
            format!("{what} now allowed without approval that needed one"),
            out,
        );
        ask(
            smt,
            &ctx,
            Cond::and(vec![
                scope.clone(),
                f_old.clone(),
                Cond::not(f_new.clone()),
                p_new.clone(),
            ]),
            Claim::ApprovalAdded,
            resource.clone(),
            format!("{what} that were allowed without approval now need one"),
            out,
        );
    }
}

fn name_atom(arg: &str, pattern: &str) -> Cond {
    let operand = StrOperand::Arg(arg.to_string());
    Cond::Atom(if pattern.contains('*') {
        Atom::StrLike {
            operand,
            pattern: pattern.to_string(),
        }
    } else {
        Atom::StrEq {
            operand,
            value: pattern.to_string(),
        }
    })
}

struct Ctx<'a> {
    old: &'a Model,
    new: &'a Model,
    oa: Option<&'a Agent>,
    na: Option<&'a Agent>,
    tool: &'a Tool,
}

#[derive(Clone, Copy, PartialEq)]
enum Claim {
    Gained,
    Lost,
    ApprovalRemoved,
    ApprovalAdded,
}

impl Claim {
    fn kind(self) -> &'static str {
        match self {
            Claim::Gained => "capability_gained",
            Claim::Lost => "capability_lost",
            Claim::ApprovalRemoved => "approval_removed",
            Claim::ApprovalAdded => "approval_added",
        }
    }

    fn widens(self) -> bool {
        matches!(self, Claim::Gained | Claim::ApprovalRemoved)
    }

    /// Whether `decide`'s two outcomes bear the claim out.
    fn holds(self, old: Outcome, new: Outcome) -> bool {
        use Outcome::*;
        match self {
            Claim::Gained => old == Deny && new != Deny,
            Claim::Lost => old != Deny && new == Deny,
            Claim::ApprovalRemoved => old == ApprovalRequired && new == Allow,
            Claim::ApprovalAdded => old == Allow && new == ApprovalRequired,
        }
    }
}

fn ask(
    smt: &mut Smt,
    ctx: &Ctx<'_>,
    cond: Cond,
    claim: Claim,
    resource: Option<String>,
    detail: String,
    out: &mut Vec<Delta>,
) {
    if matches!(cond, Cond::False) {
        return;
    }
    let tool = Some(ctx.tool.name.clone());
    match smt.check(&Query::one(ctx.tool, cond)) {
        Answer::Unsat => {}
        Answer::Sat(calls) => {
            let Some(call) = calls.first() else {
                return;
            };
            let request = request(ctx, call);
            let old = witness::decide(ctx.old, &request).decision;
            let new = witness::decide(ctx.new, &request).decision;
            let confirmed = claim.holds(old, new);
            // A witness `decide` does not bear out is not a delta.
            if confirmed {
                out.push(Delta {
                    kind: claim.kind().into(),
                    widens: claim.widens(),
                    tool,
                    resource,
                    detail,
                    witness: Some(Witness {
                        request,
                        old,
                        new,
                        confirmed,
                    }),
                });
            }
        }
        Answer::Unknown(reason) => out.push(Delta {
            kind: "undecided".into(),
            widens: true,
            tool,
            resource,
            detail: format!("the solver could not decide whether {detail}: {reason}"),
            witness: None,
        }),
    }
}

/// The witness request with the context both sides need: the counters of
/// both agents' limits, the budget state and a justification.
fn request(ctx: &Ctx<'_>, call: &Assignment) -> Value {
    let mut sides = Vec::new();
    for (model, agent) in [(ctx.old, ctx.oa), (ctx.new, ctx.na)] {
        if let (Some(a), Some(t)) = (agent, model.tools.get(&ctx.tool.name)) {
            sides.push(witness::request(a, t, call, State::default()));
        }
    }
    let mut merged = match sides.first() {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for side in sides.iter().skip(1) {
        let Some(ctx2) = side.get("context").and_then(Value::as_object) else {
            continue;
        };
        let entry = merged
            .entry("context")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(c) = entry {
            for (k, v) in ctx2 {
                match (c.get_mut(k), v) {
                    (Some(Value::Object(have)), Value::Object(more)) => {
                        for (k2, v2) in more {
                            have.entry(k2.clone()).or_insert_with(|| v2.clone());
                        }
                    }
                    (Some(_), _) => {}
                    (None, _) => {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
    Value::Object(merged)
}

/// Deltas of the report's facts: spend ceilings, egress, AWS, links and
/// findings. Each is a set difference of solver- or backend-derived facts.
fn fact_deltas(old: Option<&AgentReport>, new: Option<&AgentReport>, out: &mut Vec<Delta>) {
    let fact = |kind: &str, widens: bool, detail: String| Delta {
        kind: kind.into(),
        widens,
        tool: None,
        resource: None,
        detail,
        witness: None,
    };
    // Spend ceilings, per currency and window.
    let ceilings = |r: Option<&AgentReport>| -> Vec<(String, Per, String, String)> {
        let mut v = Vec::new();
        for s in r.map(|r| r.spend.as_slice()).unwrap_or_default() {
            for c in &s.ceilings {
                v.push((
                    s.currency.clone(),
                    c.per,
                    amount(&c.without_approval),
                    amount(&c.total),
                ));
            }
        }
        v
    };
    let (oc, nc) = (ceilings(old), ceilings(new));
    let keys: BTreeSet<(String, Per)> = oc
        .iter()
        .chain(&nc)
        .map(|(c, p, _, _)| (c.clone(), *p))
        .collect();
    for (cur, per) in keys {
        let find = |v: &[(String, Per, String, String)]| {
            v.iter()
                .find(|(c, p, _, _)| *c == cur && *p == per)
                .map(|(_, _, f, t)| (f.clone(), t.clone()))
                .unwrap_or_else(|| ("none".into(), "none".into()))
        };
        let (o, n) = (find(&oc), find(&nc));
        if o != n {
            let per = match per {
                Per::Call => "call",
                Per::Session => "session",
                Per::Day => "day",
            };
            let widens = raised(&o.0, &n.0) || raised(&o.1, &n.1);
            out.push(fact(
                "spend_changed",
                widens,
                format!(
                    "{cur} per {per}: without approval {} → {}; in total {} → {}",
                    o.0, n.0, o.1, n.1
                ),
            ));
        }
    }
    let sets: [(&str, &str, FactSet); 4] = [
        ("egress_added", "egress_removed", |r| {
            let mut v = r.network.egress.clone();
            v.extend(r.network.cilium_fqdns.iter().map(|f| format!("fqdn {f}")));
            v
        }),
        ("aws_added", "aws_removed", |r| {
            let mut v = Vec::new();
            for s in r.aws.iter().flat_map(|a| &a.statements) {
                for a in &s.actions {
                    for res in &s.resources {
                        v.push(format!("{a} on {res}"));
                    }
                }
            }
            v
        }),
        ("link_added", "link_removed", |r| {
            r.agents
                .iter()
                .map(|l| {
                    let rel = l.relation.replace('_', " ");
                    match &l.via {
                        Some(v) => format!("{rel} {} via {v}", l.agent),
                        None => format!("{rel} {}", l.agent),
                    }
                })
                .collect()
        }),
        ("risk_opened", "risk_closed", |r| {
            r.findings
                .iter()
                .map(|f| {
                    let path: Vec<&str> = f.witness["path"]
                        .as_array()
                        .map(|p| p.iter().filter_map(|s| s["name"].as_str()).collect())
                        .unwrap_or_default();
                    format!("{} ({}) {}", f.code, f.severity, path.join(" → "))
                })
                .collect()
        }),
    ];
    for (added, removed, get) in sets {
        let o: BTreeSet<String> = old.map(get).unwrap_or_default().into_iter().collect();
        let n: BTreeSet<String> = new.map(get).unwrap_or_default().into_iter().collect();
        for x in n.difference(&o) {
            out.push(fact(added, true, x.clone()));
        }
        for x in o.difference(&n) {
            out.push(fact(removed, false, x.clone()));
        }
    }
}

/// One kind of fact of an agent's report, as comparable lines.
type FactSet = fn(&AgentReport) -> Vec<String>;

fn amount(a: &Amount) -> String {
    match a {
        Amount::Bounded { amount, .. } => amount.clone(),
        Amount::Unbounded { .. } => "unbounded".into(),
        Amount::Unknown { .. } => "unknown".into(),
    }
}

/// Whether a ceiling went up (unknown and unbounded count as up: fail
/// closed).
fn raised(old: &str, new: &str) -> bool {
    let minor = |s: &str| -> Option<f64> {
        let digits: String = s
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        digits.parse().ok()
    };
    match (old, new) {
        (_, "unbounded" | "unknown") => old != new,
        ("unbounded", _) => false,
        ("none" | "unknown", _) => new != "none",
        _ => match (minor(old), minor(new)) {
            (Some(o), Some(n)) => n > o,
            _ => true,
        },
    }
}

/// The JSON Schema of [`Diff`], printed by `agentpol schema diff`.
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Diff)).unwrap_or(Value::Null)
}
