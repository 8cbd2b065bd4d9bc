//! Deterministic synthetic organisations for benchmarks and scale tests.
//!
//! [`Org`] describes `agents` agents, each granted every one of `tools`
//! tools. Agents work in teams of [`TEAM`]: team members share a ticket
//! queue (`T<team>-*`: each creates tickets there, each reads them) and a
//! chat channel (`#team<team>-*`), and delegate along a chain inside the
//! team (member 0 → 1 → 2 → 3). The tool catalog cycles through the
//! families of a real deployment — chat, tickets, repositories, documents,
//! CRM, secrets, shell, deploys, payments, refunds, web, mail, search — so
//! the grants carry the realistic mix of argument constraints (globs,
//! equalities, sets, numeric and money caps), approval triggers, denies,
//! limits, budgets, presets, sanitizers and typed extraction, and the set
//! has untrusted sources, privileged sinks and spend.
//!
//! Sharing stays inside a team, so the number of shared channels grows
//! linearly with the organisation: one agent allowed to post to every
//! team's channel (`channel like "#*"`) would add a channel to every
//! reader, and the channel relation would grow with writers × readers.
//!
//! The same `Org` always gives the same text: the variation comes from a
//! seeded xorshift generator, not from the environment. It is a benchmark
//! and test helper, not part of the library's API.

use serde_json::{json, Value};
use std::fmt::Write as _;

/// Members per team.
pub const TEAM: usize = 4;

/// A synthetic organisation: `agents` agents each granted `tools` tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Org {
    pub agents: usize,
    pub tools: usize,
    pub seed: u64,
}

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A tool family: its namespace and name, its declaration body (after the
/// name) and whether it acts on one of the shared resources.
struct Family {
    name: &'static str,
    body: &'static str,
}

const FAMILIES: [Family; 18] = [
    Family { name: "chat.post", body: "resource chat.channel(channel) arg channel: string arg text: string arg urgent?: bool effects [communicate, write] output trusted internal" },
    Family { name: "chat.read", body: "resource chat.channel(channel) arg channel: string effects [read] output untrusted internal" },
    Family { name: "ticket.create", body: "resource ticket.queue(queue) arg queue: string arg body: string arg prio: enum[\"low\", \"mid\", \"high\"] effects [write] output trusted internal" },
    Family { name: "ticket.list", body: "resource ticket.queue(queue) arg queue: string arg tags?: list<string> effects [read] output untrusted internal" },
    Family { name: "repo.read", body: "resource repo.repo(repo) arg repo: string arg path: string effects [read] output trusted internal" },
    Family { name: "repo.merge", body: "resource repo.repo(repo) arg repo: string arg pr: int effects [merge] output trusted internal" },
    Family { name: "docs.read", body: "resource docs.page(page) arg page: string effects [read] output trusted internal" },
    Family { name: "docs.write", body: "resource docs.page(page) arg page: string arg text: string effects [write] output trusted internal" },
    Family { name: "crm.lookup", body: "arg customer: string effects [read] output trusted confidential" },
    Family { name: "vault.read", body: "arg key: string effects [read] output trusted secret" },
    Family { name: "shell.run", body: "arg cmd: string arg timeout?: duration effects [execute] output trusted internal" },
    Family { name: "deploy.run", body: "arg env: enum[\"dev\", \"staging\", \"prod\"] arg service: string effects [execute, admin] output trusted internal" },
    Family { name: "pay.charge", body: "arg amount: money(USD) arg vendor: string effects [spend] spends amount output trusted internal" },
    Family { name: "refund.issue", body: "arg amount: money(USD) arg order: string effects [spend] spends amount output trusted internal" },
    Family { name: "web.fetch", body: "arg url: string effects [network, read] output untrusted public" },
    Family { name: "mail.read", body: "arg folder: string effects [read] output untrusted internal" },
    Family { name: "mail.send", body: "arg to: string arg subject: string arg body: string effects [communicate] output trusted internal" },
    Family { name: "kb.search", body: "arg space: string arg query: string effects [read] output trusted internal" },
];

const RESOURCES: &str = r##"resource type chat.channel { sensitivity internal external false }
resource chat.channel "#exec-*" { sensitivity confidential }
resource chat.channel "#ext-*" { external true }
resource type ticket.queue { sensitivity internal external false }
resource ticket.queue "SEC-*" { sensitivity secret }
resource type repo.repo { sensitivity internal external false }
resource repo.repo "acme/secret-*" { sensitivity confidential }
resource type docs.page { sensitivity internal external false }
resource docs.page "hr/*" { sensitivity confidential }
sanitizer text.strip_html "removes markup"
"##;

/// Applied to every other agent.
const PRESET: &str = r#"
preset acme.baseline {
  deny shell.run where cmd like "rm -rf*" reason "never"
  approve deploy.run when env == "prod" by group "sre"
  log chat.post [channel]
  limit pay.charge 10 per session
}
"#;

/// One grant: its text after `allow TOOL`, and arguments of a call it allows
/// without approval.
struct Grant {
    rule: String,
    args: Value,
}

impl Org {
    /// `agents` agents × `tools` tools with the default seed.
    pub fn new(agents: usize, tools: usize) -> Org {
        Org {
            agents,
            tools,
            seed: 7,
        }
    }

    /// The name of tool `t` of the catalog: family `t % 18`, numbered after
    /// the first round (`chat.post`, …, `chat.post_1`, …).
    pub fn tool(&self, t: usize) -> String {
        let family = FAMILIES[t % FAMILIES.len()].name;
        match t / FAMILIES.len() {
            0 => family.to_string(),
            k => format!("{family}_{k}"),
        }
    }

    /// The name of agent `a`.
    pub fn agent(a: usize) -> String {
        format!("a{a}")
    }

    /// The catalog: resource types and instances, a sanitizer, the preset
    /// and the `tools` tools.
    pub fn catalog(&self) -> String {
        let mut s = String::from(RESOURCES);
        s.push_str(PRESET);
        for t in 0..self.tools {
            let f = &FAMILIES[t % FAMILIES.len()];
            let _ = writeln!(s, "tool {} {{ {} }}", self.tool(t), f.body);
        }
        s
    }

    /// The policy set as files: `catalog.agentpol` and one file per team.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![("catalog.agentpol".to_string(), self.catalog())];
        for team in 0..self.agents.div_ceil(TEAM) {
            let mut s = String::from("use catalog\n");
            for a in team * TEAM..((team + 1) * TEAM).min(self.agents) {
                s.push_str(&self.agent_text(a));
            }
            files.push((format!("team{team:04}.agentpol"), s));
        }
        files
    }

    /// The whole policy set as one text.
    pub fn policy(&self) -> String {
        let mut s = self.catalog();
        for a in 0..self.agents {
            s.push_str(&self.agent_text(a));
        }
        s
    }

    fn rng(&self, a: usize) -> Rng {
        Rng((self.seed ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    fn agent_text(&self, a: usize) -> String {
        let mut r = self.rng(a);
        let team = a / TEAM;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\nagent {} {{\n  owner \"team{team}@acme.example\"\n  domain {}",
            Org::agent(a),
            ["support", "eng", "finance", "ops"][team % 4]
        );
        s.push_str("  credentials ttl 15m\n  audit [prompt, tool_call, result]\n");
        if a.is_multiple_of(2) {
            s.push_str("  apply acme.baseline\n");
        }
        if self.tools > 12 {
            let _ = writeln!(s, "  budget USD {}.00 per session", 100 * (1 + r.below(10)));
        }
        if r.below(4) == 0 {
            s.push_str("  justification required\n");
        }
        // The delegation chain inside the team.
        if a % TEAM != TEAM - 1 && a + 1 < self.agents {
            let _ = writeln!(s, "  delegate to [{}]", Org::agent(a + 1));
        }
        for t in 0..self.tools {
            let g = self.grant(a, t);
            let _ = writeln!(s, "  allow {}{}", self.tool(t), g.rule);
            match t % FAMILIES.len() {
                0 if r.below(3) == 0 => {
                    s.push_str("  deny chat.post where channel like \"#exec-*\"\n");
                }
                2 | 12 | 13 if r.below(2) == 0 => {
                    let _ = writeln!(
                        s,
                        "  limit {} {} per {}",
                        self.tool(t),
                        5 + r.below(50),
                        ["session", "1h"][r.below(2) as usize]
                    );
                }
                _ => {}
            }
        }
        s.push_str("}\n");
        s
    }

    /// Agent `a`'s grant of tool `t`: drawn from a generator seeded by both,
    /// so it does not depend on the order grants are generated in.
    fn grant(&self, a: usize, t: usize) -> Grant {
        let mut r = Rng((self.seed
            ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (t as u64) << 40)
            | 1);
        for _ in 0..3 {
            r.next();
        }
        let team = a / TEAM;
        let k = r.below(9);
        // The last member of each team reads untrusted tools only through
        // typed extraction: untrusted content reaches it only from the team
        // (shared queues, delegation), the cross-agent case.
        if a % TEAM == TEAM - 1 {
            let extract = match t % FAMILIES.len() {
                1 => Some(json!({"channel": format!("#team{team}-x")})),
                3 => Some(json!({"queue": format!("T{team}-{k}")})),
                14 => Some(json!({"url": "https://example.com/"})),
                15 => Some(json!({"folder": "inbox"})),
                _ => None,
            };
            if let Some(args) = extract {
                let arg = args
                    .as_object()
                    .and_then(|o| o.keys().next().cloned())
                    .unwrap_or_default();
                let value = args[&arg].as_str().unwrap_or_default().to_string();
                return Grant {
                    rule: format!(" extract enum where {arg} == \"{value}\""),
                    args,
                };
            }
        }
        let (rule, args) = match t % FAMILIES.len() {
            0 => match r.below(3) {
                0 => (
                    format!(" where channel like \"#team{team}-*\" approve when urgent by group \"leads\""),
                    json!({"channel": format!("#team{team}-x"), "text": "hi", "urgent": false}),
                ),
                1 => (
                    format!(" where channel in [\"#team{team}-a\", \"#team{team}-b\"]"),
                    json!({"channel": format!("#team{team}-a"), "text": "hi"}),
                ),
                _ => (
                    format!(" where channel like \"#team{team}-*\" and not resource.external"),
                    json!({"channel": format!("#team{team}-y"), "text": "hi"}),
                ),
            },
            1 => (
                format!(" where channel like \"#team{team}-*\""),
                json!({"channel": format!("#team{team}-x")}),
            ),
            2 => match r.below(2) {
                0 => (
                    format!(" where queue like \"T{team}-*\" approve when prio == \"high\" by group \"leads\""),
                    json!({"queue": format!("T{team}-{k}"), "body": "b", "prio": "low"}),
                ),
                _ => (
                    format!(" where queue == \"T{team}-{k}\""),
                    json!({"queue": format!("T{team}-{k}"), "body": "b", "prio": "mid"}),
                ),
            },
            3 => match r.below(3) {
                0 => (
                    format!(" extract enum where queue like \"T{team}-*\""),
                    json!({"queue": format!("T{team}-{k}")}),
                ),
                _ => (
                    format!(" where queue like \"T{team}-*\" and not queue like \"SEC-*\""),
                    json!({"queue": format!("T{team}-{k}")}),
                ),
            },
            4 => match r.below(2) {
                0 => (
                    format!(" where repo like \"acme/team{team}-*\""),
                    json!({"repo": format!("acme/team{team}-app"), "path": "README.md"}),
                ),
                _ => (
                    " where repo like \"acme/*\" and not resource.sensitivity >= \"confidential\"".to_string(),
                    json!({"repo": "acme/web", "path": "README.md"}),
                ),
            },
            5 => (
                format!(" where repo like \"acme/team{team}-*\" approve always by group \"eng-leads\""),
                json!({"repo": format!("acme/team{team}-app"), "pr": 1}),
            ),
            6 | 7 => (
                format!(" where page like \"team{team}/*\""),
                if t % FAMILIES.len() == 6 {
                    json!({"page": format!("team{team}/home")})
                } else {
                    json!({"page": format!("team{team}/home"), "text": "t"})
                },
            ),
            8 => (
                format!(" where customer like \"C{team}-*\""),
                json!({"customer": format!("C{team}-1")}),
            ),
            9 => (
                format!(" where key in [\"team{team}/db\", \"team{team}/api\"]"),
                json!({"key": format!("team{team}/db")}),
            ),
            10 => (
                " where cmd like \"kubectl get *\"".to_string(),
                json!({"cmd": "kubectl get pods"}),
            ),
            11 => match r.below(2) {
                0 => (
                    " where env in [\"dev\", \"staging\"]".to_string(),
                    json!({"env": "dev", "service": "api"}),
                ),
                _ => (
                    format!(" where service like \"team{team}-*\" and env != \"prod\""),
                    json!({"env": "staging", "service": format!("team{team}-api")}),
                ),
            },
            12 | 13 => {
                let cap = 10 * (1 + r.below(50));
                let approve = 5 * (1 + r.below(20));
                let field = if t % FAMILIES.len() == 12 {
                    "vendor"
                } else {
                    "order"
                };
                (
                    format!(
                        " where amount <= USD {cap}.00 approve when amount > USD {approve}.00 by group \"finance\""
                    ),
                    json!({"amount": {"minor": 100, "currency": "USD"}, field: "v1"}),
                )
            }
            14 => (
                if r.below(2) == 0 {
                    " via text.strip_html where url like \"https://*\"".to_string()
                } else {
                    " where url like \"https://*\"".to_string()
                },
                json!({"url": "https://example.com/"}),
            ),
            15 => (
                if r.below(2) == 0 {
                    " extract enum where folder == \"inbox\"".to_string()
                } else {
                    " where folder == \"inbox\"".to_string()
                },
                json!({"folder": "inbox"}),
            ),
            16 => (
                " where to like \"*@acme.example\"".to_string(),
                json!({"to": "x@acme.example", "subject": "s", "body": "b"}),
            ),
            _ => (
                format!(" where space == \"TEAM{team}\""),
                json!({"space": format!("TEAM{team}"), "query": "q"}),
            ),
        };
        Grant { rule, args }
    }

    /// A request of agent `a` for tool `t` (modulo the catalog) that its
    /// grant permits — allowed, except where the grant always asks for an
    /// approval (`repo.merge`) — with the counters a runtime sends.
    pub fn request(&self, a: usize, t: usize) -> Value {
        let a = a % self.agents.max(1);
        let t = t % self.tools.max(1);
        json!({
            "agent": Org::agent(a),
            "tool": self.tool(t),
            "args": self.grant(a, t).args,
            "context": {
                "calls": {"session": 0, "1h": 0},
                "spent": {"minor": 0, "currency": "USD"},
                "justification": "synthetic"
            }
        })
    }
}
