//! Cedar decision latency for generated policies at 10, 100, 1,000 and
//! 10,000 grants, next to hand-written Cedar of the same meaning.
//!
//! The fleet has one agent per 10 grants (each agent: 10 tools, one grant
//! per tool, every third grant with an approval trigger). Measured:
//! `request`: mapping an agentpol request and building the Cedar request
//! against the schema (context parsing and request validation), which does
//! not depend on the number of grants; then authorizing that request with
//! - `generated/all`: `policies.cedar`, every agent;
//! - `generated/slice`: `agents/<agent>.cedar`, the requesting agent only;
//! - `handwritten/all`: one permit per grant and one approval forbid per
//!   trigger, written as a person would, with the same meaning for
//!   well-formed requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use agentpol::backend::cedar::{to_cedar_request, CedarRequest};
use agentpol::backend::{generate, Input, Target};
use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request, Schema};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

const TOOLS: usize = 10;

fn policy_text(grants: usize) -> String {
    let mut s = String::new();
    for k in 0..TOOLS {
        let _ = writeln!(
            s,
            "tool b.t{k} {{ arg n: int  arg mode: enum[\"r\", \"w\"]  effects [read]  output trusted internal }}"
        );
    }
    for a in 0..grants / TOOLS {
        let _ = writeln!(s, "agent a{a} {{");
        for k in 0..TOOLS {
            let bound = 3 + (a + k) % 7;
            let _ = write!(s, "  allow b.t{k} where n < {bound}");
            if (a * TOOLS + k).is_multiple_of(3) {
                let _ = write!(s, " approve when mode == \"w\" by group \"leads\"");
            }
            s.push('\n');
        }
        s.push_str("}\n");
    }
    s
}

fn handwritten(grants: usize) -> String {
    let mut s = String::new();
    for a in 0..grants / TOOLS {
        for k in 0..TOOLS {
            let bound = 3 + (a + k) % 7;
            let scope = format!(
                "principal == Agentpol::Agent::\"a{a}\", action == Agentpol::Action::\"b.t{k}\", resource"
            );
            let _ = writeln!(
                s,
                "permit ({scope}) when {{ context.args.n < {bound} && [\"r\", \"w\"].contains(context.args.mode) }};"
            );
            if (a * TOOLS + k).is_multiple_of(3) {
                let _ = writeln!(
                    s,
                    "@approval(\"leads\") forbid ({scope}) when {{ context.args.mode == \"w\" && context.approvals.leads < 1 }};"
                );
            }
        }
    }
    s
}

struct Setup {
    schema: Schema,
    entities: Entities,
    all: PolicySet,
    slice: PolicySet,
    hand: PolicySet,
    model: agentpol::model::Model,
    request: CedarRequest,
}

fn setup(grants: usize) -> Setup {
    let text = policy_text(grants);
    let (sources, compiled) = agentpol::compile_str(&[("bench.agentpol", &text)]);
    assert!(!compiled.has_errors(), "bench policy does not compile");
    let out = generate(
        Target::Cedar,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "bench",
        },
    );
    let files: BTreeMap<String, String> = out
        .artifacts
        .into_iter()
        .map(|a| (a.path, String::from_utf8(a.contents).unwrap_or_default()))
        .collect();
    let schema = Schema::from_json_str(&files["schema.cedarschema.json"]).expect("schema");
    let entities =
        Entities::from_json_str(&files["entities.json"], Some(&schema)).expect("entities");
    let agent = grants / TOOLS / 2;
    let request =
        to_cedar_request(&compiled.model, &agentpol_request(grants)).expect("request maps");
    Setup {
        all: PolicySet::from_str(&files["policies.cedar"]).expect("policies"),
        slice: PolicySet::from_str(&files[&format!("agents/a{agent}.cedar")]).expect("slice"),
        hand: PolicySet::from_str(&handwritten(grants)).expect("handwritten"),
        schema,
        entities,
        model: compiled.model,
        request,
    }
}

fn agentpol_request(grants: usize) -> Value {
    let agent = grants / TOOLS / 2;
    json!({"agent": format!("a{agent}"), "tool": "b.t3", "args": {"n": 1, "mode": "r"}})
}

fn cedar_request(schema: &Schema, parts: &CedarRequest) -> Request {
    let uid = |v: &Value| EntityUid::from_json(v.clone()).expect("uid");
    let action = uid(&parts.action);
    let context =
        Context::from_json_value(parts.context.clone(), Some((schema, &action))).expect("context");
    Request::new(
        uid(&parts.principal),
        action,
        uid(&parts.resource),
        context,
        Some(schema),
    )
    .expect("request")
}

fn decide(s: &Setup, request: &Request, set: &PolicySet) -> bool {
    Authorizer::new()
        .is_authorized(request, set, &s.entities)
        .decision()
        == cedar_policy::Decision::Allow
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cedar_decision");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for grants in [10, 100, 1_000, 10_000] {
        let s = setup(grants);
        let request = cedar_request(&s.schema, &s.request);
        assert!(
            decide(&s, &request, &s.all)
                && decide(&s, &request, &s.slice)
                && decide(&s, &request, &s.hand)
        );
        if grants == 10 {
            let raw = agentpol_request(grants);
            group.bench_function("request", |b| {
                b.iter(|| {
                    let parts = to_cedar_request(&s.model, &raw).expect("maps");
                    cedar_request(&s.schema, &parts)
                })
            });
        }
        group.bench_with_input(BenchmarkId::new("generated/all", grants), &s, |b, s| {
            b.iter(|| decide(s, &request, &s.all))
        });
        group.bench_with_input(BenchmarkId::new("generated/slice", grants), &s, |b, s| {
            b.iter(|| decide(s, &request, &s.slice))
        });
        group.bench_with_input(BenchmarkId::new("handwritten/all", grants), &s, |b, s| {
            b.iter(|| decide(s, &request, &s.hand))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
