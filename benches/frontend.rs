//! Front-end cost (parse, resolve, check) and reference decision latency on
//! synthetic organisations (`agentpol::synth::Org`) of growing size.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn frontend(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for (agents, grants) in [(10, 10), (100, 20), (500, 20)] {
        let text = agentpol::synth::Org::new(agents, grants).policy();
        group.bench_with_input(
            BenchmarkId::from_parameter(agents * grants),
            &text,
            |b, text| {
                b.iter(|| {
                    let (_, compiled) = agentpol::compile_str(&[("synth.agentpol", text)]);
                    assert!(!compiled.has_errors());
                    compiled
                })
            },
        );
    }
    group.finish();
}

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    for (agents, grants) in [(10, 10), (100, 20), (500, 20)] {
        let org = agentpol::synth::Org::new(agents, grants);
        let (_, compiled) = agentpol::compile_str(&[("synth.agentpol", &org.policy())]);
        let req = org.request(agents / 2, 1);
        group.bench_with_input(
            BenchmarkId::from_parameter(agents * grants),
            &req,
            |b, req| b.iter(|| agentpol::model::eval::decide_json(&compiled.model, req)),
        );
    }
    group.finish();
}

criterion_group!(benches, frontend, decide);
criterion_main!(benches);
