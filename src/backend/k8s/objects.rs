//! The Kubernetes and Cilium objects this backend writes, as typed serde
//! structures (field names as in the APIs). Tests deserialize them into
//! k8s-openapi's types and validate them against Cilium's CRD schema.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
}

/// `v1` ServiceAccount that does not mount the default (long-lived) token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub automount_service_account_token: bool,
}

/// `networking.k8s.io/v1` NetworkPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: NetworkPolicySpec,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    pub pod_selector: LabelSelector,
    pub policy_types: Vec<&'static str>,
    pub egress: Vec<EgressRule>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EgressRule {
    pub to: Vec<Peer>,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IpBlock {
    pub cidr: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub protocol: &'static str,
    pub port: u16,
}

/// `cilium.io/v2` CiliumNetworkPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumNetworkPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: CiliumSpec,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumSpec {
    pub endpoint_selector: LabelSelector,
    pub egress: Vec<CiliumEgress>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumEgress {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to_endpoints: Vec<LabelSelector>,
    #[serde(rename = "toFQDNs", skip_serializing_if = "Vec::is_empty")]
    pub to_fqdns: Vec<FqdnSelector>,
    pub to_ports: Vec<PortRule>,
}

/// Exactly one of the two is set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FqdnSelector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_pattern: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortRule {
    pub ports: Vec<PortProtocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<L7Rules>,
}

/// Cilium writes ports as strings.
#[derive(Debug, Clone, Serialize)]
pub struct PortProtocol {
    pub port: String,
    pub protocol: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct L7Rules {
    pub dns: Vec<FqdnSelector>,
}

/// A pod volume with a projected service-account token (for the summary:
/// it goes into the agent's pod spec, which this backend does not write).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: &'static str,
    pub projected: Projected,
}

#[derive(Debug, Clone, Serialize)]
pub struct Projected {
    pub sources: Vec<ProjectedSource>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectedSource {
    pub service_account_token: TokenProjection,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenProjection {
    pub path: &'static str,
    pub expiration_seconds: u64,
}
