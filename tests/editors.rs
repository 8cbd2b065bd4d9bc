//! The TextMate grammar `editors/agentpol.tmLanguage.json`, checked with a
//! small engine that follows TextMate's scanning rules (at each position
//! the earliest match wins, ties go to the first pattern and to a block's
//! `end`; `begin`/`end` blocks nest across lines; `include` resolves
//! `#repository` entries and `$self`). Regexes compile with fancy-regex,
//! whose syntax covers the Oniguruma subset the grammar uses.
//!
//! Laws: every regex compiles; every keyword of `grammar/agentpol.pest` is
//! highlighted as a keyword; every non-blank character of every example and
//! stdlib file gets a scope; literal forms get the scopes editors colour.

use fancy_regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

struct Grammar {
    root: Value,
}

/// Scopes of each byte of a line (outermost first).
type Scopes = Vec<Vec<String>>;

/// The best match so far: start, end, rule (`None`: the block's end), capture groups.
type Best<'a> = Option<(usize, usize, Option<&'a Value>, Vec<Option<(usize, usize)>>)>;

impl Grammar {
    fn load() -> Grammar {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/agentpol.tmLanguage.json");
        Grammar {
            root: serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap(),
        }
    }

    /// A rule's patterns with includes expanded.
    fn expand<'a>(&'a self, patterns: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
        assert!(depth < 16, "include cycle");
        for p in patterns.as_array().into_iter().flatten() {
            match p.get("include").and_then(Value::as_str) {
                Some("$self") => self.expand(&self.root["patterns"], out, depth + 1),
                Some(name) => {
                    let key = name
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("unsupported include {name}"));
                    let rule = self.root["repository"]
                        .get(key)
                        .unwrap_or_else(|| panic!("no repository entry {key}"));
                    if rule.get("match").is_some() || rule.get("begin").is_some() {
                        out.push(rule);
                    } else {
                        self.expand(&rule["patterns"], out, depth + 1);
                    }
                }
                None if p.get("match").is_some() || p.get("begin").is_some() => out.push(p),
                None => self.expand(&p["patterns"], out, depth + 1),
            }
        }
    }

    /// Tokenizes a whole text line by line, carrying open blocks across lines.
    fn tokenize(&self, text: &str) -> Vec<(String, Scopes)> {
        let mut stack: Vec<&Value> = Vec::new();
        text.lines()
            .map(|line| {
                let scopes = self.line(line, &mut stack);
                (line.to_string(), scopes)
            })
            .collect()
    }

    fn line<'a>(&'a self, line: &str, stack: &mut Vec<&'a Value>) -> Scopes {
        let mut scopes: Scopes = vec![Vec::new(); line.len()];
        let mut pos = 0;
        loop {
            let base: Vec<String> = stack.iter().filter_map(|r| name(r)).collect();
            let mut candidates: Vec<&Value> = Vec::new();
            match stack.last() {
                Some(top) => self.expand(&top["patterns"], &mut candidates, 0),
                None => self.expand(&self.root["patterns"], &mut candidates, 0),
            }
            // (start, end, rule, is_end, captures)
            let mut best: Best<'a> = None;
            let mut consider = |re: &str, rule: Option<&'a Value>| {
                let re = Regex::new(re).unwrap_or_else(|e| panic!("regex {re:?}: {e}"));
                if let Some(c) = re.captures_from_pos(line, pos).unwrap() {
                    let m = c.get(0).unwrap();
                    if best.as_ref().is_none_or(|b| m.start() < b.0) {
                        let groups = (0..c.len())
                            .map(|i| c.get(i).map(|g| (g.start(), g.end())))
                            .collect();
                        best = Some((m.start(), m.end(), rule, groups));
                    }
                }
            };
            if let Some(top) = stack.last() {
                consider(top["end"].as_str().unwrap(), None);
            }
            for rule in &candidates {
                let re = rule
                    .get("match")
                    .or_else(|| rule.get("begin"))
                    .and_then(Value::as_str)
                    .unwrap();
                consider(re, Some(rule));
            }
            let end_of_gap = best.as_ref().map(|b| b.0).unwrap_or(line.len());
            for s in scopes.iter_mut().take(end_of_gap).skip(pos) {
                s.clone_from(&base);
            }
            let Some((start, end, rule, groups)) = best else {
                break;
            };
            let mut token = base.clone();
            let captures = match rule {
                None => {
                    let top = stack.pop().unwrap();
                    top.get("endCaptures")
                }
                Some(r) if r.get("begin").is_some() => {
                    stack.push(r);
                    token.extend(name(r));
                    r.get("beginCaptures")
                }
                Some(r) => {
                    token.extend(name(r));
                    r.get("captures")
                }
            };
            for s in scopes.iter_mut().take(end).skip(start) {
                s.clone_from(&token);
            }
            for (i, g) in groups.iter().enumerate() {
                let (Some((a, b)), Some(n)) = (
                    g,
                    captures.and_then(|c| c.get(i.to_string())).and_then(name),
                ) else {
                    continue;
                };
                for s in scopes.iter_mut().take(*b).skip(*a) {
                    s.push(n.clone());
                }
            }
            if end == pos && rule.is_some_and(|r| r.get("begin").is_none()) {
                pos += line
                    .get(pos..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8);
            } else {
                pos = end;
            }
            if pos >= line.len() {
                // A block whose end is `$` closes at the end of its line.
                while stack.last().is_some_and(|t| t["end"] == "$") {
                    stack.pop();
                }
                break;
            }
        }
        scopes
    }
}

fn name(rule: &Value) -> Option<String> {
    rule.get("name").and_then(Value::as_str).map(str::to_string)
}

/// The innermost scope of the first occurrence of `needle` in `line`.
fn scope_of(g: &Grammar, line: &str, needle: &str) -> Vec<String> {
    let at = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {line}"));
    let toks = g.tokenize(line);
    toks[0].1[at].clone()
}

fn has(scopes: &[String], prefix: &str) -> bool {
    scopes
        .iter()
        .any(|s| s.split(' ').any(|p| p.starts_with(prefix)))
}

/// Every word the pest grammar matches literally: keywords (`k_*` rules and
/// quoted words inside rules) and primitive type names.
fn pest_words() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/grammar/agentpol.pest"
    ))
    .unwrap();
    let re = Regex::new(r#""([a-z_]{2,})""#).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for c in re.captures_iter(line) {
            out.insert(c.unwrap()[1].to_string());
        }
    }
    out
}

#[test]
fn every_pest_keyword_is_highlighted() {
    let g = Grammar::load();
    let words = pest_words();
    assert!(words.len() > 60, "found only {words:?}");
    for w in &words {
        let scopes = scope_of(&g, w, w);
        let ok = ["keyword", "storage", "support", "constant.language"]
            .iter()
            .any(|p| has(&scopes, p));
        assert!(ok, "`{w}` gets {scopes:?}");
    }
}

#[test]
fn literal_forms_get_their_scopes() {
    let g = Grammar::load();
    let cases: &[(&str, &str, &str)] = &[
        (
            "budget USD 200.00 per session",
            "USD",
            "constant.numeric.currency",
        ),
        (
            "budget USD 200.00 per session",
            "200.00",
            "constant.numeric.decimal",
        ),
        ("credentials ttl 15m", "15", "constant.numeric"),
        ("credentials ttl 15m", "m", "keyword.other.unit"),
        ("limit a.b 20 per session", "20", "constant.numeric.integer"),
        (
            r#"doc "say \"hi\"\n""#,
            r#"\""#,
            "constant.character.escape",
        ),
        (
            r#"doc "a \u{1F600} b""#,
            r#"\u{1F600}"#,
            "constant.character.escape",
        ),
        (r#"doc "bad \q""#, r#"\q"#, "invalid.illegal.escape"),
        (r#"doc "Café ☕ 日本""#, "日", "string.quoted.double"),
        (
            "# a comment with allow and \"quotes\"",
            "allow",
            "comment.line",
        ),
        (
            r#"# agentpol: allow AP215, AP216 reason "read-only""#,
            "AP216",
            "constant.other.diagnostic-code",
        ),
        (
            r#"# agentpol: allow AP215 reason "read-only""#,
            "reason",
            "keyword.control.directive",
        ),
        (
            r#"# agentpol: allow AP215 reason "read-only""#,
            "read-only",
            "string.quoted",
        ),
        (
            "  effects [communicate, write]",
            "write",
            "support.constant.effect",
        ),
        (
            "  output untrusted confidential",
            "untrusted",
            "support.constant.trust",
        ),
        (
            "  output untrusted confidential",
            "confidential",
            "support.constant.sensitivity",
        ),
        (
            "tool slack.post_message {",
            "slack.post_message",
            "entity.name.function",
        ),
        ("agent triage {", "triage", "entity.name.type"),
        (
            "resource type chat.channel {",
            "chat.channel",
            "entity.name.type.resource",
        ),
        ("use std.slack", "std.slack", "entity.name.namespace"),
        ("  arg urgent?: bool", "urgent", "variable.parameter"),
        (
            "allow x.y where not resource.external",
            "resource.external",
            "variable.other",
        ),
        ("allow jira.* where a == true", "true", "constant.language"),
        ("allow jira.* where a >= 3", ">=", "keyword.operator"),
    ];
    for (line, needle, want) in cases {
        let scopes = scope_of(&g, line, needle);
        assert!(
            has(&scopes, want),
            "`{needle}` in `{line}`: {scopes:?}, want {want}"
        );
    }
}

#[test]
fn every_example_and_stdlib_file_is_fully_tokenized() {
    let g = Grammar::load();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = 0;
    for dir in ["examples", "stdlib"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "agentpol") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for (n, (line, scopes)) in g.tokenize(&text).iter().enumerate() {
                for (i, c) in line.char_indices() {
                    assert!(
                        c.is_whitespace() || !scopes[i].is_empty(),
                        "{}:{}: `{c}` at byte {i} has no scope in `{line}`",
                        entry.path().display(),
                        n + 1
                    );
                }
            }
        }
    }
    assert!(files > 20, "only {files} files");
}

/// The engine itself can fail: a character no rule covers is reported.
#[test]
fn the_check_catches_an_uncovered_character() {
    let g = Grammar::load();
    let toks = g.tokenize("allow x.y where a == 1 ~");
    let (line, scopes) = &toks[0];
    let tilde = line.find('~').unwrap();
    assert!(scopes[tilde].is_empty());
}
