//! `cache clean` and `cache prune` refuse a GOMODCACHE that is not a module cache (issue 13
//! item 2): `/`, a system directory, a home directory, a tree holding the user's work. Nothing
//! is deleted, dry runs included, and the error says why (exit 2).
//!
//! `go clean -modcache` is intercepted by a `go` wrapper first on PATH (it records the call and
//! deletes nothing; everything else goes to the real go), so a regression here cannot wipe `/`.

use crate::common;

use std::path::{Path, PathBuf};

use common::GoUser;

/// A user whose `go clean` only leaves a mark in `<root>/go-clean-ran`.
fn user() -> GoUser {
    let user = GoUser::new();
    let real = common::require_go();
    let mark = user.root().join("go-clean-ran");
    user.fake_program(
        "go",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = clean ]; then echo \"$@\" >> '{}'; exit 0; fi\nexec '{}' \"$@\"\n",
            mark.display(),
            real.display()
        ),
    );
    user
}

fn clean_ran(user: &GoUser) -> bool {
    user.root().join("go-clean-ran").exists()
}

/// Two versions of a "module" `src/tool`, as in the report: prune --keep 1 would remove one.
fn plant_tool(dir: &Path) -> [PathBuf; 2] {
    let old = dir.join("src/tool@v1.0.0");
    let new = dir.join("src/tool@v1.1.0");
    for d in [&old, &new] {
        std::fs::create_dir_all(d).expect("mkdir");
        std::fs::write(d.join("main.go"), "package main\n").expect("write");
    }
    [old, new]
}

/// Every deleting command and its dry run, each refused with `reason` in the error.
fn assert_all_refused(user: &GoUser, reason: &str) {
    for args in [
        &["cache", "clean", "--yes"][..],
        &["cache", "clean", "--dry-run"],
        &["cache", "clean", "--dry-run", "--json"],
        &["cache", "prune", "--keep", "1"],
        &["cache", "prune", "--keep", "1", "--json"],
    ] {
        let run = user.run(
            common::godoctor_bin(),
            &[&["--color", "never"][..], args].concat(),
            None,
        );
        run.assert_code(2)
            .assert_stderr_contains("refusing to remove anything")
            .assert_stderr_contains(reason)
            .assert_stderr_contains("help:");
        assert!(run.stdout.is_empty(), "nothing planned or shown: {run}");
    }
    assert!(!clean_ran(user), "go clean -modcache was run");
}

#[test]
fn root_and_system_directories_are_refused_even_with_force() {
    for dir in ["/", "/etc", "/usr", "/etc/"] {
        let mut user = user();
        user.set_env("GOMODCACHE", dir);
        assert_all_refused(&user, "a system directory");
        user.godoctor(&["cache", "clean", "--yes", "--force"])
            .assert_code(2)
            .assert_stderr_contains("--force does not override");
        user.godoctor(&["cache", "prune", "--keep", "1", "--force"])
            .assert_code(2)
            .assert_stderr_contains("a system directory");
        assert!(!clean_ran(&user));
    }
}

#[test]
fn a_symlink_to_a_system_directory_is_refused() {
    let mut user = user();
    let link = user.root().join("etc-link");
    std::os::unix::fs::symlink("/etc", &link).expect("symlink");
    user.set_env("GOMODCACHE", &link);
    assert_all_refused(&user, "/etc, a system directory");
}

#[test]
fn the_home_directory_is_refused_and_its_work_survives() {
    let mut user = user();
    let home = user.home();
    let [old, new] = plant_tool(&home);
    // Even with the look of a module cache, a home stays a home.
    std::fs::create_dir_all(home.join("cache/download")).expect("mkdir");
    user.set_env("GOMODCACHE", &home);
    assert_all_refused(&user, "a home directory");
    for force in [&[][..], &["--force"]] {
        let args = [&["cache", "prune", "--keep", "1", "--yes"][..], force].concat();
        user.godoctor(&args)
            .assert_code(2)
            .assert_stderr_contains("a home directory");
        let args = [&["cache", "clean", "--yes"][..], force].concat();
        user.godoctor(&args).assert_code(2);
    }
    assert!(old.join("main.go").is_file() && new.join("main.go").is_file());
    assert!(!clean_ran(&user));
    // A parent of the home holds it: refused too.
    let root = user.root().to_path_buf();
    user.set_env("GOMODCACHE", &root);
    user.godoctor(&["cache", "prune", "--keep", "1", "--yes"])
        .assert_code(2)
        .assert_stderr_contains("a home directory");
}

#[test]
fn a_directory_that_is_not_a_module_cache_is_refused_unless_forced() {
    let mut user = user();
    let dir = user.root().join("projects");
    let [old, new] = plant_tool(&dir);
    user.set_env("GOMODCACHE", &dir);
    assert_all_refused(&user, "no cache/download directory");
    user.godoctor(&["cache", "prune", "--keep", "1", "--yes"])
        .assert_code(2);
    assert!(old.join("main.go").is_file() && new.join("main.go").is_file());
    // With cache/download present, the stray top-level `src/` is named.
    std::fs::create_dir_all(dir.join("cache/download")).expect("mkdir");
    user.godoctor(&["cache", "prune", "--keep", "1", "--yes"])
        .assert_code(2)
        .assert_stderr_contains("it holds src/");
    assert!(old.is_dir());
    // --force lifts only this refusal: the plan is then made (a dry run here).
    let plan = user
        .godoctor(&["cache", "prune", "--keep", "1", "--force", "--json"])
        .assert_code(0)
        .json();
    assert_eq!(plan["plan"]["remove"][0]["version"], "v1.0.0");
    assert!(old.is_dir());
}

#[test]
fn a_cache_holding_the_current_module_is_refused() {
    let mut user = user().cwd("tree/app");
    let tree = user.root().join("tree");
    std::fs::create_dir_all(tree.join("cache/download")).expect("mkdir");
    std::fs::create_dir_all(tree.join("app")).expect("mkdir");
    std::fs::write(
        tree.join("app/go.mod"),
        "module example.com/app\n\ngo 1.21\n",
    )
    .expect("go.mod");
    user.set_env("GOMODCACHE", &tree);
    for force in [&[][..], &["--force"]] {
        let args = [&["cache", "clean", "--yes"][..], force].concat();
        user.godoctor(&args)
            .assert_code(2)
            .assert_stderr_contains("holds the current module");
        let args = [&["cache", "prune", "--keep", "1", "--yes"][..], force].concat();
        user.godoctor(&args)
            .assert_code(2)
            .assert_stderr_contains("holds the current module");
    }
    assert!(tree.join("app/go.mod").is_file());
    assert!(!clean_ran(&user));
}

/// `cache --path DIR prune|clean`: --path only chooses what `cache` analyses, so the removing
/// subcommands refuse it instead of acting on GOMODCACHE while the user named DIR; the way to
/// prune DIR is said, and that way really prunes DIR.
#[test]
fn path_with_prune_or_clean_is_refused_and_the_hint_does_it() {
    use common::modules::Module;
    use common::proxy::GoProxy;
    let proxy = GoProxy::start(vec![
        Module::new("example.com/tool", "v1.0.0"),
        Module::new("example.com/tool", "v1.1.0"),
    ]);
    let mut user = user();
    user.set_env("GOPROXY", proxy.url());
    user.set_env("GOSUMDB", "off");
    let elsewhere = user.root().join("elsewhere");
    let download = |user: &GoUser| {
        for v in ["v1.0.0", "v1.1.0"] {
            user.go(&["mod", "download", &format!("example.com/tool@{v}")])
                .assert_success();
        }
    };
    download(&user);
    let real_cache = user.modcache();
    user.set_env("GOMODCACHE", &elsewhere);
    download(&user);
    user.set_env("GOMODCACHE", &real_cache);
    let old = real_cache.join("example.com/tool@v1.0.0");
    let other_old = elsewhere.join("example.com/tool@v1.0.0");
    let path = elsewhere.display().to_string();
    for args in [
        &["cache", "--path", &path, "prune", "--keep", "1", "--yes"][..],
        &["cache", "--path", &path, "clean", "--yes"],
    ] {
        let run = user.godoctor(args);
        run.assert_code(2)
            .assert_stderr_contains("--path")
            .assert_stderr_contains(&format!("GOMODCACHE={path} godoctor cache"));
    }
    assert!(old.exists(), "GOMODCACHE untouched");
    assert!(other_old.exists(), "the named directory untouched");
    assert!(!clean_ran(&user), "go clean -modcache was run");

    // The hint, followed: GOMODCACHE=DIR prunes DIR.
    user.set_env("GOMODCACHE", &elsewhere);
    user.godoctor(&["cache", "prune", "--keep", "1", "--yes"])
        .assert_code(0);
    assert!(!other_old.exists(), "the old version in DIR was pruned");
    assert!(old.exists(), "the other cache untouched");
}
