//! agentpol: a compiler and static analyzer for AI-agent permissions.
//!
//! ```text
//!  *.agentpol ──① syntax──▶ AST ──② resolve──▶ Program ──③ check──▶ ④ Model
//!  (pest)                  (spans)   (use, names)        (types, units)   │
//!                                                                         ├─▶ model::eval::decide   (reference semantics)
//!                                                                         ├─▶ ⑤ graph + analysis   (petgraph, z3)
//!                                                                         ├─▶ ⑥ backend            (rego, cedar, iam, k8s)
//!                                                                         └─▶ ⑦ report
//! ```
//!
//! [`ide`] answers editor queries (symbols, hover, completion, fixes) over
//! a compiled set for `agentpol lsp`.
//!
//! Every stage reports into a [`diagnostics::Sink`] and carries on. Only `cli`
//! reads files, writes files or prints; the core is pure.

pub mod analysis;
pub mod backend;
pub mod check;
pub mod crosscheck;
pub mod diagnostics;
pub mod graph;
pub mod ide;
pub mod mcp;
pub mod model;
pub mod policy_set;
pub mod policy_tests;
pub mod registry;
pub mod report;
pub mod resolve;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod synth;

pub use policy_set::{analyze, compile, compile_str, set_name, target_errors, Compiled};
