//! The mirror catalogue for `proxy rank`: well-known public Go module mirrors (product data,
//! never contacted by tests) plus user candidates from a file, and the ranking (pure).

use serde::Serialize;
use url::Url;

use super::proxy::{ProxyReport, Verdict, display_url, parse_proxy_url};

/// A mirror worth trying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mirror {
    pub url: String,
    pub name: String,
    /// Whether it proxies the sum.golang.org checksum database (`/sumdb/…/supported`), as far
    /// as known; `null` for user candidates (the probe measures it).
    pub proxies_sumdb: Option<bool>,
    /// `builtin` or the candidates file.
    pub source: String,
}

/// The built-in catalogue.
pub fn builtin() -> Vec<Mirror> {
    [
        ("https://proxy.golang.org", "Go project (Google)", true),
        ("https://goproxy.cn", "goproxy.cn (Qiniu)", true),
        ("https://goproxy.io", "goproxy.io", true),
        (
            "https://mirrors.aliyun.com/goproxy/",
            "Alibaba Cloud",
            false,
        ),
    ]
    .into_iter()
    .map(|(url, name, sumdb)| Mirror {
        url: url.into(),
        name: name.into(),
        proxies_sumdb: Some(sumdb),
        source: "builtin".into(),
    })
    .collect()
}

/// Parse a candidates file: one proxy URL per line, optionally followed by a name; blank lines
/// and `#` comments ignored. Errors name the line.
pub fn parse_candidates(text: &str, source: &str) -> Result<Vec<Mirror>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (url, name) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(u, n)| (u, n.trim()));
        let parsed = parse_proxy_url(url).map_err(|e| format!("{source}:{}: {e}", n + 1))?;
        let shown = display_url(&parsed);
        out.push(Mirror {
            name: if name.is_empty() {
                shown.clone()
            } else {
                name.to_string()
            },
            url: shown,
            proxies_sumdb: None,
            source: source.to_string(),
        });
    }
    Ok(out)
}

/// One row of the ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// 1-based rank among passing mirrors; `null` for failing ones.
    pub rank: Option<usize>,
    pub url: String,
    pub name: String,
    pub ok: bool,
    pub verdict: Verdict,
    pub median_ms: Option<f64>,
    pub min_ms: Option<f64>,
    /// The fastest passing mirror.
    pub fastest: bool,
    /// An entry of the current effective GOPROXY.
    pub current: bool,
    pub proxies_sumdb: Option<bool>,
    pub diagnosis: String,
    pub hint: Option<String>,
}

fn same_proxy(a: &str, b: &Url) -> bool {
    parse_proxy_url(a)
        .is_ok_and(|u| u.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/'))
}

/// Rank: passing mirrors (verdict ok) by median latency, then the rest in catalogue order.
pub fn rank(mirrors: &[Mirror], reports: &[ProxyReport], current: &[Url]) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = mirrors
        .iter()
        .zip(reports)
        .map(|(m, r)| RankRow {
            rank: None,
            url: m.url.clone(),
            name: m.name.clone(),
            ok: r.verdict == Verdict::Ok,
            verdict: r.verdict,
            median_ms: r.median_ms,
            min_ms: r.min_ms,
            fastest: false,
            current: current.iter().any(|c| same_proxy(&m.url, c)),
            // Only a mirror that works as a Go proxy can proxy the checksum database: a captive
            // portal answers 200 to /sumdb/NAME/supported like to every path.
            proxies_sumdb: (r.verdict == Verdict::Ok)
                .then(|| {
                    r.sumdb
                        .as_ref()
                        .and_then(|s| s.supported)
                        .or(m.proxies_sumdb)
                })
                .flatten(),
            diagnosis: r.diagnosis.clone(),
            hint: r.hint.clone(),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.ok.cmp(&a.ok).then_with(|| match (a.ok, b.ok) {
            (true, true) => a
                .median_ms
                .unwrap_or(f64::MAX)
                .total_cmp(&b.median_ms.unwrap_or(f64::MAX)),
            _ => std::cmp::Ordering::Equal,
        })
    });
    for (i, row) in rows.iter_mut().filter(|r| r.ok).enumerate() {
        row.rank = Some(i + 1);
        row.fastest = i == 0;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_file() {
        let m = parse_candidates(
            "# mine\nhttp://127.0.0.1:3000 local proxy\n\nproxy.example/go # corp\n",
            "c.txt",
        )
        .expect("ok");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "local proxy");
        assert_eq!(m[1].url, "https://proxy.example/go");
        let err = parse_candidates("ftp://x\n", "c.txt").expect_err("bad scheme");
        assert!(err.starts_with("c.txt:1:"), "{err}");
    }

    #[test]
    fn builtin_has_the_go_project_first() {
        let b = builtin();
        assert_eq!(b[0].url, "https://proxy.golang.org");
        assert!(b.iter().all(|m| parse_proxy_url(&m.url).is_ok()));
    }
}
