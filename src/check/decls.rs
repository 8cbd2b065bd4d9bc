//! Tools, resource types, resource instances and sanitizers.

use super::{literals, Cx, Kind};
use crate::diagnostics::{codes, did_you_mean};
use crate::model::{
    self, currency_exponent, ArgSpec, Attrs, Effect, Resource, ResourceType, Sanitizer,
    Sensitivity, Tool, ToolResource, Trust, Type,
};
use crate::syntax::ast::{self, Item, ToolItem, TypeKind};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn resource_types(cx: &mut Cx<'_, '_>) {
    for (name, r) in cx.program.resource_types.clone() {
        let Some(Item::ResourceType(decl)) = cx.program.item(r) else {
            continue;
        };
        let mut parent = None;
        if let Some(p) = &decl.parent {
            if cx.lookup(r.module, Kind::ResourceType, p).is_some() {
                parent = Some(p.name.clone());
            }
        }
        let fallback = Attrs {
            sensitivity: Sensitivity::Internal,
            external: true,
            owner: String::new(),
        };
        let defaults = attrs(cx, &decl.attrs, &fallback);
        cx.model.resource_types.insert(
            name.clone(),
            ResourceType {
                name,
                parent,
                defaults,
                span: decl.name.span,
            },
        );
    }
    // A type hierarchy must be a tree: follow parents and stop at a repeat.
    let names: Vec<String> = cx.model.resource_types.keys().cloned().collect();
    for start in names {
        let mut seen = BTreeSet::new();
        let mut cur = Some(start.clone());
        while let Some(c) = cur {
            if !seen.insert(c.clone()) {
                let span = cx.model.resource_types.get(&start).map(|t| t.span);
                if let Some(span) = span {
                    cx.error(
                        codes::IMPORT_CYCLE,
                        span,
                        format!("resource type `{start}` is its own ancestor"),
                        "in a parent cycle",
                        "a resource hierarchy must be a tree: remove one `in` clause",
                    );
                }
                if let Some(t) = cx.model.resource_types.get_mut(&start) {
                    t.parent = None;
                }
                break;
            }
            cur = cx
                .model
                .resource_types
                .get(&c)
                .and_then(|t| t.parent.clone());
        }
    }
}

/// Reads `sensitivity`, `external` and `owner` attributes over `base`.
fn attrs(cx: &mut Cx<'_, '_>, list: &[ast::Attr], base: &Attrs) -> Attrs {
    let mut out = base.clone();
    let mut seen = BTreeSet::new();
    for a in list {
        if !seen.insert(a.name.name.clone()) {
            cx.error(
                codes::DUPLICATE_SETTING,
                a.span,
                format!("attribute `{}` is set twice", a.name.name),
                "set again here",
                "keep one value",
            );
            continue;
        }
        match (a.name.name.as_str(), &a.value) {
            ("sensitivity", ast::AttrValue::Word(w)) => match Sensitivity::parse(&w.name) {
                Some(s) => out.sensitivity = s,
                None => unknown_word(
                    cx,
                    w,
                    "sensitivity",
                    &["public", "internal", "confidential", "secret"],
                ),
            },
            ("external", ast::AttrValue::Bool(b)) => out.external = *b,
            ("owner", ast::AttrValue::Str(s)) => out.owner = s.value.clone(),
            ("sensitivity" | "external" | "owner", _) => {
                let want = match a.name.name.as_str() {
                    "sensitivity" => "one of public, internal, confidential, secret",
                    "external" => "`true` or `false`",
                    _ => "a string",
                };
                cx.error(
                    codes::TYPE_MISMATCH,
                    a.span,
                    format!("attribute `{}` takes {want}", a.name.name),
                    "wrong kind of value",
                    format!("write `{} <value>` with {want}", a.name.name),
                );
            }
            (other, _) => {
                let help = did_you_mean(other, ["sensitivity", "external", "owner"])
                    .unwrap_or_else(|| {
                        "resource attributes are `sensitivity`, `external` and `owner`".into()
                    });
                cx.error(
                    codes::UNKNOWN_KEYWORD,
                    a.name.span,
                    format!("unknown attribute `{other}`"),
                    "not a resource attribute",
                    help,
                );
            }
        }
    }
    out
}

pub(super) fn unknown_word(cx: &mut Cx<'_, '_>, w: &ast::Ident, what: &str, allowed: &[&str]) {
    let help = did_you_mean(&w.name, allowed.iter().copied())
        .unwrap_or_else(|| format!("{what} is one of: {}", allowed.join(", ")));
    cx.error(
        codes::UNKNOWN_ENUM_VALUE,
        w.span,
        format!("unknown {what} `{}`", w.name),
        format!("not a valid {what}").as_str(),
        help,
    );
}

pub(super) fn tools(cx: &mut Cx<'_, '_>) {
    for (name, r) in cx.program.tools.clone() {
        let Some(Item::Tool(decl)) = cx.program.item(r) else {
            continue;
        };
        if let Some(tool) = tool(cx, r.module, &name, decl) {
            cx.model.tools.insert(name, tool);
        }
    }
}

fn tool(cx: &mut Cx<'_, '_>, module: usize, name: &str, decl: &ast::ToolDecl) -> Option<Tool> {
    if !name.contains('.') {
        cx.error(
            codes::INVALID_TOOL,
            decl.name.span,
            format!("tool name `{name}` has no namespace"),
            "expected `namespace.name`",
            format!("name tools by service, e.g. `acme.{name}`"),
        );
    }
    let mut t = Tool {
        name: name.to_string(),
        doc: None,
        verb: None,
        resource: None,
        args: BTreeMap::new(),
        effects: BTreeSet::new(),
        trust: Trust::Untrusted,
        sensitivity: Sensitivity::Internal,
        endpoints: Vec::new(),
        aws: Vec::new(),
        spends: None,
        mcp: None,
        span: decl.name.span,
    };
    let mut resource_decl = None;
    let mut spends_decl = None;
    let mut aws_decls = Vec::new();
    let mut has_output = false;
    for item in &decl.items {
        match item {
            ToolItem::Doc(s) => t.doc = Some(s.value.clone()),
            ToolItem::Verb(v) => t.verb = Some(v.name.clone()),
            ToolItem::Resource { ty, arg } => resource_decl = Some((ty, arg)),
            ToolItem::Arg { name, optional, ty } => {
                if t.args.contains_key(&name.name) {
                    cx.error(
                        codes::DUPLICATE_NAME,
                        name.span,
                        format!("argument `{}` is declared twice", name.name),
                        "declared again here",
                        "rename or remove one of them",
                    );
                    continue;
                }
                if let Some(ty) = arg_type(cx, ty, false) {
                    t.args.insert(
                        name.name.clone(),
                        ArgSpec {
                            ty,
                            optional: *optional,
                        },
                    );
                }
            }
            ToolItem::Effects(list) => {
                for e in list {
                    match Effect::ALL.into_iter().find(|x| x.as_str() == e.name) {
                        Some(x) => {
                            t.effects.insert(x);
                        }
                        None => {
                            let names: Vec<&str> = Effect::ALL.iter().map(|e| e.as_str()).collect();
                            unknown_word(cx, e, "effect", &names);
                        }
                    }
                }
            }
            ToolItem::Output { trust, sensitivity } => {
                has_output = true;
                match trust.name.as_str() {
                    "trusted" => t.trust = Trust::Trusted,
                    "untrusted" => t.trust = Trust::Untrusted,
                    _ => unknown_word(cx, trust, "trust", &["trusted", "untrusted"]),
                }
                match Sensitivity::parse(&sensitivity.name) {
                    Some(s) => t.sensitivity = s,
                    None => unknown_word(
                        cx,
                        sensitivity,
                        "sensitivity",
                        &["public", "internal", "confidential", "secret"],
                    ),
                }
            }
            ToolItem::Endpoint(s) => match literals::parse_endpoint(&s.value) {
                Ok(e) => t.endpoints.push(e),
                Err(m) => cx.error(
                    codes::INVALID_ENDPOINT,
                    s.span,
                    format!("invalid endpoint `{}`: {m}", s.value.escape_debug()),
                    "not an endpoint",
                    "write `host:port`, `*.domain:port` or `10.0.0.0/8:port`",
                ),
            },
            ToolItem::Aws {
                actions,
                arn,
                conditions,
            } => aws_decls.push((actions, arn, conditions)),
            ToolItem::Spends(a) => spends_decl = Some(a),
            ToolItem::Source { .. } | ToolItem::Pin(_) => {}
        }
    }
    t.mcp = super::mcp::binding(cx, name, &decl.items);
    let _ = has_output;
    for (actions, arn, conditions) in aws_decls {
        let mapping = super::aws::mapping(cx, &t, actions, arn.as_ref(), conditions);
        t.aws.push(mapping);
    }
    if t.effects.is_empty() {
        cx.error(codes::INVALID_TOOL, decl.name.span, format!("tool `{name}` declares no effects"), "no `effects [...]`", "say what calling it does, e.g. `effects [read]`; agentpol cannot judge a tool without effects");
    }
    if let Some((ty, arg)) = resource_decl {
        if cx.lookup(module, Kind::ResourceType, ty).is_some() {
            match t.args.get(&arg.name) {
                Some(ArgSpec {
                    ty: Type::String,
                    optional: false,
                }) => {
                    t.resource = Some(ToolResource {
                        ty: ty.name.clone(),
                        arg: arg.name.clone(),
                    })
                }
                Some(_) => cx.error(
                    codes::INVALID_TOOL,
                    arg.span,
                    format!("resource argument `{}` must be a required string", arg.name),
                    "not a required string",
                    "declare it as `arg NAME: string`",
                ),
                None => cx.error(
                    codes::UNKNOWN_ARGUMENT,
                    arg.span,
                    format!("tool `{name}` has no argument `{}`", arg.name),
                    "no such argument",
                    "declare the argument that names the resource with `arg NAME: string`",
                ),
            }
        }
    }
    match spends_decl {
        Some(a) => match t.args.get(&a.name) {
            Some(ArgSpec {
                ty: Type::Money { .. },
                optional: false,
            }) if t.effects.contains(&Effect::Spend) => t.spends = Some(a.name.clone()),
            Some(ArgSpec {
                ty: Type::Money { .. },
                optional: false,
            }) => cx.error(
                codes::INVALID_TOOL,
                a.span,
                format!("tool `{name}` spends but has no `spend` effect"),
                "spends without the effect",
                "add `spend` to its effects",
            ),
            Some(_) => cx.error(
                codes::INVALID_TOOL,
                a.span,
                format!(
                    "`spends` must name a required money argument, `{}` is not one",
                    a.name
                ),
                "not a required money argument",
                "declare `arg amount: money(USD)` and write `spends amount`",
            ),
            None => cx.error(
                codes::UNKNOWN_ARGUMENT,
                a.span,
                format!("tool `{name}` has no argument `{}`", a.name),
                "no such argument",
                "declare the amount with `arg NAME: money(USD)`",
            ),
        },
        None if t.effects.contains(&Effect::Spend) => cx.error(
            codes::INVALID_TOOL,
            decl.name.span,
            format!("spend tool `{name}` does not say which argument it spends"),
            "missing `spends ARG`",
            "add `spends amount` naming its money argument, so budgets can be enforced",
        ),
        None => {}
    }
    Some(t)
}

fn arg_type(cx: &mut Cx<'_, '_>, ty: &ast::TypeExpr, in_list: bool) -> Option<Type> {
    Some(match &ty.kind {
        TypeKind::String => Type::String,
        TypeKind::Int => Type::Int,
        TypeKind::Bool | TypeKind::Duration | TypeKind::Money(_) | TypeKind::List(_) if in_list => {
            cx.error(codes::TYPE_MISMATCH, ty.span, "list elements must be strings, integers or enums", "unsupported element type", "policy engines compare list elements as scalars; use `list<string>`, `list<int>` or `list<enum[...]>`");
            return None;
        }
        TypeKind::Bool => Type::Bool,
        TypeKind::Duration => Type::Duration,
        TypeKind::Money(c) => {
            if let Some(c) = c {
                if currency_exponent(&c.name).is_none() {
                    cx.error(
                        codes::IMPOSSIBLE_UNIT,
                        c.span,
                        format!("unknown currency `{}`", c.name),
                        "not an ISO 4217 code agentpol knows",
                        "use a currency such as USD, EUR, GBP or JPY",
                    );
                    return None;
                }
            }
            Type::Money {
                currency: c.as_ref().map(|c| c.name.clone()),
            }
        }
        TypeKind::Enum(values) => {
            let mut out: Vec<String> = Vec::new();
            for v in values {
                if out.contains(&v.value) {
                    cx.error(
                        codes::DUPLICATE_NAME,
                        v.span,
                        format!("enum value `{}` is listed twice", v.value.escape_debug()),
                        "repeated",
                        "remove the repetition",
                    );
                } else {
                    out.push(v.value.clone());
                }
            }
            if out.is_empty() {
                cx.error(
                    codes::TYPE_MISMATCH,
                    ty.span,
                    "an enum needs at least one value",
                    "empty enum",
                    "list the allowed values: `enum[\"low\", \"high\"]`",
                );
                return None;
            }
            Type::Enum { values: out }
        }
        TypeKind::List(inner) => Type::List {
            element: Box::new(arg_type(cx, inner, true)?),
        },
    })
}

pub(super) fn resources(cx: &mut Cx<'_, '_>) {
    let mut decls: Vec<ast::ResourceDecl> = Vec::new();
    let mut seen: BTreeMap<(String, String), crate::source::Span> = BTreeMap::new();
    for r in cx.program.resources.clone() {
        let Some(Item::Resource(decl)) = cx.program.item(r) else {
            continue;
        };
        if cx.lookup(r.module, Kind::ResourceType, &decl.ty).is_none() {
            continue;
        }
        let key = (decl.ty.name.clone(), decl.pattern.value.clone());
        if let Some(prev) = seen.get(&key).copied() {
            cx.sink.push(
                crate::diagnostics::Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    format!(
                        "resource `{}` of type `{}` is declared twice",
                        decl.pattern.value.escape_debug(),
                        decl.ty.name
                    ),
                )
                .primary(decl.pattern.span, "declared again here")
                .secondary(prev, "first declared here")
                .help("merge the two declarations"),
            );
            continue;
        }
        seen.insert(key, decl.pattern.span);
        decls.push(decl.clone());
    }
    // Effective attributes: own over the parent's over the type's defaults.
    let mut resolved: Vec<Option<Attrs>> = vec![None; decls.len()];
    for i in 0..decls.len() {
        effective(cx, &decls, &mut resolved, i, 0);
    }
    let mut out: Vec<Resource> = decls
        .iter()
        .zip(resolved)
        .map(|(d, a)| Resource {
            ty: d.ty.name.clone(),
            pattern: d.pattern.value.clone(),
            parent: d.parent.as_ref().map(|p| p.value.clone()),
            attrs: a.unwrap_or_else(|| type_defaults(cx, &d.ty.name)),
            span: d.pattern.span,
        })
        .collect();
    out.sort_by_key(model::resources::priority_key);
    cx.model.resources = out;
}

fn type_defaults(cx: &Cx<'_, '_>, ty: &str) -> Attrs {
    cx.model
        .resource_types
        .get(ty)
        .map(|t| t.defaults.clone())
        .unwrap_or(Attrs {
            sensitivity: Sensitivity::Internal,
            external: true,
            owner: String::new(),
        })
}

/// Computes (and memoises) the effective attributes of resource `i`.
fn effective(
    cx: &mut Cx<'_, '_>,
    decls: &[ast::ResourceDecl],
    resolved: &mut Vec<Option<Attrs>>,
    i: usize,
    depth: usize,
) -> Attrs {
    if let Some(Some(a)) = resolved.get(i) {
        return a.clone();
    }
    let Some(d) = decls.get(i) else {
        return type_defaults(cx, "");
    };
    let ty = d.ty.name.clone();
    let mut base = type_defaults(cx, &ty);
    if let Some(p) = &d.parent {
        let parent_ty = cx
            .model
            .resource_types
            .get(&ty)
            .and_then(|t| t.parent.clone());
        match parent_ty {
            None => cx.error(
                codes::UNKNOWN_RESOURCE_TYPE,
                p.span,
                format!("resource type `{ty}` has no parent type"),
                "cannot be placed `in` another resource",
                format!("declare `resource type {ty} in PARENT_TYPE`"),
            ),
            Some(pt) => match decls
                .iter()
                .position(|r| r.ty.name == pt && r.pattern.value == p.value)
            {
                // The type tree is acyclic, so depth is bounded by its height.
                Some(j) if depth < 64 => base = effective(cx, decls, resolved, j, depth + 1),
                Some(_) => {}
                None => cx.error(
                    codes::UNKNOWN_NAME,
                    p.span,
                    format!("no `{pt}` resource named `{}`", p.value.escape_debug()),
                    "unknown parent",
                    format!(
                        "declare it with `resource {pt} \"{}\"`",
                        p.value.escape_debug()
                    ),
                ),
            },
        }
    }
    let a = attrs(cx, &d.attrs, &base);
    if let Some(slot) = resolved.get_mut(i) {
        *slot = Some(a.clone());
    }
    a
}

pub(super) fn sanitizers(cx: &mut Cx<'_, '_>) {
    for (name, r) in cx.program.sanitizers.clone() {
        let Some(Item::Sanitizer(decl)) = cx.program.item(r) else {
            continue;
        };
        cx.model.sanitizers.insert(
            name.clone(),
            Sanitizer {
                name,
                description: decl.description.as_ref().map(|d| d.value.clone()),
                span: decl.name.span,
            },
        );
    }
}
