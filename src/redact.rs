//! Secret redaction: passwords in URLs and other credentials never reach the terminal or JSON.

/// Replace the password of every `scheme://user:password@host` URL inside `text` with `***`.
///
/// Works on arbitrary text (GOPROXY lists, error messages from `go`, HTTPS_PROXY values), not
/// only on a single URL, because secrets leak through the text around them too.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#', whitespace, ',' or '|'.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | ',' | '|' | '"' | '\'') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    // A lone user part can itself be a token (`https://TOKEN@host`).
                    None if looks_like_token(userinfo) => out.push_str("***"),
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A user name of 20+ characters of token alphabet is almost certainly an access token
/// (GitHub `ghp_…`, GitLab `glpat-…`), not a login.
fn looks_like_token(user: &str) -> bool {
    user.len() >= 20
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `text` contains a URL with credentials in it.
pub fn has_credentials(text: &str) -> bool {
    redact(text) != text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password_keeps_user() {
        assert_eq!(
            redact("https://alice:s3cret@proxy.corp/x"),
            "https://alice:***@proxy.corp/x"
        );
    }

    #[test]
    fn redacts_each_entry_of_a_list() {
        assert_eq!(
            redact("https://a:b@p1.example,http://c:d@p2.example|direct"),
            "https://a:***@p1.example,http://c:***@p2.example|direct"
        );
    }

    #[test]
    fn leaves_plain_urls_and_text_alone() {
        for s in [
            "https://proxy.golang.org,direct",
            "off",
            "no url here",
            "git@github.com:x/y",
            "",
        ] {
            assert_eq!(redact(s), s);
        }
    }

    #[test]
    fn redacts_token_as_user() {
        assert_eq!(
            redact("https://ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/x"),
            "https://***@github.com/x"
        );
    }

    #[test]
    fn password_with_at_sign() {
        assert_eq!(redact("https://u:p@ss@host/"), "https://u:***@host/");
    }

    #[test]
    fn inside_error_text() {
        assert_eq!(
            redact("Get \"https://u:pw@h/x\": dial tcp"),
            "Get \"https://u:***@h/x\": dial tcp"
        );
    }
}
