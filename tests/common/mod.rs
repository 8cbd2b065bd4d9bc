//! Helpers shared by the integration test modules.

pub mod gen;

use agentpol::source::SourceMap;
use agentpol::Compiled;

/// Compiles in-memory policy files, failing the test on any error.
pub fn compile_ok(files: &[(&str, &str)]) -> (SourceMap, Compiled) {
    let (sources, compiled) = agentpol::compile_str(files);
    if compiled.has_errors() {
        let text = agentpol::diagnostics::render::human::render(&sources, &compiled.diagnostics);
        panic!("policy does not compile:\n{text}");
    }
    (sources, compiled)
}
