//! Decision latency in regorus: the generated policy (fixed rules over data
//! keyed by agent and tool) next to a hand-written data-driven policy of the
//! same meaning, at 10, 100, 1,000 and 10,000 grants. One iteration decides
//! the four requests of `synthetic::requests` (allow, approval required, no
//! grant, mistyped argument).
//!
//! Run: `cargo bench --bench decision` (add `-- --quick` for a short run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synthetic;

use agentpol::backend::{self, Target};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn generated(grants: usize) -> regorus::Engine {
    let text = synthetic::policy(grants);
    let (sources, compiled) = agentpol::compile_str(&[("synthetic.agentpol", &text)]);
    assert!(!compiled.has_errors(), "synthetic policy does not compile");
    let out = backend::generate(
        Target::Rego,
        &backend::Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "synthetic",
        },
    );
    assert!(out.diagnostics.is_empty(), "rego build failed");
    let file = |p: &str| {
        let a = out
            .artifacts
            .iter()
            .find(|a| a.path == p)
            .expect("artifact");
        String::from_utf8(a.contents.clone()).expect("utf-8")
    };
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("policy.rego".into(), file("policy.rego"))
        .expect("policy parses");
    engine
        .add_data_json(&file("data.json"))
        .expect("data loads");
    engine
}

fn handwritten(grants: usize) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("handwritten.rego".into(), synthetic::HANDWRITTEN.into())
        .expect("policy parses");
    engine
        .add_data(
            regorus::Value::from_json_str(&synthetic::handwritten_data(grants).to_string())
                .expect("data"),
        )
        .expect("data loads");
    engine
}

fn decide_all(engine: &mut regorus::Engine, query: &str, inputs: &[regorus::Value]) {
    for input in inputs {
        engine.set_input(input.clone());
        black_box(engine.eval_rule(query.to_string()).expect("decision"));
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("decision");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for grants in SIZES {
        let inputs: Vec<regorus::Value> = synthetic::requests(grants)
            .iter()
            .map(|r| regorus::Value::from_json_str(&r.to_string()).expect("input"))
            .collect();
        let mut engine = generated(grants);
        group.bench_with_input(
            BenchmarkId::new("generated", grants),
            &inputs,
            |b, inputs| b.iter(|| decide_all(&mut engine, "data.agentpol.decision", inputs)),
        );
        let mut engine = handwritten(grants);
        group.bench_with_input(
            BenchmarkId::new("handwritten", grants),
            &inputs,
            |b, inputs| b.iter(|| decide_all(&mut engine, "data.handwritten.decision", inputs)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
