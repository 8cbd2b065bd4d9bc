//! `agentpol report --format html`: the procurement page's snapshot, that
//! it is self-contained (nothing fetched, no script) and answers what the
//! agent can spend without approval and why, and that hostile strings in a
//! policy come out as text in the HTML and in the Markdown's Mermaid.

use super::{agentpol, report_json, settings};

fn html(dir: &str) -> String {
    agentpol(&["report", dir, "--format", "html"])
}

#[test]
fn procurement_html_report() {
    let page = html("examples/procurement");
    settings().bind(|| insta::assert_snapshot!("procurement.html", page));
}

#[test]
fn html_is_self_contained_and_needs_no_script() {
    let page = html("examples/procurement");
    let lower = page.to_lowercase();
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        " src=",
        " href=\"http",
    ] {
        assert!(!lower.contains(banned), "the page contains `{banned}`");
    }
    // The only URL is the SVG namespace; `url(` only points into the page.
    let urls = lower.matches("http://").count() + lower.matches("https://").count();
    assert_eq!(
        urls,
        lower
            .matches("xmlns=\"http://www.w3.org/2000/svg\"")
            .count(),
        "a URL other than the SVG namespace"
    );
    assert!(lower
        .match_indices("url(")
        .all(|(i, _)| lower[i..].starts_with("url(#")));
    assert!(
        page.contains("default-src 'none'"),
        "no CSP forbidding fetches"
    );
    assert!(page.contains("@media print"));
}

/// The done-when of issue 10: the procurement page alone says what the
/// agent could spend without approval and why.
#[test]
fn procurement_html_says_what_can_be_spent_without_approval_and_why() {
    let page = html("examples/procurement");
    let r = report_json("procurement");
    let spend = &r["agents"][0]["spend"][0];
    let start = page.find("<div class=\"spend\">").unwrap();
    let section = &page[start..start + page[start..].find("</div>").unwrap()];
    for c in spend["ceilings"].as_array().unwrap() {
        let row = format!(
            "<tr><td>{}</td><td class=\"free\"><strong>{}</strong></td><td><strong>{}</strong></td></tr>",
            c["per"].as_str().unwrap(),
            c["without_approval"]["amount"].as_str().unwrap(),
            c["total"]["amount"].as_str().unwrap()
        );
        assert!(section.contains(&row), "missing {row}");
    }
    assert!(section.contains("Nothing can be spent without approval"));
    // Why: the gates on the spend tool, by rule, with their approvers.
    for rule in [
        "procurement/approve/payments.pay_vendor/0",
        "procurement/approve/payments.pay_vendor/1",
    ] {
        assert!(section.contains(&format!("<code>{rule}</code>")), "{rule}");
    }
    assert!(section.contains("<code>finance-approvers</code>"));
    // And the witness sequences of the totals, with their requests and
    // what bounds them (the cap, the limits, the session budget).
    assert!(section.contains("5 × <code>payments.pay_vendor</code>"));
    assert!(section.contains("10 × <code>payments.pay_vendor</code>"));
    assert!(section.contains("<code>5 calls per session</code>"));
    assert!(section.contains("the session budget of USD 5000.00"));
    let request = &spend["ceilings"][1]["total"]["calls"][0]["request"];
    let shown = html_escape::encode_text(&serde_json::to_string(request).unwrap()).into_owned();
    assert!(section.contains(&shown), "the witness request is not shown");
}

const HOSTILE: &str = "tests/fixtures/report/hostile";

#[test]
fn hostile_strings_are_text_in_the_html() {
    let page = html(HOSTILE);
    let lower = page.to_lowercase();
    for tag in ["<script", "<img", "<iframe", "<svg onload", "<b>"] {
        assert!(!lower.contains(tag), "unescaped `{tag}`");
    }
    for shown in [
        "&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(2)&gt;",
        "&lt;svg onload=alert(3)&gt;",
        "&lt;iframe src=javascript:alert(4)&gt;&amp;amp;",
        "hostile &lt;b&gt;&amp;amp; \"names\"",
    ] {
        assert!(page.contains(shown), "`{shown}` not shown as text");
    }
}

/// Mermaid labels are quoted strings; a quote, bracket or line break in a
/// name must not end one early.
#[test]
fn hostile_strings_stay_inside_mermaid_labels() {
    let md = agentpol(&["report", HOSTILE]);
    let start = md.find("```mermaid\n").unwrap() + "```mermaid\n".len();
    let block = &md[start..start + md[start..].find("```").unwrap()];
    let mut labels = 0;
    for line in block.lines().skip(1) {
        if line.trim_start().starts_with("classDef") || line.trim_start().starts_with("class ") {
            continue;
        }
        // Exactly one quoted label per line, with nothing quote-like inside.
        assert_eq!(line.matches('"').count(), 2, "{line}");
        let inner = &line[line.find('"').unwrap() + 1..line.rfind('"').unwrap()];
        let without_breaks = inner.replace("<br/>", "");
        assert!(
            !without_breaks.contains(['<', '>', '`']),
            "markup in a label: {line}"
        );
        labels += 1;
    }
    assert!(labels >= 3, "{block}");
    assert!(block.contains("#lt;svg onload=alert(3)#gt;"), "{block}");
}
