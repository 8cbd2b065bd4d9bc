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

/// Every code in `codes` has documentation and exactly one fixture in
/// `dir` (relative to the crate) named `CODE-name` (a file or a folder).
pub fn assert_one_fixture_per_code(codes: &[agentpol::diagnostics::codes::CodeDoc], dir: &str) {
    let names: Vec<String> =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    let mut seen = std::collections::BTreeSet::new();
    for doc in codes {
        assert!(
            seen.insert(doc.code.as_str()),
            "code {} listed twice",
            doc.code
        );
        assert!(
            !doc.summary.is_empty() && !doc.explanation.is_empty(),
            "{} lacks docs",
            doc.code
        );
        let expected = format!("{}-{}", doc.code, doc.name);
        let matching: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with(&format!("{}-", doc.code)))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "{} needs exactly one fixture in {dir}, found {matching:?}",
            doc.code
        );
        assert!(
            matching[0].starts_with(&expected),
            "fixture {} should be named {expected}",
            matching[0]
        );
    }
}

/// Snapshot text of a build: the source listing, every artifact under a
/// `══ path ══` header, then the rendered backend diagnostics.
pub fn build_listing(
    listing: String,
    sources: &SourceMap,
    out: &agentpol::backend::Output,
) -> String {
    let mut text = listing;
    for a in &out.artifacts {
        text.push_str(&format!(
            "══ {} ══\n{}",
            a.path,
            String::from_utf8_lossy(&a.contents)
        ));
    }
    text.push_str(&format!(
        "══ diagnostics ══\n{}",
        agentpol::diagnostics::render::human::render(sources, &out.diagnostics)
    ));
    text
}
