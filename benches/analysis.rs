//! Benchmarks of the analyzer on synthetic organisations
//! (`agentpol::synth::Org`: teams of four sharing queues and channels,
//! delegation chains): the whole `check` path (front end and analysis) and
//! the analysis alone, for 10 and 100 agents of 20 tools.
//!
//! Run with `cargo bench --bench analysis`; criterion prints the median.

use agentpol::synth::Org;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for agents in [10, 100] {
        let text = Org::new(agents, 20).policy();
        let (sources, compiled) = agentpol::compile_str(&[("synthetic.agentpol", &text)]);
        assert!(!compiled.has_errors(), "the synthetic policy must compile");
        group.bench_function(format!("analyze/{agents}x20"), |b| {
            b.iter(|| black_box(agentpol::analyze(&sources, &compiled)))
        });
        group.bench_function(format!("compile+analyze/{agents}x20"), |b| {
            b.iter(|| {
                let (sources, compiled) =
                    agentpol::compile_str(&[("synthetic.agentpol", black_box(&text))]);
                black_box(agentpol::analyze(&sources, &compiled))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
