//! A deterministic synthetic policy repository for benchmarks: a catalog of
//! tools over several resource types (with sensitive and external instances,
//! untrusted sources, spend tools) and `agents` agents with `grants` grants
//! each — conditions with globs, equalities, sets and caps, approval
//! triggers, denies, gates, limits, budgets, presets, delegation and shared
//! ticket queues. The same arguments always give the same text.

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
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const CATALOG: &str = r##"
resource type chat.channel { sensitivity internal external false }
resource chat.channel "#exec-*" { sensitivity confidential }
resource chat.channel "#ext-*" { external true }
resource type ticket.queue { sensitivity internal external false }
resource ticket.queue "SEC-*" { sensitivity secret }
resource type repo.repo { sensitivity internal external false }
resource repo.repo "acme/secret-*" { sensitivity confidential }
resource type docs.page { sensitivity internal external false }
resource docs.page "hr/*" { sensitivity confidential }
sanitizer text.strip_html "removes markup"

tool web.fetch { arg url: string effects [network, read] output untrusted public }
tool mail.read { arg folder: string effects [read] output untrusted internal }
tool mail.send { arg to: string arg subject: string arg body: string effects [communicate] output trusted internal }
tool chat.post { resource chat.channel(channel) arg channel: string arg text: string arg urgent?: bool effects [communicate, write] output trusted internal }
tool chat.read { resource chat.channel(channel) arg channel: string effects [read] output untrusted internal }
tool ticket.create { resource ticket.queue(queue) arg queue: string arg body: string arg prio: enum["low", "mid", "high"] effects [write] output trusted internal }
tool ticket.list { resource ticket.queue(queue) arg queue: string arg tags?: list<string> effects [read] output untrusted internal }
tool ticket.close { resource ticket.queue(queue) arg queue: string arg id: int effects [write] output trusted internal }
tool repo.read { resource repo.repo(repo) arg repo: string arg path: string effects [read] output trusted internal }
tool repo.merge { resource repo.repo(repo) arg repo: string arg pr: int effects [merge] output trusted internal }
tool repo.delete { resource repo.repo(repo) arg repo: string effects [delete] output trusted internal }
tool docs.read { resource docs.page(page) arg page: string effects [read] output trusted internal }
tool docs.write { resource docs.page(page) arg page: string arg text: string effects [write] output trusted internal }
tool crm.lookup { arg customer: string effects [read] output trusted confidential }
tool vault.read { arg key: string effects [read] output trusted secret }
tool shell.run { arg cmd: string arg timeout?: duration effects [execute] output trusted internal }
tool deploy.run { arg env: enum["dev", "staging", "prod"] arg service: string effects [execute, admin] output trusted internal }
tool pay.charge { arg amount: money(USD) arg vendor: string effects [spend] spends amount output trusted internal }
tool refund.issue { arg amount: money(USD) arg order: string effects [spend] spends amount output trusted internal }
tool kb.search { arg space: string arg query: string effects [read] output trusted internal }

preset acme.baseline {
  deny shell.run where cmd like "rm -rf*" reason "never"
  approve deploy.run when env == "prod" by group "sre"
  log chat.post [channel]
  limit pay.charge 10 per session
}
"##;

const TOOLS: [&str; 24] = [
    "web.fetch",
    "mail.read",
    "mail.send",
    "chat.post",
    "chat.read",
    "ticket.create",
    "ticket.list",
    "ticket.close",
    "repo.read",
    "repo.merge",
    "repo.delete",
    "docs.read",
    "docs.write",
    "crm.lookup",
    "vault.read",
    "shell.run",
    "deploy.run",
    "pay.charge",
    "refund.issue",
    "kb.search",
    "chat.post",
    "ticket.list",
    "docs.read",
    "kb.search",
];
const TEAMS: [&str; 6] = ["SUP", "OPS", "ENG", "FIN", "SEC", "HR"];

fn condition(r: &mut Rng, tool: &str) -> String {
    let team = r.pick(&TEAMS);
    let team2 = r.pick(&TEAMS);
    match tool {
        "chat.post" | "chat.read" => match r.below(4) {
            0 => format!("where channel like \"#{}-*\"", team.to_lowercase()),
            1 => format!(
                "where channel in [\"#{}\", \"#{}\"]",
                team.to_lowercase(),
                team2.to_lowercase()
            ),
            2 => "where channel like \"#*\" and not resource.external".into(),
            _ => String::new(),
        },
        "ticket.create" | "ticket.list" | "ticket.close" => match r.below(4) {
            0 => format!("where queue like \"{team}-*\""),
            1 => format!("where queue like \"*-{}\"", r.below(9)),
            2 => format!("where queue == \"{team}-{}\"", r.below(9)),
            _ => format!("where queue like \"{team}*\" and not queue like \"{team2}-9*\""),
        },
        "repo.read" | "repo.merge" | "repo.delete" => match r.below(3) {
            0 => format!("where repo like \"acme/{}-*\"", team.to_lowercase()),
            1 => {
                "where repo like \"acme/*\" and not resource.sensitivity >= \"confidential\"".into()
            }
            _ => String::new(),
        },
        "docs.read" | "docs.write" => format!("where page like \"{}/*\"", team.to_lowercase()),
        "pay.charge" | "refund.issue" => {
            format!("where amount <= USD {}.00", 10 * (1 + r.below(50)))
        }
        "deploy.run" => match r.below(2) {
            0 => "where env in [\"dev\", \"staging\"]".into(),
            _ => format!("where service like \"{}-*\"", team.to_lowercase()),
        },
        "shell.run" => "where cmd like \"kubectl get *\"".into(),
        "kb.search" => format!("where space == \"{team}\""),
        _ => String::new(),
    }
}

fn approval(r: &mut Rng, tool: &str) -> String {
    if r.below(3) != 0 {
        return String::new();
    }
    match tool {
        "pay.charge" | "refund.issue" => format!(
            " approve when amount > USD {}.00 by group \"finance\"",
            5 * (1 + r.below(20))
        ),
        "chat.post" => " approve when urgent by group \"leads\"".into(),
        "ticket.create" => " approve when prio == \"high\" by group \"leads\"".into(),
        "repo.merge" | "repo.delete" | "shell.run" => {
            " approve always by group \"eng-leads\"".into()
        }
        _ => String::new(),
    }
}

/// A policy set of `agents` agents with `grants` grants each, as one file.
pub fn policy(agents: usize, grants: usize, seed: u64) -> String {
    let mut r = Rng(seed | 1);
    let mut out = String::from(CATALOG);
    for a in 0..agents {
        out.push_str(&format!(
            "\nagent a{a} {{\n  owner \"team{}@acme.example\"\n",
            a % 7
        ));
        out.push_str(&format!(
            "  domain {}\n",
            r.pick(&["support", "eng", "finance", "ops"])
        ));
        out.push_str("  credentials ttl 15m\n  audit [prompt, tool_call, result]\n");
        if r.below(2) == 0 {
            out.push_str("  apply acme.baseline\n");
        }
        if r.below(3) == 0 {
            out.push_str(&format!(
                "  budget USD {}.00 per session\n",
                100 * (1 + r.below(10))
            ));
        }
        if r.below(4) == 0 {
            out.push_str("  justification required\n");
        }
        if r.below(5) == 0 && agents > 1 {
            out.push_str(&format!(
                "  delegate to [a{}]\n",
                (a + 1 + r.below(agents as u64 - 1) as usize) % agents
            ));
        }
        for _ in 0..grants {
            let tool = r.pick(&TOOLS);
            let via = if tool == "web.fetch" && r.below(2) == 0 {
                " via text.strip_html"
            } else {
                ""
            };
            let extract = if tool == "mail.read" && r.below(2) == 0 {
                " extract enum"
            } else {
                ""
            };
            out.push_str(&format!(
                "  allow {tool}{via}{extract} {}{}\n",
                condition(&mut r, tool),
                approval(&mut r, tool)
            ));
        }
        if r.below(3) == 0 {
            out.push_str("  deny chat.post where channel like \"#exec-*\"\n");
        }
        if r.below(4) == 0 {
            out.push_str("  limit refund.issue 5 per session\n");
        }
        out.push_str("}\n");
    }
    out
}
