//! Each backend's build (`backend::generate`) on synthetic organisations
//! (`agentpol::synth::Org`) of 10 and 100 agents of 20 tools.
//!
//! Run with `cargo bench --bench backends`; criterion prints the median.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use agentpol::backend::{self, Target};
use agentpol::synth::Org;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn backends(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    for agents in [10, 100] {
        let text = Org::new(agents, 20).policy();
        let (sources, compiled) = agentpol::compile_str(&[("synthetic.agentpol", &text)]);
        assert!(!compiled.has_errors(), "the synthetic policy must compile");
        for target in Target::ALL {
            group.bench_function(format!("{target:?}/{agents}x20"), |b| {
                b.iter(|| {
                    black_box(backend::generate(
                        target,
                        &backend::Input {
                            model: &compiled.model,
                            sources: &sources,
                            set_name: "synthetic",
                        },
                    ))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, backends);
criterion_main!(benches);
