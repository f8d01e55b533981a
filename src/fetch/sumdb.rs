//! The checksum database: resolve GOSUMDB like go, find the route go takes to it (an explicit
//! URL, the first proxy whose `/sumdb/NAME/supported` says 200, or direct), fetch `/latest` and
//! verify its signed tree head with the database's public key (the x/mod/sumdb/note format:
//! Ed25519 over the note text, key named and hashed). Note parsing and verification are pure.

use std::time::Instant;

use base64::Engine as _;
use serde::Serialize;
use url::Url;

use super::budget::Budget;
use super::plan::{Source, SourceKind};
use super::walk::{Op, Step, request};
use super::walker::{Answer, try_sources};
use crate::finding::Severity;
use crate::net::http::{ErrorKind, FetchOptions, FetchResult, Phases, Prober};
use crate::redact::redact;
use crate::syntax::proxyurl::join;

/// sum.golang.org's published verifier key (cmd/go's `knownGOSUMDB`).
pub const SUM_GOLANG_ORG_KEY: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
/// Cap on a `/latest` answer: a signed tree head is a few hundred bytes.
const MAX_LATEST: usize = 64 * 1024;

/// A parsed note verifier key `name+hash+base64(0x01 ‖ ed25519 public key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub hash: u32,
    pub key: [u8; 32],
}

/// Why a key or a signed note is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed verifier key: {0}")]
    BadKey(String),
    #[error("malformed signed note: {0}")]
    Malformed(String),
    #[error("the note has no signature by {0} (wrong key, or a different database answered)")]
    NoSignature(String),
    #[error(
        "the signature by {0} does not verify: the signed text was altered (a tampering middlebox?)"
    )]
    BadSignature(String),
}

/// Parse a verifier key with go's rules (`note.NewVerifier`, via [`crate::syntax::gosumdb`]).
pub fn parse_verifier_key(text: &str) -> Result<VerifierKey, NoteError> {
    let k = crate::syntax::gosumdb::parse_verifier_key(text)
        .map_err(|e| NoteError::BadKey(e.to_string()))?;
    let key: [u8; 32] = k
        .public_key
        .as_slice()
        .try_into()
        .map_err(|_| NoteError::BadKey("not an Ed25519 key".into()))?;
    Ok(VerifierKey {
        name: k.name,
        hash: k.hash,
        key,
    })
}

/// Verify a signed note against `key`; returns the signed text.
pub fn verify_note(msg: &[u8], key: &VerifierKey) -> Result<String, NoteError> {
    let text = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed("not UTF-8".into()))?;
    let split = text
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no signature block".into()))?;
    let (body, sigs) = (&text[..split + 1], &text[split + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the signature block does not end with a newline".into(),
        ));
    }
    for line in sigs.lines() {
        let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| {
            NoteError::Malformed("a signature line does not start with an em dash".into())
        })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed("a signature line has no signature".into()))?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not base64".into()))?;
        if sig.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short".into()));
        }
        let hash = u32::from_be_bytes([sig[0], sig[1], sig[2], sig[3]]);
        if name != key.name || hash != key.hash {
            continue;
        }
        let public =
            aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, key.key);
        return match public.verify(body.as_bytes(), &sig[4..]) {
            Ok(()) => Ok(body.to_string()),
            Err(_) => Err(NoteError::BadSignature(key.name.clone())),
        };
    }
    Err(NoteError::NoSignature(format!(
        "{}+{:08x}",
        key.name, key.hash
    )))
}

/// A signed tree head's text: `go.sum database tree`, the size, the root hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeHead {
    pub size: u64,
    pub hash: String,
}

/// Parse the text of a verified tree note like go ([`super::tlog::parse_tree`]).
pub fn parse_tree(text: &str) -> Result<TreeHead, NoteError> {
    let tree = super::tlog::parse_tree(text).map_err(|e| NoteError::Malformed(e.to_string()))?;
    Ok(TreeHead {
        size: tree.n as u64,
        hash: super::tlog::hash_string(&tree.hash),
    })
}

/// GOSUMDB resolved like cmd/go's `dbDial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumDbTarget {
    /// Database name (host[/path]).
    pub name: String,
    /// The verifier key text.
    pub key: String,
    /// `https://NAME`, used when no proxy serves the database.
    pub direct: Url,
    /// An explicit URL from GOSUMDB: go then bypasses proxies and `direct`.
    pub explicit: Option<Url>,
}

/// Resolve a GOSUMDB value like go (`Ok(None)` for `off`), with [`crate::syntax::gosumdb`].
pub fn resolve(gosumdb: &str) -> Result<Option<SumDbTarget>, String> {
    use crate::syntax::gosumdb::{SumDb, parse};
    match parse(gosumdb).map_err(|f| f.message)? {
        SumDb::Off => Ok(None),
        SumDb::Db {
            name,
            key,
            url,
            explicit_url,
        } => {
            let key = key.ok_or_else(|| format!("GOSUMDB={gosumdb:?} names no verifier key"))?;
            let direct = Url::parse(&format!("https://{name}"))
                .map_err(|e| format!("invalid sumdb name {name}: {e}"))?;
            let explicit = if explicit_url {
                Some(Url::parse(&url).map_err(|e| format!("invalid GOSUMDB URL {url:?}: {e}"))?)
            } else {
                None
            };
            Ok(Some(SumDbTarget {
                name,
                key,
                direct,
                explicit,
            }))
        }
    }
}

/// How go reaches the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "via", content = "url")]
pub enum Route {
    /// The URL given in GOSUMDB (proxies bypassed).
    Explicit(String),
    /// Through this proxy (its `/supported` said 200).
    Proxy(String),
    /// Directly at `https://NAME`.
    Direct(String),
}

/// The checksum-database check; shares the basic fields of a proxy report (`url`, `ok`,
/// `status`, `phases`, `median_ms`, `diagnosis`) so `proxy test --json` stays one array.
#[derive(Debug, Clone, Serialize)]
pub struct SumdbReport {
    /// Always `sumdb`.
    pub kind: &'static str,
    pub name: String,
    /// The URL whose `/latest` was fetched, redacted.
    pub url: String,
    pub ok: bool,
    pub severity: Severity,
    pub status: Option<u16>,
    pub phases: Phases,
    pub median_ms: Option<f64>,
    pub route: Option<Route>,
    /// Signature of `/latest` verified with the key.
    pub verified: bool,
    pub tree: Option<TreeHead>,
    /// Whether `https://NAME/latest` answered and verified (when go would not use it, this is
    /// the fallback it lacks). `null` when not tried.
    pub direct_ok: Option<bool>,
    /// Proxies whose `/supported` said 200.
    pub proxied_by: Vec<String>,
    pub diagnosis: String,
    pub hint: Option<String>,
}

/// Where go sends checksum-database requests, found like `dbClient.initBase`. URLs are
/// unredacted (requests need them); redact before printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// GOSUMDB gave a URL: proxies are not asked.
    Explicit(String),
    /// A proxy's `/sumdb/NAME/supported` said 200: requests go to `<proxy>/sumdb/NAME`.
    Proxy {
        /// The proxy as shown (redacted).
        proxy: String,
        url: String,
    },
    /// Every proxy said 404/410 (or fell through on `|`), or the list reached `direct`/`off`.
    Direct(String),
    /// A proxy's answer stopped the search (after `,`): go fails verifying with this error.
    Unavailable(String),
}

/// The GOPROXY list as `initBase` walks it: the list itself, not one module's GONOPROXY
/// decisions (go's implicit `noproxy` entry answers "ask the proxies" for the database).
fn base_sources(sources: &[Source]) -> Vec<Source> {
    sources
        .iter()
        .filter(|s| !s.via_gonoproxy)
        .cloned()
        .map(|mut s| {
            s.skipped = false;
            s
        })
        .collect()
}

/// go's `dbClient.initBase`: an explicit URL is used as is; otherwise the proxies of GOPROXY
/// are walked with the one walker ([`try_sources`]) asking `/sumdb/NAME/supported`; the
/// first 200 wins, a not-found (or `direct`/`off`) moves on and ends at `https://NAME`, and
/// another error stops the search where `,` follows. Returns the base and the requests made.
pub fn init_base(
    prober: &Prober,
    name: &str,
    explicit: Option<&str>,
    direct: &str,
    sources: &[Source],
    fetch: impl Fn() -> FetchOptions,
) -> (Base, Vec<Step>) {
    if let Some(u) = explicit {
        return (Base::Explicit(u.to_string()), Vec::new());
    }
    let sources = base_sources(sources);
    let mut steps: Vec<Step> = Vec::new();
    let mut chosen = None;
    let rel = format!("sumdb/{name}/supported");
    let res = try_sources(&sources, Op::SumdbSupported, &mut steps, |_, src, steps| {
        if src.kind != SourceKind::Proxy {
            return Answer::NotFound("module lookup disabled by GOPROXY=off".into());
        }
        let base = src.url.as_deref().unwrap_or(&src.target);
        match request(prober, base, &rel, Op::SumdbSupported, fetch(), steps) {
            Ok(_) => {
                chosen = Some((
                    src.target.clone(),
                    format!("{}/sumdb/{name}", base.trim_end_matches('/')),
                ));
                Answer::Ok
            }
            Err(a) => a,
        }
    });
    // Only the requests made: `off` is a decision, not a request.
    steps.retain(|s| s.url.is_some());
    let base = match (res, chosen) {
        (Ok(()), Some((proxy, url))) => Base::Proxy { proxy, url },
        (Err(Answer::Error(e) | Answer::Hang(e)), _) => Base::Unavailable(e),
        _ => Base::Direct(direct.to_string()),
    };
    (base, steps)
}

/// Fetch `<base>/latest` and verify it.
fn latest(
    prober: &Prober,
    base: &Url,
    key: &VerifierKey,
    opts: &FetchOptions,
) -> (FetchResult, Result<TreeHead, String>) {
    let Some(url) = join(base, "latest") else {
        return (
            FetchResult::default(),
            Err("cannot build the /latest URL".into()),
        );
    };
    let r = prober.fetch(
        &url,
        &FetchOptions {
            max_bytes: MAX_LATEST,
            ..*opts
        },
    );
    let verdict = match (&r.error, r.status) {
        (Some(e), _) => Err(e.message.clone()),
        (None, Some(200)) => verify_note(&r.body, key)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_tree(&t).map_err(|e| e.to_string())),
        (None, Some(s)) => Err(format!("/latest answered HTTP {s}")),
        (None, None) => Err("no answer".into()),
    };
    (r, verdict)
}

/// Check the database the way go would reach it, plus (when go goes through a proxy) whether
/// it is reachable directly. `chain` is GOPROXY's entries in order. Everything finishes by
/// `opts.deadline`.
pub fn check(
    prober: &Prober,
    target: &SumDbTarget,
    chain: &[Source],
    opts: &FetchOptions,
) -> SumdbReport {
    check_within(prober, target, chain, &Budget::until(opts.deadline))
}

/// [`check`] with `--timeout`'s meaning: each request within the per-request deadline, all of
/// them within the budget.
pub fn check_within(
    prober: &Prober,
    target: &SumDbTarget,
    chain: &[Source],
    budget: &Budget,
) -> SumdbReport {
    let cap = 64 * 1024;
    let started = Instant::now();
    let mut report = SumdbReport {
        kind: "sumdb",
        name: target.name.clone(),
        url: String::new(),
        ok: false,
        severity: Severity::Error,
        status: None,
        phases: Phases::default(),
        median_ms: None,
        route: None,
        verified: false,
        tree: None,
        direct_ok: None,
        proxied_by: Vec::new(),
        diagnosis: String::new(),
        hint: None,
    };
    let key = match parse_verifier_key(&target.key) {
        Ok(k) => k,
        Err(e) => {
            report.diagnosis = e.to_string();
            report.hint = Some("fix GOSUMDB: name+hash+key as published by the database".into());
            return report;
        }
    };
    // Find the route like cmd/go's initBase.
    let fetch = || budget.fetch(cap);
    let explicit = target.explicit.as_ref().map(Url::as_str);
    let (found, _) = init_base(
        prober,
        &target.name,
        explicit,
        target.direct.as_str(),
        chain,
        fetch,
    );
    let mut route_err = None;
    let base = match found {
        Base::Explicit(u) => {
            report.route = Some(Route::Explicit(redact(&u)));
            target
                .explicit
                .clone()
                .unwrap_or_else(|| target.direct.clone())
        }
        Base::Proxy { proxy, url } => {
            report.proxied_by.push(proxy.clone());
            report.route = Some(Route::Proxy(proxy));
            Url::parse(&url).unwrap_or_else(|_| target.direct.clone())
        }
        Base::Direct(_) => {
            report.route = Some(Route::Direct(target.direct.to_string()));
            target.direct.clone()
        }
        Base::Unavailable(e) => {
            route_err = Some(format!(
                "{e}: go treats anything but 200/404/410 from /sumdb/{}/supported as \"database unavailable\" and stops looking",
                target.name
            ));
            target.direct.clone()
        }
    };
    if let Some(e) = route_err {
        report.diagnosis = e;
        report.hint = Some(
            "fix that proxy's /sumdb answer, or separate it from the next entry with '|'".into(),
        );
        report.route = None;
        report.phases.total_ms = crate::net::http::ms(started.elapsed());
        return report;
    }
    report.url = redact(base.as_str());
    let via_proxy = matches!(report.route, Some(Route::Proxy(_)));
    // Through a proxy: also try the direct URL, concurrently, to explain what a proxy change
    // would mean.
    let ((r, verdict), direct) = std::thread::scope(|s| {
        let direct =
            via_proxy.then(|| s.spawn(|| latest(prober, &target.direct, &key, &budget.fetch(cap))));
        let main = latest(prober, &base, &key, &budget.fetch(cap));
        (main, direct.and_then(|h| h.join().ok()))
    });
    report.direct_ok = direct.as_ref().map(|(_, v)| v.is_ok());
    report.status = r.status;
    report.phases = r.phases;
    report.median_ms = r.error.is_none().then_some(r.phases.total_ms);
    match verdict {
        Ok(tree) => {
            report.ok = true;
            report.severity = Severity::Ok;
            report.verified = true;
            report.diagnosis = match (&report.route, report.direct_ok) {
                (Some(Route::Proxy(p)), Some(false)) => format!(
                    "signed tree head verified (size {}); not reachable directly, but {p} proxies it, so go verifies through it",
                    tree.size
                ),
                (Some(Route::Proxy(p)), _) => format!(
                    "signed tree head verified (size {}), through {p}",
                    tree.size
                ),
                (Some(Route::Explicit(_)), _) => format!(
                    "signed tree head verified (size {}) at the URL given in GOSUMDB",
                    tree.size
                ),
                _ => format!(
                    "signed tree head verified (size {}), reached directly",
                    tree.size
                ),
            };
            report.tree = Some(tree);
        }
        Err(e) => {
            let transport = r.error.as_ref().map(|e| e.kind);
            report.diagnosis = match &report.route {
                Some(Route::Direct(_)) if transport.is_some() => {
                    format!(
                        "{} is not reachable directly ({e}) and no proxy in GOPROXY proxies it",
                        target.name
                    )
                }
                _ => e.clone(),
            };
            report.hint = Some(match transport {
                Some(ErrorKind::TlsUnknownAuthority) => {
                    "a TLS-intercepting proxy? set SSL_CERT_FILE to its CA bundle".to_string()
                }
                Some(_) if matches!(report.route, Some(Route::Direct(_))) => format!(
                    "use a GOPROXY that proxies {} (its /sumdb/{}/supported answers 200), or GOSUMDB=sum.golang.google.cn",
                    target.name, target.name
                ),
                Some(_) => "check the network path to the checksum database".to_string(),
                None => "the answer is not signed by the key in GOSUMDB: a tampering middlebox or a wrong key; \
                         do not turn verification off, find out who answers"
                    .to_string(),
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced by tests/sumdbserver -vector (golang.org/x/mod/sumdb/note).
    const VKEY: &str = "sum.godoctor.test+0aaf047a+AQ1MfGFxCmbYib6k5lDPtnhm2ZmZQOi20h3JQcFMO7BE";
    const SIGNED: &str = "go.sum database tree\n5\nq7GmLsAptkdZtUsgHQ6Lk6ZFHyuj36VHu2TxtZ5UsV8=\n\n\u{2014} sum.godoctor.test Cq8Een+PUWj8VCVlI1jjRWoZP8FX33SSSw+1qxZNPcTUtkx+jTxp2rM+8t8iaD/rG95Zvm/uoyJniLEkB1pz6rrTaw4=\n";

    #[test]
    fn verifies_a_note_signed_by_x_mod() {
        let key = parse_verifier_key(VKEY).expect("key");
        let text = verify_note(SIGNED.as_bytes(), &key).expect("verifies");
        assert_eq!(
            parse_tree(&text),
            Ok(TreeHead {
                size: 5,
                hash: "q7GmLsAptkdZtUsgHQ6Lk6ZFHyuj36VHu2TxtZ5UsV8=".into()
            })
        );
    }

    #[test]
    fn rejects_tampering_and_wrong_keys() {
        let key = parse_verifier_key(VKEY).expect("key");
        let tampered = SIGNED.replace("\n5\n", "\n6\n");
        assert_eq!(
            verify_note(tampered.as_bytes(), &key),
            Err(NoteError::BadSignature("sum.godoctor.test".into()))
        );
        let golang = parse_verifier_key(SUM_GOLANG_ORG_KEY).expect("sum.golang.org key");
        assert!(matches!(
            verify_note(SIGNED.as_bytes(), &golang),
            Err(NoteError::NoSignature(_))
        ));
        assert!(matches!(
            verify_note(b"no signatures", &key),
            Err(NoteError::Malformed(_))
        ));
    }

    #[test]
    fn key_hash_is_checked() {
        assert!(parse_verifier_key(&VKEY.replace("0aaf047a", "0aaf047b")).is_err());
        assert!(parse_verifier_key("sum.golang.org").is_err());
        assert_eq!(
            parse_verifier_key(SUM_GOLANG_ORG_KEY).map(|k| k.hash),
            Ok(0x033de0ae)
        );
    }

    #[test]
    fn resolves_gosumdb_like_go() {
        let t = resolve("sum.golang.org").expect("ok").expect("on");
        assert_eq!(
            (t.name.as_str(), t.direct.as_str(), t.explicit),
            ("sum.golang.org", "https://sum.golang.org/", None)
        );
        let cn = resolve("sum.golang.google.cn").expect("ok").expect("on");
        assert_eq!(cn.key, SUM_GOLANG_ORG_KEY);
        assert_eq!(
            cn.explicit.map(|u| u.to_string()),
            Some("https://sum.golang.google.cn/".into())
        );
        assert_eq!(resolve("off"), Ok(None));
        assert!(resolve("a b c").is_err());
        assert!(resolve("sum.example.com").is_err());
        let custom = resolve(&format!("{VKEY} http://127.0.0.1:9/db"))
            .expect("ok")
            .expect("on");
        assert_eq!(custom.name, "sum.godoctor.test");
    }
}
