//! The checks, one file each. A file's `//!` comment is the check's
//! documentation (What it does / Why it matters / Example / Use instead),
//! printed by `agentpol explain CODE`; its `CHECK` constant holds the code,
//! default severity, summary and logic, and is listed once in
//! `analysis::CHECKS`.

pub mod allow_deny_overlap;
pub mod approval_bypassed;
pub mod approval_never_fires;
pub mod approval_on_every_call;
pub mod browser_bypass;
pub mod cross_agent_flow;
pub mod exfiltration;
pub mod lethal_trifecta;
pub mod long_lived_credentials;
pub mod missing_audit_log;
pub mod missing_justification;
pub mod multi_domain_agent;
pub mod self_modifying_memory;
pub mod shadowed_grant;
pub mod solver_unknown;
pub mod spend_exceeds_budget;
pub mod suppression_without_reason;
pub mod unapproved_spend;
pub mod unconfirmed_witness;
pub mod unsatisfiable_condition;
pub mod untrusted_to_privileged;
pub mod wildcard_egress;
pub mod wildcard_grant;
