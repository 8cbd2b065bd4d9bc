//! The shipped policy corpus: every stdlib module compiles on its own and
//! follows the catalog conventions, the Table 2 preset covers what it claims,
//! and every example set compiles cleanly, declares a realistic identity, and
//! gives each of its requests the decision its file name announces, through
//! the library and through the `agentpol eval` binary.

use agentpol::model::eval::{decide_json, Decision};
use agentpol::model::{Model, Outcome};
use agentpol::resolve::stdlib;
use agentpol::source::{Origin, SourceMap};
use agentpol::syntax::ast::{Item, ToolItem};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn render(sources: &SourceMap, compiled: &agentpol::Compiled) -> String {
    agentpol::diagnostics::render::human::render(sources, &compiled.diagnostics)
}

// ------------------------------------------------------------------ stdlib

/// `(module name without std., path relative to stdlib/)` of every file on disk.
fn stdlib_files_on_disk() -> BTreeSet<(String, String)> {
    let base = root().join("stdlib");
    walkdir::WalkDir::new(&base)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "agentpol"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = rel.trim_end_matches(".agentpol").replace('/', ".");
            (module, rel)
        })
        .collect()
}

#[test]
fn every_stdlib_file_is_embedded() {
    let embedded: BTreeSet<(String, String)> = stdlib::FILES
        .iter()
        .map(|(m, f, _)| (m.to_string(), f.to_string()))
        .collect();
    assert_eq!(embedded, stdlib_files_on_disk());
    for module in [
        "slack",
        "teams",
        "jira",
        "linear",
        "github",
        "gitlab",
        "confluence",
        "notion",
        "gmail",
        "web",
        "browser",
        "payments",
        "memory",
        "sanitizers",
        "presets.table2",
    ] {
        assert!(stdlib::module(module).is_some(), "std.{module} is missing");
    }
}

#[test]
fn every_stdlib_module_compiles_without_diagnostics() {
    for (module, _, _) in stdlib::FILES {
        let text = format!("use std.{module}\n");
        let (sources, compiled) = agentpol::compile_str(&[("probe.agentpol", &text)]);
        assert!(
            compiled.diagnostics.is_empty(),
            "std.{module}:\n{}",
            render(&sources, &compiled)
        );
    }
}

/// Every tool is documented and says what it does and returns, lives in the
/// namespace of its module (so "add `use std.NS`" hints are right), and has a
/// network endpoint unless its module explains why it cannot have one.
#[test]
fn stdlib_tools_follow_the_catalog_conventions() {
    let without_endpoint = ["web", "browser", "memory"];
    let mut tools = 0;
    for (module, file, text) in stdlib::FILES {
        let mut sink = agentpol::diagnostics::Sink::new();
        let ast = agentpol::syntax::parse(agentpol::source::FileId(0), text, &mut sink);
        for item in &ast.items {
            let Item::Tool(tool) = item else { continue };
            tools += 1;
            let name = &tool.name.name;
            let has = |f: fn(&ToolItem) -> bool| tool.items.iter().any(f);
            assert!(has(|i| matches!(i, ToolItem::Doc(_))), "{name}: no doc");
            assert!(has(|i| matches!(i, ToolItem::Verb(_))), "{name}: no verb");
            assert!(
                has(|i| matches!(i, ToolItem::Output { .. })),
                "{name}: output trust and sensitivity must be explicit"
            );
            // `std.aws.s3` declares `aws_s3.*`: the module path with `_` for `.`.
            assert_eq!(
                name.split('.').next(),
                Some(module.replace('.', "_").as_str()),
                "{name} is declared in {file}"
            );
            if !without_endpoint.contains(module) {
                assert!(
                    has(|i| matches!(i, ToolItem::Endpoint(_))),
                    "{name}: no endpoint"
                );
            }
        }
    }
    assert!(tools >= 60, "only {tools} stdlib tools");
}

/// Compiles an agent granted every tool of the given stdlib modules, with
/// the Table 2 preset applied.
fn everything_with_table2() -> Model {
    let modules = [
        "confluence",
        "notion",
        "slack",
        "teams",
        "jira",
        "linear",
        "github",
        "gitlab",
        "payments",
    ];
    let mut text: String = modules.iter().map(|m| format!("use std.{m}\n")).collect();
    text.push_str("use std.presets.table2\nagent everything {\n  apply presets.table2\n");
    for m in modules {
        text.push_str(&format!("  allow {m}.*\n"));
    }
    text.push_str("}\n");
    let (_, compiled) = crate::common::compile_ok(&[("all.agentpol", &text)]);
    compiled.model
}

/// Log fields that name an argument must name one the tool has: a typo in a
/// preset would otherwise silently log nothing.
fn assert_log_fields_name_arguments(model: &Model) {
    for agent in model.agents.values() {
        for (tool, fields) in &agent.logs {
            let spec = &model.tools[tool];
            for field in fields {
                if let Some(arg) = field.strip_prefix("args.") {
                    assert!(
                        spec.args.contains_key(arg),
                        "agent `{}` logs `{field}` but `{tool}` has no argument `{arg}`",
                        agent.name
                    );
                }
            }
        }
    }
}

#[test]
fn table2_preset_gates_every_action_type() {
    let model = everything_with_table2();
    assert_log_fields_name_arguments(&model);
    let agent = &model.agents["everything"];
    assert!(agent.tamper_evident);
    let gated: BTreeSet<&str> = agent.gates.iter().map(|g| g.tool.as_str()).collect();
    let logged: BTreeSet<&str> = agent.logs.keys().map(String::as_str).collect();
    for tool in [
        "confluence.get_page",
        "notion.search",
        "slack.post_message",
        "slack.send_dm",
        "teams.post_channel_message",
        "jira.update_issue",
        "jira.transition_issue",
        "linear.move_issue",
        "github.merge_pull_request",
        "github.force_push",
        "github.bump_dependency",
        "gitlab.merge_merge_request",
        "payments.pay_vendor",
        "payments.create_virtual_card",
    ] {
        assert!(gated.contains(tool), "Table 2 gates nothing on `{tool}`");
        assert!(logged.contains(tool), "Table 2 logs nothing for `{tool}`");
    }
    // Every spend tool the preset can see needs approval for any positive amount.
    for (name, tool) in &model.tools {
        if tool.spends.is_some() {
            assert!(
                gated.contains(name.as_str()),
                "spend tool `{name}` is not gated"
            );
        }
    }
}

/// The preset's rows, decided: one request per trigger, and the same call
/// without the trigger, so each gate is seen to fire exactly when it should.
#[test]
fn table2_preset_decides_its_triggers() {
    let model = everything_with_table2();
    let decide = |tool: &str, args: serde_json::Value, justified: bool| -> Outcome {
        let mut req = serde_json::json!({"agent": "everything", "tool": tool, "args": args});
        if justified {
            req["context"] = serde_json::json!({"justification": "ticket 42"});
        }
        decide_json(&model, &req).decision
    };
    use serde_json::json as j;
    use Outcome::{Allow, ApprovalRequired as Approval, Deny};
    let cases: Vec<(&str, serde_json::Value, bool, Outcome)> = vec![
        // Row 1: docs. HR is not declared here, so restricted spaces need a
        // declaration; undeclared spaces are internal and in scope.
        (
            "confluence.search",
            j!({"space": "ENG", "query": "deploy"}),
            false,
            Allow,
        ),
        // Row 2: chat. Undeclared channels count as external.
        (
            "slack.post_message",
            j!({"channel": "#random", "text": "hi"}),
            false,
            Approval,
        ),
        (
            "slack.send_dm",
            j!({"user": "a@acme.example", "text": "hi"}),
            false,
            Approval,
        ),
        // Row 3: issues.
        (
            "jira.update_issue",
            j!({"project": "SUP", "issue": "SUP-1", "fields": ["labels"]}),
            true,
            Allow,
        ),
        (
            "jira.update_issue",
            j!({"project": "SUP", "issue": "SUP-1", "fields": ["labels"]}),
            false,
            Deny,
        ),
        (
            "jira.update_issue",
            j!({"project": "SUP", "issue": "SUP-1", "fields": ["assignee"]}),
            true,
            Approval,
        ),
        (
            "jira.transition_issue",
            j!({"project": "SUP", "issue": "SUP-1", "status": "In Progress", "category": "in_progress"}),
            true,
            Allow,
        ),
        (
            "jira.transition_issue",
            j!({"project": "SUP", "issue": "SUP-1", "status": "Done", "category": "done"}),
            true,
            Approval,
        ),
        (
            "linear.move_issue",
            j!({"team": "ENG", "issue": "ENG-1", "state": "Canceled", "state_type": "canceled"}),
            true,
            Approval,
        ),
        (
            "jira.delete_issue",
            j!({"project": "SUP", "issue": "SUP-1"}),
            true,
            Deny,
        ),
        // Row 4: code.
        (
            "github.open_pull_request",
            j!({"repo": "acme/api", "head": "agent/x", "base": "main", "title": "t", "body": "b"}),
            false,
            Allow,
        ),
        (
            "github.push_commits",
            j!({"repo": "acme/api", "branch": "agent/x", "message": "m", "changes": ["source"]}),
            false,
            Allow,
        ),
        (
            "github.push_commits",
            j!({"repo": "acme/api", "branch": "agent/x", "message": "m", "changes": ["dependencies"]}),
            false,
            Approval,
        ),
        (
            "github.push_commits",
            j!({"repo": "acme/api", "branch": "main", "message": "m", "changes": ["source"]}),
            false,
            Deny,
        ),
        (
            "github.merge_pull_request",
            j!({"repo": "acme/api", "number": 7, "method": "squash"}),
            false,
            Approval,
        ),
        (
            "github.review_pull_request",
            j!({"repo": "acme/api", "number": 7, "event": "APPROVE", "body": "ok"}),
            false,
            Approval,
        ),
        (
            "gitlab.force_push",
            j!({"project": "acme/api", "branch": "agent/x", "message": "m"}),
            false,
            Approval,
        ),
        // Row 5: spend.
        (
            "payments.pay_vendor",
            j!({"vendor": "v", "amount": {"minor": 1, "currency": "USD"}, "description": "d"}),
            true,
            Approval,
        ),
        (
            "payments.pay_vendor",
            j!({"vendor": "v", "amount": {"minor": 0, "currency": "USD"}, "description": "d"}),
            true,
            Allow,
        ),
        (
            "payments.pay_vendor",
            j!({"vendor": "v", "amount": {"minor": 1, "currency": "USD"}, "description": "d"}),
            false,
            Deny,
        ),
    ];
    for (tool, args, justified, want) in cases {
        let got = decide(tool, args.clone(), justified);
        assert_eq!(got, want, "{tool} {args}");
    }
}

// ---------------------------------------------------------------- examples

struct Example {
    name: String,
    dir: PathBuf,
    sources: SourceMap,
    compiled: agentpol::Compiled,
    /// `(file stem, request JSON)`, sorted by name.
    requests: Vec<(String, serde_json::Value)>,
}

/// Loads an example set the way the CLI does: `agentpol.toml` plus every
/// `*.agentpol` file under the folder, named relative to it.
fn load_example(dir: &Path) -> Example {
    let mut sources = SourceMap::new();
    let config_text = std::fs::read_to_string(dir.join("agentpol.toml")).unwrap();
    let config = sources.add("agentpol.toml", config_text, Origin::User);
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "agentpol"))
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    files.sort();
    let ids: Vec<_> = files
        .iter()
        .map(|rel| {
            let text = std::fs::read_to_string(dir.join(rel)).unwrap();
            let name = rel.to_string_lossy().replace('\\', "/");
            sources.add(name, text, Origin::User)
        })
        .collect();
    let compiled = agentpol::compile(&mut sources, Some(config), &ids);
    let mut requests: Vec<(String, serde_json::Value)> = std::fs::read_dir(dir.join("requests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            (stem, serde_json::from_str(&text).unwrap())
        })
        .collect();
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    Example {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        dir: dir.to_path_buf(),
        sources,
        compiled,
        requests,
    }
}

/// The safe example deployments. `examples/risky-*` are deliberately unsafe
/// showcases for the analyzer; `tests/analysis` checks them and their witnesses.
fn examples() -> Vec<Example> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("agentpol.toml").is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("risky"))
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4, "expected the four example deployments");
    dirs.iter().map(|d| load_example(d)).collect()
}

/// The decision a request's file name announces.
fn expected(stem: &str) -> Outcome {
    match stem.split('-').next() {
        Some("allow") => Outcome::Allow,
        Some("deny") => Outcome::Deny,
        Some("approval") => Outcome::ApprovalRequired,
        _ => panic!("request `{stem}` must be named allow-*, deny-* or approval-*"),
    }
}

#[test]
fn examples_compile_without_diagnostics() {
    for ex in examples() {
        assert!(
            ex.compiled.diagnostics.is_empty(),
            "{}:\n{}",
            ex.name,
            render(&ex.sources, &ex.compiled)
        );
        assert_eq!(ex.compiled.config.name.as_deref(), Some(ex.name.as_str()));
        assert!(
            ex.dir.join("README.md").is_file(),
            "{} has no README.md",
            ex.name
        );
    }
}

/// What the examples promise reviewers about identity, checked on the model.
#[test]
fn example_agents_declare_a_least_privilege_identity() {
    for ex in examples() {
        let model = &ex.compiled.model;
        assert_log_fields_name_arguments(model);
        for agent in model.agents.values() {
            let who = format!("{}/{}", ex.name, agent.name);
            assert!(agent.owner.is_some(), "{who}: no owner");
            assert_eq!(agent.domains.len(), 1, "{who}: one domain per agent");
            assert!(agent.kubernetes.is_some(), "{who}: no kubernetes identity");
            assert!(
                agent.credential_ttl.is_some_and(|t| t <= 3600),
                "{who}: credentials must live at most 1h"
            );
            assert!(agent.tamper_evident, "{who}: audit must be tamper-evident");
            assert!(agent.justification_required, "{who}: no justification");
            assert!(agent.presets.iter().any(|p| p == "presets.table2"));
            // Egress is exactly the endpoints of the tools the agent is granted.
            let needed: BTreeSet<String> = agent
                .granted_tools()
                .iter()
                .flat_map(|t| model.tools[*t].endpoints.iter().map(|e| e.display()))
                .collect();
            let egress: BTreeSet<String> = agent.egress.iter().map(|e| e.display()).collect();
            assert_eq!(egress, needed, "{who}: egress must match the granted tools");
            // Every granted spend tool sits under the session budget.
            let spends = agent
                .granted_tools()
                .iter()
                .any(|t| model.tools[*t].spends.is_some());
            assert!(
                !spends || agent.budget.is_some(),
                "{who}: spends without a budget"
            );
        }
    }
}

#[test]
fn example_requests_get_the_decision_their_name_announces() {
    for ex in examples() {
        let mut seen = BTreeSet::new();
        for (stem, request) in &ex.requests {
            let want = expected(stem);
            seen.insert(want);
            let got = decide_json(&ex.compiled.model, request);
            assert_eq!(
                got.decision, want,
                "{}/requests/{stem}.json: {:?}",
                ex.name, got.reasons
            );
        }
        assert_eq!(
            seen.len(),
            3,
            "{} must show allow, deny and approval_required",
            ex.name
        );
    }
}

/// The binary answers exactly what the library answers.
#[test]
fn eval_binary_agrees_with_the_library_on_example_requests() {
    for ex in examples() {
        for (stem, request) in &ex.requests {
            let file = ex.dir.join("requests").join(format!("{stem}.json"));
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentpol"))
                .arg("eval")
                .arg(&ex.dir)
                .arg("--request")
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let from_binary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let from_library =
                serde_json::to_value(decide_json(&ex.compiled.model, request)).unwrap();
            assert_eq!(from_binary, from_library, "{}", file.display());
        }
    }
}

#[test]
fn example_decisions_snapshot() {
    for ex in examples() {
        let decisions: BTreeMap<&str, Decision> = ex
            .requests
            .iter()
            .map(|(stem, r)| (stem.as_str(), decide_json(&ex.compiled.model, r)))
            .collect();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots/examples");
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_json_snapshot!(ex.name.clone(), decisions));
    }
}
