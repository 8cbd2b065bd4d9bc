//! A layered (Sugiyama-style) left-to-right layout of a small directed
//! graph. Input: node sizes, edges as index pairs and the width each edge's
//! label needs. Output: a [`Layout`] with a box per node and a route (a
//! polyline through the layers) per edge.
//!
//! The steps are the classic ones: break cycles (depth-first, in index
//! order), assign layers by longest path and pull sources next to their
//! first successor, split long edges with dummy points, order each layer by
//! barycentre sweeps keeping the order with the fewest crossings, then give
//! coordinates. Every choice breaks ties by index, so the same graph always
//! gets the same picture.

use std::collections::BTreeMap;

/// Space between two nodes of a layer.
const ROW_GAP: f64 = 18.0;
/// The least horizontal space between two layers.
const MIN_LAYER_GAP: f64 = 56.0;
/// Room left and right of an edge label in its gap.
const LABEL_PAD: f64 = 28.0;
const MARGIN: f64 = 12.0;
/// Vertical distance between labels of parallel edges.
const LABEL_STEP: f64 = 14.0;
/// Barycentre sweeps tried (down and up count as one each).
const SWEEPS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// From the edge's source to its target (a reversed edge still ends at
    /// its target).
    pub points: Vec<(f64, f64)>,
    /// Centre of the edge's label.
    pub label: (f64, f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Rect>,
    pub edges: Vec<Route>,
}

/// A vertex of the layered graph: a real node or a point of a long edge.
#[derive(Clone, Copy)]
struct Vertex {
    w: f64,
    h: f64,
    layer: usize,
}

pub fn layout(sizes: &[(f64, f64)], edges: &[(usize, usize)], label_widths: &[f64]) -> Layout {
    let n = sizes.len();
    let dag = acyclic(n, edges);
    let layers = assign_layers(n, &dag);
    let mut verts: Vec<Vertex> = sizes
        .iter()
        .zip(&layers)
        .map(|(&(w, h), &layer)| Vertex { w, h, layer })
        .collect();
    // Each edge becomes a chain of vertices, one per layer it crosses.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(dag.len());
    for &(a, b) in &dag {
        let mut chain = vec![a];
        for layer in layers[a] + 1..layers[b] {
            verts.push(Vertex {
                w: 0.0,
                h: 0.0,
                layer,
            });
            chain.push(verts.len() - 1);
        }
        chain.push(b);
        chains.push(chain);
    }
    let depth = verts.iter().map(|v| v.layer + 1).max().unwrap_or(0);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, v) in verts.iter().enumerate() {
        order[v.layer].push(i);
    }
    let segments: Vec<(usize, usize)> = chains
        .iter()
        .flat_map(|c| c.windows(2).map(|w| (w[0], w[1])))
        .collect();
    order = minimise_crossings(order, &segments, verts.len());

    // Columns: each as wide as its widest node; gaps wide enough for the
    // labels of the edges that start in the column.
    let mut col_w = vec![0.0f64; depth];
    for v in &verts {
        col_w[v.layer] = col_w[v.layer].max(v.w);
    }
    let mut gap = vec![MIN_LAYER_GAP; depth];
    for (i, &(a, _)) in dag.iter().enumerate() {
        let lw = label_widths.get(i).copied().unwrap_or(0.0);
        let l = layers[a];
        gap[l] = gap[l].max(lw + 2.0 * LABEL_PAD);
    }
    let mut col_x = vec![MARGIN; depth];
    for l in 1..depth {
        col_x[l] = col_x[l - 1] + col_w[l - 1] + gap[l - 1];
    }
    let width = col_x.last().zip(col_w.last()).map_or(0.0, |(x, w)| x + w) + MARGIN;
    let col_h: Vec<f64> = order
        .iter()
        .map(|col| {
            let h: f64 = col.iter().map(|&v| verts[v].h.max(ROW_GAP)).sum();
            h + ROW_GAP * (col.len().saturating_sub(1)) as f64
        })
        .collect();
    let height = col_h.iter().copied().fold(0.0, f64::max) + 2.0 * MARGIN;
    let mut pos = vec![(0.0, 0.0); verts.len()];
    for (l, col) in order.iter().enumerate() {
        let mut y = (height - col_h[l]) / 2.0;
        for &v in col {
            let slot = verts[v].h.max(ROW_GAP);
            let x = col_x[l] + (col_w[l] - verts[v].w) / 2.0;
            pos[v] = (x, y + (slot - verts[v].h) / 2.0);
            y += slot + ROW_GAP;
        }
    }
    let nodes: Vec<Rect> = (0..n)
        .map(|i| Rect {
            x: pos[i].0,
            y: pos[i].1,
            w: verts[i].w,
            h: verts[i].h,
        })
        .collect();
    let mut routes = vec![
        Route {
            points: Vec::new(),
            label: (0.0, 0.0),
        };
        edges.len()
    ];
    let mut parallel: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (i, chain) in chains.iter().enumerate() {
        // The ends attach to the sides of the boxes; a dummy crosses its
        // column straight, in its own row, so it never runs under a box.
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(2 * chain.len());
        for (j, &v) in chain.iter().enumerate() {
            let (x, y) = pos[v];
            let y = y + verts[v].h / 2.0;
            let l = verts[v].layer;
            if j == 0 {
                points.push((x + verts[v].w, y));
            } else if j + 1 == chain.len() {
                points.push((x, y));
            } else {
                points.push((col_x[l], y));
                points.push((col_x[l] + col_w[l], y));
            }
        }
        let k = parallel.entry((chain[0], chain[1])).or_insert(0);
        let offset = *k as f64 * LABEL_STEP;
        *k += 1;
        // Where edges fan out of (or into) one node, their labels sit near
        // the other end, where the edges are far apart.
        let (p, q) = (points[0], points[1]);
        let half = label_widths.get(i).copied().unwrap_or(0.0) / 2.0 + LABEL_PAD * 0.75;
        let fan = |v: usize, out: bool| {
            segments
                .iter()
                .filter(|s| if out { s.0 == v } else { s.1 == v })
                .count()
        };
        let x = if fan(chain[0], true) > 1 {
            q.0 - half
        } else if fan(chain[1], false) > 1 {
            p.0 + half
        } else {
            (p.0 + q.0) / 2.0
        };
        let (lx, ly) = on_curve(p, q, x);
        let label = (lx, ly + offset);
        if edges[i] != dag[i] {
            points.reverse();
        }
        routes[i] = Route { points, label };
    }
    Layout {
        width,
        height,
        nodes,
        edges: routes,
    }
}

/// The point at `x` (clamped to the segment) of the curve drawn from `p` to
/// `q`: a cubic Bézier with horizontal tangents at both ends, the one the
/// SVG renderer draws. `x` grows with the curve's parameter, so bisection
/// finds it.
fn on_curve(p: (f64, f64), q: (f64, f64), x: f64) -> (f64, f64) {
    let d = (q.0 - p.0) / 2.0;
    let at = |t: f64| {
        let u = 1.0 - t;
        let (a, b, c, e) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
        (
            a * p.0 + b * (p.0 + d) + c * (q.0 - d) + e * q.0,
            (a + b) * p.1 + (c + e) * q.1,
        )
    };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if at(mid).0 < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    at((lo + hi) / 2.0)
}

/// The edges with every back edge of a depth-first search (from each node
/// in index order) reversed, so the result has no cycle; `result[i]` is
/// input edge `i`. A self-loop stays as it is (a zero-length route); a
/// report graph has none.
fn acyclic(n: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut succ: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        succ[a].push((b, i));
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; edges.len()];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, i)) = succ[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[i] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    edges
        .iter()
        .zip(&reversed)
        .map(|(&(a, b), &r)| if r { (b, a) } else { (a, b) })
        .collect()
}

/// Longest-path layers; then every node without predecessors moves right
/// to just before its nearest successor (untrusted sources sit next to the
/// agent they steer, not in column 0 far away).
fn assign_layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in dag {
        if a != b {
            indeg[b] += 1;
            succ[a].push(b);
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut left = indeg.clone();
    while let Some(v) = ready.pop_first() {
        for &w in &succ[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            left[w] -= 1;
            if left[w] == 0 {
                ready.insert(w);
            }
        }
    }
    for v in 0..n {
        if indeg[v] == 0 {
            if let Some(m) = succ[v].iter().map(|&w| layer[w]).min() {
                layer[v] = m.saturating_sub(1);
            }
        }
    }
    layer
}

fn crossings(order: &[Vec<usize>], segments: &[(usize, usize)], nverts: usize) -> usize {
    let mut at = vec![0usize; nverts];
    for col in order {
        for (i, &v) in col.iter().enumerate() {
            at[v] = i;
        }
    }
    let mut total = 0;
    for (i, &(a, b)) in segments.iter().enumerate() {
        for &(c, d) in &segments[i + 1..] {
            let same_layer = order.iter().any(|col| col.contains(&a) && col.contains(&c));
            if same_layer && (at[a] < at[c]) != (at[b] < at[d]) && at[a] != at[c] && at[b] != at[d]
            {
                total += 1;
            }
        }
    }
    total
}

/// Barycentre sweeps, alternately downward (by predecessors) and upward (by
/// successors); the ordering with the fewest crossings seen wins, the
/// earliest on a tie.
fn minimise_crossings(
    mut order: Vec<Vec<usize>>,
    segments: &[(usize, usize)],
    nverts: usize,
) -> Vec<Vec<usize>> {
    let mut best = order.clone();
    let mut best_x = crossings(&order, segments, nverts);
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let mut at = vec![0.0f64; nverts];
        for col in &order {
            for (i, &v) in col.iter().enumerate() {
                at[v] = i as f64;
            }
        }
        let layers: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for l in layers {
            let key = |v: usize| -> f64 {
                let ns: Vec<f64> = segments
                    .iter()
                    .filter_map(|&(a, b)| match down {
                        true if b == v => Some(at[a]),
                        false if a == v => Some(at[b]),
                        _ => None,
                    })
                    .collect();
                if ns.is_empty() {
                    at[v]
                } else {
                    ns.iter().sum::<f64>() / ns.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize, usize)> = order[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| (key(v), i, v))
                .collect();
            keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            order[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in order[l].iter().enumerate() {
                at[v] = i as f64;
            }
        }
        let x = crossings(&order, segments, nverts);
        if x < best_x {
            best_x = x;
            best = order.clone();
        }
    }
    best
}

#[cfg(test)]
mod tests;
