//! The report as Markdown, for reviewers and pull-request comments, with the
//! capability graph as a Mermaid diagram. Input: a [`Report`]. Output: text.
//! Every user string goes through `md_code` (a code span it cannot leave)
//! and, in tables, has its `|` escaped; Mermaid labels are entity-escaped.

use super::*;
use crate::analysis::spend::{Amount, Per};
use crate::backend::iam::summary::md_code;
use std::fmt::Write as _;

/// A code span usable in a table cell.
fn cell(s: &str) -> String {
    md_code(s).replace('|', "\\|")
}

fn cells(items: &[String]) -> String {
    if items.is_empty() {
        return "—".into();
    }
    items
        .iter()
        .map(|s| cell(s))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn render(r: &Report) -> String {
    let mut out = format!(
        "# What could these agents do? Policy set {}\n\n",
        md_code(&r.policy_set)
    );
    for a in &r.agents {
        agent(a, &mut out);
    }
    out
}

fn agent(a: &AgentReport, out: &mut String) {
    let _ = writeln!(out, "## Agent {}\n", md_code(&a.name));
    let _ = writeln!(out, "> {}\n", a.summary.replace('\n', " "));
    let _ = writeln!(
        out,
        "Owner: {} · domains: {} · declared at {}\n",
        a.owner
            .as_deref()
            .map(md_code)
            .unwrap_or_else(|| "none".into()),
        if a.domains.is_empty() {
            "none".into()
        } else {
            a.domains
                .iter()
                .map(|d| md_code(d))
                .collect::<Vec<_>>()
                .join(", ")
        },
        md_code(&a.source)
    );
    mermaid(&a.graph, out);
    tools(a, out);
    approvals(a, out);
    spend(a, out);
    network(a, out);
    links(a, out);
    findings(a, out);
    settings(a, out);
}

/// Mermaid label text: no quotes, brackets or line breaks can escape it.
fn label(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '"' => o.push_str("#quot;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '`' => o.push_str("#96;"),
            '#' => o.push_str("#35;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn mermaid(g: &graph::Graph, out: &mut String) {
    out.push_str("### Capability graph\n\n```mermaid\nflowchart LR\n");
    for n in &g.nodes {
        let (open, close) = match n.kind.as_str() {
            "agent" => ("([", "])"),
            "source" => ("[/", "/]"),
            "peer" => ("((", "))"),
            "resource" => ("[(", ")]"),
            _ => ("[", "]"),
        };
        // `<br/>` is Mermaid's line break, added after escaping.
        let gate = n
            .gate
            .as_deref()
            .map(|g| format!("<br/>🔒 {}", label(g)))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}{open}\"{}{gate}\"{close}", n.id, label(&n.label));
    }
    for e in &g.edges {
        let arrow = if e.risk { "==>" } else { "-->" };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            e.from,
            label(&e.label),
            e.to
        );
    }
    let risky: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.risk)
        .map(|n| n.id.as_str())
        .collect();
    if !risky.is_empty() {
        out.push_str("  classDef risk stroke:#c00,stroke-width:3px\n");
        let _ = writeln!(out, "  class {} risk", risky.join(","));
    }
    out.push_str("```\n\n");
}

fn exists(e: &Exists) -> String {
    match e {
        Exists::Yes { decision, .. } => format!("yes ({})", decision.as_str()),
        Exists::No => "no (proved)".into(),
        Exists::Unknown { reason } => format!("unknown: {}", md_code(reason)),
    }
}

fn tools(a: &AgentReport, out: &mut String) {
    out.push_str("### Tools\n\n| tool | effects | allowed when | resources | limits | callable | without approval |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for t in &a.tools {
        let bounds: Vec<String> = t
            .grants
            .iter()
            .map(|g| {
                if g.bounds.is_empty() {
                    "always".to_string()
                } else {
                    g.bounds.join("; ")
                }
            })
            .collect();
        let res = t
            .resources
            .as_ref()
            .map(|r| {
                let mut v: Vec<String> = r
                    .instances
                    .iter()
                    .map(|i| {
                        format!(
                            "{} ({}{})",
                            i.pattern,
                            i.sensitivity,
                            if i.external { ", external" } else { "" }
                        )
                    })
                    .collect();
                if r.undeclared {
                    v.push(format!("undeclared {} names", r.resource_type));
                }
                cells(&v)
            })
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {res} | {} | {} | {} |",
            cell(&t.tool),
            t.effects.join(", "),
            cells(&bounds),
            cells(&t.limits),
            exists(&t.permitted),
            exists(&t.without_approval)
        );
    }
    out.push('\n');
}

fn approvals(a: &AgentReport, out: &mut String) {
    out.push_str("### Approvals\n\n");
    if a.approvals.is_empty() {
        out.push_str("No call ever needs an approval.\n\n");
        return;
    }
    out.push_str("| rule | tool | when | approvers | reason |\n| --- | --- | --- | --- | --- |\n");
    for p in &a.approvals {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} × {} | {} |",
            cell(&p.rule),
            p.kind,
            cell(&p.tool),
            cell(&p.when),
            p.count,
            cell(&p.group),
            p.reason.as_deref().map(cell).unwrap_or_else(|| "—".into())
        );
    }
    out.push('\n');
}

fn amount(a: &Amount) -> String {
    match a {
        Amount::Bounded { amount, .. } => format!("**{amount}**"),
        Amount::Unbounded { tool, .. } => format!("**unbounded** (`{tool}` repeats without limit)"),
        Amount::Unknown { reason } => format!("**unknown** ({})", md_code(reason)),
    }
}

fn per(p: Per) -> &'static str {
    match p {
        Per::Call => "call",
        Per::Session => "session",
        Per::Day => "day",
    }
}

fn spend(a: &AgentReport, out: &mut String) {
    for s in &a.spend {
        let _ = writeln!(
            out,
            "### Spend ceilings ({}), computed by the solver over {}\n",
            s.currency,
            s.agents
                .iter()
                .map(|x| md_code(x))
                .collect::<Vec<_>>()
                .join(", ")
        );
        out.push_str("| per | without any approval | in total |\n| --- | --- | --- |\n");
        for c in &s.ceilings {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                per(c.per),
                amount(&c.without_approval),
                amount(&c.total)
            );
        }
        out.push_str(
            "\nWitness sequences (each call replayed through the reference evaluator):\n\n",
        );
        for c in &s.ceilings {
            for (which, amt) in [
                ("without approval", &c.without_approval),
                ("in total", &c.total),
            ] {
                if let Amount::Bounded { calls, .. } = amt {
                    let steps: Vec<String> = calls
                        .iter()
                        .map(|k| {
                            format!(
                                "{} × {} by {} at {} ({})",
                                k.count,
                                md_code(&k.tool),
                                md_code(&k.agent),
                                k.amount,
                                k.decision.as_str()
                            )
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        "- per {}, {which}: {}",
                        per(c.per),
                        if steps.is_empty() {
                            "no call can spend".into()
                        } else {
                            steps.join(", then ")
                        }
                    );
                }
            }
        }
        out.push('\n');
    }
}

fn network(a: &AgentReport, out: &mut String) {
    out.push_str("### Network and cloud\n\n");
    let n = &a.network;
    let _ = writeln!(
        out,
        "- egress allowlist: {}",
        list(&n.egress, "none (all egress denied)")
    );
    if let Some(m) = &n.manifest {
        let _ = writeln!(
            out,
            "- enforced by {}: NetworkPolicy CIDRs {}, Cilium FQDNs {}",
            md_code(m),
            list(&n.network_policy, "none"),
            list(&n.cilium_fqdns, "none")
        );
    } else {
        out.push_str("- no Kubernetes namespace: egress is enforced by OPA/Cedar only\n");
    }
    match &a.aws {
        None => out.push_str("- no AWS role\n"),
        Some(aws) => {
            let _ = writeln!(out, "- AWS role {}:", md_code(&aws.role));
            for s in &aws.statements {
                let _ = writeln!(
                    out,
                    "  - {}: {} on {}",
                    md_code(&s.sid),
                    list(&s.actions, "none"),
                    list(&s.resources, "none")
                );
            }
            if !aws.only_opa_cedar.is_empty() {
                out.push_str("  - enforced by OPA/Cedar only, not by IAM:\n");
                for h in &aws.only_opa_cedar {
                    let _ = writeln!(out, "    - {}", md_code(h));
                }
            }
        }
    }
    out.push('\n');
}

fn list(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return empty.into();
    }
    items
        .iter()
        .map(|s| md_code(s))
        .collect::<Vec<_>>()
        .join(", ")
}

fn links(a: &AgentReport, out: &mut String) {
    out.push_str("### Other agents and untrusted input\n\n");
    if a.agents.is_empty() {
        out.push_str("- linked to no other agent\n");
    }
    for l in &a.agents {
        let _ = writeln!(
            out,
            "- {} {}{}",
            l.relation.replace('_', " "),
            md_code(&l.agent),
            l.via
                .as_deref()
                .map(|v| format!(" via {}", md_code(v)))
                .unwrap_or_default()
        );
    }
    if a.untrusted_sources.is_empty() {
        out.push_str("- no untrusted source can steer it\n");
    }
    for s in &a.untrusted_sources {
        let _ = writeln!(
            out,
            "- steered by untrusted output of {} ({}, {})",
            md_code(&s.tool),
            md_code(&s.agent),
            md_code(&s.path)
        );
    }
    out.push('\n');
}

fn findings(a: &AgentReport, out: &mut String) {
    out.push_str("### Risk findings\n\n");
    if a.findings.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    for f in &a.findings {
        let _ = writeln!(
            out,
            "- **{}** {} {} at {}",
            f.code,
            f.severity,
            md_code(&f.message),
            f.location
                .as_deref()
                .map(md_code)
                .unwrap_or_else(|| "—".into())
        );
        if let Some(calls) = f.witness["calls"].as_array() {
            for c in calls {
                let _ = writeln!(
                    out,
                    "  - witness: {} → {}",
                    md_code(&c["request"].to_string()),
                    c["decision"].as_str().unwrap_or_default()
                );
            }
        }
    }
    out.push('\n');
}

fn settings(a: &AgentReport, out: &mut String) {
    let s = &a.settings;
    out.push_str("### Settings\n\n");
    let _ = writeln!(
        out,
        "- credentials: {}\n- spend budget: {}\n- memory: {}\n- audit: {}{}\n- justification required: {}\n- presets: {}\n",
        s.credentials_ttl.as_deref().map(md_code).unwrap_or_else(|| "no lifetime declared".into()),
        s.budget_per_session.as_deref().map(|b| format!("{b} per session")).unwrap_or_else(|| "none declared".into()),
        s.memory,
        list(&s.audit_fields, "nothing"),
        if s.tamper_evident { ", tamper-evident" } else { "" },
        if s.justification_required { "yes" } else { "no" },
        list(&s.presets, "none")
    );
}
