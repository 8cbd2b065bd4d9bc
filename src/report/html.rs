//! The report as one self-contained HTML page: inline CSS, the capability
//! graph as inline SVG ([`super::svg`]), no script, nothing fetched (a
//! Content-Security-Policy forbids it), and a print style sheet. Input: a
//! [`Report`]. Output: text. Every user string goes through `html-escape`
//! (`esc` for text, `attr` for attribute values); nothing else is ever
//! interpolated into markup.

use super::*;
use crate::analysis::spend::{Amount, Per, SpendCall};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
use std::fmt::Write as _;

const STYLE: &str = include_str!("html.css");
const FREE: &str = "without any approval";

/// `<code>` around escaped text.
fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

/// Prose whose `backticked` spans become `<code>`, everything escaped.
fn prose(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                code(part)
            } else {
                esc(part).into_owned()
            }
        })
        .collect()
}

fn codes(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return esc(empty).into_owned();
    }
    items.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ")
}

/// A JSON value (a witness request) shown as it would be fed to `agentpol eval`.
fn json_block(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    format!("<pre class=\"request\">{}</pre>", esc(&text))
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let title = format!("What could these agents do? Policy set {}", r.policy_set);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"agentpol report (format version {})\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>What could these agents do? Policy set {}</h1>\n\
         <p class=\"provenance\">Every fact below is read from the checked policy, the solver and the \
         generated enforcement artifacts; spend ceilings are computed by the solver and each witness call \
         was replayed through the reference evaluator.</p>\n",
        r.version,
        esc(&title),
        code(&r.policy_set)
    );
    if r.agents.len() > 1 {
        out.push_str("<nav><ul>\n");
        for (i, a) in r.agents.iter().enumerate() {
            let _ = writeln!(out, "<li><a href=\"#agent-{i}\">{}</a></li>", code(&a.name));
        }
        out.push_str("</ul></nav>\n");
    }
    out.push_str("</header>\n<main>\n");
    for (i, a) in r.agents.iter().enumerate() {
        agent(i, a, &mut out);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn agent(i: usize, a: &AgentReport, out: &mut String) {
    let _ = writeln!(
        out,
        "<section class=\"agent\" id=\"agent-{i}\" data-agent=\"{}\">\n<h2>Agent {}</h2>",
        attr(&a.name),
        code(&a.name)
    );
    let _ = writeln!(
        out,
        "<p class=\"summary\">{}</p>",
        prose(&a.summary.replace('\n', " "))
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">Owner: {} · domains: {} · declared at {}</p>",
        a.owner
            .as_deref()
            .map(code)
            .unwrap_or_else(|| "none".into()),
        codes(&a.domains, "none"),
        code(&a.source)
    );
    spend(a, out);
    picture(i, a, out);
    tools(a, out);
    approvals(a, out);
    network(a, out);
    links(a, out);
    findings(a, out);
    settings(a, out);
    out.push_str("</section>\n");
}

fn picture(i: usize, a: &AgentReport, out: &mut String) {
    out.push_str("<h3>Capability graph</h3>\n<figure class=\"graph\">\n");
    out.push_str(&super::svg::render(&a.graph, &format!("agent-{i}")));
    out.push_str(
        "<figcaption><ul class=\"legend\">\
         <li><span class=\"swatch agent\"></span>the agent</li>\
         <li><span class=\"swatch source\"></span>untrusted source</li>\
         <li><span class=\"swatch tool\"></span>tool it can call</li>\
         <li><span class=\"swatch gated\"></span>tool every call of which needs approval (gate ‖ on the edge)</li>\
         <li><span class=\"swatch resource\"></span>shared resource</li>\
         <li><span class=\"swatch peer\"></span>other agent</li>\
         <li><span class=\"swatch risk\"></span>on a risk finding's witness path</li>\
         </ul></figcaption>\n</figure>\n",
    );
}

fn exists(e: &Exists) -> String {
    match e {
        Exists::Yes { decision, .. } => format!("yes ({})", esc(decision.as_str())),
        Exists::No => "<strong>no</strong> (proved)".into(),
        Exists::Unknown { reason } => format!("unknown: {}", code(reason)),
    }
}

fn tools(a: &AgentReport, out: &mut String) {
    out.push_str(
        "<h3>Tools</h3>\n<table class=\"tools\">\n<thead><tr><th>tool</th><th>effects</th>\
         <th>allowed when</th><th>resources</th><th>limits</th><th>callable</th>\
         <th>without approval</th></tr></thead>\n<tbody>\n",
    );
    for t in &a.tools {
        let bounds: Vec<String> = t
            .grants
            .iter()
            .map(|g| {
                let words = if g.bounds.is_empty() {
                    "always".to_string()
                } else {
                    g.bounds.join("; ")
                };
                format!(
                    "{} <span class=\"rule\">({})</span>",
                    esc(&words),
                    esc(&g.rule)
                )
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
                            code(&i.pattern),
                            esc(&i.sensitivity),
                            if i.external { ", external" } else { "" }
                        )
                    })
                    .collect();
                if r.undeclared {
                    v.push(format!("undeclared {} names", code(&r.resource_type)));
                }
                v.join("<br>")
            })
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{res}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            code(&t.tool),
            esc(&t.effects.join(", ")),
            bounds.join("<br>"),
            if t.limits.is_empty() {
                "—".into()
            } else {
                t.limits.iter().map(|l| esc(l)).collect::<Vec<_>>().join("<br>")
            },
            exists(&t.permitted),
            exists(&t.without_approval)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn approvals(a: &AgentReport, out: &mut String) {
    out.push_str("<h3>Approvals</h3>\n");
    if a.approvals.is_empty() {
        out.push_str("<p>No call ever needs an approval.</p>\n");
        return;
    }
    out.push_str(
        "<table class=\"approvals\">\n<thead><tr><th>rule</th><th>tool</th><th>when</th>\
         <th>approvers</th><th>reason</th></tr></thead>\n<tbody>\n",
    );
    for p in &a.approvals {
        let _ = writeln!(out, "<tr>{}</tr>", approval_cells(p));
    }
    out.push_str("</tbody>\n</table>\n");
}

fn approval_cells(p: &ApprovalReport) -> String {
    format!(
        "<td>{} ({})</td><td>{}</td><td>{}</td><td>{} × {}</td><td>{}</td>",
        code(&p.rule),
        esc(&p.kind),
        code(&p.tool),
        code(&p.when),
        p.count,
        code(&p.group),
        p.reason
            .as_deref()
            .map(|r| esc(r).into_owned())
            .unwrap_or_else(|| "—".into())
    )
}

fn per(p: Per) -> &'static str {
    match p {
        Per::Call => "call",
        Per::Session => "session",
        Per::Day => "day",
    }
}

fn amount(a: &Amount) -> String {
    match a {
        Amount::Bounded { amount, .. } => format!("<strong>{}</strong>", esc(amount)),
        Amount::Unbounded { tool, .. } => format!(
            "<strong>unbounded</strong> ({} repeats without limit)",
            code(tool)
        ),
        Amount::Unknown { reason } => format!("<strong>unknown</strong> ({})", code(reason)),
    }
}

fn calls_list(a: &AgentReport, calls: &[SpendCall], out: &mut String) {
    out.push_str("<ol class=\"witness\">\n");
    for k in calls {
        let _ = writeln!(
            out,
            "<li>{} × {} by {} at {} each, decided {}{}; the first call:\n{}</li>",
            k.count,
            code(&k.tool),
            code(&k.agent),
            esc(&k.amount),
            code(k.decision.as_str()),
            bounded_by(a, k),
            json_block(&k.request)
        );
    }
    out.push_str("</ol>\n");
}

/// What keeps a witness call where it is: its grants' bounds and its
/// limits, as the tools table states them (for the agent's own calls).
fn bounded_by(a: &AgentReport, k: &SpendCall) -> String {
    let Some(t) = a
        .tools
        .iter()
        .find(|t| t.tool == k.tool && k.agent == a.name)
    else {
        return String::new();
    };
    let mut parts: Vec<String> = t
        .grants
        .iter()
        .filter(|g| !g.bounds.is_empty())
        .map(|g| format!("the grant’s bounds ({})", esc(&g.bounds.join("; "))))
        .collect();
    if !t.limits.is_empty() {
        parts.push(format!("the limits {}", codes(&t.limits, "")));
    }
    if let Some(b) = &a.settings.budget_per_session {
        parts.push(format!("the session budget of {}", esc(b)));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(", bounded by {}", parts.join(" and "))
}

/// The ceilings, then why: the witness sequences that reach them and, when
/// nothing can be spent without approval, the gates that stop it.
fn spend(a: &AgentReport, out: &mut String) {
    for s in &a.spend {
        let _ = writeln!(
            out,
            "<div class=\"spend\">\n<h3>What it can spend ({}), computed by the solver over {}</h3>",
            esc(&s.currency),
            codes(&s.agents, "none")
        );
        out.push_str(
            "<table class=\"ceilings\">\n<thead><tr><th>per</th><th>without any approval</th>\
             <th>in total (with approvals)</th></tr></thead>\n<tbody>\n",
        );
        for c in &s.ceilings {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"free\">{}</td><td>{}</td></tr>",
                per(c.per),
                amount(&c.without_approval),
                amount(&c.total)
            );
        }
        out.push_str("</tbody>\n</table>\n<h4>Why</h4>\n");
        let nothing_free = s.ceilings.iter().all(
            |c| matches!(&c.without_approval, Amount::Bounded { calls, .. } if calls.is_empty()),
        );
        if nothing_free {
            why_nothing_free(a, out);
        }
        for c in &s.ceilings {
            for (which, amt) in [(FREE, &c.without_approval), ("in total", &c.total)] {
                match amt {
                    Amount::Bounded { calls, amount, .. } if !calls.is_empty() => {
                        let _ = writeln!(
                            out,
                            "<p>Per {}, {which}: {} is reached by this sequence of calls:</p>",
                            per(c.per),
                            esc(amount)
                        );
                        calls_list(a, calls, out);
                    }
                    Amount::Bounded { .. } if !(nothing_free && which == FREE) => {
                        let _ = writeln!(
                            out,
                            "<p>Per {}, {which}: no call can spend.</p>",
                            per(c.per)
                        );
                    }
                    Amount::Unbounded {
                        agent,
                        tool,
                        request,
                    } => {
                        let _ = writeln!(
                            out,
                            "<p>Per {}, {which}: unbounded, {} by {} can be repeated (or raised) \
                             without limit, starting with:</p>\n{}",
                            per(c.per),
                            code(tool),
                            code(agent),
                            json_block(request)
                        );
                    }
                    _ => {}
                }
            }
        }
        out.push_str("</div>\n");
    }
}

/// No spend without approval: which spend tools the solver proved gated,
/// and the approval rules that gate them.
fn why_nothing_free(a: &AgentReport, out: &mut String) {
    let spenders: Vec<&ToolReport> = a
        .tools
        .iter()
        .filter(|t| t.effects.iter().any(|e| e == "spend"))
        .collect();
    out.push_str(
        "<p class=\"verdict\">Nothing can be spent without approval, per call, per session or per day.",
    );
    if !spenders.is_empty() {
        let _ = write!(
            out,
            " The solver proved that no call of {} is allowed without an approval.",
            spenders
                .iter()
                .map(|t| code(&t.tool))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push_str("</p>\n");
    let gates: Vec<&ApprovalReport> = a
        .approvals
        .iter()
        .filter(|p| spenders.iter().any(|t| t.tool == p.tool))
        .collect();
    if !gates.is_empty() {
        out.push_str(
            "<p>The approvals that stop it:</p>\n<table class=\"approvals\">\n<thead><tr><th>rule</th>\
             <th>tool</th><th>when</th><th>approvers</th><th>reason</th></tr></thead>\n<tbody>\n",
        );
        for p in gates {
            let _ = writeln!(out, "<tr>{}</tr>", approval_cells(p));
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

fn network(a: &AgentReport, out: &mut String) {
    out.push_str("<h3>Network and cloud</h3>\n<ul>\n");
    let n = &a.network;
    let _ = writeln!(
        out,
        "<li>egress allowlist: {}</li>",
        codes(&n.egress, "none (all egress denied)")
    );
    match &n.manifest {
        Some(m) => {
            let _ = writeln!(
                out,
                "<li>enforced by {}: NetworkPolicy CIDRs {}, Cilium FQDNs {}</li>",
                code(m),
                codes(&n.network_policy, "none"),
                codes(&n.cilium_fqdns, "none")
            );
        }
        None => {
            out.push_str("<li>no Kubernetes namespace: egress is enforced by OPA/Cedar only</li>\n")
        }
    }
    match &a.aws {
        None => out.push_str("<li>no AWS role</li>\n"),
        Some(aws) => {
            let _ = writeln!(out, "<li>AWS role {}:<ul>", code(&aws.role));
            for s in &aws.statements {
                let _ = writeln!(
                    out,
                    "<li>{}: {} on {}</li>",
                    code(&s.sid),
                    codes(&s.actions, "none"),
                    codes(&s.resources, "none")
                );
            }
            if !aws.only_opa_cedar.is_empty() {
                let _ = writeln!(
                    out,
                    "<li>enforced by OPA/Cedar only, not by IAM: {}</li>",
                    codes(&aws.only_opa_cedar, "")
                );
            }
            out.push_str("</ul></li>\n");
        }
    }
    out.push_str("</ul>\n");
}

fn links(a: &AgentReport, out: &mut String) {
    out.push_str("<h3>Other agents and untrusted input</h3>\n<ul>\n");
    if a.agents.is_empty() {
        out.push_str("<li>linked to no other agent</li>\n");
    }
    for l in &a.agents {
        let _ = writeln!(
            out,
            "<li>{} {}{}</li>",
            esc(&l.relation.replace('_', " ")),
            code(&l.agent),
            l.via
                .as_deref()
                .map(|v| format!(" via {}", code(v)))
                .unwrap_or_default()
        );
    }
    if a.untrusted_sources.is_empty() {
        out.push_str("<li>no untrusted source can steer it</li>\n");
    }
    for s in &a.untrusted_sources {
        let _ = writeln!(
            out,
            "<li>steered by untrusted output of {} ({}, {})</li>",
            code(&s.tool),
            code(&s.agent),
            esc(&s.path)
        );
    }
    out.push_str("</ul>\n");
}

fn findings(a: &AgentReport, out: &mut String) {
    out.push_str("<h3>Risk findings</h3>\n");
    if a.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
        return;
    }
    out.push_str("<ul class=\"findings\">\n");
    for f in &a.findings {
        let _ = write!(
            out,
            "<li class=\"{}\"><strong>{}</strong> {} {} at {}",
            attr(&f.severity),
            esc(&f.code),
            esc(&f.severity),
            code(&f.message),
            f.location
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "—".into())
        );
        let steps: Vec<String> = f.witness["path"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{} {}",
                    code(s["name"].as_str().unwrap_or_default()),
                    esc(s["role"].as_str().unwrap_or_default())
                )
            })
            .collect();
        if !steps.is_empty() {
            let _ = write!(out, "<p class=\"path\">path: {}</p>", steps.join(" → "));
        }
        for c in f.witness["calls"].as_array().into_iter().flatten() {
            let _ = write!(
                out,
                "<p>witness call, decided {}:</p>{}",
                code(c["decision"].as_str().unwrap_or_default()),
                json_block(&c["request"])
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn settings(a: &AgentReport, out: &mut String) {
    let s = &a.settings;
    let _ = writeln!(
        out,
        "<h3>Settings</h3>\n<ul>\n<li>credentials: {}</li>\n<li>spend budget: {}</li>\n\
         <li>memory: {}</li>\n<li>audit: {}{}</li>\n<li>justification required: {}</li>\n\
         <li>presets: {}</li>\n</ul>",
        s.credentials_ttl
            .as_deref()
            .map(code)
            .unwrap_or_else(|| "no lifetime declared".into()),
        s.budget_per_session
            .as_deref()
            .map(|b| format!("{} per session", esc(b)))
            .unwrap_or_else(|| "none declared".into()),
        esc(&s.memory),
        codes(&s.audit_fields, "nothing"),
        if s.tamper_evident {
            ", tamper-evident"
        } else {
            ""
        },
        if s.justification_required {
            "yes"
        } else {
            "no"
        },
        codes(&s.presets, "none")
    );
}
