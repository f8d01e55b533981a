//! Running godoctor in a pseudo-terminal (rexpect), for what only happens on a terminal:
//! prompts, spinners, Esc and Ctrl-C. The child gets the isolated user's variables, as
//! [`super::GoUser::godoctor`] gives them, and nothing of the test process's environment.

use std::process::Command;

use rexpect::session::{PtySession, spawn_with_options};

use super::GoUser;

/// The variables [`GoUser`] gives its children, copied onto a pty child.
const PASSED: &[&str] = &[
    "PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "GOPATH",
    "GOMODCACHE",
    "GOCACHE",
    "GODOCTOR_HOME",
    "LC_ALL",
    "GOTOOLCHAIN",
    "GOPROXY",
    "GOSUMDB",
    "GOENV",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
];

/// `program` with a clean environment holding the user's variables and `TERM=xterm`, run in
/// the user's work directory.
pub fn command(user: &GoUser, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .current_dir(user.work_dir())
        .env("TERM", "xterm");
    for k in PASSED {
        if let Some(v) = user.env_var(k) {
            cmd.env(k, v);
        }
    }
    cmd
}

/// Start `cmd` on a pseudo-terminal (stdin, stdout and stderr all on it unless `cmd` itself
/// redirects). `strip_ansi`: drop escape sequences from what is read back.
pub fn spawn(cmd: Command, strip_ansi: bool) -> PtySession {
    let opts = rexpect::reader::Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(strip_ansi);
    spawn_with_options(cmd, opts).expect("start a child in a pty")
}
