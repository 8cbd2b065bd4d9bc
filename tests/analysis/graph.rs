//! The capability graph: nodes and edges built from the model, shared
//! channels only where the solver and the automata find a common resource,
//! groups of agents, and the Graphviz text escaping hostile names.

use super::fixture_root;
use agentpol::analysis::facts::Facts;
use agentpol::analysis::smt::{with_fresh_context, Limits};
use agentpol::graph::{CapabilityGraph, Edge, Node, Overlap, SourceKind};

/// What a test looks at: channels (writer, reader, resource name), groups,
/// the Graphviz text and the number of untrusted sources.
struct Seen {
    channels: Vec<(String, String, String)>,
    groups: Vec<Vec<String>>,
    dot: String,
    sources: usize,
}

fn graph_of(fixture: &str) -> Seen {
    let (_, compiled) = super::load_dir(&fixture_root().join(fixture));
    let model = &compiled.model;
    with_fresh_context(|| {
        let mut facts = Facts::new(model, Limits::default());
        let g = CapabilityGraph::build(model, &mut facts);
        let channels = g
            .channel_edges()
            .into_iter()
            .map(|(w, r, c)| {
                let name = match &c.overlap {
                    Overlap::Proven(s) => s.name.clone(),
                    Overlap::Unknown(_) => "?".into(),
                };
                (w.to_string(), r.to_string(), name)
            })
            .collect();
        let sources = g
            .graph
            .node_indices()
            .filter(|i| matches!(g.graph[*i], Node::Source(SourceKind::Untrusted)))
            .count();
        let grants = g
            .graph
            .edge_weights()
            .filter(|e| matches!(e, Edge::Grant { .. }))
            .count();
        assert!(grants > 0);
        Seen {
            channels,
            groups: g.groups(),
            dot: g.to_dot(),
            sources,
        }
    })
}

#[test]
fn channels_exist_only_where_the_resources_meet() {
    let Seen {
        channels,
        groups,
        sources,
        ..
    } = graph_of("cross-agent-untrusted-flow/risky-inbox-globs-meet");
    assert_eq!(
        channels,
        vec![("intake".to_string(), "ops".to_string(), "INBOX".to_string())]
    );
    assert_eq!(groups, vec![vec!["intake".to_string(), "ops".to_string()]]);
    assert_eq!(sources, 1, "web.fetch is an untrusted source");
    let Seen {
        channels, groups, ..
    } = graph_of("cross-agent-untrusted-flow/fixed-disjoint-globs");
    assert!(channels.is_empty(), "{channels:?}");
    assert!(groups.is_empty());
}

#[test]
fn an_agent_that_writes_what_it_reads_has_a_channel_to_itself() {
    let channels = graph_of("self-modifying-memory/risky-notes-page").channels;
    assert!(channels
        .iter()
        .any(|(w, r, name)| w == "assistant" && r == "assistant" && name.starts_with("notes/")));
    let channels = graph_of("self-modifying-memory/fixed-separate-pages").channels;
    assert!(channels.is_empty(), "{channels:?}");
}

#[test]
fn graphviz_text_escapes_names() {
    let dot = graph_of("data-exfiltration/risky-confidential-through-delegation").dot;
    assert!(dot.starts_with("digraph capabilities {"));
    assert!(dot.contains("[label=\"agent analyst\"]"));
    assert!(dot.contains("[label=\"delegates\"]"));
    // Every label is a quoted string with no raw quote or newline inside.
    for line in dot.lines().filter(|l| l.contains("label=")) {
        let label = line.split("label=").nth(1).unwrap();
        let inner = &label[1..label.rfind('"').unwrap()];
        assert!(!inner.contains('\n'));
        assert!(!inner.replace("\\\"", "").contains('"'), "{line}");
    }
}
