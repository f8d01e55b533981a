//! What go does when a GOPROXY entry points at this port, from how the port answered (pure).
//! Each claim is shown by the real go in tests/it/port.rs: a silent holder makes go hang (it has no
//! response deadline), a reset or close stops go after `,` but `|` moves on, 404/410 move on
//! after either, and an `https://` URL on a plain-HTTP port fails the TLS handshake.

use serde::Serialize;

use super::fingerprint::{Answer, Failure, Fingerprint, Kind};

/// go's behaviour at this GOPROXY entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoEffect {
    /// go waits forever (no response deadline for module downloads).
    pub hangs: bool,
    /// Whether go moves on to the next entry after `,` (only for 404/410) and after `|` (any
    /// error); `None` when go gets modules here or hangs.
    pub comma_moves_on: Option<bool>,
    pub pipe_moves_on: Option<bool>,
    /// One sentence for the user.
    pub text: String,
}

/// What go does given the answer to a module request (`answer`) and the fingerprint.
/// `https` is whether the URL go uses is `https://`.
pub fn what_go_does(answer: &Answer, fp: &Fingerprint, https: bool) -> GoEffect {
    let moves = |comma: bool, text: String| GoEffect {
        hangs: false,
        comma_moves_on: Some(comma),
        pipe_moves_on: Some(true),
        text,
    };
    let after = |what: &str| {
        format!("{what}; after ',' go stops there, after '|' it moves on to the next GOPROXY entry")
    };
    match answer.failure {
        Some(Failure::Silent) => {
            return GoEffect {
                hangs: true,
                comma_moves_on: None,
                pipe_moves_on: None,
                text: "go will hang: the port accepts the connection and never answers, and go has no response deadline for module downloads (neither ',' nor '|' moves on)".into(),
            };
        }
        Some(Failure::Closed) => {
            return moves(
                false,
                after(
                    "go fails with \"EOF\", \"connection reset by peer\", \"broken pipe\" or \"server closed idle connection\" (depending on when the holder closes)",
                ),
            );
        }
        Some(Failure::Refused) => {
            return moves(
                false,
                after("go fails with \"connect: connection refused\""),
            );
        }
        Some(Failure::Tls) if https => {
            return moves(
                false,
                after(
                    "the port does not speak TLS: go fails with \"tls: first record does not look like a TLS handshake\" or, when the server answers in HTTP, \"http: server gave HTTP response to HTTPS client\"; use http:// for it",
                ),
            );
        }
        Some(Failure::Tls) => {
            return moves(false, after("go fails the TLS handshake"));
        }
        Some(Failure::NotHttp) if !https => {
            return moves(
                false,
                after(
                    "the answer is not HTTP (a TLS port? then the URL needs https://): go fails with \"malformed HTTP response\"",
                ),
            );
        }
        Some(_) => return moves(false, after("go fails at this entry")),
        None => {}
    }
    if fp.kind == Kind::GoProxy && answer.status == Some(200) {
        return GoEffect {
            hangs: false,
            comma_moves_on: None,
            pipe_moves_on: None,
            text: "go gets modules here".into(),
        };
    }
    match answer.status {
        Some(s @ (404 | 410)) => {
            let who = if fp.kind == Kind::GoProxy {
                "the proxy does not have this module"
            } else {
                "the holder is not a proxy, so no module ever comes from here"
            };
            moves(
                true,
                format!(
                    "go takes {s} as \"not found\" and moves on to the next GOPROXY entry after ',' or '|' ({who})"
                ),
            )
        }
        Some(s) => moves(false, after(&format!("go fails with \"reading …: {s} …\""))),
        None => moves(false, after("go fails at this entry")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::fingerprint::{Ask, classify};

    fn fail(f: Failure) -> Answer {
        Answer {
            ask: Some(Ask::KnownInfo),
            failure: Some(f),
            ..Default::default()
        }
    }

    #[test]
    fn silent_hangs_reset_moves_only_after_pipe() {
        let a = fail(Failure::Silent);
        let e = what_go_does(&a, &classify(std::slice::from_ref(&a), "m v"), false);
        assert!(e.hangs && e.text.starts_with("go will hang"));
        let a = fail(Failure::Closed);
        let e = what_go_does(&a, &classify(std::slice::from_ref(&a), "m v"), false);
        assert_eq!(
            (e.comma_moves_on, e.pipe_moves_on),
            (Some(false), Some(true))
        );
    }

    #[test]
    fn not_found_moves_on_after_both() {
        let a = Answer {
            ask: Some(Ask::KnownInfo),
            status: Some(404),
            content_type: Some("text/html".into()),
            body: "<html>".into(),
            ..Default::default()
        };
        let e = what_go_does(&a, &classify(std::slice::from_ref(&a), "m v"), false);
        assert_eq!(
            (e.comma_moves_on, e.pipe_moves_on),
            (Some(true), Some(true))
        );
        assert!(e.text.contains("not a proxy"));
        let forbidden = Answer {
            status: Some(403),
            ..a
        };
        let e = what_go_does(
            &forbidden,
            &classify(std::slice::from_ref(&forbidden), "m v"),
            false,
        );
        assert_eq!(e.comma_moves_on, Some(false));
    }
}
