//! Renderers turn [`Diagnostic`](super::Diagnostic) data into text. The human
//! renderer uses codespan-reporting because one diagnostic may label several
//! files (a user policy and the stdlib tool it uses).

pub mod human;
pub mod json;
