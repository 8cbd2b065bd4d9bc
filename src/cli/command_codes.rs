//! Codes of command-line problems (AP530–AP539) that are not about a
//! policy file: their documentation, for `agentpol explain`.

use agentpol::diagnostics::codes::CodeDoc;
use agentpol::diagnostics::{Code, Severity};

pub const INVALID_IMPORT: Code = Code::new("AP530", Severity::Error);
pub const INVALID_TEST_RUN: Code = Code::new("AP531", Severity::Error);
pub const INVALID_DIFF: Code = Code::new("AP542", Severity::Error);
pub const GIT_FAILED: Code = Code::new("AP543", Severity::Error);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: INVALID_IMPORT,
        name: "invalid-import",
        summary: "`agentpol import` cannot produce declarations from its input",
        explanation: "The imported tools need a namespace: give `--namespace NAME` (dotted agentpol names, e.g. `github` or `acme.files`), or `--server server.json` so it is taken from the registry name. A listing must hold at least one tool; a `server.json` record alone carries none, so pass the server's `tools/list` result as FILE and the record with `--server`.",
    },
    CodeDoc {
        code: INVALID_TEST_RUN,
        name: "invalid-test-run",
        summary: "`agentpol test` found nothing to run or cannot run an engine",
        explanation: "`agentpol test` runs the policy tests of a policy set: `tests/*.json`, `tests/*.yaml` and the request files `requests/allow-*.json`, `requests/deny-*.json`, `requests/approval-*.json`. A set without any fails, so a CI job that lost its tests does not pass silently. With `--engines rego|cedar|all` the policy set must also build for those targets.",
    },
    CodeDoc {
        code: INVALID_DIFF,
        name: "invalid-diff",
        summary: "`agentpol diff` needs two policy sets, or a revision and one path",
        explanation: "`agentpol diff OLD NEW` compares two policy set directories; `agentpol diff --base REV [PATH]` compares the policy set at PATH (default `.`) in the working tree with the same path at git revision REV.",
    },
    CodeDoc {
        code: GIT_FAILED,
        name: "diff-git-failed",
        summary: "`agentpol diff --base` cannot read the revision from git",
        explanation: "The base side is extracted with `git archive REV -- PATH`: `git` must be on PATH, PATH must be inside a git work tree, REV must name a commit (`git rev-parse REV`), and the policy set must exist at that revision.",
    },
];

pub fn lookup(code: &str) -> Option<&'static CodeDoc> {
    CODES
        .iter()
        .find(|d| d.code.as_str().eq_ignore_ascii_case(code))
}
