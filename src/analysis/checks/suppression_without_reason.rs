//! ## What it does
//! Reports inline suppressions (`# agentpol: allow CODE reason "..."`) that
//! give no reason, cannot be read, or name a code agentpol does not know.
//! Such a comment suppresses nothing.
//!
//! ## Why it matters
//! A suppression is a decision to accept a risk; the reason is what the next
//! reviewer reads to know whether the decision still holds. An unexplained
//! suppression is indistinguishable from someone silencing a finding to get
//! a green build.
//!
//! ## Example
//! ```text
//! # agentpol: allow AP215
//! allow chat.post
//! ```
//!
//! ## Use instead
//! ```text
//! # agentpol: allow AP215 reason "posts only to channels the bot is invited to (SEC-142)"
//! allow chat.post
//! ```

use crate::analysis::suppress::{parse_inline, Inline};
use crate::analysis::{lookup, render, Check, Cx, Report};
use crate::diagnostics::{codes, Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP221", Severity::Warning),
    name: "suppression-without-reason",
    summary: "an inline suppression has no reason or names no known code",
    source: include_str!("suppression_without_reason.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// What is wrong with an inline suppression.
pub enum Finding {
    /// The comment does not parse.
    Unreadable(Inline, String),
    /// It gives no reason.
    NoReason(Inline),
    /// It names codes agentpol does not report.
    UnknownCodes(Inline, Vec<String>),
}

fn run(cx: &mut Cx<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    for s in parse_inline(cx.sources) {
        let unknown: Vec<String> = s
            .codes
            .iter()
            .filter(|c| lookup(c).is_none() && codes::lookup(c).is_none())
            .cloned()
            .collect();
        if let Some(e) = s.error.clone() {
            found.push(Finding::Unreadable(s, e));
        } else if s.reason.is_none() {
            found.push(Finding::NoReason(s));
        } else if !unknown.is_empty() {
            found.push(Finding::UnknownCodes(s, unknown));
        }
    }
    found
}

fn diagnostic(_: &Cx<'_>, f: &Finding) -> Report {
    let d = match f {
        Finding::Unreadable(s, e) => CHECK
            .diag(format!("unreadable suppression: {e}"))
            .primary(s.span, "suppresses nothing")
            .help("write `# agentpol: allow AP201 reason \"why this is acceptable\"`"),
        Finding::NoReason(s) => CHECK
            .diag("suppression without a reason")
            .primary(s.span, "suppresses nothing until it says why")
            .help(
                "add `reason \"...\"`: why the finding is acceptable, and where that was decided",
            ),
        Finding::UnknownCodes(s, unknown) => {
            let names: Vec<String> = unknown.iter().map(|c| format!("`{c}`")).collect();
            CHECK
                .diag(format!(
                    "suppression names unknown code {}",
                    names.join(", ")
                ))
                .primary(s.span, "not a code agentpol reports")
                .help("run `agentpol check --list-checks` for the codes")
        }
    };
    Report::new([], d)
}
