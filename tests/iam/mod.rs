//! The IAM backend: a snapshot of every file generated for each fixture set
//! under `tests/fixtures/backend/iam/` (and each example set under
//! `examples/`), every document checked against the IAM policy grammar, the
//! CLI input shapes and AWS's size quotas; every catalog action, ARN template
//! and condition key checked against AWS's reference; hostile values; and
//! the laws relating IAM's decisions to the reference evaluator (`laws.rs`).

mod laws;
mod sim;

use crate::frontend::compile_fixture;
use agentpol::backend::iam::reference::{self, Known};
use agentpol::backend::iam::{self, document};
use agentpol::backend::{generate, Input, Output, Target};
use agentpol::diagnostics::render::human;
use agentpol::diagnostics::Severity;
use agentpol::model::aws::{parse_arn_template, ArnPart};
use agentpol::model::Type;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/aws")
        .join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&v).unwrap()
}

fn valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

/// Every property a generated IAM directory must have, whatever the input.
pub fn check_output(out: &Output) {
    let policy = schema("iam-policy.schema.json");
    let create_role = schema("create-role.schema.json");
    let assume_role = schema("assume-role.schema.json");
    let r = reference::get().expect("the embedded reference parses");
    for a in &out.artifacts {
        let text = std::str::from_utf8(&a.contents).unwrap();
        if a.path.ends_with(".md") {
            // Markdown is UTF-8 text for people, but keeps every value on its line.
            assert!(
                !text.chars().any(|c| (c.is_control() && c != '\n')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
                "{}",
                a.path
            );
        } else {
            assert!(text.is_ascii(), "{} is not ASCII", a.path);
        }
        assert!(
            !a.path.contains("..") && !a.path.starts_with('/'),
            "{}",
            a.path
        );
        if !a.path.ends_with(".json") {
            continue;
        }
        let doc: Value = serde_json::from_str(text).unwrap();
        let file = a.path.rsplit('/').next().unwrap();
        let limit = match file {
            "trust-policy.json" => Some(2_048),
            f if f.starts_with("policy") || f == "boundary.json" => Some(6_144),
            _ => None,
        };
        if let Some(limit) = limit {
            valid(&policy, &doc, &a.path);
            // IAM does not count whitespace; nothing generated has any in strings.
            let size = serde_json::to_string(&doc).unwrap().len();
            assert!(
                size <= limit,
                "{} has {size} characters, more than {limit}",
                a.path
            );
            let typed: document::PolicyDocument = serde_json::from_value(doc.clone()).unwrap();
            let mut sids = std::collections::BTreeSet::new();
            for s in &typed.statement {
                assert!(sids.insert(&s.sid), "duplicate Sid {} in {}", s.sid, a.path);
                for action in s.action.values() {
                    assert!(
                        !matches!(r.action(action), Known::Unknown { .. }),
                        "{action} in {} is not a real IAM action",
                        a.path
                    );
                }
            }
        }
        match file {
            "role.json" => {
                valid(&create_role, &doc, &a.path);
                let trust: Value =
                    serde_json::from_str(doc["AssumeRolePolicyDocument"].as_str().unwrap())
                        .unwrap();
                valid(&policy, &trust, "AssumeRolePolicyDocument");
            }
            "assume-role.json" => valid(&assume_role, &doc, &a.path),
            _ => {}
        }
    }
}

/// The snapshot of one set: its sources, every file, then the diagnostics.
fn render(path: &Path) -> (String, Output) {
    let (sources, compiled, listing) = compile_fixture(path);
    assert!(
        !compiled.has_errors(),
        "{}",
        human::render(&sources, &compiled.diagnostics)
    );
    // The set's name as the CLI takes it: `agentpol.toml`'s, else the folder's.
    let name = compiled
        .config
        .name
        .clone()
        .unwrap_or_else(|| path.file_name().unwrap().to_string_lossy().into_owned());
    let out = generate(
        Target::Iam,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: &name,
        },
    );
    let again = generate(
        Target::Iam,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: &name,
        },
    );
    assert_eq!(
        out.artifacts, again.artifacts,
        "output is not deterministic"
    );
    let text = crate::common::build_listing(listing, &sources, &out);
    (text, out)
}

fn snapshot_sets(pattern_root: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/backend/iam");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_allow_empty_glob(true);
    settings.bind(|| {
        let check = |path: &Path| {
            let (text, out) = render(path);
            let stem = path.file_name().unwrap().to_string_lossy().into_owned();
            match stem.split('-').next().filter(|c| c.starts_with("AP4")) {
                Some(code) => assert!(
                    out.diagnostics.iter().any(|d| d.code.as_str() == code),
                    "{stem} does not produce {code}:\n{text}"
                ),
                None => {
                    assert!(
                        out.diagnostics
                            .iter()
                            .all(|d| d.severity != Severity::Error),
                        "{text}"
                    );
                    check_output(&out);
                }
            }
            for d in &out.diagnostics {
                assert!(d.labels.iter().any(|l| l.primary), "unlabelled: {d:?}");
                assert!(d.help.is_some(), "no help: {d:?}");
            }
            insta::assert_snapshot!(stem.as_str(), text);
        };
        match pattern_root {
            "fixtures" => insta::glob!("../fixtures/backend/iam", "?*", |p| check(p)),
            _ => insta::glob!(
                "../../examples",
                "?*",
                |p| if p.join("agentpol.toml").exists() {
                    check(p)
                }
            ),
        }
    });
}

#[test]
fn every_fixture_matches_its_snapshot() {
    snapshot_sets("fixtures");
}

/// Example sets get their snapshots too (none until `examples/` exists).
#[test]
fn every_example_matches_its_snapshot() {
    snapshot_sets("examples");
}

#[test]
fn every_code_has_docs_and_exactly_one_fixture() {
    crate::common::assert_one_fixture_per_code(iam::CODES, "tests/fixtures/backend/iam");
    for doc in iam::CODES {
        assert_eq!(
            agentpol::registry::lookup(doc.code.as_str()).map(|d| d.name),
            Some(doc.name)
        );
    }
}

/// Every action of every `stdlib/aws` tool is a real IAM action; its ARN
/// template has the shape of one of the resource types AWS lists for the
/// action (none: no template); every condition key applies to the action and
/// has a type the argument can carry.
#[test]
fn catalog_actions_arns_and_condition_keys_are_aws_facts() {
    let r = reference::get().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/aws");
    let mut uses = String::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        uses.push_str(&format!("use std.aws.{name}\n"));
    }
    let (_, compiled) = crate::common::compile_ok(&[("all.agentpol", &uses)]);
    let tools: Vec<_> = compiled
        .model
        .tools
        .values()
        .filter(|t| t.name.starts_with("aws_"))
        .collect();
    assert!(tools.len() >= 25, "only {} AWS tools", tools.len());
    let services: std::collections::BTreeSet<&str> = tools
        .iter()
        .flat_map(|t| t.aws.iter().flat_map(|m| m.actions.iter()))
        .map(|a| a.split_once(':').unwrap().0)
        .collect();
    for s in [
        "s3",
        "dynamodb",
        "sqs",
        "sns",
        "lambda",
        "secretsmanager",
        "logs",
        "bedrock",
        "ce",
        "budgets",
    ] {
        assert!(services.contains(s), "no catalog tool for {s}");
    }
    for t in tools {
        assert!(!t.aws.is_empty(), "{} has no AWS mapping", t.name);
        for m in &t.aws {
            for action in &m.actions {
                let Known::Action {
                    name,
                    action: facts,
                } = r.action(action)
                else {
                    panic!("{}: `{action}` is not a real IAM action", t.name);
                };
                assert_eq!(
                    format!("{}:{name}", action.split(':').next().unwrap()),
                    *action,
                    "canonical spelling"
                );
                let service = r.service(action.split(':').next().unwrap()).unwrap();
                let types: Vec<_> = facts
                    .resources
                    .iter()
                    .filter_map(|n| {
                        service
                            .resources
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    })
                    .collect();
                match &m.arn {
                    None => {}
                    Some(template) => {
                        let shape = shape(template);
                        assert!(
                            types.iter().any(|(_, rt)| arn_fits(&rt.arn, &shape)),
                            "{}: ARN `{template}` fits no resource type of {action}: {:?}",
                            t.name,
                            types.iter().map(|(_, rt)| &rt.arn).collect::<Vec<_>>()
                        );
                    }
                }
                for c in &m.conditions {
                    let applies = facts
                        .conditions
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(&c.key))
                        || types.iter().any(|(_, rt)| {
                            rt.conditions.iter().any(|k| k.eq_ignore_ascii_case(&c.key))
                        });
                    assert!(
                        applies,
                        "{}: condition key {} does not apply to {action}",
                        t.name, c.key
                    );
                    let ty = r.condition_type(&c.key).unwrap();
                    let arg = &t.args[&c.arg].ty;
                    let ok = match (ty, arg) {
                        ("String" | "ArrayOfString", Type::String | Type::Enum { .. }) => true,
                        ("ArrayOfString", Type::List { element }) => {
                            matches!(**element, Type::String | Type::Enum { .. })
                        }
                        ("Numeric", Type::Int | Type::Duration) => true,
                        ("Bool", Type::Bool) => true,
                        _ => false,
                    };
                    assert!(
                        ok,
                        "{}: key {} of type {ty} cannot carry `{}`",
                        t.name, c.key, c.arg
                    );
                }
            }
        }
    }
}

/// The template with every placeholder made one opaque token `§`.
fn shape(template: &str) -> String {
    parse_arn_template(template)
        .unwrap()
        .iter()
        .map(|p| match p {
            ArnPart::Text(t) => t.clone(),
            _ => "§".to_string(),
        })
        .collect()
}

/// Whether AWS's ARN format (`${Var}` placeholders) can produce every ARN of
/// our shape: each `§` must sit where AWS has a variable, literals must agree
/// (a `??????` suffix belongs to AWS's variable).
fn arn_fits(aws: &str, ours: &str) -> bool {
    let aws_shape: String = {
        let mut out = String::new();
        let mut rest = aws;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            out.push('§');
            rest = &rest[i + rest[i..].find('}').unwrap() + 1..];
        }
        out.push_str(rest);
        out
    };
    aws_shape == ours.replace("§-??????", "§")
}

#[test]
fn the_reference_data_is_what_its_provenance_says() {
    let r = reference::get().unwrap();
    let provenance = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/backend/iam/reference/PROVENANCE.md"),
    )
    .unwrap();
    let version = r.source.split_whitespace().nth(1).unwrap();
    assert!(provenance.contains(version) && provenance.contains(&r.updated));
    assert!(r.services.values().all(|s| !s.actions.is_empty()));
}

fn build(policy: &str) -> Output {
    let (sources, compiled) = crate::common::compile_ok(&[("p.agentpol", policy)]);
    generate(
        Target::Iam,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "p",
        },
    )
}

fn file<'a>(out: &'a Output, path: &str) -> &'a str {
    let a = out
        .artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    std::str::from_utf8(&a.contents).unwrap()
}

const S3: &str = "use std.aws.s3\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any value a policy can hold stays one JSON string: the documents
    /// parse, keep their statement count, and the value comes back intact
    /// (escaped only for IAM's own `$`, `*`, `?` syntax).
    #[test]
    fn hostile_values_stay_inside_their_strings(value in "[ -~\\n\\t\u{e9}\u{4e2d}]{0,24}") {
        let lit = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
        let policy = format!("{S3}agent a {{\n  aws role \"arn:aws:iam::123456789012:role/a\"\n  allow aws_s3.get_object where key == \"{lit}\" and bucket == \"b\"\n  allow aws_s3.list_objects where bucket == \"b\" and prefix == \"{lit}\"\n}}\n");
        let out = build(&policy);
        prop_assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        check_output(&out);
        let doc: document::PolicyDocument = serde_json::from_str(file(&out, "a/policy.json")).unwrap();
        let fits = value.chars().all(|c| matches!(c, ' '..='~' | '\u{a0}'..='\u{ff}'));
        let get = doc.statement.iter().find(|s| s.action.values() == ["s3:GetObject"]).unwrap();
        let resource = get.resource.as_ref().unwrap().values()[0].to_string();
        let escaped = value.replace('$', "${$}").replace('*', "${*}").replace('?', "${?}");
        if fits {
            prop_assert_eq!(resource, format!("arn:aws:s3:::b/{escaped}"));
        } else {
            prop_assert_eq!(resource, "arn:aws:s3:::b/*");
            prop_assert!(file(&out, "a/summary.md").contains("cannot hold"));
        }
        let list = doc.statement.iter().find(|s| s.action.values() == ["s3:ListBucket"]).unwrap();
        let cond = serde_json::to_value(&list.condition).unwrap();
        if fits {
            prop_assert_eq!(&cond["StringEquals"]["s3:prefix"], &Value::String(value.replace('$', "${$}")));
        } else {
            prop_assert_eq!(cond, Value::Null);
        }
        prop_assert_eq!(doc.statement.len(), 2);
    }
}

#[test]
fn grants_too_large_for_one_policy_are_split_within_quotas() {
    let buckets: Vec<String> = (0..300)
        .map(|i| format!("\"bucket-number-{i:04}\""))
        .collect();
    let policy = format!(
        "{S3}agent a {{\n  aws role \"arn:aws:iam::123456789012:role/a\"\n  allow aws_s3.get_object where bucket in [{}]\n}}\n",
        buckets.join(", ")
    );
    let out = build(&policy);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    check_output(&out);
    let files: Vec<&str> = out
        .artifacts
        .iter()
        .map(|a| a.path.as_str())
        .filter(|p| p.starts_with("a/policy-"))
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    let mut resources = Vec::new();
    for f in &files {
        let doc: document::PolicyDocument = serde_json::from_str(file(&out, f)).unwrap();
        for s in &doc.statement {
            assert!(s.sid.starts_with("AllowAwsS3GetObject0P"), "{}", s.sid);
            resources.extend(
                s.resource
                    .as_ref()
                    .unwrap()
                    .values()
                    .into_iter()
                    .map(String::from),
            );
        }
    }
    resources.sort();
    let mut expected: Vec<String> = (0..300)
        .map(|i| format!("arn:aws:s3:::bucket-number-{i:04}/*"))
        .collect();
    expected.sort();
    assert_eq!(resources, expected, "splitting lost or added resources");
    let assume: Value = serde_json::from_str(file(&out, "a/assume-role.json")).unwrap();
    assert_eq!(assume["PolicyArns"].as_array().unwrap().len(), files.len());
}

#[test]
fn agents_without_a_role_get_no_files_and_are_listed() {
    let out = build(&format!("{S3}agent a {{\n  allow aws_s3.get_object\n}}\n"));
    let paths: Vec<&str> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["summary.json", "summary.md"]);
    let index: Value = serde_json::from_str(file(&out, "summary.json")).unwrap();
    assert_eq!(index["without_role"], serde_json::json!(["a"]));
}

#[test]
fn credential_lifetime_sets_the_session_lengths() {
    for (ttl, max, duration) in [("15m", 3600, 900), ("2h", 7200, 7200), ("1d", 43200, 43200)] {
        let out = build(&format!(
            "{S3}agent a {{\n  aws role \"arn:aws:iam::123456789012:role/a\"\n  credentials ttl {ttl}\n  allow aws_s3.get_object\n}}\n"
        ));
        let role: Value = serde_json::from_str(file(&out, "a/role.json")).unwrap();
        let assume: Value = serde_json::from_str(file(&out, "a/assume-role.json")).unwrap();
        assert_eq!(role["MaxSessionDuration"], max, "{ttl}");
        assert_eq!(assume["DurationSeconds"], duration, "{ttl}");
    }
}

/// Through the binary, as a user runs it: both targets write their files,
/// and a backend error writes nothing.
#[test]
fn build_writes_iam_and_k8s_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("agentpol.toml"), "name = \"demo\"\n").unwrap();
    std::fs::write(
        root.join("main.agentpol"),
        format!("{S3}agent bot {{\n  aws role \"arn:aws:iam::123456789012:role/bot\"\n  kubernetes namespace \"agents\" labels {{ \"app\" = \"bot\" }}\n  egress [\"api.example.com:443\"]\n  allow aws_s3.get_object where bucket == \"b\"\n}}\n"),
    )
    .unwrap();
    let run = |target: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(["build", ".", "--target", target, "--out", "out"])
            .current_dir(root)
            .output()
            .unwrap()
    };
    for target in ["iam", "k8s"] {
        let out = run(target);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for f in [
        "iam/summary.md",
        "iam/bot/policy.json",
        "iam/bot/trust-policy.json",
        "iam/bot/role.json",
        "k8s/bot.yaml",
        "k8s/summary.md",
    ] {
        assert!(root.join("out").join(f).is_file(), "{f} missing");
    }
    std::fs::write(
        root.join("main.agentpol"),
        "agent bot {\n  aws role \"arn:aws:iam::1:role/bot\"\n}\n",
    )
    .unwrap();
    std::fs::remove_dir_all(root.join("out")).unwrap();
    let out = run("iam");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AP430"));
    assert!(!root.join("out").exists());
}

/// ARN placeholders and condition keys are checked with the tool, before
/// any backend runs.
#[test]
fn aws_mappings_are_checked_at_check_time() {
    let src = r#"tool t.x {
  arg bucket: string
  arg opt?: string
  arg n: int
  arg amount: money(USD)
  effects [read]
  output trusted internal
  aws ["s3:GetObject"] on "arn:${Partition}:s3:::{bucket}/{key}"
  aws ["s3:GetObject"] on "arn:${Partition}:s3:::{opt}"
  aws ["s3:GetObject"] on "arn:${Partition}:s3:::{n}"
  aws ["s3:GetObject"] on "arn:${Partition}:s3:::${aws:username}"
  aws ["s3:ListBucket"] condition "s3:prefix" = prefix condition "not a key" = bucket
  aws ["s3:ListBucket"] condition "s3:max-keys" = amount condition "s3:max-keys" = n
}
"#;
    let (sources, compiled) = agentpol::compile_str(&[("t.agentpol", src)]);
    let rendered = human::render(&sources, &compiled.diagnostics);
    let messages: Vec<(&str, &str)> = compiled
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    let expect = [
        ("AP105", "ARN placeholder `{key}` names no argument of `t.x`"),
        ("AP116", "ARN placeholder `{opt}` must name a required string or enum argument"),
        ("AP116", "ARN placeholder `{n}` must name a required string or enum argument"),
        ("AP116", "invalid ARN template `arn:${Partition}:s3:::${aws:username}`: unknown variable `${aws:username}`: use ${Partition}, ${Region} or ${Account}"),
        ("AP105", "tool `t.x` has no argument `prefix`"),
        ("AP116", "`not a key` is not an IAM condition key"),
        ("AP116", "IAM cannot compare `amount` (money(USD)) with a condition key"),
    ];
    for e in expect {
        assert!(messages.contains(&e), "missing {e:?} in:\n{rendered}");
    }
    assert!(compiled.diagnostics.iter().all(|d| d.help.is_some()));
}
