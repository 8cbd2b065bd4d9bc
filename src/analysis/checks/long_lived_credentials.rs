//! ## What it does
//! Finds agents whose credentials live longer than one hour, and agents with
//! a cloud identity (an IAM role or a Kubernetes namespace) that declare no
//! credential lifetime at all (the platform's maximum then applies, up to 12
//! hours for an IAM role session).
//!
//! ## Why it matters
//! A stolen token is useful for as long as it lives. Agents run tasks of
//! minutes; their credentials should expire with the task.
//!
//! ## Example
//! ```text
//! agent deployer { aws role "arn:aws:iam::123456789012:role/deployer"  credentials ttl 12h }
//! ```
//!
//! ## Use instead
//! ```text
//! agent deployer { aws role "arn:aws:iam::123456789012:role/deployer"  credentials ttl 15m }
//! ```

use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{format_duration, Agent};

pub const CHECK: Check = Check {
    code: Code::new("AP217", Severity::Warning),
    name: "long-lived-credentials",
    summary: "credentials live longer than an hour, or have no declared lifetime",
    source: include_str!("long_lived_credentials.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// One hour, in seconds.
const MAX_TTL: u64 = 3600;

/// An agent whose credentials live too long, or for an undeclared time.
pub enum Finding<'m> {
    /// `credentials ttl` longer than [`MAX_TTL`] (seconds).
    TooLong { agent: &'m Agent, ttl: u64 },
    /// A cloud identity without a declared lifetime.
    Undeclared { agent: &'m Agent },
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    cx.model
        .agents
        .values()
        .filter_map(|agent| match agent.credential_ttl {
            Some(ttl) if ttl > MAX_TTL => Some(Finding::TooLong { agent, ttl }),
            None if agent.aws_role.is_some() || agent.kubernetes.is_some() => {
                Some(Finding::Undeclared { agent })
            }
            _ => None,
        })
        .collect()
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    match *f {
        Finding::TooLong { agent, ttl } => {
            let d = CHECK
                .diag(format!(
                    "credentials of agent `{}` live {}, longer than {}",
                    agent.name,
                    format_duration(ttl),
                    format_duration(MAX_TTL)
                ))
                .primary(
                    cx.setting_in_agent(agent, "credentials"),
                    "long-lived credentials",
                )
                .help("use `credentials ttl 15m` or the shortest lifetime the agent's tasks allow");
            Report::new([agent.name.as_str()], d)
        }
        Finding::Undeclared { agent } => {
            let d = CHECK
                .diag(format!("agent `{}` has a cloud identity but no credential lifetime", agent.name))
                .primary(agent.span, "no `credentials ttl`")
                .note("without a declared lifetime the platform's maximum applies (up to 12h for an IAM role session)")
                .help("add `credentials ttl 15m`");
            Report::new([agent.name.as_str()], d)
        }
    }
}
