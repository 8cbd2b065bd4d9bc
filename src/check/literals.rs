//! Units and literal forms: durations, money, endpoints.

use crate::model::{currency_exponent, Endpoint, Money};

/// Seconds in a duration literal, or a message naming the bad unit.
pub fn parse_duration(amount: u64, unit: &str) -> Result<u64, String> {
    let size = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => return Err(format!("unknown duration unit `{other}`; use s, m, h or d")),
    };
    amount
        .checked_mul(size)
        .ok_or_else(|| "duration is too large".to_string())
}

/// Minor units of a money literal such as `USD 12.50`.
pub fn parse_money(currency: &str, amount: &str) -> Result<Money, String> {
    let exp =
        currency_exponent(currency).ok_or_else(|| format!("unknown currency `{currency}`"))?;
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    if frac.len() > exp as usize {
        return Err(format!(
            "`{currency}` has {exp} decimal places, `{amount}` has {}",
            frac.len()
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| "amount is too large".to_string())?;
    let frac_val: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| "bad decimals".to_string())?
    };
    let scale = 10i64.pow(exp);
    let frac_scaled = frac_val * 10i64.pow(exp - frac.len() as u32);
    let minor = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_scaled))
        .ok_or_else(|| "amount is too large".to_string())?;
    Ok(Money {
        minor,
        currency: currency.to_string(),
    })
}

/// `host:port`, `*.domain:port`, `1.2.3.4:port` or `10.0.0.0/8:port`.
pub fn parse_endpoint(text: &str) -> Result<Endpoint, String> {
    let (host, port) = text.rsplit_once(':').ok_or("missing `:port`")?;
    if port == "*" {
        return Err(format!(
            "every port cannot be allowed at once: list the ports, e.g. `{host}:443`"
        ));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port number"))?;
    if port == 0 {
        return Err("port 0 is not a valid destination".into());
    }
    if host.is_empty() {
        return Err("missing host".into());
    }
    // Every host on one port: every IPv4 address, which is what
    // NetworkPolicy and the analysis (AP216) read it as.
    if host == "*" {
        return Ok(Endpoint {
            host: Endpoint::ALL_HOSTS.into(),
            port,
            is_cidr: true,
        });
    }
    if let Some(cidr) = parse_cidr(host) {
        return Ok(Endpoint {
            host: cidr,
            port,
            is_cidr: true,
        });
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.len() > 253 || !name.split('.').all(valid_label) || name.contains("..") {
        return Err(format!(
            "`{host}` is not a host name, `*.domain` or IPv4 CIDR"
        ));
    }
    if host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{host}` is not a valid IPv4 address"));
    }
    Ok(Endpoint {
        host: host.to_ascii_lowercase(),
        port,
        is_cidr: false,
    })
}

/// Canonical IPv4 CIDR (`10.0.0.0/8`; a bare address becomes `/32`).
fn parse_cidr(host: &str) -> Option<String> {
    let (addr, len) = match host.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok().filter(|l| *l <= 32)?),
        None => (host, 32),
    };
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let bits = u32::from(ip);
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    if bits & !mask != 0 {
        return None; // host bits set: `10.0.0.1/8` is ambiguous
    }
    Some(format!("{}/{len}", std::net::Ipv4Addr::from(bits)))
}
