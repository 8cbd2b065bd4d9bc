//! The most that a set of spend calls can add up to. Input: a
//! [`CeilingQuery`] — spend lines (a tool, the condition one call must meet,
//! its money argument, how many calls the window allows) and the budget of
//! each line's owner. Output: a [`Ceiling`]: the exact maximum with the
//! sequence of calls that reaches it, `Unbounded` with a call that can repeat
//! without limit, or `Unknown` (never a guess).
//!
//! Method, in two solver steps:
//! 1. per line, the amounts one call may carry, as a union of cells: the
//!    condition compares the amount only with constants, so every atom has
//!    one truth value on each point and each open interval between
//!    consecutive constants; a cell is feasible exactly when the solver finds
//!    a call in it (and then every amount of the cell is feasible, with the
//!    other arguments of that call);
//! 2. an integer program over the cells: `k` calls in cell `[lo, hi]` can
//!    carry any total in `[k·lo, k·hi]`, the calls of a line stay within its
//!    limit, each owner's total within its budget. The largest total is found
//!    by binary search with push/pop on one solver, each check bounded by
//!    the configured rlimit.

use super::{Answer, Assignment, IntArg, Query, Smt};
use crate::model::{Atom, Cond, IntOperand, Tool};
use crate::syntax::ast::CmpOp;
use z3::ast::Int;

/// One spend tool of one agent in the window asked about.
#[derive(Debug, Clone)]
pub struct SpendLine<'m> {
    pub tool: &'m Tool,
    /// What one call must satisfy (permitted, or allowed without approval).
    pub cond: Cond,
    /// The money argument that is spent.
    pub arg: String,
    /// Calls the window allows; `None` when nothing limits them.
    pub calls: Option<u64>,
    /// Index into [`CeilingQuery::budgets`].
    pub owner: usize,
}

#[derive(Debug, Clone, Default)]
pub struct CeilingQuery<'m> {
    pub lines: Vec<SpendLine<'m>>,
    /// Per owner, the most it may spend in the window (`None`: no budget).
    pub budgets: Vec<Option<i64>>,
    /// At most one call in all (the per-call ceiling).
    pub single_call: bool,
}

/// `count` calls of line `line`, each carrying `amount`, made as `call`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub line: usize,
    pub count: u64,
    pub amount: i64,
    pub call: Assignment,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ceiling {
    /// The exact maximum (minor units), and calls that reach it.
    Bounded {
        total: i128,
        batches: Vec<Batch>,
    },
    /// No maximum: `call` of line `line` can be repeated or raised without
    /// limit.
    Unbounded {
        line: usize,
        call: Assignment,
    },
    Unknown(String),
}

/// An interval of amounts; `hi == None` is unbounded above.
#[derive(Debug, Clone, Copy)]
struct Cell {
    lo: i64,
    hi: Option<i64>,
}

/// Totals at or above this (2^126 minor units, beyond any budget an `i64`
/// can state) are reported as unbounded.
const HUGE: i128 = 1 << 126;

impl Smt {
    /// The largest total of the query's calls (see the module doc).
    pub fn ceiling(&mut self, q: &CeilingQuery<'_>) -> Ceiling {
        let mut cells: Vec<Vec<(Cell, Assignment)>> = Vec::new();
        for line in &q.lines {
            match self.cells(line) {
                Ok(c) => cells.push(c),
                Err(why) => return Ceiling::Unknown(why),
            }
        }
        self.solver.push();
        let result = self.program(q, &cells);
        self.solver.pop(1);
        match result {
            Ceiling::Bounded { total, batches } => match self.concrete(q, batches) {
                Ok(batches) => Ceiling::Bounded { total, batches },
                Err(why) => Ceiling::Unknown(why),
            },
            other => other,
        }
    }

    /// Gives every batch's call its batch's amount. The other arguments of
    /// the cell's witness still fit (cells are uniform); the reference
    /// meaning is checked anyway, and the solver asked when it disagrees.
    fn concrete(
        &mut self,
        q: &CeilingQuery<'_>,
        batches: Vec<Batch>,
    ) -> Result<Vec<Batch>, String> {
        let mut out = Vec::new();
        for mut b in batches {
            let line = q.lines.get(b.line).ok_or("a batch names no line")?;
            if let Some(serde_json::Value::Object(m)) = b.call.args.get_mut(&line.arg) {
                m.insert("minor".into(), serde_json::Value::from(b.amount));
            }
            if !b.call.satisfies(&line.cond) {
                let exact = Cond::and(vec![
                    line.cond.clone(),
                    bound(&line.arg, CmpOp::Ge, b.amount),
                    bound(&line.arg, CmpOp::Le, b.amount),
                ]);
                match self.check(&Query::one(line.tool, exact)) {
                    Answer::Sat(mut a) => b.call = a.pop().ok_or("the solver gave no call")?,
                    Answer::Unsat => return Err("a cell of amounts is not uniform".into()),
                    Answer::Unknown(why) => return Err(why),
                }
            }
            out.push(b);
        }
        Ok(out)
    }

    /// The feasible cells of one line, each with a call in it.
    fn cells(&mut self, line: &SpendLine<'_>) -> Result<Vec<(Cell, Assignment)>, String> {
        let arg = IntArg::MoneyMinor(line.arg.clone());
        let mut points = vec![0i64];
        super::int_constants(&line.cond, &arg, &mut points);
        points.retain(|p| *p >= 0);
        points.sort_unstable();
        points.dedup();
        let mut candidates = Vec::new();
        for (i, p) in points.iter().enumerate() {
            candidates.push(Cell {
                lo: *p,
                hi: Some(*p),
            });
            let next = points.get(i + 1).copied();
            match next {
                Some(n) if n > p.saturating_add(1) => candidates.push(Cell {
                    lo: p + 1,
                    hi: Some(n - 1),
                }),
                Some(_) => {}
                None if *p < i64::MAX => candidates.push(Cell {
                    lo: p + 1,
                    hi: None,
                }),
                None => {}
            }
        }
        let mut out = Vec::new();
        for cell in candidates {
            let mut parts = vec![line.cond.clone(), bound(&line.arg, CmpOp::Ge, cell.lo)];
            if let Some(hi) = cell.hi {
                parts.push(bound(&line.arg, CmpOp::Le, hi));
            }
            match self.check(&Query::one(line.tool, Cond::and(parts))) {
                Answer::Sat(mut a) => {
                    if let Some(call) = a.pop() {
                        out.push((cell, call));
                    }
                }
                Answer::Unsat => {}
                Answer::Unknown(why) => return Err(why),
            }
        }
        Ok(out)
    }

    /// Step 2: the integer program and its maximum.
    fn program(&mut self, q: &CeilingQuery<'_>, cells: &[Vec<(Cell, Assignment)>]) -> Ceiling {
        let mut vars: Vec<Vec<(Int, Int)>> = Vec::new();
        let mut all_k = Vec::new();
        let mut per_owner: Vec<Vec<Int>> = vec![Vec::new(); q.budgets.len()];
        let mut sums = Vec::new();
        for (l, (line, cs)) in q.lines.iter().zip(cells).enumerate() {
            let mut ks = Vec::new();
            let mut row = Vec::new();
            for (c, (cell, _)) in cs.iter().enumerate() {
                let k = Int::new_const(format!("k_{l}_{c}"));
                let s = Int::new_const(format!("s_{l}_{c}"));
                self.solver.assert(k.ge(Int::from_i64(0)));
                self.solver
                    .assert(s.ge(Int::mul(&[k.clone(), Int::from_i64(cell.lo)])));
                if let Some(hi) = cell.hi {
                    self.solver
                        .assert(s.le(Int::mul(&[k.clone(), Int::from_i64(hi)])));
                }
                ks.push(k.clone());
                all_k.push(k.clone());
                if let Some(owner) = per_owner.get_mut(line.owner) {
                    owner.push(s.clone());
                }
                sums.push(s.clone());
                row.push((k, s));
            }
            if let (Some(n), false) = (line.calls, ks.is_empty()) {
                self.solver.assert(Int::add(&ks).le(Int::from_u64(n)));
            }
            vars.push(row);
        }
        for (owner, budget) in per_owner.iter().zip(&q.budgets) {
            if let (Some(b), false) = (budget, owner.is_empty()) {
                self.solver.assert(Int::add(owner).le(Int::from_i64(*b)));
            }
        }
        if q.single_call && !all_k.is_empty() {
            self.solver.assert(Int::add(&all_k).le(Int::from_i64(1)));
        }
        if sums.is_empty() {
            return Ceiling::Bounded {
                total: 0,
                batches: Vec::new(),
            };
        }
        let total = Int::add(&sums);
        self.maximise(&total, &vars, cells)
    }

    /// Binary search for the largest `total`, jumping to each model's value.
    fn maximise(
        &mut self,
        total: &Int,
        vars: &[Vec<(Int, Int)>],
        cells: &[Vec<(Cell, Assignment)>],
    ) -> Ceiling {
        match self.at_least(total, HUGE) {
            Ok(Some(model)) => return unbounded(&model, vars, cells),
            Ok(None) => {}
            Err(why) => return Ceiling::Unknown(why),
        }
        let (mut lo, mut hi) = (0i128, HUGE);
        let mut best = match self.at_least(total, 0) {
            Ok(Some(m)) => m,
            Ok(None) => return Ceiling::Unknown("the spend program has no solution".into()),
            Err(why) => return Ceiling::Unknown(why),
        };
        lo = lo.max(value(&best, total).unwrap_or(0));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match self.at_least(total, mid) {
                Ok(Some(m)) => {
                    lo = value(&m, total).unwrap_or(mid).max(mid);
                    best = m;
                }
                Ok(None) => hi = mid,
                Err(why) => return Ceiling::Unknown(why),
            }
        }
        match batches(&best, vars, cells) {
            Some(batches) => Ceiling::Bounded { total: lo, batches },
            None => Ceiling::Unknown("the solver's model could not be read".into()),
        }
    }

    /// A model with `total >= t`, `None` when there is none.
    fn at_least(&mut self, total: &Int, t: i128) -> Result<Option<z3::Model>, String> {
        if let Some(why) = self.over_budget() {
            return Err(why);
        }
        self.stats.solver_calls += 1;
        self.solver.push();
        self.solver.assert(total.ge(Int::from_i128(t)));
        let r = match self.z3_check() {
            z3::SatResult::Sat => self
                .solver
                .get_model()
                .map(Some)
                .ok_or_else(|| "the solver returned no model".to_string()),
            z3::SatResult::Unsat => Ok(None),
            z3::SatResult::Unknown => Err(self
                .solver
                .get_reason_unknown()
                .unwrap_or_else(|| "unknown".into())),
        };
        self.solver.pop(1);
        r
    }
}

fn bound(arg: &str, op: CmpOp, value: i64) -> Cond {
    Cond::Atom(Atom::IntCmp {
        operand: IntOperand::MoneyMinor(arg.to_string()),
        op,
        value,
    })
}

fn value(m: &z3::Model, x: &Int) -> Option<i128> {
    m.eval(x, true)?.as_i128()
}

/// The line and call that make the total unbounded.
fn unbounded(
    m: &z3::Model,
    vars: &[Vec<(Int, Int)>],
    cells: &[Vec<(Cell, Assignment)>],
) -> Ceiling {
    let mut best: Option<(i128, usize, usize)> = None;
    for (l, row) in vars.iter().enumerate() {
        for (c, (_, s)) in row.iter().enumerate() {
            let v = value(m, s).unwrap_or(0);
            if best.is_none_or(|(b, _, _)| v > b) {
                best = Some((v, l, c));
            }
        }
    }
    match best.and_then(|(_, l, c)| Some((l, cells.get(l)?.get(c)?.1.clone()))) {
        Some((line, call)) => Ceiling::Unbounded { line, call },
        None => Ceiling::Unknown("the solver's model could not be read".into()),
    }
}

/// Concrete calls for a model: `k` calls in cell `[lo, hi]` summing to `s`
/// are some calls at `hi`, at most one in between, and the rest at `lo`.
fn batches(
    m: &z3::Model,
    vars: &[Vec<(Int, Int)>],
    cells: &[Vec<(Cell, Assignment)>],
) -> Option<Vec<Batch>> {
    let mut out = Vec::new();
    for (l, row) in vars.iter().enumerate() {
        for (c, (k, s)) in row.iter().enumerate() {
            let (cell, call) = cells.get(l)?.get(c)?;
            let k = i64::try_from(value(m, k)?).ok()?;
            let s = value(m, s)?;
            if k <= 0 {
                continue;
            }
            let lo = i128::from(cell.lo);
            let width = cell
                .hi
                .map(|h| i128::from(h) - lo)
                .unwrap_or(s - lo * i128::from(k));
            let extra = s - lo * i128::from(k);
            let (full, rest) = if width > 0 {
                (extra / width, extra % width)
            } else {
                (0, 0)
            };
            let full = i64::try_from(full).ok()?;
            let mut push = |count: i64, amount: i128| -> Option<()> {
                if count > 0 {
                    out.push(Batch {
                        line: l,
                        count: u64::try_from(count).ok()?,
                        amount: i64::try_from(amount).ok()?,
                        call: call.clone(),
                    });
                }
                Some(())
            };
            push(full, lo + width)?;
            let mid = i64::from(rest > 0);
            push(mid, lo + rest)?;
            push(k - full - mid, lo)?;
        }
    }
    Some(out)
}
