//! Unit tests of the model's small pure functions.

use super::cond::glob_match;
use super::{format_duration, Money};

#[test]
fn glob_star_matches_any_run_and_nothing_else_is_special() {
    for (p, t, want) in [
        ("#support-*", "#support-triage", true),
        ("#support-*", "#support-", true),
        ("#support-*", "#support", false),
        ("IN*", "INBOX", true),
        ("*BOX", "INBOX", true),
        ("a*b*c", "abc", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "acb", false),
        ("*", "", true),
        ("a?c", "abc", false),
        ("a?c", "a?c", true),
        ("[ab]", "a", false),
        ("ab*ba", "aba", false),
        ("x\\*", "x\\anything", true),
    ] {
        assert_eq!(glob_match(p, t), want, "{p} vs {t}");
    }
}

#[test]
fn durations_print_in_their_largest_unit() {
    assert_eq!(format_duration(3600), "1h");
    assert_eq!(format_duration(5400), "90m");
    assert_eq!(format_duration(86_400 * 2), "2d");
    assert_eq!(format_duration(45), "45s");
}

#[test]
fn money_prints_with_its_currency_exponent() {
    assert_eq!(
        Money {
            minor: 5000,
            currency: "USD".into()
        }
        .display(),
        "USD 50.00"
    );
    assert_eq!(
        Money {
            minor: 5,
            currency: "USD".into()
        }
        .display(),
        "USD 0.05"
    );
    assert_eq!(
        Money {
            minor: 500,
            currency: "JPY".into()
        }
        .display(),
        "JPY 500"
    );
    assert_eq!(
        Money {
            minor: 1234,
            currency: "KWD".into()
        }
        .display(),
        "KWD 1.234"
    );
}
