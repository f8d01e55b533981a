//! The reference checksum database: tests/sumdbserver (golang.org/x/mod/sumdb, the code behind
//! sum.golang.org) on 127.0.0.1, signed by a fresh key, records computed from the modules a loopback
//! [`GoProxy`] serves. Complements the in-process [`super::sumdb::SumDb`] with the real implementation.
//!
//! ```ignore
//! let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
//! let db = GoSumDb::start(&proxy);
//! let user = GoUser::new().with_env("GOPROXY", proxy.url()).with_env("GOSUMDB", db.gosumdb());
//! ```
//!
//! [`GoProxy`]: super::proxy::GoProxy

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use super::proxy::GoProxy;

/// The database name: `localhost/…` so that the direct URL go derives from it
/// (`https://localhost/sumdb-test`) stays on this machine.
pub const NAME: &str = "localhost/sumdb-test";

/// A running checksum database; stopped when dropped.
pub struct GoSumDb {
    child: Child,
    _stdin: Option<ChildStdin>,
    /// Its verifier key (`NAME+hash+key`).
    pub vkey: String,
    /// A well-formed key with the same name but another public key.
    pub other_key: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl GoSumDb {
    /// Start a database whose records come from `proxy`'s modules.
    pub fn start(proxy: &GoProxy) -> GoSumDb {
        let bin = server_binary();
        let mut child = Command::new(bin)
            .args(["-name", NAME, "-proxy", &proxy.url()])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/sumdbserver");
        let stdout = child.stdout.take().expect("sumdbserver stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut field = |prefix: &str| {
            let line = lines
                .next()
                .and_then(Result::ok)
                .unwrap_or_else(|| panic!("sumdbserver did not print {prefix}"));
            line.strip_prefix(prefix)
                .unwrap_or_else(|| panic!("sumdbserver printed {line:?}, expected {prefix}"))
                .to_string()
        };
        let vkey = field("VKEY ");
        let other_key = field("OTHERKEY ");
        let url = field("URL ");
        let stdin = child.stdin.take();
        GoSumDb {
            child,
            _stdin: stdin,
            vkey,
            other_key,
            url,
        }
    }

    /// GOSUMDB naming this database by key and explicit URL (go bypasses proxies then).
    pub fn gosumdb(&self) -> String {
        format!("{} {}", self.vkey, self.url)
    }

    /// GOSUMDB pointing at the tampered view (`/latest` altered after signing).
    pub fn gosumdb_tampered(&self) -> String {
        format!("{} {}/tampered", self.vkey, self.url)
    }

    /// GOSUMDB pointing at one of the server's altered views: `badtile` (a byte of every hash
    /// tile flipped), `forged` (each lookup's record lines swapped: the served module's hashes,
    /// but not the record in the signed tree), `notile` (tiles answer 404).
    pub fn gosumdb_view(&self, view: &str) -> String {
        format!("{} {}/{view}", self.vkey, self.url)
    }

    /// GOSUMDB with the wrong key for this database.
    pub fn gosumdb_wrong_key(&self) -> String {
        format!("{} {}", self.other_key, self.url)
    }
}

impl Drop for GoSumDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Build tests/sumdbserver once per test binary (x/mod comes from the module cache that
/// scripts/prereqs.sh filled; GOPROXY=off so a build never reaches the network).
pub fn server_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sumdbserver");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sumdbserver-{}", std::process::id()));
        let mut cmd = Command::new(super::require_go());
        cmd.args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(&src)
            .env_clear();
        for k in [
            "PATH",
            "HOME",
            "GOPATH",
            "GOMODCACHE",
            "GOCACHE",
            "XDG_CACHE_HOME",
        ] {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        let built = cmd
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .env("GOWORK", "off")
            .output()
            .expect("run go build");
        assert!(
            built.status.success(),
            "building tests/sumdbserver failed (run scripts/prereqs.sh first):\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        out
    })
}
