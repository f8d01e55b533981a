//! Variable names: GO* names go does not know (typos, copy-pasted inventions like
//! GONOSUMCHECK), with the name that was probably meant.

use crate::finding::Finding;
use std::collections::BTreeSet;

/// Names go reads that `go env -json` may not list: documented in `go help environment`, read
/// by the runtime, or by older/newer go releases. Used together with the caller's known set.
pub const BUILTIN_KNOWN: &[&str] = &[
    "GO111MODULE",
    "GO386",
    "GOAMD64",
    "GOARCH",
    "GOARM",
    "GOARM64",
    "GOAUTH",
    "GOBIN",
    "GOCACHE",
    "GOCACHEPROG",
    "GOCOVERDIR",
    "GODEBUG",
    "GOENV",
    "GOEXE",
    "GOEXPERIMENT",
    "GOFIPS140",
    "GOFLAGS",
    "GOGCCFLAGS",
    "GOHOSTARCH",
    "GOHOSTOS",
    "GOINSECURE",
    "GOMIPS",
    "GOMIPS64",
    "GOMOD",
    "GOMODCACHE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOOS",
    "GOPATH",
    "GOPPC64",
    "GOPRIVATE",
    "GOPROXY",
    "GORISCV64",
    "GOROOT",
    "GOROOT_FINAL",
    "GOSUMDB",
    "GOTELEMETRY",
    "GOTELEMETRYDIR",
    "GOTMPDIR",
    "GOTOOLCHAIN",
    "GOTOOLDIR",
    "GOVCS",
    "GOVERSION",
    "GOWASM",
    "GOWORK",
    "GO_EXTLINK_ENABLED",
    "GOGC",
    "GOMAXPROCS",
    "GOMEMLIMIT",
    "GOTRACEBACK",
    "GORACE",
    "GOINSECURE",
    "GOLANGCI_LINT_CACHE",
    "GOCOVERDIR",
    "GOPACKAGESDRIVER",
    "GOFUZZCACHE",
    "GOEXPERIMENT",
];

/// Invented names people paste from blog posts, with what they meant.
const COMMON_INVENTIONS: &[(&str, &str)] = &[
    ("GONOSUMCHECK", "GONOSUMDB"),
    ("GONOSUM", "GONOSUMDB"),
    ("GONOSUMDBCHECK", "GONOSUMDB"),
    ("GOSUMCHECK", "GOSUMDB"),
    ("GOPRIVATES", "GOPRIVATE"),
    ("GOPROXIES", "GOPROXY"),
    ("GOPROXY_URL", "GOPROXY"),
    ("GO_PROXY", "GOPROXY"),
    ("GO_PRIVATE", "GOPRIVATE"),
    ("GONOPROXIES", "GONOPROXY"),
    ("GOINSECURES", "GOINSECURE"),
    ("GOSUMDBKEY", "GOSUMDB"),
    ("GONOSUMDBS", "GONOSUMDB"),
    ("GOMODULE", "GO111MODULE"),
    ("GO11MODULE", "GO111MODULE"),
    ("GOMODULES", "GO111MODULE"),
    ("GOCACHEDIR", "GOCACHE"),
    ("GOMODCACHEDIR", "GOMODCACHE"),
];

/// A finding when `name` looks like a go setting go does not know. `known` is typically the
/// key set of `go env -json`; [`BUILTIN_KNOWN`] is added to it. Names that are clearly some
/// other tool's (GOLANG_VERSION in Docker images, GOREleaser's GORELEASER_*) are left alone
/// unless they are one typo away from a real name.
pub fn unknown_name(name: &str, known: &BTreeSet<String>) -> Option<Finding> {
    if !name.starts_with("GO") || is_known(name, known) {
        return None;
    }
    if let Some((_, meant)) = COMMON_INVENTIONS.iter().find(|(n, _)| *n == name) {
        return Some(finding(name, meant));
    }
    let all: BTreeSet<&str> = known
        .iter()
        .map(String::as_str)
        .chain(BUILTIN_KNOWN.iter().copied())
        .filter(|k| k.starts_with("GO"))
        .collect();
    closest(name, all).map(|best| finding(name, best))
}

/// The candidate `name` is most likely a typo of, for a "did you mean": one edit away for
/// short names, two for long ones (GOPROXI, GOPRVATE, GONOSUMBD, proxy.rech); `None` when
/// nothing is that close, so a guess is never wild. Ties go to the first candidate.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = if len >= 8 { 2 } else { 1 };
    candidates
        .into_iter()
        // The distance is at least the difference in length: most candidates need no table
        // (every check runs this for each unknown GO* variable, GODOCTOR_HOME included).
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (c, edit_distance(name, c)))
        .filter(|(_, d)| *d <= limit)
        .min_by_key(|(_, d)| *d)
        .map(|(c, _)| c)
}

fn is_known(name: &str, known: &BTreeSet<String>) -> bool {
    known.contains(name) || BUILTIN_KNOWN.contains(&name)
}

fn finding(name: &str, meant: &str) -> Finding {
    Finding::error(
        "names.unknown",
        format!("{name} is not a variable go knows; go ignores it."),
    )
    .with_hint(format!("did you mean {meant}?"))
}

/// Levenshtein distance where an adjacent swap counts as one edit (optimal string alignment),
/// so `GONOSUMBD` is one edit from `GONOSUMDB`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeSet<String> {
        ["GOPROXY", "GONOSUMDB", "GOPRIVATE", "GOSUMDB"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn suggestions() {
        let cases = [
            ("GONOSUMCHECK", "GONOSUMDB"),
            ("GOPROXI", "GOPROXY"),
            ("GOPRVATE", "GOPRIVATE"),
            ("GONOSUMBD", "GONOSUMDB"),
            ("GO_PROXY", "GOPROXY"),
        ];
        for (name, meant) in cases {
            let f = unknown_name(name, &known());
            assert_eq!(
                f.and_then(|f| f.hint),
                Some(format!("did you mean {meant}?")),
                "{name}"
            );
        }
    }

    #[test]
    fn leaves_real_and_foreign_names_alone() {
        for n in [
            "GOPROXY",
            "GOFLAGS",
            "GOTOOLCHAIN",
            "GOLANG_VERSION",
            "GORELEASER_KEY",
            "PATH",
            "GOPHER_HOME",
        ] {
            assert_eq!(unknown_name(n, &known()), None, "{n}");
        }
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("direct", "direct"), 0);
        assert_eq!(edit_distance("dirct", "direct"), 1);
        assert_eq!(edit_distance("GONOSUMBD", "GONOSUMDB"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
