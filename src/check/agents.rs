//! Agents and the presets they apply → model [`Agent`]s.

use super::decls::unknown_word;
use super::expr::check_expr;
use super::literals::{parse_duration, parse_endpoint, parse_money};
use super::{Cx, Kind};
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::model::{
    Agent, AgentSpans, Approval, Cond, Deny, Extraction, Gate, Grant, Kubernetes, Limit, Memory,
    RuleOrigin, Tool, Window,
};
use crate::resolve::DeclRef;
use crate::source::Span;
use crate::syntax::ast::{self, AgentItemKind, Item};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn agents(cx: &mut Cx<'_, '_>) {
    // Presets are checked once for their own errors even when no agent applies them.
    for (name, r) in cx.program.presets.clone() {
        let Some(Item::Preset(p)) = cx.program.item(r) else {
            continue;
        };
        let p = p.clone();
        for item in &p.items {
            if !allowed_in_preset(&item.kind) {
                cx.error(codes::NOT_IN_PRESET, item.span, format!("`{}` cannot appear in preset `{name}`", item.kind.keyword()), "agent-only property", "presets hold rules (allow, deny, approve, limit, log, audit, justification); set identity properties on the agent");
            }
        }
        let mut scratch = Builder::new(&format!("preset:{name}"), p.name.span);
        for item in p.items.iter().filter(|i| allowed_in_preset(&i.kind)) {
            scratch.item(cx, r.module, item, Some(&name));
        }
    }
    let agent_names: Vec<String> = cx.program.agents.keys().cloned().collect();
    for (name, r) in cx.program.agents.clone() {
        let Some(Item::Agent(decl)) = cx.program.item(r) else {
            continue;
        };
        let decl = decl.clone();
        let mut b = Builder::new(&name, decl.name.span);
        for item in &decl.items {
            if let AgentItemKind::Apply(p) = &item.kind {
                apply(cx, r.module, &mut b, p);
            } else {
                b.item(cx, r.module, item, None);
            }
        }
        for d in &b.agent.delegates.clone() {
            if !agent_names.contains(d) {
                let span = b.delegate_spans.get(d).copied().unwrap_or(decl.name.span);
                let help = did_you_mean(d, agent_names.iter().map(String::as_str))
                    .unwrap_or_else(|| "declare the agent in this policy set".into());
                cx.error(
                    codes::UNKNOWN_AGENT,
                    span,
                    format!("unknown agent `{d}`"),
                    "not an agent of this policy set",
                    help,
                );
            }
        }
        let agent = b.finish();
        cx.model.agents.insert(name, agent);
    }
}

fn allowed_in_preset(kind: &AgentItemKind) -> bool {
    matches!(
        kind,
        AgentItemKind::Allow(_)
            | AgentItemKind::Deny(_)
            | AgentItemKind::Gate { .. }
            | AgentItemKind::Limit { .. }
            | AgentItemKind::Log { .. }
            | AgentItemKind::Audit { .. }
            | AgentItemKind::Justification
    )
}

fn apply(cx: &mut Cx<'_, '_>, module: usize, b: &mut Builder, name: &ast::Ident) {
    let Some(r) = cx.lookup(module, Kind::Preset, name) else {
        return;
    };
    let Some(Item::Preset(p)) = cx.program.item(r) else {
        return;
    };
    let p = p.clone();
    if b.agent.presets.contains(&name.name) {
        cx.error(
            codes::DUPLICATE_SETTING,
            name.span,
            format!("preset `{}` is applied twice", name.name),
            "applied again here",
            "remove the repeated `apply`",
        );
        return;
    }
    b.agent.presets.push(name.name.clone());
    for item in p.items.iter().filter(|i| allowed_in_preset(&i.kind)) {
        b.item_quiet(cx, r, item, &name.name);
    }
}

/// Accumulates one agent; tracks which settings were given, to report repeats.
struct Builder {
    agent: Agent,
    settings: BTreeMap<&'static str, Span>,
    counters: BTreeMap<String, usize>,
    delegate_spans: BTreeMap<String, Span>,
    /// Log fields contributed by presets, kept apart until [`Builder::finish`]
    /// knows which tools the agent is granted.
    preset_logs: BTreeMap<String, BTreeSet<String>>,
}

impl Builder {
    fn new(name: &str, span: Span) -> Self {
        Builder {
            agent: Agent {
                name: name.to_string(),
                owner: None,
                domains: Vec::new(),
                aws_role: None,
                kubernetes: None,
                credential_ttl: None,
                egress: Vec::new(),
                memory: Memory::None,
                delegates: Vec::new(),
                justification_required: false,
                audit_fields: BTreeSet::new(),
                tamper_evident: false,
                grants: Vec::new(),
                denies: Vec::new(),
                gates: Vec::new(),
                limits: Vec::new(),
                budget: None,
                logs: BTreeMap::new(),
                presets: Vec::new(),
                span,
                spans: AgentSpans::default(),
            },
            settings: BTreeMap::new(),
            counters: BTreeMap::new(),
            delegate_spans: BTreeMap::new(),
            preset_logs: BTreeMap::new(),
        }
    }

    /// A preset is written once for many agents, so it names tools that a
    /// given agent may not be granted. Its per-tool rules (denies, gates,
    /// limits, logs) apply only to the tools this agent is granted; for any
    /// other tool the call is denied anyway, and keeping them would put
    /// rules that can never fire into the model. The agent's own rules are
    /// kept as written.
    fn finish(mut self) -> Agent {
        self.agent.domains.sort();
        self.agent.domains.dedup();
        let granted: BTreeSet<String> = self
            .agent
            .granted_tools()
            .into_iter()
            .map(String::from)
            .collect();
        let keep = |preset: &Option<String>, tool: &str| preset.is_none() || granted.contains(tool);
        self.agent
            .denies
            .retain(|d| keep(&d.origin.preset, &d.tool));
        self.agent
            .gates
            .retain(|g| keep(&g.approval.origin.preset, &g.tool));
        self.agent
            .limits
            .retain(|l| keep(&l.origin.preset, &l.tool));
        for (tool, fields) in std::mem::take(&mut self.preset_logs) {
            if granted.contains(&tool) {
                self.agent.logs.entry(tool).or_default().extend(fields);
            }
        }
        // Number the remaining denies and gates again, so ids do not depend
        // on which preset rules were dropped.
        let name = self.agent.name.clone();
        let mut counters: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        let mut next = |kind: &'static str, tool: &str| {
            let n = counters.entry((kind, tool.to_string())).or_insert(0);
            let id = format!("{name}/{kind}/{tool}/{n}");
            *n += 1;
            id
        };
        for d in &mut self.agent.denies {
            d.id = next("deny", &d.tool);
        }
        for g in &mut self.agent.gates {
            g.approval.id = next("approve", &g.tool);
        }
        self.agent
    }

    /// A fresh id `agent/kind/tool/n`.
    fn id(&mut self, kind: &str, tool: &str) -> String {
        let key = format!("{}/{kind}/{tool}", self.agent.name);
        let n = self.counters.entry(key.clone()).or_insert(0);
        let id = format!("{key}/{n}");
        *n += 1;
        id
    }

    fn once(&mut self, cx: &mut Cx<'_, '_>, key: &'static str, span: Span) -> bool {
        if let Some(prev) = self.settings.get(key).copied() {
            cx.sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_SETTING,
                    format!("`{key}` is set twice in agent `{}`", self.agent.name),
                )
                .primary(span, "set again here")
                .secondary(prev, "first set here")
                .help("keep one; a second value would silently override the first"),
            );
            return false;
        }
        self.settings.insert(key, span);
        true
    }

    /// A preset's rule applied to this agent: errors were reported when the
    /// preset itself was checked, so they are not repeated per agent.
    fn item_quiet(
        &mut self,
        cx: &mut Cx<'_, '_>,
        preset: DeclRef,
        item: &ast::AgentItem,
        name: &str,
    ) {
        let mut quiet = crate::diagnostics::Sink::new();
        let mut inner = Cx {
            program: cx.program,
            sink: &mut quiet,
            model: std::mem::take(&mut cx.model),
        };
        self.item(&mut inner, preset.module, item, Some(name));
        cx.model = inner.model;
    }

    fn item(
        &mut self,
        cx: &mut Cx<'_, '_>,
        module: usize,
        item: &ast::AgentItem,
        preset: Option<&str>,
    ) {
        let origin = RuleOrigin {
            span: item.span,
            preset: preset.map(String::from),
        };
        match &item.kind {
            AgentItemKind::Owner(s) => {
                if self.once(cx, "owner", item.span) {
                    self.agent.owner = Some(s.value.clone());
                }
            }
            AgentItemKind::Domain(list) => {
                if self.once(cx, "domain", item.span) {
                    self.agent.domains = list.iter().map(|d| d.name.clone()).collect();
                }
            }
            AgentItemKind::AwsRole(s) => {
                if self.once(cx, "aws role", item.span) {
                    self.agent.aws_role = Some(s.value.clone());
                    self.agent.spans.aws_role = Some(s.span);
                }
            }
            AgentItemKind::Kubernetes { namespace, labels } => {
                if self.once(cx, "kubernetes", item.span) {
                    let mut map = BTreeMap::new();
                    let mut label_spans = BTreeMap::new();
                    for (k, v) in labels {
                        label_spans
                            .entry(k.value.clone())
                            .or_insert(k.span.to(v.span));
                        if map.insert(k.value.clone(), v.value.clone()).is_some() {
                            cx.error(
                                codes::DUPLICATE_SETTING,
                                k.span,
                                format!("label `{}` is set twice", k.value.escape_debug()),
                                "set again here",
                                "keep one value per label",
                            );
                        }
                    }
                    self.agent.kubernetes = Some(Kubernetes {
                        namespace: namespace.value.clone(),
                        labels: map,
                        namespace_span: namespace.span,
                        label_spans,
                    });
                }
            }
            AgentItemKind::Credentials(d) => {
                if self.once(cx, "credentials", item.span) {
                    match parse_duration(d.amount, &d.unit) {
                        Ok(0) => cx.error(
                            codes::INVALID_COUNT,
                            d.span,
                            "credential lifetime must be positive",
                            "zero",
                            "give a lifetime such as `15m`",
                        ),
                        Ok(s) => {
                            self.agent.credential_ttl = Some(s);
                            self.agent.spans.credentials = Some(d.span);
                        }
                        Err(m) => cx.error(
                            codes::IMPOSSIBLE_UNIT,
                            d.span,
                            m,
                            "bad unit",
                            "durations take s, m, h or d, e.g. `15m`",
                        ),
                    }
                }
            }
            AgentItemKind::Egress(list) => {
                self.agent.spans.egress.get_or_insert(item.span);
                for s in list {
                    match parse_endpoint(&s.value) {
                        Ok(e) => {
                            if !self.agent.egress.contains(&e) {
                                self.agent.egress.push(e);
                            }
                        }
                        Err(m) => cx.error(
                            codes::INVALID_ENDPOINT,
                            s.span,
                            format!("invalid egress entry `{}`: {m}", s.value.escape_debug()),
                            "not host:port",
                            "write `host:port`, `*.domain:port`, `10.0.0.0/8:port` or `*:port` (every host on one port)",
                        ),
                    }
                }
                self.agent.egress.sort();
            }
            AgentItemKind::Memory(m) => {
                if self.once(cx, "memory", item.span) {
                    match m.name.as_str() {
                        "none" => self.agent.memory = Memory::None,
                        "read_only" => self.agent.memory = Memory::ReadOnly,
                        "writable" => self.agent.memory = Memory::Writable,
                        _ => unknown_word(cx, m, "memory mode", &["none", "read_only", "writable"]),
                    }
                }
            }
            AgentItemKind::Delegate(list) => {
                for d in list {
                    if !self.agent.delegates.contains(&d.name) {
                        self.agent.delegates.push(d.name.clone());
                        self.delegate_spans.insert(d.name.clone(), d.span);
                    }
                }
                self.agent.delegates.sort();
            }
            AgentItemKind::Justification => self.agent.justification_required = true,
            AgentItemKind::Audit {
                fields,
                tamper_evident,
            } => {
                self.agent
                    .audit_fields
                    .extend(fields.iter().map(|f| f.name.clone()));
                self.agent.tamper_evident |= tamper_evident;
            }
            AgentItemKind::Apply(_) => {} // handled by the caller (presets do not nest)
            AgentItemKind::Allow(g) => self.grant(cx, module, g, origin),
            AgentItemKind::Deny(d) => {
                for tool in tools(cx, module, &d.tool) {
                    let condition = condition(cx, &tool, d.condition.as_ref());
                    let Some(condition) = condition else { continue };
                    let id = self.id("deny", &tool.name);
                    self.agent.denies.push(Deny {
                        id,
                        tool: tool.name.clone(),
                        condition,
                        reason: d.reason.as_ref().map(|r| r.value.clone()),
                        wildcard: d.tool.name.ends_with(".*"),
                        origin: origin.clone(),
                    });
                }
            }
            AgentItemKind::Gate { tool, approval } => {
                let Some(r) = cx.lookup(module, Kind::Tool, tool) else {
                    return;
                };
                let Some(t) = tool_of(cx, r) else { return };
                let id = self.id("approve", &t.name);
                if let Some(a) = self.approval(cx, &t, approval, id, origin) {
                    self.agent.gates.push(Gate {
                        tool: t.name.clone(),
                        approval: a,
                    });
                }
            }
            AgentItemKind::Limit {
                tool,
                count,
                window,
            } => {
                let Some(r) = cx.lookup(module, Kind::Tool, tool) else {
                    return;
                };
                let Some(t) = tool_of(cx, r) else { return };
                if count.value <= 0 {
                    cx.error(
                        codes::INVALID_COUNT,
                        count.span,
                        "a limit must allow at least one call",
                        "not positive",
                        "to forbid the tool, `deny` it instead",
                    );
                    return;
                }
                let window = match window {
                    None => Window::Session,
                    Some(d) => match parse_duration(d.amount, &d.unit) {
                        Ok(0) => {
                            cx.error(
                                codes::INVALID_COUNT,
                                d.span,
                                "a time window must be positive",
                                "zero",
                                "use a window such as `1h`",
                            );
                            return;
                        }
                        Ok(s) => Window::Seconds(s),
                        Err(m) => {
                            cx.error(
                                codes::IMPOSSIBLE_UNIT,
                                d.span,
                                m,
                                "bad unit",
                                "durations take s, m, h or d",
                            );
                            return;
                        }
                    },
                };
                let max = count.value as u64;
                if let Some(existing) = self
                    .agent
                    .limits
                    .iter_mut()
                    .find(|l| l.tool == t.name && l.window == window)
                {
                    if existing.origin.preset.is_none() && origin.preset.is_none() {
                        cx.error(
                            codes::DUPLICATE_SETTING,
                            item.span,
                            format!("`{}` already has a limit per {}", t.name, window.key()),
                            "second limit for the same window",
                            "keep the stricter one",
                        );
                    } else if max < existing.max {
                        // A preset and the agent (or two presets) limit the
                        // same window: the stricter limit holds, whatever the
                        // order of `apply`. Preset diagnostics are silenced per
                        // agent, so this must not depend on an error.
                        existing.max = max;
                        existing.origin = origin;
                    }
                    return;
                }
                let id = format!("{}/limit/{}/{}", self.agent.name, t.name, window.key());
                self.agent.limits.push(Limit {
                    id,
                    tool: t.name.clone(),
                    max,
                    window,
                    origin,
                });
            }
            AgentItemKind::Budget(m) => {
                if self.once(cx, "budget", item.span) {
                    match parse_money(&m.currency, &m.amount) {
                        Ok(x) if x.minor > 0 => self.agent.budget = Some(x),
                        Ok(_) => cx.error(
                            codes::INVALID_COUNT,
                            m.span,
                            "a session budget must be positive",
                            "not positive",
                            "to forbid spending, do not grant spend tools",
                        ),
                        Err(e) => cx.error(
                            codes::IMPOSSIBLE_UNIT,
                            m.span,
                            e,
                            "invalid money amount",
                            "write `USD 100.00` with a known currency",
                        ),
                    }
                }
            }
            AgentItemKind::Log { tool, fields } => {
                let Some(r) = cx.lookup(module, Kind::Tool, tool) else {
                    return;
                };
                let Some(t) = tool_of(cx, r) else { return };
                let logs = if preset.is_some() {
                    &mut self.preset_logs
                } else {
                    &mut self.agent.logs
                };
                logs.entry(t.name.clone())
                    .or_default()
                    .extend(fields.iter().map(|f| f.name.clone()));
            }
        }
    }

    fn grant(
        &mut self,
        cx: &mut Cx<'_, '_>,
        module: usize,
        g: &ast::GrantDecl,
        origin: RuleOrigin,
    ) {
        let sanitizer = match &g.via {
            Some(v) => cx
                .lookup(module, Kind::Sanitizer, v)
                .map(|_| v.name.clone()),
            None => None,
        };
        let extract = match &g.extract {
            Some(e) => match e.name.as_str() {
                "bool" => Some(Extraction::Bool),
                "int" => Some(Extraction::Int),
                "enum" => Some(Extraction::Enum),
                _ => {
                    unknown_word(cx, e, "extraction", &["bool", "int", "enum"]);
                    None
                }
            },
            None => None,
        };
        let wildcard = g.tool.name.ends_with(".*");
        for tool in tools(cx, module, &g.tool) {
            let Some(condition) = condition(cx, &tool, g.condition.as_ref()) else {
                continue;
            };
            let id = self.id("allow", &tool.name);
            let mut approvals = Vec::new();
            for (k, a) in g.approvals.iter().enumerate() {
                if let Some(a) =
                    self.approval(cx, &tool, a, format!("{id}/approve/{k}"), origin.clone())
                {
                    approvals.push(a);
                }
            }
            self.agent.grants.push(Grant {
                id,
                tool: tool.name.clone(),
                condition,
                approvals,
                sanitizer: sanitizer.clone(),
                extract,
                wildcard,
                origin: origin.clone(),
            });
        }
    }

    fn approval(
        &mut self,
        cx: &mut Cx<'_, '_>,
        tool: &Tool,
        a: &ast::ApprovalDecl,
        id: String,
        origin: RuleOrigin,
    ) -> Option<Approval> {
        let condition = match &a.condition {
            None => Cond::True,
            Some(e) => check_expr(cx, tool, e)?,
        };
        let count = match &a.count {
            None => 1,
            Some(c) if c.value >= 1 && c.value <= 100 => c.value as u32,
            Some(c) => {
                cx.error(
                    codes::INVALID_COUNT,
                    c.span,
                    "approval count must be between 1 and 100",
                    "out of range",
                    "most approvals need 1 or 2 approvers",
                );
                return None;
            }
        };
        if a.group.value.trim().is_empty() {
            cx.error(
                codes::INVALID_COUNT,
                a.group.span,
                "approver group is empty",
                "empty group",
                "name the group whose members may approve",
            );
            return None;
        }
        Some(Approval {
            id,
            condition,
            group: a.group.value.clone(),
            count,
            reason: a.reason.as_ref().map(|r| r.value.clone()),
            origin: RuleOrigin {
                span: a.span,
                preset: origin.preset,
            },
        })
    }
}

fn tool_of(cx: &Cx<'_, '_>, r: DeclRef) -> Option<Tool> {
    match cx.program.item(r) {
        Some(Item::Tool(t)) => cx.model.tools.get(&t.name.name).cloned(),
        _ => None,
    }
}

/// The tools a rule names: one tool, or every visible tool under `ns.*`.
fn tools(cx: &mut Cx<'_, '_>, module: usize, pattern: &ast::Ident) -> Vec<Tool> {
    if let Some(prefix) = pattern.name.strip_suffix(".*") {
        let prefix = format!("{prefix}.");
        let matched: Vec<Tool> = cx
            .program
            .tools
            .iter()
            .filter(|(n, r)| n.starts_with(&prefix) && cx.program.visible(module, **r))
            .filter_map(|(n, _)| cx.model.tools.get(n).cloned())
            .collect();
        if matched.is_empty() {
            cx.error(
                codes::UNKNOWN_TOOL,
                pattern.span,
                format!("no visible tool matches `{}`", pattern.name),
                "matches nothing",
                super::stdlib_hint(&prefix),
            );
        }
        return matched;
    }
    match cx.lookup(module, Kind::Tool, pattern) {
        Some(r) => tool_of(cx, r).into_iter().collect(),
        None => Vec::new(),
    }
}

fn condition(cx: &mut Cx<'_, '_>, tool: &Tool, expr: Option<&ast::Expr>) -> Option<Cond> {
    match expr {
        None => Some(Cond::True),
        Some(e) => check_expr(cx, tool, e),
    }
}
