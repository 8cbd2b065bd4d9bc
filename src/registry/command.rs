//! Codes of command-line and usage problems: a path that does not exist,
//! a command given several policy sets, a request that is not a request.
//! They are not about a policy file, so they carry no span; the command
//! stops with exit status 2 and prints the code, the message and the help.

use crate::diagnostics::codes::CodeDoc;
use crate::diagnostics::{Code, Severity};

const E: Severity = Severity::Error;

pub const SET_HAS_ERRORS: Code = Code::new("AP501", E);
pub const PATH_NOT_FOUND: Code = Code::new("AP502", E);
pub const NOT_IN_POLICY_SET: Code = Code::new("AP503", E);
pub const NOT_ONE_POLICY_SET: Code = Code::new("AP504", E);
pub const NO_TARGET: Code = Code::new("AP505", E);
pub const UNKNOWN_CODE: Code = Code::new("AP506", E);
pub const INVALID_REQUEST: Code = Code::new("AP507", E);
pub const NOT_A_DIRECTORY: Code = Code::new("AP508", E);
pub const INVALID_IMPORT: Code = Code::new("AP530", E);
pub const INVALID_TEST_RUN: Code = Code::new("AP531", E);
pub const UNKNOWN_AGENT: Code = Code::new("AP540", E);
pub const CANNOT_WRITE: Code = Code::new("AP541", E);
pub const INVALID_DIFF: Code = Code::new("AP542", E);
pub const GIT_FAILED: Code = Code::new("AP543", E);
pub const INIT_WOULD_OVERWRITE: Code = Code::new("AP550", E);
pub const UNKNOWN_PRESET: Code = Code::new("AP551", E);
pub const INVALID_SIGNING_KEY: Code = Code::new("AP552", E);
pub const SIGNING_WITHOUT_REGO: Code = Code::new("AP553", E);

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: SET_HAS_ERRORS,
        name: "policy-set-has-errors",
        summary: "the command needs a policy set without errors",
        explanation: "`eval`, `report`, `test` and `diff` decide requests with the checked model, which does not exist while the policy set has errors. The errors are printed above this one; `agentpol check` shows them with their own codes. Fix them, then run the command again.",
    },
    CodeDoc {
        code: PATH_NOT_FOUND,
        name: "path-not-found",
        summary: "a path given on the command line does not exist",
        explanation: "Paths are resolved against the working directory. Name a policy set directory (one holding an `agentpol.toml`), a folder that contains policy sets, or a file inside one.",
    },
    CodeDoc {
        code: NOT_IN_POLICY_SET,
        name: "not-in-policy-set",
        summary: "a path is not inside any policy set",
        explanation: "A policy set is a directory with an `agentpol.toml` (it may be empty) at its root; every `*.agentpol` file below it belongs to the set. Create one with `agentpol init`, or an empty `agentpol.toml` at the root of the policy files.",
    },
    CodeDoc {
        code: NOT_ONE_POLICY_SET,
        name: "not-one-policy-set",
        summary: "the command takes exactly one policy set",
        explanation: "`eval`, `report` and `test` answer for one policy set; the paths given hold several (or none). Name one policy set directory.",
    },
    CodeDoc {
        code: NO_TARGET,
        name: "no-target",
        summary: "`agentpol build` was given no target",
        explanation: "Name what to generate: `--target rego`, `cedar`, `iam`, `k8s` or `all`; the flag may be repeated.",
    },
    CodeDoc {
        code: UNKNOWN_CODE,
        name: "unknown-code",
        summary: "`agentpol explain` does not know the code",
        explanation: "Codes look like `AP104` or `AP201`. `agentpol check --list-checks` lists the analysis checks; every code agentpol reports is printed with its diagnostics.",
    },
    CodeDoc {
        code: INVALID_REQUEST,
        name: "invalid-request",
        summary: "the request given to `agentpol eval` is not valid JSON",
        explanation: "A request is one JSON object as `agentpol schema request` describes: `agent`, `tool`, optional `args`, `context` and `approvals`. A well-formed object that breaks the schema is decided (and denied) with the reason in the decision; text that is not JSON is this error.",
    },
    CodeDoc {
        code: NOT_A_DIRECTORY,
        name: "not-a-directory",
        summary: "a path that must be a directory is not one",
        explanation: "`check --infra DIR` reads every IAM policy JSON and Kubernetes YAML file below DIR; pass the folder that holds them. `init DIR` creates the policy set in DIR (made if missing), so DIR cannot be an existing file.",
    },
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
        code: UNKNOWN_AGENT,
        name: "unknown-agent-option",
        summary: "`--agent` names an agent the policy set does not declare",
        explanation: "The help line lists the agents of the policy set. Agent names are case-sensitive.",
    },
    CodeDoc {
        code: CANNOT_WRITE,
        name: "cannot-write-output",
        summary: "an output file could not be written",
        explanation: "Output is written to a temporary file beside the target and renamed over it, so a failed write leaves the previous file as it was. Check that the directory exists and is writable.",
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
    CodeDoc {
        code: INIT_WOULD_OVERWRITE,
        name: "init-would-overwrite",
        summary: "`agentpol init` would overwrite an existing file",
        explanation: "`agentpol init DIR` writes `agentpol.toml`, `policy.agentpol`, `.pre-commit-config.yaml` and sample requests under `requests/`, and never replaces a file that exists: when any of them is there (or a file stands where the `requests/` folder goes), it writes nothing and names them. Run it in a new or empty directory, or move those files away first.",
    },
    CodeDoc {
        code: UNKNOWN_PRESET,
        name: "unknown-init-preset",
        summary: "`agentpol init --preset` names a preset it has no starter for",
        explanation: "Each starter applies one preset of the standard library (`use std.presets.NAME`) and comes with sample requests written against its gates. The help line lists the presets `init` knows; without `--preset` it uses `table2`, the essay's reference checklist.",
    },
    CodeDoc {
        code: INVALID_SIGNING_KEY,
        name: "invalid-signing-key",
        summary: "the bundle signing key cannot be read or does not fit the algorithm",
        explanation: "`agentpol build --target rego --signing-key FILE` signs the OPA bundle as `opa build --signing-key` does. For `RS256`/`RS384`/`RS512` (the default is `RS256`) FILE is an RSA private key in PEM (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`); for `ES256`/`ES384` an EC private key in PEM (PKCS#8 `BEGIN PRIVATE KEY`; a SEC1 `BEGIN EC PRIVATE KEY` converts with `openssl pkcs8 -topk8 -nocrypt`); for `HS256`/`HS384`/`HS512` FILE holds the shared secret (its bytes, as OPA reads `--verification-key` for HMAC). OPA verifies with the public key (or the secret): `opa run --server --verification-key public.pem --bundle bundle.tar.gz`, adding `--signing-alg ALG` for an algorithm other than RS256.",
    },
    CodeDoc {
        code: SIGNING_WITHOUT_REGO,
        name: "signing-without-rego",
        summary: "`--signing-key` was given without the rego target",
        explanation: "Only the OPA bundle (`--target rego`, `bundle.tar.gz`) carries a signature; the other targets are loaded by systems with their own integrity controls. Add `--target rego` or `--target all`, or leave out `--signing-key`.",
    },
];
