//! VCS discovery for `direct`, like `vcs.RepoRootForImportPath`: cmd/go's static rules for
//! well-known hosts and `.git`-style paths, and the `<meta name="go-import">` tag of a
//! `?go-get=1` page. Pure; the request is made by [`super::walk`].

use serde::Serialize;

use crate::redact::redact;

/// What `?go-get=1` discovery (or a known host's rule) says about the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vcs {
    /// The import path prefix the repository holds.
    pub root: String,
    /// `git`, `hg`, `svn`, `bzr`, `fossil` or `mod`.
    pub vcs: String,
    /// The repository URL (redacted).
    pub repo: String,
    /// How it was found: `static` (known host rule) or `go-get`.
    pub how: &'static str,
    /// The repository URL unredacted (for a `mod` repository the probe walks); never printed.
    #[serde(skip)]
    pub repo_url: String,
}

/// cmd/go's static VCS rules for well-known hosts and `.git`-style paths.
pub fn static_vcs(path: &str) -> Option<Vcs> {
    let elems: Vec<&str> = path.split('/').collect();
    let host = elems[0];
    if matches!(host, "github.com" | "bitbucket.org") && elems.len() >= 3 {
        let root = elems[..3].join("/");
        return Some(Vcs {
            repo: format!("https://{root}"),
            repo_url: format!("https://{root}"),
            root,
            vcs: "git".into(),
            how: "static",
        });
    }
    for (i, e) in elems.iter().enumerate().skip(1) {
        for vcs in ["git", "hg", "svn", "bzr", "fossil"] {
            if let Some(stem) = e.strip_suffix(&format!(".{vcs}")) {
                if !stem.is_empty() {
                    let root = elems[..=i].join("/");
                    return Some(Vcs {
                        repo: format!("https://{}", elems[..=i].join("/")),
                        repo_url: format!("https://{}", elems[..=i].join("/")),
                        root,
                        vcs: vcs.into(),
                        how: "static",
                    });
                }
            }
        }
    }
    None
}

/// The `<meta name="go-import" content="root vcs repo">` whose root is a prefix of `path`.
pub fn go_import(html: &str, path: &str) -> Option<Vcs> {
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find("<meta") {
        let start = at + i;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &html[start..end];
        at = end;
        let attr = |name: &str| -> Option<String> {
            let t = tag.to_ascii_lowercase();
            let k = t.find(&format!("{name}="))? + name.len() + 1;
            let q = tag[k..].chars().next()?;
            if q == '"' || q == '\'' {
                let rest = &tag[k + 1..];
                Some(rest[..rest.find(q)?].to_string())
            } else {
                Some(
                    tag[k..]
                        .split_whitespace()
                        .next()?
                        .trim_end_matches('/')
                        .to_string(),
                )
            }
        };
        if attr("name").as_deref() != Some("go-import") {
            continue;
        }
        let content = attr("content")?;
        let f: Vec<&str> = content.split_whitespace().collect();
        if f.len() == 3 && (path == f[0] || path.starts_with(&format!("{}/", f[0]))) {
            return Some(Vcs {
                root: f[0].into(),
                vcs: f[1].into(),
                repo: redact(f[2]),
                repo_url: f[2].into(),
                how: "go-get",
            });
        }
        if lower[..at].contains("</head>") {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_import_meta() {
        let html = r#"<html><head><meta name="go-import" content="corp.example/x git https://git.corp.example/x.git"></head></html>"#;
        let v = go_import(html, "corp.example/x/sub");
        assert_eq!(
            v.map(|v| (v.vcs, v.repo)),
            Some(("git".into(), "https://git.corp.example/x.git".into()))
        );
        assert_eq!(go_import(html, "corp.example/xy"), None);
        assert_eq!(go_import("<html>login</html>", "a.b/c"), None);
    }

    #[test]
    fn static_hosts() {
        assert_eq!(
            static_vcs("github.com/Azure/x/v2").map(|v| v.root),
            Some("github.com/Azure/x".into())
        );
        assert_eq!(
            static_vcs("git.corp.example/team/lib.git/sub").map(|v| (v.vcs, v.root)),
            Some(("git".into(), "git.corp.example/team/lib.git".into()))
        );
        assert_eq!(static_vcs("golang.org/x/text"), None);
    }
}
