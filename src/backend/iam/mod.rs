//! ⑥ AWS IAM. Input: the checked model. Output, per agent that declares an
//! `aws role` (in `<agent>/`):
//! - `policy.json` (or `policy-1.json`, `policy-2.json`, ... when the grants
//!   need several managed policies): the identity policy, least privilege,
//!   one `Sid` per statement traced to its rules;
//! - `trust-policy.json` and `role.json` (`aws iam create-role
//!   --cli-input-json`, carrying `MaxSessionDuration`);
//! - `assume-role.json` (`aws sts assume-role --cli-input-json`): the session
//!   the runtime should request, `DurationSeconds` from the declared
//!   credential lifetime, the agent's policies as session policies;
//! - `boundary.json`: an optional permissions boundary;
//! - `summary.md` and `summary.json`: which rule each `Sid` comes from (with
//!   `file:line`), and everything enforced by OPA/Cedar only.
//!
//! and `summary.md` / `summary.json` at the top, listing every agent.
//!
//! Only Allow/Deny on actions and resources, plus condition keys, exist in
//! IAM: approvals, limits, budgets, justification and argument tests without
//! a condition key are listed as enforced by OPA/Cedar only. IAM is never
//! made wider than the policy without saying so in the summary.

mod agent;
pub mod dnf;
pub mod document;
pub mod grants;
pub mod pack;
pub mod reference;
pub mod role;
pub mod summary;

use super::{Artifact, Input, Output};
use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use std::collections::BTreeMap;

pub const INVALID_AWS_ROLE: Code = Code::new("AP430", Severity::Error);
pub const IAM_NAME_TOO_LONG: Code = Code::new("AP431", Severity::Error);
pub const IAM_QUOTA_EXCEEDED: Code = Code::new("AP432", Severity::Error);
pub const CREDENTIALS_TOO_SHORT_FOR_AWS: Code = Code::new("AP433", Severity::Warning);
pub const UNKNOWN_IAM_ACTION: Code = Code::new("AP434", Severity::Warning);
pub const SHARED_AWS_ROLE: Code = Code::new("AP435", Severity::Error);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: INVALID_AWS_ROLE,
        name: "invalid-aws-role",
        summary: "an agent's `aws role` is not a valid IAM role ARN",
        explanation: "The IAM backend writes the role's name, path and account into create-role and assume-role inputs and into policy ARNs, so the ARN must follow IAM's rules: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, a 12-digit account, a name of 1 to 64 letters, digits and `+=,.@_-`.\n\nBad:\n    aws role \"arn:aws:iam::1234:role/my bot\"\n\nGood:\n    aws role \"arn:aws:iam::123456789012:role/agents/my-bot\"",
    },
    CodeDoc {
        code: IAM_NAME_TOO_LONG,
        name: "iam-name-too-long",
        summary: "an agent's name is too long for the IAM policy names derived from it",
        explanation: "Managed policies are named `agentpol-AGENT`, `agentpol-AGENT-N` and `agentpol-AGENT-boundary`; IAM policy names have at most 128 characters. Give the agent a shorter name.",
    },
    CodeDoc {
        code: IAM_QUOTA_EXCEEDED,
        name: "iam-quota-exceeded",
        summary: "an agent's grants do not fit AWS's policy size quotas",
        explanation: "A managed policy holds at most 6,144 characters (whitespace not counted), a role has at most 10 managed policies attached by default, and a trust policy at most 2,048 characters. agentpol splits statements across policies, but reports the grants that still cannot fit rather than dropping or widening them.\n\nFix: grant fewer tools to the agent, split it into several agents, or pin resources with `like` patterns instead of long lists of names.",
    },
    CodeDoc {
        code: CREDENTIALS_TOO_SHORT_FOR_AWS,
        name: "credentials-too-short-for-aws",
        summary: "the declared credential lifetime is shorter than any AWS session",
        explanation: "AWS STS issues role sessions of 15 minutes at least, so a shorter `credentials ttl` cannot be honoured by AWS credentials: they will live 15 minutes.\n\nBad:\n    credentials ttl 5m\n\nGood:\n    credentials ttl 15m",
    },
    CodeDoc {
        code: UNKNOWN_IAM_ACTION,
        name: "unknown-iam-action",
        summary: "a tool maps to an IAM action that AWS does not define",
        explanation: "The action is not in AWS's Service Authorization Reference (the copy agentpol ships, see `src/backend/iam/reference/PROVENANCE.md`). IAM accepts such policies but the action grants nothing, so the tool will be refused by AWS. Check the spelling; if AWS added the action after agentpol's copy was taken, ignore this warning.\n\nBad:\n    aws [\"s3:GetObjects\"] on \"arn:${Partition}:s3:::{bucket}/{key}\"\n\nGood:\n    aws [\"s3:GetObject\"] on \"arn:${Partition}:s3:::{bucket}/{key}\"",
    },
    CodeDoc {
        code: SHARED_AWS_ROLE,
        name: "shared-aws-role",
        summary: "two agents declare the same IAM role",
        explanation: "Every policy attached to a role applies to every session of it, so two agents sharing a role would each get the other's permissions. Give each agent its own role.",
    },
];

/// Generates the IAM artifacts of every agent that declares an AWS role.
pub fn generate(input: &Input<'_>) -> Output {
    let mut diagnostics = Vec::new();
    let mut artifacts = Vec::new();
    let mut index = summary::Index::new(input.set_name);
    let mut by_role: BTreeMap<&str, Vec<&crate::model::Agent>> = BTreeMap::new();
    for a in input.model.agents.values() {
        if let Some(r) = &a.aws_role {
            by_role.entry(r.as_str()).or_default().push(a);
        }
    }
    for (arn, agents) in &by_role {
        if let [first, rest @ ..] = agents.as_slice() {
            for other in rest {
                let mut d = Diagnostic::new(
                    SHARED_AWS_ROLE,
                    format!(
                        "agents `{}` and `{}` share the IAM role `{}`",
                        first.name,
                        other.name,
                        arn.escape_debug()
                    ),
                )
                .help("give each agent its own role: policies attached to a role apply to all its sessions");
                d = d.primary(other.spans.aws_role.unwrap_or(other.span), "same role here");
                d = d.secondary(
                    first.spans.aws_role.unwrap_or(first.span),
                    "first declared here",
                );
                diagnostics.push(d);
            }
        }
    }
    for a in input.model.agents.values() {
        match agent::generate(input, a, &mut diagnostics) {
            Some((files, entry)) => {
                artifacts.extend(files);
                index.agents.push(entry);
            }
            None if a.aws_role.is_none() => index.without_role.push(a.name.clone()),
            None => {}
        }
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Output {
            artifacts: Vec::new(),
            diagnostics,
        };
    }
    artifacts.push(Artifact::text("summary.md", index.markdown()));
    artifacts.push(Artifact::text("summary.json", document::to_pretty(&index)));
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Output {
        artifacts,
        diagnostics,
    }
}
