//! Unit tests of literal and endpoint parsing.

use super::literals::{parse_duration, parse_endpoint, parse_money};

#[test]
fn money_literals_become_minor_units() {
    assert_eq!(parse_money("USD", "12.5").map(|m| m.minor), Ok(1250));
    assert_eq!(parse_money("USD", "12").map(|m| m.minor), Ok(1200));
    assert_eq!(parse_money("JPY", "500").map(|m| m.minor), Ok(500));
    assert!(parse_money("JPY", "5.5").is_err());
    assert!(parse_money("XYZ", "1").is_err());
    assert!(parse_money("USD", "99999999999999999999").is_err());
}

#[test]
fn durations_have_units() {
    assert_eq!(parse_duration(15, "m"), Ok(900));
    assert_eq!(parse_duration(2, "d"), Ok(172_800));
    assert!(parse_duration(1, "y").is_err());
    assert!(parse_duration(u64::MAX, "d").is_err());
}

#[test]
fn endpoints_are_hosts_wildcards_or_cidrs_with_ports() {
    let e = parse_endpoint("Slack.com:443").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (e.host.as_str(), e.port, e.is_cidr),
        ("slack.com", 443, false)
    );
    assert_eq!(
        parse_endpoint("10.1.0.0/16:5432").map(|e| e.host),
        Ok("10.1.0.0/16".into())
    );
    assert_eq!(
        parse_endpoint("10.1.2.3:80").map(|e| e.host),
        Ok("10.1.2.3/32".into())
    );
    assert!(parse_endpoint("*.slack.com:443").is_ok());
    // Every host on a port is the whole IPv4 block on it.
    assert_eq!(parse_endpoint("*:443"), parse_endpoint("0.0.0.0/0:443"));
    assert_eq!(
        parse_endpoint("*:443").map(|e| (e.host, e.is_cidr)),
        Ok(("0.0.0.0/0".to_string(), true))
    );
    for bad in [
        "slack.com",
        "slack.com:0",
        "slack.com:70000",
        "10.0.0.1/8:1",
        "a..b:1",
        "-x.com:1",
        "1.2.3:4",
        "https://x:1",
        "*:*",
        "*",
        "*:0",
        "*.*:443",
    ] {
        assert!(parse_endpoint(bad).is_err(), "{bad} should be rejected");
    }
}
