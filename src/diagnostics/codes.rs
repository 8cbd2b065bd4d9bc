//! The table of stable diagnostic codes for the front end (AP0xx syntax,
//! AP1xx resolve and check). Analysis checks (AP2xx, AP3xx) carry their codes
//! and documentation in their own files under `analysis/`; backends use AP4xx.
//! A code is never reused.

use super::Severity;
use serde::{Serialize, Serializer};

/// A stable diagnostic code such as `AP101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(&'static str, Severity);

impl Code {
    pub const fn new(code: &'static str, severity: Severity) -> Self {
        Code(code, severity)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    pub fn default_severity(self) -> Severity {
        self.1
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Documentation of one code, printed by `agentpol explain`.
#[derive(Debug, Clone, Copy)]
pub struct CodeDoc {
    pub code: Code,
    pub name: &'static str,
    pub summary: &'static str,
    pub explanation: &'static str,
}

const E: Severity = Severity::Error;

pub const SYNTAX_ERROR: Code = Code::new("AP001", E);
pub const INVALID_STRING: Code = Code::new("AP002", E);
pub const INVALID_NUMBER: Code = Code::new("AP003", E);
pub const INPUT_TOO_LARGE: Code = Code::new("AP004", E);
pub const UNKNOWN_MODULE: Code = Code::new("AP101", E);
pub const IMPORT_CYCLE: Code = Code::new("AP102", E);
pub const DUPLICATE_NAME: Code = Code::new("AP103", E);
pub const UNKNOWN_TOOL: Code = Code::new("AP104", E);
pub const UNKNOWN_ARGUMENT: Code = Code::new("AP105", E);
pub const TYPE_MISMATCH: Code = Code::new("AP106", E);
pub const IMPOSSIBLE_UNIT: Code = Code::new("AP107", E);
pub const UNKNOWN_RESOURCE_TYPE: Code = Code::new("AP108", E);
pub const UNKNOWN_AGENT: Code = Code::new("AP109", E);
pub const UNKNOWN_ENUM_VALUE: Code = Code::new("AP110", E);
pub const UNKNOWN_NAME: Code = Code::new("AP111", E);
pub const NO_RESOURCE_ARGUMENT: Code = Code::new("AP112", E);
pub const INVALID_ENDPOINT: Code = Code::new("AP113", E);
pub const INVALID_CONFIG: Code = Code::new("AP114", E);
pub const DUPLICATE_SETTING: Code = Code::new("AP115", E);
pub const INVALID_TOOL: Code = Code::new("AP116", E);
pub const INVALID_COUNT: Code = Code::new("AP117", E);
pub const NOT_IN_PRESET: Code = Code::new("AP118", E);
pub const UNKNOWN_KEYWORD: Code = Code::new("AP119", E);
pub const INVALID_PIN: Code = Code::new("AP150", E);

pub const TABLE: &[CodeDoc] = &[
    CodeDoc {
        code: SYNTAX_ERROR,
        name: "syntax-error",
        summary: "the text is not valid agentpol syntax",
        explanation: "The parser expected something else at the labelled position.\n\nBad:\n    allow slack.post_message where channel ==\n\nGood:\n    allow slack.post_message where channel == \"#support\"",
    },
    CodeDoc {
        code: INVALID_STRING,
        name: "invalid-string",
        summary: "a string literal has an unknown escape or a forbidden character",
        explanation: "Strings accept the escapes \\\" \\\\ \\n \\t and \\u{XXXX}. NUL, other control characters and Unicode bidirectional overrides are rejected because they can hide text from reviewers (\"Trojan Source\") or break generated artifacts.\n\nBad:\n    owner \"ops\\q\"\n\nGood:\n    owner \"ops@acme.example\"",
    },
    CodeDoc {
        code: INVALID_NUMBER,
        name: "invalid-number",
        summary: "a number does not fit or has the wrong form",
        explanation: "Integers are 64-bit signed; counts and durations are non-negative.\n\nBad:\n    limit slack.post_message 99999999999999999999 per session\n\nGood:\n    limit slack.post_message 20 per session",
    },
    CodeDoc {
        code: INPUT_TOO_LARGE,
        name: "input-too-large",
        summary: "a file, string literal or list is larger than agentpol accepts",
        explanation: "agentpol bounds its work on every input, so that no policy, however large or hostile, can make `check` run for minutes or exhaust memory. The limits: a policy file of at most 16 MiB, a string literal of at most 65,536 characters, a list literal of at most 100,000 elements (nesting is limited too, see AP001). A file over a limit is reported and not analyzed.\n\nBad:\n    allow payments.pay_vendor where vendor in [\"vvvv…(70,000 characters)…\"]\n\nGood: split large data into several declarations, or refer to it by a short identifier.",
    },
    CodeDoc {
        code: UNKNOWN_MODULE,
        name: "unknown-module",
        summary: "`use` names a module that does not exist",
        explanation: "`use std.X` loads the standard library module X; `use a.b` loads the file a/b.agentpol of the same policy set.\n\nBad:\n    use std.slak\n\nGood:\n    use std.slack",
    },
    CodeDoc {
        code: IMPORT_CYCLE,
        name: "import-cycle",
        summary: "modules `use` each other in a cycle",
        explanation: "Modules form a tree so that every name has one clear origin. Move the shared declarations into a third module that both use.",
    },
    CodeDoc {
        code: DUPLICATE_NAME,
        name: "duplicate-name",
        summary: "the same name is declared twice",
        explanation: "Agents, tools, resource types, resources, sanitizers, presets and tool arguments must have unique names.\n\nBad:\n    agent triage { }\n    agent triage { }",
    },
    CodeDoc {
        code: UNKNOWN_TOOL,
        name: "unknown-tool",
        summary: "a rule names a tool that is not declared or not imported",
        explanation: "Declare the tool, or `use` the standard library module that declares it.\n\nBad:\n    allow slack.post_mesage\n\nGood:\n    use std.slack\n    allow slack.post_message",
    },
    CodeDoc {
        code: UNKNOWN_ARGUMENT,
        name: "unknown-argument",
        summary: "a constraint names an argument the tool does not have",
        explanation: "Constraints may refer to the tool's declared arguments, `resource.sensitivity`, `resource.external`, `resource.owner`, `context.justification`, and `.minor` / `.currency` of money arguments.",
    },
    CodeDoc {
        code: TYPE_MISMATCH,
        name: "type-mismatch",
        summary: "a constraint compares values of different types",
        explanation: "Each operator has typed operands: `<` needs an integer, duration or money; `like` needs a string; `any`/`all`/`contains` need a list.\n\nBad:\n    allow jira.read_issue where project > 3\n\nGood:\n    allow jira.read_issue where project == \"SUP\"",
    },
    CodeDoc {
        code: IMPOSSIBLE_UNIT,
        name: "impossible-unit",
        summary: "a duration or money value has a unit that cannot apply",
        explanation: "Durations take the units s, m, h and d. Money literals are `USD 12.50`: a known currency code and no more decimals than the currency has; they compare only with money arguments of the same fixed currency.\n\nBad:\n    credentials ttl 15y\n    allow pay.charge where amount <= EUR 10.00   # amount is money(USD)\n\nGood:\n    credentials ttl 15m\n    allow pay.charge where amount <= USD 10.00",
    },
    CodeDoc {
        code: UNKNOWN_RESOURCE_TYPE,
        name: "unknown-resource-type",
        summary: "a resource or tool names an undeclared resource type",
        explanation: "Declare it with `resource type NAME`, or `use` the module that declares it.",
    },
    CodeDoc {
        code: UNKNOWN_AGENT,
        name: "unknown-agent",
        summary: "delegation names an agent that is not declared in the policy set",
        explanation: "`delegate to [x]` must name agents declared somewhere in the same policy set.",
    },
    CodeDoc {
        code: UNKNOWN_ENUM_VALUE,
        name: "unknown-enum-value",
        summary: "a value is not one of the allowed words",
        explanation: "Enum arguments, effects (read, write, delete, communicate, spend, execute, merge, admin, network), trust (trusted, untrusted), sensitivity (public, internal, confidential, secret), memory (none, read_only, writable) and extraction kinds (bool, int, enum) take a fixed set of values.",
    },
    CodeDoc {
        code: UNKNOWN_NAME,
        name: "unknown-name",
        summary: "a preset or sanitizer is not declared or not imported",
        explanation: "`apply NAME` needs a preset and `via NAME` a sanitizer declared in this file or in a module it uses.",
    },
    CodeDoc {
        code: NO_RESOURCE_ARGUMENT,
        name: "no-resource-argument",
        summary: "a constraint uses `resource.*` on a tool that acts on no resource",
        explanation: "Resource attributes come from the argument a tool names in its `resource TYPE(arg)` line.",
    },
    CodeDoc {
        code: INVALID_ENDPOINT,
        name: "invalid-endpoint",
        summary: "an endpoint is not `host:port` or `CIDR:port`",
        explanation: "Egress entries and tool endpoints are `host:port`, `*.domain:port` or `10.0.0.0/8:port`, with a port from 1 to 65535; `*:port` allows every host on that port (it is `0.0.0.0/0:port`, and AP216 warns about it). Every port at once (`*:*`, `host:*`) cannot be written: list the ports.\n\nBad:\n    egress [\"https://slack.com\"]\n\nGood:\n    egress [\"slack.com:443\"]",
    },
    CodeDoc {
        code: INVALID_CONFIG,
        name: "invalid-config",
        summary: "`agentpol.toml` is not valid",
        explanation: "agentpol.toml marks the root of a policy set. Known keys: `name`, `[check] fail_on`, `[severity]` (code = \"error\"|\"warning\"|\"info\"|\"off\"), `[[suppress]]` entries with `code`, optional `agent`, and a required `reason`, `[analysis] rlimit` (the solver's deterministic resource limit per query) and `[analysis] max_queries` (the most questions one analysis hands to the solver).",
    },
    CodeDoc {
        code: DUPLICATE_SETTING,
        name: "duplicate-setting",
        summary: "an agent sets the same property twice",
        explanation: "Properties such as `owner`, `credentials`, `memory` or `budget` may appear once per agent; the second would silently win otherwise.",
    },
    CodeDoc {
        code: INVALID_TOOL,
        name: "invalid-tool",
        summary: "a tool declaration is incomplete or inconsistent",
        explanation: "A tool needs at least one effect; its resource argument must be a required string; `spends` must name a money argument of a tool with the `spend` effect, and a `spend` tool must say which argument it spends.",
    },
    CodeDoc {
        code: INVALID_COUNT,
        name: "invalid-count",
        summary: "an approval count, limit or budget is not positive",
        explanation: "`count` must be at least 1; limits and budgets must be positive numbers.",
    },
    CodeDoc {
        code: NOT_IN_PRESET,
        name: "not-allowed-in-preset",
        summary: "a preset contains an agent-only property",
        explanation: "Presets hold rules (allow, deny, approve, limit, log, audit); identity properties such as owner, domain, credentials or egress belong to the agent.",
    },
    CodeDoc {
        code: UNKNOWN_KEYWORD,
        name: "unknown-keyword",
        summary: "a word in a fixed position is not one the language knows",
        explanation: "For example `memory` takes none, read_only or writable and a tool's `output` takes a trust and a sensitivity.",
    },
    CodeDoc {
        code: INVALID_PIN,
        name: "invalid-pin",
        summary: "a tool's `pin` or `source` is malformed or repeated",
        explanation: "`agentpol import mcp` writes `pin \"sha3-256:<64 lowercase hex digits>\"`: the hash of the tool's MCP listing (see `agentpol import mcp --help`). `agentpol check --mcp FILE` compares it with a newer `tools/list`. A pin in any other form could never match, so it is rejected; a tool has at most one `pin` and one `source`.\n\nBad:\n    pin \"sha256:abc\"\n\nGood:\n    pin \"sha3-256:5d0e...\"   (copy it from `agentpol import mcp` output)",
    },
];

/// Documentation for a front-end code.
pub fn lookup(code: &str) -> Option<&'static CodeDoc> {
    TABLE
        .iter()
        .find(|d| d.code.as_str().eq_ignore_ascii_case(code))
}
