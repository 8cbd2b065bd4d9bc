//! ⑦ Cross-checks: the checked [`Model`](crate::model::Model) against facts
//! from outside the policy set, supplied by the user as data. Output:
//! diagnostics (AP230–AP239) that go through the normal `check` output.
//!
//! - [`mcp`]: a pinned tool whose MCP listing changed (capability creep);
//! - [`infra`]: IAM policies and network policies that allow more than the
//!   declaration (cross-layer gaps).
//!
//! Nothing here touches the network: the CLI reads the files and hands over
//! their text.

pub mod infra;
pub mod mcp;
