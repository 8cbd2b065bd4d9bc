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

use crate::analysis::{check_source, Check, Cx};
use crate::diagnostics::{Code, Severity};

pub const CHECK: Check = Check {
    code: Code::new("AP218", Severity::Warning),
    name: "multi-domain-agent",
    summary: "an agent spans several domains",
    source: check_source!(),
    run,
    witness: false,
};

fn run(cx: &mut Cx<'_>) {
    let model = cx.model;
    for agent in model.agents.values() {
        if agent.domains.len() < 2 {
            continue;
        }
        let names: Vec<String> = agent.domains.iter().map(|d| format!("`{d}`")).collect();
        let d = cx
            .diag(format!(
                "agent `{}` spans {} domains: {}",
                agent.name,
                agent.domains.len(),
                names.join(", ")
            ))
            .primary(cx.setting_in_agent(agent, "domain"), "several domains")
            .help("split the agent per domain and delegate between them where needed");
        cx.report([agent.name.as_str()], d);
    }
}
