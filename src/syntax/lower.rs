//! Pairs → AST. The only place that walks pest pairs; every node gets a span.

use super::ast::*;
use super::Rule;
use crate::diagnostics::{codes, Diagnostic, Sink};
use crate::source::{FileId, Span};
use pest::iterators::Pair;

pub(super) struct Lowerer<'s> {
    pub file: FileId,
    pub base: usize,
    pub sink: &'s mut Sink,
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::k_use
            | Rule::k_tool
            | Rule::k_resource
            | Rule::k_type
            | Rule::k_sanitizer
            | Rule::k_preset
            | Rule::k_agent
            | Rule::k_allow
            | Rule::k_deny
            | Rule::k_approve
            | Rule::k_when
            | Rule::k_by
            | Rule::k_group
            | Rule::k_count
            | Rule::k_reason
            | Rule::k_where
            | Rule::k_and
            | Rule::k_or
            | Rule::k_not
            | Rule::k_has
            | Rule::k_in
            | Rule::k_like
            | Rule::k_any
            | Rule::k_all
            | Rule::k_contains
            | Rule::k_per
            | Rule::k_limit
            | Rule::k_budget
            | Rule::k_log
            | Rule::k_audit
            | Rule::k_apply
            | Rule::k_via
            | Rule::k_extract
            | Rule::k_condition
            | Rule::EOI
    )
}

/// Children without keyword tokens.
fn kids(pair: Pair<'_, Rule>) -> Vec<Pair<'_, Rule>> {
    pair.into_inner()
        .filter(|p| !is_keyword(p.as_rule()))
        .collect()
}

/// Children including keywords (where a keyword carries meaning, like `always`).
fn all_kids(pair: Pair<'_, Rule>) -> Vec<Pair<'_, Rule>> {
    pair.into_inner().collect()
}

impl Lowerer<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    pub fn file(&mut self, root: Pair<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in kids(root) {
            if let Some(item) = self.item(pair) {
                items.push(item);
            }
        }
        items
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::use_decl => kids(pair).first().map(|p| Item::Use(self.ident(p))),
            Rule::tool_decl => {
                let mut k = kids(pair).into_iter();
                let name = self.ident(&k.next()?);
                let items = k.filter_map(|p| self.tool_item(p)).collect();
                Some(Item::Tool(ToolDecl { name, items, span }))
            }
            Rule::resource_type_decl => {
                let mut name = None;
                let mut parent = None;
                let mut attrs = Vec::new();
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::path if name.is_none() => name = Some(self.ident(&p)),
                        Rule::path => parent = Some(self.ident(&p)),
                        Rule::attr_block => attrs = self.attrs(p),
                        _ => {}
                    }
                }
                Some(Item::ResourceType(ResourceTypeDecl {
                    name: name?,
                    parent,
                    attrs,
                    span,
                }))
            }
            Rule::resource_decl => {
                let mut ty = None;
                let mut pattern = None;
                let mut parent = None;
                let mut attrs = Vec::new();
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::path => ty = Some(self.ident(&p)),
                        Rule::string if pattern.is_none() => pattern = Some(self.string(p)),
                        Rule::string => parent = Some(self.string(p)),
                        Rule::attr_block => attrs = self.attrs(p),
                        _ => {}
                    }
                }
                Some(Item::Resource(ResourceDecl {
                    ty: ty?,
                    pattern: pattern?,
                    parent,
                    attrs,
                    span,
                }))
            }
            Rule::sanitizer_decl => {
                let mut k = kids(pair).into_iter();
                let name = self.ident(&k.next()?);
                let description = k.next().map(|p| self.string(p));
                Some(Item::Sanitizer(SanitizerDecl {
                    name,
                    description,
                    span,
                }))
            }
            Rule::preset_decl => self.agent_like(pair).map(Item::Preset),
            Rule::agent_decl => self.agent_like(pair).map(Item::Agent),
            _ => None,
        }
    }

    fn tool_item(&mut self, pair: Pair<'_, Rule>) -> Option<ToolItem> {
        let rule = pair.as_rule();
        let k = kids(pair);
        Some(match rule {
            Rule::tool_doc => ToolItem::Doc(self.string(k.into_iter().next()?)),
            Rule::tool_verb => ToolItem::Verb(self.ident(k.first()?)),
            Rule::tool_on => ToolItem::Resource {
                ty: self.ident(k.first()?),
                arg: self.ident(k.get(1)?),
            },
            Rule::tool_arg => {
                let name = self.ident(k.first()?);
                let optional = k.iter().any(|p| p.as_rule() == Rule::optional);
                let ty = self.type_expr(k.into_iter().find(|p| p.as_rule() == Rule::type_expr)?)?;
                ToolItem::Arg { name, optional, ty }
            }
            Rule::tool_effects => ToolItem::Effects(self.ident_list(k.into_iter().next()?)),
            Rule::tool_output => ToolItem::Output {
                trust: self.ident(k.first()?),
                sensitivity: self.ident(k.get(1)?),
            },
            Rule::tool_endpoint => ToolItem::Endpoint(self.string(k.into_iter().next()?)),
            Rule::tool_aws => {
                let mut actions = Vec::new();
                let mut arn = None;
                let mut conditions = Vec::new();
                for p in k {
                    match p.as_rule() {
                        Rule::string_list => actions = self.string_list(p),
                        Rule::string => arn = Some(self.string(p)),
                        Rule::aws_condition => {
                            let c = kids(p);
                            let key = self.string(c.first()?.clone());
                            let arg = self.ident(c.get(1)?);
                            conditions.push((key, arg));
                        }
                        _ => {}
                    }
                }
                ToolItem::Aws {
                    actions,
                    arn,
                    conditions,
                }
            }
            Rule::tool_spends => ToolItem::Spends(self.ident(k.first()?)),
            Rule::tool_source => {
                let mut strings = k.into_iter().map(|p| self.string(p));
                ToolItem::Source {
                    server: strings.next()?,
                    tool: strings.next(),
                }
            }
            Rule::tool_pin => ToolItem::Pin(self.string(k.into_iter().next()?)),
            _ => return None,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let inner = kids(pair).into_iter().next()?;
        let kind = match inner.as_rule() {
            Rule::prim_type => match inner.as_str() {
                "string" => TypeKind::String,
                "int" => TypeKind::Int,
                "bool" => TypeKind::Bool,
                _ => TypeKind::Duration,
            },
            Rule::money_type => TypeKind::Money(kids(inner).first().map(|p| self.ident(p))),
            Rule::enum_type => TypeKind::Enum(self.string_list(kids(inner).into_iter().next()?)),
            Rule::list_type => {
                TypeKind::List(Box::new(self.type_expr(kids(inner).into_iter().next()?)?))
            }
            _ => return None,
        };
        Some(TypeExpr { kind, span })
    }

    fn attrs(&mut self, pair: Pair<'_, Rule>) -> Vec<Attr> {
        let mut out = Vec::new();
        for a in kids(pair) {
            let span = self.span(&a);
            let k = kids(a);
            let (Some(name), Some(v)) = (k.first(), k.get(1)) else {
                continue;
            };
            let value = match v.as_rule() {
                Rule::boolean => AttrValue::Bool(v.as_str() == "true"),
                Rule::string => AttrValue::Str(self.string(v.clone())),
                _ => AttrValue::Word(self.ident(v)),
            };
            out.push(Attr {
                name: self.ident(name),
                value,
                span,
            });
        }
        out
    }

    fn agent_like(&mut self, pair: Pair<'_, Rule>) -> Option<AgentDecl> {
        let span = self.span(&pair);
        let mut k = kids(pair).into_iter();
        let name = self.ident(&k.next()?);
        let items = k.filter_map(|p| self.agent_item(p)).collect();
        Some(AgentDecl { name, items, span })
    }

    fn agent_item(&mut self, pair: Pair<'_, Rule>) -> Option<AgentItem> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let kind = match rule {
            Rule::owner => AgentItemKind::Owner(self.string(kids(pair).into_iter().next()?)),
            Rule::domain => {
                let p = kids(pair).into_iter().next()?;
                if p.as_rule() == Rule::ident_list {
                    AgentItemKind::Domain(self.ident_list(p))
                } else {
                    AgentItemKind::Domain(vec![self.ident(&p)])
                }
            }
            Rule::aws_role => AgentItemKind::AwsRole(self.string(kids(pair).into_iter().next()?)),
            Rule::kubernetes => {
                let mut it = kids(pair).into_iter();
                let namespace = self.string(it.next()?);
                let mut labels = Vec::new();
                if let Some(block) = it.next() {
                    for l in kids(block) {
                        let mut lk = kids(l).into_iter();
                        if let (Some(a), Some(b)) = (lk.next(), lk.next()) {
                            labels.push((self.string(a), self.string(b)));
                        }
                    }
                }
                AgentItemKind::Kubernetes { namespace, labels }
            }
            Rule::credentials => {
                AgentItemKind::Credentials(self.duration(kids(pair).into_iter().next()?)?)
            }
            Rule::egress => AgentItemKind::Egress(self.string_list(kids(pair).into_iter().next()?)),
            Rule::memory => AgentItemKind::Memory(self.ident(kids(pair).first()?)),
            Rule::delegate => {
                AgentItemKind::Delegate(self.ident_list(kids(pair).into_iter().next()?))
            }
            Rule::justification => AgentItemKind::Justification,
            Rule::audit => {
                let mut fields = Vec::new();
                let mut tamper_evident = false;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::path_list => fields = kids(p).iter().map(|f| self.ident(f)).collect(),
                        Rule::tamper_evident => tamper_evident = true,
                        _ => {}
                    }
                }
                AgentItemKind::Audit {
                    fields,
                    tamper_evident,
                }
            }
            Rule::apply => AgentItemKind::Apply(self.ident(kids(pair).first()?)),
            Rule::grant => {
                let mut tool = None;
                let mut via = None;
                let mut extract = None;
                let mut condition = None;
                let mut approvals = Vec::new();
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::tool_pattern => tool = Some(self.ident(&p)),
                        Rule::via => via = kids(p).first().map(|x| self.ident(x)),
                        Rule::extract => extract = kids(p).first().map(|x| self.ident(x)),
                        Rule::where_clause => condition = self.where_clause(p),
                        Rule::approval => approvals.extend(self.approval(p)),
                        _ => {}
                    }
                }
                AgentItemKind::Allow(GrantDecl {
                    tool: tool?,
                    via,
                    extract,
                    condition,
                    approvals,
                })
            }
            Rule::deny_rule => {
                let mut tool = None;
                let mut condition = None;
                let mut reason = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::tool_pattern => tool = Some(self.ident(&p)),
                        Rule::where_clause => condition = self.where_clause(p),
                        Rule::string => reason = Some(self.string(p)),
                        _ => {}
                    }
                }
                AgentItemKind::Deny(DenyDecl {
                    tool: tool?,
                    condition,
                    reason,
                })
            }
            Rule::gate => {
                let tool = self.ident(kids(pair.clone()).first()?);
                let approval = self.approval(pair)?;
                AgentItemKind::Gate { tool, approval }
            }
            Rule::limit => {
                let k = kids(pair);
                let tool = self.ident(k.first()?);
                let count = self.int(k.get(1)?)?;
                let window = match k.get(2) {
                    Some(p) if p.as_rule() == Rule::duration => Some(self.duration(p.clone())?),
                    _ => None,
                };
                AgentItemKind::Limit {
                    tool,
                    count,
                    window,
                }
            }
            Rule::budget => AgentItemKind::Budget(self.money(kids(pair).into_iter().next()?)),
            Rule::log_rule => {
                let k = kids(pair);
                let tool = self.ident(k.first()?);
                let fields = k
                    .get(1)
                    .map(|l| kids(l.clone()).iter().map(|f| self.ident(f)).collect())
                    .unwrap_or_default();
                AgentItemKind::Log { tool, fields }
            }
            _ => return None,
        };
        Some(AgentItem { kind, span })
    }

    /// An `approve ...` clause or gate: trigger, group, count, reason.
    fn approval(&mut self, pair: Pair<'_, Rule>) -> Option<ApprovalDecl> {
        let span = self.span(&pair);
        let mut condition = None;
        let mut group = None;
        let mut count = None;
        let mut reason = None;
        let mut after_count = false;
        let mut after_reason = false;
        for p in all_kids(pair) {
            match p.as_rule() {
                Rule::trigger => {
                    condition = kids(p)
                        .into_iter()
                        .find(|x| x.as_rule() == Rule::expr)
                        .and_then(|e| self.expr(e));
                }
                Rule::k_count => after_count = true,
                Rule::k_reason => after_reason = true,
                Rule::int if after_count => count = self.int(&p),
                Rule::string if after_reason => reason = Some(self.string(p)),
                Rule::string if group.is_none() => group = Some(self.string(p)),
                _ => {}
            }
        }
        Some(ApprovalDecl {
            condition,
            group: group?,
            count,
            reason,
            span,
        })
    }

    fn where_clause(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        kids(pair).into_iter().next().and_then(|e| self.expr(e))
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.expr(kids(pair).into_iter().next()?),
            Rule::or_expr | Rule::and_expr => {
                let is_or = pair.as_rule() == Rule::or_expr;
                let mut parts: Vec<Expr> = kids(pair)
                    .into_iter()
                    .filter_map(|p| self.expr(p))
                    .collect();
                if parts.len() == 1 {
                    return parts.pop();
                }
                Some(Expr {
                    kind: if is_or {
                        ExprKind::Or(parts)
                    } else {
                        ExprKind::And(parts)
                    },
                    span,
                })
            }
            Rule::not_expr => {
                let has_not = pair
                    .clone()
                    .into_inner()
                    .any(|p| p.as_rule() == Rule::k_not);
                let inner = self.expr(kids(pair).into_iter().next()?)?;
                if has_not {
                    Some(Expr {
                        kind: ExprKind::Not(Box::new(inner)),
                        span,
                    })
                } else {
                    Some(inner)
                }
            }
            Rule::atom => self.expr(kids(pair).into_iter().next()?),
            Rule::boolean => Some(Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            }),
            Rule::has => Some(Expr {
                kind: ExprKind::Has(self.ident(kids(pair).first()?)),
                span,
            }),
            Rule::path => Some(Expr {
                kind: ExprKind::Path(self.ident(&pair)),
                span,
            }),
            Rule::test => {
                let k = kids(pair);
                let lhs = self.ident(k.first()?);
                let op_pair = k.get(1)?.clone();
                let op_rule = op_pair.as_rule();
                let ok = kids(op_pair);
                let op = match op_rule {
                    Rule::cmp => {
                        let op = match ok.first()?.as_str() {
                            "==" => CmpOp::Eq,
                            "!=" => CmpOp::Ne,
                            "<=" => CmpOp::Le,
                            ">=" => CmpOp::Ge,
                            "<" => CmpOp::Lt,
                            _ => CmpOp::Gt,
                        };
                        TestOp::Cmp(op, self.literal(ok.get(1)?.clone())?)
                    }
                    Rule::member => TestOp::In(self.literal_list(ok.into_iter().next()?)),
                    Rule::like => TestOp::Like(self.string(ok.into_iter().next()?)),
                    Rule::any => TestOp::Any(self.literal_list(ok.into_iter().next()?)),
                    Rule::all => TestOp::All(self.literal_list(ok.into_iter().next()?)),
                    Rule::contains => TestOp::Contains(self.literal(ok.into_iter().next()?)?),
                    _ => return None,
                };
                Some(Expr {
                    kind: ExprKind::Test { lhs, op },
                    span,
                })
            }
            _ => None,
        }
    }

    fn literal_list(&mut self, pair: Pair<'_, Rule>) -> Vec<Literal> {
        let items = kids(pair.clone());
        self.list_len(&pair, items.len());
        items
            .into_iter()
            .take(super::MAX_LIST_LEN)
            .filter_map(|p| self.literal(p))
            .collect()
    }

    /// Reports a list longer than [`super::MAX_LIST_LEN`] (its elements
    /// beyond the limit are dropped).
    fn list_len(&mut self, pair: &Pair<'_, Rule>, len: usize) {
        if len > super::MAX_LIST_LEN {
            let span = self.span(pair);
            self.sink.push(
                Diagnostic::error(
                    codes::INPUT_TOO_LARGE,
                    format!(
                        "list has {len} elements, more than the limit of {}",
                        super::MAX_LIST_LEN
                    ),
                )
                .primary(Span::new(span.file, span.start, span.start + 1), "this list")
                .help("split the rule into several rules over shorter lists; agentpol bounds list length so no input can stall the analysis"),
            );
        }
    }

    fn literal(&mut self, pair: Pair<'_, Rule>) -> Option<Literal> {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::literal {
            kids(pair).into_iter().next()?
        } else {
            pair
        };
        let kind = match inner.as_rule() {
            Rule::string => LitKind::Str(self.string(inner).value),
            Rule::int => LitKind::Int(self.int(&inner)?.value),
            Rule::boolean => LitKind::Bool(inner.as_str() == "true"),
            Rule::duration => LitKind::Duration(self.duration(inner)?),
            Rule::money => LitKind::Money(self.money(inner)),
            _ => return None,
        };
        Some(Literal { kind, span })
    }

    fn int(&mut self, pair: &Pair<'_, Rule>) -> Option<IntLit> {
        let span = self.span(pair);
        match pair.as_str().parse::<i64>() {
            Ok(value) => Some(IntLit { value, span }),
            Err(_) => {
                self.sink.push(
                    Diagnostic::error(
                        codes::INVALID_NUMBER,
                        format!("number `{}` does not fit in 64 bits", pair.as_str()),
                    )
                    .primary(span, "too large")
                    .help("integers range from -9223372036854775808 to 9223372036854775807"),
                );
                None
            }
        }
    }

    fn duration(&mut self, pair: Pair<'_, Rule>) -> Option<DurationLit> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        match digits.parse::<u64>() {
            Ok(amount) => Some(DurationLit {
                amount,
                unit: unit.to_string(),
                span,
            }),
            Err(_) => {
                self.sink.push(
                    Diagnostic::error(
                        codes::INVALID_NUMBER,
                        format!("duration `{text}` is too large"),
                    )
                    .primary(span, "too large")
                    .help("write a smaller amount or a larger unit"),
                );
                None
            }
        }
    }

    fn money(&mut self, pair: Pair<'_, Rule>) -> MoneyLit {
        let span = self.span(&pair);
        let k = kids(pair);
        let currency = k
            .first()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let amount = k.get(1).map(|p| p.as_str().to_string()).unwrap_or_default();
        MoneyLit {
            currency,
            amount,
            span,
        }
    }

    fn ident_list(&mut self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        kids(pair).iter().map(|p| self.ident(p)).collect()
    }

    fn string_list(&mut self, pair: Pair<'_, Rule>) -> Vec<StrLit> {
        let items = kids(pair.clone());
        self.list_len(&pair, items.len());
        items
            .into_iter()
            .take(super::MAX_LIST_LEN)
            .map(|p| self.string(p))
            .collect()
    }

    /// Unescapes a string literal; bad escapes are reported and dropped.
    fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let body = pair.as_str();
        let body = body
            .strip_prefix('"')
            .and_then(|b| b.strip_suffix('"'))
            .unwrap_or(body);
        let mut value = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\n' {
                self.sink.push(
                    Diagnostic::error(codes::INVALID_STRING, "string literal spans several lines")
                        .primary(span, "this string")
                        .help("close the string on the same line, or write `\\n` for a newline"),
                );
                return StrLit { value, span };
            }
            if c != '\\' {
                value.push(c);
                continue;
            }
            // The backslash and the whole character after it: a label never
            // splits a multi-byte character.
            let next_len = chars.peek().map_or(0, |(_, n)| n.len_utf8());
            let at = Span::new(span.file, span.start + 1 + i, span.start + 2 + i + next_len);
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'u')) => {
                    let mut hex = String::new();
                    let mut ok = chars.next().map(|(_, c)| c) == Some('{');
                    if ok {
                        loop {
                            match chars.next() {
                                Some((_, '}')) => break,
                                Some((_, h)) if h.is_ascii_hexdigit() && hex.len() < 6 => {
                                    hex.push(h)
                                }
                                _ => {
                                    ok = false;
                                    break;
                                }
                            }
                        }
                    }
                    let ch = if ok {
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    } else {
                        None
                    };
                    match ch {
                        Some(ch) if !super::is_forbidden_char(ch) || ch == '\n' || ch == '\t' => value.push(ch),
                        Some(ch) => self.sink.push(
                            Diagnostic::error(codes::INVALID_STRING, format!("escape produces forbidden character U+{:04X}", ch as u32))
                                .primary(span, "in this string")
                                .help("NUL, control characters and bidirectional overrides are not allowed in policy strings"),
                        ),
                        None => self.sink.push(
                            Diagnostic::error(codes::INVALID_STRING, "invalid unicode escape")
                                .primary(at, "expected `\\u{XXXX}`")
                                .help("write a Unicode escape as `\\u{1F600}` with 1 to 6 hex digits"),
                        ),
                    }
                }
                Some((_, other)) => self.sink.push(
                    Diagnostic::error(
                        codes::INVALID_STRING,
                        format!("unknown escape `\\{}`", other.escape_debug()),
                    )
                    .primary(at, "unknown escape")
                    .help("valid escapes are \\\" \\\\ \\n \\t and \\u{XXXX}"),
                ),
                None => {}
            }
        }
        let chars = value.chars().count();
        if chars > super::MAX_STRING_CHARS {
            self.sink.push(
                Diagnostic::error(
                    codes::INPUT_TOO_LARGE,
                    format!(
                        "string literal is {chars} characters long, more than the limit of {}",
                        super::MAX_STRING_CHARS
                    ),
                )
                .primary(Span::new(span.file, span.start, span.start + 1), "this string")
                .help("use a shorter value (an identifier rather than the data itself); agentpol bounds literal length so no input can stall the analysis"),
            );
            value = value.chars().take(super::MAX_STRING_CHARS).collect();
        }
        StrLit { value, span }
    }
}
