//! A tool's mapping to AWS: the IAM actions a call performs, the ARN of the
//! resource it touches (a template over the tool's arguments) and the IAM
//! condition keys that carry its arguments.
//!
//! ARN templates use two kinds of placeholder:
//! - `{arg}`: the value of the tool's argument `arg` (a required string or
//!   enum argument), substituted by the IAM backend from what a grant pins;
//! - `${Partition}`, `${Region}`, `${Account}`: AWS's own notation in the
//!   Service Authorization Reference, filled from the agent's role ARN
//!   (partition, account) or `*` (region).
//!
//! Everything else is literal text. The checker parses every template with
//! [`parse_arn_template`] and reports malformed ones, so backends may rely on
//! it succeeding.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsMapping {
    /// IAM actions, `service:Action`.
    pub actions: Vec<String>,
    /// ARN template (see the module doc); `None` means `*`.
    pub arn: Option<String>,
    /// IAM condition keys whose request value is a tool argument.
    pub conditions: Vec<AwsCondition>,
}

/// `condition "s3:prefix" = prefix`: the key's value in the AWS request is the
/// argument's value, so a grant's constraint on the argument can become an
/// IAM `Condition`. The mapping promises that the key is present in the AWS
/// request exactly when the argument is present in the tool call, with the
/// same value (a list argument: the same set of values); map only keys AWS
/// documents that way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsCondition {
    pub key: String,
    pub arg: String,
}

/// One piece of an ARN template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ArnPart {
    Text(String),
    Arg(String),
    Partition,
    Region,
    Account,
}

/// Splits an ARN template into parts, or says what is wrong with it.
pub fn parse_arn_template(template: &str) -> Result<Vec<ArnPart>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or("`${` is not closed by `}`".to_string())?;
            let part = match &after[..end] {
                "Partition" => ArnPart::Partition,
                "Region" => ArnPart::Region,
                "Account" => ArnPart::Account,
                other => {
                    return Err(format!(
                        "unknown variable `${{{other}}}`: use ${{Partition}}, ${{Region}} or ${{Account}}"
                    ))
                }
            };
            flush(&mut text, &mut parts);
            parts.push(part);
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or("`{` is not closed by `}`".to_string())?;
            let name = &after[..end];
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!("`{{{name}}}` does not name an argument"));
            }
            flush(&mut text, &mut parts);
            parts.push(ArnPart::Arg(name.to_string()));
            rest = &after[end + 1..];
        } else if c == '}' || c == '$' {
            return Err(format!(
                "stray `{c}`: only `{{arg}}` and `${{Name}}` are placeholders"
            ));
        } else if c.is_control() || c.is_whitespace() {
            return Err("an ARN cannot contain spaces or control characters".into());
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut text, &mut parts);
    if !template.starts_with("arn:") {
        return Err("an ARN starts with `arn:`".into());
    }
    Ok(parts)
}

fn flush(text: &mut String, parts: &mut Vec<ArnPart>) {
    if !text.is_empty() {
        parts.push(ArnPart::Text(std::mem::take(text)));
    }
}

/// Whether `key` is written like an IAM condition key (`service:Name`, with
/// `/` allowed for tag keys such as `aws:ResourceTag/team`).
pub fn valid_condition_key(key: &str) -> bool {
    let Some((service, name)) = key.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_parts() {
        let parts = parse_arn_template("arn:${Partition}:s3:::{bucket}/{key}").unwrap_or_default();
        assert_eq!(
            parts,
            vec![
                ArnPart::Text("arn:".into()),
                ArnPart::Partition,
                ArnPart::Text(":s3:::".into()),
                ArnPart::Arg("bucket".into()),
                ArnPart::Text("/".into()),
                ArnPart::Arg("key".into()),
            ]
        );
    }

    #[test]
    fn malformed_templates_are_refused() {
        for bad in [
            "arn:aws:s3:::{bucket",
            "arn:aws:s3:::${aws:username}",
            "arn:aws:s3:::{1x}",
            "arn:aws:s3:::a}b",
            "arn:aws:s3:::a b",
            "s3:::bucket",
        ] {
            assert!(parse_arn_template(bad).is_err(), "{bad}");
        }
    }
}
