//! ⑥ Backends. Input: the checked [`Model`] (never the syntax tree). Output:
//! in-memory [`Artifact`]s (relative path + bytes) that the CLI writes
//! atomically. Every backend is default-deny, deterministic (same model, same
//! bytes) and escapes every user string it emits. What a target cannot
//! express is reported as an AP4xx diagnostic, never silently dropped.

pub mod cedar;
pub mod iam;
pub mod k8s;
pub mod rego;

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::Model;
use crate::source::SourceMap;

/// One generated file, relative to the target's output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: Vec<u8>,
}

impl Artifact {
    pub fn text(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Artifact {
            path: path.into(),
            contents: contents.into().into_bytes(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Rego,
    Cedar,
    Iam,
    K8s,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Rego, Target::Cedar, Target::Iam, Target::K8s];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Rego => "rego",
            Target::Cedar => "cedar",
            Target::Iam => "iam",
            Target::K8s => "k8s",
        }
    }
}

/// What a backend needs besides the model: the sources, to trace rules back
/// to `file:line` in comments and annotations.
pub struct Input<'a> {
    pub model: &'a Model,
    pub sources: &'a SourceMap,
    /// The policy set's name (its `agentpol.toml` `name`, or its directory).
    pub set_name: &'a str,
}

/// Artifacts, or the diagnostics that prevented generating them. Warnings
/// may accompany a successful build.
pub struct Output {
    pub artifacts: Vec<Artifact>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Generates one target. A backend that reports an error diagnostic must
/// return no artifacts: nothing half-generated is ever written.
pub fn generate(target: Target, input: &Input<'_>) -> Output {
    crate::source::with_stack(|| match target {
        Target::Rego => rego::generate(input),
        Target::Cedar => cedar::generate(input),
        Target::Iam => iam::generate(input),
        Target::K8s => k8s::generate(input),
    })
}

/// Every error a `build` of any target would raise for this policy set, so
/// that `check` reports what `build` would refuse, with the same codes,
/// labels and help. Each backend's refusals depend only on the policy
/// (identity and naming rules of the target, what it cannot express, its
/// size quotas); the only exception, AP412 (a serialisation bug in agentpol,
/// not something the policy did), is left out. Warnings are left to `build`.
/// Diagnostics two targets share (an invalid Kubernetes namespace is
/// refused by both `k8s` and `iam`) are reported once, sorted by position.
pub fn validate(input: &Input<'_>) -> Vec<Diagnostic> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    for target in Target::ALL {
        let found = match target {
            Target::Rego => rego::validate(input),
            _ => generate(target, input).diagnostics,
        };
        for d in found {
            if d.severity == Severity::Error
                && d.code != rego::INTERNAL
                && !errors.iter().any(|e| same(e, &d))
            {
                errors.push(d);
            }
        }
    }
    crate::diagnostics::sort(&mut errors);
    errors
}

/// Same code, message and labels: one diagnostic raised by two targets.
fn same(a: &Diagnostic, b: &Diagnostic) -> bool {
    a.code == b.code && a.message == b.message && a.labels == b.labels
}
