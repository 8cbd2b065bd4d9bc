//! `summary.md` beside the YAML: which file belongs to which agent, what each
//! object allows, the pod-spec lines that mount the agent's short-lived
//! token, and which agents got no files. Markdown, so that `kubectl apply -f`
//! on the directory ignores it.

use super::objects::{Projected, ProjectedSource, TokenProjection, Volume};
use crate::backend::iam::summary::{escape_text, md_code};
use crate::model::{format_duration, Agent};
use serde::Serialize;
use std::fmt::Write as _;

pub struct Entry<'a> {
    pub agent: &'a Agent,
    pub file: String,
    pub service_account: &'a str,
    pub network_policy: &'a str,
    pub cilium: Option<&'a str>,
    pub token_seconds: u64,
    /// `file:line` of the agent.
    pub source: String,
}

/// The part of a pod spec that runs the agent as its service account with a
/// token that expires as declared.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodSpecPart<'a> {
    service_account_name: &'a str,
    automount_service_account_token: bool,
    volumes: Vec<Volume>,
}

pub fn markdown(set: &str, entries: &[Entry<'_>], without: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Kubernetes egress policies of {}\n", md_code(set));
    o.push_str("Apply with `kubectl apply -f .` from this directory. Each agent's pods may reach DNS (kube-dns), the CIDRs and ports it declares and, on clusters running Cilium, the domains it declares; everything else is denied. Without Cilium the `*-fqdn` policies are rejected by the API server and the domains stay blocked.\n\n## Agents\n");
    for e in entries {
        let a = e.agent;
        let Some(k) = &a.kubernetes else { continue };
        let labels: Vec<String> = k
            .labels
            .iter()
            .map(|(key, v)| format!("{key}={v}"))
            .collect();
        let _ = writeln!(
            o,
            "\n### {} in {}\n\nDeclared at {}; pods in namespace {} labelled {}.\n",
            md_code(&a.name),
            md_code(&e.file),
            md_code(&e.source),
            md_code(&k.namespace),
            md_code(&labels.join(", "))
        );
        let cidrs: Vec<String> = a
            .egress
            .iter()
            .filter(|x| x.is_cidr)
            .map(|x| x.display())
            .collect();
        let domains: Vec<String> = a
            .egress
            .iter()
            .filter(|x| !x.is_cidr)
            .map(|x| x.display())
            .collect();
        let _ = writeln!(
            o,
            "- NetworkPolicy {}: all egress denied except DNS{}",
            md_code(e.network_policy),
            if cidrs.is_empty() {
                String::new()
            } else {
                format!(" and {} (TCP)", md_code(&cidrs.join(", ")))
            }
        );
        match e.cilium {
            Some(name) => {
                let _ = writeln!(
                    o,
                    "- CiliumNetworkPolicy {}: {} (TCP), looked up through Cilium's DNS proxy{}",
                    md_code(name),
                    md_code(&domains.join(", ")),
                    if domains.iter().any(|d| d.starts_with("*.")) {
                        "; Cilium's `*.` matches one level of subdomain (`a.example.com`, not `a.b.example.com`)"
                    } else {
                        ""
                    }
                );
            }
            None => o.push_str("- no CiliumNetworkPolicy: the agent declares no domain names\n"),
        }
        let _ = writeln!(
            o,
            "- ServiceAccount {}: its default token is not mounted; mount a token that expires after {} ({}):\n",
            md_code(e.service_account),
            format_duration(e.token_seconds),
            match a.credential_ttl {
                Some(t) if t == e.token_seconds => "the declared credential lifetime".to_string(),
                Some(t) => format!("declared {}, Kubernetes' minimum is 10m", format_duration(t)),
                None => "no lifetime declared; Kubernetes' default".to_string(),
            }
        );
        let part = PodSpecPart {
            service_account_name: e.service_account,
            automount_service_account_token: false,
            volumes: vec![Volume {
                name: "agentpol-token",
                projected: Projected {
                    sources: vec![ProjectedSource {
                        service_account_token: TokenProjection {
                            path: "token",
                            expiration_seconds: e.token_seconds,
                        },
                    }],
                },
            }],
        };
        // Names in it are validated DNS labels and numbers: safe in a fence.
        let yaml = super::yaml::document(&serde_json::to_value(&part).unwrap_or_default());
        let _ = writeln!(o, "```yaml\n# in the pod spec\n{yaml}```");
    }
    if entries.is_empty() {
        o.push_str("\nNone declares `kubernetes`.\n");
    }
    if !without.is_empty() {
        o.push_str("\n## Agents without Kubernetes (no files)\n\n");
        for a in without {
            let _ = writeln!(o, "- {}", md_code(&escape_text(a)));
        }
    }
    o
}
