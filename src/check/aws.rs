//! A tool's `aws [...] on "ARN" condition "KEY" = arg` lines → model
//! [`AwsMapping`]s: IAM action syntax, ARN templates whose `{arg}`
//! placeholders name required string or enum arguments, and condition keys
//! tied to arguments IAM can compare.

use super::Cx;
use crate::diagnostics::{codes, did_you_mean};
use crate::model::{self, ArgSpec, AwsMapping, Tool, Type};
use crate::syntax::ast;

/// Checks one `aws [...] on "ARN" condition "KEY" = arg` line against the
/// tool's arguments: every `{arg}` in the ARN names a required string or enum
/// argument, and every condition key is well formed and reads an argument
/// whose type IAM can compare.
pub(super) fn mapping(
    cx: &mut Cx<'_, '_>,
    tool: &Tool,
    actions: &[ast::StrLit],
    arn: Option<&ast::StrLit>,
    conditions: &[(ast::StrLit, ast::Ident)],
) -> AwsMapping {
    let mut list = Vec::new();
    for a in actions {
        if valid_iam_action(&a.value) {
            list.push(a.value.clone());
        } else {
            cx.error(
                codes::INVALID_TOOL,
                a.span,
                format!("`{}` is not an IAM action", a.value.escape_debug()),
                "expected `service:Action`",
                "IAM actions look like `s3:GetObject`",
            );
        }
    }
    let mut template = None;
    if let Some(arn) = arn {
        match model::aws::parse_arn_template(&arn.value) {
            Ok(parts) => {
                let mut ok = true;
                for part in parts {
                    let model::aws::ArnPart::Arg(name) = part else {
                        continue;
                    };
                    match tool.args.get(&name) {
                        Some(ArgSpec {
                            ty: Type::String | Type::Enum { .. },
                            optional: false,
                        }) => {}
                        Some(_) => {
                            ok = false;
                            cx.error(
                                codes::INVALID_TOOL,
                                arn.span,
                                format!("ARN placeholder `{{{name}}}` must name a required string or enum argument"),
                                "placeholder of the wrong type",
                                format!("declare `arg {name}: string`, or take `{{{name}}}` out of the ARN"),
                            );
                        }
                        None => {
                            ok = false;
                            let help = did_you_mean(&name, tool.args.keys().map(String::as_str))
                                .unwrap_or_else(|| format!("declare `arg {name}: string`"));
                            cx.error(
                                codes::UNKNOWN_ARGUMENT,
                                arn.span,
                                format!(
                                    "ARN placeholder `{{{name}}}` names no argument of `{}`",
                                    tool.name
                                ),
                                "unknown placeholder",
                                help,
                            );
                        }
                    }
                }
                if ok {
                    template = Some(arn.value.clone());
                }
            }
            Err(m) => cx.error(
                codes::INVALID_TOOL,
                arn.span,
                format!("invalid ARN template `{}`: {m}", arn.value.escape_debug()),
                "not an ARN template",
                "write e.g. `arn:${Partition}:s3:::{bucket}/{key}` with `{arg}` for tool arguments",
            ),
        }
    }
    let mut out = Vec::new();
    for (key, arg) in conditions {
        if !model::aws::valid_condition_key(&key.value) {
            cx.error(
                codes::INVALID_TOOL,
                key.span,
                format!("`{}` is not an IAM condition key", key.value.escape_debug()),
                "expected `service:Name`",
                "condition keys look like `s3:prefix` or `dynamodb:LeadingKeys`",
            );
            continue;
        }
        if out.iter().any(|c: &model::AwsCondition| c.key == key.value) {
            cx.error(
                codes::DUPLICATE_SETTING,
                key.span,
                format!("condition key `{}` is mapped twice", key.value),
                "mapped again here",
                "map each condition key to one argument",
            );
            continue;
        }
        let comparable = |ty: &Type| {
            matches!(
                ty,
                Type::String | Type::Enum { .. } | Type::Int | Type::Duration | Type::Bool
            )
        };
        match tool.args.get(&arg.name).map(|a| &a.ty) {
            Some(ty) if comparable(ty) => {}
            Some(Type::List { element }) if comparable(element) => {}
            Some(ty) => {
                cx.error(
                    codes::INVALID_TOOL,
                    arg.span,
                    format!(
                        "IAM cannot compare `{}` ({}) with a condition key",
                        arg.name,
                        ty.describe()
                    ),
                    "not a string, number, boolean or list of them",
                    "map condition keys to string, enum, int, duration, bool or list arguments",
                );
                continue;
            }
            None => {
                let help = did_you_mean(&arg.name, tool.args.keys().map(String::as_str))
                    .unwrap_or_else(|| "name one of the tool's arguments".into());
                cx.error(
                    codes::UNKNOWN_ARGUMENT,
                    arg.span,
                    format!("tool `{}` has no argument `{}`", tool.name, arg.name),
                    "no such argument",
                    help,
                );
                continue;
            }
        }
        out.push(model::AwsCondition {
            key: key.value.clone(),
            arg: arg.name.clone(),
        });
    }
    AwsMapping {
        actions: list,
        arn: template,
        conditions: out,
    }
}

fn valid_iam_action(a: &str) -> bool {
    let Some((svc, action)) = a.split_once(':') else {
        return false;
    };
    !svc.is_empty()
        && svc
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !action.is_empty()
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*')
}
