//! Strings by automata, in Rust: a decision procedure for one string variable
//! constrained by exact values and `*`-globs, each required to match or not.
//!
//! Input: a list of `(pattern, wanted)` pairs. Output: the shortest readable
//! string with exactly those match results, or `None` when there is none.
//!
//! Why this is complete: every pattern is a finite automaton over the
//! characters it mentions plus "any other character". Characters a pattern
//! does not mention behave identically in all of them, so one fresh character
//! stands for all of them, and a breadth-first search over the (finite)
//! product of the automata visits every reachable combination of states.
//!
//! z3 decides satisfiability of whole queries; this module turns the truth
//! values z3 chose for each string atom into a witness a reviewer can read
//! (z3's own strings are often full of `\u{0}`), and decides glob-against-glob
//! overlap where no solver call is needed.

use std::collections::{BTreeSet, HashSet, VecDeque};

/// A string test: an exact value, or a `like` pattern where `*` matches any
/// run of characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    Exact(String),
    Glob(String),
}

impl Pattern {
    fn tokens(&self) -> Vec<Tok> {
        match self {
            Pattern::Exact(s) => s.chars().map(Tok::Char).collect(),
            Pattern::Glob(s) => s
                .chars()
                .map(|c| if c == '*' { Tok::Any } else { Tok::Char(c) })
                .collect(),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Exact(s) => s == text,
            Pattern::Glob(p) => crate::model::cond::glob_match(p, text),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    Any,
}

/// A pattern's NFA; a state is the set of pattern positions reached.
struct Nfa {
    toks: Vec<Tok>,
}

impl Nfa {
    /// Positions reachable from `set` without consuming (a `*` may match nothing).
    fn close(&self, set: &mut BTreeSet<usize>) {
        let mut stack: Vec<usize> = set.iter().copied().collect();
        while let Some(i) = stack.pop() {
            if self.toks.get(i) == Some(&Tok::Any) && set.insert(i + 1) {
                stack.push(i + 1);
            }
        }
    }

    fn start(&self) -> BTreeSet<usize> {
        let mut s = BTreeSet::from([0]);
        self.close(&mut s);
        s
    }

    fn step(&self, set: &BTreeSet<usize>, c: char) -> BTreeSet<usize> {
        let mut next = BTreeSet::new();
        for &i in set {
            match self.toks.get(i) {
                Some(Tok::Any) => {
                    next.insert(i);
                }
                Some(Tok::Char(x)) if *x == c => {
                    next.insert(i + 1);
                }
                _ => {}
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, set: &BTreeSet<usize>) -> bool {
        set.contains(&self.toks.len())
    }
}

/// Bound on explored product states; beyond it the search gives up (`None`
/// then means "not found", and callers fall back to the solver's own value).
const MAX_STATES: usize = 200_000;

/// The shortest string (non-empty when one exists) whose match results are
/// exactly the wanted ones. Among strings of equal length, characters from
/// the patterns come first, then readable fresh ones.
pub fn find(constraints: &[(Pattern, bool)]) -> Option<String> {
    let nfas: Vec<Nfa> = constraints
        .iter()
        .map(|(p, _)| Nfa { toks: p.tokens() })
        .collect();
    let want: Vec<bool> = constraints.iter().map(|(_, w)| *w).collect();
    let alphabet = alphabet(constraints);
    let start: Vec<BTreeSet<usize>> = nfas.iter().map(Nfa::start).collect();
    let ok = |states: &[BTreeSet<usize>]| {
        nfas.iter()
            .zip(states)
            .zip(&want)
            .all(|((n, s), w)| n.accepts(s) == *w)
    };
    let empty_ok = ok(&start);
    let mut seen: HashSet<Vec<BTreeSet<usize>>> = HashSet::new();
    let mut queue: VecDeque<(Vec<BTreeSet<usize>>, String)> = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    while let Some((states, text)) = queue.pop_front() {
        for &c in &alphabet {
            let next: Vec<BTreeSet<usize>> = nfas
                .iter()
                .zip(&states)
                .map(|(n, s)| n.step(s, c))
                .collect();
            let mut t = text.clone();
            t.push(c);
            if ok(&next) {
                return Some(t);
            }
            if seen.contains(&next) {
                continue;
            }
            if seen.len() >= MAX_STATES {
                return empty_ok.then(String::new);
            }
            seen.insert(next.clone());
            queue.push_back((next, t));
        }
    }
    empty_ok.then(String::new)
}

/// Do two glob patterns share a string? (Automata, no solver.)
pub fn overlap(a: &Pattern, b: &Pattern) -> Option<String> {
    find(&[(a.clone(), true), (b.clone(), true)])
}

/// Characters the patterns mention, then one fresh character that none of
/// them mentions (it stands for every other character).
fn alphabet(constraints: &[(Pattern, bool)]) -> Vec<char> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (p, _) in constraints {
        for t in p.tokens() {
            if let Tok::Char(c) = t {
                if seen.insert(c) {
                    out.push(c);
                }
            }
        }
    }
    let fresh = "xyzabcdefghijklmnopqrstuvw0123456789-_"
        .chars()
        .chain((0x100u32..).filter_map(char::from_u32))
        .find(|c| !seen.contains(c));
    out.extend(fresh);
    out
}
