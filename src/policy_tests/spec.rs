//! Test cases from JSON values (YAML is read into the same values by the
//! caller), and what an expectation demands of an answer.

use super::Answer;
use crate::model::eval::RequiredApproval;
use crate::model::Outcome;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `requests/allow-read` or `tests/refunds.yaml: refund under the cap`.
    pub name: String,
    pub request: Value,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub decision: ExpectedDecision,
    #[serde(default)]
    pub approvals: Option<Vec<ExpectedApproval>>,
    #[serde(default)]
    pub log: Option<Vec<String>>,
    #[serde(default)]
    pub rules: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedDecision {
    Allow,
    Deny,
    ApprovalRequired,
}

impl ExpectedDecision {
    pub fn outcome(self) -> Outcome {
        match self {
            ExpectedDecision::Allow => Outcome::Allow,
            ExpectedDecision::Deny => Outcome::Deny,
            ExpectedDecision::ApprovalRequired => Outcome::ApprovalRequired,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedApproval {
    pub group: String,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
}

impl ExpectedApproval {
    fn matches(&self, a: &RequiredApproval) -> bool {
        self.group == a.group
            && self.count.is_none_or(|c| c == a.count)
            && self
                .reason
                .as_ref()
                .is_none_or(|r| Some(r) == a.reason.as_ref())
            && self.rule.as_ref().is_none_or(|r| r == &a.rule)
    }
}

impl Expect {
    /// Decision-only expectation, from a `requests/` file name prefix.
    pub fn decision(decision: Outcome) -> Expect {
        Expect {
            decision: match decision {
                Outcome::Allow => ExpectedDecision::Allow,
                Outcome::Deny => ExpectedDecision::Deny,
                Outcome::ApprovalRequired => ExpectedDecision::ApprovalRequired,
            },
            approvals: None,
            log: None,
            rules: None,
        }
    }

    /// What `got` fails of this expectation, one line each.
    pub fn unmet(&self, got: &Answer) -> Vec<String> {
        let mut out = Vec::new();
        let want = self.decision.outcome();
        if got.decision != want {
            let why = if got.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", got.reasons.join("; "))
            };
            out.push(format!(
                "expected `{}`, got `{}`{why}",
                want.as_str(),
                got.decision.as_str()
            ));
        }
        if let Some(expected) = &self.approvals {
            let all_found = expected
                .iter()
                .all(|e| got.approvals.iter().any(|a| e.matches(a)));
            if !all_found || expected.len() != got.approvals.len() {
                let want: Vec<String> = expected
                    .iter()
                    .map(|e| match e.count {
                        Some(c) => format!("{} x{c}", e.group),
                        None => e.group.clone(),
                    })
                    .collect();
                out.push(format!(
                    "expected approvals [{}], got {}",
                    want.join(", "),
                    approvals_text(&got.approvals)
                ));
            }
        }
        if let (Some(log), Some((got_log, _))) = (&self.log, &got.audit) {
            let mut a = log.clone();
            a.sort();
            a.dedup();
            if &a != got_log {
                out.push(format!(
                    "expected log fields [{}], got [{}]",
                    a.join(", "),
                    got_log.join(", ")
                ));
            }
        }
        if let (Some(rules), Some(got_rules)) = (&self.rules, &got.rules) {
            if rules != got_rules {
                out.push(format!(
                    "expected rules [{}], got [{}]",
                    rules.join(", "),
                    got_rules.join(", ")
                ));
            }
        }
        out
    }
}

pub(super) fn approvals_text(list: &[RequiredApproval]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|a| format!("{} x{}", a.group, a.count))
        .collect();
    format!("[{}]", items.join(", "))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct One {
    #[serde(default)]
    name: Option<String>,
    request: Value,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Many {
    tests: Vec<One>,
}

/// The cases of one test file (`file` names them). A file is one case or
/// `{"tests": [...]}`; `Err` says what is wrong, in words for a message.
pub fn cases_from_value(file: &str, value: &Value) -> Result<Vec<Case>, String> {
    let many = value.get("tests").is_some();
    let list: Vec<One> = if many {
        Many::deserialize(value).map_err(|e| e.to_string())?.tests
    } else {
        vec![One::deserialize(value).map_err(|e| e.to_string())?]
    };
    if list.is_empty() {
        return Err("`tests` is empty".into());
    }
    let mut out = Vec::new();
    for (i, one) in list.into_iter().enumerate() {
        let name = match (&one.name, many) {
            (Some(n), _) => format!("{file}: {n}"),
            (None, true) => format!("{file}: #{}", i + 1),
            (None, false) => file.to_string(),
        };
        if out.iter().any(|c: &Case| c.name == name) {
            return Err(format!("two tests are named `{name}`"));
        }
        out.push(Case {
            name,
            request: one.request,
            expect: one.expect,
        });
    }
    Ok(out)
}
