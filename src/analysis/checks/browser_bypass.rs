//! ## What it does
//! Finds agents with a browser or UI tool that can open the web console of a
//! service for which the agent also has narrower API grants. A tool counts
//! as a browser when its name or verb says so (`browser.*`, `ui.*`,
//! `navigate`, `browse`, `click`...). The console is reachable when the
//! agent's egress allowlist covers its host (glob against glob, decided by
//! automata) and, if the tool takes a URL argument, some allowed URL points
//! at it (decided by the solver). Known consoles: AWS, Google Cloud, Azure,
//! GitHub, Slack, Stripe, Atlassian.
//!
//! ## Why it matters
//! API grants are scoped to actions and resources; a console session is
//! scoped only by whatever identity the browser is logged in as. An agent
//! allowed to read one S3 bucket through the API but able to browse
//! `console.aws.amazon.com` can click through to everything else.
//!
//! ## Example
//! ```text
//! agent ops {
//!   egress ["*.amazon.com:443"]
//!   allow aws.s3_get where bucket == "reports"
//!   allow browser.open
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! agent ops {
//!   egress ["docs.example.com:443"]
//!   allow aws.s3_get where bucket == "reports"
//!   allow browser.open where url like "https://docs.example.com/*"
//! }
//! ```

use crate::analysis::smt::strings::{self, Pattern};
use crate::analysis::smt::Assignment;
use crate::analysis::witness::{Expect, State, Step, Witness};
use crate::analysis::{facts, render, Check, Cx, Report};
use crate::diagnostics::{Code, Severity};
use crate::model::{Agent, Atom, Cond, Endpoint, StrOperand, Tool, Type};

pub const CHECK: Check = Check {
    code: Code::new("AP213", Severity::Warning),
    name: "browser-console-bypass",
    summary: "a browser tool can open a console where the agent's API grants are narrower",
    source: include_str!("browser_bypass.rs"),
    run: |cx| render(cx, run, diagnostic),
    witness: true,
};

/// A service console: its name, host glob, and how to recognise API tools.
struct Console {
    service: &'static str,
    host: &'static str,
    namespaces: &'static [&'static str],
    api_hosts: &'static [&'static str],
    aws: bool,
}

const CONSOLES: &[Console] = &[
    Console {
        service: "AWS",
        host: "console.aws.amazon.com",
        namespaces: &["aws", "s3", "ec2", "iam", "lambda", "dynamodb"],
        api_hosts: &["*.amazonaws.com"],
        aws: true,
    },
    Console {
        service: "Google Cloud",
        host: "console.cloud.google.com",
        namespaces: &["gcp", "gcs", "bigquery"],
        api_hosts: &["*.googleapis.com"],
        aws: false,
    },
    Console {
        service: "Azure",
        host: "portal.azure.com",
        namespaces: &["azure"],
        api_hosts: &["management.azure.com"],
        aws: false,
    },
    Console {
        service: "GitHub",
        host: "github.com",
        namespaces: &["github"],
        api_hosts: &["api.github.com"],
        aws: false,
    },
    Console {
        service: "Slack",
        host: "app.slack.com",
        namespaces: &["slack"],
        api_hosts: &["slack.com", "*.slack.com"],
        aws: false,
    },
    Console {
        service: "Stripe",
        host: "dashboard.stripe.com",
        namespaces: &["stripe"],
        api_hosts: &["api.stripe.com"],
        aws: false,
    },
    Console {
        service: "Atlassian",
        host: "*.atlassian.net",
        namespaces: &["jira", "confluence", "atlassian"],
        api_hosts: &["api.atlassian.com"],
        aws: false,
    },
];

const URL_ARGS: [&str; 6] = ["url", "uri", "href", "address", "page", "target"];

fn is_browser(t: &Tool) -> bool {
    let ns = t.name.split('.').next().unwrap_or_default();
    let verb = t.verb.as_deref().unwrap_or_default();
    matches!(
        ns,
        "browser" | "ui" | "playwright" | "puppeteer" | "computer"
    ) || t.name.contains("browser")
        || matches!(verb, "browse" | "navigate" | "click" | "visit" | "open_url")
}

/// The egress entry's host as a glob, if it can reach a named host on 443.
fn egress_glob(e: &Endpoint) -> Option<String> {
    if e.port != 443 {
        return None;
    }
    if e.is_cidr {
        // Only a catch-all block reaches arbitrary hosts.
        return (e.host.ends_with("/0")).then(|| "*".to_string());
    }
    Some(e.host.clone())
}

fn api_tool(c: &Console, t: &Tool) -> bool {
    let ns = t.name.split('.').next().unwrap_or_default();
    c.namespaces.contains(&ns)
        || (c.aws && !t.aws.is_empty())
        || t.endpoints.iter().any(|e| {
            c.api_hosts.iter().any(|h| {
                strings::overlap(
                    &Pattern::Glob(h.to_string()),
                    &Pattern::Glob(e.host.clone()),
                )
                .is_some()
            })
        })
}

/// A browser tool that can open a console whose API tools the agent is
/// granted more narrowly.
pub struct Finding<'m> {
    agent: &'m Agent,
    browser: &'m Tool,
    console: &'static Console,
    /// The egress entry the console is reachable through.
    entry: &'m Endpoint,
    host: String,
    apis: Vec<&'m Tool>,
    /// The grant that allows the browser call.
    grant: usize,
    witness: Witness,
}

fn run<'m>(cx: &mut Cx<'m>) -> Vec<Finding<'m>> {
    let model = cx.model;
    let mut found = Vec::new();
    for agent in model.agents.values() {
        for granted in cx.granted(agent) {
            let browser = granted.tool;
            if !is_browser(browser) {
                continue;
            }
            for console in CONSOLES {
                // The egress entry through which the console is reachable.
                let Some((entry, host)) = agent.egress.iter().find_map(|e| {
                    let g = egress_glob(e)?;
                    let h = strings::overlap(
                        &Pattern::Glob(g),
                        &Pattern::Glob(console.host.to_string()),
                    )?;
                    Some((e, h))
                }) else {
                    continue;
                };
                let apis: Vec<&Tool> = cx
                    .granted_tools(agent)
                    .into_iter()
                    .filter(|t| t.name != browser.name && api_tool(console, t))
                    .collect();
                if apis.is_empty() {
                    continue;
                }
                let Some(call) = reach(cx, agent, browser, &host) else {
                    continue;
                };
                let grant = cx.deciding_grant(&granted, &call);
                let calls = vec![cx.call(agent, browser, &call, State::default(), Expect::NotDeny)];
                let path = vec![
                    Step::agent(agent, "browses"),
                    Step::tool(
                        browser,
                        format!("opens the {} console at `{host}`", console.service),
                    ),
                ];
                found.push(Finding {
                    agent,
                    browser,
                    console,
                    entry,
                    host,
                    apis,
                    grant,
                    witness: Witness::new(path, calls),
                });
            }
        }
    }
    found
}

/// A permitted browser call that opens `host` (any call when the tool takes no URL).
fn reach(cx: &mut Cx<'_>, agent: &Agent, browser: &Tool, host: &str) -> Option<Assignment> {
    let model = cx.model;
    let browser = model.tools.get(&browser.name)?;
    let url_arg = browser
        .args
        .iter()
        .find(|(n, s)| URL_ARGS.contains(&n.as_str()) && s.ty == Type::String)
        .map(|(n, _)| n.clone());
    let permitted = facts::permitted(agent, browser);
    let Some(arg) = url_arg else {
        return cx.sat1(browser, permitted, agent, || {
            format!("whether `{}` can use `{}`", agent.name, browser.name)
        });
    };
    let like = |p: String| {
        Cond::Atom(Atom::StrLike {
            operand: StrOperand::Arg(arg.clone()),
            pattern: p,
        })
    };
    // Most readable URL first; the last form covers every way to name the host.
    let forms = [
        like(format!("https://{host}/*")),
        Cond::or(vec![
            like(format!("https://{host}")),
            like(format!("http://{host}*")),
            like(format!("{host}/*")),
            like(host.to_string()),
        ]),
    ];
    for form in forms {
        let cond = Cond::and(vec![permitted.clone(), form]);
        if let Some(a) = cx.sat1(browser, cond, agent, || {
            format!(
                "whether `{}` can open `{host}` with `{}`",
                agent.name, browser.name
            )
        }) {
            return Some(a);
        }
    }
    None
}

fn diagnostic(cx: &Cx<'_>, f: &Finding<'_>) -> Report {
    let (agent, browser, console, host) = (f.agent, f.browser, f.console, &f.host);
    let names: Vec<String> = f.apis.iter().map(|t| format!("`{}`", t.name)).collect();
    let mut d = CHECK
        .diag(format!(
            "browser tool `{}` of agent `{}` can open the {} console (`{host}`), bypassing its narrower API grants",
            browser.name, agent.name, console.service
        ))
        .primary(cx.grant_span(agent, f.grant), "can browse to the console")
        .secondary(cx.find_in_agent(agent, &f.entry.display()), "egress allows the console host")
        .note(format!("API grants for {}: {}", console.service, names.join(", ")))
        .help(format!(
            "narrow the egress allowlist and the browser's `url` constraint so that `{}` is excluded, or drop the browser tool",
            console.host
        ));
    for t in &f.apis {
        if let Some(g) = agent.grants.iter().position(|g| g.tool == t.name) {
            d = d.secondary(cx.grant_span(agent, g), "the narrower API grant");
        }
    }
    Report::new([agent.name.as_str()], d.witness(f.witness.json()))
}
