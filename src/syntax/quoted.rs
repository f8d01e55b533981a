//! Go's `cmd/internal/quoted.Split`: space-separated fields with `'…'` or `"…"` around a whole
//! field (no escapes inside). GOFLAGS and GOAUTH commands are split with it, and `quoted.Join`
//! writes fields back.

/// Split like Go; Err is Go's message (`unterminated ' string`).
pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        if b[i] == b'"' || b[i] == b'\'' {
            let quote = b[i];
            let start = i + 1;
            let Some(len) = b[start..].iter().position(|&c| c == quote) else {
                return Err(format!("unterminated {} string", quote as char));
            };
            out.push(s[start..start + len].to_string());
            i = start + len + 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_space(b[i]) {
            i += 1;
        }
        out.push(s[start..i].to_string());
    }
    Ok(out)
}

/// Go's `isSpaceByte`.
/// Join like Go's `quoted.Join`: a field with a space or a quote is wrapped in the quote it
/// does not contain; Err (Go's message) for a field holding both quotes.
pub fn join<S: AsRef<str>>(fields: &[S]) -> Result<String, String> {
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let f = field.as_ref();
        let space = f.bytes().any(is_space);
        let (single, double) = (f.contains('\''), f.contains('"'));
        out.push(match (space || single || double, single, double) {
            (false, _, _) => f.to_string(),
            (true, false, _) => format!("'{f}'"),
            (true, true, false) => format!("\"{f}\""),
            (true, true, true) => {
                return Err(format!(
                    "argument {f:?} contains both single and double quotes and cannot be quoted"
                ));
            }
        });
    }
    Ok(out.join(" "))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    #[test]
    fn join_quotes_what_split_reads_back() {
        let fields = ["-trimpath", "-ldflags=-s -w", "-x='a b'", "-tags=\"x\""];
        let joined = join(&fields).expect("quotable");
        assert_eq!(
            joined,
            "-trimpath '-ldflags=-s -w' \"-x='a b'\" '-tags=\"x\"'"
        );
        assert_eq!(split(&joined).expect("splits"), fields);
        assert!(join(&["a'b\"c"]).is_err());
    }

    use super::*;

    #[test]
    fn splits_like_go() {
        assert_eq!(
            split("  -a  -b=c ").ok(),
            Some(vec!["-a".to_string(), "-b=c".to_string()])
        );
        assert_eq!(
            split("'-tags=a b' \"x y\"z").ok(),
            Some(vec![
                "-tags=a b".to_string(),
                "x y".to_string(),
                "z".to_string()
            ])
        );
        assert_eq!(
            split("'-tags=a").err().as_deref(),
            Some("unterminated ' string")
        );
        assert_eq!(split("").ok(), Some(vec![]));
    }
}
