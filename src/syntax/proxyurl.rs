//! Request URLs of the Go module proxy protocol (`$base/$module/@v/$version.info`, `@v/list`,
//! `sumdb/NAME/supported`): the base URL's path kept and a slash added the way go's
//! `proxyRepo` joins, module paths and versions case-encoded ([`super::module`]). Pure.

use url::Url;

/// Case-encode a module path or version for a proxy URL (`Azure` → `!azure`), with go's
/// rules from [`super::module`]; invalid input is sent unescaped (the proxy then answers for
/// it, which is still a protocol fact).
pub fn escape(path: &str) -> String {
    super::module::escape_path(path)
        .or_else(|_| super::module::escape_version(path))
        .unwrap_or_else(|_| path.to_string())
}

/// `<base>/<escaped module>/@v/<escaped version>.info`.
pub fn info_url(base: &Url, module: &str, version: &str) -> Option<Url> {
    join(
        base,
        &format!("{}/@v/{}.info", escape(module), escape(version)),
    )
}

/// `<base>/<escaped module>/@v/list`.
pub fn list_url(base: &Url, module: &str) -> Option<Url> {
    join(base, &format!("{}/@v/list", escape(module)))
}

/// `base` + "/" + `rest`, keeping the base's path (go joins with a slash, never replaces).
pub fn join(base: &Url, rest: &str) -> Option<Url> {
    let mut s = base.as_str().trim_end_matches('/').to_string();
    s.push('/');
    s.push_str(rest.trim_start_matches('/'));
    Url::parse(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_like_go() {
        let base = Url::parse("https://proxy.example/go/").expect("url");
        assert_eq!(
            info_url(&base, "github.com/Azure/sdk", "v1.0.0").map(|u| u.to_string()),
            Some("https://proxy.example/go/github.com/!azure/sdk/@v/v1.0.0.info".into())
        );
        assert_eq!(
            list_url(&base, "example.com/M").map(|u| u.to_string()),
            Some("https://proxy.example/go/example.com/!m/@v/list".into())
        );
        assert_eq!(
            join(&base, "").map(|u| u.to_string()),
            Some("https://proxy.example/go/".into())
        );
    }
}
