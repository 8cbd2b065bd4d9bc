//! The parser alone on arbitrary bytes (as UTF-8, lossily).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sources = agentpol::source::SourceMap::new();
    let file = sources.add(
        "fuzz.agentpol",
        text.as_ref(),
        agentpol::source::Origin::User,
    );
    let mut sink = agentpol::diagnostics::Sink::new();
    let _ = agentpol::syntax::parse(file, &text, &mut sink);
    agentpol_fuzz::assert_well_formed(&sources, &sink.into_sorted());
});
