//! The network under the fetch engine: the HTTP/1.1 client with go's rules and phase timings
//! ([`http`]), over a connection bounded by deadlines and byte caps ([`conn`]), the wire format
//! ([`wire`], parsed with httparse) and TLS with go's trust store ([`tls`]); the proxy
//! environment and trust roots go's client reads ([`env`](mod@env)), and the one credential loader
//! (`.netrc` read once, GOAUTH) ([`credentials`]). This layer decides nothing about verdicts:
//! [`crate::fetch`] does.

pub mod conn;
pub mod credentials;
pub mod env;
pub mod http;
pub mod tls;
pub mod wire;

use std::time::Duration;

/// Parse a `--timeout` value: `3`, `3s`, `1.5s` or `500ms`; must be positive and at most an hour.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    match num.trim().parse::<f64>() {
        // Below a millisecond no request can finish: refused like 0.
        Ok(v) if v.is_finite() && v * scale >= 0.001 && v * scale <= 3600.0 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(format!(
            "invalid timeout {text:?}: use seconds like 3, 3s, 1.5s or 500ms (at least 1ms, at most 3600s)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_timeout("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("1ms"), Ok(Duration::from_millis(1)));
        for bad in [
            "0", "-1", "x", "", "1h", "99999", "1e-9", "0.5ms", "NaN", "inf",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
