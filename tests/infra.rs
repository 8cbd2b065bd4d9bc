//! `check --infra`: a role and network policies wider than the declaration
//! are reported with witnesses; the generated documents themselves never
//! are (the comparison cannot be a check that always fires).

use agentpol::backend::{self, Target};
use agentpol::crosscheck::infra::{self, InfraFile};
use agentpol::source::Origin;
use std::path::Path;
use std::process::Command;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/infra/reports")
}

#[test]
fn wider_role_and_egress_are_reported_with_witnesses() {
    let out = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["check", ".", "--infra", "infra", "--format", "json"])
        .current_dir(fixture())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["sets"][0]["diagnostics"].as_array().unwrap();
    let infra: Vec<&serde_json::Value> = diags
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("AP23"))
        .collect();
    let witness = |code: &str, needle: &str| {
        infra
            .iter()
            .any(|d| d["code"] == code && d["message"].as_str().unwrap().contains(needle))
    };
    // `s3:*` on `*` while the grants stop at one bucket's `monthly/` keys.
    assert!(witness("AP232", "`LegacyDataLakeAccess`"), "{infra:#?}");
    let legacy = infra
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("LegacyDataLakeAccess")
        })
        .unwrap();
    assert_eq!(legacy["witness"]["action"], "s3:GetObject");
    assert_eq!(
        legacy["witness"]["resource"],
        "arn:aws:s3:::agentpol-witness-bucket/agentpol-witness-key"
    );
    assert!(legacy["labels"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("inline-policy.json"));
    // The statement without a Sid is named by its index.
    assert!(witness("AP232", "statement #3"), "{infra:#?}");
    assert!(
        !witness("AP232", "`ReadReports`"),
        "the narrow statement matches the declaration"
    );
    assert!(witness("AP233", "sessions of 12h"), "{infra:#?}");
    // The pod-identity trust without the namespace and service-account tags.
    assert!(witness("AP235", "pods.eks.amazonaws.com"), "{infra:#?}");
    assert!(
        witness("AP234", "`reports-analytics`") && witness("AP234", "10.0.0.0:5432"),
        "{infra:#?}"
    );
    assert!(witness("AP234", "`reports-internet`"), "{infra:#?}");
    assert!(!witness("AP234", "other-team"), "selects other pods");
    assert!(
        !witness("AP234", "agents-default-egress"),
        "DNS and the declared CIDR only"
    );
    let human = Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(["check", ".", "--infra", "infra"])
        .current_dir(fixture())
        .output()
        .unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/infra");
    settings.set_prepend_module_to_snapshot(false);
    settings
        .bind(|| insta::assert_snapshot!("reports-human", String::from_utf8_lossy(&human.stdout)));
}

/// Feeding each example's generated IAM policies and Kubernetes objects
/// back in as its infrastructure reports no gap.
#[test]
fn generated_documents_are_never_wider_than_the_declaration() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut compared = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("agentpol.toml").is_file() {
            continue;
        }
        let (mut sources, compiled, _) = crate::frontend::compile_fixture(&dir);
        let mut files = Vec::new();
        for target in [Target::Iam, Target::K8s] {
            let out = backend::generate(
                target,
                &backend::Input {
                    model: &compiled.model,
                    sources: &sources,
                    set_name: "x",
                },
            );
            for a in out.artifacts {
                let keep = a.path.ends_with(".yaml")
                    || (a.path.contains("/policy") && a.path.ends_with(".json"));
                if keep {
                    let rel = format!("{}/{}", target.as_str(), a.path);
                    let text = String::from_utf8(a.contents).unwrap();
                    files.push((rel, text));
                }
            }
        }
        let ids: Vec<_> = files
            .iter()
            .map(|(rel, text)| sources.add(rel.clone(), text.clone(), Origin::User))
            .collect();
        let infra_files: Vec<InfraFile<'_>> = files
            .iter()
            .zip(&ids)
            .map(|((rel, text), id)| InfraFile {
                file: *id,
                path: rel,
                text,
            })
            .collect();
        let found = infra::check(&compiled.model, &sources, &infra_files);
        let gaps: Vec<_> = found
            .iter()
            .filter(|d| d.code.as_str().starts_with("AP23"))
            .collect();
        assert!(gaps.is_empty(), "{}: {gaps:#?}", dir.display());
        compared += infra_files.len();
        kinds.extend(
            infra_files
                .iter()
                .map(|f| f.path.split('/').next().unwrap().to_string()),
        );
    }
    assert!(
        compared >= 5,
        "the examples generate IAM and Kubernetes documents: {compared}"
    );
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["iam", "k8s"]);
}

/// Conditions, `NotAction`/`NotResource` and the trust policy: what a
/// condition narrows to the declaration is not reported, what it does not
/// is, with the request context as part of the witness.
#[test]
fn conditions_not_action_and_trust_are_compared() {
    let run = |format: Option<&str>| {
        let mut args = vec!["check", ".", "--infra", "infra-more"];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(args)
            .current_dir(fixture())
            .output()
            .unwrap()
    };
    let out = run(Some("json"));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["sets"][0]["diagnostics"].as_array().unwrap();
    let find = |code: &str, sid: &str| {
        diags.iter().find(|d| {
            d["code"] == code && d["message"].as_str().unwrap().contains(&format!("`{sid}`"))
        })
    };
    for narrow in [
        "ListMonthlyOnly",
        "NeverHolds",
        "AllOfMonthly",
        "PodIdentityScoped",
    ] {
        assert!(
            find("AP232", narrow).is_none() && find("AP235", narrow).is_none(),
            "{narrow}: {diags:#?}"
        );
    }
    let list = find("AP232", "ListAnything").unwrap();
    assert_eq!(list["witness"]["context"]["s3:prefix"], "agentpol-witness");
    assert_eq!(list["witness"]["context"]["aws:SecureTransport"], "true");
    // `Date*` operators are evaluated: the witness is one second before the
    // statement's deadline, and nothing is assumed.
    let timed = find("AP232", "TimeBoxedScratch").unwrap();
    assert_eq!(
        timed["witness"]["context"]["aws:CurrentTime"],
        "2026-12-31T23:59:59Z"
    );
    assert!(!timed["notes"].to_string().contains("assumed"), "{timed:#}");
    // A witness ARN has the format AWS documents for the action's resource
    // type (a DynamoDB table in the role's account), and `ForAnyValue` holds
    // for a request naming one of its values.
    let table = find("AP232", "AnyTable").unwrap();
    assert_eq!(
        table["witness"]["resource"],
        "arn:aws:dynamodb:us-east-1:123456789012:table/agentpol-witness"
    );
    assert_eq!(table["witness"]["context"]["dynamodb:Attributes"], "id");
    let not_action = find("AP232", "EverythingButIam").unwrap();
    assert!(!not_action["witness"]["action"]
        .as_str()
        .unwrap()
        .starts_with("iam:"));
    assert!(find("AP232", "AnythingButSecrets").is_some());
    assert!(find("AP232", "FromTheVpcEndpoint").is_some());
    let partner = find("AP235", "PartnerAccount").unwrap();
    assert_eq!(
        partner["witness"]["principal"]["AWS"],
        "arn:aws:iam::210987654321:root"
    );
    let org = find("AP235", "AnyoneInTheOrg").unwrap();
    assert_eq!(
        org["witness"]["context"]["aws:PrincipalOrgID"],
        "o-a1b2c3d4e5"
    );
    let human = run(None);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/infra");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("conditions-human", String::from_utf8_lossy(&human.stdout))
    });
}
