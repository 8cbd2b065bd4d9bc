//! The standard library, embedded at build time from `stdlib/`.

include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// Text of a stdlib module by its name without the `std.` prefix.
pub fn module(name: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .iter()
        .find(|(m, _, _)| *m == name)
        .map(|(_, f, t)| (*f, *t))
}

/// Every stdlib module name, with the `std.` prefix.
pub fn names() -> impl Iterator<Item = String> {
    FILES.iter().map(|(m, _, _)| format!("std.{m}"))
}
