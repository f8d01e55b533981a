//! The one meaning of `--timeout` for every command that talks to the network (`check`,
//! `proxy test`, `proxy rank`, `route --probe`, `setup`, `profile apply --check`): each request
//! gets at most `--timeout` (default [`DEFAULT_TIMEOUT`]), and everything a command sends
//! together ends within [`MULTIPLE`] × `--timeout` from its start, however many requests a walk
//! makes. Requests started together (proxies probed at once) share the same budget.

use std::time::{Duration, Instant};

use crate::net::http::FetchOptions;

/// The default `--timeout` of every network command (clap's `default_value`).
pub const DEFAULT_TIMEOUT: &str = "5s";
/// The whole network part of a command ends within this many `--timeout`s.
pub const MULTIPLE: u32 = 3;

/// A per-request deadline and an overall end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    per_request: Duration,
    until: Instant,
}

impl Budget {
    /// `--timeout` per request and [`MULTIPLE`] × it for everything, from now.
    pub fn start(per_request: Duration) -> Self {
        let now = Instant::now();
        Budget {
            per_request,
            until: now
                .checked_add(per_request.saturating_mul(MULTIPLE))
                .unwrap_or(now + Duration::from_secs(3600)),
        }
    }

    /// Everything by `until`, each request allowed all that is left (callers that hold one
    /// deadline for a whole group of requests).
    pub fn until(until: Instant) -> Self {
        Budget {
            per_request: until.saturating_duration_since(Instant::now()),
            until,
        }
    }

    /// The deadline of a request sent now: `--timeout` from now, or the overall end if sooner.
    pub fn deadline(&self) -> Instant {
        Instant::now()
            .checked_add(self.per_request)
            .map_or(self.until, |d| d.min(self.until))
    }

    /// Fetch options for a request sent now.
    pub fn fetch(&self, max_bytes: usize) -> FetchOptions {
        FetchOptions {
            deadline: self.deadline(),
            max_bytes,
        }
    }

    /// A request sent now would be cut by the overall end before its own `--timeout`: a
    /// timeout then says nothing about the server.
    pub fn cuts(&self) -> bool {
        Instant::now()
            .checked_add(self.per_request)
            .is_none_or(|d| d > self.until)
    }

    /// The overall end has passed: no request is sent any more.
    pub fn spent(&self) -> bool {
        Instant::now() >= self.until
    }

    /// "the overall budget (3 × --timeout = 15 s)", for messages.
    pub fn words(&self) -> String {
        let total = self.per_request.saturating_mul(MULTIPLE).as_millis() as f64 / 1000.0;
        format!("the overall budget ({MULTIPLE} × --timeout = {total} s)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_end_by_the_sooner_of_timeout_and_budget() {
        let b = Budget::start(Duration::from_secs(2));
        let d = b.deadline();
        assert!(d <= Instant::now() + Duration::from_secs(2));
        assert!(!b.spent());
        assert_eq!(b.words(), "the overall budget (3 × --timeout = 6 s)");
        let soon = Instant::now() + Duration::from_millis(50);
        let b = Budget {
            per_request: Duration::from_secs(5),
            until: soon,
        };
        assert_eq!(b.deadline(), soon);
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.spent());
        let g = Budget::until(soon);
        assert_eq!(g.deadline(), soon);
    }
}
