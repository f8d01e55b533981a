//! Go's semantic versions exactly as golang.org/x/mod/semver reads and orders them: `v` prefix,
//! shorthand `v1`/`v1.2`, pre-releases (pseudo-versions are pre-releases), ignored `+build`.
//! The one Go semver of godoctor: module versions, version queries and the module cache all
//! use it.

use std::cmp::Ordering;

/// A parsed semantic version (x/mod/semver), `v` prefix required like go. Its parts borrow the
/// parsed text: parsing allocates nothing (it runs for every version a cache walk sorts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semver<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    /// `-pre.release`, with the dash, or empty.
    pub prerelease: &'a str,
    /// `+build`, with the plus, or empty.
    pub build: &'a str,
    /// What `Canonical` appends to a shorthand (`v1` → `.0.0`).
    short: &'static str,
}

/// x/mod's `semver.parse`. `v1` and `v1.2` are valid shorthands.
pub fn parse(v: &str) -> Option<Semver<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = parse_int(rest)?;
    let mut p = Semver {
        major,
        minor: "0",
        patch: "0",
        prerelease: "",
        build: "",
        short: ".0.0",
    };
    if rest.is_empty() {
        return Some(p);
    }
    let rest = rest.strip_prefix('.')?;
    let (minor, rest) = parse_int(rest)?;
    p.minor = minor;
    p.short = ".0";
    if rest.is_empty() {
        return Some(p);
    }
    let rest = rest.strip_prefix('.')?;
    let (patch, mut rest) = parse_int(rest)?;
    p.patch = patch;
    p.short = "";
    if rest.starts_with('-') {
        let end = rest.find('+').unwrap_or(rest.len());
        let pre = &rest[..end];
        if !idents_ok(&pre[1..], true) {
            return None;
        }
        p.prerelease = pre;
        rest = &rest[end..];
    }
    if rest.starts_with('+') {
        if !idents_ok(&rest[1..], false) {
            return None;
        }
        p.build = rest;
        rest = "";
    }
    rest.is_empty().then_some(p)
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (v.starts_with('0') && n != 1) {
        return None;
    }
    Some((&v[..n], &v[n..]))
}

fn idents_ok(s: &str, no_leading_zero: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !(no_leading_zero
                && id.len() > 1
                && id.starts_with('0')
                && id.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// x/mod's `semver.IsValid`.
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// x/mod's `semver.Canonical`: `v1.2` → `v1.2.0`, build metadata dropped; `None` if invalid.
pub fn canonical(v: &str) -> Option<String> {
    let p = parse(v)?;
    if !p.build.is_empty() {
        return Some(v[..v.len() - p.build.len()].to_string());
    }
    Some(format!("{v}{}", p.short))
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
            .then_with(|| {
                cmp_prerelease(
                    pa.prerelease.trim_start_matches('-'),
                    pb.prerelease.trim_start_matches('-'),
                )
            })
            .then_with(|| a.cmp(b)),
    }
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
