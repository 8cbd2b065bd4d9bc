//! Settings from `agentpol.toml` that change what the analyzer reports.

use super::smt::Limits;
use super::suppress;
use crate::diagnostics::Severity;
use std::collections::BTreeMap;

/// Settings from `agentpol.toml` that change what is reported.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Per-code severity; `None` turns the code off.
    pub severity: BTreeMap<String, Option<Severity>>,
    pub suppress: Vec<suppress::ConfigSuppression>,
    pub limits: Limits,
}
