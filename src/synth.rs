//! Deterministic synthetic policy sets for benchmarks: `agents` agents with
//! `grants` grants each over a catalog of typed tools, with conditions,
//! approval triggers, denies and limits in realistic proportions. The same
//! arguments always give the same text.

use std::fmt::Write as _;

/// Number of tools in the synthetic catalog.
pub const TOOLS: usize = 40;

/// The catalog plus `agents` agents of `grants` grants each.
pub fn policy(agents: usize, grants: usize) -> String {
    let mut s = String::from("resource type synth.space { sensitivity internal external false }\n");
    s.push_str("resource synth.space \"secret-*\" { sensitivity secret }\n");
    s.push_str("resource synth.space \"ext-*\" { external true }\n\n");
    for t in 0..TOOLS {
        let effects = match t % 5 {
            0 => "read",
            1 => "write",
            2 => "communicate",
            3 => "delete",
            _ => "execute",
        };
        let trust = if t % 7 == 0 { "untrusted" } else { "trusted" };
        let _ = writeln!(
            s,
            "tool synth.t{t} {{\n  resource synth.space(space)\n  arg space: string\n  arg n: int\n  arg level: enum[\"low\", \"mid\", \"high\"]\n  arg tags?: list<string>\n  effects [{effects}]\n  output {trust} internal\n  endpoint \"api{t}.example.com:443\"\n}}"
        );
    }
    for a in 0..agents {
        let _ = writeln!(s, "\nagent agent{a} {{\n  owner \"team{}@example.com\"\n  domain d{}\n  credentials ttl 15m\n  audit [prompt, tool_call, result] tamper_evident", a % 10, a % 3);
        for g in 0..grants {
            let t = (a * 7 + g * 3) % TOOLS;
            let _ = write!(
                s,
                "  allow synth.t{t} where space like \"team{a}-*\" and n <= {}",
                10 + g
            );
            if g % 3 == 0 {
                let _ = write!(
                    s,
                    "\n    approve when level == \"high\" or n > {} by group \"leads{}\"",
                    5 + g,
                    a % 4
                );
            }
            s.push('\n');
            if g % 5 == 0 {
                let _ = writeln!(s, "  deny synth.t{t} where space like \"secret-*\"");
            }
            if g % 4 == 0 {
                let _ = writeln!(s, "  limit synth.t{t} {} per 1h", 10 + g);
            }
        }
        s.push_str("}\n");
    }
    s
}

/// A request for agent `a`'s grant `g` that the grant allows.
pub fn request(a: usize, g: usize, grants: usize) -> serde_json::Value {
    let g = g % grants.max(1);
    let t = (a * 7 + g * 3) % TOOLS;
    serde_json::json!({
        "agent": format!("agent{a}"),
        "tool": format!("synth.t{t}"),
        "args": {"space": format!("team{a}-x"), "n": 3, "level": "low"},
        "context": {"calls": {"1h": 0}}
    })
}
