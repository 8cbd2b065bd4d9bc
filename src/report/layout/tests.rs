//! The layout's invariants on small graphs: layers follow the edges, boxes
//! never overlap, routes start and end on their nodes' sides, cycles are
//! drawn, crossings are removed where possible, and the result is the same
//! every time.

use super::*;

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

type Graph = (Vec<(f64, f64)>, Vec<(usize, usize)>);

fn star() -> Graph {
    // 0 agent; 1, 2 sources; 3..=6 tools; 7 peer written through 8.
    let sizes = vec![
        (90.0, 30.0),
        (200.0, 30.0),
        (180.0, 30.0),
        (150.0, 30.0),
        (160.0, 46.0),
        (120.0, 30.0),
        (140.0, 30.0),
        (80.0, 30.0),
        (100.0, 30.0),
    ];
    let edges = vec![
        (0, 3),
        (0, 4),
        (0, 5),
        (0, 6),
        (1, 0),
        (2, 0),
        (6, 8),
        (8, 7),
    ];
    (sizes, edges)
}

#[test]
fn edges_point_right_and_boxes_do_not_overlap() {
    let (sizes, edges) = star();
    let l = layout(&sizes, &edges, &[30.0; 8]);
    for &(a, b) in &edges {
        assert!(
            l.nodes[a].x + l.nodes[a].w < l.nodes[b].x,
            "{a} → {b}: {:?} {:?}",
            l.nodes[a],
            l.nodes[b]
        );
    }
    for i in 0..sizes.len() {
        assert_eq!((l.nodes[i].w, l.nodes[i].h), sizes[i]);
        assert!(l.nodes[i].x >= 0.0 && l.nodes[i].x + l.nodes[i].w <= l.width);
        assert!(l.nodes[i].y >= 0.0 && l.nodes[i].y + l.nodes[i].h <= l.height);
        for j in i + 1..sizes.len() {
            assert!(!overlap(&l.nodes[i], &l.nodes[j]), "{i} and {j} overlap");
        }
    }
    // Sources sit in the column just left of the agent.
    assert!(l.nodes[1].x + l.nodes[1].w < l.nodes[0].x);
    assert!(l.nodes[1].x > l.nodes[0].x - 300.0);
}

#[test]
fn routes_start_and_end_on_the_sides_of_their_nodes() {
    let (sizes, edges) = star();
    let l = layout(&sizes, &edges, &[30.0; 8]);
    for (k, &(a, b)) in edges.iter().enumerate() {
        let r = &l.edges[k];
        let (s, e) = (r.points[0], r.points[r.points.len() - 1]);
        let (na, nb) = (&l.nodes[a], &l.nodes[b]);
        assert_eq!(s, (na.x + na.w, na.y + na.h / 2.0), "edge {k}");
        assert_eq!(e, (nb.x, nb.y + nb.h / 2.0), "edge {k}");
        // The label lies between the two boxes.
        assert!(
            r.label.0 > na.x + na.w && r.label.0 < nb.x,
            "edge {k}: {r:?}"
        );
    }
}

#[test]
fn a_cycle_is_drawn_with_one_edge_reversed_and_still_ends_at_its_target() {
    // 0 ⇄ 1 (mutual delegation) and 1 → 2.
    let sizes = vec![(50.0, 20.0); 3];
    let edges = vec![(0, 1), (1, 0), (1, 2)];
    let l = layout(&sizes, &edges, &[10.0; 3]);
    let back = &l.edges[1];
    let (s, e) = (back.points[0], back.points[back.points.len() - 1]);
    // Drawn from the left side of 1 to the right side of 0.
    assert_eq!(s, (l.nodes[1].x, l.nodes[1].y + 10.0));
    assert_eq!(e, (l.nodes[0].x + 50.0, l.nodes[0].y + 10.0));
    // Its label does not sit on the forward edge's label.
    assert_ne!(back.label, l.edges[0].label);
}

#[test]
fn a_long_edge_gets_a_bend_in_every_layer_it_crosses() {
    let sizes = vec![(40.0, 20.0); 4];
    let edges = vec![(0, 1), (1, 2), (2, 3), (0, 3)];
    let l = layout(&sizes, &edges, &[0.0; 4]);
    // Two dummies, each crossed straight: ends plus two points per dummy.
    let long = &l.edges[3].points;
    assert_eq!(long.len(), 6, "{long:?}");
    assert_eq!(l.edges[0].points.len(), 2);
    for pair in [(long[1], long[2]), (long[3], long[4])] {
        assert_eq!(pair.0 .1, pair.1 .1, "a dummy is crossed horizontally");
        // Its row is clear of every box of that column.
        for n in &l.nodes {
            let inside_x = pair.0 .0 < n.x + n.w && n.x < pair.1 .0;
            let inside_y = n.y <= pair.0 .1 && pair.0 .1 <= n.y + n.h;
            assert!(!(inside_x && inside_y), "{pair:?} under {n:?}");
        }
    }
}

#[test]
fn barycentre_ordering_removes_an_avoidable_crossing() {
    // Sources 0, 1 → targets 2, 3 crossed in index order: 0 → 3, 1 → 2.
    let sizes = vec![(40.0, 20.0); 4];
    let edges = vec![(0, 3), (1, 2)];
    let l = layout(&sizes, &edges, &[0.0; 2]);
    let above = |a: usize, b: usize| l.nodes[a].y < l.nodes[b].y;
    assert_eq!(above(0, 1), above(3, 2), "{:?}", l.nodes);
}

#[test]
fn the_same_graph_gets_the_same_layout() {
    let (sizes, edges) = star();
    let a = layout(&sizes, &edges, &[30.0; 8]);
    let b = layout(&sizes, &edges, &[30.0; 8]);
    assert_eq!(a, b);
}

#[test]
fn an_empty_graph_and_a_lone_node_are_laid_out() {
    let l = layout(&[], &[], &[]);
    assert!(l.nodes.is_empty() && l.edges.is_empty());
    let l = layout(&[(30.0, 10.0)], &[], &[]);
    assert_eq!(l.nodes[0].x, MARGIN);
    assert!(l.width >= 30.0 + 2.0 * MARGIN);
}
