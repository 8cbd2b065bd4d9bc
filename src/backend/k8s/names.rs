//! Kubernetes names: what a namespace, a label and an object name may be
//! (the API server's own rules), and the names this backend gives the
//! objects of each agent. A policy value that breaks these rules is refused
//! with a diagnostic, never emitted.

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (RFC 1123 label).
pub fn check_dns_label(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err("must have 1 to 63 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may hold only lowercase letters, digits and `-`".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A namespace name.
pub fn check_namespace(s: &str) -> Result<(), String> {
    check_dns_label(s)
}

/// `(prefix/)?name`: the prefix an RFC 1123 subdomain of at most 253
/// characters, the name at most 63 of `[A-Za-z0-9._-]`, starting and ending
/// with a letter or digit.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() || p.len() > 253 || !p.split('.').all(|l| check_dns_label(l).is_ok()) {
            return Err("needs a DNS subdomain such as `app.kubernetes.io` before its `/`".into());
        }
    }
    if name.is_empty() {
        return Err("needs a name after its `/`".into());
    }
    check_label_value(name)
}

/// Empty, or at most 63 of `[A-Za-z0-9._-]`, starting and ending with a
/// letter or digit.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err("must have at most 63 characters".into());
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("may hold only letters, digits, `-`, `_` and `.`".into());
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(value.chars().next()) || !edge(value.chars().last()) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// The object name for an agent: `agentpol-` and the agent's name in lower
/// case with `_` as `-`, then `suffix` (`""`, `-egress`, `-fqdn`). Agent
/// names are identifiers, so only the length can fail; two agents whose
/// names differ only in case or `_` get the same name, which the backend
/// reports.
pub fn object_name(agent: &str, suffix: &str) -> Result<String, String> {
    let body: String = agent
        .chars()
        .map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let body = body.trim_matches('-');
    let name = if body.is_empty() {
        format!("agentpol{suffix}")
    } else {
        format!("agentpol-{body}{suffix}")
    };
    check_dns_label(&name).map(|()| name)
}

/// The service account an agent's pods run as (also trusted by its IAM role).
pub fn service_account(agent: &str) -> Result<String, String> {
    object_name(agent, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_name_rules() {
        assert!(check_namespace("agents-prod").is_ok());
        for bad in [
            "",
            "Agents",
            "a_b",
            "-a",
            "a-",
            "a\"b",
            "a\nb",
            &"a".repeat(64),
        ] {
            assert!(check_namespace(bad).is_err(), "{bad:?}");
        }
        assert!(check_label_key("app.kubernetes.io/name").is_ok());
        assert!(check_label_key("app").is_ok());
        for bad in [
            "",
            "/x",
            "a/b/c",
            "Bad_Prefix/x",
            "x/",
            "a b",
            "a:b",
            "x\"y",
        ] {
            assert!(check_label_key(bad).is_err(), "{bad:?}");
        }
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("v1.2_3-x").is_ok());
        for bad in ["-a", "a-", "a b", "a'b", "a\nb", &"a".repeat(64)] {
            assert!(check_label_value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn object_names_are_dns_labels() {
        assert_eq!(
            object_name("support_Triage", "-egress").ok().as_deref(),
            Some("agentpol-support-triage-egress")
        );
        assert_eq!(object_name("_x_", "").ok().as_deref(), Some("agentpol-x"));
        assert!(object_name(&"a".repeat(60), "-egress").is_err());
    }
}
