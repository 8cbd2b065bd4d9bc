//! AWS's own facts about IAM, for the services the stdlib catalogs cover:
//! every action, the resource types (with ARN formats) each action takes, and
//! the condition keys with their types. Vendored from the Service
//! Authorization Reference (see `reference/PROVENANCE.md`); the backend uses
//! it to flag actions that do not exist and to tell single-valued from
//! multivalued condition keys, and the tests use it to check every catalog.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("reference/aws-iam-reference.json");

#[derive(Debug, Deserialize)]
pub struct Reference {
    /// Where the facts come from (package and version).
    pub source: String,
    /// When the source last checked them against AWS's documentation.
    pub updated: String,
    pub services: BTreeMap<String, Service>,
}

#[derive(Debug, Deserialize)]
pub struct Service {
    pub actions: BTreeMap<String, Action>,
    pub resources: BTreeMap<String, ResourceType>,
    /// Condition key → type (`String`, `ArrayOfString`, `Numeric`, `Bool`, ...).
    pub conditions: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct Action {
    /// Resource type names (keys of [`Service::resources`], compared without case).
    pub resources: Vec<String>,
    pub conditions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct ResourceType {
    pub arn: String,
    pub conditions: Vec<String>,
}

/// The vendored reference; `None` only if the embedded file were corrupt,
/// which a test rules out.
pub fn get() -> Option<&'static Reference> {
    static CELL: OnceLock<Option<Reference>> = OnceLock::new();
    CELL.get_or_init(|| serde_json::from_str(DATA).ok())
        .as_ref()
}

/// What the reference says about `service:Action`.
pub enum Known<'a> {
    /// The action exists (`name` is its canonical spelling).
    Action { name: &'a str, action: &'a Action },
    /// The service is covered and has no such action; `suggestion` is the
    /// closest real one.
    Unknown { suggestion: Option<String> },
    /// The service is not in the reference: nothing can be said.
    Uncovered,
}

impl Reference {
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services.get(&prefix.to_ascii_lowercase())
    }

    /// Looks an action up; IAM compares action names without case.
    pub fn action(&self, full: &str) -> Known<'_> {
        let Some((prefix, name)) = full.split_once(':') else {
            return Known::Uncovered;
        };
        let Some(service) = self.service(prefix) else {
            return Known::Uncovered;
        };
        if name.contains('*') {
            // A wildcard is a pattern, not a name; the catalogs never use one.
            return Known::Uncovered;
        }
        match service
            .actions
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((n, action)) => Known::Action { name: n, action },
            None => {
                let prefix = prefix.to_ascii_lowercase();
                let known: Vec<String> = service
                    .actions
                    .keys()
                    .map(|a| format!("{prefix}:{a}"))
                    .collect();
                Known::Unknown {
                    suggestion: crate::diagnostics::did_you_mean(
                        &format!("{prefix}:{name}"),
                        known.iter().map(String::as_str),
                    ),
                }
            }
        }
    }

    /// The declared type of a condition key, if its service is covered.
    /// Tag keys such as `aws:ResourceTag/team` match their `${TagKey}` form.
    pub fn condition_type(&self, key: &str) -> Option<&str> {
        let (prefix, _) = key.split_once(':')?;
        let lower = key.to_ascii_lowercase();
        let matches = |k: &str| {
            let k = k.to_ascii_lowercase();
            match k.split_once("${").or_else(|| k.split_once('<')) {
                Some((head, _)) => lower.starts_with(head) && lower.len() > head.len(),
                None => k == lower,
            }
        };
        let services: Vec<&Service> = if prefix == "aws" {
            self.services.values().collect()
        } else {
            self.service(prefix).into_iter().collect()
        };
        services
            .into_iter()
            .flat_map(|s| s.conditions.iter())
            .find(|(k, _)| matches(k))
            .map(|(_, t)| t.as_str())
    }
}

/// Whether a condition key of this type carries several values per request
/// (and so needs `ForAllValues:` or `ForAnyValue:`).
pub fn is_multivalued(ty: &str) -> bool {
    ty.starts_with("ArrayOf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_reference_parses_and_knows_s3() {
        let r = get();
        assert!(r.is_some());
        if let Some(r) = r {
            assert!(matches!(r.action("s3:GetObject"), Known::Action { .. }));
            assert!(matches!(r.action("S3:getobject"), Known::Action { .. }));
            assert!(matches!(
                r.action("s3:GetObjects"),
                Known::Unknown {
                    suggestion: Some(_)
                }
            ));
            assert!(matches!(r.action("acme:Thing"), Known::Uncovered));
            assert_eq!(
                r.condition_type("dynamodb:LeadingKeys"),
                Some("ArrayOfString")
            );
            assert_eq!(r.condition_type("s3:prefix"), Some("String"));
            assert_eq!(r.condition_type("aws:ResourceTag/team"), Some("String"));
        }
    }
}
