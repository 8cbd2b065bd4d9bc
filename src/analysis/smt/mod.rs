//! ⑤b′ The SMT layer — the only code that touches z3. Input: a [`Query`]
//! (tool calls, each constrained by a `model::Cond`, plus equalities between
//! their string arguments). Output: an [`Answer`]: `Sat` with one concrete
//! [`Assignment`] of arguments per call (the witness), `Unsat` (the property
//! is proved), or `Unknown` (the solver gave up: its own finding, never
//! "safe").
//!
//! Engineering, measured with libz3 4.8.12: one solver per thread, reused
//! with push/pop (a fresh solver or context per query costs 5–6× more); a
//! deterministic resource limit (`rlimit`) on every query, so the same input
//! gives the same answer on every machine, plus a wall-clock timeout as a
//! backstop; identical queries answered from a cache; and before z3 is asked
//! at all, earlier witnesses of the same tool are tried against the
//! condition with the reference evaluator (`Cond::eval`) — a concrete
//! assignment that satisfies a formula proves it satisfiable, and most
//! satisfiability questions in a policy repeat the same few calls.

mod ceiling;
mod decode;
mod encode;
mod prepare;
pub mod strings;

pub use ceiling::{Batch, Ceiling, CeilingQuery, SpendLine};

use crate::model::cond::Env;
use crate::model::{Cond, Tool};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One tool call of a query: its arguments must satisfy `cond`.
#[derive(Debug, Clone)]
pub struct Slot<'m> {
    pub tool: &'m Tool,
    pub cond: Cond,
}

/// String argument `left.1` of slot `left.0` equals `right.1` of `right.0`.
#[derive(Debug, Clone)]
pub struct Link {
    pub left: (usize, String),
    pub right: (usize, String),
}

#[derive(Debug, Clone, Default)]
pub struct Query<'m> {
    pub slots: Vec<Slot<'m>>,
    pub links: Vec<Link>,
}

impl<'m> Query<'m> {
    pub fn one(tool: &'m Tool, cond: Cond) -> Self {
        Query {
            slots: vec![Slot { tool, cond }],
            links: Vec::new(),
        }
    }

    /// A stable text key: tools, conditions and links.
    fn key(&self) -> String {
        let slots: Vec<(&str, &Cond)> = self
            .slots
            .iter()
            .map(|s| (s.tool.name.as_str(), &s.cond))
            .collect();
        let links: Vec<[&(usize, String); 2]> =
            self.links.iter().map(|l| [&l.left, &l.right]).collect();
        serde_json::to_string(&(slots, links)).unwrap_or_default()
    }
}

/// Concrete arguments (and justification) for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub args: Map<String, Value>,
    pub justification: Option<String>,
}

impl Assignment {
    fn satisfies(&self, cond: &Cond) -> bool {
        cond.eval(&Env {
            args: &self.args,
            justification: self.justification.as_deref(),
        })
    }

    /// Required arguments with plain defaults, optional ones absent: the
    /// first candidate tried for every tool.
    fn defaults(tool: &Tool) -> Assignment {
        use crate::model::Type;
        let mut args = Map::new();
        for (name, spec) in tool.args.iter().filter(|(_, s)| !s.optional) {
            let v = match &spec.ty {
                Type::String => Value::from("example"),
                Type::Int | Type::Duration => Value::from(0),
                Type::Bool => Value::from(false),
                Type::Money { currency } => serde_json::json!({
                    "minor": 0,
                    "currency": currency.clone().unwrap_or_else(|| "USD".into())
                }),
                Type::Enum { values } => Value::from(values.first().cloned().unwrap_or_default()),
                Type::List { .. } => Value::Array(Vec::new()),
            };
            args.insert(name.clone(), v);
        }
        Assignment {
            args,
            justification: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Sat(Vec<Assignment>),
    Unsat,
    /// The solver could not decide (resource limit, timeout, or a model that
    /// could not be turned into a request); the reason is z3's.
    Unknown(String),
}

impl Answer {
    pub fn is_sat(&self) -> bool {
        matches!(self, Answer::Sat(_))
    }
}

/// Runs `f` with a fresh z3 context for this thread, so that one analysis
/// never sees the terms, learned facts or model choices of an earlier one:
/// the same policy gives the same witnesses however often it is analyzed.
/// The linked solver, as `z3 4.8.12.0`.
pub fn solver_version() -> String {
    format!("z3 {}", z3::full_version().trim_start_matches("Z3 "))
}

pub fn with_fresh_context<R: Send + Sync>(f: impl FnOnce() -> R + Send + Sync) -> R {
    z3::with_z3_config(&z3::Config::new(), f)
}

/// Counters for `--stats` and benchmarks.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub queries: u64,
    pub cache_hits: u64,
    pub candidate_hits: u64,
    pub solver_calls: u64,
    pub solver_micros: u64,
    pub unknown: u64,
    /// z3's resource counter summed over every check: the solver's work,
    /// measured the same on every machine.
    pub rlimit: u64,
    /// Positions stepped by the string automata (see `strings::work`).
    pub automata_steps: u64,
}

/// Limits of one query.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// z3's deterministic resource limit per query.
    pub rlimit: u32,
    /// Wall-clock backstop per query.
    pub timeout: Duration,
    /// The most questions one analysis hands to the solver (queries
    /// answered from the cache or by an earlier witness do not count);
    /// later ones are answered "unknown", so the analysis as a whole is
    /// bounded by `max_queries × rlimit` of solver work.
    pub max_queries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rlimit: 20_000_000,
            timeout: Duration::from_secs(10),
            max_queries: 200_000,
        }
    }
}

/// Earlier witnesses kept per tool and tried before the solver.
const POOL: usize = 24;

/// One solver, reused for every query of a run (z3 objects are tied to the
/// thread that made them, so an `Smt` stays on one thread).
pub struct Smt {
    solver: z3::Solver,
    cache: HashMap<String, Answer>,
    pool: HashMap<String, Vec<Assignment>>,
    chars: prepare::CharMap,
    max_queries: u64,
    /// `strings::work()` when this solver was made.
    automata_base: u64,
    pub stats: Stats,
}

impl std::fmt::Debug for Smt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smt").field("stats", &self.stats).finish()
    }
}

impl Smt {
    pub fn new(limits: Limits) -> Smt {
        let solver = z3::Solver::new();
        let mut p = z3::Params::new();
        p.set_u32("rlimit", limits.rlimit);
        p.set_u32(
            "timeout",
            u32::try_from(limits.timeout.as_millis()).unwrap_or(u32::MAX),
        );
        solver.set_params(&p);
        Smt {
            solver,
            cache: HashMap::new(),
            pool: HashMap::new(),
            chars: prepare::CharMap::default(),
            max_queries: limits.max_queries,
            automata_base: strings::work(),
            stats: Stats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.automata_steps = strings::work().saturating_sub(self.automata_base);
        s
    }

    /// The reason every question is undecided once the solver budget of
    /// this analysis is spent, if it is.
    fn over_budget(&self) -> Option<String> {
        (self.stats.solver_calls >= self.max_queries).then(|| {
            format!(
                "the analysis reached its limit of {} solver queries (`[analysis] max_queries`)",
                self.max_queries
            )
        })
    }

    /// z3's check of the current assertions, counting its resource use.
    fn z3_check(&mut self) -> z3::SatResult {
        let before = self.rlimit_count();
        let result = self.solver.check();
        let after = self.rlimit_count();
        // The counter is cumulative (and reported in 32 bits, so it may wrap).
        self.stats.rlimit += if after >= before {
            after - before
        } else {
            after
        };
        result
    }

    fn rlimit_count(&self) -> u64 {
        match self.solver.get_statistics().value("rlimit count") {
            Some(z3::StatisticsValue::UInt(n)) => u64::from(n),
            Some(z3::StatisticsValue::Double(d)) if d >= 0.0 => d as u64,
            _ => 0,
        }
    }

    /// Is there a set of calls satisfying the query? Never guesses: an
    /// answer is `Sat` only with assignments that satisfy every condition
    /// under the reference meaning.
    pub fn check(&mut self, q: &Query<'_>) -> Answer {
        self.stats.queries += 1;
        let key = q.key();
        if let Some(a) = self.cache.get(&key) {
            self.stats.cache_hits += 1;
            return a.clone();
        }
        let answer = match self.candidates(q) {
            Some(found) => {
                self.stats.candidate_hits += 1;
                Answer::Sat(found)
            }
            None => self.solve(q),
        };
        if let Answer::Sat(found) = &answer {
            for (slot, a) in q.slots.iter().zip(found) {
                let pool = self.pool.entry(slot.tool.name.clone()).or_default();
                if !pool.contains(a) {
                    if pool.len() >= POOL {
                        pool.remove(1);
                    }
                    pool.push(a.clone());
                }
            }
        }
        if matches!(answer, Answer::Unknown(_)) {
            self.stats.unknown += 1;
        }
        self.cache.insert(key, answer.clone());
        answer
    }

    /// Earlier witnesses (and defaults) that already satisfy the query.
    fn candidates(&mut self, q: &Query<'_>) -> Option<Vec<Assignment>> {
        let mut pools: Vec<Vec<Assignment>> = Vec::new();
        for s in &q.slots {
            let pool = self
                .pool
                .entry(s.tool.name.clone())
                .or_insert_with(|| vec![Assignment::defaults(s.tool)]);
            let fits: Vec<Assignment> = pool
                .iter()
                .filter(|a| a.satisfies(&s.cond))
                .cloned()
                .collect();
            if fits.is_empty() {
                return None;
            }
            pools.push(fits);
        }
        // Search combinations for the links (pools are small).
        let mut chosen: Vec<Assignment> = Vec::new();
        fn search(q: &Query<'_>, pools: &[Vec<Assignment>], chosen: &mut Vec<Assignment>) -> bool {
            let i = chosen.len();
            let Some(pool) = pools.get(i) else {
                return true;
            };
            for a in pool {
                let consistent = q.links.iter().all(|l| {
                    let get = |(s, arg): &(usize, String), me: &Assignment| -> Option<Value> {
                        if *s == i {
                            me.args.get(arg).cloned()
                        } else {
                            chosen.get(*s).and_then(|c| c.args.get(arg).cloned())
                        }
                    };
                    if l.left.0.max(l.right.0) != i {
                        return true;
                    }
                    match (get(&l.left, a), get(&l.right, a)) {
                        (Some(x), Some(y)) => x == y,
                        _ => false,
                    }
                });
                if consistent {
                    chosen.push(a.clone());
                    if search(q, pools, chosen) {
                        return true;
                    }
                    chosen.pop();
                }
            }
            false
        }
        search(q, &pools, &mut chosen).then_some(chosen)
    }

    fn solve(&mut self, q: &Query<'_>) -> Answer {
        if let Some(why) = self.over_budget() {
            return Answer::Unknown(why);
        }
        self.stats.solver_calls += 1;
        let started = Instant::now();
        let enc = encode::encode(q, &mut self.chars);
        if let Some(why) = enc.incomplete {
            self.stats.solver_micros += started.elapsed().as_micros() as u64;
            return Answer::Unknown(why);
        }
        self.solver.push();
        self.solver.assert(&enc.formula);
        let result = self.z3_check();
        let answer = match result {
            z3::SatResult::Unsat => Answer::Unsat,
            z3::SatResult::Unknown => Answer::Unknown(
                self.solver
                    .get_reason_unknown()
                    .unwrap_or_else(|| "unknown".into()),
            ),
            z3::SatResult::Sat => match self.solver.get_model() {
                None => Answer::Unknown("the solver returned no model".into()),
                Some(model) => {
                    let verified = |found: &Vec<Assignment>| {
                        found.len() == q.slots.len()
                            && q.slots.iter().zip(found).all(|(s, a)| a.satisfies(&s.cond))
                            && q.links.iter().all(|l| {
                                let v = |(s, arg): &(usize, String)| {
                                    found.get(*s).and_then(|a| a.args.get(arg))
                                };
                                v(&l.left).is_some() && v(&l.left) == v(&l.right)
                            })
                    };
                    let readable = decode::decode(q, &enc, &model, decode::Strings::Readable);
                    if verified(&readable) {
                        Answer::Sat(readable)
                    } else {
                        let raw = decode::decode(q, &enc, &model, decode::Strings::Raw);
                        if verified(&raw) {
                            Answer::Sat(raw)
                        } else {
                            Answer::Unknown(
                                "the solver's model could not be decoded into a request".into(),
                            )
                        }
                    }
                }
            },
        };
        self.solver.pop(1);
        self.stats.solver_micros += started.elapsed().as_micros() as u64;
        answer
    }

    /// A call satisfying `cond` with the largest value of the integer
    /// operand `arg` (an int argument or money minor units); `Unsat` when no
    /// call satisfies `cond`. The feasible values form a union of intervals
    /// whose ends are the constants `cond` compares `arg` with (±1) or the
    /// type's bounds, so a binary search over those candidates finds the
    /// maximum exactly: if `arg >= c[k]` is satisfiable and `arg >= c[k+1]`
    /// is not, the maximum is an end in `[c[k], c[k+1])`, which is `c[k]`.
    pub fn maximize(&mut self, tool: &'_ Tool, cond: &Cond, arg: &IntArg) -> Answer {
        let mut bounds = vec![i64::MIN, 0, i64::MAX];
        int_constants(cond, arg, &mut bounds);
        bounds.sort_unstable();
        bounds.dedup();
        let at_least = |smt: &mut Smt, v: i64| {
            smt.check(&Query::one(tool, Cond::and(vec![cond.clone(), arg.ge(v)])))
        };
        let mut best = match at_least(self, bounds[0]) {
            Answer::Sat(a) => a,
            other => return other,
        };
        let (mut lo, mut hi) = (0usize, bounds.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            match at_least(self, bounds[mid]) {
                Answer::Sat(a) => {
                    lo = mid;
                    best = a;
                }
                Answer::Unsat => hi = mid,
                other => return other,
            }
        }
        Answer::Sat(best)
    }
}

/// An integer operand of one call.
#[derive(Debug, Clone)]
pub enum IntArg {
    Int(String),
    MoneyMinor(String),
}

impl IntArg {
    fn operand(&self) -> crate::model::IntOperand {
        match self {
            IntArg::Int(a) => crate::model::IntOperand::Arg(a.clone()),
            IntArg::MoneyMinor(a) => crate::model::IntOperand::MoneyMinor(a.clone()),
        }
    }

    fn ge(&self, v: i64) -> Cond {
        Cond::Atom(crate::model::Atom::IntCmp {
            operand: self.operand(),
            op: crate::syntax::ast::CmpOp::Ge,
            value: v,
        })
    }

    pub fn read(&self, a: &Assignment) -> Option<i64> {
        match self {
            IntArg::Int(x) => a.args.get(x)?.as_i64(),
            IntArg::MoneyMinor(x) => a.args.get(x)?.get("minor")?.as_i64(),
        }
    }
}

fn int_constants(c: &Cond, arg: &IntArg, out: &mut Vec<i64>) {
    match c {
        Cond::True | Cond::False => {}
        Cond::And(p) | Cond::Or(p) => p.iter().for_each(|x| int_constants(x, arg, out)),
        Cond::Not(x) => int_constants(x, arg, out),
        Cond::Atom(crate::model::Atom::IntCmp { operand, value, .. }) => {
            if *operand == arg.operand() {
                out.extend([value.saturating_sub(1), *value, value.saturating_add(1)]);
            }
        }
        Cond::Atom(_) => {}
    }
}
