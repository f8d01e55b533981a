//! The gatherer for [`super::fingerprint`]: three cheap requests to a base URL (`/`, the
//! `@v/list` of a module that cannot exist, the `.info` of a known module), concurrently, through
//! the project's HTTP prober, reduced to [`Answer`]s.

use std::time::Duration;

use url::Url;

use super::fingerprint::{Answer, Ask, Failure};
use crate::net::http::{ErrorKind, FetchOptions, FetchResult, Prober};
use crate::syntax::proxyurl::{info_url, join, list_url};

/// A module path that cannot exist (the `.invalid` TLD is reserved): a Go module proxy answers
/// it 404/410, which is what lets go fall through `,`.
pub const MISSING_MODULE: &str = "godoctor.invalid/no-such-module";

/// Bytes of each body kept: enough for a page title, a JSON error or a not-found line.
const BODY_BYTES: usize = 16 * 1024;

/// Ask `base` the three questions within `timeout` each (they run at once, so the whole takes
/// about `timeout` at worst). `module`/`version` name the known module.
pub fn ask(
    prober: &Prober,
    base: &Url,
    module: &str,
    version: &str,
    timeout: Duration,
) -> Vec<Answer> {
    let urls = [
        (Ask::Root, join(base, "")),
        (Ask::Missing, list_url(base, MISSING_MODULE)),
        (Ask::KnownInfo, info_url(base, module, version)),
    ];
    std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .filter_map(|(ask, url)| {
                let url = url.clone()?;
                let ask = *ask;
                Some(s.spawn(move || {
                    let r = prober.fetch(&url, &FetchOptions::within(timeout, BODY_BYTES));
                    to_answer(ask, &r)
                }))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// Reduce a fetch to an [`Answer`]. A body over the cap is kept truncated: its start is what
/// the fingerprint reads.
pub fn to_answer(ask: Ask, r: &FetchResult) -> Answer {
    let failure = match (&r.error, r.status) {
        (_, Some(_)) | (None, None) => None,
        (Some(e), None) => Some(match e.kind {
            ErrorKind::Refused => Failure::Refused,
            ErrorKind::Timeout => Failure::Silent,
            ErrorKind::Reset => Failure::Closed,
            ErrorKind::Tls
            | ErrorKind::TlsExpired
            | ErrorKind::TlsHostname
            | ErrorKind::TlsUnknownAuthority => Failure::Tls,
            ErrorKind::Garbage => Failure::NotHttp,
            _ => Failure::Other,
        }),
    };
    let body = &r.body[..r.body.len().min(BODY_BYTES)];
    Answer {
        ask: Some(ask),
        status: r.status,
        server: r.server.clone(),
        powered_by: r.powered_by.clone(),
        content_type: r.content_type.clone(),
        www_authenticate: r.www_authenticate.clone(),
        body: String::from_utf8_lossy(body).into_owned(),
        failure,
        message: r
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default(),
    }
}
