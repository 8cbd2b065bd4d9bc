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

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

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
    /// The position after a pattern's last token: reaching it means a match.
    End,
}

/// The product of the patterns' NFAs. Every pattern's positions are laid
/// out back to back in one token array (each pattern followed by an `End`
/// position), and a product state is the sorted list of positions reached.
/// A state is sparse: an exact value of length n contributes at most one
/// position, so stepping costs the number of live positions, not the total
/// length of the patterns (which made a 30,000-character literal take
/// minutes: every step scanned every position).
struct Product {
    toks: Vec<Tok>,
    /// The pattern each position belongs to.
    owner: Vec<u32>,
    starts: Vec<u32>,
}

type State = Vec<u32>;

impl Product {
    fn new(patterns: &[Pattern]) -> Product {
        let mut toks = Vec::new();
        let mut owner = Vec::new();
        let mut starts = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.iter().enumerate() {
            starts.push(toks.len() as u32);
            for t in p.tokens().into_iter().chain([Tok::End]) {
                toks.push(t);
                owner.push(i as u32);
            }
        }
        Product {
            toks,
            owner,
            starts,
        }
    }

    fn tok(&self, g: u32) -> Tok {
        self.toks.get(g as usize).copied().unwrap_or(Tok::End)
    }

    /// Adds the positions reachable without consuming (a `*` matches
    /// nothing), then sorts: positions pushed here are visited in turn, so
    /// a chain of `*` is followed to its end.
    fn close(&self, state: &mut State) {
        let mut i = 0;
        while let Some(&g) = state.get(i) {
            if self.tok(g) == Tok::Any {
                state.push(g + 1);
            }
            i += 1;
        }
        state.sort_unstable();
        state.dedup();
    }

    fn start(&self) -> State {
        let mut s = self.starts.clone();
        self.close(&mut s);
        s
    }

    fn step(&self, state: &[u32], c: char) -> State {
        let mut next = Vec::with_capacity(state.len());
        for &g in state {
            match self.tok(g) {
                Tok::Any => next.push(g),
                Tok::Char(x) if x == c => next.push(g + 1),
                Tok::Char(_) | Tok::End => {}
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, state: &[u32]) -> Vec<bool> {
        let mut out = vec![false; self.starts.len()];
        for &g in state {
            if self.tok(g) == Tok::End {
                if let Some(m) = self
                    .owner
                    .get(g as usize)
                    .and_then(|&p| out.get_mut(p as usize))
                {
                    *m = true;
                }
            }
        }
        out
    }
}

/// The characters worth trying from one state, as indices into the
/// alphabet, ascending: those a live position expects, and the first other
/// one. Every character no live position expects leads to the same next
/// state, so the first of them stands for all (and is the one a search over
/// the whole alphabet would have kept).
fn moves(product: &Product, alphabet: &Alphabet, state: &[u32]) -> Vec<usize> {
    let mut idx: Vec<usize> = state
        .iter()
        .filter_map(|&g| match product.tok(g) {
            Tok::Char(c) => alphabet.index.get(&c).copied(),
            _ => None,
        })
        .collect();
    idx.sort_unstable();
    idx.dedup();
    let other = (0..alphabet.chars.len()).find(|i| idx.binary_search(i).is_err());
    if let Some(o) = other {
        let at = idx.partition_point(|&i| i < o);
        idx.insert(at, o);
    }
    idx
}

/// Bound on the work of one search, counted in positions stepped (each
/// transition costs the live positions of its state), so that hostile
/// patterns (long `*a*b*c*` chains, many overlapping globs) cannot stall
/// it. Deterministic: the same patterns always take the same work.
pub const MAX_WORK: u64 = 20_000_000;

/// Bound on explored product states in [`find`]; beyond it the search gives
/// up (`None` then means "not found", and callers fall back to the solver's
/// own value).
const MAX_STATES: usize = 200_000;

/// Default bound on explored product states for [`cells`]: an exact value
/// of this many characters still fits.
pub const MAX_CELL_STATES: usize = 100_000;

thread_local! {
    static WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Positions stepped by every search on this thread so far (for solver
/// statistics: a measure of automata work that does not depend on the
/// machine).
pub fn work() -> u64 {
    WORK.with(|w| w.get())
}

/// The breadth-first search shared by [`find`] and [`cells`]: explored
/// states with the state and character they were reached from, so a
/// witness string is rebuilt only when needed.
struct Search<'p> {
    product: &'p Product,
    alphabet: Alphabet,
    nodes: Vec<(State, usize, char)>,
    seen: HashSet<State>,
    queue: VecDeque<usize>,
    work: u64,
}

impl<'p> Search<'p> {
    fn new(product: &'p Product, alphabet: Alphabet) -> Search<'p> {
        let start = product.start();
        let mut seen = HashSet::new();
        seen.insert(start.clone());
        Search {
            product,
            alphabet,
            nodes: vec![(start, usize::MAX, '\0')],
            seen,
            queue: VecDeque::from([0]),
            work: 0,
        }
    }

    fn text(&self, mut node: usize, last: Option<char>) -> String {
        let mut rev: Vec<char> = last.into_iter().collect();
        while let Some((_, parent, c)) = self.nodes.get(node) {
            if *parent == usize::MAX {
                break;
            }
            rev.push(*c);
            node = *parent;
        }
        rev.into_iter().rev().collect()
    }

    /// One transition from `node` by `c`: the next state, and whether it
    /// is new.
    fn step(&mut self, node: usize, c: char) -> (State, bool) {
        let state = &self.nodes[node].0;
        self.work += state.len() as u64 + 1;
        let next = self.product.step(state, c);
        let new = !self.seen.contains(&next);
        (next, new)
    }

    fn add(&mut self, state: State, parent: usize, c: char) {
        self.seen.insert(state.clone());
        self.nodes.push((state, parent, c));
        self.queue.push_back(self.nodes.len() - 1);
    }

    fn over(&self, max_states: usize) -> bool {
        self.seen.len() >= max_states || self.work >= MAX_WORK
    }
}

impl Drop for Search<'_> {
    fn drop(&mut self) {
        let w = self.work;
        WORK.with(|t| t.set(t.get().saturating_add(w)));
    }
}

/// The shortest string (non-empty when one exists) whose match results are
/// exactly the wanted ones. Among strings of equal length, characters from
/// the patterns come first, then readable fresh ones.
pub fn find(constraints: &[(Pattern, bool)]) -> Option<String> {
    let patterns: Vec<Pattern> = constraints.iter().map(|(p, _)| p.clone()).collect();
    let product = Product::new(&patterns);
    let want: Vec<bool> = constraints.iter().map(|(_, w)| *w).collect();
    let ok = |state: &[u32]| product.accepts(state) == want;
    let mut search = Search::new(&product, alphabet(constraints));
    let empty_ok = ok(&search.nodes[0].0);
    while let Some(node) = search.queue.pop_front() {
        for i in moves(&product, &search.alphabet, &search.nodes[node].0) {
            let c = search.alphabet.chars[i];
            let (next, new) = search.step(node, c);
            if ok(&next) {
                return Some(search.text(node, Some(c)));
            }
            if !new {
                continue;
            }
            if search.over(MAX_STATES) {
                return empty_ok.then(String::new);
            }
            search.add(next, node, c);
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
/// beyond `max_states` or the search beyond [`MAX_WORK`] (the caller then
/// falls back to the solver's string theory, or reports the question
/// undecided). Exact: a combination is listed if and only if a string has it.
pub fn cells(patterns: &[Pattern], readable: &[&str], max_states: usize) -> Option<Vec<Cell>> {
    let product = Product::new(patterns);
    let constraints: Vec<(Pattern, bool)> = patterns.iter().map(|p| (p.clone(), true)).collect();
    let mut found: Vec<Cell> = Vec::new();
    let record = |matches: Vec<bool>, text: String, found: &mut Vec<Cell>| {
        match found.iter_mut().find(|c| c.matches == matches) {
            // Prefer a non-empty example over the empty string.
            Some(c) if c.example.is_empty() && !text.is_empty() => c.example = text,
            Some(_) => {}
            None => found.push(Cell {
                matches,
                example: text,
            }),
        }
    };
    let mut search = Search::new(&product, alphabet(&constraints));
    record(
        product.accepts(&search.nodes[0].0),
        String::new(),
        &mut found,
    );
    while let Some(node) = search.queue.pop_front() {
        for i in moves(&product, &search.alphabet, &search.nodes[node].0) {
            let c = search.alphabet.chars[i];
            let (next, new) = search.step(node, c);
            let matches = product.accepts(&next);
            if !new {
                // Same state, same results: only an earlier empty example
                // can still improve.
                if found
                    .iter()
                    .any(|x| x.example.is_empty() && x.matches == matches)
                {
                    record(matches, search.text(node, Some(c)), &mut found);
                }
                continue;
            }
            if !found
                .iter()
                .any(|x| x.matches == matches && !x.example.is_empty())
            {
                record(matches, search.text(node, Some(c)), &mut found);
            }
            if search.over(max_states) {
                return None;
            }
            search.add(next, node, c);
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
struct Alphabet {
    chars: Vec<char>,
    index: HashMap<char, usize>,
}

fn alphabet(constraints: &[(Pattern, bool)]) -> Alphabet {
    let mut seen = BTreeSet::new();
    let mut chars = Vec::new();
    for (p, _) in constraints {
        for t in p.tokens() {
            if let Tok::Char(c) = t {
                if seen.insert(c) {
                    chars.push(c);
                }
            }
        }
    }
    let fresh = "xyzabcdefghijklmnopqrstuvw0123456789-_"
        .chars()
        .chain((0x100u32..).filter_map(char::from_u32))
        .find(|c| !seen.contains(c));
    chars.extend(fresh);
    let index = chars.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    Alphabet { chars, index }
}
