//! ## What it does
//! Finds agents declared in more than one domain (`domain [support, finance]`).
//!
//! ## Why it matters
//! An agent that spans domains accumulates the permissions of each, and its
//! blast radius crosses team boundaries; no single owner can review all of
//! it. Separate agents per domain, joined by delegation where needed, keep
//! each grant reviewable by the team that owns it.
//!
//! ## Example
//! ```text
//! agent helper { domain [support, finance] }
//! ```
//!
//! ## Use instead
//! ```text
//! agent support_helper { domain support  delegate to [finance_helper] }
//! agent finance_helper { domain finance }
//! ```

use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::Agent;

pub const CHECK: Check = Check {
    code: Code::new("AP218", Severity::Warning),
    name: "multi-domain-agent",
    summary: "an agent spans several domains",
    source: include_str!("multi_domain_agent.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// An agent declared in two or more domains.
pub struct Finding<'m> {
    agent: &'m Agent,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    cx.model
        .agents
        .values()
        .filter(|agent| agent.domains.len() >= 2)
        .map(|agent| Finding { agent })
        .collect()
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let agent = f.agent;
    let names: Vec<String> = agent.domains.iter().map(|d| format!("`{d}`")).collect();
    let d = CHECK
        .diag(format!(
            "agent `{}` spans {} domains: {}",
            agent.name,
            agent.domains.len(),
            names.join(", ")
        ))
        .primary(cx.setting_in_agent(agent, "domain"), "several domains")
        .help("split the agent per domain and delegate between them where needed");
    Report::new([agent.name.as_str()], d)
}
