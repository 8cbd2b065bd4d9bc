//! The HTML report in a real headless browser (Debian's `chromium`): the
//! page renders without console errors, the DOM holds one SVG node per graph
//! node with the report's agent and tool names, and a screenshot shows the
//! graph's shapes painted. Skipped, with a message, when chromium is absent,
//! unless `AGENTPOL_REQUIRE_CHROMIUM=1` (as `.ci/run` sets), then it fails.

use super::{agentpol, report_json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("AGENTPOL_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("AGENTPOL_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "AGENTPOL_REQUIRE_CHROMIUM=1 but no chromium at /usr/bin/chromium (apt-get install chromium)"
        );
        eprintln!("skipped: chromium not installed (apt-get install chromium to run this test)");
    }
    found
}

/// Runs chromium headless on one page, killed if it hangs (a guard, not a
/// measurement).
fn run(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> Output {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(180) {
            child.kill().unwrap();
            panic!("chromium did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {out:?}");
    // Console errors (a refused fetch, a parse error) are logged as
    // `CONSOLE` lines.
    let log = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "the page logged: {console:#?}");
    out
}

fn page(dir: &Path, example: &str) -> PathBuf {
    let path = dir.join(format!("{example}.html"));
    agentpol(&[
        "report",
        &format!("examples/{example}"),
        "--format",
        "html",
        "--out",
        path.to_str().unwrap(),
    ]);
    path
}

#[test]
fn html_report_renders_its_graph_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let path = page(dir.path(), "procurement");
    let report = report_json("procurement");

    let dom = String::from_utf8(run(&browser, &profile, &["--dump-dom"], &path).stdout).unwrap();
    let agents = report["agents"].as_array().unwrap();
    assert_eq!(
        dom.matches("<svg ").count(),
        agents.len(),
        "one graph per agent"
    );
    for (i, a) in agents.iter().enumerate() {
        let nodes = a["graph"]["nodes"].as_array().unwrap();
        for n in nodes {
            let id = format!("id=\"agent-{i}-{}\"", n["id"].as_str().unwrap());
            let label = html_escape::encode_double_quoted_attribute(n["label"].as_str().unwrap())
                .into_owned();
            assert!(
                dom.contains(&id) && dom.contains(&format!("data-label=\"{label}\"")),
                "node {id} `{label}` missing from the DOM"
            );
        }
        assert!(dom.contains(&format!(">{}</text>", a["name"].as_str().unwrap())));
        for t in a["tools"].as_array().unwrap() {
            assert!(dom.contains(t["tool"].as_str().unwrap()), "{t}");
        }
        let edges = a["graph"]["edges"].as_array().unwrap().len();
        assert_eq!(
            dom.matches("<g class=\"edge").count(),
            edges,
            "one drawn edge per graph edge"
        );
    }

    let shot = dir.path().join("shot.png");
    run(
        &browser,
        &profile,
        &[
            "--window-size=1200,2400",
            &format!("--screenshot={}", shot.display()),
        ],
        &path,
    );
    let (width, pixels) = decode(&shot);
    let count = |rgb: [u8; 3]| pixels.iter().filter(|p| **p == rgb).count();
    // Not blank: many colours, and a good share of the page is not white.
    let distinct: std::collections::BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "{} colours", distinct.len());
    let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(
        inked * 20 > pixels.len(),
        "{inked} of {} pixels",
        pixels.len()
    );
    // The graph is drawn: the agent's fill (#dbeafe) and the gated spend
    // tool's fill (#fef3c7) are painted, each over an area of a node.
    assert!(count([0xdb, 0xea, 0xfe]) > 1000, "no agent node painted");
    assert!(count([0xfe, 0xf3, 0xc7]) > 1000, "no gated tool painted");
    assert!(width > 0);
}

/// Width and the RGB pixels of a PNG screenshot.
fn decode(path: &Path) -> (u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, pixels)
}
