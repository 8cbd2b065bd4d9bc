//! IAM JSON as typed structures: policy documents, statements, conditions,
//! and the inputs of `aws iam create-role` / `aws sts assume-role`. Every
//! file is written through serde, then made pure ASCII (`\uXXXX` escapes),
//! so no policy string can break out of its JSON string and every document
//! stays inside the characters IAM accepts (tab, newline, carriage return and
//! U+0020 to U+00FF).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The only policy language version with policy variables and their `${$}`
/// escapes, which this backend relies on.
pub const VERSION: &str = "2012-10-17";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PolicyDocument {
    pub version: String,
    pub statement: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A condition block: operator → condition key → values.
pub type Conditions = BTreeMap<String, BTreeMap<String, OneOrMany>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Statement {
    /// Optional in IAM; agentpol always writes one (`check --infra` reads
    /// policies written by hand, which may omit it).
    #[serde(default)]
    pub sid: String,
    pub effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub principal: Option<BTreeMap<String, OneOrMany>>,
    pub action: OneOrMany,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resource: Option<OneOrMany>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Conditions>,
}

/// IAM accepts a single string or a list wherever several values may go;
/// one value is written as a string, which is how people write policies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn new(mut values: Vec<String>) -> OneOrMany {
        if values.len() == 1 {
            OneOrMany::One(values.remove(0))
        } else {
            OneOrMany::Many(values)
        }
    }

    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(v) => vec![v.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `aws iam create-role --cli-input-json file://role.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateRole {
    pub path: String,
    pub role_name: String,
    /// The trust policy, as a JSON string (the API takes a string).
    pub assume_role_policy_document: String,
    pub description: String,
    pub max_session_duration: u64,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// `aws sts assume-role --cli-input-json file://assume-role.json`: the
/// session the agent runtime should ask for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssumeRole {
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: u64,
    /// The agent's managed policies again, as session policies: the session
    /// can never do more than they allow, whatever else is attached to the role.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub policy_arns: Vec<PolicyArn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyArn {
    pub arn: String,
}

/// Pretty JSON, two-space indent, pure ASCII, ending in a newline.
pub fn to_pretty<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = ascii(&text);
    out.push('\n');
    out
}

/// Compact JSON, pure ASCII: what IAM's size quotas count (they ignore
/// whitespace; escapes are counted in full, which only overestimates).
pub fn to_compact<T: Serialize>(value: &T) -> String {
    ascii(&serde_json::to_string(value).unwrap_or_default())
}

/// Characters a policy counts against its quota.
pub fn size<T: Serialize>(value: &T) -> usize {
    to_compact(value).len()
}

/// Replaces every non-ASCII character by its JSON escape. Such characters
/// only occur inside JSON strings, where the escape means the same thing.
fn ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_ascii_and_round_trips() {
        let doc = PolicyDocument {
            version: VERSION.into(),
            statement: vec![Statement {
                sid: "A".into(),
                effect: Effect::Allow,
                principal: None,
                action: OneOrMany::new(vec!["s3:GetObject".into()]),
                resource: Some(OneOrMany::new(vec!["arn:aws:s3:::b/é\"\n😀".into()])),
                condition: None,
            }],
        };
        let text = to_pretty(&doc);
        assert!(text.is_ascii());
        assert_eq!(
            serde_json::from_str::<PolicyDocument>(&text).ok(),
            Some(doc.clone())
        );
        assert!(!to_compact(&doc).contains(' '));
    }
}
