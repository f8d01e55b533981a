//! Shared integration-test harness: an isolated Go user ([`GoUser`]) that runs the built
//! `godoctor` binary and the real `go` with a cleaned environment and a deadline, plus in-memory
//! Go modules ([`modules`]) and a loopback Go module proxy with switchable misbehaviour
//! ([`proxy`]).
//!
//! [`sumdb`] is a tiny real checksum database (signed tree heads, lookups, tiles) for GOSUMDB
//! tests, and computes go's `h1:` hashes.
//!
//! It is compiled once, in the one test binary (`tests/it/main.rs`); a test module says
//! `use crate::common;`, and an unused helper is a warning like anywhere else (no
//! `allow(dead_code)`). Nothing here touches the test process's own environment: all variables
//! are set on the child `Command` only.
//!
//! ```ignore
//! use crate::common;
//! use common::{GoUser, modules::Module, proxy::GoProxy};
//!
//! let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
//! let user = GoUser::new().with_env("GOPROXY", proxy.url());
//! user.go(&["mod", "download", "-json", "example.com/hello@v1.0.0"]).assert_success();
//! let env = user.godoctor(&["env", "--json"]).assert_code(0).json();
//! ```

pub mod gosumdb;
pub mod modules;
pub mod profiles;
pub mod proxy;
pub mod pty;
pub mod snapshot;
pub mod sumdb;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// How long any child (godoctor, go, a fake program) may run before the harness kills its whole
/// process group and fails the test: a hang must fail CI, not stall it.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// The `godoctor` binary under test (built by cargo for integration tests).
pub fn godoctor_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_godoctor"))
}

/// The real `go` found on the test process's PATH (absolute path), or `None` if there is none.
///
/// `GODOCTOR_TEST_GO` (read from the test process; besides PATH the only variable the harness
/// reads there) can point at another `go` binary for the whole run.
pub fn real_go() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GODOCTOR_TEST_GO").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    which::which("go").ok()
}

/// The real `go`, or a panic that says how to fix the machine. Tests of godoctor's claims about
/// go need the real thing (the project's own subject), so it is never skipped.
pub fn require_go() -> PathBuf {
    real_go().expect("the real `go` must be on PATH for integration tests (see scripts/prereqs.sh)")
}

/// Whether this run is CI (`CI` set to anything but empty, `0` or `false`): there a missing
/// prerequisite fails the test instead of skipping it, so CI can never pass by skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// A program a test needs besides Rust and go: the first of `candidates` (an absolute path, or
/// a command name looked up on PATH) that exists. When none does, CI panics with how to install
/// it; elsewhere the test is skipped with one line on stderr saying what is missing and why
/// (`scripts/prereqs.sh` installs all of them). Use as
/// `let Some(nginx) = prerequisite(&["/usr/sbin/nginx"], "nginx-light", "a real port holder") else { return };`
pub fn prerequisite(candidates: &[&str], package: &str, why: &str) -> Option<PathBuf> {
    let found = candidates.iter().find_map(|c| {
        let p = Path::new(c);
        if p.is_absolute() {
            p.exists().then(|| p.to_path_buf())
        } else {
            which::which(c).ok()
        }
    });
    if found.is_none() {
        let msg = format!(
            "{} is missing (Debian package {package}; needed for {why}): run scripts/prereqs.sh",
            candidates.first().copied().unwrap_or(package)
        );
        if in_ci() {
            panic!("{msg}");
        }
        let test = std::thread::current()
            .name()
            .unwrap_or("a test")
            .to_string();
        // Straight to the process's stderr: the test harness captures eprintln! of a passing
        // test, and a skip must be seen.
        let _ = writeln!(std::io::stderr(), "skipped {test}: {msg}");
    }
    found
}

/// The environment variables [`GoUser::new`] sets besides the isolation paths, so that no test
/// reaches a public host by accident: no proxy, no checksum database, no toolchain download.
/// Override with [`GoUser::with_env`], remove with [`GoUser::without_env`] (provenance tests that
/// need go's built-in defaults), or start from [`GoUser::bare`].
pub const SAFE_DEFAULTS: &[(&str, &str)] = &[
    ("GOPROXY", "off"),
    ("GOSUMDB", "off"),
    ("GOTOOLCHAIN", "local"),
];

/// An isolated Go user: a temporary directory holding a HOME and everything go and godoctor
/// write, and the exact environment each child gets.
///
/// Layout (all inside [`GoUser::root`]):
/// - `home/` = `HOME`; `home/.config` = `XDG_CONFIG_HOME`; `home/.cache` = `XDG_CACHE_HOME`
/// - `home/.config/go/telemetry/mode` = `off` (no telemetry sidecar outliving the test)
/// - `home/.config/go/env`: the GOENV file (go's default location; `GOENV` itself is NOT set, so
///   go reports it as a default; set it with `with_env("GOENV", …)` to move it)
/// - `home/go` = `GOPATH`, `home/go/pkg/mod` = `GOMODCACHE`, `home/.cache/go-build` = `GOCACHE`:
///   these are exported explicitly (brief of issue 2); remove them with `without_env` to see
///   go's defaults, which point at the same places
/// - `godoctor/` = `GODOCTOR_HOME` (history, lock, user profiles)
/// - `bin/`: first on PATH; [`GoUser::fake_program`] writes scripts here
/// - `work/`: the default working directory (no go.mod above it)
///
/// The child environment is cleared, then gets: PATH (`bin/` + the test process's PATH),
/// the paths above, [`SAFE_DEFAULTS`], and whatever the test adds. Nothing else is inherited:
/// no GO*, no HTTP(S)_PROXY/NO_PROXY, no SSL_CERT_FILE.
///
/// On drop the directory is made writable (go's module cache is read-only) and removed.
pub struct GoUser {
    dir: Option<tempfile::TempDir>,
    root: PathBuf,
    env: BTreeMap<OsString, OsString>,
    cwd: PathBuf,
    go: Option<PathBuf>,
    timeout: Duration,
}

impl Default for GoUser {
    fn default() -> Self {
        Self::new()
    }
}

impl GoUser {
    /// An isolated user with [`SAFE_DEFAULTS`] (GOPROXY=off, GOSUMDB=off, GOTOOLCHAIN=local).
    pub fn new() -> Self {
        let mut user = Self::bare();
        for (k, v) in SAFE_DEFAULTS {
            user.env.insert((*k).into(), (*v).into());
        }
        user
    }

    /// An isolated user without [`SAFE_DEFAULTS`]: go's own defaults apply (GOPROXY is the public
    /// proxy!). Only for tests that never let go or godoctor touch the network, such as
    /// provenance tests of `godoctor env`.
    pub fn bare() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("godoctor-test-")
            .tempdir()
            .expect("create temp dir");
        // Canonical so paths compare equal to what go prints (e.g. /tmp symlinks on some systems).
        let root = dir.path().canonicalize().expect("canonicalize temp dir");
        let home = root.join("home");
        for d in [
            home.join(".config/go"),
            home.join(".cache"),
            root.join("godoctor"),
            root.join("bin"),
            root.join("work"),
        ] {
            std::fs::create_dir_all(&d).expect("create user dir");
        }
        // Telemetry off: otherwise go starts a detached sidecar that keeps writing under
        // $XDG_CONFIG_HOME/go/telemetry while the temp dir is being removed.
        std::fs::create_dir_all(home.join(".config/go/telemetry")).expect("create telemetry dir");
        std::fs::write(home.join(".config/go/telemetry/mode"), "off").expect("telemetry mode");
        let mut env = BTreeMap::new();
        let path = std::env::join_paths(std::iter::once(root.join("bin")).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH");
        let pairs: [(&str, OsString); 9] = [
            ("PATH", path),
            ("HOME", home.clone().into()),
            ("XDG_CONFIG_HOME", home.join(".config").into()),
            ("XDG_CACHE_HOME", home.join(".cache").into()),
            ("GOPATH", home.join("go").into()),
            ("GOMODCACHE", home.join("go/pkg/mod").into()),
            ("GOCACHE", home.join(".cache/go-build").into()),
            ("GODOCTOR_HOME", root.join("godoctor").into()),
            // Keep go's messages in English and stable.
            ("LC_ALL", "C".into()),
        ];
        for (k, v) in pairs {
            env.insert(k.into(), v);
        }
        GoUser {
            cwd: root.join("work"),
            dir: Some(dir),
            root,
            env,
            go: real_go(),
            timeout: CHILD_TIMEOUT,
        }
    }

    /// Set (or replace) a variable in every child's environment.
    pub fn with_env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .insert(key.as_ref().to_owned(), value.as_ref().to_owned());
        self
    }

    /// Remove a variable from every child's environment (e.g. `GOPROXY` to see go's default).
    pub fn without_env(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.remove(key.as_ref());
        self
    }

    /// In-place variant of [`GoUser::with_env`] for a user that is already bound.
    pub fn set_env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.env
            .insert(key.as_ref().to_owned(), value.as_ref().to_owned());
        self
    }

    /// In-place variant of [`GoUser::without_env`].
    pub fn unset_env(&mut self, key: impl AsRef<OsStr>) -> &mut Self {
        self.env.remove(key.as_ref());
        self
    }

    /// A safety net for tests that let go use the network: every non-loopback HTTP(S) request of
    /// a child goes to a proxy on a closed loopback port and fails with "proxyconnect … connection
    /// refused" (go never proxies loopback hosts, so the loopback [`proxy::GoProxy`] is still
    /// reached directly). Sets HTTP_PROXY, HTTPS_PROXY, and NO_PROXY=127.0.0.1,localhost,::1
    /// (for clients other than go that do proxy loopback by default). Use it when a test clears
    /// GOSUMDB=off or GOPROXY=off, so a go fallback to a public default cannot leave the machine.
    pub fn with_network_jail(self) -> Self {
        let dead = proxy::refused_url();
        self.with_env("HTTP_PROXY", &dead)
            .with_env("HTTPS_PROXY", &dead)
            .with_env("NO_PROXY", "127.0.0.1,localhost,::1")
    }

    /// "No go installed": PATH becomes `bin/` plus every directory of the test's PATH that has
    /// no `go` in it. [`GoUser::go`] still runs the real go (by absolute path).
    pub fn without_go_on_path(mut self) -> Self {
        let test_path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(self.bin_dir())
            .chain(std::env::split_paths(&test_path).filter(|d| !d.join("go").exists()));
        let path = std::env::join_paths(dirs).expect("PATH");
        self.env.insert("PATH".into(), path);
        self
    }

    /// Run children in `dir` (absolute, or relative to [`GoUser::root`]).
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = self.root.join(dir);
        self
    }

    /// Use this `go` binary for [`GoUser::go`] (e.g. an older Go installed beside the default).
    pub fn go_binary(mut self, go: impl Into<PathBuf>) -> Self {
        self.go = Some(go.into());
        self
    }

    /// GOCACHE in one directory shared by every test of the run (and later runs), for tests that
    /// compile Go code but do not look at the build cache: a fresh GOCACHE makes each of them
    /// compile the standard library packages it imports again, seconds of CPU each. go's build
    /// cache is safe for concurrent use and its content changes only speed, never an outcome.
    /// [`GoUser::gocache`] still names this user's own, unused, directory.
    pub fn with_shared_build_cache(self) -> Self {
        let shared = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-build");
        self.with_env("GOCACHE", shared)
    }

    /// Change the per-child deadline (default [`CHILD_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The temporary directory that holds everything of this user.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `HOME` of this user.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The directory put first on PATH (see [`GoUser::fake_program`]).
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    /// The default working directory (`work/`, empty, no go.mod).
    pub fn work_dir(&self) -> PathBuf {
        self.root.join("work")
    }

    /// `GODOCTOR_HOME` of this user.
    pub fn godoctor_home(&self) -> PathBuf {
        self.root.join("godoctor")
    }

    /// `GOMODCACHE` of this user (also go's default for it under this HOME).
    pub fn modcache(&self) -> PathBuf {
        self.home().join("go/pkg/mod")
    }

    /// `GOCACHE` of this user (also go's default for it under this HOME).
    pub fn gocache(&self) -> PathBuf {
        self.home().join(".cache/go-build")
    }

    /// The current value of a child variable, if set.
    pub fn env_var(&self, key: &str) -> Option<&OsStr> {
        self.env.get(OsStr::new(key)).map(OsString::as_os_str)
    }

    /// The GOENV file go uses for this user: `$GOENV` if the test set it (and it is not `off`),
    /// else `$XDG_CONFIG_HOME/go/env`.
    pub fn goenv_path(&self) -> PathBuf {
        match self.env_var("GOENV") {
            // go resolves a relative GOENV against its working directory.
            Some(p) if !p.is_empty() && p != "off" => self.cwd.join(p),
            _ => self.home().join(".config/go/env"),
        }
    }

    /// Write the GOENV file (creating its directory), e.g. `"GOPROXY=https://a\n"`.
    pub fn write_goenv(&self, text: &str) {
        let path = self.goenv_path();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create GOENV dir");
        }
        std::fs::write(&path, text).expect("write GOENV file");
    }

    /// The GOENV file's text, or `None` if it does not exist.
    pub fn read_goenv(&self) -> Option<String> {
        match std::fs::read_to_string(self.goenv_path()) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("read GOENV file {}: {e}", self.goenv_path().display()),
        }
    }

    /// Write `contents` to `rel` (relative to the working directory, see [`GoUser::cwd`]),
    /// creating directories; returns the absolute path. E.g. a go.mod for `go get` tests:
    /// `user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n")`.
    pub fn write_file(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.cwd.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// Write an executable shell script `bin/NAME` (first on PATH), e.g. a fake `go` that hangs
    /// (`"#!/bin/sh\nsleep 600\n"`) or a second go that shadows nothing. Returns its path.
    pub fn fake_program(&self, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin_dir().join(name);
        std::fs::write(&path, script).expect("write fake program");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// Run the godoctor binary under test with `args`.
    pub fn godoctor<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        self.run(godoctor_bin(), args, None)
    }

    /// Run godoctor with `input` on stdin (then closed), for interactive commands.
    pub fn godoctor_stdin<S: AsRef<OsStr>>(&self, args: &[S], input: &str) -> Run {
        self.run(godoctor_bin(), args, Some(input))
    }

    /// Run the real go (see [`real_go`], [`GoUser::go_binary`]) with `args`, in this user's
    /// environment. Panics if there is no go.
    pub fn go<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        let go = self.go.clone().unwrap_or_else(require_go);
        self.run(go, args, None)
    }

    /// `go env -json` of this user, parsed. Panics (with go's stderr) if go fails.
    pub fn go_env_json(&self) -> serde_json::Value {
        self.go(&["env", "-json"]).assert_success().json()
    }

    /// One value from `go env -json` (empty string if go reports none).
    pub fn go_env(&self, key: &str) -> String {
        self.go_env_json()[key]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Run any program in this user's environment and working directory, stdin closed (or fed
    /// `input`), output captured, killed with its whole process group after the deadline (the
    /// test then panics with what was captured).
    pub fn run<S: AsRef<OsStr>>(
        &self,
        program: impl AsRef<OsStr>,
        args: &[S],
        input: Option<&str>,
    ) -> Run {
        use std::os::unix::process::CommandExt;
        let program = program.as_ref();
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.cwd)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so a timeout kills grandchildren (go under godoctor) too and
            // the pipes close.
            .process_group(0);
        let display = std::iter::once(program)
            .chain(args.iter().map(AsRef::as_ref))
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{display}`: {e}"));
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            let text = text.to_owned();
            // A writer thread: a child that does not read stdin must not block the test.
            std::thread::spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        let out = reader(child.stdout.take());
        let err = reader(child.stderr.take());
        let status = match child.wait_timeout(self.timeout).expect("wait for child") {
            Some(s) => s,
            None => {
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                let stdout = collect(&out, Duration::from_secs(2));
                let stderr = collect(&err, Duration::from_secs(2));
                panic!(
                    "`{display}` did not finish within {:?} and was killed\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                    self.timeout
                );
            }
        };
        // A grandchild left running could hold the pipes open: wait a bounded time only.
        let stdout = collect(&out, Duration::from_secs(10));
        let stderr = collect(&err, Duration::from_secs(10));
        Run {
            command: display,
            status,
            stdout,
            stderr,
            elapsed: started.elapsed(),
        }
    }
}

impl Drop for GoUser {
    fn drop(&mut self) {
        // go's module cache is read-only; make it writable so TempDir can remove it.
        make_writable(&self.root);
        drop(self.dir.take());
    }
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    for entry in entries.flatten() {
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o755));
            make_writable(&entry.path());
        }
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

fn collect(rx: &mpsc::Receiver<Vec<u8>>, wait: Duration) -> String {
    match rx.recv_timeout(wait) {
        Ok(buf) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => String::from("<output not closed: a grandchild may still hold the pipe>"),
    }
}

fn kill_group(pid: u32) {
    // No libc (unsafe is denied): the kill(1) utility signals the process group.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// What a finished child produced. Assertion helpers panic with the full command, exit status,
/// stdout and stderr, so a failing test explains itself.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// The exit status.
    pub status: ExitStatus,
    /// Everything the child wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the child wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
}

impl Run {
    /// The exit code (`None` if killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Panic unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "unexpected exit code\n{self}");
        self
    }

    /// Panic unless the exit code is 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(self.success(), "expected success\n{self}");
        self
    }

    /// Panic unless the child failed (non-zero exit or a signal).
    #[track_caller]
    pub fn assert_failure(&self) -> &Self {
        assert!(!self.success(), "expected failure\n{self}");
        self
    }

    /// Panic unless stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self}"
        );
        self
    }

    /// Panic unless stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }

    /// stdout and stderr together (go's `-json` modes put errors on stdout, the rest on stderr).
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panic unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn assert_output_contains(&self, needle: &str) -> &Self {
        assert!(
            self.output().contains(needle),
            "output lacks {needle:?}\n{self}"
        );
        self
    }

    /// stdout parsed as one JSON value; panics (showing the output) if it is not.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value: {e}\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {} ({:?})\n--- stdout\n{}\n--- stderr\n{}",
            self.command, self.status, self.elapsed, self.stdout, self.stderr
        )
    }
}
