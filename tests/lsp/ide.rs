//! The editor queries as library functions: positions, symbols, hover,
//! completion and fixes, without the protocol.

use agentpol::ide::position::{LineIndex, Utf16Pos};

#[test]
fn utf16_positions_on_a_non_ascii_line() {
    // `é` is 2 bytes and 1 UTF-16 unit, `☕` 3 bytes and 1 unit, `🚀` 4 bytes and 2 units.
    let text = "tool t {\n  doc \"Café ☕ 🚀 日本\" verb x\n}\n";
    let index = LineIndex::new(text);
    let verb = text.find("verb").unwrap();
    assert_eq!(verb, 39);
    let pos = index.position(verb);
    assert_eq!(pos, Utf16Pos { line: 1, col: 21 });
    assert_eq!(index.offset(pos), verb);
    // Every character boundary round-trips.
    for (i, _) in text.char_indices() {
        assert_eq!(index.offset(index.position(i)), i, "offset {i}");
    }
    // Inside the surrogate pair of `🚀`: the character's start.
    let rocket = text.find('🚀').unwrap();
    let p = index.position(rocket);
    assert_eq!(
        index.offset(Utf16Pos {
            line: p.line,
            col: p.col + 1
        }),
        rocket
    );
    // Past the end of a line: its end (before the newline); past the last line: the end.
    assert_eq!(index.offset(Utf16Pos { line: 0, col: 99 }), 8);
    assert_eq!(index.offset(Utf16Pos { line: 9, col: 0 }), text.len());
    // Inside a multi-byte character: clamped to its start.
    assert_eq!(index.position(rocket + 1), p);
}

use agentpol::ide::{self, CompletionKind, Snapshot, SymbolKind};
use agentpol::source::{FileId, Origin, SourceMap};

const TOOLS: &str = "resource type crm.account { sensitivity internal }
resource crm.account \"acme-*\" { sensitivity confidential }

tool crm.update {
  doc \"Update an account\"
  resource crm.account(account)
  arg account: string
  arg tier: enum[\"free\", \"pro\"]
  arg tags?: list<enum[\"vip\", \"churn\"]>
  arg amount: money(USD)
  effects [write]
  output trusted internal
  aws [\"dynamodb:UpdateItem\"] on \"arn:${Partition}:dynamodb:${Region}:${Account}:table/{account}\"
}

sanitizer text.clean \"strips markup\"
";

const AGENTS: &str = "use tools

agent sales {
  owner \"sales@acme.example\"
  delegate to [helper]
  allow crm.update where tier == \"pro\" and amount <= USD 10.00
    approve when tier == \"free\" by group \"leads\" count 2
  budget USD 100.00 per session
}

agent helper {
  owner \"h@acme.example\"
  allow crm.update where account like \"acme-*\"
}
";

fn snapshot(files: &[(&str, &str)]) -> (Snapshot, Vec<FileId>) {
    let mut sources = SourceMap::new();
    let ids: Vec<FileId> = files
        .iter()
        .map(|(n, t)| sources.add(*n, *t, Origin::User))
        .collect();
    (Snapshot::build(sources, None, &ids), ids)
}

fn offset(text: &str, needle: &str, nth: usize) -> usize {
    text.match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth}"))
        .0
}

#[test]
fn definitions_and_references_across_files() {
    let (snap, ids) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", AGENTS)]);
    assert!(
        !snap.compiled.has_errors(),
        "{:?}",
        snap.compiled.diagnostics
    );
    let (tools, agents) = (ids[0], ids[1]);
    // `crm.update` in a rule → its declaration in the other file.
    let use_at = offset(AGENTS, "crm.update", 0) + 2;
    let def = snap.definition(agents, use_at).unwrap();
    assert_eq!(
        (def.file, def.start),
        (tools, offset(TOOLS, "crm.update", 0))
    );
    // References: the declaration and both rules.
    let refs = snap.references(agents, use_at);
    assert_eq!(refs.len(), 3, "{refs:?}");
    // An argument in a condition → the `arg` line; `amount` in `where` too.
    let tier = snap.definition(agents, offset(AGENTS, "tier", 1)).unwrap();
    assert_eq!(tier.start, offset(TOOLS, "tier", 0));
    assert_eq!(snap.references(tools, tier.start).len(), 3); // arg, where, approve when
                                                             // Delegation → the agent; `use tools` → the module (its file's start).
    let helper = snap
        .definition(agents, offset(AGENTS, "helper", 0))
        .unwrap();
    assert_eq!(helper.start, offset(AGENTS, "helper", 1));
    let module = snap.definition(agents, offset(AGENTS, "tools", 0)).unwrap();
    assert_eq!((module.file, module.start), (tools, 0));
    // The resource type named in the tool and in the resource declaration.
    let rt = snap
        .definition(tools, offset(TOOLS, "crm.account", 2))
        .unwrap();
    assert_eq!(rt.start, offset(TOOLS, "crm.account", 0));
    assert_eq!(snap.references(tools, rt.start).len(), 3);
    // Nothing at a keyword.
    assert!(snap
        .definition(agents, offset(AGENTS, "budget", 0))
        .is_none());
}

#[test]
fn hover_shows_tool_facts_and_agent_summary() {
    let (snap, ids) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", AGENTS)]);
    let (_, text) = ide::hover(&snap, ids[1], offset(AGENTS, "crm.update", 0)).unwrap();
    assert!(text.starts_with("```agentpol\ntool crm.update(account: string, tier: enum[\"free\", \"pro\"], tags?: list<enum[\"vip\", \"churn\"]>, amount: money(USD))\n```\nUpdate an account\n"), "{text}");
    for fact in [
        "**effects** write",
        "**output** trusted internal",
        "**resource** `crm.account` named by `account`",
        "**aws** `dynamodb:UpdateItem` on `arn:${Partition}:dynamodb:${Region}:${Account}:table/{account}`",
    ] {
        assert!(text.contains(fact), "{fact} missing from {text}");
    }
    let (span, text) = ide::hover(&snap, ids[1], offset(AGENTS, "sales", 0)).unwrap();
    assert_eq!(span.start, offset(AGENTS, "sales", 0));
    assert_eq!(
        text,
        "```agentpol\nagent sales\n```\n**owner** sales@acme.example  \n**tools** (1) `crm.update`  \n**approvals** `crm.update` by leads ×2  \n**budget** USD 100.00 per session"
    );
    let code = ide::code_markdown("AP105").unwrap();
    assert!(code.starts_with("**AP105** (unknown-argument)"), "{code}");
    assert!(ide::code_markdown("AP220")
        .unwrap()
        .contains("missing-justification"));
    assert!(ide::code_markdown("AP999").is_none());
}

fn labels(snap: &Snapshot, file: FileId, at: usize) -> Vec<String> {
    ide::complete(snap, file, at)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

/// Completion in a file being typed: `edit` replaces `AGENTS`' first grant.
fn typing(edit: &str) -> (Snapshot, FileId, usize) {
    let text = AGENTS.replace(
        "allow crm.update where tier == \"pro\" and amount <= USD 10.00",
        edit,
    );
    let cursor = text.find('|').unwrap();
    let text = text.replace('|', "");
    let mut sources = SourceMap::new();
    let ids = [
        sources.add("tools.agentpol", TOOLS, Origin::User),
        sources.add("agents.agentpol", text, Origin::User),
    ];
    (Snapshot::build(sources, None, &ids), ids[1], cursor)
}

#[test]
fn completion_follows_the_context() {
    let (s, f, at) = typing("allow crm.update where |");
    let got = labels(&s, f, at);
    for want in [
        "account",
        "tier",
        "tags",
        "amount",
        "resource.sensitivity",
        "context.justification",
        "not",
        "has",
    ] {
        assert!(
            got.contains(&want.to_string()),
            "{want} missing from {got:?}"
        );
    }
    let kinds = ide::complete(&s, f, at);
    assert!(kinds.iter().any(|c| c.label == "tier"
        && c.kind == CompletionKind::Argument
        && c.detail.as_deref() == Some("enum[\"free\", \"pro\"]")));

    let (s, f, at) = typing("allow crm.update where amount <= USD 1.00 and ti|");
    assert!(labels(&s, f, at).contains(&"tier".to_string()));
    let (s, f, at) = typing("allow crm.update where tier == |");
    assert_eq!(labels(&s, f, at), ["\"free\"", "\"pro\""]);
    let (s, f, at) = typing("allow crm.update where tags any [\"vip\", |");
    assert_eq!(labels(&s, f, at), ["\"vip\"", "\"churn\""]);
    let (s, f, at) = typing("allow crm.update where tier |");
    assert_eq!(labels(&s, f, at), ["in", "like", "any", "all", "contains"]);
    // The approval continuing a grant completes the grant's arguments.
    let (s, f, at) = typing("allow crm.update where tier == \"pro\"\n    approve when |");
    assert!(labels(&s, f, at).contains(&"amount".to_string()));
    let (s, f, at) = typing("allow crm.u|");
    assert_eq!(labels(&s, f, at), ["crm.update"]);
    let (s, f, at) = typing("limit |");
    assert_eq!(labels(&s, f, at), ["crm.update"]);
    let (s, f, at) = typing("allow crm.update via |");
    assert_eq!(labels(&s, f, at), ["text.clean"]);
    let (s, f, at) = typing("memory |");
    assert_eq!(labels(&s, f, at), ["none", "read_only", "writable"]);
    let (s, f, at) = typing("|");
    let got = labels(&s, f, at);
    assert!(
        got.contains(&"allow".to_string())
            && got.contains(&"budget".to_string())
            && !got.contains(&"tool".to_string()),
        "{got:?}"
    );
    // Inside a comment or a string: nothing.
    let (s, f, at) = typing("# allow |");
    assert!(labels(&s, f, at).is_empty());
    let (s, f, at) = typing("allow crm.update where account == \"ac|");
    assert!(labels(&s, f, at).is_empty());
}

#[test]
fn completion_in_tool_and_top_level_blocks() {
    let text = "use std.slack\n\ntool t.x {\n  effects [read, ]\n  output untrusted \n  \n}\n\n";
    let mut sources = SourceMap::new();
    let id = sources.add("a.agentpol", text, Origin::User);
    let s = Snapshot::build(sources, None, &[id]);
    let at = |needle: &str| text.find(needle).unwrap() + needle.len();
    let l = |o: usize| labels(&s, id, o);
    assert!(l(at("read, ")).contains(&"communicate".to_string()));
    assert_eq!(
        l(at("untrusted ")),
        ["public", "internal", "confidential", "secret"]
    );
    assert!(l(at("untrusted \n  ")).contains(&"endpoint".to_string()));
    assert!(l(text.len()).contains(&"agent".to_string()));
    assert!(l(at("use ")).contains(&"std.slack".to_string()));
}

#[test]
fn document_symbols_outline_a_file() {
    let (snap, ids) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", AGENTS)]);
    let outline: Vec<(String, SymbolKind, usize)> = ide::document_symbols(&snap, ids[0])
        .into_iter()
        .map(|s| (s.name, s.kind, s.children.len()))
        .collect();
    assert_eq!(
        outline,
        [
            ("crm.account".to_string(), SymbolKind::ResourceType, 0),
            (
                "crm.account \"acme-*\"".to_string(),
                SymbolKind::Resource,
                0
            ),
            ("crm.update".to_string(), SymbolKind::Tool, 4),
            ("text.clean".to_string(), SymbolKind::Sanitizer, 0),
        ]
    );
    let agents: Vec<String> = ide::document_symbols(&snap, ids[1])
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(agents, ["sales", "helper"]);
}

#[test]
fn fixes_state_the_edit() {
    // A misspelt argument: the rename the help suggests.
    let text = AGENTS.replace("where account like", "where acount like");
    let (snap, _) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", &text)]);
    let d = snap
        .compiled
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "AP105")
        .unwrap();
    let fixes = ide::fixes(&snap, d);
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].title, "replace `acount` with `account`");
    let e = &fixes[0].edits[0];
    assert_eq!(
        (e.span.start, e.span.end, e.new_text.as_str()),
        (
            offset(&text, "acount", 0),
            offset(&text, "acount", 0) + 6,
            "account"
        )
    );

    // AP220: `justification required` as the agent's first line, indented like the rest.
    let (snap, ids) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", AGENTS)]);
    let agent = snap.compiled.model.agents["sales"].span;
    let code = agentpol::diagnostics::Code::new("AP220", agentpol::diagnostics::Severity::Warning);
    let d = agentpol::diagnostics::Diagnostic::new(
        code,
        "agent `sales` can call `crm.update` without giving a justification",
    )
    .primary(agent, "no `justification required`")
    .help("add `justification required` to the agent");
    let fix = &ide::fixes(&snap, &d)[0];
    let mut fixed = AGENTS.to_string();
    let e = &fix.edits[0];
    assert_eq!(e.span.file, ids[1]);
    fixed.replace_range(e.span.start..e.span.end, &e.new_text);
    assert!(
        fixed.contains("agent sales {\n  justification required\n  owner"),
        "{fixed}"
    );
}

/// AP221: the fix appends an empty `reason ""` to the suppression, which
/// leaves it invalid until the author writes one (a fix never invents it).
#[test]
fn a_suppression_without_reason_gets_an_empty_reason_to_fill_in() {
    let text = AGENTS.replace(
        "  allow crm.update where account like",
        "  # agentpol: allow AP215\n  allow crm.update where account like",
    );
    let (snap, ids) = snapshot(&[("tools.agentpol", TOOLS), ("agents.agentpol", &text)]);
    let report = agentpol::analyze(&snap.sources, &snap.compiled);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "AP221")
        .expect("an AP221 finding");
    let fixes = ide::fixes(&snap, d);
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].title, "add a `reason` to the suppression");
    let e = &fixes[0].edits[0];
    assert_eq!(e.span.file, ids[1]);
    let mut fixed = text.clone();
    fixed.replace_range(e.span.start..e.span.end, &e.new_text);
    assert!(
        fixed.contains("  # agentpol: allow AP215 reason \"\"\n"),
        "{fixed}"
    );
}
