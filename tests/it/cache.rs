//! `godoctor cache`, `cache prune`, `cache clean` against module caches filled by the real
//! `go mod download` from a loopback proxy; totals checked against `du` and `find`.

use crate::common;

use std::path::Path;

use common::GoUser;
use common::modules::Module;
use common::proxy::GoProxy;

fn lib(version: &str, go_mod: &str) -> Module {
    Module::new("example.com/lib", version)
        .with_go_mod(go_mod)
        .file(
            "lib.go",
            format!("package lib\n\nfunc Version() string {{ return \"{version}\" }}\n"),
        )
}

/// lib v1.0.0..v1.2.0 (v1.2.0 requires dep v1.0.0), dep v1.0.0/v1.1.0, and a module with upper
/// case. The app built from them is a `go 1.16` module, whose module graph is not pruned: go
/// reads dep v1.0.0's go.mod to build it although it selects dep v1.1.0.
fn modules() -> Vec<Module> {
    vec![
        lib("v1.0.0", "module example.com/lib\n\ngo 1.16\n"),
        lib("v1.1.0", "module example.com/lib\n\ngo 1.16\n"),
        lib(
            "v1.2.0",
            "module example.com/lib\n\ngo 1.16\n\nrequire example.com/dep v1.0.0\n",
        ),
        Module::new("example.com/dep", "v1.0.0"),
        Module::new("example.com/dep", "v1.1.0"),
        Module::new("example.com/Upper/thing", "v0.1.0"),
    ]
}

const APP_GO_MOD: &str = "module example.com/app\n\ngo 1.16\n\nrequire (\n\texample.com/lib v1.2.0\n\texample.com/dep v1.1.0\n)\n";
/// A library package: building it needs the dependencies' sources but no standard library, so
/// a fresh GOCACHE builds it in a moment.
const APP_SRC: &str = "package app\n\nimport (\n\t\"example.com/lib\"\n\t_ \"example.com/dep\"\n)\n\nvar V = lib.Version()\n";

/// A user whose module cache holds every version in [`modules`], plus an app in `work/app`
/// whose go.sum is complete.
fn populated(proxy: &GoProxy) -> GoUser {
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .timeout(std::time::Duration::from_secs(240));
    let specs: Vec<String> = modules().iter().map(Module::spec).collect();
    let mut args = vec!["mod".to_string(), "download".to_string()];
    args.extend(specs);
    user.go(&args).assert_success();
    user.write_file("app/go.mod", APP_GO_MOD);
    user.write_file("app/app.go", APP_SRC);
    user.clone_in("app").go(&["mod", "tidy"]).assert_success();
    user
}

trait InDir {
    fn clone_in(&self, rel: &str) -> GoUserRef<'_>;
}

/// Runs commands of a [`GoUser`] in a subdirectory of its working directory.
struct GoUserRef<'a> {
    user: &'a GoUser,
    dir: std::path::PathBuf,
}

impl InDir for GoUser {
    fn clone_in(&self, rel: &str) -> GoUserRef<'_> {
        GoUserRef {
            user: self,
            dir: self.work_dir().join(rel),
        }
    }
}

impl GoUserRef<'_> {
    fn sh(&self, line: &str, env: &[(&str, &str)]) -> common::Run {
        let mut script = format!("cd '{}' && ", self.dir.display());
        for (k, v) in env {
            script.push_str(&format!("{k}='{v}' "));
        }
        script.push_str(line);
        self.user.run("sh", &["-c", &script], None)
    }
    fn go(&self, args: &[&str]) -> common::Run {
        self.sh(&format!("go {}", args.join(" ")), &[])
    }
    fn godoctor(&self, args: &[&str]) -> common::Run {
        let bin = common::godoctor_bin();
        self.sh(&format!("'{}' {}", bin.display(), args.join(" ")), &[])
    }
}

fn du(user: &GoUser, flags: &str, dir: &Path) -> u64 {
    let out = user.run(
        "du",
        &[flags, "-s", dir.to_str().expect("utf-8 path")],
        None,
    );
    out.assert_success();
    out.stdout
        .split_whitespace()
        .next()
        .expect("du output")
        .parse()
        .expect("du number")
}

fn find_files(user: &GoUser, dir: &Path) -> u64 {
    let out = user.run(
        "find",
        &[dir.to_str().expect("utf-8 path"), "-type", "f"],
        None,
    );
    out.assert_success();
    out.stdout.lines().count() as u64
}

#[test]
fn counts_of_a_real_cache_equal_du_and_find() {
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let mc = user.modcache();
    // A hard link and a symbolic link loop: du counts the inode once and follows nothing.
    std::fs::create_dir_all(mc.join("cache/extra")).expect("mkdir");
    std::fs::write(mc.join("cache/extra/big"), vec![7u8; 50_000]).expect("write");
    std::fs::hard_link(mc.join("cache/extra/big"), mc.join("cache/extra/big2")).expect("link");
    std::os::unix::fs::symlink("..", mc.join("cache/extra/loop")).expect("symlink");

    let run = user.godoctor(&["cache", "--json"]);
    run.assert_code(0);
    let j = run.json();
    assert_eq!(j["path"].as_str(), mc.to_str());
    assert_eq!(j["exists"], true);
    assert_eq!(j["files"].as_u64(), Some(find_files(&user, &mc)));
    assert_eq!(j["disk_bytes"].as_u64(), Some(du(&user, "-B1", &mc)));
    assert_eq!(j["apparent_bytes"].as_u64(), Some(du(&user, "-b", &mc)));
    assert_eq!(j["modules"], 3);
    assert_eq!(j["versions"], 6);
    assert_eq!(j["extracted_trees"], 6);
    assert_eq!(j["symlinks"], 1);
    let extracted = du(&user, "-B1", &mc.join("example.com/lib@v1.0.0"));
    assert!(j["extracted_bytes"].as_u64().expect("extracted") >= 6 * extracted.min(4096));
    assert!(j["download"]["zip_bytes"].as_u64().expect("zip") > 0);
    let largest: Vec<&str> = j["largest"]
        .as_array()
        .expect("largest")
        .iter()
        .filter_map(|m| m["module"].as_str())
        .collect();
    assert!(
        largest.contains(&"example.com/Upper/thing"),
        "case-decoded: {largest:?}"
    );
    assert_eq!(
        largest[0], "example.com/lib",
        "three versions make it the largest"
    );
    assert!(j["free_bytes"].as_u64().expect("free") > 0);
    assert_eq!(j["build_cache"]["path"].as_str(), user.gocache().to_str());

    let text = user.godoctor(&["cache"]);
    text.assert_code(0)
        .assert_stdout_contains("Module cache")
        .assert_stdout_contains("example.com/lib");
}

#[test]
fn prune_keep_1_keeps_what_the_module_needs_and_go_builds_offline() {
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let mc = user.modcache();
    // Checksum database caches must survive any prune.
    std::fs::create_dir_all(mc.join("cache/download/sumdb/sum.example/lookup")).expect("mkdir");
    std::fs::write(mc.join("cache/download/sumdb/sum.example/lookup/x"), "note").expect("write");
    std::fs::create_dir_all(user.home().join("go/pkg/sumdb")).expect("mkdir");
    std::fs::write(user.home().join("go/pkg/sumdb/latest"), "tree").expect("write");
    let app = user.clone_in("app");
    let before = du(&user, "-B1", &mc);

    // Dry run (the default): the plan, and nothing removed.
    let dry = app.godoctor(&["cache", "prune", "--keep", "1", "--json"]);
    dry.assert_code(0);
    let plan = dry.json();
    assert_eq!(plan["dry_run"], true);
    assert!(
        plan["required_from"]
            .as_str()
            .expect("go.mod")
            .ends_with("app/go.mod")
    );
    let planned: Vec<String> = plan["plan"]["remove"]
        .as_array()
        .expect("remove")
        .iter()
        .map(|p| {
            format!(
                "{}@{} {}",
                p["module"].as_str().unwrap_or(""),
                p["version"].as_str().unwrap_or(""),
                p["removal"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            "example.com/dep@v1.0.0 keep-mod-file",
            "example.com/lib@v1.0.0 whole",
            "example.com/lib@v1.1.0 whole"
        ],
        "go.sum of the app lists only dep v1.0.0's go.mod"
    );
    assert_eq!(du(&user, "-B1", &mc), before, "a dry run removes nothing");
    assert!(mc.join("example.com/lib@v1.0.0").is_dir());

    let real = app.godoctor(&["cache", "prune", "--keep", "1", "--yes", "--json"]);
    real.assert_code(0);
    let done = real.json();
    assert_eq!(done["result"]["removed"], 3);
    assert!(done["result"]["freed_bytes"].as_u64().expect("freed") > 0);
    assert!(!mc.join("example.com/lib@v1.0.0").exists());
    assert!(!mc.join("example.com/lib@v1.1.0").exists());
    assert!(!mc.join("example.com/dep@v1.0.0").exists());
    assert!(
        !mc.join("cache/download/example.com/lib/@v/v1.0.0.zip")
            .exists()
    );
    assert!(
        !mc.join("cache/download/example.com/lib/@v/v1.0.0.mod")
            .exists()
    );
    assert!(
        mc.join("cache/download/example.com/dep/@v/v1.0.0.mod")
            .exists()
    );
    assert!(
        !mc.join("cache/download/example.com/dep/@v/v1.0.0.zip")
            .exists()
    );
    assert!(mc.join("example.com/lib@v1.2.0/lib.go").exists());
    assert!(
        mc.join("cache/download/sumdb/sum.example/lookup/x")
            .exists()
    );
    assert!(user.home().join("go/pkg/sumdb/latest").exists());
    let list =
        std::fs::read_to_string(mc.join("cache/download/example.com/lib/@v/list")).expect("list");
    assert_eq!(list, "v1.2.0\n");
    assert!(du(&user, "-B1", &mc) < before);

    // The real go builds and verifies the app without any network, from what was kept.
    let offline = [("GOPROXY", "off"), ("GOFLAGS", "-mod=mod")];
    app.sh("go build ./... && go list -m all", &offline)
        .assert_success()
        .assert_stdout_contains("example.com/lib v1.2.0");
    app.sh("go mod verify", &offline)
        .assert_success()
        .assert_stdout_contains("all modules verified");

    // A pruned version comes back cleanly from the proxy.
    proxy.clear_log();
    user.go(&["mod", "download", "-json", "example.com/lib@v1.0.0"])
        .assert_success();
    assert!(
        proxy
            .paths()
            .iter()
            .any(|p| p.ends_with("/example.com/lib/@v/v1.0.0.zip")),
        "{:?}",
        proxy.paths()
    );
    assert!(mc.join("example.com/lib@v1.0.0/lib.go").exists());
    let list =
        std::fs::read_to_string(mc.join("cache/download/example.com/lib/@v/list")).expect("list");
    assert_eq!(list, "v1.0.0\nv1.2.0\n");
}

#[test]
fn without_keep_required_the_offline_build_loses_a_go_mod_it_needs() {
    // The counterpart of the test above: what --keep-required protects is really needed by go.
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let app = user.clone_in("app");
    let run = app.godoctor(&[
        "cache",
        "prune",
        "--keep",
        "1",
        "--no-keep-required",
        "--yes",
        "--json",
    ]);
    run.assert_code(0);
    assert!(run.json()["required_from"].is_null());
    assert!(
        !user
            .modcache()
            .join("cache/download/example.com/dep/@v/v1.0.0.mod")
            .exists()
    );
    let offline = [("GOPROXY", "off"), ("GOFLAGS", "-mod=mod")];
    let build = app.sh("go build ./...", &offline);
    build.assert_failure();
    assert!(
        build.stderr.contains("example.com/dep@v1.0.0"),
        "{}",
        build.stderr
    );
}

#[test]
fn older_than_uses_last_use_times() {
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let mc = user.modcache();
    let recent = user.godoctor(&["cache", "prune", "--older-than", "30d", "--json"]);
    recent.assert_code(0);
    assert_eq!(
        recent.json()["plan"]["remove"].as_array().map(Vec::len),
        Some(0),
        "everything was just used"
    );
    // Age one version: its download files and its tree root.
    let mut old: Vec<String> = ["info", "mod", "zip", "ziphash"]
        .iter()
        .map(|e| {
            mc.join(format!("cache/download/example.com/lib/@v/v1.1.0.{e}"))
                .display()
                .to_string()
        })
        .collect();
    old.push(mc.join("example.com/lib@v1.1.0").display().to_string());
    let mut args = vec!["-h".to_string(), "-d".to_string(), "2020-01-01".to_string()];
    args.extend(old);
    user.run("touch", &args, None).assert_success();
    let aged = user.godoctor(&["cache", "prune", "--older-than", "30d", "--yes", "--json"]);
    aged.assert_code(0);
    let removed: Vec<String> = aged.json()["plan"]["remove"]
        .as_array()
        .expect("remove")
        .iter()
        .map(|p| p["version"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(removed, ["v1.1.0"]);
    assert!(!mc.join("example.com/lib@v1.1.0").exists());
    assert!(mc.join("example.com/lib@v1.0.0").exists());
}

#[test]
fn a_missing_cache_is_normal() {
    let user = GoUser::new();
    let j = user.godoctor(&["cache", "--json"]).assert_code(0).json();
    assert_eq!(j["exists"], false);
    assert_eq!(j["files"], 0);
    assert_eq!(j["findings"][0]["code"], "cache.missing");
    user.godoctor(&["cache"])
        .assert_code(0)
        .assert_stdout_contains("does not exist yet");
    user.godoctor(&["cache", "prune", "--keep", "1", "--yes"])
        .assert_code(0)
        .assert_stdout_contains("nothing to prune");
    user.godoctor(&["cache", "clean", "--yes"])
        .assert_code(0)
        .assert_stdout_contains("nothing to clean");
}

#[test]
fn clean_shows_asks_and_runs_go_clean_modcache() {
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let mc = user.modcache();
    let bytes = du(&user, "-B1", &mc);
    let dry = user
        .godoctor(&["cache", "clean", "--dry-run", "--json"])
        .assert_code(0)
        .json();
    assert_eq!(dry["removed"], false);
    assert_eq!(dry["disk_bytes"].as_u64(), Some(bytes));
    assert!(mc.join("example.com/lib@v1.0.0").is_dir());
    // No terminal and no --yes: refuse, with a hint.
    let refused = user.godoctor(&["cache", "clean"]);
    refused.assert_code(2).assert_stderr_contains("--yes");
    assert!(mc.join("example.com/lib@v1.0.0").is_dir());
    user.godoctor(&["cache", "clean", "--yes"])
        .assert_code(0)
        .assert_stdout_contains("removed");
    assert!(
        !mc.join("example.com").exists(),
        "go clean -modcache emptied the cache"
    );
}

#[test]
fn prune_needs_a_rule_and_a_valid_duration() {
    let user = GoUser::new();
    user.godoctor(&["cache", "prune"]).assert_code(2);
    user.godoctor(&["cache", "prune", "--older-than", "90"])
        .assert_code(2)
        .assert_stderr_contains("unit");
    user.godoctor(&["cache", "prune", "--keep", "1", "--keep-required"])
        .assert_code(2)
        .assert_stderr_contains("no go.mod");
}

/// A tree that everyone may read, for runs as another user.
fn shared_tree() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for rel in [
        "example.com/open@v1.0.0/a.go",
        "example.com/open@v1.0.0/b.go",
        "example.com/secret@v1.0.0/c.go",
    ] {
        let p = t.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, "package x\n").expect("write");
    }
    for d in ["example.com", "example.com/open@v1.0.0"] {
        std::fs::set_permissions(t.path().join(d), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    std::fs::set_permissions(
        t.path().join("example.com/secret@v1.0.0"),
        std::fs::Permissions::from_mode(0o000),
    )
    .expect("chmod");
    t
}

#[test]
fn permission_denied_subtrees_are_counted_and_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let user = GoUser::new();
    let tree = shared_tree();
    let root = tree.path().to_str().expect("utf-8").to_string();
    let bin = common::godoctor_bin();
    // root reads everything, so run godoctor as an unprivileged user to make the denial real.
    let is_root = user.run("id", &["-u"], None).stdout.trim() == "0";
    let run = if is_root {
        let mut args: Vec<String> = ["--reuid=65534", "--regid=65534", "--clear-groups", "--"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(bin.display().to_string());
        args.extend(["cache", "--json", "--path", &root].map(String::from));
        user.run("setpriv", &args, None)
    } else {
        user.run(&bin, &["cache", "--json", "--path", &root], None)
    };
    std::fs::set_permissions(
        tree.path().join("example.com/secret@v1.0.0"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod back");
    run.assert_code(1);
    let j = run.json();
    assert_eq!(j["issues"]["unreadable"], 1, "{j}");
    assert_eq!(j["files"], 2, "the readable files are still counted");
    assert_eq!(
        j["versions"], 2,
        "the unreadable version's directory itself was seen"
    );
    assert_eq!(j["findings"][0]["code"], "cache.unreadable");
    assert!(
        j["issues"]["samples"][0]["path"]
            .as_str()
            .expect("path")
            .ends_with("secret@v1.0.0")
    );
}

#[test]
fn symlink_loops_are_counted_not_followed() {
    let user = GoUser::new();
    let mc = user.modcache();
    std::fs::create_dir_all(mc.join("example.com/m@v1.0.0/sub")).expect("mkdir");
    std::fs::write(mc.join("example.com/m@v1.0.0/sub/x.go"), "package x\n").expect("write");
    std::os::unix::fs::symlink("..", mc.join("example.com/m@v1.0.0/sub/up")).expect("symlink");
    std::os::unix::fs::symlink("self", mc.join("example.com/m@v1.0.0/self")).expect("symlink");
    std::os::unix::fs::symlink(&mc, mc.join("example.com/root")).expect("symlink");
    let j = user.godoctor(&["cache", "--json"]).assert_code(0).json();
    assert_eq!(j["files"], 1);
    assert_eq!(j["symlinks"], 3);
    assert_eq!(j["disk_bytes"].as_u64(), Some(du(&user, "-B1", &mc)));
    assert_eq!(j["apparent_bytes"].as_u64(), Some(du(&user, "-b", &mc)));
}

#[test]
fn a_cache_on_a_read_only_file_system_is_reported_and_never_pruned() {
    let proxy = GoProxy::start(modules());
    let user = populated(&proxy);
    let mc = user.modcache();
    let bin = common::godoctor_bin();
    // A private mount namespace (unshare -rm) where the cache is bind-mounted read-only: nothing
    // outside the test sees the mount, and it disappears with the shell.
    let script = format!(
        "mount --bind '{mc}' '{mc}' && mount -o remount,bind,ro '{mc}' '{mc}' && \
         '{bin}' cache --json > show.json; echo show=$?; \
         '{bin}' cache prune --keep 1 --no-keep-required --yes; echo prune=$?",
        mc = mc.display(),
        bin = bin.display()
    );
    let run = user.run("unshare", &["-rm", "sh", "-c", &script], None);
    run.assert_success();
    assert!(run.stdout.contains("show=0"), "{run}");
    assert!(run.stdout.contains("prune=2"), "{run}");
    assert!(run.stderr.contains("read-only file system"), "{run}");
    let show: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(user.work_dir().join("show.json")).expect("show.json"),
    )
    .expect("json");
    assert_eq!(show["read_only_fs"], true);
    assert!(
        show["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "cache.read-only-fs")
    );
    assert!(
        mc.join("example.com/lib@v1.0.0").is_dir(),
        "nothing was removed"
    );
}

/// What a step of [`the_index_always_equals_a_full_walk`] does to the module cache.
#[derive(Debug, Clone)]
enum CacheOp {
    /// `go mod download` of one version from the loopback proxy (a no-op when present).
    Download(usize),
    /// Remove a present version's tree and download files, as `cache prune` does.
    RemoveVersion(usize),
    /// Remove only a present version's tree (go re-extracts it from the kept .zip).
    RemoveTree(usize),
    /// Make a present tree writable, change one file (append, truncate, add, remove), and
    /// restore the write bits, as a user editing the cache by hand must.
    Modify {
        version: usize,
        how: u8,
        bytes: usize,
    },
    /// `go clean -modcache`.
    Clean,
}

/// The versions the property test downloads: trees of several depths and sizes.
fn index_modules() -> Vec<Module> {
    let mut out = modules();
    for (i, files) in [3usize, 12, 40].into_iter().enumerate() {
        let mut m = Module::new("example.com/deep", &format!("v1.{i}.0"));
        for f in 0..files {
            let body = format!("package d{}\n{}\n", f % 4, "// x\n".repeat(f * 37));
            m = m.file(&format!("d{}/e{}/f{f}.go", f % 4, f % 3), body);
        }
        out.push(m);
    }
    out
}

/// The totals of a `cache --json` run that must not depend on the index.
fn totals(j: &serde_json::Value) -> serde_json::Value {
    let mut t = serde_json::Map::new();
    for k in [
        "exists",
        "files",
        "apparent_bytes",
        "disk_bytes",
        "dirs",
        "symlinks",
        "modules",
        "versions",
        "download_bytes",
        "extracted_bytes",
        "vcs_bytes",
        "extracted_trees",
        "other_bytes",
        "download",
        "largest",
        "many_versions",
        "issues",
    ] {
        t.insert(k.to_string(), j[k].clone());
    }
    serde_json::Value::Object(t)
}

/// The extracted trees present now, sorted.
fn present_trees(mc: &Path) -> Vec<std::path::PathBuf> {
    let out = std::process::Command::new("find")
        .arg(mc)
        .args(["-maxdepth", "3", "-type", "d", "-name", "*@v*"])
        .output()
        .expect("find");
    let mut v: Vec<std::path::PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.contains("/cache/"))
        .map(std::path::PathBuf::from)
        .collect();
    v.sort();
    v
}

fn chmod_tree(user: &GoUser, tree: &Path, mode: &str) {
    user.run("chmod", &["-R", mode, tree.to_str().expect("utf-8")], None)
        .assert_success();
}

fn apply(user: &GoUser, op: &CacheOp, specs: &[String]) {
    let mc = user.modcache();
    let trees = present_trees(&mc);
    let pick = |i: usize| (!trees.is_empty()).then(|| trees[i % trees.len()].clone());
    match op {
        CacheOp::Download(i) => {
            user.go(&["mod", "download", &specs[i % specs.len()]])
                .assert_success();
        }
        CacheOp::RemoveVersion(i) | CacheOp::RemoveTree(i) => {
            let Some(tree) = pick(*i) else { return };
            chmod_tree(user, &tree, "u+w");
            std::fs::remove_dir_all(&tree).expect("remove tree");
            if matches!(op, CacheOp::RemoveVersion(_)) {
                let rel = tree.strip_prefix(&mc).expect("in cache").to_string_lossy();
                let (module, version) = rel.rsplit_once('@').expect("module@version");
                let dl = mc.join("cache/download").join(module).join("@v");
                for ext in ["zip", "mod", "info", "ziphash", "lock"] {
                    let _ = std::fs::remove_file(dl.join(format!("{version}.{ext}")));
                }
            }
        }
        CacheOp::Modify {
            version,
            how,
            bytes,
        } => {
            let Some(tree) = pick(*version) else { return };
            let files: Vec<std::path::PathBuf> = {
                let out = std::process::Command::new("find")
                    .arg(&tree)
                    .args(["-type", "f"])
                    .output()
                    .expect("find");
                let mut v: Vec<_> = String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(std::path::PathBuf::from)
                    .collect();
                v.sort();
                v
            };
            let Some(file) = files.get(bytes % files.len().max(1)).cloned() else {
                return;
            };
            chmod_tree(user, &tree, "u+w");
            match how % 4 {
                0 => {
                    use std::io::Write as _;
                    let mut f = std::fs::OpenOptions::new()
                        .append(true)
                        .open(&file)
                        .expect("open");
                    f.write_all(&vec![b'y'; *bytes]).expect("append");
                }
                1 => std::fs::write(&file, b"").expect("truncate"),
                2 => std::fs::write(
                    file.with_file_name(format!("added{bytes}.go")),
                    vec![b'z'; *bytes],
                )
                .expect("add"),
                _ => std::fs::remove_file(&file).expect("remove"),
            }
            chmod_tree(user, &tree, "a-w");
        }
        CacheOp::Clean => {
            user.go(&["clean", "-modcache"]).assert_success();
        }
    }
}

fn cache_op() -> impl proptest::strategy::Strategy<Value = CacheOp> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (0..16usize).prop_map(CacheOp::Download),
        1 => (0..16usize).prop_map(CacheOp::RemoveVersion),
        1 => (0..16usize).prop_map(CacheOp::RemoveTree),
        2 => (0..16usize, any::<u8>(), 1..20_000usize)
            .prop_map(|(version, how, bytes)| CacheOp::Modify { version, how, bytes }),
        1 => Just(CacheOp::Clean),
    ]
}

/// Property: whatever is added, removed or changed between runs, `godoctor cache` with its
/// index reports exactly what a full walk (`--exact`) reports, and it does take unchanged
/// versions and unchanged `@v` download directories from the index. Cases: `PROPTEST_CASES` (default 8).
#[test]
fn the_index_always_equals_a_full_walk() {
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let proxy = GoProxy::start(index_modules());
    let specs: Vec<String> = index_modules().iter().map(Module::spec).collect();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let reused = std::cell::Cell::new(0u64);
    let reused_downloads = std::cell::Cell::new(0u64);
    let strategy = proptest::collection::vec(cache_op(), 1..9);
    let result = runner.run(&strategy, |ops| {
        let user = GoUser::new()
            .with_env("GOPROXY", proxy.url())
            .timeout(std::time::Duration::from_secs(120));
        // Start from a few versions, indexed.
        for spec in &specs[..3] {
            user.go(&["mod", "download", spec]).assert_success();
        }
        user.godoctor(&["cache", "--json"]).assert_code(0);
        for (step, op) in ops.iter().enumerate() {
            apply(&user, op, &specs);
            let indexed = user.godoctor(&["cache", "--json"]).assert_code(0).json();
            let exact = user
                .godoctor(&["cache", "--json", "--exact"])
                .assert_code(0)
                .json();
            reused.set(
                reused.get()
                    + indexed["index"]["versions_from_index"]
                        .as_u64()
                        .unwrap_or(0),
            );
            reused_downloads.set(
                reused_downloads.get()
                    + indexed["index"]["download_dirs_from_index"]
                        .as_u64()
                        .unwrap_or(0),
            );
            if totals(&indexed) != totals(&exact) {
                return Err(TestCaseError::fail(format!(
                    "after step {step} ({op:?}) of {ops:?}:\nindexed {}\nexact   {}",
                    totals(&indexed),
                    totals(&exact)
                )));
            }
            if exact["index"]["versions_from_index"] != 0
                || exact["index"]["download_dirs_from_index"] != 0
                || exact["index"]["exact"] != true
            {
                return Err(TestCaseError::fail(format!(
                    "--exact used the index: {exact}"
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(reused.get() > 0, "no run took a version from the index");
    assert!(
        reused_downloads.get() > 0,
        "no run took a download directory from the index"
    );
}

/// `cache --path DIR` names a cache to analyse: a DIR that does not exist (or is a file) is a
/// mistake in the command, not an empty cache "normal before the first download".
#[test]
fn a_path_that_does_not_exist_is_an_error() {
    let user = GoUser::new();
    let missing = user.work_dir().join("no-such-cache");
    let missing = missing.to_str().expect("utf-8 path");
    let run = user.godoctor(&["cache", "--path", missing]);
    run.assert_code(2);
    run.assert_stderr_contains("does not exist");
    assert!(!run.output().contains("normal before"), "{run}");
    let file = user.write_file("a-file", "x");
    let run = user.godoctor(&["cache", "--json", "--path", file.to_str().expect("utf-8")]);
    run.assert_code(2);
    run.assert_stderr_contains("not a directory");
    assert!(run.stdout.is_empty(), "{run}");
    // GOMODCACHE that go names but that is not there yet stays the normal first-run case.
    user.godoctor(&["cache"]).assert_code(0);
}
