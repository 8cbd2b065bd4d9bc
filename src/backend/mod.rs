//! ⑥ Backends. Input: the checked [`Model`] (never the syntax tree). Output:
//! in-memory [`Artifact`]s (relative path + bytes) that the CLI writes
//! atomically. Every backend is default-deny, deterministic (same model, same
//! bytes) and escapes every user string it emits. What a target cannot
//! express is reported as an AP4xx diagnostic, never silently dropped.

pub mod cedar;
pub mod iam;
pub mod k8s;
pub mod rego;

use crate::diagnostics::Diagnostic;
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
