//! ⑥ Kubernetes egress. Input: the checked model. Output, per agent that
//! declares `kubernetes namespace ... labels {...}`, one multi-document YAML
//! file `<agent>.yaml` (apply with `kubectl apply -f DIR`):
//! - a `v1` ServiceAccount `agentpol-<agent>` that does not automount the
//!   default token (the pod mounts a projected token whose expiry follows
//!   the credential lifetime; the volume is in `summary.md`);
//! - a `networking.k8s.io/v1` NetworkPolicy `agentpol-<agent>-egress`
//!   selecting the agent's pods: all egress denied except DNS to kube-dns and
//!   the declared CIDRs and ports (TCP);
//! - when the agent allows domain names, which NetworkPolicy cannot express,
//!   a `cilium.io/v2` CiliumNetworkPolicy `agentpol-<agent>-fqdn` with
//!   `toFQDNs` and the DNS rule Cilium's proxy needs to learn their addresses.
//!
//! Policies only add allowances, so the agent's pods may reach exactly the
//! union: DNS, the CIDRs, and (with Cilium) the domains. Without Cilium the
//! domains stay blocked. Names and labels that Kubernetes would refuse are
//! reported (AP44x), never emitted.

pub mod names;
pub mod objects;
mod summary;
pub mod yaml;

use super::{Artifact, Input, Output};
use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::model::{Agent, Kubernetes};
use objects::*;
use std::collections::BTreeMap;

pub const INVALID_NAMESPACE: Code = Code::new("AP440", Severity::Error);
pub const INVALID_LABEL: Code = Code::new("AP441", Severity::Error);
pub const EMPTY_POD_SELECTOR: Code = Code::new("AP442", Severity::Error);
pub const KUBERNETES_NAME_CLASH: Code = Code::new("AP443", Severity::Error);
pub const OVERLAPPING_POD_SELECTORS: Code = Code::new("AP444", Severity::Warning);
pub const TOKEN_LIFETIME_TOO_SHORT: Code = Code::new("AP445", Severity::Warning);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: INVALID_NAMESPACE,
        name: "invalid-kubernetes-namespace",
        summary: "an agent's Kubernetes namespace is not a valid namespace name",
        explanation: "Namespaces are DNS labels: 1 to 63 lowercase letters, digits and `-`, starting and ending with a letter or digit. The name goes into generated objects and into the IAM trust policy, so agentpol refuses it rather than emit something Kubernetes rejects.\n\nBad:\n    kubernetes namespace \"Agents_Prod\"\n\nGood:\n    kubernetes namespace \"agents-prod\"",
    },
    CodeDoc {
        code: INVALID_LABEL,
        name: "invalid-kubernetes-label",
        summary: "a pod label key or value is not valid in Kubernetes",
        explanation: "Label keys are `name` or `prefix/name`: the name 1 to 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; the prefix a DNS subdomain. Values are empty or follow the same rule as names.\n\nBad:\n    kubernetes namespace \"agents\" labels { \"app\" = \"triage bot\" }\n\nGood:\n    kubernetes namespace \"agents\" labels { \"app\" = \"triage-bot\" }",
    },
    CodeDoc {
        code: EMPTY_POD_SELECTOR,
        name: "empty-pod-selector",
        summary: "an agent in Kubernetes declares no pod labels",
        explanation: "Without labels, the agent's NetworkPolicy would select every pod of the namespace and grant all of them the agent's egress. Declare the labels that pick out the agent's pods.\n\nBad:\n    kubernetes namespace \"agents\"\n\nGood:\n    kubernetes namespace \"agents\" labels { \"app.kubernetes.io/name\" = \"triage\" }",
    },
    CodeDoc {
        code: KUBERNETES_NAME_CLASH,
        name: "kubernetes-name-clash",
        summary: "an agent's Kubernetes object names are too long or clash with another agent's",
        explanation: "Objects are named `agentpol-AGENT` (lower case, `_` as `-`), at most 63 characters. Two agents whose names differ only in case or `_`/`-` would overwrite each other's objects in a shared namespace. Rename one of them.",
    },
    CodeDoc {
        code: OVERLAPPING_POD_SELECTORS,
        name: "overlapping-pod-selectors",
        summary: "one agent's pod labels select another agent's pods too",
        explanation: "NetworkPolicies add up: when every label of agent A is also a label of agent B in the same namespace, B's pods are selected by A's policies and may reach A's destinations as well. Give each agent a label the other does not have, such as `app.kubernetes.io/name`.",
    },
    CodeDoc {
        code: TOKEN_LIFETIME_TOO_SHORT,
        name: "token-lifetime-too-short",
        summary: "the declared credential lifetime is shorter than a projected service-account token may be",
        explanation: "Kubernetes requires `expirationSeconds` of at least 600 for projected service-account tokens, so the agent's token lives 10 minutes, longer than declared.\n\nBad:\n    credentials ttl 5m\n\nGood:\n    credentials ttl 10m",
    },
];

/// Shortest lifetime of a projected service-account token, seconds.
pub const MIN_TOKEN_SECONDS: u64 = 600;
/// kube-dns, as labelled in kube-system by every mainstream distribution.
const DNS_NAMESPACE: &str = "kube-system";
const DNS_APP: &str = "kube-dns";

/// The diagnostic for a namespace Kubernetes would refuse (also used by the
/// IAM backend, whose trust policy names the namespace).
pub fn invalid_namespace(k: &Kubernetes, why: String) -> Diagnostic {
    Diagnostic::new(
        INVALID_NAMESPACE,
        format!(
            "`{}` is not a valid Kubernetes namespace",
            k.namespace.escape_debug()
        ),
    )
    .primary(k.namespace_span, why)
    .help("namespaces are 1 to 63 lowercase letters, digits and `-`, e.g. `agents-prod`")
}

/// The diagnostic for an agent whose object names cannot be formed.
pub fn name_too_long(agent: &Agent, why: String) -> Diagnostic {
    Diagnostic::new(
        KUBERNETES_NAME_CLASH,
        format!(
            "agent name `{}` is too long for Kubernetes object names",
            agent.name
        ),
    )
    .primary(agent.span, format!("`agentpol-...-egress` {why}"))
    .help("shorten the agent's name to at most 47 characters")
}

/// One agent's objects, before serialization.
struct Objects {
    service_account: ServiceAccount,
    network_policy: NetworkPolicy,
    cilium: Option<CiliumNetworkPolicy>,
    token_seconds: u64,
}

pub fn generate(input: &Input<'_>) -> Output {
    let mut diagnostics = Vec::new();
    let mut built: Vec<(&Agent, Objects)> = Vec::new();
    let mut without = Vec::new();
    let mut taken: BTreeMap<(String, String), &Agent> = BTreeMap::new();
    for agent in input.model.agents.values() {
        let Some(k) = &agent.kubernetes else {
            without.push(agent.name.clone());
            continue;
        };
        if !check(agent, k, &mut diagnostics) {
            continue;
        }
        let Some(objects) = build(input, agent, k, &mut diagnostics) else {
            continue;
        };
        let key = (
            k.namespace.clone(),
            objects.service_account.metadata.name.clone(),
        );
        if let Some(other) = taken.insert(key, agent) {
            diagnostics.push(
                Diagnostic::new(
                    KUBERNETES_NAME_CLASH,
                    format!(
                        "agents `{}` and `{}` get the same Kubernetes object names in namespace `{}`",
                        other.name, agent.name, k.namespace
                    ),
                )
                .primary(agent.span, "same object names as another agent")
                .secondary(other.span, "this agent")
                .help("rename one agent: names are lower-cased and `_` becomes `-`"),
            );
            continue;
        }
        built.push((agent, objects));
    }
    overlaps(&built, &mut diagnostics);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Output {
            artifacts: Vec::new(),
            diagnostics,
        };
    }
    let mut artifacts = Vec::new();
    for (agent, o) in &built {
        let mut docs = vec![yaml(&o.service_account), yaml(&o.network_policy)];
        if let Some(c) = &o.cilium {
            docs.push(yaml(c));
        }
        artifacts.push(Artifact::text(
            format!("{}.yaml", agent.name),
            docs.join("---\n"),
        ));
    }
    let entries: Vec<summary::Entry<'_>> = built
        .iter()
        .map(|(agent, o)| summary::Entry {
            agent,
            file: format!("{}.yaml", agent.name),
            service_account: &o.service_account.metadata.name,
            network_policy: &o.network_policy.metadata.name,
            cilium: o.cilium.as_ref().map(|c| c.metadata.name.as_str()),
            token_seconds: o.token_seconds,
            source: input.sources.location(agent.span),
        })
        .collect();
    artifacts.push(Artifact::text(
        "summary.md",
        summary::markdown(input.set_name, &entries, &without),
    ));
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Output {
        artifacts,
        diagnostics,
    }
}

/// Validates the namespace and labels; false after reporting a problem.
fn check(agent: &Agent, k: &Kubernetes, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let before = diagnostics.len();
    if let Err(why) = names::check_namespace(&k.namespace) {
        diagnostics.push(invalid_namespace(k, why));
    }
    for (key, value) in &k.labels {
        let span = k.label_spans.get(key).copied().unwrap_or(k.namespace_span);
        let problem = names::check_label_key(key)
            .map_err(|w| ("key", key, w))
            .and_then(|()| names::check_label_value(value).map_err(|w| ("value", value, w)));
        if let Err((what, text, why)) = problem {
            diagnostics.push(
                Diagnostic::new(
                    INVALID_LABEL,
                    format!("`{}` is not a valid Kubernetes label {what}", text.escape_debug()),
                )
                .primary(span, format!("the label {what} {why}"))
                .help("label keys and values are letters, digits, `-`, `_` and `.`, at most 63 characters, e.g. `\"app\" = \"triage-bot\"`"),
            );
        }
    }
    if k.labels.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                EMPTY_POD_SELECTOR,
                format!("agent `{}` declares no pod labels", agent.name),
            )
            .primary(
                k.namespace_span,
                "its policies would select every pod of this namespace",
            )
            .help("add `labels { \"app.kubernetes.io/name\" = \"...\" }` naming the agent's pods"),
        );
    }
    diagnostics.len() == before
}

fn build(
    input: &Input<'_>,
    agent: &Agent,
    k: &Kubernetes,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Objects> {
    let named = |suffix: &str| names::object_name(&agent.name, suffix);
    let (sa, np, cnp) = match (named(""), named("-egress"), named("-fqdn")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(why), _, _) | (_, Err(why), _) | (_, _, Err(why)) => {
            diagnostics.push(name_too_long(agent, why));
            return None;
        }
    };
    let meta = |name: String| {
        let mut annotations = BTreeMap::new();
        annotations.insert("agentpol.dev/agent".to_string(), agent.name.clone());
        annotations.insert(
            "agentpol.dev/policy-set".to_string(),
            input.set_name.to_string(),
        );
        annotations.insert(
            "agentpol.dev/source".to_string(),
            input.sources.location(agent.span),
        );
        let mut labels = BTreeMap::new();
        labels.insert(
            "app.kubernetes.io/managed-by".to_string(),
            "agentpol".to_string(),
        );
        ObjectMeta {
            name,
            namespace: k.namespace.clone(),
            labels,
            annotations,
        }
    };
    let selector = || LabelSelector {
        match_labels: k.labels.clone(),
    };
    let token_seconds = match agent.credential_ttl {
        Some(t) if t < MIN_TOKEN_SECONDS => {
            diagnostics.push(
                Diagnostic::new(
                    TOKEN_LIFETIME_TOO_SHORT,
                    format!(
                        "service-account tokens live at least 10m, longer than the declared {}",
                        crate::model::format_duration(t)
                    ),
                )
                .primary(
                    agent.spans.credentials.unwrap_or(agent.span),
                    "shorter than Kubernetes allows",
                )
                .help("declare `credentials ttl 10m` or longer, or accept 10-minute tokens"),
            );
            MIN_TOKEN_SECONDS
        }
        Some(t) => t,
        None => 3_600,
    };
    let network_policy = NetworkPolicy {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta(np),
        spec: NetworkPolicySpec {
            pod_selector: selector(),
            policy_types: vec!["Egress"],
            egress: network_egress(agent),
        },
    };
    let cilium = cilium_egress(agent).map(|egress| CiliumNetworkPolicy {
        api_version: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: meta(cnp),
        spec: CiliumSpec {
            endpoint_selector: selector(),
            egress,
        },
    });
    Some(Objects {
        service_account: ServiceAccount {
            api_version: "v1",
            kind: "ServiceAccount",
            metadata: meta(sa),
            automount_service_account_token: false,
        },
        network_policy,
        cilium,
        token_seconds,
    })
}

fn single(key: &str, value: &str) -> LabelSelector {
    let mut m = BTreeMap::new();
    m.insert(key.to_string(), value.to_string());
    LabelSelector { match_labels: m }
}

/// DNS to kube-dns, then one rule per CIDR with its TCP ports.
fn network_egress(agent: &Agent) -> Vec<EgressRule> {
    let mut rules = vec![EgressRule {
        to: vec![Peer {
            ip_block: None,
            namespace_selector: Some(single("kubernetes.io/metadata.name", DNS_NAMESPACE)),
            pod_selector: Some(single("k8s-app", DNS_APP)),
        }],
        ports: vec![
            Port {
                protocol: "UDP",
                port: 53,
            },
            Port {
                protocol: "TCP",
                port: 53,
            },
        ],
    }];
    let mut by_cidr: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
    for e in agent.egress.iter().filter(|e| e.is_cidr) {
        by_cidr.entry(e.host.as_str()).or_default().push(e.port);
    }
    for (cidr, mut ports) in by_cidr {
        ports.sort_unstable();
        ports.dedup();
        rules.push(EgressRule {
            to: vec![Peer {
                ip_block: Some(IpBlock {
                    cidr: cidr.to_string(),
                }),
                namespace_selector: None,
                pod_selector: None,
            }],
            ports: ports
                .into_iter()
                .map(|port| Port {
                    protocol: "TCP",
                    port,
                })
                .collect(),
        });
    }
    rules
}

/// `*.example.com` → `matchPattern`, anything else → `matchName`.
fn fqdn(host: &str) -> FqdnSelector {
    if host.starts_with("*.") {
        FqdnSelector {
            match_name: None,
            match_pattern: Some(host.to_string()),
        }
    } else {
        FqdnSelector {
            match_name: Some(host.to_string()),
            match_pattern: None,
        }
    }
}

/// The DNS rule (lookups of exactly the allowed names, through Cilium's
/// proxy), then one `toFQDNs` rule per port; `None` without domain egress.
fn cilium_egress(agent: &Agent) -> Option<Vec<CiliumEgress>> {
    let mut by_port: BTreeMap<u16, Vec<FqdnSelector>> = BTreeMap::new();
    for e in agent.egress.iter().filter(|e| !e.is_cidr) {
        by_port.entry(e.port).or_default().push(fqdn(&e.host));
    }
    if by_port.is_empty() {
        return None;
    }
    let mut lookups: Vec<FqdnSelector> = by_port.values().flatten().cloned().collect();
    lookups.sort();
    lookups.dedup();
    let mut dns = BTreeMap::new();
    dns.insert(
        "k8s:io.kubernetes.pod.namespace".to_string(),
        DNS_NAMESPACE.to_string(),
    );
    dns.insert("k8s:k8s-app".to_string(), DNS_APP.to_string());
    let mut rules = vec![CiliumEgress {
        to_endpoints: vec![LabelSelector { match_labels: dns }],
        to_fqdns: Vec::new(),
        to_ports: vec![PortRule {
            ports: vec![PortProtocol {
                port: "53".into(),
                protocol: "ANY",
            }],
            rules: Some(L7Rules { dns: lookups }),
        }],
    }];
    for (port, mut names) in by_port {
        names.sort();
        names.dedup();
        rules.push(CiliumEgress {
            to_endpoints: Vec::new(),
            to_fqdns: names,
            to_ports: vec![PortRule {
                ports: vec![PortProtocol {
                    port: port.to_string(),
                    protocol: "TCP",
                }],
                rules: None,
            }],
        });
    }
    Some(rules)
}

/// Warns when every label of one agent is also a label of another agent in
/// the same namespace: the first agent's policies then select both.
fn overlaps(built: &[(&Agent, Objects)], diagnostics: &mut Vec<Diagnostic>) {
    for (a, _) in built {
        for (b, _) in built {
            let (Some(ka), Some(kb)) = (&a.kubernetes, &b.kubernetes) else {
                continue;
            };
            if a.name == b.name || ka.namespace != kb.namespace || ka.labels.is_empty() {
                continue;
            }
            if ka.labels.iter().all(|(k, v)| kb.labels.get(k) == Some(v)) {
                diagnostics.push(
                    Diagnostic::new(
                        OVERLAPPING_POD_SELECTORS,
                        format!(
                            "pods of agent `{}` also match the labels of agent `{}`",
                            b.name, a.name
                        ),
                    )
                    .primary(
                        kb.namespace_span,
                        format!("these pods get `{}`'s egress too", a.name),
                    )
                    .secondary(ka.namespace_span, "this selector matches them")
                    .help("give each agent a label the other lacks, e.g. `app.kubernetes.io/name`"),
                );
            }
        }
    }
}

/// A manifest as YAML. Serializing these plain structures (string keys,
/// strings, numbers, booleans) into a JSON value cannot fail.
fn yaml<T: serde::Serialize>(value: &T) -> String {
    yaml::document(&serde_json::to_value(value).unwrap_or_default())
}
