//! What the Rego target refuses to build, with stable codes (AP41x is the
//! Rego backend's range). Each diagnostic names the construct and the target.

use super::data::MAX_DEPTH;
use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::model::{Tool, Type};
use crate::source::Span;

pub const CONDITION_TOO_DEEP: Code = Code::new("AP410", Severity::Error);
pub const UNSUPPORTED_TYPE: Code = Code::new("AP411", Severity::Error);
pub const INTERNAL: Code = Code::new("AP412", Severity::Error);

/// Documentation of the Rego backend's codes, for `agentpol explain`.
pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: CONDITION_TOO_DEEP,
        name: "rego-condition-too-deep",
        summary: "a condition nests `and` and `or` deeper than the rego target evaluates",
        explanation: "Rego has no recursion, so the generated policy evaluates conditions with a fixed ladder of functions, one per level of nesting (after negations are pushed down to the tests and nested `and`s or `or`s are merged). A condition that alternates `and` and `or` more than 8 times cannot be evaluated, and agentpol refuses to build rather than drop it. Tests on resource attributes count as one or two levels, because they expand to tests on the resource name.\n\nBad:\n    allow t.post where a and (b or (c and (d or (e and ...))))\n\nGood:\n    allow t.post where a and b\n    allow t.post where a and c and d",
    },
    CodeDoc {
        code: UNSUPPORTED_TYPE,
        name: "rego-unsupported-argument-type",
        summary: "a tool argument has a type the rego target cannot check",
        explanation: "The generated policy checks list elements against a scalar type; a list of lists cannot be validated, so agentpol refuses to build rather than accept unchecked values.\n\nBad:\n    arg rows: list<list<string>>\n\nGood:\n    arg rows: list<string>",
    },
    CodeDoc {
        code: INTERNAL,
        name: "rego-internal-error",
        summary: "the rego target could not serialise its artifacts",
        explanation: "Serialising the generated data document in memory does not fail for the types agentpol writes; if it ever does, the build stops with this diagnostic and writes nothing instead of writing a partial bundle. It is a bug in agentpol: please report it with the policy set that caused it.",
    },
];

pub fn condition_too_deep(rule: &str, depth: usize, span: Span) -> Diagnostic {
    Diagnostic::error(
        CONDITION_TOO_DEEP,
        format!(
            "the condition of `{rule}` nests {depth} levels of `and`/`or`, more than the `rego` target evaluates ({MAX_DEPTH})"
        ),
    )
    .primary(span, "this rule")
    .note("Rego has no recursion: the generated policy evaluates conditions with a fixed number of levels")
    .help("split the rule into several rules (one per alternative of an `or`), or simplify its condition")
}

pub fn unsupported_type(tool: &Tool, arg: &str, ty: &Type) -> Diagnostic {
    Diagnostic::error(
        UNSUPPORTED_TYPE,
        format!(
            "argument `{arg}` of `{}` has type `{}`, which the `rego` target cannot check",
            tool.name,
            ty.describe()
        ),
    )
    .primary(tool.span, "declared here")
    .help("use a list of scalars (string, int, enum)")
}
