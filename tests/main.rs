//! The one integration test binary; each area is a submodule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analysis;
mod cedar;
mod cli;
mod cli_output;
mod common;
mod corpus;
mod determinism;
mod diff;
mod editors;
mod eval;
mod format;
mod frontend;
mod generators;
mod iam;
mod infra;
mod k8s;
mod lsp;
mod mcp;
mod policy_tests;
mod precommit;
mod presets;
mod registry;
mod rego;
mod report;
mod robustness;
mod syntax_recovery;
mod targets;
mod workflow;
