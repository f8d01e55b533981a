//! Which mirrors `setup` measures and what it keeps of each measurement: the candidates file,
//! the built-in catalogue and the current GOPROXY's proxies, each once; a probe report turned
//! into the wizard's [`Measurement`]. Pure: `cmd/setup.rs` reads the file and runs the probes.

use url::Url;

use super::Measurement;
use crate::fetch::catalogue;
use crate::fetch::proxy::{self, ProxyReport};

/// A proxy to measure.
pub struct Candidate {
    pub url: Url,
    pub name: String,
    pub current: bool,
}

/// Candidates: the `--candidates` file (`file`), the built-in catalogue (`builtin`, empty
/// with `--no-builtin`), and the proxies of the current GOPROXY (go talks to those anyway),
/// each once (the first name wins; one in GOPROXY is marked current).
pub fn candidates(
    file: Vec<catalogue::Mirror>,
    builtin: Vec<catalogue::Mirror>,
    goproxy: &str,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let push = |out: &mut Vec<Candidate>, url: Url, name: String, current: bool| {
        let key = url.as_str().trim_end_matches('/').to_string();
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.url.as_str().trim_end_matches('/') == key)
        {
            c.current |= current;
        } else {
            out.push(Candidate { url, name, current });
        }
    };
    for (url, name) in mirrors(file).into_iter().chain(mirrors(builtin)) {
        push(&mut out, url, name, false);
    }
    for spec in crate::syntax::goproxy::parse(goproxy).specs {
        if let crate::syntax::goproxy::ProxyEntry::Url { url, .. } = spec.entry {
            if let Ok(u) = proxy::parse_proxy_url(&url) {
                if u.scheme() != "file" {
                    let name = proxy::display_url(&u);
                    push(&mut out, u, name, true);
                }
            }
        }
    }
    out
}

/// Turn catalogue entries into candidates (an entry whose URL does not parse is skipped: the
/// catalogue has already validated it).
fn mirrors(list: Vec<catalogue::Mirror>) -> Vec<(Url, String)> {
    list.into_iter()
        .filter_map(|m| Some((proxy::parse_proxy_url(&m.url).ok()?, m.name)))
        .collect()
}

/// The URL as go would be given it (unredacted: it is written to GOPROXY), without the `/`
/// the URL parser adds to a bare host.
pub fn raw_url(url: &Url) -> String {
    let s = url.as_str();
    if url.path() == "/" && url.query().is_none() && url.fragment().is_none() {
        s.trim_end_matches('/').to_string()
    } else {
        s.to_string()
    }
}

/// What the wizard needs of a probe of candidate `c`.
pub fn measurement(c: &Candidate, r: &ProxyReport) -> Measurement {
    let verdict = serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Measurement {
        url: raw_url(&c.url),
        name: c.name.clone(),
        current: c.current,
        ok: r.ok,
        median_ms: r.median_ms,
        verdict,
        diagnosis: r.diagnosis.clone(),
        hint: r.hint.clone(),
        proxies_sumdb: r.sumdb.as_ref().and_then(|s| s.supported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirror(url: &str, name: &str) -> catalogue::Mirror {
        catalogue::parse_candidates(&format!("{url} {name}\n"), "test")
            .expect("a candidate line")
            .remove(0)
    }

    #[test]
    fn each_proxy_once_and_the_current_one_marked() {
        let got = candidates(
            vec![mirror("https://a.example", "A")],
            vec![
                mirror("https://a.example/", "A again"),
                mirror("https://b.example", "B"),
            ],
            "https://b.example,direct",
        );
        let seen: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|c| (c.url.as_str(), c.name.as_str(), c.current))
            .collect();
        assert_eq!(
            seen,
            [
                ("https://a.example/", "A", false),
                ("https://b.example/", "B", true)
            ]
        );
        assert_eq!(raw_url(&got[0].url), "https://a.example");
    }
}
