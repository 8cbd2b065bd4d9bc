//! A client session against the built binary: initialize, didOpen, edits,
//! publishDiagnostics, hover, definition into the stdlib, completion.

use super::client::Client;
use serde_json::{json, Value};

/// Line 5 holds non-ASCII text before its mistake: `日本☕` are one UTF-16
/// unit each (three bytes), `🚀` two units (four bytes), so `chanel` starts
/// at UTF-16 column 56, character column 55 and byte column 64.
const BOT: &str = "use std.slack

agent bot {
  owner \"ops@acme.example\"
  # Café ☕ 日本
  allow slack.post_message where channel == \"#日本☕🚀\" or chanel == \"x\"
}
";

fn range(v: &Value) -> (u64, u64, u64, u64) {
    let p = |k: &str| {
        (
            v[k]["line"].as_u64().unwrap(),
            v[k]["character"].as_u64().unwrap(),
        )
    };
    let (a, b) = p("start");
    let (c, d) = p("end");
    (a, b, c, d)
}

fn codes(list: &[Value]) -> Vec<String> {
    let mut c: Vec<String> = list
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

fn set_up() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("agentpol.toml"), "").unwrap();
    std::fs::write(dir.path().join("bot.agentpol"), BOT).unwrap();
    let uri = lsp_types::Url::from_file_path(dir.path().join("bot.agentpol"))
        .unwrap()
        .to_string();
    (dir, uri)
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

#[test]
fn diagnostics_as_you_type_with_utf16_positions() {
    let (dir, uri) = set_up();
    let mut c = Client::start(dir.path());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "agentpol", "version": 1, "text": BOT}}),
    );
    let diags = c.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(codes(&diags), ["AP105"], "{diags:#?}");
    assert_eq!(range(&diags[0]["range"]), (5, 56, 5, 62));
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(diags[0]["source"], "agentpol");
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("tool `slack.post_message` has no argument `chanel`"),
        "{message}"
    );
    assert!(
        message.contains("help: did you mean `channel`?"),
        "{message}"
    );
    // The quick fix the help states, at the diagnostic's range.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": []}}),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "replace `chanel` with `channel`");
    let edit = &fix["edit"]["changes"][&uri][0];
    assert_eq!(range(&edit["range"]), (5, 56, 5, 62));
    assert_eq!(edit["newText"], "channel");

    // Apply it as an incremental edit: the front end is clean at once, then
    // the analysis findings arrive from the worker.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": "channel"}]}),
    );
    let clean = c.diagnostics_until(&uri, |d| !d.iter().any(|x| x["code"] == "AP105"));
    assert!(
        clean
            .iter()
            .all(|d| d["code"].as_str().unwrap().starts_with("AP2")),
        "{clean:#?}"
    );
    let findings = c.diagnostics_until(&uri, |d| !d.is_empty());
    let cli = cli_codes(dir.path(), BOT.replace("chanel", "channel"));
    assert_eq!(
        codes(&findings),
        cli,
        "the server reports what `agentpol check` reports"
    );
    c.shutdown();
}

/// The codes `agentpol check --format json` reports for the fixed text.
fn cli_codes(dir: &std::path::Path, text: String) -> Vec<String> {
    std::fs::write(dir.join("bot.agentpol"), text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut codes: Vec<String> = v["sets"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    assert!(!codes.is_empty(), "the fixture should have findings");
    codes
}

#[test]
fn hover_definition_and_completion_reach_the_stdlib() {
    let (dir, uri) = set_up();
    let fixed = BOT.replace("chanel", "channel");
    let mut c = Client::start(dir.path());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "agentpol", "version": 1, "text": fixed}}),
    );

    // Hover on `slack.post_message` (line 5, UTF-16 columns 8..26).
    let hover = c.request("textDocument/hover", at(&uri, 5, 10));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("tool slack.post_message(channel: string, text: string, thread_ts?: string, sources?: list<string>)"), "{text}");
    assert!(text.contains("Post a message to a channel"), "{text}");
    assert!(text.contains("**effects** communicate, write"), "{text}");
    assert!(text.contains("**output** trusted internal"), "{text}");
    assert!(
        text.contains("**resource** `slack.channel` named by `channel`"),
        "{text}"
    );
    assert_eq!(range(&hover["range"]), (5, 8, 5, 26));

    // Definition: the declaration in the embedded stdlib, as a virtual document.
    let def = c.request("textDocument/definition", at(&uri, 5, 10));
    assert_eq!(def["uri"], "agentpol-stdlib:///std/slack.agentpol");
    let std_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/stdlib/slack.agentpol"
    ))
    .unwrap();
    let line = std_text
        .lines()
        .position(|l| l == "tool slack.post_message {")
        .unwrap() as u64;
    assert_eq!(range(&def["range"]), (line, 5, line, 23));
    let served = c.request(
        "agentpol/stdlib",
        json!({"uri": "agentpol-stdlib:///std/slack.agentpol"}),
    );
    assert_eq!(served, std_text);

    // Definition of `channel` after the non-ASCII literal: the argument in the stdlib.
    let def = c.request("textDocument/definition", at(&uri, 5, 58));
    let arg_line = std_text
        .lines()
        .position(|l| l == "  arg channel: string")
        .unwrap() as u64;
    assert_eq!(range(&def["range"]), (arg_line, 6, arg_line, 13));

    // Completion of argument names inside `where`, typed after the non-ASCII text.
    let end = fixed.lines().nth(5).unwrap().encode_utf16().count() as u32;
    assert_eq!(end, 70);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 5, "character": end}, "end": {"line": 5, "character": end}}, "text": " and t"}]}),
    );
    let items = c.request("textDocument/completion", at(&uri, 5, end + 6));
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for arg in [
        "channel",
        "text",
        "thread_ts",
        "sources",
        "resource.sensitivity",
    ] {
        assert!(labels.contains(&arg), "{arg} missing from {labels:?}");
    }
    assert!(!labels.contains(&"allow"), "{labels:?}");
    c.shutdown();
}

/// The last line ends in non-ASCII text: `☕` is one UTF-16 unit (three
/// bytes), `🚀` two (four bytes), so the document ends at UTF-16 column 10.
const MESSY: &str = "use std.slack\nagent bot {owner \"ops@acme.example\"\n allow slack.post_message   where channel==\"#ops\"}\n# ☕ 🚀 end";

#[test]
fn formatting_replaces_the_document_with_the_fmt_layout() {
    let (dir, uri) = set_up();
    let mut c = Client::start(dir.path());
    assert_eq!(c.capabilities["documentFormattingProvider"], json!(true));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "agentpol", "version": 1, "text": MESSY}}),
    );
    let fmt =
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}});
    let edits = c.request("textDocument/formatting", fmt.clone());
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(range(&edits[0]["range"]), (0, 0, 3, 10));
    let expected = "use std.slack\n\nagent bot {\n  owner \"ops@acme.example\"\n  allow slack.post_message where channel == \"#ops\"\n}\n# ☕ 🚀 end\n";
    assert_eq!(edits[0]["newText"], expected);
    assert_eq!(
        agentpol::syntax::format::format_str(MESSY).as_deref(),
        Some(expected),
        "the same layout as `agentpol fmt`"
    );

    // Formatted text needs no edit; text that does not parse gets none.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": expected}]}),
    );
    assert_eq!(c.request("textDocument/formatting", fmt.clone()), json!([]));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "agent bot {"}]}),
    );
    assert_eq!(c.request("textDocument/formatting", fmt), Value::Null);
    c.shutdown();
}

/// A label in another file of the set becomes `relatedInformation` with
/// that file's URI and the label's range.
#[test]
fn a_label_in_another_file_is_related_information() {
    const TOOL: &str =
        "tool t.x {\n  arg id: int\n  effects [read]\n  output trusted internal\n}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("agentpol.toml"), "").unwrap();
    std::fs::write(dir.path().join("a.agentpol"), TOOL).unwrap();
    std::fs::write(dir.path().join("b.agentpol"), TOOL).unwrap();
    let url = |f: &str| {
        lsp_types::Url::from_file_path(dir.path().join(f))
            .unwrap()
            .to_string()
    };
    let (a, b) = (url("a.agentpol"), url("b.agentpol"));
    let mut c = Client::start(dir.path());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": b, "languageId": "agentpol", "version": 1, "text": TOOL}}),
    );
    let diags = c.diagnostics_until(&b, |d| d.iter().any(|x| x["code"] == "AP103"));
    let dup = diags.iter().find(|x| x["code"] == "AP103").unwrap();
    assert_eq!(range(&dup["range"]), (0, 5, 0, 8), "{dup:#?}");
    let related = dup["relatedInformation"]
        .as_array()
        .expect("related information");
    assert_eq!(related.len(), 1, "{dup:#?}");
    assert_eq!(related[0]["location"]["uri"], a);
    assert_eq!(range(&related[0]["location"]["range"]), (0, 5, 0, 8));
    assert_eq!(related[0]["message"], "first declared here");
    c.shutdown();
}
