//! Cross-layer gaps: infrastructure files the user supplies (AWS IAM
//! policies and roles, Kubernetes NetworkPolicy and CiliumNetworkPolicy)
//! compared with the least-privilege documents the IAM and Kubernetes
//! backends generate from the same model. A finding names the lower-layer
//! statement (file, index or `Sid`, span) and carries a witness the lower
//! layer allows and the declaration does not.
//!
//! Which agent a file belongs to:
//! - an IAM record that names its role (`aws iam get-role` output, a
//!   create-role input, `get-role-policy` output) belongs to the agent with
//!   that `aws role`; a bare policy document belongs to the agent whose name
//!   or role name is the file's stem or its folder's name;
//! - a NetworkPolicy or CiliumNetworkPolicy belongs to every agent whose
//!   namespace it is in and whose pod labels its selector matches.

pub mod cond;
pub mod glob;
pub mod iam;
pub mod k8s;
pub mod stmt;
pub mod trust;

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Severity};
use crate::source::FileId;

pub const INFRA_UNREADABLE: Code = Code::new("AP155", Severity::Warning);
pub const IAM_WIDER: Code = Code::new("AP232", Severity::Error);
pub const SESSION_LONGER: Code = Code::new("AP233", Severity::Warning);
pub const EGRESS_WIDER: Code = Code::new("AP234", Severity::Error);
pub const TRUST_WIDER: Code = Code::new("AP235", Severity::Error);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: INFRA_UNREADABLE,
        name: "unreadable-infra-file",
        summary: "a file given to `check --infra` is not an IAM or Kubernetes document agentpol compares",
        explanation: "`agentpol check --infra DIR` reads `*.json` as AWS IAM policy documents (`{\"Version\", \"Statement\"}`), `aws iam get-role` / `get-role-policy` output or create-role input, and `*.yaml|yml` as Kubernetes objects, comparing NetworkPolicy and CiliumNetworkPolicy. Anything else, a statement agentpol cannot read (no `Effect`, both `Action` and `NotAction`, a `Condition` that is not an operator → key → values map), a trust policy given as an URL-encoded string, or a policy that belongs to no agent is reported and skipped, never silently taken as safe.",
    },
    CodeDoc {
        code: IAM_WIDER,
        name: "iam-wider-than-policy",
        summary: "an IAM policy attached to an agent's role allows an action the declaration does not",
        explanation: "What it does: compares each Allow statement of the role's policies with the least-privilege identity policy `agentpol build --target iam` generates from the agent's grants, and gives a witness: an action and an ARN (and, when conditions are involved, a request context) the statement allows and no generated statement does. `NotAction` and `NotResource` are read as \"everything except\"; Deny statements (also with `NotAction`) subtract. `Condition` blocks are evaluated: `String*`, `Arn*`, `Bool`, `Numeric*`, `Date*` (as instants), `Null`, `IpAddress`/`NotIpAddress`, with `IfExists` and `ForAnyValue:`/`ForAllValues:` over multivalued keys (a witness may give such a key several values); witness ARNs follow the ARN formats AWS documents for each action's resource types. Any other operator or a policy variable is assumed to hold in the statement that allows, and not to hold in the statements that would stop the witness, and the finding says so.\n\nWhy it matters: if the agent (or whoever steals its credentials) bypasses the policy engine, the cloud role is the last line; a role with `s3:*` on `*` under an agent granted one bucket turns every prompt injection into account-wide access.\n\nUse instead: attach the generated policy (`iam/<agent>/policy.json`) instead of the wide one.",
    },
    CodeDoc {
        code: SESSION_LONGER,
        name: "session-longer-than-credentials",
        summary: "an agent's role allows sessions longer than its declared credential lifetime",
        explanation: "The role's `MaxSessionDuration` is longer than what `credentials ttl` allows (rounded up to AWS's minimum of one hour). Sessions requested for longer keep working after the policy says the credentials must have expired. Set `MaxSessionDuration` from the generated `iam/<agent>/role.json`.",
    },
    CodeDoc {
        code: TRUST_WIDER,
        name: "trust-wider-than-policy",
        summary: "an agent's role trust policy lets a principal assume the role that the declaration does not",
        explanation: "What it does: compares each Allow statement of the role's trust policy (`AssumeRolePolicyDocument` of `aws iam get-role` output or create-role input, or a bare trust policy with `Principal`) with the trust policy `agentpol build --target iam` generates: the role's own account for an agent outside Kubernetes, EKS Pod Identity restricted to the agent's namespace and service account for one inside. The witness is a principal (and request context) the given statement lets assume the role and the generated one does not: `\"AWS\": \"*\"`, another account, another service, or the trusted service without the session-tag conditions.\n\nWhy it matters: whoever can assume the role has the agent's cloud permissions without going through its policy.\n\nUse instead: set the role's trust policy to the generated `iam/<agent>/trust-policy.json`.",
    },
    CodeDoc {
        code: EGRESS_WIDER,
        name: "egress-wider-than-policy",
        summary: "a network policy for an agent's pods allows egress the declaration does not",
        explanation: "What it does: compares the egress rules of every NetworkPolicy and CiliumNetworkPolicy that selects the agent's pods with its declared `egress`: a rule without `to` (all destinations), a CIDR outside the declared ones, a port no endpoint declares, a domain not declared, or Cilium's `world`/`all` entities. The witness is a destination the rule allows and the declaration does not.\n\nWhy it matters: Kubernetes network policies add up; one wide policy selecting the pods undoes the agent's egress allowlist.\n\nUse instead: apply the generated `k8s/<agent>.yaml` and remove the wider policy, or narrow its pod selector.",
    },
];

/// One file of the infrastructure folder, already read.
pub struct InfraFile<'a> {
    pub file: FileId,
    /// The path relative to the folder, with `/`.
    pub path: &'a str,
    pub text: &'a str,
}

/// Every cross-layer gap between `files` and the policy set.
pub fn check(
    model: &crate::model::Model,
    sources: &crate::source::SourceMap,
    files: &[InfraFile<'_>],
) -> Vec<crate::diagnostics::Diagnostic> {
    let out = crate::backend::iam::generate(&crate::backend::Input {
        model,
        sources,
        set_name: "infra",
    });
    let mut generated: std::collections::BTreeMap<String, iam::Generated> =
        std::collections::BTreeMap::new();
    for a in &out.artifacts {
        let Some((agent, file)) = a.path.split_once('/') else {
            continue;
        };
        let trust = file == "trust-policy.json";
        if trust || (file.starts_with("policy") && file.ends_with(".json")) {
            if let Ok(doc) = serde_json::from_slice(&a.contents) {
                generated
                    .entry(agent.to_string())
                    .or_default()
                    .add(&doc, trust);
            }
        }
    }
    let mut diags = iam::check(model, files, &generated);
    diags.extend(k8s::check(model, files));
    diags
}
