//! The one integration test binary; each area is a submodule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod generators;
mod rego;
