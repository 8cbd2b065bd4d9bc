//! The capability graph as inline SVG, for the HTML report. Input: a
//! [`Graph`]. Output: one `<svg>` element, laid out by [`super::layout`].
//! Text is measured as a monospace font (so sizes are computed, not asked
//! of a browser), every user string is HTML-escaped (`html-escape`) and
//! shown whole in a `<title>` where the picture shortens it, and nothing in
//! it needs a script.

use super::graph::{Graph, Node};
use super::layout::{layout, Rect};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write as _;

/// Width of one character of the 12px monospace font (DejaVu Sans Mono and
/// its kin advance 0.6 em).
const CHAR_W: f64 = 7.3;
const LINE_H: f64 = 16.0;
const PAD_X: f64 = 12.0;
const PAD_Y: f64 = 8.0;
/// Longer node and edge labels are shortened in the picture.
const NODE_CHARS: usize = 48;
const EDGE_CHARS: usize = 34;
const EDGE_CHAR_W: f64 = 6.2;

/// Characters a label takes; wide (East Asian, emoji) ones count twice.
fn columns(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn shorten(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The lines drawn in a node: its label, then its approval gate.
fn lines(n: &Node) -> Vec<String> {
    let mut v = vec![shorten(&n.label, NODE_CHARS)];
    if let Some(g) = &n.gate {
        v.push(shorten(g, NODE_CHARS));
    }
    v
}

fn size(n: &Node) -> (f64, f64) {
    let ls = lines(n);
    let cols = ls.iter().map(|l| columns(l)).max().unwrap_or(0) as f64;
    let slant = if n.kind == "source" { 16.0 } else { 0.0 };
    (
        cols * CHAR_W + 2.0 * PAD_X + slant,
        ls.len() as f64 * LINE_H + 2.0 * PAD_Y,
    )
}

/// `prefix` makes the ids unique when a page holds several pictures.
pub fn render(g: &Graph, prefix: &str) -> String {
    let index = |id: &str| g.nodes.iter().position(|n| n.id == id);
    let edges: Vec<(usize, usize, usize)> = g
        .edges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, index(&e.from)?, index(&e.to)?)))
        .collect();
    let sizes: Vec<(f64, f64)> = g.nodes.iter().map(size).collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(_, a, b)| (a, b)).collect();
    let label_w: Vec<f64> = edges
        .iter()
        .map(|&(i, _, _)| columns(&shorten(&g.edges[i].label, EDGE_CHARS)) as f64 * EDGE_CHAR_W)
        .collect();
    let lay = layout(&sizes, &pairs, &label_w);
    let p = attr(prefix);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"capability-graph\" role=\"img\" \
         aria-labelledby=\"{p}-title\" viewBox=\"0 0 {w:.1} {h:.1}\" width=\"{w:.1}\" height=\"{h:.1}\">\n\
         <title id=\"{p}-title\">capability graph</title>\n<defs>\n",
        w = lay.width,
        h = lay.height
    );
    for (name, colour) in [("arrow", "#475569"), ("arrow-risk", "#b91c1c")] {
        let _ = writeln!(
            out,
            "<marker id=\"{p}-{name}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
             markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    for (k, &(i, _, b)) in edges.iter().enumerate() {
        let e = &g.edges[i];
        let route = &lay.edges[k];
        let mut d = String::new();
        for (j, w) in route.points.windows(2).enumerate() {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if j == 0 {
                let _ = write!(d, "M{x0:.1} {y0:.1}");
            }
            let dx = (x1 - x0) / 2.0;
            let _ = write!(
                d,
                " C{:.1} {y0:.1} {:.1} {y1:.1} {x1:.1} {y1:.1}",
                x0 + dx,
                x1 - dx
            );
        }
        let risk = if e.risk { " risk" } else { "" };
        let marker = if e.risk { "arrow-risk" } else { "arrow" };
        let gated = g.nodes[b].gated && g.nodes[b].kind == "tool";
        let _ = writeln!(
            out,
            "<g class=\"edge{risk}{}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>\
             <path d=\"{d}\" marker-end=\"url(#{p}-{marker})\"/>",
            if gated { " gated" } else { "" },
            attr(&e.from),
            attr(&e.to),
            text(&e.label)
        );
        if gated {
            gate_mark(route.points.last().copied(), &mut out);
        }
        let label = shorten(&e.label, EDGE_CHARS);
        if !label.is_empty() {
            let (lx, ly) = route.label;
            let lw = columns(&label) as f64 * EDGE_CHAR_W + 6.0;
            let _ = writeln!(
                out,
                "<rect class=\"edge-label-bg\" x=\"{:.1}\" y=\"{:.1}\" width=\"{lw:.1}\" height=\"14\" rx=\"3\"/>\
                 <text class=\"edge-label\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                lx - lw / 2.0,
                ly - 7.0,
                ly + 4.0,
                text(&label)
            );
        }
        out.push_str("</g>\n");
    }
    for (n, r) in g.nodes.iter().zip(&lay.nodes) {
        node(n, r, prefix, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

/// A gate drawn across the edge just before a tool that needs approval.
fn gate_mark(end: Option<(f64, f64)>, out: &mut String) {
    if let Some((x, y)) = end {
        let _ = writeln!(
            out,
            "<path class=\"gate-mark\" d=\"M{:.1} {:.1}V{:.1}M{:.1} {:.1}V{:.1}\"/>",
            x - 13.0,
            y - 8.0,
            y + 8.0,
            x - 9.0,
            y - 8.0,
            y + 8.0
        );
    }
}

fn node(n: &Node, r: &Rect, prefix: &str, out: &mut String) {
    let mut class = format!("node {}", n.kind);
    if n.gated {
        class.push_str(" gated");
    }
    if n.gate.is_some() && !n.gated {
        class.push_str(" partly-gated");
    }
    if n.risk {
        class.push_str(" risk");
    }
    let _ = writeln!(
        out,
        "<g class=\"{}\" id=\"{}-{}\" data-label=\"{}\"><title>{}</title>",
        attr(&class),
        attr(prefix),
        attr(&n.id),
        attr(&n.label),
        text(&match &n.gate {
            Some(g) => format!("{} — {g}", n.label),
            None => n.label.clone(),
        })
    );
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    match n.kind.as_str() {
        "source" => {
            let _ = writeln!(
                out,
                "<polygon class=\"shape\" points=\"{:.1},{y:.1} {:.1},{y:.1} {:.1},{:.1} {x:.1},{:.1}\"/>",
                x + 16.0,
                x + w,
                x + w - 16.0,
                y + h,
                y + h
            );
        }
        kind => {
            let rx = match kind {
                "agent" | "peer" => h / 2.0,
                "resource" => 8.0,
                _ => 3.0,
            };
            let _ = writeln!(
                out,
                "<rect class=\"shape\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{rx:.1}\"/>"
            );
        }
    }
    for (i, line) in lines(n).iter().enumerate() {
        let class = if i == 0 { "label" } else { "gate" };
        let _ = writeln!(
            out,
            "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x + w / 2.0,
            y + PAD_Y + LINE_H * (i as f64 + 1.0) - 4.0,
            text(line)
        );
    }
    out.push_str("</g>\n");
}
