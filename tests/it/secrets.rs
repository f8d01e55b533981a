//! The secrets sweep (issue 13 items 3 and 4): every command and output format (explain given
//! go's error with the password in its URL, as a user pastes it), with a
//! credential in each place go reads one from, against loopback servers. No secret may appear on
//! stdout or stderr, nor in any file godoctor writes that others may read (mode other than 0600).
//!
//! Every secret contains the marker `S3cr3t`; each is built so that a redactor keyed on a
//! character class would miss it (`'` and the other characters a URL userinfo allows).

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::modules::Module;
use common::proxy::GoProxy;
use common::{GoUser, Run};

const MARK: &str = "s3cr3t";
/// A proxy password with every kind of character a userinfo may hold.
const PROXY_PASS: &str = "x'y-S3cr3t!$&()*+;=~._";
const SUMDB_PASS: &str = "sum'S3cr3t";
const HTTPS_PROXY_PASS: &str = "hp'S3cr3t";
const NETRC_PASS: &str = "netrc'S3cr3t";
const GOAUTH: &str = "/bin/true --token=authS3cr3t argS3cr3t";
const GOFLAGS: &str = "-ldflags=-X=main.apiToken=flagS3cr3t";

fn with_userinfo(url: &str, user: &str, pass: &str) -> String {
    url.replacen("://", &format!("://{user}:{pass}@"), 1)
}

/// Fail with the command and where the secret showed.
fn assert_clean(run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if let Some(pos) = text.to_lowercase().find(MARK) {
            let from = text[..pos].rfind('\n').map_or(0, |i| i + 1);
            let to = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            panic!(
                "a secret leaked on {stream} of `{}`: {:?}\n{run}",
                run.command,
                &text[from..to]
            );
        }
    }
}

/// Files under `dir` holding a secret that are readable by others than their owner.
fn readable_secret_files(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            readable_secret_files(&path, out);
        } else if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if String::from_utf8_lossy(&bytes)
                .to_lowercase()
                .contains(MARK)
            {
                out.push(format!(
                    "{} ({:o})",
                    path.display(),
                    meta.permissions().mode() & 0o777
                ));
            }
        }
    }
}

/// Every command and format worth running, as argument lists.
fn commands(candidates: &str, go_error: &str) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<&str>> = vec![
        vec!["env"],
        vec!["env", "--json"],
        vec!["env", "-v"],
        vec!["check", "--timeout", "2s"],
        vec!["check", "-v", "--timeout", "2s"],
        vec!["check", "--json", "--timeout", "2s"],
        vec!["check", "-v", "--offline"],
        vec!["proxy", "test", "--timeout", "2s"],
        vec!["proxy", "test", "--json", "--timeout", "2s"],
        vec!["route", "example.com/hello"],
        vec!["route", "--json", "example.com/hello"],
        vec!["route", "--probe", "--timeout", "2s", "example.com/hello"],
        vec![
            "route",
            "--probe",
            "--json",
            "--timeout",
            "2s",
            "example.com/hello",
        ],
        vec!["profile", "save", "mine"],
        vec!["profile", "save", "--force", "--json", "mine"],
        vec!["profile", "show", "mine"],
        vec!["profile", "show", "--json", "mine"],
        vec!["profile", "diff", "mine"],
        vec!["profile", "diff", "--json", "mine"],
        vec!["profile", "diff", "corporate"],
        vec!["profile", "list"],
        vec!["profile", "list", "--json"],
        vec!["profile", "apply", "--dry-run", "mine"],
        vec!["profile", "apply", "--dry-run", "--json", "mine"],
        vec!["profile", "export", "mine"],
        vec!["profile", "export", "--format", "github-actions", "mine"],
        vec!["check", "--format", "markdown", "--timeout", "2s"],
        vec!["explain", "--timeout", "2s", go_error],
        vec!["explain", "--json", "--offline", go_error],
        vec![
            "proxy",
            "rank",
            "--no-builtin",
            "--samples",
            "1",
            "--timeout",
            "2s",
            "--candidates",
            candidates,
        ],
        vec![
            "proxy",
            "rank",
            "--json",
            "--no-builtin",
            "--samples",
            "1",
            "--timeout",
            "2s",
            "--candidates",
            candidates,
        ],
        vec!["cache"],
        vec!["cache", "--json"],
        vec!["port", "--free"],
        vec!["env", "set", "GOPRIVATE=private.example"],
        vec!["env", "set", "--json", "GONOSUMDB=private.example"],
        vec!["undo", "--json"],
        vec!["undo"],
        vec![
            "setup",
            "--no-builtin",
            "--timeout",
            "2s",
            "--candidates",
            candidates,
        ],
        vec![
            "setup",
            "--no-builtin",
            "--json",
            "--timeout",
            "2s",
            "--candidates",
            candidates,
        ],
    ];
    all.iter_mut()
        .map(|c| {
            let mut v = vec!["--color".to_string(), "never".to_string()];
            v.extend(c.drain(..).map(String::from));
            v
        })
        .collect()
}

fn sweep(in_file: bool) {
    let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
    proxy.set_basic_auth(Some(("u", PROXY_PASS)));
    let sumdb = GoProxy::start(vec![]);
    let key = common::sumdb::SumDb::new("sum.example").verifier_key();
    let dead = common::proxy::refused_url();
    let settings = [
        ("GOPROXY", with_userinfo(&proxy.url(), "u", PROXY_PASS)),
        (
            "GOSUMDB",
            format!("{key} {}", with_userinfo(&sumdb.url(), "u", SUMDB_PASS)),
        ),
        ("GOAUTH", GOAUTH.to_string()),
        ("GOFLAGS", GOFLAGS.to_string()),
    ];
    let mut user = GoUser::new()
        .with_env("HTTPS_PROXY", with_userinfo(&dead, "pu", HTTPS_PROXY_PASS))
        .with_env("NO_PROXY", "127.0.0.1,localhost,::1");
    if in_file {
        user.unset_env("GOPROXY").unset_env("GOSUMDB");
        let text: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        user.write_goenv(&text);
    } else {
        for (k, v) in &settings {
            user.set_env(k, v);
        }
    }
    let netrc = user.home().join(".netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1 login u password {NETRC_PASS}\n"),
    )
    .expect("netrc");
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let candidates = user.root().join("candidates.txt");
    std::fs::write(
        &candidates,
        format!("{}\n", with_userinfo(&proxy.url(), "u", PROXY_PASS)),
    )
    .expect("candidates");
    let mut ran = 0;
    // go's own error text, as a user pastes it, with the proxy's password in the URL.
    let go_error = format!(
        "go: example.com/hello@v1.0.0: reading {}/example.com/hello/@v/v1.0.0.info: 401 Unauthorized",
        with_userinfo(&proxy.url(), "u", PROXY_PASS)
    );
    for args in commands(&candidates.display().to_string(), &go_error) {
        let run = user.godoctor(&args);
        assert!(
            run.code().is_some_and(|c| c <= 2),
            "`{}` did not finish normally: {run}",
            run.command
        );
        assert_clean(&run);
        ran += 1;
    }
    // The GOAUTH write path too: the value shows, its arguments do not.
    let run = user.godoctor(&["env", "set", &format!("GOAUTH={GOAUTH} moreS3cr3t")]);
    assert_clean(&run);
    assert_clean(&user.godoctor(&["undo"]));
    assert!(ran > 20);
    // The credentials were really used, so the paths that handle them were exercised.
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.header("authorization").is_some()),
        "no command sent the proxy's credentials"
    );
    let mut files = Vec::new();
    readable_secret_files(&user.godoctor_home(), &mut files);
    readable_secret_files(&user.work_dir(), &mut files);
    assert!(
        files.is_empty(),
        "secrets written to files others can read: {files:?}"
    );
}

#[test]
fn no_secret_printed_when_the_go_env_file_holds_them() {
    sweep(true);
}

#[test]
fn no_secret_printed_when_the_environment_holds_them() {
    sweep(false);
}
