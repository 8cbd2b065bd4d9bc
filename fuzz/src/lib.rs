//! Helpers shared by the fuzz targets: policies generated from fuzz bytes
//! (the generators of the integration tests, driven by the bytes as their
//! randomness, so libFuzzer's mutations become structural changes), and the
//! properties every target asserts.

#[allow(dead_code)]
#[path = "../../tests/common/gen.rs"]
pub mod gen;

use agentpol::diagnostics::Diagnostic;
use agentpol::source::SourceMap;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A value of `strategy` drawn from a ChaCha stream seeded by `data`
/// (deterministic per input). Passing the bytes through as the randomness
/// itself made mutations structural, but once they ran out proptest got
/// zeros, and a rejection-sampling loop in `rand` never ends on an all-zero
/// stream: the empty input hung `mutate`, `eval` and `backends`.
pub fn draw<S: Strategy>(strategy: S, data: &[u8]) -> Option<S::Value> {
    let mut seed = [0u8; 32];
    for (k, chunk) in seed.chunks_mut(8).enumerate() {
        // FNV-1a of the data, one lane per chunk.
        let h = data
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64 ^ (k as u64), |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    Some(strategy.new_tree(&mut runner).ok()?.current())
}

/// Every label lies inside its file, and every renderer accepts the
/// diagnostics.
pub fn assert_well_formed(sources: &SourceMap, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(!d.code.as_str().is_empty(), "no code: {d:?}");
        for l in &d.labels {
            let f = sources.get(l.span.file).expect("label in a known file");
            assert!(
                l.span.start <= l.span.end && l.span.end <= f.text.len(),
                "label out of range: {d:?}"
            );
            assert!(
                f.text.is_char_boundary(l.span.start) && f.text.is_char_boundary(l.span.end),
                "label splits a character: {d:?}"
            );
        }
    }
    let _ = agentpol::diagnostics::render::human::render(sources, diagnostics);
    let _ = agentpol::diagnostics::render::json::to_value(sources, diagnostics).to_string();
}

/// Compiles one file and, when it compiles, analyzes it: no panic, every
/// diagnostic well formed.
pub fn check_text(text: &str, analyze: bool) {
    let (sources, compiled) = agentpol::compile_str(&[("fuzz.agentpol", text)]);
    assert_well_formed(&sources, &compiled.diagnostics);
    if analyze && !compiled.has_errors() {
        let analysis = agentpol::analyze(&sources, &compiled);
        assert_well_formed(&sources, &analysis.diagnostics);
    }
}
