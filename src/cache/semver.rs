//! Go's semantic versions exactly as golang.org/x/mod/semver reads and orders them: `v` prefix,
//! shorthand `v1`/`v1.2`, pre-releases (pseudo-versions are pre-releases), ignored `+build`.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    prerelease: &'a str,
}

/// Whether `v` is a valid Go semantic version (`v1.2.3`, `v1.2.3-pre+meta`, `v2`, …).
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// Go's `semver.Compare`, with `semver.Sort`'s tie-break on the text so the order is total.
/// Invalid versions sort before all valid ones.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(pa), Some(pb)) => cmp_num(pa.major, pb.major)
            .then_with(|| cmp_num(pa.minor, pb.minor))
            .then_with(|| cmp_num(pa.patch, pb.patch))
            .then_with(|| cmp_prerelease(pa.prerelease, pb.prerelease))
            .then_with(|| a.cmp(b)),
    }
}

fn parse(v: &str) -> Option<Parsed<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = take_num(rest)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor: "0",
            patch: "0",
            prerelease: "",
        });
    }
    let (minor, rest) = take_num(rest.strip_prefix('.')?)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor,
            patch: "0",
            prerelease: "",
        });
    }
    let (patch, rest) = take_num(rest.strip_prefix('.')?)?;
    let (prerelease, rest) = match rest.strip_prefix('-') {
        Some(pre) => {
            let end = pre.find('+').unwrap_or(pre.len());
            let body = &pre[..end];
            if !idents_ok(body, true) {
                return None;
            }
            (body, &pre[end..])
        }
        None => ("", rest),
    };
    match rest.strip_prefix('+') {
        Some(build) if idents_ok(build, false) => {}
        Some(_) => return None,
        None if rest.is_empty() => {}
        None => return None,
    }
    Some(Parsed {
        major,
        minor,
        patch,
        prerelease,
    })
}

/// A decimal number without leading zeros, and what follows it.
fn take_num(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let num = &s[..end];
    if num.is_empty() || (num.len() > 1 && num.starts_with('0')) {
        return None;
    }
    Some((num, &s[end..]))
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; in pre-releases numeric ones may
/// not have leading zeros.
fn idents_ok(s: &str, prerelease: bool) -> bool {
    !s.is_empty()
        && s.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !(prerelease && is_numeric(id) && id.len() > 1 && id.starts_with('0'))
        })
}

fn is_numeric(id: &str) -> bool {
    id.bytes().all(|b| b.is_ascii_digit())
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut ia = a.split('.');
    let mut ib = b.split('.');
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (is_numeric(x), is_numeric(y)) {
                    (true, true) => cmp_num(x, y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_matches_x_mod_semver() {
        for ok in [
            "v1",
            "v1.2",
            "v1.2.3",
            "v0.0.0-20230101120000-abcdef123456",
            "v2.0.0+incompatible",
            "v1.0.0-rc.1+b.2",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "1.2.3",
            "v01.2.3",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3+",
            "v1.2.3.4",
            "v1.2.3-a..b",
            "v",
            "v1.2.3 ",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn ordering_matches_semver_sort() {
        let mut v = vec![
            "v1.10.0",
            "v1.2.0",
            "v1.2.0-rc.1",
            "v1.2.0-beta.11",
            "v1.2.0-beta.2",
            "v1.2.0-beta",
            "v0.0.0-20230101120000-abcdef123456",
            "v2.0.0+incompatible",
            "v1.2.0-alpha.beta",
            "v1.2.0-1",
        ];
        v.sort_by(|a, b| compare(a, b));
        assert_eq!(
            v,
            [
                "v0.0.0-20230101120000-abcdef123456",
                "v1.2.0-1",
                "v1.2.0-alpha.beta",
                "v1.2.0-beta",
                "v1.2.0-beta.2",
                "v1.2.0-beta.11",
                "v1.2.0-rc.1",
                "v1.2.0",
                "v1.10.0",
                "v2.0.0+incompatible",
            ]
        );
        assert_eq!(compare("v1", "v1.0.0"), Ordering::Less); // equal as versions; text breaks the tie
        assert_eq!(compare("junk", "v0.0.1"), Ordering::Less);
    }
}
