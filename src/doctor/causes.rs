//! The one catalogue of causes and fixes that `check` and `explain` share: what makes go fail,
//! in words, and how to build the concrete command that fixes it, so the two commands cannot
//! give different advice for the same cause.

/// One cause of a go failure: a stable id, what it means, and the generic fix. Commands that know
/// the concrete values (a host, a GOPROXY list) build the exact command with
/// [`crate::shellrc::env_set`] and [`crate::shellrc::env_unset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    /// Stable, dotted, lower-case id (`explain --json` prints it as `id`).
    pub id: &'static str,
    /// What is wrong, in one sentence, for any machine.
    pub cause: &'static str,
    /// What to do, when no concrete command can be built.
    pub fix: &'static str,
}

macro_rules! causes {
    ($($name:ident = $id:literal, $cause:literal, $fix:literal;)*) => {
        $(
            #[doc = $cause]
            pub const $name: Cause = Cause { id: $id, cause: $cause, fix: $fix };
        )*
        /// Every cause, for `explain --list`-style listings and the id uniqueness test.
        pub const ALL: &[Cause] = &[$($name),*];
    };
}

causes! {
    GOPROXY_OFF = "goproxy.off",
        "GOPROXY=off: go downloads nothing, so every module not already in the module cache fails with \"module lookup disabled by GOPROXY=off\"",
        "godoctor env unset GOPROXY (go's default), or pick a mirror with godoctor setup";
    GOPROXY_INVALID = "goproxy.invalid",
        "GOPROXY cannot be parsed by go, so every download fails before any request",
        "godoctor env unset GOPROXY (go's default), or godoctor env set GOPROXY=https://proxy.golang.org,direct";
    PROXY_NOT_FOUND = "proxy.not-found",
        "every source in GOPROXY answered 404/410 (not found) for this module or version: the path or version does not exist, or none of the sources can see it",
        "check the module path and version (`go list -m -versions MODULE`); a private module belongs in GOPRIVATE";
    PROXY_PRIVATE = "proxy.private-module",
        "a private module was requested from a proxy that cannot see it (it matches no GOPRIVATE/GONOPROXY pattern)",
        "godoctor env set GOPRIVATE=<the module's host or path prefix>";
    PROXY_STATUS = "proxy.error-status",
        "a proxy answered with an error status; after ',' go stops at any error other than 404/410, so later entries are not tried",
        "retry later, or separate the entries with '|' so go falls back on any error";
    PROXY_AUTH = "proxy.auth",
        "a proxy refused the request for lack of valid credentials (401/403)",
        "add a line `machine HOST login YOUR_USER password YOUR_TOKEN` to ~/.netrc (chmod 600), or set GOAUTH";
    NET_REFUSED = "net.refused",
        "nothing accepts connections at that address (a local proxy that is not running, a wrong port, or a firewall that rejects)",
        "start the server, or remove the address from your settings";
    NET_DNS = "net.dns",
        "the host name does not resolve (a typo, no network, or a name only known on a VPN)",
        "check the spelling and your network/VPN";
    NET_TIMEOUT = "net.timeout",
        "the host did not answer in time (a firewall that drops packets, or a blocked host)",
        "use a mirror you can reach, or the network/VPN that reaches this host";
    NET_RESET = "net.reset",
        "the connection was cut (reset) by the server or something on the way, often a firewall that blocks the host",
        "use a mirror you can reach, or the network/VPN that reaches this host";
    PROXYCONNECT = "net.proxyconnect",
        "go sends HTTPS through the proxy named by HTTPS_PROXY/HTTP_PROXY, and that proxy failed",
        "correct or unset HTTPS_PROXY/HTTP_PROXY in your shell, or add the host to NO_PROXY";
    TLS_UNKNOWN_CA = "tls.unknown-authority",
        "the server's certificate is signed by an authority this machine does not trust (a private CA, or a TLS-intercepting corporate proxy)",
        "export SSL_CERT_FILE=/path/to/your-ca.pem (the CA that signs the certificate), or add that CA to the system trust store";
    TLS_WRONG_HOST = "tls.wrong-host",
        "the server's certificate is for another host name (a wrong URL, or something intercepting the connection)",
        "use the host name the certificate is for, or find out what intercepts the connection";
    TLS_EXPIRED = "tls.expired",
        "the server's certificate has expired or is not yet valid (or this machine's clock is wrong)",
        "check the clock (`date`); otherwise the server must renew its certificate";
    TLS_NOT_TLS = "tls.plain-http",
        "an https:// URL points at a server that speaks plain HTTP",
        "use http:// for that proxy in GOPROXY, or GOINSECURE for a direct host";
    NOT_ZIP = "proxy.not-zip",
        "a server answered with something that is not a module zip (usually an HTML page: a captive portal, a login page or a web filter)",
        "log in to the network's portal (open any web page) or use a proxy that serves modules, then retry";
    SUMDB_PRIVATE = "sumdb.private-module",
        "go asked the public checksum database about a module it cannot know (a private module that matches no GOPRIVATE/GONOSUMDB pattern)",
        "godoctor env set GOPRIVATE=<the module's host or path prefix>";
    SUMDB_UNREACHABLE = "sumdb.unreachable",
        "the checksum database cannot be reached, so new modules cannot be verified",
        "godoctor env set GOSUMDB=sum.golang.google.cn where sum.golang.org is blocked (same key), or use a proxy that proxies the checksum database";
    SUMDB_KEY = "sumdb.key",
        "GOSUMDB's verifier key does not match the database (a wrong or mistyped key), so its answers cannot be verified",
        "godoctor env unset GOSUMDB (sum.golang.org with its built-in key), or set the key the database's operator publishes";
    SUMDB_INCONSISTENT = "sumdb.inconsistent",
        "the checksum database's answers do not agree with the tree head it signed (a hash tile or a record that does not hash to it): whoever served them, the database or a proxy in front of it, is broken or altering them",
        "do not turn GOSUMDB off: ask the database at its own URL instead of through the proxy (GOSUMDB=\"NAME URL\"), or report it to whoever runs the proxy or database";
    SUMDB_OFF_TOOLCHAIN = "sumdb.off-toolchain",
        "toolchain downloads must be verified by the checksum database even when GOSUMDB=off, so they fail",
        "godoctor env unset GOSUMDB, or install the Go version yourself and set GOTOOLCHAIN=local";
    CHECKSUM_MISMATCH = "sumdb.mismatch",
        "the downloaded code differs from the checksum recorded earlier (go.sum) or by the checksum database: the version was re-tagged or altered, or something between you and the source changed it",
        "do not turn verification off; find out which side is right: compare `go mod download -json MODULE@VERSION` through another network or proxy with go.sum and the checksum database, and ask the module's owner whether the tag was moved";
    GOMOD_UPDATES = "gomod.updates",
        "go.mod needs changes that go will not make during a build (build commands run with -mod=readonly, go's default, and never edit go.mod): a requirement listed twice, a missing or stale one",
        "go mod tidy";
    MISSING_GOSUM = "gosum.missing",
        "go.sum has no checksum for a module the build needs (go.mod was edited, or go.sum was not committed)",
        "go mod tidy";
    PATH_MISMATCH = "module.path-mismatch",
        "the module's go.mod declares another path than the one it was required by (a renamed or forked module, or different letter case)",
        "require the module by the path its go.mod declares";
    MAJOR_VERSION = "module.major-version",
        "versions v2 and above of a module with a go.mod must be required with the /vN suffix in the path",
        "use the /vN module path: go get MODULE/vN@VERSION";
    UNRECOGNIZED_IMPORT = "direct.unrecognized",
        "go fetched the module directly from its host (no proxy) and the host did not answer with go-import information",
        "check the path, the network to that host, and whether it should come from a proxy (GOPRIVATE/GONOPROXY decide)";
    TERMINAL_PROMPTS = "direct.credentials",
        "git needed credentials for a direct fetch and go does not let it ask (terminal prompts disabled)",
        "add a line `machine HOST login YOUR_USER password YOUR_TOKEN` to ~/.netrc (chmod 600), or let git use SSH: git config --global url.\"git@HOST:\".insteadOf https://HOST/";
    INSECURE_HOST = "direct.insecure",
        "the host only speaks plain HTTP, which go refuses for direct fetches unless GOINSECURE allows it",
        "godoctor env set GOINSECURE=<host> (checksums are still verified)";
    GO_TOO_OLD = "toolchain.too-old",
        "go.mod needs a newer Go than the one running, and GOTOOLCHAIN forbids switching",
        "godoctor env set GOTOOLCHAIN=auto (go downloads the toolchain), or install that Go version";
    TOOLCHAIN_UNAVAILABLE = "toolchain.unavailable",
        "go could not download the toolchain go.mod asks for (no such release, or GOPROXY cannot serve golang.org/toolchain)",
        "check the go/toolchain line in go.mod, and that GOPROXY reaches a proxy that serves golang.org/toolchain";
    MODULES_OFF = "settings.go111module-off",
        "GO111MODULE=off turns modules off: go looks in GOPATH only",
        "godoctor env unset GO111MODULE";
    GOFLAGS_BAD = "settings.goflags",
        "GOFLAGS holds a flag go does not accept, so every go command fails",
        "remove the flag from GOFLAGS";
    VENDOR_MODE = "settings.goflags-vendor",
        "-mod=vendor makes go use only the vendor directory, which does not have this package",
        "go mod vendor (refresh vendor/), or remove -mod=vendor from GOFLAGS";
    UNKNOWN_REVISION = "version.unknown-revision",
        "the module's repository has no tag, branch or commit by that name (a typo, a tag not pushed yet, or one deleted)",
        "see which versions go can find: go list -m -versions MODULE; require one of them, or push the missing tag (git push origin TAG)";
    NO_MATCHING_VERSIONS = "version.no-match",
        "no version of the module that go can see matches the query (no tagged release fits: all pre-releases or retracted, or none tagged)",
        "see which versions go can find: go list -m -versions MODULE; ask for one of them (go get MODULE@VERSION) or for a commit (go get MODULE@COMMIT)";
    PACKAGE_NOT_IN_MODULE = "module.package-missing",
        "the module was found, but the version chosen has no package at the imported path (a typo, a package moved or removed, or one that lives in a nested module or a /vN major version)",
        "correct the import path to a package the module has at that version, or require a version that has it";
    MALFORMED_PATH = "module.path-malformed",
        "go refuses the module path as written: a path to download must start with a domain name (a dot in its first element), and every element must use go's allowed characters",
        "use the module's full path (host/owner/name); a local module without a domain is required through a replace directive: go mod edit -replace PATH=../DIR, then go get PATH";
    NOT_IN_STD = "gomod.not-in-std",
        "go looks up an import path whose first element has no dot in the standard library, and this one is not there: a mistyped path, a package of a newer Go release, or a package of your own module imported without the module path",
        "import your own packages by their full path (the module path of go.mod, then the directory); for a package of a newer Go, raise the go line of go.mod and let go fetch that release (GOTOOLCHAIN=auto)";
    GOMOD_NOT_FOUND = "gomod.not-found",
        "go runs in module mode and found no go.mod in this directory or any directory above it: it is not inside a module",
        "run go from your module's directory (the one with go.mod), or start a module there: go mod init example.com/yourmodule";
    PACKAGE_NOT_REQUIRED = "gomod.package-not-required",
        "the code imports a package that no module in go.mod's requirements provides; go adds requirements only when asked (go get, go mod tidy)",
        "go get PACKAGE (or go mod tidy, which adds every missing requirement); if that download fails, `godoctor explain -- go get PACKAGE` says why";
    ENV_FILE = "settings.envfile",
        "go cannot read or write its env file (GOENV)",
        "check the path and permissions of the go env file (`go env GOENV`)";
    PROXY_SLOW = "proxy.slow",
        "a proxy serves modules but slowly (a median of a second or more per request), and go pays that on every module it downloads",
        "put a nearer mirror first (`godoctor proxy rank` measures the known ones), or find out what slows this one";
    PROXY_HANG = "proxy.hang",
        "a server accepts connections and never answers; go's module client has no response deadline, so go waits there forever (no fall-back, even after '|')",
        "stop what holds the port (`godoctor port PORT --stop`) or start your proxy on a free port (`godoctor port --free`), then point GOPROXY at it";
    PORT_IN_USE = "port.in-use",
        "a program could not listen on a port because another socket already holds it (the same proxy started twice, a dev server, a container, another user's program)",
        "see what holds it: godoctor port PORT; then stop it (`godoctor port PORT --stop`) or start the program on a free port (`godoctor port --free`)";
    PORT_TAKEN = "port.taken",
        "something other than a Go module proxy holds the port of a local proxy in GOPROXY (a web server, a dev server, another user's program)",
        "stop what holds the port (`godoctor port PORT --stop`) or start your proxy on a free port (`godoctor port --free`), then point GOPROXY at it";
}

/// The fix for a toolchain go needs but cannot get: install it, or the settings change that
/// lets go download it (`check` and `explain` both say it this way).
pub fn toolchain_fix(needed: &str, command: &str) -> String {
    format!("install {needed} yourself, or let go download it: {command}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_dotted_lower_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ALL {
            assert!(c.id.contains('.'), "{}", c.id);
            assert_eq!(c.id.to_lowercase(), c.id);
            assert!(seen.insert(c.id), "duplicate {}", c.id);
        }
    }
}
