//! The Kubernetes backend: a snapshot of every file generated for each
//! fixture set under `tests/fixtures/backend/k8s/` (and each example set),
//! every NetworkPolicy and ServiceAccount deserialized strictly into the
//! official Kubernetes types (k8s-openapi: the round trip must lose
//! nothing), every CiliumNetworkPolicy validated against Cilium 1.18's CRD
//! schema, what the policies allow compared with what the agent declares,
//! and hostile or YAML-ambiguous names.

use crate::frontend::compile_fixture;
use agentpol::backend::k8s;
use agentpol::backend::{generate, Input, Output, Target};
use agentpol::diagnostics::render::human;
use agentpol::diagnostics::Severity;
use agentpol::model::Model;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn cilium_schema() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cilium/ciliumnetworkpolicy_v2.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&v).unwrap()
}

/// The documents of a multi-document YAML file.
pub fn documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

/// Deserializes into the official type and back: anything the type does not
/// know (a misspelt or misplaced field) would be dropped and show here.
fn strict<T: DeserializeOwned + serde::Serialize>(doc: &Value) -> T {
    let typed: T = serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}\n{doc:#}"));
    assert_eq!(
        &serde_json::to_value(&typed).unwrap(),
        doc,
        "round trip through the official type changed the document"
    );
    typed
}

/// Every property a generated Kubernetes directory must have, and that its
/// policies allow exactly what each agent declares.
pub fn check_output(model: &Model, out: &Output) {
    let schema = cilium_schema();
    for a in &out.artifacts {
        let text = std::str::from_utf8(&a.contents).unwrap();
        assert!(text.is_ascii(), "{} is not ASCII", a.path);
        let Some(agent_name) = a.path.strip_suffix(".yaml") else {
            assert_eq!(a.path, "summary.md", "only YAML and the summary");
            continue;
        };
        let agent = &model.agents[agent_name];
        let k = agent.kubernetes.as_ref().unwrap();
        let docs = documents(text);
        let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        let domains: Vec<_> = agent.egress.iter().filter(|e| !e.is_cidr).collect();
        let expected: &[&str] = if domains.is_empty() {
            &["ServiceAccount", "NetworkPolicy"]
        } else {
            &["ServiceAccount", "NetworkPolicy", "CiliumNetworkPolicy"]
        };
        assert_eq!(kinds, expected, "{}", a.path);
        for d in &docs {
            assert_eq!(d["metadata"]["namespace"], k.namespace.as_str());
            assert_eq!(
                d["metadata"]["annotations"]["agentpol.dev/agent"],
                agent.name.as_str()
            );
        }
        let sa: ServiceAccount = strict(&docs[0]);
        assert_eq!(sa.automount_service_account_token, Some(false));
        let np: NetworkPolicy = strict(&docs[1]);
        let spec = np.spec.unwrap();
        assert_eq!(spec.pod_selector.unwrap().match_labels.unwrap(), k.labels);
        assert_eq!(
            spec.policy_types.unwrap(),
            ["Egress"],
            "egress is default-deny"
        );
        // What the NetworkPolicy allows: DNS to kube-dns, and the CIDRs.
        let mut allowed: BTreeSet<(String, String, i32)> = BTreeSet::new();
        for rule in spec.egress.unwrap() {
            for peer in rule.to.unwrap() {
                let dest = match (&peer.ip_block, &peer.pod_selector) {
                    (Some(b), None) => b.cidr.clone(),
                    (None, Some(p)) => format!(
                        "pods {:?} in {:?}",
                        p.match_labels,
                        peer.namespace_selector.as_ref().unwrap().match_labels
                    ),
                    other => panic!("unexpected peer {other:?}"),
                };
                for port in rule.ports.clone().unwrap() {
                    let n = match port.port.unwrap() {
                        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n,
                        other => panic!("named port {other:?}"),
                    };
                    allowed.insert((dest.clone(), port.protocol.unwrap(), n));
                }
            }
        }
        let dns = "pods Some({\"k8s-app\": \"kube-dns\"}) in Some({\"kubernetes.io/metadata.name\": \"kube-system\"})";
        let mut want: BTreeSet<(String, String, i32)> = [("UDP", 53), ("TCP", 53)]
            .into_iter()
            .map(|(p, n)| (dns.to_string(), p.to_string(), n))
            .collect();
        for e in agent.egress.iter().filter(|e| e.is_cidr) {
            want.insert((e.host.clone(), "TCP".into(), i32::from(e.port)));
        }
        assert_eq!(allowed, want, "{} NetworkPolicy", a.path);
        if let Some(c) = docs.get(2) {
            let errors: Vec<String> = schema
                .iter_errors(c)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{}: {}\n{c:#}",
                a.path,
                errors.join("\n")
            );
            assert_eq!(c["apiVersion"], "cilium.io/v2");
            let sel: BTreeMap<String, String> =
                serde_json::from_value(c["spec"]["endpointSelector"]["matchLabels"].clone())
                    .unwrap();
            assert_eq!(sel, k.labels);
            let mut fqdns = BTreeSet::new();
            let mut lookups = BTreeSet::new();
            for rule in c["spec"]["egress"].as_array().unwrap() {
                let port = rule["toPorts"][0]["ports"][0]["port"]
                    .as_str()
                    .unwrap()
                    .to_string();
                for f in rule["toFQDNs"].as_array().into_iter().flatten() {
                    let name = f
                        .get("matchName")
                        .or(f.get("matchPattern"))
                        .unwrap()
                        .as_str()
                        .unwrap();
                    fqdns.insert(format!("{name}:{port}"));
                }
                for f in rule["toPorts"][0]["rules"]["dns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    lookups.insert(
                        f.get("matchName")
                            .or(f.get("matchPattern"))
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_string(),
                    );
                }
            }
            let declared: BTreeSet<String> = domains.iter().map(|e| e.display()).collect();
            assert_eq!(fqdns, declared, "{} toFQDNs", a.path);
            let hosts: BTreeSet<String> = domains.iter().map(|e| e.host.clone()).collect();
            assert_eq!(lookups, hosts, "{} DNS lookups", a.path);
        }
    }
}

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
    let input = Input {
        model: &compiled.model,
        sources: &sources,
        set_name: &name,
    };
    let out = generate(Target::K8s, &input);
    assert_eq!(
        out.artifacts,
        generate(Target::K8s, &input).artifacts,
        "not deterministic"
    );
    let stem = path.file_name().unwrap().to_string_lossy().into_owned();
    match stem.split('-').next().filter(|c| c.starts_with("AP4")) {
        Some(code) => assert!(
            out.diagnostics.iter().any(|d| d.code.as_str() == code),
            "{stem} does not produce {code}"
        ),
        None => {
            assert!(
                out.diagnostics
                    .iter()
                    .all(|d| d.severity != Severity::Error),
                "{}",
                human::render(&sources, &out.diagnostics)
            );
            check_output(&compiled.model, &out);
        }
    }
    for d in &out.diagnostics {
        assert!(
            d.labels.iter().any(|l| l.primary) && d.help.is_some(),
            "{d:?}"
        );
    }
    let text = crate::common::build_listing(listing, &sources, &out);
    (text, out)
}

fn snapshot_sets(fixtures: bool) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/backend/k8s");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_allow_empty_glob(true);
    settings.bind(|| {
        let check = |path: &Path| {
            let (text, _) = render(path);
            let stem = path.file_name().unwrap().to_string_lossy().into_owned();
            insta::assert_snapshot!(stem.as_str(), text);
        };
        if fixtures {
            insta::glob!("fixtures/backend/k8s/*", |p| check(p));
        } else {
            insta::glob!(
                "../examples",
                "?*",
                |p| if p.join("agentpol.toml").exists() {
                    check(p)
                }
            );
        }
    });
}

#[test]
fn every_fixture_matches_its_snapshot() {
    snapshot_sets(true);
}

/// Example sets get their snapshots too (none until `examples/` exists).
#[test]
fn every_example_matches_its_snapshot() {
    snapshot_sets(false);
}

#[test]
fn every_code_has_docs_and_exactly_one_fixture() {
    crate::common::assert_one_fixture_per_code(k8s::CODES, "tests/fixtures/backend/k8s");
    for doc in k8s::CODES {
        assert_eq!(
            agentpol::registry::lookup(doc.code.as_str()).map(|d| d.name),
            Some(doc.name)
        );
    }
}

fn build(policy: &str) -> (Model, Output) {
    let (sources, compiled) = crate::common::compile_ok(&[("p.agentpol", policy)]);
    let out = generate(
        Target::K8s,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "p",
        },
    );
    (compiled.model, out)
}

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.escape_default())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Valid label values that YAML 1.1 (kubectl) would read as booleans,
    /// numbers, null or times stay strings; anything else is refused with a
    /// diagnostic, never emitted.
    #[test]
    fn label_values_keep_their_type_or_are_refused(
        value in prop_oneof![
            prop::sample::select(vec!["yes", "no", "on", "off", "y", "N", "true", "null", "1_000", "0x1F", "12.30", "2001-12-14", "1e3", ""]).prop_map(String::from),
            "[a-zA-Z0-9._ :\"\\\\/#{}\\[\\]-]{0,70}",
        ],
        namespace in prop_oneof![Just("agents".to_string()), "[a-z0-9\"\\\\ -]{0,66}"],
    ) {
        let policy = format!(
            "agent a {{\n  kubernetes namespace {} labels {{ \"app\" = {} \"tier\" = \"x\" }}\n  egress [\"api.example.com:443\", \"10.0.0.0/8:5432\"]\n}}\n",
            quoted(&namespace), quoted(&value)
        );
        let (model, out) = build(&policy);
        let bad_ns = agentpol::backend::k8s::names::check_namespace(&namespace).is_err();
        let bad_value = agentpol::backend::k8s::names::check_label_value(&value).is_err();
        if bad_ns || bad_value {
            prop_assert!(out.artifacts.is_empty());
            let codes: Vec<&str> = out.diagnostics.iter().map(|d| d.code.as_str()).collect();
            prop_assert_eq!(codes.contains(&"AP440"), bad_ns);
            prop_assert_eq!(codes.contains(&"AP441"), bad_value);
        } else {
            prop_assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
            check_output(&model, &out);
            let text = std::str::from_utf8(&out.artifacts[0].contents).unwrap();
            // Every scalar string is double-quoted, so YAML 1.1 cannot retype it.
            let needle = format!("app: {}", quoted(&value));
            prop_assert!(text.contains(&needle), "{}", text);
        }
    }
}

#[test]
fn agents_without_kubernetes_get_no_files_and_are_listed() {
    let (_, out) = build("agent a {\n  egress [\"x.example.com:443\"]\n}\n");
    let paths: Vec<&str> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["summary.md"]);
    let text = std::str::from_utf8(&out.artifacts[0].contents).unwrap();
    assert!(
        text.contains("## Agents without Kubernetes (no files)\n\n- `a`"),
        "{text}"
    );
}

#[test]
fn the_token_lifetime_follows_the_credential_lifetime() {
    for (ttl, seconds) in [("15m", 900), ("2h", 7200)] {
        let (_, out) = build(&format!(
            "agent a {{\n  kubernetes namespace \"n\" labels {{ \"app\" = \"a\" }}\n  credentials ttl {ttl}\n}}\n"
        ));
        let summary = std::str::from_utf8(
            &out.artifacts
                .iter()
                .find(|a| a.path == "summary.md")
                .unwrap()
                .contents,
        )
        .unwrap();
        assert!(
            summary.contains(&format!("expirationSeconds: {seconds}\n")),
            "{summary}"
        );
        // The pod-spec part in the summary is a valid projected volume.
        let yaml = summary
            .split("```yaml\n")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let part: Value = serde_yaml_ng::from_str(yaml).unwrap();
        let volume: k8s_openapi::api::core::v1::Volume = strict(&part["volumes"][0]);
        let token = volume.projected.unwrap().sources.unwrap()[0]
            .service_account_token
            .clone()
            .unwrap();
        assert_eq!(token.expiration_seconds, Some(seconds));
    }
}

/// `*:443` (every host on one port) is the whole IPv4 block on that port:
/// one `ipBlock` rule, no Cilium policy, and the same objects as
/// `0.0.0.0/0:443`.
#[test]
fn every_host_on_a_port_is_the_whole_ipv4_block() {
    let policy = |entry: &str| {
        format!(
            "agent a {{\n  kubernetes namespace \"agents\" labels {{ \"app\" = \"a\" }}\n  credentials ttl 15m\n  egress [\"{entry}\"]\n}}\n"
        )
    };
    let (model, star) = build(&policy("*:443"));
    let (_, block) = build(&policy("0.0.0.0/0:443"));
    assert!(star.diagnostics.is_empty(), "{:?}", star.diagnostics);
    check_output(&model, &star);
    assert_eq!(star.artifacts, block.artifacts);
    let text = std::str::from_utf8(&star.artifacts[0].contents).unwrap();
    let docs = documents(text);
    assert_eq!(docs.len(), 2, "no CiliumNetworkPolicy: {text}");
    let rules = docs[1]["spec"]["egress"].as_array().unwrap();
    assert_eq!(rules[1]["to"][0]["ipBlock"]["cidr"], "0.0.0.0/0", "{text}");
    assert_eq!(rules[1]["ports"][0]["port"], 443, "{text}");
}
