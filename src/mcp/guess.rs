//! Effect classes, output trust and sensitivity of an imported tool, guessed
//! from its MCP annotations and its name and description. Every guess keeps
//! the reason it was made, and the generated declaration prints it.
//!
//! Annotations are hints the server controls, so the guesses take the
//! union of what the hints and the name say (a tool named `delete_file`
//! that claims `readOnlyHint` still gets `delete`), and an unstated hint
//! takes the protocol's default (`readOnlyHint` false, `destructiveHint`
//! true, `openWorldHint` true) except that an unannotated tool whose name
//! starts with a reading verb is guessed read-only.
//!
//! - `read`: `readOnlyHint`, or a reading verb (get, list, read, search, ...);
//! - `write`: not read-only;
//! - `delete`: `destructiveHint` on a tool that is not read-only, or a
//!   deleting word (delete, remove, ...);
//! - `communicate`: not read-only and open-world (what it writes reaches
//!   outsiders), or a sending word (send, post, comment, ...);
//! - `execute`, `merge`, `admin`, `network`: their words in the name (and
//!   for `execute`, the description);
//! - output `untrusted` when open-world (its content comes from outside),
//!   else `trusted`; sensitivity `internal` (nothing in a listing says
//!   more) or `secret` for names about secrets and credentials.
//!
//! A tool that looks like it moves money gets a review note instead of
//! `spend`: `spend` needs a money argument, which a JSON Schema cannot say.

use super::listing::ListedTool;

/// Effects in the language's canonical order.
const ORDER: [&str; 9] = [
    "read",
    "write",
    "delete",
    "communicate",
    "spend",
    "execute",
    "merge",
    "admin",
    "network",
];

const READ_VERBS: [&str; 12] = [
    "get",
    "list",
    "read",
    "search",
    "find",
    "view",
    "show",
    "describe",
    "fetch",
    "query",
    "lookup",
    "directory",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guess {
    /// Effect and the reason, in canonical order, at least one.
    pub effects: Vec<(&'static str, String)>,
    pub trust: (&'static str, String),
    pub sensitivity: (&'static str, String),
    /// Things a reviewer must decide (e.g. a tool that may spend money).
    pub review: Vec<String>,
}

/// The lowercase words of a name: split at `_`, `-`, `.`, `/`, spaces and
/// lowercase-to-uppercase steps (`createIssue` → create, issue).
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn has_word<'a>(words: &'a [String], list: &[&str]) -> Option<&'a str> {
    words.iter().map(String::as_str).find(|w| list.contains(w))
}

fn push(effects: &mut Vec<(&'static str, String)>, e: &'static str, why: String) {
    if !effects.iter().any(|(x, _)| *x == e) {
        effects.push((e, why));
    }
}

pub fn guess(tool: &ListedTool) -> Guess {
    let name = words(&tool.name);
    let desc = words(tool.description.as_deref().unwrap_or(""));
    let a = &tool.annotations;
    let mut effects: Vec<(&'static str, String)> = Vec::new();
    let mut add = |e: &'static str, why: String| push(&mut effects, e, why);
    // The verb is the first word, or the second after a service prefix
    // (`slack_get_users`).
    let read_verb = name
        .iter()
        .take(2)
        .map(String::as_str)
        .find(|w| READ_VERBS.contains(w));
    let read_only = if a.read_only.stated {
        a.read_only.value
    } else {
        read_verb.is_some()
    };
    if read_only {
        let why = if a.read_only.stated {
            "readOnlyHint is true".to_string()
        } else {
            format!(
                "readOnlyHint is unset and the name's verb is `{}`",
                read_verb.unwrap_or("")
            )
        };
        add("read", why);
    } else {
        add(
            "write",
            if a.read_only.stated {
                "readOnlyHint is false".into()
            } else {
                "readOnlyHint is unset: the protocol's default is a tool that modifies its environment".into()
            },
        );
        if a.destructive.value {
            add(
                "delete",
                if a.destructive.stated {
                    "destructiveHint is true: it may destroy or overwrite data".into()
                } else {
                    "destructiveHint is unset: the protocol's default for a modifying tool is destructive".into()
                },
            );
        }
        if a.open_world.value {
            add(
                "communicate",
                if a.open_world.stated {
                    "openWorldHint is true and it modifies: what it writes reaches an open world"
                        .into()
                } else {
                    "openWorldHint is unset (default open world) and it modifies: what it writes may reach outsiders".into()
                },
            );
        }
    }
    let word_rules: [(&'static str, &[&str]); 6] = [
        (
            "delete",
            &[
                "delete", "remove", "destroy", "drop", "purge", "erase", "unlink",
            ],
        ),
        (
            "communicate",
            &[
                "send", "post", "email", "mail", "message", "reply", "comment", "publish",
                "notify", "share", "invite",
            ],
        ),
        (
            "execute",
            &[
                "exec", "execute", "run", "shell", "command", "eval", "script",
            ],
        ),
        ("merge", &["merge"]),
        (
            "admin",
            &[
                "admin",
                "permission",
                "permissions",
                "role",
                "roles",
                "collaborator",
                "collaborators",
                "settings",
                "grant",
            ],
        ),
        (
            "network",
            &["http", "url", "browse", "navigate", "download", "fetch"],
        ),
    ];
    for (effect, list) in word_rules {
        if let Some(w) = has_word(&name, list) {
            if effect == "network" && !a.open_world.value {
                continue;
            }
            add(effect, format!("the name contains `{w}`"));
        }
    }
    if let Some(w) = has_word(&desc, &["shell", "execute", "executes"]) {
        add("execute", format!("the description mentions `{w}`"));
    }
    if effects
        .iter()
        .any(|(e, _)| ["delete", "communicate", "execute", "merge", "admin"].contains(e))
        && read_only
        && a.read_only.stated
    {
        push(&mut effects, "write", "a name word implies a change although readOnlyHint is true: hints are the server's claims".into());
    }
    effects.sort_by_key(|(e, _)| ORDER.iter().position(|o| o == e));
    let trust = if a.open_world.value {
        (
            "untrusted",
            if a.open_world.stated {
                "openWorldHint is true: its output comes from outside and may carry instructions"
                    .to_string()
            } else {
                "openWorldHint is unset (the protocol's default is an open world): its output may carry instructions".to_string()
            },
        )
    } else {
        ("trusted", "openWorldHint is false (a closed domain); review whether outsiders can write what it returns".to_string())
    };
    let sensitivity = match has_word(
        &name,
        &[
            "secret",
            "secrets",
            "password",
            "credential",
            "credentials",
            "token",
            "key",
            "keys",
        ],
    ) {
        Some(w) => ("secret", format!("the name contains `{w}`")),
        None => (
            "internal",
            "an MCP listing does not say how sensitive the data is; review".to_string(),
        ),
    };
    let mut review = Vec::new();
    let money = [
        "pay", "payment", "charge", "refund", "purchase", "transfer", "invoice", "payout",
    ];
    if let Some(w) = has_word(&name, &money).or_else(|| has_word(&desc, &money)) {
        review.push(format!("`{w}` suggests it moves money: add a money argument, `spend` and `spends ARG` by hand, or budgets cannot apply"));
    }
    Guess {
        effects,
        trust,
        sensitivity,
        review,
    }
}
