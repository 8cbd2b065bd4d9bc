//! The summaries beside the IAM files: per agent, which rule (and `file:line`)
//! each `Sid` comes from, and what is enforced by OPA/Cedar only; at the top,
//! which agents got files. IAM JSON has no comments, so this is where a
//! reader traces a statement back to the policy.
//!
//! Markdown is written for people; every user string in it goes through
//! [`md_code`], which keeps it inside its code span.

use super::document::Effect;
use super::role::{RoleArn, POLICY_PATH};
use crate::model::Agent;
use crate::source::SourceMap;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    pub id: String,
    /// `file:line` of the rule.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
}

/// Something the policy enforces that IAM does not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hole {
    pub rule: Option<RuleRef>,
    pub what: String,
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyFile {
    pub file: String,
    pub name: String,
    pub arn: String,
    /// Characters IAM counts against the quota.
    pub size: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementInfo {
    pub sid: String,
    pub file: String,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub rules: Vec<RuleRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleInfo {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub trusts: String,
    pub max_session_duration: u64,
    pub session_duration: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentSummary {
    pub agent: String,
    pub source: String,
    pub role: RoleInfo,
    pub policies: Vec<PolicyFile>,
    pub boundary: Option<PolicyFile>,
    pub statements: Vec<StatementInfo>,
    #[serde(rename = "enforced_by_opa_cedar_only")]
    pub holes: Vec<Hole>,
    /// ARN placeholders left `*` because no rule pins them.
    pub wildcards: Vec<String>,
    pub credentials: Vec<String>,
    pub tools_without_aws: BTreeSet<String>,
    pub notes: Vec<String>,
}

impl AgentSummary {
    pub fn new(agent: &Agent, sources: &SourceMap, role: &RoleArn) -> Self {
        let trusts = match &agent.kubernetes {
            Some(_) => "EKS Pod Identity, for the agent's namespace and service account".into(),
            None => format!(
                "principals of account {} that an IAM policy allows sts:AssumeRole on this role",
                role.account
            ),
        };
        AgentSummary {
            agent: agent.name.clone(),
            source: sources.location(agent.span),
            role: RoleInfo {
                arn: role.arn.clone(),
                name: role.name.clone(),
                path: role.path.clone(),
                trusts,
                max_session_duration: 0,
                session_duration: 0,
            },
            policies: Vec::new(),
            boundary: None,
            statements: Vec::new(),
            holes: Vec::new(),
            wildcards: Vec::new(),
            credentials: Vec::new(),
            tools_without_aws: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    /// Sorts and deduplicates the lists, for byte-identical output.
    pub fn finish(&mut self) {
        self.holes.sort();
        self.holes.dedup();
        self.wildcards.sort();
        self.wildcards.dedup();
    }

    pub fn index_entry(&self) -> IndexEntry {
        IndexEntry {
            agent: self.agent.clone(),
            directory: format!("{}/", self.agent),
            role: self.role.arn.clone(),
            policies: self.policies.iter().map(|p| p.file.clone()).collect(),
            statements: self.statements.len(),
            enforced_by_opa_cedar_only: self.holes.len(),
        }
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# IAM for agent {}\n", md_code(&self.agent));
        let _ = writeln!(
            o,
            "Agent declared at {}. Role {}, assumable by {}.\n",
            md_code(&self.source),
            md_code(&self.role.arn),
            self.role.trusts
        );
        o.push_str("## Files\n\n");
        for p in &self.policies {
            let _ = writeln!(
                o,
                "- {}: identity policy {} ({} of {} characters)",
                md_code(&p.file),
                md_code(&p.arn),
                p.size,
                p.limit
            );
        }
        if self.policies.is_empty() {
            o.push_str(
                "- no identity policy: the agent has no AWS grants, so its role may do nothing\n",
            );
        }
        if let Some(b) = &self.boundary {
            let _ = writeln!(
                o,
                "- {}: optional permissions boundary {}: the Allow statements without their conditions, a ceiling for anything else attached to the role",
                md_code(&b.file),
                md_code(&b.arn)
            );
        }
        let _ = writeln!(
            o,
            "- `trust-policy.json`, `role.json`: the role, `MaxSessionDuration` {}\n- `assume-role.json`: the session to request, `DurationSeconds` {}\n",
            self.role.max_session_duration, self.role.session_duration
        );
        o.push_str("Deploy (from this directory):\n\n```sh\naws iam create-role --cli-input-json file://role.json\n");
        for p in self.policies.iter().chain(self.boundary.iter()) {
            let _ = writeln!(
                o,
                "aws iam create-policy --path {POLICY_PATH} --policy-name {} --policy-document file://{}",
                p.name, p.file
            );
        }
        for p in &self.policies {
            let _ = writeln!(
                o,
                "aws iam attach-role-policy --role-name {} --policy-arn {}",
                self.role.name, p.arn
            );
        }
        if let Some(b) = &self.boundary {
            let _ = writeln!(
                o,
                "aws iam put-role-permissions-boundary --role-name {} --permissions-boundary {}  # optional",
                self.role.name, b.arn
            );
        }
        o.push_str("```\n\n## Statements\n\n");
        for s in &self.statements {
            let rules: Vec<String> = s.rules.iter().map(rule_text).collect();
            let _ = writeln!(
                o,
                "- {} ({:?}, in {}): {}",
                md_code(&s.sid),
                s.effect,
                md_code(&s.file),
                rules.join("; ")
            );
        }
        if self.statements.is_empty() {
            o.push_str("None.\n");
        }
        o.push_str("\n## Enforced by OPA/Cedar only\n\n");
        if self.holes.is_empty() {
            o.push_str("Nothing: IAM enforces every AWS grant of this agent exactly.\n");
        }
        for h in &self.holes {
            let rule = h
                .rule
                .as_ref()
                .map(|r| format!("{}: ", rule_text(r)))
                .unwrap_or_default();
            let _ = writeln!(o, "- {rule}{}: {}", md_code(&h.what), escape_text(&h.why));
        }
        section(&mut o, "ARN segments left `*`", &self.wildcards);
        section(&mut o, "Credentials", &self.credentials);
        let tools: Vec<String> = self
            .tools_without_aws
            .iter()
            .map(|t| format!("{} (not in IAM)", md_code(t)))
            .collect();
        section(&mut o, "Granted tools without an AWS mapping", &tools);
        section(&mut o, "Notes", &self.notes);
        o
    }
}

fn rule_text(r: &RuleRef) -> String {
    let preset = r
        .preset
        .as_ref()
        .map(|p| format!(" from preset {}", md_code(p)))
        .unwrap_or_default();
    format!("rule {} at {}{preset}", md_code(&r.id), md_code(&r.source))
}

fn section(o: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n## {title}\n");
    for l in lines {
        let _ = writeln!(o, "- {}", escape_text(l));
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub agent: String,
    pub directory: String,
    pub role: String,
    pub policies: Vec<String>,
    pub statements: usize,
    pub enforced_by_opa_cedar_only: usize,
}

/// The top-level summary: every agent, with or without IAM files.
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub policy_set: String,
    pub reference: String,
    pub agents: Vec<IndexEntry>,
    /// Agents that declare no `aws role`: no IAM files.
    pub without_role: Vec<String>,
}

impl Index {
    pub fn new(set: &str) -> Self {
        let reference = super::reference::get()
            .map(|r| format!("{} (checked {})", r.source, r.updated))
            .unwrap_or_default();
        Index {
            policy_set: set.to_string(),
            reference,
            agents: Vec::new(),
            without_role: Vec::new(),
        }
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# IAM policies of {}\n", md_code(&self.policy_set));
        let _ = writeln!(
            o,
            "One directory per agent with an AWS role; its `summary.md` traces every statement to its rule. IAM actions checked against {}.\n",
            md_code(&self.reference)
        );
        o.push_str("## Agents\n\n");
        if self.agents.is_empty() {
            o.push_str("None declares an AWS role.\n");
        }
        for a in &self.agents {
            let _ = writeln!(
                o,
                "- {} in {}: role {}, {} statement(s) in {}, {} constraint(s) enforced by OPA/Cedar only",
                md_code(&a.agent),
                md_code(&a.directory),
                md_code(&a.role),
                a.statements,
                if a.policies.is_empty() { "no policy".to_string() } else { a.policies.join(", ") },
                a.enforced_by_opa_cedar_only
            );
        }
        if !self.without_role.is_empty() {
            o.push_str("\n## Agents without an AWS role (no IAM files)\n\n");
            for a in &self.without_role {
                let _ = writeln!(o, "- {}", md_code(a));
            }
        }
        o
    }
}

/// A Markdown code span that shows `s` literally: control and bidirectional
/// characters escaped, the fence longer than any run of backticks inside.
pub fn md_code(s: &str) -> String {
    let clean = escape_text(s);
    let longest = clean.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if clean.starts_with('`') || clean.ends_with('`') || clean.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{clean}{pad}{fence}")
}

/// Escapes characters that could change how a line reads (controls,
/// bidirectional overrides) so that text stays on its line.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(md_code("a"), "`a`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code("x\ny"), "`x\\u{a}y`");
        assert!(!md_code("\u{202e}evil").contains('\u{202e}'));
    }
}
