//! ## What it does
//! Finds egress allowlist entries that open more of the network than an
//! agent can need: wildcards over a whole top-level domain (`*.com`) and
//! large address blocks (a /8 or wider, including `0.0.0.0/0` and its
//! spelling `*:PORT`, every host on a port) are
//! warnings; subdomain wildcards such as `*.example.com` are informational.
//!
//! ## Why it matters
//! Egress is the last line against exfiltration and against a compromised
//! agent calling home. A wildcard lets data leave to any host an attacker can
//! register under it (`*.s3.amazonaws.com` includes the attacker's bucket).
//!
//! ## Example
//! ```text
//! agent bot { egress ["0.0.0.0/0:443", "*.amazonaws.com:443"] }
//! ```
//!
//! ## Use instead
//! ```text
//! agent bot { egress ["reports.s3.us-east-1.amazonaws.com:443"] }
//! ```

use crate::analysis::{render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Endpoint};

pub const CHECK: Check = Check {
    code: Code::new("AP216", Severity::Warning),
    name: "wildcard-egress",
    summary: "an egress entry allows a wildcard host or a large address block",
    source: include_str!("wildcard_egress.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: false,
};

/// An egress entry with a wildcard host or a large address block.
pub struct Finding<'m> {
    agent: &'m Agent,
    entry: &'m Endpoint,
    /// Warning for a block or a wildcard under a top-level domain, info for
    /// a wildcard under a registered domain.
    severity: Severity,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        for e in &agent.egress {
            if let Some(severity) = breadth(e) {
                found.push(Finding {
                    agent,
                    entry: e,
                    severity,
                });
            }
        }
    }
    found
}

/// How wide the entry is, if wide enough to report.
fn breadth(e: &Endpoint) -> Option<Severity> {
    if e.is_cidr {
        let prefix = e
            .host
            .rsplit_once('/')
            .and_then(|(_, p)| p.parse::<u8>().ok());
        let v6 = e.host.contains(':');
        match prefix {
            Some(p) if (!v6 && p <= 8) || (v6 && p <= 32) => Some(Severity::Warning),
            _ => None,
        }
    } else {
        e.host.strip_prefix("*.").map(|rest| {
            if rest.contains('.') {
                Severity::Info
            } else {
                Severity::Warning
            }
        })
    }
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, e) = (f.agent, f.entry);
    let all_hosts = e.is_all_hosts();
    // The entry as written: `*:443` is read as `0.0.0.0/0:443`.
    let written = format!("*:{}", e.port);
    let span = match cx.find_in_agent(agent, &e.display()) {
        s if s == agent.span && all_hosts => cx.find_in_agent(agent, &written),
        s => s,
    };
    let mut d = CHECK
        .diag(format!(
            "agent `{}` may connect to `{}`",
            agent.name,
            e.display()
        ))
        .with_severity(f.severity)
        .primary(span, "wildcard egress")
        .help("list the exact hosts (and ports) the agent's tools use");
    if all_hosts {
        d = d.note(format!(
            "`{written}` and `{}` both allow every IPv4 address on port {}",
            e.display(),
            e.port
        ));
    }
    Report::new([agent.name.as_str()], d)
}
