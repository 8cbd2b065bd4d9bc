//! The one integration test binary; each area is a submodule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod common;
mod eval;
mod frontend;
mod generators;
mod iam;
mod k8s;
mod robustness;
