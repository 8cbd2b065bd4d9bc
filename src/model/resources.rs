//! Resource attributes as name patterns.
//!
//! A tool names its resource through one string argument. Which declared
//! instance a name denotes is fixed by priority: exact names first, then globs
//! with more literal characters, then source order; a name that matches no
//! instance gets the type's defaults. Because instances are static, a test on
//! an attribute (`resource.external`) compiles to a condition on the name
//! argument alone, which every backend and the SMT encoding already handle.

use super::{Attrs, Cond, Resource, ResourceType, StrOperand};
use crate::model::cond::glob_match;
use crate::model::Atom;

/// Priority key: exact names first, then more literal characters, then order.
pub fn priority_key(r: &Resource) -> (String, bool, std::cmp::Reverse<usize>, usize, usize) {
    let literal = r.pattern.chars().filter(|c| *c != '*').count();
    (
        r.ty.clone(),
        r.pattern.contains('*'),
        std::cmp::Reverse(literal),
        r.span.file.0,
        r.span.start,
    )
}

/// Instances of one type, in priority order (the model keeps them sorted).
pub fn instances<'a>(
    resources: &'a [Resource],
    ty: &'a str,
) -> impl Iterator<Item = &'a Resource> + 'a {
    resources.iter().filter(move |r| r.ty == ty)
}

/// The attributes a resource name resolves to.
pub fn resolve<'a>(resources: &'a [Resource], ty: &'a ResourceType, name: &str) -> &'a Attrs {
    instances(resources, &ty.name)
        .find(|r| glob_match(&r.pattern, name))
        .map(|r| &r.attrs)
        .unwrap_or(&ty.defaults)
}

/// The condition "the resource named by `arg` has attributes satisfying `pred`".
pub fn attr_cond(
    resources: &[Resource],
    ty: &ResourceType,
    arg: &str,
    pred: impl Fn(&Attrs) -> bool,
) -> Cond {
    let name_is = |r: &Resource| -> Cond {
        let operand = StrOperand::Arg(arg.to_string());
        if r.pattern.contains('*') {
            Cond::Atom(Atom::StrLike {
                operand,
                pattern: r.pattern.clone(),
            })
        } else {
            Cond::Atom(Atom::StrEq {
                operand,
                value: r.pattern.clone(),
            })
        }
    };
    let list: Vec<&Resource> = instances(resources, &ty.name).collect();
    let mut disjuncts = Vec::new();
    let mut earlier: Vec<Cond> = Vec::new();
    for r in &list {
        if pred(&r.attrs) {
            let mut parts = vec![name_is(r)];
            parts.extend(earlier.iter().cloned().map(Cond::not));
            disjuncts.push(Cond::and(parts));
        }
        earlier.push(name_is(r));
    }
    if pred(&ty.defaults) {
        disjuncts.push(Cond::and(earlier.into_iter().map(Cond::not).collect()));
    }
    // A resource argument is required, so the name is always present.
    Cond::or(disjuncts)
}
