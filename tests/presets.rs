//! Presets: their per-tool rules reach only the tools an agent is granted,
//! and rule ids do not depend on what a preset contributed to other agents.

use crate::common::compile_ok;
use agentpol::model::eval::decide_json;
use agentpol::model::Outcome;

const POLICY: &str = r##"
tool chat.post { arg channel: string  effects [communicate]  output trusted internal }
tool code.merge { arg repo: string  effects [merge]  output trusted internal }
preset base {
  deny code.merge where repo == "prod" reason "no prod merges"
  approve code.merge always by group "leads"
  approve chat.post when channel == "#exec" by group "comms"
  log code.merge [args.repo]
  log chat.post [args.channel]
  limit code.merge 1 per session
}
agent poster {
  apply base
  allow chat.post
  deny code.merge reason "own deny"
  log chat.post [prompt]
}
agent merger {
  apply base
  allow code.merge
}
"##;

#[test]
fn preset_rules_apply_only_to_granted_tools() {
    let (_, compiled) = compile_ok(&[("p.agentpol", POLICY)]);
    let poster = &compiled.model.agents["poster"];
    let gates: Vec<&str> = poster.gates.iter().map(|g| g.tool.as_str()).collect();
    assert_eq!(gates, ["chat.post"]);
    assert!(poster.limits.is_empty());
    assert_eq!(
        poster.logs.keys().map(String::as_str).collect::<Vec<_>>(),
        ["chat.post"]
    );
    assert_eq!(
        poster.logs["chat.post"]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["args.channel", "prompt"]
    );
    // The agent's own deny stays, renumbered as if the preset's never existed.
    let denies: Vec<(&str, &str)> = poster
        .denies
        .iter()
        .map(|d| (d.id.as_str(), d.reason.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(denies, [("poster/deny/code.merge/0", "own deny")]);
    assert_eq!(poster.gates[0].approval.id, "poster/approve/chat.post/0");

    let merger = &compiled.model.agents["merger"];
    let gates: Vec<&str> = merger.gates.iter().map(|g| g.tool.as_str()).collect();
    assert_eq!(gates, ["code.merge"]);
    assert_eq!(merger.limits.len(), 1);
    assert_eq!(merger.denies.len(), 1);
    assert!(merger.logs.contains_key("code.merge"));
    assert!(!merger.logs.contains_key("chat.post"));
}

#[test]
fn dropped_preset_rules_do_not_change_decisions() {
    let (_, compiled) = compile_ok(&[("p.agentpol", POLICY)]);
    let decide = |agent: &str, tool: &str, args: serde_json::Value| {
        let req = serde_json::json!({"agent": agent, "tool": tool, "args": args,
            "context": {"calls": {"session": 0}}});
        decide_json(&compiled.model, &req).decision
    };
    let repo = |r: &str| serde_json::json!({ "repo": r });
    assert_eq!(decide("poster", "code.merge", repo("web")), Outcome::Deny);
    assert_eq!(
        decide(
            "poster",
            "chat.post",
            serde_json::json!({"channel": "#exec"})
        ),
        Outcome::ApprovalRequired
    );
    assert_eq!(
        decide("merger", "code.merge", repo("web")),
        Outcome::ApprovalRequired
    );
    assert_eq!(decide("merger", "code.merge", repo("prod")), Outcome::Deny);
}

/// A preset's limit and the agent's own limit on the same window: the
/// stricter holds, whichever comes first; two of the agent's own are an error.
#[test]
fn the_stricter_of_a_preset_and_an_agent_limit_holds() {
    let tool = "tool chat.post { arg channel: string  effects [communicate]  output trusted internal }\npreset strict { limit chat.post 3 per session }\npreset loose { limit chat.post 80 per session }\n";
    for agent in [
        "agent a { allow chat.post  limit chat.post 50 per session  apply strict }",
        "agent a { allow chat.post  apply strict  limit chat.post 50 per session }",
        "agent a { allow chat.post  apply loose  apply strict }",
        "agent a { allow chat.post  apply strict  apply loose }",
    ] {
        let text = format!("{tool}{agent}\n");
        let (_, compiled) = compile_ok(&[("p.agentpol", &text)]);
        let limits = &compiled.model.agents["a"].limits;
        assert_eq!(limits.len(), 1, "{agent}");
        assert_eq!(limits[0].max, 3, "{agent}");
        assert_eq!(
            limits[0].origin.preset.as_deref(),
            Some("strict"),
            "{agent}"
        );
        let req = serde_json::json!({"agent": "a", "tool": "chat.post",
            "args": {"channel": "#x"}, "context": {"calls": {"session": 3}}});
        assert_eq!(decide_json(&compiled.model, &req).decision, Outcome::Deny);
    }
    let own_twice = format!(
        "{tool}agent a {{ allow chat.post  limit chat.post 5 per session  limit chat.post 9 per session }}\n"
    );
    let (_, compiled) = agentpol::compile_str(&[("p.agentpol", &own_twice)]);
    assert!(compiled.has_errors());
}
