//! Workflow commands through the binary: `agentpol init` scaffolds a policy
//! set that passes `check`, `eval`, `test` and `fmt --check` as written and
//! never overwrites a file; `build --signing-key` signs the OPA bundle so
//! that an independent JWS implementation (Python's PyJWT with
//! `cryptography`, installed by `.ci/run`) verifies it and recomputes every
//! file digest the way OPA does.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn agentpol(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentpol"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn init_scaffolds_a_set_that_passes_check_eval_test_and_fmt() {
    let tmp = tempfile::tempdir().unwrap();
    let out = agentpol(&["init", "ops-policies"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let set = tmp.path().join("ops-policies");
    for f in [
        "agentpol.toml",
        "policy.agentpol",
        ".pre-commit-config.yaml",
    ] {
        assert!(set.join(f).is_file(), "{f} missing");
    }
    let config = std::fs::read_to_string(set.join("agentpol.toml")).unwrap();
    assert!(config.contains("name = \"ops-policies\""), "{config}");
    let policy = std::fs::read_to_string(set.join("policy.agentpol")).unwrap();
    assert!(policy.contains("use std.presets.table2") && policy.contains("apply presets.table2"));

    // `check` is clean even at `fail_on = "warning"`, which the config sets.
    let check = agentpol(&["check", "ops-policies"], tmp.path());
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(
        text(&check).contains("0 error(s), 0 warning(s)"),
        "{}",
        text(&check)
    );

    // Each request is decided as its name says, and every kind is there.
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(set.join("requests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = match name.split('-').next().unwrap() {
            "allow" => "allow",
            "deny" => "deny",
            "approval" => "approval_required",
            other => panic!("request {name} has no decision prefix ({other})"),
        };
        kinds.insert(expected);
        let out = agentpol(
            &["eval", "ops-policies", "--request", path.to_str().unwrap()],
            tmp.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let decision: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(decision["decision"], expected, "{name}: {decision}");
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");

    // The same requests as policy tests, on every engine, and the layout
    // the fmt hook expects.
    let test = agentpol(&["test", "ops-policies", "--engines", "all"], tmp.path());
    assert_eq!(test.status.code(), Some(0), "{}", text(&test));
    let fmt = agentpol(&["fmt", "--check", "ops-policies"], tmp.path());
    assert_eq!(fmt.status.code(), Some(0), "{}", text(&fmt));

    // The pre-commit config names hooks this repository publishes.
    let published: Vec<serde_yaml_ng::Value> = serde_yaml_ng::from_str(
        &std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let ids: Vec<&str> = published.iter().filter_map(|h| h["id"].as_str()).collect();
    let config: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(set.join(".pre-commit-config.yaml")).unwrap(),
    )
    .unwrap();
    let hooks = config["repos"][0]["hooks"].as_sequence().unwrap();
    assert_eq!(hooks.len(), 2);
    for h in hooks {
        assert!(ids.contains(&h["id"].as_str().unwrap()), "{h:?}");
    }
    assert_eq!(
        config["repos"][0]["rev"].as_str(),
        Some(format!("v{}", env!("CARGO_PKG_VERSION")).as_str())
    );
}

#[test]
fn init_in_the_working_directory_names_the_set_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fleet");
    std::fs::create_dir(&dir).unwrap();
    let out = agentpol(&["init"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let config = std::fs::read_to_string(dir.join("agentpol.toml")).unwrap();
    assert!(config.contains("name = \"fleet\""), "{config}");
    let check = agentpol(&["check"], &dir);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn init_never_overwrites_and_then_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    std::fs::create_dir_all(dir.join("requests")).unwrap();
    std::fs::write(dir.join("policy.agentpol"), "# my own policy\n").unwrap();
    std::fs::write(dir.join("requests/deny-post-other-channel.json"), "{}").unwrap();
    let out = agentpol(&["init", "mine"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // Without the report's line wrapping.
    let err = String::from_utf8_lossy(&out.stderr).replace("\n  │ ", "");
    assert!(err.contains("AP550"), "{err}");
    assert!(
        err.contains("`policy.agentpol`")
            && err.contains("`requests/deny-post-other-channel.json`"),
        "{err}"
    );
    assert!(err.contains("never overwrites"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("policy.agentpol")).unwrap(),
        "# my own policy\n"
    );
    // All or nothing: no other file was created.
    assert!(!dir.join("agentpol.toml").exists());
    assert!(!dir.join(".pre-commit-config.yaml").exists());
    assert_eq!(std::fs::read_dir(dir.join("requests")).unwrap().count(), 1);
    // A second init into a finished set refuses too.
    let fresh = agentpol(&["init", "fresh"], tmp.path());
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh));
    let again = agentpol(&["init", "fresh"], tmp.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("AP550"));
}

#[test]
fn init_refuses_a_file_where_a_folder_goes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("blocked");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("requests"), "").unwrap();
    let out = agentpol(&["init", "blocked"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AP550") && err.contains("`requests`"), "{err}");
    // Checked before the first write: nothing was written.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn init_with_an_unknown_preset_lists_the_known_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = agentpol(&["init", "x", "--preset", "table3"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AP551") && err.contains("`table3`"), "{err}");
    assert!(err.contains("known presets: `table2`"), "{err}");
    assert!(!tmp.path().join("x").exists());
}

/// Every preset of the standard library has a starter, so `--preset` can
/// name any of them (the sample requests are written per preset).
#[test]
fn every_stdlib_preset_has_an_init_starter() {
    let tmp = tempfile::tempdir().unwrap();
    let presets: Vec<String> = agentpol::resolve::stdlib::names()
        .filter_map(|m| m.strip_prefix("std.presets.").map(str::to_string))
        .collect();
    assert!(presets.contains(&"table2".to_string()), "{presets:?}");
    for p in &presets {
        let out = agentpol(&["init", p, "--preset", p], tmp.path());
        assert_eq!(out.status.code(), Some(0), "{p}: {}", text(&out));
        let check = agentpol(&["check", p], tmp.path());
        assert_eq!(check.status.code(), Some(0), "{p}: {}", text(&check));
    }
}

// ---- signed bundles ---------------------------------------------------

/// Whether `python3` can import PyJWT and `cryptography`.
fn have_pyjwt() -> bool {
    Command::new("python3")
        .args(["-c", "import jwt, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `script` with `python3`, arguments after it; (success, output).
fn python(script: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    (out.status.success(), text(&out))
}

/// Writes an RSA key pair with `cryptography`: (private PEM, public PEM).
const KEYGEN: &str = r#"
import sys
from cryptography.hazmat.primitives.asymmetric import rsa, ec
from cryptography.hazmat.primitives import serialization as s
kind, priv, pub = sys.argv[1:4]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
fmt = s.PrivateFormat.TraditionalOpenSSL if kind == "rsa" else s.PrivateFormat.PKCS8
open(priv, "wb").write(key.private_bytes(s.Encoding.PEM, fmt, s.NoEncryption()))
open(pub, "wb").write(key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
"#;

/// Verifies a signed bundle as OPA does, independently of agentpol: the
/// JWS with PyJWT, then every file's digest (JSON files by OPA's canonical
/// form: keys sorted, compact, Go's string escapes), every file listed and
/// nothing listed missing; a tampered data.json must not verify. Prints
/// `verified N files`.
const VERIFY: &str = r#"
import hashlib, json, sys, tarfile, jwt
bundle, key, alg, kid, scope = sys.argv[1:6]
key = open(key, "rb").read()
files = {}
with tarfile.open(bundle, "r:gz") as t:
    for m in t.getmembers():
        files[m.name.lstrip("/")] = t.extractfile(m).read()
sigs = json.loads(files.pop(".signatures.json"))["signatures"]
assert len(sigs) == 1, sigs
header = jwt.get_unverified_header(sigs[0])
assert header["alg"] == alg, header
assert header.get("kid", "") == kid, header
claims = jwt.decode(sigs[0], key, algorithms=[alg])
assert claims.get("scope", "") == scope, claims
assert claims.get("keyid", "") == kid, claims
def canonical(v):
    text = json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
def digest(name, body):
    base = name.rsplit("/", 1)[-1]
    if base in ("data.json", "data.yaml", ".manifest"):
        body = canonical(json.loads(body))
    return hashlib.sha256(body).hexdigest()
listed = {f["name"]: f for f in claims["files"]}
assert set(listed) == set(files), (sorted(listed), sorted(files))
for name, body in files.items():
    assert listed[name]["algorithm"] == "SHA-256", listed[name]
    assert listed[name]["hash"] == digest(name, body), name
tampered = json.loads(files["data.json"])
tampered["agentpol"]["tampered"] = True
assert digest("data.json", json.dumps(tampered).encode()) != listed["data.json"]["hash"]
import base64
h, p, s = sigs[0].split(".")
forged = dict(claims, files=[dict(f, hash="0" * 64) for f in claims["files"]])
p = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
try:
    jwt.decode(".".join([h, p, s]), key, algorithms=[alg])
    raise SystemExit("a forged payload verified")
except jwt.InvalidSignatureError:
    pass
print("verified", len(files), "files")
"#;

/// `KIND.pem` and `KIND.pub.pem` in `dir` (KIND: `rsa` or `ec`).
fn keygen(dir: &Path, kind: &str) -> (bool, String) {
    let private = dir.join(format!("{kind}.pem"));
    let public = dir.join(format!("{kind}.pub.pem"));
    python(
        KEYGEN,
        &[kind, private.to_str().unwrap(), public.to_str().unwrap()],
    )
}

fn build_signed(tmp: &Path, out: &str, extra: &[&str]) -> Output {
    let example = repo().join("examples/support-triage");
    let mut args = vec![
        "build",
        example.to_str().unwrap(),
        "--target",
        "rego",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    agentpol(&args, tmp)
}

#[test]
fn a_signed_bundle_verifies_with_an_independent_jws_implementation() {
    if !have_pyjwt() {
        println!("SKIPPED: python3 with PyJWT and cryptography is not installed (`pip install pyjwt cryptography`; .ci/run installs them)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let (ok, log) = keygen(p, "rsa");
    assert!(ok, "{log}");

    // RS256 by default, no key id (OPA then uses its --verification-key-id).
    let out = build_signed(p, "rs", &["--signing-key", "rsa.pem"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let bundle = p.join("rs/rego/bundle.tar.gz");
    let (ok, log) = python(
        VERIFY,
        &[
            bundle.to_str().unwrap(),
            p.join("rsa.pub.pem").to_str().unwrap(),
            "RS256",
            "",
            "",
        ],
    );
    assert!(ok, "{log}");
    assert!(log.contains("verified 3 files"), "{log}");

    // Deterministic: a second build writes the same bytes.
    let again = build_signed(p, "rs2", &["--signing-key", "rsa.pem"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(
        std::fs::read(&bundle).unwrap(),
        std::fs::read(p.join("rs2/rego/bundle.tar.gz")).unwrap()
    );

    // HS256 with a shared secret, a key id and a scope.
    std::fs::write(p.join("secret"), "correct horse battery staple").unwrap();
    let out = build_signed(
        p,
        "hs",
        &[
            "--signing-key",
            "secret",
            "--signing-alg",
            "HS256",
            "--signing-key-id",
            "fleet-2026",
            "--signing-scope",
            "write",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (ok, log) = python(
        VERIFY,
        &[
            p.join("hs/rego/bundle.tar.gz").to_str().unwrap(),
            p.join("secret").to_str().unwrap(),
            "HS256",
            "fleet-2026",
            "write",
        ],
    );
    assert!(ok, "{log}");

    // ES256 with an EC key.
    let (ok, log) = keygen(p, "ec");
    assert!(ok, "{log}");
    let out = build_signed(
        p,
        "es",
        &["--signing-key", "ec.pem", "--signing-alg", "ES256"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (ok, log) = python(
        VERIFY,
        &[
            p.join("es/rego/bundle.tar.gz").to_str().unwrap(),
            p.join("ec.pub.pem").to_str().unwrap(),
            "ES256",
            "",
            "",
        ],
    );
    assert!(ok, "{log}");
}

#[test]
fn the_signed_manifest_keeps_the_content_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(p.join("secret"), "s3cret").unwrap();
    let plain = build_signed(p, "plain", &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    let signed = build_signed(
        p,
        "signed",
        &["--signing-key", "secret", "--signing-alg", "HS256"],
    );
    assert_eq!(signed.status.code(), Some(0), "{}", text(&signed));
    let entries = |dir: &str| -> Vec<(String, Vec<u8>)> {
        let f = std::fs::File::open(p.join(dir).join("rego/bundle.tar.gz")).unwrap();
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().to_string_lossy().into_owned();
                let mut body = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut body).unwrap();
                (name, body)
            })
            .collect()
    };
    let plain = entries("plain");
    let signed = entries("signed");
    assert_eq!(signed[0].0, ".signatures.json");
    // Signing adds one file and changes none: the manifest's revision is
    // still the hash of the policy and data.
    assert_eq!(&signed[1..], &plain[..]);
    let manifest: Value = serde_json::from_slice(&plain[0].1).unwrap();
    assert!(
        manifest["revision"]
            .as_str()
            .unwrap()
            .starts_with("sha3-256:"),
        "{manifest}"
    );
}

#[test]
fn a_bad_signing_key_is_a_diagnostic_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(
        p.join("garbage.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::write(p.join("empty"), "").unwrap();
    for (extra, needle) in [
        (
            vec!["--signing-key", "garbage.pem"],
            "RSA private key in PEM",
        ),
        (
            vec!["--signing-key", "missing.pem"],
            "cannot read the signing key",
        ),
        (
            vec!["--signing-key", "empty", "--signing-alg", "HS256"],
            "the secret is empty",
        ),
        (
            vec!["--signing-key", "garbage.pem", "--signing-alg", "ES256"],
            "EC private key in PEM",
        ),
        (
            vec!["--signing-key", "garbage.pem", "--signing-alg", "PS256"],
            "unknown signing algorithm",
        ),
    ] {
        let out = build_signed(p, "out", &extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("AP552") && err.contains(needle),
            "{extra:?}: {err}"
        );
        assert!(err.contains("help:"), "a help line: {err}");
        assert!(!p.join("out").exists(), "{extra:?} wrote output");
    }
    let example = repo().join("examples/support-triage");
    let out = agentpol(
        &[
            "build",
            example.to_str().unwrap(),
            "--target",
            "cedar",
            "--out",
            "out",
            "--signing-key",
            "garbage.pem",
        ],
        p,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AP553"));
    assert!(!p.join("out").exists());
}

// ---- CI recipes -----------------------------------------------------------

/// Every shell line of a workflow (GitHub `run`, GitLab `script` and
/// `before_script`), at any depth.
fn shell_lines(v: &serde_yaml_ng::Value, out: &mut Vec<String>) {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Mapping(m) => {
            for (k, val) in m {
                let key = k.as_str().unwrap_or_default();
                match (key, val) {
                    ("run", Y::String(s)) => out.extend(s.lines().map(str::to_string)),
                    ("script" | "before_script", Y::Sequence(items)) => {
                        for item in items {
                            if let Some(s) = item.as_str() {
                                out.extend(s.lines().map(str::to_string));
                            }
                        }
                    }
                    _ => shell_lines(val, out),
                }
            }
        }
        Y::Sequence(items) => items.iter().for_each(|i| shell_lines(i, out)),
        _ => {}
    }
}

/// The `agentpol` invocations among `lines`, as words up to a redirection
/// or the next command.
fn invocations(lines: &[String]) -> Vec<Vec<String>> {
    lines
        .iter()
        .filter_map(|l| {
            let l = l.trim();
            l.starts_with("agentpol ").then(|| {
                l.split_whitespace()
                    .take_while(|w| !w.starts_with('>') && !["|", "||", "&&", ";"].contains(w))
                    .map(|w| w.trim_matches('"').to_string())
                    .collect()
            })
        })
        .collect()
}

/// Checks that each invocation names a real subcommand, real flags and,
/// for flags with a fixed set of values, a real value (from `--help`).
fn assert_real_commands(file: &str, calls: &[Vec<String>]) {
    for call in calls {
        let sub = &call[1];
        let help = agentpol(&[sub, "--help"], repo());
        assert_eq!(
            help.status.code(),
            Some(0),
            "{file}: `agentpol {sub}` is no command"
        );
        let help = String::from_utf8_lossy(&help.stdout);
        for (i, word) in call.iter().enumerate().skip(2) {
            if !word.starts_with("--") {
                continue;
            }
            let flag = word.split('=').next().unwrap();
            assert!(
                help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                    .any(|w| w == flag),
                "{file}: `agentpol {sub}` has no flag {flag}"
            );
            if flag == "--format" || flag == "--fail-on" || flag == "--target" {
                // The flag's block of the long help, up to the next option.
                let value = &call[i + 1];
                let block: Vec<&str> = help
                    .lines()
                    .skip_while(|l| !l.trim_start().starts_with(flag))
                    .take_while(|l| !l.is_empty())
                    .collect();
                let values: Vec<&str> = block
                    .iter()
                    .filter_map(|l| l.trim().strip_prefix("- "))
                    .map(|v| v.split(':').next().unwrap())
                    .chain(
                        block
                            .iter()
                            .filter_map(|l| l.split("[possible values: ").nth(1))
                            .map(|v| v.split(']').next().unwrap())
                            .flat_map(|v| v.split(", ")),
                    )
                    .collect();
                assert!(
                    !values.is_empty(),
                    "{file}: no values listed for {flag}: {block:?}"
                );
                assert!(
                    values.contains(&value.as_str()),
                    "{file}: {flag} {value}: {values:?}"
                );
            }
        }
    }
}

fn workflow(name: &str) -> (serde_yaml_ng::Value, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(repo().join("examples/ci").join(name)).unwrap();
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut lines = Vec::new();
    shell_lines(&yaml, &mut lines);
    let calls = invocations(&lines);
    assert_real_commands(name, &calls);
    (yaml, calls)
}

/// `agentpol check ... --format FORMAT > FILE`: FILE.
fn report_file(text: &str, format: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches("- "))
        .find(|l| l.starts_with("agentpol check") && l.contains(&format!("--format {format} >")))
        .and_then(|l| l.split('>').nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no `agentpol check --format {format} > FILE`"))
}

#[test]
fn the_github_workflow_uploads_sarif_and_comments_a_diff() {
    let (yaml, calls) = workflow("github-actions.yml");
    let subs: Vec<&str> = calls.iter().map(|c| c[1].as_str()).collect();
    assert!(
        subs.contains(&"check") && subs.contains(&"diff"),
        "{subs:?}"
    );
    assert!(calls
        .iter()
        .any(|c| c[1] == "diff" && c.contains(&"--base".to_string())));

    let check = &yaml["jobs"]["check"];
    assert_eq!(
        check["permissions"]["security-events"].as_str(),
        Some("write")
    );
    let steps = check["steps"].as_sequence().unwrap();
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(upload["if"].as_str(), Some("always()"));
    let text = std::fs::read_to_string(repo().join("examples/ci/github-actions.yml")).unwrap();
    assert_eq!(
        upload["with"]["sarif_file"].as_str(),
        Some(report_file(&text, "sarif").as_str())
    );

    let diff = &yaml["jobs"]["diff"];
    assert_eq!(
        diff["if"].as_str(),
        Some("github.event_name == 'pull_request'")
    );
    assert_eq!(diff["permissions"]["pull-requests"].as_str(), Some("write"));
    let steps = diff["steps"].as_sequence().unwrap();
    assert_eq!(steps[0]["with"]["fetch-depth"].as_u64(), Some(0));
    assert!(text.contains("gh pr comment"));
}

#[test]
fn the_gitlab_pipeline_reports_code_quality_and_a_diff() {
    let (yaml, calls) = workflow("gitlab-ci.yml");
    let subs: Vec<&str> = calls.iter().map(|c| c[1].as_str()).collect();
    assert!(
        subs.contains(&"check") && subs.contains(&"diff"),
        "{subs:?}"
    );
    let text = std::fs::read_to_string(repo().join("examples/ci/gitlab-ci.yml")).unwrap();
    let job = &yaml["agentpol-check"];
    assert_eq!(
        job["artifacts"]["reports"]["codequality"].as_str(),
        Some(report_file(&text, "gitlab").as_str())
    );
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
    assert_eq!(
        yaml["agentpol-diff"]["rules"][0]["if"].as_str(),
        Some("$CI_PIPELINE_SOURCE == \"merge_request_event\"")
    );
}

#[test]
fn the_gitlab_report_points_at_repository_files() {
    // Run from the repository root, as the pipeline does.
    let out = agentpol(
        &["check", "examples/risky-deployment", "--format", "gitlab"],
        repo(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let issues: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let json = agentpol(
        &["check", "examples/risky-deployment", "--format", "json"],
        repo(),
    );
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let diagnostics = json["sets"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(issues.len(), diagnostics.len());
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::BTreeSet::new();
    for (issue, d) in issues.iter().zip(diagnostics) {
        assert_eq!(issue["type"], "issue");
        assert_eq!(issue["check_name"], d["code"]);
        assert!(issue["description"]
            .as_str()
            .unwrap()
            .starts_with(d["message"].as_str().unwrap()));
        let severity = issue["severity"].as_str().unwrap();
        let expected = match d["severity"].as_str().unwrap() {
            "error" => "critical",
            "warning" => "major",
            _ => "info",
        };
        assert_eq!(severity, expected);
        assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
        let path = issue["location"]["path"].as_str().unwrap();
        let file = std::fs::read_to_string(repo().join(path))
            .unwrap_or_else(|e| panic!("{path} is not a repository file: {e}"));
        let line = issue["location"]["lines"]["begin"].as_u64().unwrap() as usize;
        assert!(line >= 1 && line <= file.lines().count(), "{path}:{line}");
    }
}
