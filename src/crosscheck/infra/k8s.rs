//! Kubernetes egress: every NetworkPolicy and CiliumNetworkPolicy that
//! selects an agent's pods, against the destinations the Kubernetes backend
//! allows it — exactly the declared `egress` (CIDRs and ports; domain names
//! only through Cilium `toFQDNs`) plus DNS on port 53.
//!
//! Documents are read as plain values (they come from anywhere, with fields
//! the backend never writes); a selector with `matchExpressions` is taken to
//! match, so a policy is never skipped for being hard to read.

use super::{InfraFile, EGRESS_WIDER, INFRA_UNREADABLE};
use crate::diagnostics::Diagnostic;
use crate::model::{Agent, Model};
use crate::source::Span;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

/// Addresses tried as witnesses of "all destinations" (TEST-NET-2/3, then
/// a public resolver), the first outside every declared CIDR wins.
const PROBES: [Ipv4Addr; 3] = [
    Ipv4Addr::new(198, 51, 100, 7),
    Ipv4Addr::new(203, 0, 113, 7),
    Ipv4Addr::new(8, 8, 8, 8),
];

pub fn check(model: &Model, files: &[InfraFile<'_>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in files
        .iter()
        .filter(|f| f.path.ends_with(".yaml") || f.path.ends_with(".yml"))
    {
        let whole = Span::new(f.file, 0, f.text.find('\n').unwrap_or(f.text.len()));
        for (i, doc) in serde_yaml_ng::Deserializer::from_str(f.text).enumerate() {
            let v = match Value::deserialize(doc) {
                Ok(v) => v,
                Err(e) => {
                    out.push(
                        Diagnostic::new(
                            INFRA_UNREADABLE,
                            format!("`{}` is skipped: not valid YAML ({e})", f.path),
                        )
                        .primary(whole, "this file")
                        .help("see `agentpol explain AP155`"),
                    );
                    break;
                }
            };
            let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
            if !matches!(kind, "NetworkPolicy" | "CiliumNetworkPolicy") {
                continue;
            }
            let name = v
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let span = f
                .text
                .match_indices(&format!("name: {name}"))
                .next()
                .map(|(s, m)| Span::new(f.file, s, s + m.len()))
                .unwrap_or(whole);
            let at = Doc {
                file: f.path,
                kind,
                name,
                index: i,
                span,
            };
            for agent in model.agents.values().filter(|a| selects(&v, a)) {
                let rules = if kind == "NetworkPolicy" {
                    network_policy(&v)
                } else {
                    cilium(&v)
                };
                for (k, r) in rules.iter().enumerate() {
                    if let Some((dest, why)) = witness(agent, r) {
                        out.push(finding(agent, &at, k, &dest, &why));
                    }
                }
            }
        }
    }
    out
}

struct Doc<'a> {
    file: &'a str,
    kind: &'a str,
    name: String,
    index: usize,
    span: Span,
}

/// One egress rule, reduced to what it allows.
#[derive(Debug, Default)]
struct Rule {
    /// `None`: every destination.
    cidrs: Option<Vec<(String, Vec<String>)>>,
    fqdns: Vec<String>,
    /// In-cluster pods (namespace/pod selectors, Cilium endpoints).
    pods: bool,
    /// `None`: every port.
    ports: Option<Vec<u16>>,
}

fn labels_match(selector: Option<&Value>, agent: &Agent) -> bool {
    let Some(k) = &agent.kubernetes else {
        return false;
    };
    let Some(want) = selector
        .and_then(|s| s.get("matchLabels"))
        .and_then(Value::as_object)
    else {
        return true;
    };
    want.iter().all(|(key, v)| {
        let key = key.strip_prefix("k8s:").unwrap_or(key);
        k.labels
            .get(key)
            .is_some_and(|have| Some(have.as_str()) == v.as_str())
    })
}

fn selects(v: &Value, agent: &Agent) -> bool {
    let Some(k) = &agent.kubernetes else {
        return false;
    };
    let ns = v.pointer("/metadata/namespace").and_then(Value::as_str);
    if ns.is_some_and(|n| n != k.namespace) {
        return false;
    }
    let selector = v
        .pointer("/spec/podSelector")
        .or(v.pointer("/spec/endpointSelector"));
    labels_match(selector, agent)
}

fn ports(list: Option<&Value>) -> Option<Vec<u16>> {
    let list = list.and_then(Value::as_array).filter(|l| !l.is_empty())?;
    let mut out = Vec::new();
    for p in list {
        // An entry without a port, or a named port, allows every port.
        let port = p.get("port")?;
        let n = port
            .as_u64()
            .or_else(|| port.as_str().and_then(|s| s.parse().ok()))?;
        out.push(u16::try_from(n).ok()?);
    }
    Some(out)
}

fn network_policy(v: &Value) -> Vec<Rule> {
    let types: Vec<&str> = v
        .pointer("/spec/policyTypes")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let egress = v.pointer("/spec/egress").and_then(Value::as_array);
    if !types.contains(&"Egress") && egress.is_none() {
        return Vec::new();
    }
    egress
        .into_iter()
        .flatten()
        .map(|r| {
            let ports = ports(r.get("ports"));
            let to = r
                .get("to")
                .and_then(Value::as_array)
                .filter(|t| !t.is_empty());
            let Some(to) = to else {
                return Rule {
                    cidrs: None,
                    ports,
                    ..Rule::default()
                };
            };
            let mut rule = Rule {
                cidrs: Some(Vec::new()),
                ports,
                ..Rule::default()
            };
            for peer in to {
                if let Some(b) = peer.get("ipBlock") {
                    let cidr = b
                        .get("cidr")
                        .and_then(Value::as_str)
                        .unwrap_or("0.0.0.0/0")
                        .to_string();
                    let except = b
                        .get("except")
                        .and_then(Value::as_array)
                        .map(|e| {
                            e.iter()
                                .filter_map(Value::as_str)
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default();
                    if let Some(c) = rule.cidrs.as_mut() {
                        c.push((cidr, except));
                    }
                } else {
                    rule.pods = true;
                }
            }
            rule
        })
        .collect()
}

fn cilium(v: &Value) -> Vec<Rule> {
    v.pointer("/spec/egress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            let ports = r
                .get("toPorts")
                .and_then(Value::as_array)
                .map(|tp| {
                    tp.iter()
                        .filter_map(|p| ports(p.get("ports")))
                        .flatten()
                        .collect::<Vec<u16>>()
                })
                .filter(|p| !p.is_empty());
            let entities: Vec<&str> = r
                .get("toEntities")
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut rule = Rule {
                cidrs: Some(Vec::new()),
                ports,
                ..Rule::default()
            };
            if entities.iter().any(|e| matches!(*e, "world" | "all")) {
                rule.cidrs = None;
            }
            for key in ["toCIDR", "toCIDRSet"] {
                for c in r.get(key).and_then(Value::as_array).into_iter().flatten() {
                    let cidr = c.as_str().or_else(|| c.get("cidr").and_then(Value::as_str));
                    if let (Some(cidr), Some(list)) = (cidr, rule.cidrs.as_mut()) {
                        list.push((cidr.to_string(), Vec::new()));
                    }
                }
            }
            for f in r
                .get("toFQDNs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = f
                    .get("matchName")
                    .or(f.get("matchPattern"))
                    .and_then(Value::as_str)
                {
                    rule.fqdns.push(n.to_string());
                }
            }
            rule.pods = r.get("toEndpoints").is_some()
                || entities
                    .iter()
                    .any(|e| matches!(*e, "cluster" | "host" | "kube-apiserver"));
            rule
        })
        .collect()
}

fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (addr, len) = s.split_once('/').unwrap_or((s, "32"));
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(addr) & mask, mask))
}

fn in_cidr(ip: u32, cidr: &str) -> bool {
    parse_cidr(cidr).is_some_and(|(net, mask)| ip & mask == net)
}

/// Does the declaration allow `ip:port`?
fn declared_ip(agent: &Agent, ip: u32, port: u16) -> bool {
    agent
        .egress
        .iter()
        .any(|e| e.is_cidr && e.port == port && in_cidr(ip, &e.host))
}

fn declared_ports(agent: &Agent) -> Vec<u16> {
    let mut p: Vec<u16> = agent.egress.iter().map(|e| e.port).collect();
    p.sort();
    p.dedup();
    p
}

/// A port the rule allows: its first port the declaration lacks, else its
/// first port; for "every port", a declared port (or 443).
fn probe_ports(agent: &Agent, rule: &Rule) -> Vec<u16> {
    match &rule.ports {
        Some(p) => p.clone(),
        None => {
            let mut p = declared_ports(agent);
            p.extend([443, 80, 22, 25]);
            p
        }
    }
}

/// A destination the rule allows and the declaration does not.
fn witness(agent: &Agent, rule: &Rule) -> Option<(String, String)> {
    let ports = probe_ports(agent, rule);
    let Some(cidrs) = &rule.cidrs else {
        for ip in PROBES {
            for &port in &ports {
                if !declared_ip(agent, u32::from(ip), port) {
                    return Some((
                        format!("{ip}:{port}"),
                        "the rule allows every destination".into(),
                    ));
                }
            }
        }
        return None;
    };
    for (cidr, except) in cidrs {
        let Some((net, mask)) = parse_cidr(cidr) else {
            // IPv6 or malformed: not compared, so reported rather than
            // assumed to be inside the declaration.
            if !agent.egress.iter().any(|e| e.is_cidr && e.host == *cidr) {
                return Some((
                    cidr.clone(),
                    format!(
                        "`{cidr}` is not an IPv4 CIDR agentpol compares, and not a declared CIDR"
                    ),
                ));
            }
            continue;
        };
        let candidates = [
            net,
            net | 1,
            net | (!mask / 2),
            net | (!mask).saturating_sub(1),
        ];
        for ip in candidates {
            if except.iter().any(|e| in_cidr(ip, e)) {
                continue;
            }
            for &port in &ports {
                if port == 53 {
                    continue; // DNS, which the generated policy allows too
                }
                if !declared_ip(agent, ip, port) {
                    return Some((
                        format!("{}:{port}", Ipv4Addr::from(ip)),
                        format!("`{cidr}` is not within the declared egress on port {port}"),
                    ));
                }
            }
        }
    }
    for name in &rule.fqdns {
        for &port in &ports {
            if !agent.egress.iter().any(|e| {
                !e.is_cidr
                    && e.port == port
                    && (e.host == *name || super::glob::matches(&e.host, name, true))
            }) {
                return Some((
                    format!("{name}:{port}"),
                    format!("the domain `{name}` is not declared on port {port}"),
                ));
            }
        }
    }
    if rule.pods && ports.iter().any(|p| *p != 53) {
        let port = ports.iter().find(|p| **p != 53).copied().unwrap_or(443);
        return Some((
            format!("in-cluster pods:{port}"),
            "the rule allows other pods, which the declaration never does (except DNS)".into(),
        ));
    }
    None
}

fn finding(agent: &Agent, at: &Doc<'_>, rule: usize, dest: &str, why: &str) -> Diagnostic {
    let mut d = Diagnostic::new(
        EGRESS_WIDER,
        format!(
            "{} `{}` (`{}`, document {}) egress rule #{} allows agent `{}` to reach `{dest}`",
            at.kind,
            at.name,
            at.file,
            at.index + 1,
            rule + 1,
            agent.name
        ),
    )
    .primary(at.span, "selects the agent's pods")
    .note(format!(
        "{why}; the declaration allows: {}",
        if agent.egress.is_empty() {
            "no egress".to_string()
        } else {
            agent
                .egress
                .iter()
                .map(|e| e.display())
                .collect::<Vec<_>>()
                .join(", ")
        }
    ))
    .help(format!(
        "apply the generated `k8s/{}.yaml` and remove or narrow this policy",
        agent.name
    ))
    .witness(json!({"destination": dest, "policy": at.name, "file": at.file, "rule": rule + 1}));
    if let Some(s) = agent.spans.egress {
        d = d.secondary(s, "the declared egress");
    }
    d
}
