//! The analyzer: the SMT layer, the check corpus (risky and fixed policies
//! per check, witnesses confirmed by the reference evaluator), the registry,
//! and the rendered outputs (human, JSON, SARIF).

mod smt;
mod strings;
