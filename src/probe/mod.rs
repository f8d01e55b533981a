//! Network probing: an HTTP engine with phase timings, deadlines and byte caps ([`http`]),
//! Go module proxy protocol checks and verdicts ([`proxy`]), checksum-database signed-note
//! verification ([`sumdb`]) and the mirror catalogue ([`catalogue`]); port owners live in
//! [`crate::ports`].
//!
//! Reuse: `route --probe` and `check` build one [`http::Prober`] (it loads the trust store once)
//! and call [`proxy::test_proxy`] / [`proxy::test_all`], [`sumdb::check`] or [`http::Prober::fetch`].

pub mod catalogue;
pub mod chain;
pub mod http;
pub mod netconf;
pub mod proxy;
pub mod run;
pub mod sumdb;

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
        Ok(v) if v.is_finite() && v > 0.0 && v * scale <= 3600.0 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(format!(
            "invalid timeout {text:?}: use seconds like 3, 3s, 1.5s or 500ms"
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
        for bad in ["0", "-1", "x", "", "1h", "99999"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
