//! The generated Rego in the real Go OPA engine (v1.20.2, embedded by the
//! Python package `opa-golib-python-bindings` 0.4.4, driven by
//! `tests/support/opa_driver.py`) decides as `decide` does: on the random
//! policies and requests of the regorus differential, on variants of those
//! requests with their integers rewritten in forms the request format
//! refuses (`50000.0`, `5e4`, `-0`, beyond 64 bits) beside integers of the
//! same value, on the malformed-request table, on a fixed table of numeric
//! forms that Cedar must refuse alike, and on every example's requests and
//! generated unit tests.
//!
//! OPA keeps a number's text and memoizes function results by value within
//! one query, which regorus does neither of: these are the tests that see it.
//! Without the package the tests say so and pass, unless
//! `AGENTPOL_REQUIRE_OPA=1` (set by `.ci/run`), which makes them fail.

use super::{agree, build, Built};
use crate::common::gen;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// One OPA engine in a driver process.
struct Opa {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Opa {
    /// The driver, or `None` (after saying why) when OPA is not installed and
    /// not required.
    fn start() -> Option<Opa> {
        let python = std::env::var("AGENTPOL_PYTHON").unwrap_or_else(|_| "python3".into());
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/opa_driver.py");
        let required = std::env::var("AGENTPOL_REQUIRE_OPA").is_ok_and(|v| v == "1");
        let unavailable = |why: String| {
            assert!(
                !required,
                "AGENTPOL_REQUIRE_OPA=1 but Go OPA is unavailable: {why}\n\
                 install it with `pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4`"
            );
            eprintln!(
                "skipped: Go OPA is unavailable ({why}); AGENTPOL_REQUIRE_OPA=1 makes this fail"
            );
            None
        };
        let mut child = match Command::new(&python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => return unavailable(format!("cannot run {python}: {e}")),
        };
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let hello: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if hello["ready"] != true {
            let _ = child.kill();
            let _ = child.wait();
            return unavailable(match hello["unavailable"].as_str() {
                Some(why) => why.to_string(),
                None if line.trim().is_empty() => {
                    format!("{python} {} exited without answering", script.display())
                }
                None => format!("the driver said {:?}", line.trim()),
            });
        }
        Some(Opa {
            child,
            stdin,
            stdout,
        })
    }

    fn line(&mut self, command: &str) -> Value {
        assert!(!command.contains('\n'));
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("driver said {line:?}: {e}"));
        assert!(v.get("error").is_none(), "OPA: {}\n{command}", v["error"]);
        v
    }

    /// Loads the policy and data of a built Rego target.
    fn load(&mut self, built: &Built) {
        let text = |p: &str| super::artifact_text(&built.artifacts, p);
        let command = json!({"policy": text("policy.rego"), "data": text("data.json")});
        self.line(&format!("L {command}"));
    }

    /// Loads the policy, data and generated unit tests of a built target.
    fn load_with_tests(&mut self, built: &Built) {
        let text = |p: &str| super::artifact_text(&built.artifacts, p);
        let command = json!({
            "policy": text("policy.rego"),
            "data": text("data.json"),
            "tests": text("policy_test.rego"),
        });
        self.line(&format!("L {command}"));
    }

    /// The value of `data.PATH` without input (`None` when undefined).
    fn document(&mut self, path: &str) -> Option<Value> {
        let v = self.line(&format!("D {path}"));
        v.get("value").cloned()
    }

    /// OPA's decision for a request, given as the exact JSON text to send.
    fn decide(&mut self, request: &str) -> Value {
        self.line(&format!("R {request}"))
    }
}

impl Drop for Opa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The reference decision for a request text (parsed as `agentpol eval`
/// parses it).
fn reference(built: &Built, text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap();
    built.reference(&v)
}

/// The request text with the number at `path` written as `form`.
fn with_number(request: &Value, path: &[PathStep], form: &str) -> String {
    const MARK: &str = "\u{1}number\u{1}";
    let mut r = request.clone();
    let mut node = &mut r;
    for step in path {
        node = match step {
            PathStep::Key(k) => &mut node[k.as_str()],
            PathStep::Index(i) => &mut node[*i],
        };
    }
    *node = Value::String(MARK.into());
    r.to_string()
        .replacen(&Value::String(MARK.into()).to_string(), form, 1)
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// Every integer of a request, with its path.
fn integers(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<(Vec<PathStep>, i64)>) {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push((path.clone(), i));
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                integers(x, path, out);
                path.pop();
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                integers(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Forms of the integer `n` that the request format refuses: an
/// integer-valued float, an exponent, `-0`, and the same digits pushed
/// beyond 64 bits.
fn refused_forms(n: i64) -> Vec<String> {
    let wide = i128::from(n) + if n < 0 { -(1i128 << 64) } else { 1i128 << 64 };
    let mut forms = vec![format!("{n}.0"), format!("{n}e0"), wide.to_string()];
    if n == 0 {
        forms.push("-0".into());
        forms.push("-0.0".into());
    }
    forms
}

/// The law over the regorus differential's cases, and over each request
/// with one integer at a time written in a refused form: OPA and `decide`
/// give the same decision document.
#[test]
fn go_opa_decides_generated_cases_as_the_reference() {
    let Some(mut opa) = Opa::start() else { return };
    let mut runner = TestRunner::deterministic();
    let (mut plain, mut rewritten, mut allowed) = (0usize, 0usize, 0usize);
    for case in 0..60 {
        let (policy, requests) = gen::case().new_tree(&mut runner).unwrap().current();
        let built = build(&policy);
        opa.load(&built);
        for (k, request) in requests.iter().enumerate() {
            let mut texts = vec![request.to_string()];
            let mut found = Vec::new();
            integers(request, &mut Vec::new(), &mut found);
            for (j, (path, n)) in found.iter().enumerate() {
                let forms = refused_forms(*n);
                texts.push(with_number(
                    request,
                    path,
                    &forms[(case + k + j) % forms.len()],
                ));
            }
            for (i, text) in texts.iter().enumerate() {
                let want = reference(&built, text);
                let got = opa.decide(text);
                if let Err(e) = agree(&got, &want) {
                    panic!("{policy}\n{e}\nrequest:   {text}\nopa:       {got}\nreference: {want}");
                }
                if i == 0 {
                    plain += 1;
                    allowed += usize::from(want["decision"] == "allow");
                } else {
                    rewritten += 1;
                    assert_eq!(want["decision"], "deny", "{text}");
                }
            }
        }
    }
    assert!(
        plain >= 600 && rewritten >= 1500 && allowed >= 50,
        "{plain} requests, {rewritten} rewritten, {allowed} allowed"
    );
}

/// The malformed-request table of the regorus tests (every field removed,
/// every node replaced by every junk value, an unknown field in every
/// object), plus integer-valued floats, which only OPA can tell apart: OPA
/// decides each as `decide` does.
#[test]
fn go_opa_decides_every_single_defect_as_the_reference() {
    use super::malformed::{junk, mutate, paths, valid, Mutation, POLICY};
    let Some(mut opa) = Opa::start() else { return };
    let built = build(POLICY);
    opa.load(&built);
    let base = valid();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    let mut mutations = vec![
        Mutation::Remove,
        Mutation::AddField("extra".into(), json!(1)),
    ];
    let floats = [json!(1.0), json!(-0.0), json!(100.0), json!(3.0)];
    mutations.extend(junk().into_iter().chain(floats).map(Mutation::Replace));
    let mut denied = 0;
    for path in &all {
        for m in &mutations {
            let Some(request) = mutate(&base, path, m) else {
                continue;
            };
            let text = request.to_string();
            let want = reference(&built, &text);
            let got = opa.decide(&text);
            if let Err(e) = agree(&got, &want) {
                panic!("{e}\nrequest:   {text}\nopa:       {got}\nreference: {want}");
            }
            denied += usize::from(want["decision"] == "deny");
        }
    }
    assert!(denied > 500, "only {denied} mutations denied");
}

const NUMBERS: &str = r#"
tool t.pay {
  arg n: int
  arg m: int
  arg wait?: duration
  arg ids?: list<int>
  arg amount: money(USD)
  effects [spend]
  spends amount
  output trusted internal
}
agent a {
  budget USD 1000.00 per session
  allow t.pay where n <= 60000 and m >= -1
  limit t.pay 5 per session
}
"#;

/// A request to the fixed policy, from the texts of its numbers.
fn pay(n: &str, m: &str, extra: &str, session: &str, spent: &str) -> String {
    format!(
        r#"{{"agent":"a","tool":"t.pay","args":{{"n":{n},"m":{m},"amount":{{"minor":{spent},"currency":"USD"}}{extra}}},"context":{{"calls":{{"session":{session},"1h":{session}}},"spent":{{"minor":{spent},"currency":"USD"}}}}}}"#
    )
}

/// Which numbers a request may carry: 64-bit integers written as digits
/// (`-9223372036854775808` to `9223372036854775807`), nothing else — in
/// arguments, list elements, money and counters. The same value written in
/// a refused form beside an accepted one in the same request (what OPA's
/// memoization by value used to confuse) is refused by `decide`, by the Go
/// OPA engine and by Cedar alike.
#[test]
fn every_engine_refuses_the_same_numeric_forms() {
    let accepted = [
        pay("50000", "50000", "", "1", "0"),
        pay("0", "0", r#","wait":0,"ids":[0,1]"#, "0", "0"),
        pay(
            "-9223372036854775808",
            "9223372036854775807",
            "",
            "4",
            "100",
        ),
        pay("60000", "-1", r#","ids":[9223372036854775807]"#, "1", "1"),
    ];
    let refused = [
        pay("50000", "50000.0", "", "1", "0"),
        pay("50000.0", "50000", "", "1", "0"),
        pay("5e4", "50000", "", "1", "0"),
        pay("0", "-0", "", "0", "0"),
        pay("-0", "0", "", "0", "0"),
        pay("0", "-0.0", "", "0", "0"),
        pay("1", "1", r#","wait":-0"#, "0", "0"),
        pay("1", "1", r#","wait":1.0,"ids":[1]"#, "1", "0"),
        pay("1", "1", r#","ids":[1,1.0]"#, "1", "0"),
        pay("1", "9223372036854775808", "", "1", "0"),
        pay("1", "-9223372036854775809", "", "1", "0"),
        pay("1", "18446744073709551617", "", "1", "0"),
        pay("1", "1", "", "1.0", "0"),
        pay("1", "1", "", "1e0", "0"),
        pay("0", "0", "", "-0", "0"),
        pay("1", "1", "", "18446744073709551616", "0"),
        pay("1", "1", "", "1", "1.0"),
        pay("0", "0", "", "0", "-0"),
        pay("1", "1", "", "1", "100000000000000000000"),
    ];
    let mut built = build(NUMBERS);
    let cedar = crate::cedar::harness::build(&[("p.agentpol", NUMBERS)]);
    let mut opa = Opa::start();
    if let Some(o) = opa.as_mut() {
        o.load(&built);
    }
    for (text, ok) in accepted
        .iter()
        .map(|t| (t, true))
        .chain(refused.iter().map(|t| (t, false)))
    {
        let request: Value = serde_json::from_str(text).unwrap();
        let want = reference(&built, text);
        let reasons = want["reasons"].to_string();
        if ok {
            assert_eq!(want["decision"], "allow", "{text}: {reasons}");
            // regorus reads numbers by value: it agrees where the text is
            // an integer's.
            built.check(&request).unwrap();
        } else {
            assert_eq!(want["decision"], "deny", "{text}");
            assert!(reasons.contains("invalid "), "{text}: {reasons}");
        }
        crate::cedar::agrees(&cedar, &request).unwrap_or_else(|e| panic!("cedar: {e}\n{text}"));
        if let Some(o) = opa.as_mut() {
            let got = o.decide(text);
            agree(&got, &want).unwrap_or_else(|e| {
                panic!("{e}\nrequest:   {text}\nopa:       {got}\nreference: {want}")
            });
        }
    }
}

/// Every shipped example: each of its request files, sent to OPA byte for
/// byte, is decided as `decide` decides it, and every test of the generated
/// `policy_test.rego` holds in OPA (`opa test` would run the same rules).
#[test]
fn go_opa_decides_the_examples_and_passes_their_generated_tests() {
    let Some(mut opa) = Opa::start() else { return };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("agentpol.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "{dirs:?}");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (sources, compiled, _) = crate::frontend::compile_fixture(&dir);
        let built = super::build_compiled(&sources, compiled, &name);
        opa.load_with_tests(&built);
        let mut files: Vec<_> = std::fs::read_dir(dir.join("requests"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name} has no requests");
        for f in files {
            // One line for the driver; JSON whitespace means nothing.
            let text = std::fs::read_to_string(&f)
                .unwrap()
                .replace(['\n', '\r'], " ");
            let want = reference(&built, &text);
            let got = opa.decide(&text);
            if let Err(e) = agree(&got, &want) {
                panic!("{}: {e}\nopa:       {got}\nreference: {want}", f.display());
            }
        }
        let tests = super::artifact_text(&built.artifacts, "policy_test.rego");
        let names: Vec<&str> = tests
            .lines()
            .filter_map(|l| l.strip_suffix(" if {"))
            .filter(|l| l.starts_with("test_"))
            .collect();
        assert!(!names.is_empty(), "{name}: no generated tests");
        for t in names {
            assert_eq!(
                opa.document(&format!("agentpol_test.{t}")),
                Some(json!(true)),
                "{name}: generated test {t} fails in OPA"
            );
        }
    }
}
