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

/// The product of the patterns' NFAs. A product state is one bitset of
/// pattern positions reached per pattern, stored back to back in one
/// `Vec<u64>` (cheap to hash and compare).
struct Product {
    toks: Vec<Vec<Tok>>,
    /// First word of each pattern's bitset.
    offsets: Vec<usize>,
    words: usize,
}

type State = Vec<u64>;

impl Product {
    fn new(patterns: &[Pattern]) -> Product {
        let toks: Vec<Vec<Tok>> = patterns.iter().map(Pattern::tokens).collect();
        let mut offsets = Vec::with_capacity(toks.len());
        let mut words = 0;
        for t in &toks {
            offsets.push(words);
            words += (t.len() + 1).div_ceil(64);
        }
        Product {
            toks,
            offsets,
            words,
        }
    }

    fn get(state: &[u64], base: usize, i: usize) -> bool {
        state
            .get(base + i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn set(state: &mut [u64], base: usize, i: usize) {
        if let Some(w) = state.get_mut(base + i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// Adds the positions reachable without consuming (a `*` matches nothing).
    fn close(&self, state: &mut [u64]) {
        for (toks, &base) in self.toks.iter().zip(&self.offsets) {
            // Ascending: a chain of `*` is followed in one pass.
            for (i, t) in toks.iter().enumerate() {
                if *t == Tok::Any && Self::get(state, base, i) {
                    Self::set(state, base, i + 1);
                }
            }
        }
    }

    fn start(&self) -> State {
        let mut s = vec![0; self.words];
        for &base in &self.offsets {
            Self::set(&mut s, base, 0);
        }
        self.close(&mut s);
        s
    }

    fn step(&self, state: &[u64], c: char) -> State {
        let mut next = vec![0; self.words];
        for (toks, &base) in self.toks.iter().zip(&self.offsets) {
            for (i, t) in toks.iter().enumerate() {
                if !Self::get(state, base, i) {
                    continue;
                }
                match t {
                    Tok::Any => Self::set(&mut next, base, i),
                    Tok::Char(x) if *x == c => Self::set(&mut next, base, i + 1),
                    Tok::Char(_) => {}
                }
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, state: &[u64]) -> Vec<bool> {
        self.toks
            .iter()
            .zip(&self.offsets)
            .map(|(t, &base)| Self::get(state, base, t.len()))
            .collect()
    }
}

/// Bound on the transitions a search may take (states × alphabet), so that
/// hostile patterns (thousands of distinct characters) cannot stall it.
const MAX_WORK: usize = 4_000_000;

/// Bound on explored product states; beyond it the search gives up (`None`
/// then means "not found", and callers fall back to the solver's own value).
const MAX_STATES: usize = 200_000;

/// The shortest string (non-empty when one exists) whose match results are
/// exactly the wanted ones. Among strings of equal length, characters from
/// the patterns come first, then readable fresh ones.
pub fn find(constraints: &[(Pattern, bool)]) -> Option<String> {
    let patterns: Vec<Pattern> = constraints.iter().map(|(p, _)| p.clone()).collect();
    let product = Product::new(&patterns);
    let want: Vec<bool> = constraints.iter().map(|(_, w)| *w).collect();
    let alphabet = alphabet(constraints);
    let start = product.start();
    let ok = |state: &[u64]| product.accepts(state) == want;
    let empty_ok = ok(&start);
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue: VecDeque<(State, String)> = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    while let Some((state, text)) = queue.pop_front() {
        for &c in &alphabet {
            let next = product.step(&state, c);
            let mut t = text.clone();
            t.push(c);
            if ok(&next) {
                return Some(t);
            }
            if seen.contains(&next) {
                continue;
            }
            if seen.len() >= MAX_STATES || seen.len() * alphabet.len() >= MAX_WORK {
                return empty_ok.then(String::new);
            }
            seen.insert(next.clone());
            queue.push_back((next, t));
        }
    }
    empty_ok.then(String::new)
}

/// One realizable combination of test results: which patterns match, and
/// the shortest (readable when possible) string with exactly those results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub matches: Vec<bool>,
    pub example: String,
}

/// Every combination of results of `patterns` that some string realizes,
/// each with a witness string — or `None` when the product automaton grows
/// beyond `max_states` (the caller then falls back to the solver's string
/// theory). Exact: a combination is listed if and only if a string has it.
pub fn cells(patterns: &[Pattern], readable: &[&str], max_states: usize) -> Option<Vec<Cell>> {
    let product = Product::new(patterns);
    let constraints: Vec<(Pattern, bool)> = patterns.iter().map(|p| (p.clone(), true)).collect();
    let alphabet = alphabet(&constraints);
    let start = product.start();
    let mut found: Vec<Cell> = Vec::new();
    let record = |matches: Vec<bool>, text: &str, found: &mut Vec<Cell>| {
        match found.iter_mut().find(|c| c.matches == matches) {
            // Prefer a non-empty example over the empty string.
            Some(c) if c.example.is_empty() && !text.is_empty() => c.example = text.to_string(),
            Some(_) => {}
            None => found.push(Cell {
                matches,
                example: text.to_string(),
            }),
        }
    };
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue: VecDeque<(State, String)> = VecDeque::new();
    record(product.accepts(&start), "", &mut found);
    seen.insert(start.clone());
    queue.push_back((start, String::new()));
    while let Some((state, text)) = queue.pop_front() {
        for &c in &alphabet {
            let next = product.step(&state, c);
            if seen.contains(&next) {
                // Same state, same results: only an earlier empty example
                // can still improve, and only a state reached from the start.
                if found.iter().any(|x| x.example.is_empty()) {
                    let mut t = text.clone();
                    t.push(c);
                    record(product.accepts(&next), &t, &mut found);
                }
                continue;
            }
            let mut t = text.clone();
            t.push(c);
            record(product.accepts(&next), &t, &mut found);
            if seen.len() >= max_states || seen.len() * alphabet.len() >= MAX_WORK {
                return None;
            }
            seen.insert(next.clone());
            queue.push_back((next, t));
        }
    }
    // Plain words where they fall in a cell (the first one wins).
    for word in readable {
        let m: Vec<bool> = patterns.iter().map(|p| p.matches(word)).collect();
        if let Some(c) = found.iter_mut().find(|c| c.matches == m) {
            if !readable.contains(&c.example.as_str()) {
                c.example = word.to_string();
            }
        }
    }
    Some(found)
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
