//! One JSON shape per command, as README's "JSON output" section documents it: each command
//! runs with `--json` in an isolated user (loopback only) and its top-level fields must be
//! exactly the documented ones, so a field cannot appear, vanish or be renamed unnoticed.

use crate::common;

use common::GoUser;
use common::modules::Module;
use common::proxy::GoProxy;
use serde_json::Value;

/// The field names of a JSON object, sorted.
fn fields(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v:#}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// `godoctor --json ARGS` must exit `code` and print one object with exactly `want` fields.
#[track_caller]
fn shape(user: &GoUser, args: &[&str], code: i32, want: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = user.godoctor(&all);
    run.assert_code(code);
    let v = run.json();
    assert_eq!(fields(&v), sorted(want), "godoctor {}", all.join(" "));
    v
}

/// Like [`shape`] for a command that prints an array: every element has exactly `want`.
#[track_caller]
fn array_shape(user: &GoUser, args: &[&str], code: i32, want: &[&str]) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = user.godoctor(&all);
    run.assert_code(code);
    let v = run.json();
    let items = v.as_array().expect("a JSON array");
    assert!(!items.is_empty(), "godoctor {}: empty array", all.join(" "));
    for item in items {
        assert_eq!(fields(item), sorted(want), "godoctor {}", all.join(" "));
    }
}

const WRITE: &[&str] = &["goenv", "snapshot", "changed", "shadowed", "warnings"];

/// Every command's `--json`, in the order of README's "JSON output" table.
#[test]
fn every_command_prints_its_documented_shape() {
    let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
    let url = proxy.url();
    let port = proxy.port().to_string();
    let user = GoUser::new()
        .with_network_jail()
        .without_env("GOPROXY")
        .without_env("GOSUMDB");
    user.write_goenv(&format!("GOPROXY={url}\nGOSUMDB=off\n"));
    let module = "example.com/hello@v1.0.0";

    shape(
        &user,
        &["check", "--offline"],
        0,
        &[
            "version", "go", "headline", "summary", "problems", "sections", "checks", "fixes",
        ],
    );
    array_shape(&user, &["check", "--list"], 0, &["id", "about"]);
    let env = user.godoctor(&["--json", "env"]);
    env.assert_code(0);
    let env = env.json();
    for (name, entry) in env.as_object().expect("env object") {
        assert_eq!(
            fields(entry),
            sorted(&["value", "source", "file", "line", "problems"]),
            "{name}"
        );
    }
    shape(&user, &["env", "set", "GOFLAGS=-mod=mod"], 0, WRITE);
    shape(&user, &["env", "unset", "GOFLAGS"], 0, WRITE);
    shape(&user, &["undo"], 0, WRITE);
    array_shape(
        &user,
        &["proxy", "test", "--samples", "1", "--module", module, &url],
        0,
        &[
            "kind",
            "url",
            "ok",
            "status",
            "phases",
            "median_ms",
            "min_ms",
            "samples",
            "verdict",
            "severity",
            "diagnosis",
            "hint",
            "module",
            "not_found_status",
            "sumdb",
            "via_proxy",
            "walked",
        ],
    );
    let mirrors = user.write_file("mirrors.txt", format!("{url}\n"));
    array_shape(
        &user,
        &[
            "proxy",
            "rank",
            "--no-builtin",
            "--candidates",
            &mirrors.display().to_string(),
            "--samples",
            "1",
            "--module",
            module,
        ],
        0,
        &[
            "rank",
            "url",
            "name",
            "ok",
            "verdict",
            "median_ms",
            "min_ms",
            "fastest",
            "current",
            "proxies_sumdb",
            "diagnosis",
            "hint",
        ],
    );
    shape(
        &user,
        &["route", module],
        0,
        &[
            "module",
            "version",
            "query",
            "escaped_path",
            "escaped_version",
            "patterns",
            "sources",
            "sumdb",
            "vcs",
            "findings",
            "steps",
            "requests",
            "served_by",
            "stop",
            "ok",
            "error",
        ],
    );
    shape(
        &user,
        &["cache"],
        0,
        &[
            "path",
            "exists",
            "files",
            "apparent_bytes",
            "disk_bytes",
            "modules",
            "versions",
            "download_bytes",
            "extracted_bytes",
            "vcs_bytes",
            "largest",
            "free_bytes",
            "writable",
            "read_only_fs",
            "dirs",
            "symlinks",
            "download",
            "extracted_trees",
            "vcs_repos",
            "other_bytes",
            "toolchains",
            "many_versions",
            "many_versions_modules",
            "many_versions_reclaimable",
            "issues",
            "build_cache",
            "index",
            "findings",
        ],
    );
    shape(
        &user,
        &["cache", "prune", "--keep", "1"],
        0,
        &[
            "path",
            "exists",
            "dry_run",
            "keep",
            "older_than_seconds",
            "required_from",
            "plan",
            "result",
            "issues",
        ],
    );
    shape(
        &user,
        &["cache", "clean", "--dry-run"],
        0,
        &[
            "path",
            "exists",
            "dry_run",
            "files",
            "disk_bytes",
            "removed",
        ],
    );
    let list = shape(
        &user,
        &["profile", "list"],
        0,
        &["dir", "profiles", "broken"],
    );
    for row in list["profiles"].as_array().expect("profiles") {
        let want = [
            "name",
            "aliases",
            "description",
            "origin",
            "active",
            "same_settings",
            "variables",
        ];
        assert_eq!(fields(row), sorted(&want));
    }
    shape(
        &user,
        &["profile", "show", "cn"],
        0,
        &[
            "name",
            "description",
            "aliases",
            "origin",
            "set",
            "unset",
            "variables",
            "active",
        ],
    );
    shape(
        &user,
        &["profile", "diff", "cn"],
        0,
        &["profile", "goenv", "rows", "missing", "warnings"],
    );
    let apply = [
        "profile", "goenv", "dry_run", "applied", "rows", "warnings", "check", "snapshot",
        "changed", "shadowed",
    ];
    let dry = shape(&user, &["profile", "apply", "cn", "--dry-run"], 0, &apply);
    let written = shape(&user, &["profile", "apply", "cn", "--yes"], 0, &apply);
    assert_eq!(
        (&dry["applied"], &written["applied"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    shape(
        &user,
        &["profile", "save", "mine"],
        0,
        &["name", "path", "set", "unset", "from_env", "secrets"],
    );
    shape(
        &user,
        &["profile", "export", "cn"],
        0,
        &["profile", "format", "values", "text"],
    );
    shape(
        &user,
        &["port", &port],
        0,
        &[
            "port",
            "url",
            "go",
            "in_use",
            "sockets",
            "owners_available",
            "family",
            "answer",
            "elsewhere",
        ],
    );
    shape(&user, &["port", "--free"], 0, &["port"]);
    let closed = common::proxy::closed_port().to_string();
    shape(
        &user,
        &["port", &closed, "--wait-held", "--timeout", "1s"],
        1,
        &["port", "reached", "seconds"],
    );
    shape(
        &user,
        &[
            "explain",
            "go: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off",
        ],
        0,
        &["diagnoses", "unexplained"],
    );
}
