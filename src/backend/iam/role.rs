//! The agent's role: its ARN, its trust policy, the `create-role` input that
//! carries `MaxSessionDuration`, and the `assume-role` input whose
//! `DurationSeconds` follows the declared credential lifetime.
//!
//! Who may assume the role:
//! - an agent with `kubernetes namespace ...` runs in a pod, so the role
//!   trusts EKS Pod Identity (`pods.eks.amazonaws.com`), restricted with the
//!   session tags EKS sets to the agent's namespace and service account;
//! - any other agent: the role's own account, so only principals that an IAM
//!   policy in that account allows `sts:AssumeRole` on this role can assume it.

use super::document::{
    AssumeRole, Conditions, CreateRole, Effect, OneOrMany, PolicyArn, PolicyDocument, Statement,
    Tag, VERSION,
};
use std::collections::BTreeMap;

/// Role trust policy size, default quota (adjustable to 4,096).
pub const TRUST_POLICY_LIMIT: usize = 2_048;
/// `MaxSessionDuration` bounds, seconds.
pub const MIN_MAX_SESSION: u64 = 3_600;
pub const MAX_MAX_SESSION: u64 = 43_200;
/// `DurationSeconds` of AssumeRole, lower bound.
pub const MIN_SESSION: u64 = 900;
/// Path of the managed policies this backend creates.
pub const POLICY_PATH: &str = "/agentpol/";

/// A parsed `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    pub arn: String,
    pub partition: String,
    pub account: String,
    /// `/` or `/a/b/`.
    pub path: String,
    pub name: String,
}

/// Parses and validates a role ARN against IAM's naming rules.
pub fn parse_role_arn(arn: &str) -> Result<RoleArn, String> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [head, partition, service, region, account, resource] = fields[..] else {
        return Err("expected `arn:aws:iam::ACCOUNT:role/NAME`".into());
    };
    if head != "arn" || service != "iam" || !region.is_empty() {
        return Err("expected `arn:aws:iam::ACCOUNT:role/NAME`".into());
    }
    let partition_ok = partition.starts_with("aws")
        && partition
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()));
    if !partition_ok {
        return Err(format!(
            "`{}` is not an AWS partition",
            partition.escape_debug()
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the account id must be 12 digits".into());
    }
    let Some(rest) = resource.strip_prefix("role/") else {
        return Err("the resource must be `role/NAME`".into());
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_string(), rest),
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(name_char) {
        return Err("a role name has 1 to 64 letters, digits and `+=,.@_-`".to_string());
    }
    let path_ok = path.len() <= 512
        && path
            .trim_matches('/')
            .split('/')
            .all(|seg| path == "/" || (!seg.is_empty() && seg.chars().all(name_char)));
    if !path_ok {
        return Err("a role path is `/segment/.../` of letters, digits and `+=,.@_-`".into());
    }
    Ok(RoleArn {
        arn: arn.to_string(),
        partition: partition.to_string(),
        account: account.to_string(),
        path,
        name: name.to_string(),
    })
}

/// The pod identity an agent's role trusts, when it runs in Kubernetes.
pub struct PodIdentity {
    pub namespace: String,
    pub service_account: String,
}

pub fn trust_policy(role: &RoleArn, pod: Option<&PodIdentity>) -> PolicyDocument {
    let statement = match pod {
        Some(pod) => {
            let mut tags = BTreeMap::new();
            tags.insert(
                "aws:RequestTag/kubernetes-namespace".to_string(),
                OneOrMany::One(pod.namespace.clone()),
            );
            tags.insert(
                "aws:RequestTag/kubernetes-service-account".to_string(),
                OneOrMany::One(pod.service_account.clone()),
            );
            let mut condition = Conditions::new();
            condition.insert("StringEquals".into(), tags);
            Statement {
                sid: "AllowEksPodIdentity".into(),
                effect: Effect::Allow,
                principal: Some(principal("Service", "pods.eks.amazonaws.com")),
                action: OneOrMany::new(vec!["sts:AssumeRole".into(), "sts:TagSession".into()]),
                resource: None,
                condition: Some(condition),
            }
        }
        None => Statement {
            sid: "AllowOwnAccount".into(),
            effect: Effect::Allow,
            principal: Some(principal(
                "AWS",
                &format!("arn:{}:iam::{}:root", role.partition, role.account),
            )),
            action: OneOrMany::One("sts:AssumeRole".into()),
            resource: None,
            condition: None,
        },
    };
    PolicyDocument {
        version: VERSION.into(),
        statement: vec![statement],
    }
}

fn principal(kind: &str, value: &str) -> BTreeMap<String, OneOrMany> {
    let mut m = BTreeMap::new();
    m.insert(kind.to_string(), OneOrMany::One(value.to_string()));
    m
}

/// How the declared lifetime maps onto AWS's session settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    /// The role's `MaxSessionDuration`.
    pub max_session: u64,
    /// `DurationSeconds` to request.
    pub duration: u64,
}

/// `MaxSessionDuration` is the declared lifetime rounded into 1h..12h;
/// `DurationSeconds` the lifetime itself within 15m..12h (AWS default 1h
/// when nothing is declared).
pub fn sessions(ttl: Option<u64>) -> Sessions {
    match ttl {
        None => Sessions {
            max_session: MIN_MAX_SESSION,
            duration: MIN_MAX_SESSION,
        },
        Some(t) => Sessions {
            max_session: t.clamp(MIN_MAX_SESSION, MAX_MAX_SESSION),
            duration: t.clamp(MIN_SESSION, MAX_MAX_SESSION),
        },
    }
}

pub fn create_role(
    role: &RoleArn,
    agent: &str,
    trust: &PolicyDocument,
    sessions: &Sessions,
) -> CreateRole {
    CreateRole {
        path: role.path.clone(),
        role_name: role.name.clone(),
        assume_role_policy_document: super::document::to_compact(trust),
        description: format!("agentpol: role of agent {agent}"),
        max_session_duration: sessions.max_session,
        tags: vec![Tag {
            key: "agentpol:agent".into(),
            value: agent.to_string(),
        }],
    }
}

/// The ARN a managed policy of this backend will have in the role's account.
pub fn policy_arn(role: &RoleArn, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:policy{POLICY_PATH}{name}",
        role.partition, role.account
    )
}

pub fn assume_role(
    role: &RoleArn,
    agent: &str,
    sessions: &Sessions,
    policy_names: &[String],
) -> AssumeRole {
    // RoleSessionName: 2..64 of `[\w+=,.@-]`; agent names are identifiers.
    let mut session_name = format!("agentpol-{agent}");
    session_name.truncate(64);
    AssumeRole {
        role_arn: role.arn.clone(),
        role_session_name: session_name,
        duration_seconds: sessions.duration,
        policy_arns: policy_names
            .iter()
            .map(|n| PolicyArn {
                arn: policy_arn(role, n),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_parse_with_paths() {
        let r = parse_role_arn("arn:aws:iam::123456789012:role/agents/support/bot");
        assert_eq!(
            r.map(|r| (r.path, r.name)),
            Ok(("/agents/support/".to_string(), "bot".to_string()))
        );
        for bad in [
            "arn:aws:iam::12345:role/bot",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/bot",
            "arn:aws:iam::123456789012:role/bo t",
            "arn:aws:iam::123456789012:role/a\"b",
            "arn:aws:iam::123456789012:role//bot",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(parse_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sessions_follow_the_lifetime_within_aws_bounds() {
        assert_eq!(
            sessions(Some(900)),
            Sessions {
                max_session: 3600,
                duration: 900
            }
        );
        assert_eq!(
            sessions(Some(7200)),
            Sessions {
                max_session: 7200,
                duration: 7200
            }
        );
        assert_eq!(
            sessions(Some(60)),
            Sessions {
                max_session: 3600,
                duration: 900
            }
        );
        assert_eq!(
            sessions(Some(86_400)),
            Sessions {
                max_session: 43_200,
                duration: 43_200
            }
        );
        assert_eq!(
            sessions(None),
            Sessions {
                max_session: 3600,
                duration: 3600
            }
        );
    }
}
