//! Constraint type checking: AST expressions → model [`Cond`]s over one tool.
//!
//! Operands: the tool's arguments; `arg.minor` / `arg.currency` of money
//! arguments; `resource.sensitivity|external|owner` (compiled to tests on the
//! resource argument); `context.justification`. Literals must match the
//! operand's type and unit.

use super::literals::{parse_duration, parse_money};
use super::Cx;
use crate::diagnostics::{codes, did_you_mean};
use crate::model::cond::{glob_match, StrOrArg};
use crate::model::resources::attr_cond;
use crate::model::{Atom, Attrs, Cond, IntOperand, Scalar, Sensitivity, StrOperand, Tool, Type};
use crate::source::Span;
use crate::syntax::ast::{CmpOp, Expr, ExprKind, Ident, LitKind, Literal, TestOp};

/// What a name in a constraint denotes, with its type.
enum Operand {
    Int(IntOperand),
    Duration(String),
    Money {
        arg: String,
        currency: Option<String>,
    },
    Str(StrOperand),
    Enum {
        arg: String,
        values: Vec<String>,
    },
    Bool(String),
    List {
        arg: String,
        element: Type,
    },
    Sensitivity,
    External,
    Owner,
}

pub(super) fn check_expr(cx: &mut Cx<'_, '_>, tool: &Tool, expr: &Expr) -> Option<Cond> {
    match &expr.kind {
        ExprKind::Bool(true) => Some(Cond::True),
        ExprKind::Bool(false) => Some(Cond::False),
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            let mut out = Vec::new();
            let mut ok = true;
            for p in parts {
                match check_expr(cx, tool, p) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            Some(if matches!(expr.kind, ExprKind::And(_)) {
                Cond::and(out)
            } else {
                Cond::or(out)
            })
        }
        ExprKind::Not(inner) => check_expr(cx, tool, inner).map(Cond::not),
        ExprKind::Has(path) => match path.name.as_str() {
            "context.justification" => Some(Cond::Atom(Atom::Has(StrOrArg::Justification))),
            name if tool.args.contains_key(name) => {
                Some(Cond::Atom(Atom::Has(StrOrArg::Arg(name.to_string()))))
            }
            _ => {
                unknown_operand(cx, tool, path);
                None
            }
        },
        ExprKind::Path(path) => match operand(cx, tool, path)? {
            Operand::Bool(arg) => Some(Cond::Atom(Atom::BoolIs { arg, value: true })),
            Operand::External => resource_cond(cx, tool, path.span, |a| a.external),
            _ => {
                mismatch(
                    cx,
                    path.span,
                    format!("`{}` is not a boolean", path.name),
                    "a bare name must be a boolean",
                    "compare it with a value, e.g. `x == \"...\"`",
                );
                None
            }
        },
        ExprKind::Test { lhs, op } => {
            let operand = operand(cx, tool, lhs)?;
            test(cx, tool, lhs, operand, op)
        }
    }
}

fn operand(cx: &mut Cx<'_, '_>, tool: &Tool, path: &Ident) -> Option<Operand> {
    let name = path.name.as_str();
    match name {
        "resource.sensitivity" | "resource.external" | "resource.owner" => {
            if tool.resource.is_none() {
                cx.error(
                    codes::NO_RESOURCE_ARGUMENT,
                    path.span,
                    format!("tool `{}` acts on no resource", tool.name),
                    "no resource attributes here",
                    "declare `resource TYPE(arg)` in the tool, or constrain its arguments directly",
                );
                return None;
            }
            return Some(match name {
                "resource.sensitivity" => Operand::Sensitivity,
                "resource.external" => Operand::External,
                _ => Operand::Owner,
            });
        }
        "context.justification" => return Some(Operand::Str(StrOperand::Justification)),
        _ => {}
    }
    let (base, field) = match name.split_once('.') {
        Some((b, f)) => (b, Some(f)),
        None => (name, None),
    };
    let Some(spec) = tool.args.get(base) else {
        unknown_operand(cx, tool, path);
        return None;
    };
    let arg = base.to_string();
    match (&spec.ty, field) {
        (Type::Money { .. }, Some("minor")) => Some(Operand::Int(IntOperand::MoneyMinor(arg))),
        (Type::Money { .. }, Some("currency")) => {
            Some(Operand::Str(StrOperand::MoneyCurrency(arg)))
        }
        (_, Some(f)) => {
            cx.error(
                codes::UNKNOWN_ARGUMENT,
                path.span,
                format!("`{base}` has no field `{f}`"),
                "no such field",
                "only money arguments have fields: `.minor` and `.currency`",
            );
            None
        }
        (Type::String, None) => Some(Operand::Str(StrOperand::Arg(arg))),
        (Type::Int, None) => Some(Operand::Int(IntOperand::Arg(arg))),
        (Type::Bool, None) => Some(Operand::Bool(arg)),
        (Type::Duration, None) => Some(Operand::Duration(arg)),
        (Type::Money { currency }, None) => Some(Operand::Money {
            arg,
            currency: currency.clone(),
        }),
        (Type::Enum { values }, None) => Some(Operand::Enum {
            arg,
            values: values.clone(),
        }),
        (Type::List { element }, None) => Some(Operand::List {
            arg,
            element: (**element).clone(),
        }),
    }
}

fn unknown_operand(cx: &mut Cx<'_, '_>, tool: &Tool, path: &Ident) {
    let mut names: Vec<String> = tool.args.keys().cloned().collect();
    names.push("context.justification".into());
    if tool.resource.is_some() {
        names.extend(
            [
                "resource.sensitivity",
                "resource.external",
                "resource.owner",
            ]
            .map(String::from),
        );
    }
    let help = did_you_mean(&path.name, names.iter().map(String::as_str)).unwrap_or_else(|| {
        format!(
            "`{}` takes: {}",
            tool.name,
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    cx.error(
        codes::UNKNOWN_ARGUMENT,
        path.span,
        format!("tool `{}` has no argument `{}`", tool.name, path.name),
        "unknown name",
        help,
    );
}

fn mismatch(
    cx: &mut Cx<'_, '_>,
    span: Span,
    message: String,
    label: &str,
    help: impl Into<String>,
) {
    cx.error(codes::TYPE_MISMATCH, span, message, label, help);
}

fn test(
    cx: &mut Cx<'_, '_>,
    tool: &Tool,
    lhs: &Ident,
    operand: Operand,
    op: &TestOp,
) -> Option<Cond> {
    let lname = lhs.name.clone();
    match (operand, op) {
        (Operand::Int(o), TestOp::Cmp(cmp, lit)) => {
            let v = int_lit(cx, lit, &lname)?;
            Some(int_cmp(o, *cmp, v))
        }
        (Operand::Int(o), TestOp::In(items)) => {
            let vals: Option<Vec<i64>> = items.iter().map(|l| int_lit(cx, l, &lname)).collect();
            Some(Cond::or(
                vals?
                    .into_iter()
                    .map(|v| int_cmp(o.clone(), CmpOp::Eq, v))
                    .collect(),
            ))
        }
        (Operand::Duration(arg), TestOp::Cmp(cmp, lit)) => {
            let v = match &lit.kind {
                LitKind::Duration(d) => match parse_duration(d.amount, &d.unit) {
                    Ok(s) => i64::try_from(s).ok()?,
                    Err(m) => {
                        cx.error(
                            codes::IMPOSSIBLE_UNIT,
                            lit.span,
                            m,
                            "bad unit",
                            "durations take s, m, h or d",
                        );
                        return None;
                    }
                },
                LitKind::Int(_) => {
                    cx.error(
                        codes::IMPOSSIBLE_UNIT,
                        lit.span,
                        format!("`{lname}` is a duration; this number has no unit"),
                        "missing unit",
                        "write the unit, e.g. `30m` or `2h`",
                    );
                    return None;
                }
                other => {
                    mismatch(
                        cx,
                        lit.span,
                        format!(
                            "`{lname}` is a duration, compared with {}",
                            other.describe()
                        ),
                        "not a duration",
                        "compare with a duration such as `30m`",
                    );
                    return None;
                }
            };
            Some(int_cmp(IntOperand::Arg(arg), *cmp, v))
        }
        (Operand::Money { arg, currency }, TestOp::Cmp(cmp, lit)) => {
            let LitKind::Money(m) = &lit.kind else {
                let unit = if matches!(lit.kind, LitKind::Int(_)) {
                    codes::IMPOSSIBLE_UNIT
                } else {
                    codes::TYPE_MISMATCH
                };
                cx.error(
                    unit,
                    lit.span,
                    format!("`{lname}` is money, compared with {}", lit.kind.describe()),
                    "needs a currency",
                    format!(
                        "write a money amount such as `{} 10.00`, or compare `{lname}.minor`",
                        currency.as_deref().unwrap_or("USD")
                    ),
                );
                return None;
            };
            let money = match parse_money(&m.currency, &m.amount) {
                Ok(x) => x,
                Err(e) => {
                    cx.error(codes::IMPOSSIBLE_UNIT, lit.span, e, "invalid money amount", "write `USD 10.00` with a known currency and at most its number of decimals");
                    return None;
                }
            };
            match currency {
                Some(c) if c == money.currency => {
                    Some(int_cmp(IntOperand::MoneyMinor(arg), *cmp, money.minor))
                }
                Some(c) => {
                    cx.error(
                        codes::IMPOSSIBLE_UNIT,
                        lit.span,
                        format!(
                            "`{lname}` is in {c}, compared with an amount in {}",
                            money.currency
                        ),
                        "different currency",
                        format!("write the amount in {c}"),
                    );
                    None
                }
                None => {
                    cx.error(codes::IMPOSSIBLE_UNIT, lit.span, format!("`{lname}` has no fixed currency, so `{} {}` cannot be compared with it", m.currency, m.amount), "currency of the request unknown", format!("declare the argument as `money({})` in the tool, or test `{lname}.currency` and `{lname}.minor`", money.currency));
                    None
                }
            }
        }
        (Operand::Str(o), TestOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
            let v = str_lit(cx, lit, &lname)?;
            let eq = Cond::Atom(Atom::StrEq {
                operand: o,
                value: v,
            });
            Some(if *cmp == CmpOp::Eq { eq } else { Cond::not(eq) })
        }
        (Operand::Str(o), TestOp::In(items)) => {
            let vals: Option<Vec<String>> = items.iter().map(|l| str_lit(cx, l, &lname)).collect();
            Some(Cond::Atom(Atom::StrIn {
                operand: o,
                values: vals?,
            }))
        }
        (Operand::Str(o), TestOp::Like(p)) => Some(Cond::Atom(Atom::StrLike {
            operand: o,
            pattern: p.value.clone(),
        })),
        (Operand::Enum { arg, values }, TestOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
            let v = enum_lit(cx, lit, &lname, &values)?;
            let eq = Cond::Atom(Atom::StrEq {
                operand: StrOperand::Arg(arg),
                value: v,
            });
            Some(if *cmp == CmpOp::Eq { eq } else { Cond::not(eq) })
        }
        (Operand::Enum { arg, values }, TestOp::In(items)) => {
            let vals: Option<Vec<String>> = items
                .iter()
                .map(|l| enum_lit(cx, l, &lname, &values))
                .collect();
            Some(Cond::Atom(Atom::StrIn {
                operand: StrOperand::Arg(arg),
                values: vals?,
            }))
        }
        (Operand::Bool(arg), TestOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
            let LitKind::Bool(b) = lit.kind else {
                mismatch(
                    cx,
                    lit.span,
                    format!(
                        "`{lname}` is a boolean, compared with {}",
                        lit.kind.describe()
                    ),
                    "not a boolean",
                    "compare with `true` or `false`",
                );
                return None;
            };
            let is = Cond::Atom(Atom::BoolIs { arg, value: b });
            Some(if *cmp == CmpOp::Eq { is } else { Cond::not(is) })
        }
        (Operand::List { arg, element }, TestOp::Any(items) | TestOp::All(items)) => {
            let vals: Option<Vec<Scalar>> = items
                .iter()
                .map(|l| scalar_lit(cx, l, &lname, &element))
                .collect();
            let values = vals?;
            Some(Cond::Atom(if matches!(op, TestOp::Any(_)) {
                Atom::ListAny { arg, values }
            } else {
                Atom::ListAll { arg, values }
            }))
        }
        (Operand::List { arg, element }, TestOp::Contains(lit)) => {
            let value = scalar_lit(cx, lit, &lname, &element)?;
            Some(Cond::Atom(Atom::ListContains { arg, value }))
        }
        (Operand::Sensitivity, TestOp::Cmp(cmp, lit)) => {
            let level = sensitivity_lit(cx, lit)?;
            resource_cond(cx, tool, lhs.span, |a| {
                crate::model::cond::compare(a.sensitivity as i64, *cmp, level as i64)
            })
        }
        (Operand::Sensitivity, TestOp::In(items)) => {
            let levels: Option<Vec<Sensitivity>> =
                items.iter().map(|l| sensitivity_lit(cx, l)).collect();
            let levels = levels?;
            resource_cond(cx, tool, lhs.span, |a| levels.contains(&a.sensitivity))
        }
        (Operand::External, TestOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
            let LitKind::Bool(b) = lit.kind else {
                mismatch(
                    cx,
                    lit.span,
                    format!(
                        "`resource.external` is a boolean, compared with {}",
                        lit.kind.describe()
                    ),
                    "not a boolean",
                    "compare with `true` or `false`",
                );
                return None;
            };
            let want = if *cmp == CmpOp::Eq { b } else { !b };
            resource_cond(cx, tool, lhs.span, |a| a.external == want)
        }
        (Operand::Owner, TestOp::Cmp(cmp @ (CmpOp::Eq | CmpOp::Ne), lit)) => {
            let v = str_lit(cx, lit, &lname)?;
            let eq = *cmp == CmpOp::Eq;
            resource_cond(cx, tool, lhs.span, |a| (a.owner == v) == eq)
        }
        (Operand::Owner, TestOp::In(items)) => {
            let vals: Option<Vec<String>> = items.iter().map(|l| str_lit(cx, l, &lname)).collect();
            let vals = vals?;
            resource_cond(cx, tool, lhs.span, |a| vals.contains(&a.owner))
        }
        (Operand::Owner, TestOp::Like(p)) => {
            let pattern = p.value.clone();
            resource_cond(cx, tool, lhs.span, |a| glob_match(&pattern, &a.owner))
        }
        (operand, op) => {
            let (what, how) = describe(&operand);
            let op_word = match op {
                TestOp::Cmp(c, _) => format!("`{}`", c.as_str()),
                TestOp::In(_) => "`in`".into(),
                TestOp::Like(_) => "`like`".into(),
                TestOp::Any(_) => "`any`".into(),
                TestOp::All(_) => "`all`".into(),
                TestOp::Contains(_) => "`contains`".into(),
            };
            mismatch(
                cx,
                lhs.span,
                format!("{op_word} does not apply to `{lname}`, which is {what}"),
                "wrong operator for this type",
                format!("{what} supports {how}"),
            );
            None
        }
    }
}

fn describe(o: &Operand) -> (&'static str, &'static str) {
    match o {
        Operand::Int(_) => ("an integer", "`== != < <= > >=` and `in`"),
        Operand::Duration(_) => ("a duration", "`== != < <= > >=` against durations such as `30m`"),
        Operand::Money { .. } => ("money", "`== != < <= > >=` against amounts such as `USD 10.00`"),
        Operand::Str(_) => ("a string", "`==`, `!=`, `in [...]` and `like \"pat*\"`"),
        Operand::Enum { .. } => ("an enum", "`==`, `!=` and `in [...]`"),
        Operand::Bool(_) => ("a boolean", "use as is, `not x`, or `== true`"),
        Operand::List { .. } => ("a list", "`any [...]`, `all [...]` and `contains x`"),
        Operand::Sensitivity => ("a sensitivity", "`== != < <= > >=` and `in` with \"public\", \"internal\", \"confidential\", \"secret\""),
        Operand::External => ("a boolean", "use as is, `not resource.external`, or `== true`"),
        Operand::Owner => ("a string", "`==`, `!=`, `in [...]` and `like`"),
    }
}

fn int_cmp(o: IntOperand, cmp: CmpOp, v: i64) -> Cond {
    // `!=` is `not ==` everywhere, so backends only see `== < <= > >=`.
    if cmp == CmpOp::Ne {
        Cond::not(Cond::Atom(Atom::IntCmp {
            operand: o,
            op: CmpOp::Eq,
            value: v,
        }))
    } else {
        Cond::Atom(Atom::IntCmp {
            operand: o,
            op: cmp,
            value: v,
        })
    }
}

fn resource_cond(
    cx: &mut Cx<'_, '_>,
    tool: &Tool,
    span: Span,
    pred: impl Fn(&Attrs) -> bool,
) -> Option<Cond> {
    let res = tool.resource.as_ref()?;
    let Some(ty) = cx.model.resource_types.get(&res.ty) else {
        cx.error(
            codes::UNKNOWN_RESOURCE_TYPE,
            span,
            format!("unknown resource type `{}`", res.ty),
            "",
            "declare the resource type",
        );
        return None;
    };
    Some(attr_cond(&cx.model.resources, ty, &res.arg, pred))
}

fn int_lit(cx: &mut Cx<'_, '_>, lit: &Literal, name: &str) -> Option<i64> {
    match &lit.kind {
        LitKind::Int(v) => Some(*v),
        other => {
            let code = if matches!(other, LitKind::Duration(_) | LitKind::Money(_)) {
                codes::IMPOSSIBLE_UNIT
            } else {
                codes::TYPE_MISMATCH
            };
            cx.error(
                code,
                lit.span,
                format!("`{name}` is an integer, compared with {}", other.describe()),
                "not an integer",
                "compare with a plain number",
            );
            None
        }
    }
}

fn str_lit(cx: &mut Cx<'_, '_>, lit: &Literal, name: &str) -> Option<String> {
    match &lit.kind {
        LitKind::Str(s) => Some(s.clone()),
        other => {
            mismatch(
                cx,
                lit.span,
                format!("`{name}` is a string, compared with {}", other.describe()),
                "not a string",
                "quote the value: `\"...\"`",
            );
            None
        }
    }
}

fn enum_lit(cx: &mut Cx<'_, '_>, lit: &Literal, name: &str, values: &[String]) -> Option<String> {
    let v = str_lit(cx, lit, name)?;
    if values.contains(&v) {
        return Some(v);
    }
    let help = did_you_mean(&v, values.iter().map(String::as_str)).unwrap_or_else(|| {
        format!(
            "`{name}` is one of: {}",
            values
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    cx.error(
        codes::UNKNOWN_ENUM_VALUE,
        lit.span,
        format!("`{}` is not a value of `{name}`", v.escape_debug()),
        "not in the enum",
        help,
    );
    None
}

fn scalar_lit(cx: &mut Cx<'_, '_>, lit: &Literal, name: &str, element: &Type) -> Option<Scalar> {
    match element {
        Type::Int => int_lit(cx, lit, name).map(Scalar::Int),
        Type::Enum { values } => enum_lit(cx, lit, name, values).map(Scalar::Str),
        _ => str_lit(cx, lit, name).map(Scalar::Str),
    }
}

fn sensitivity_lit(cx: &mut Cx<'_, '_>, lit: &Literal) -> Option<Sensitivity> {
    let LitKind::Str(s) = &lit.kind else {
        mismatch(
            cx,
            lit.span,
            format!(
                "`resource.sensitivity` is compared with {}",
                lit.kind.describe()
            ),
            "not a sensitivity",
            "use \"public\", \"internal\", \"confidential\" or \"secret\"",
        );
        return None;
    };
    match Sensitivity::parse(s) {
        Some(x) => Some(x),
        None => {
            let help = did_you_mean(s, ["public", "internal", "confidential", "secret"])
                .unwrap_or_else(|| {
                    "sensitivity is \"public\", \"internal\", \"confidential\" or \"secret\"".into()
                });
            cx.error(
                codes::UNKNOWN_ENUM_VALUE,
                lit.span,
                format!("unknown sensitivity `{}`", s.escape_debug()),
                "not a sensitivity",
                help,
            );
            None
        }
    }
}
