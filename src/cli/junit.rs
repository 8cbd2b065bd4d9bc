//! JUnit XML for CI systems: one `<testsuite>` per policy set, one
//! `<testcase>` per test, a `<failure>` naming each failing engine. Every
//! string is escaped, and characters XML 1.0 cannot hold are dropped.

use agentpol::policy_tests::CaseResult;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn xml(sets: &[(&str, &[CaseResult])]) -> String {
    let total: usize = sets.iter().map(|(_, r)| r.len()).sum();
    let failures = |r: &[CaseResult]| r.iter().filter(|c| !c.passed()).count();
    let failed: usize = sets.iter().map(|(_, r)| failures(r)).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"agentpol\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\">\n"
    );
    for (name, results) in sets {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            escape(name),
            results.len(),
            failures(results)
        ));
        for r in *results {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(name),
                escape(&r.case.name)
            ));
            let bad: Vec<_> = r
                .outcomes
                .iter()
                .filter(|o| !o.failures.is_empty())
                .collect();
            if bad.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for o in bad {
                out.push_str(&format!(
                    "      <failure message=\"{}: {}\" type=\"{}\">{}</failure>\n",
                    o.engine,
                    escape(o.failures.first().map(String::as_str).unwrap_or_default()),
                    o.engine,
                    escape(&o.failures.join("\n"))
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
