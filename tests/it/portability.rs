//! The crate builds beyond Linux: `cargo check` of the library and binary for Windows and macOS
//! where that Rust target and a C cross compiler are installed (aws-lc-sys, under rustls and the
//! checksum database's ed25519, compiles C in its build script). Checked only: nothing is linked
//! or run there; the suite itself runs on Linux, and the tests and benches use Unix-only APIs by
//! design (a pseudo-terminal dev-dependency, symlinks, file modes), so they are not part of the
//! check. A machine without the target or the compiler skips with one line, in CI too
//! (installing a cross toolchain is not the suite's business).
//! - Windows: `rustup target add x86_64-pc-windows-gnu` and Debian's gcc-mingw-w64-x86-64.
//! - macOS: `rustup target add x86_64-apple-darwin` and PyPI's `ziglang` (zig ships the macOS libc
//!   headers no Linux package has; `scripts/macos/{cc,ar}` run it for cc-rs).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

fn installed_targets() -> String {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// `cargo check` of the library and binary for `target`, with `env` for its C compiler; skipped
/// (one line) without the target or when `compiler` (said in the line as `needs`) is missing.
fn check(target: &str, compiler: bool, needs: &str, env: &[(&str, PathBuf)]) {
    if !installed_targets().lines().any(|t| t.trim() == target) || !compiler {
        let _ = writeln!(
            std::io::stderr(),
            "skipped the {target} build check: needs `rustup target add {target}` and {needs}"
        );
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--quiet", "--lib", "--bins", "--target", target])
        .env(
            "CARGO_TARGET_DIR",
            manifest.join("target").join("cross-check"),
        )
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env_remove("RUSTFLAGS")
        .current_dir(&manifest)
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "godoctor does not build for {target}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Warnings are errors here too: an unused import behind a cfg is how gating rots.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn builds_for_windows() {
    let mingw = which::which("x86_64-w64-mingw32-gcc").is_ok();
    check(
        "x86_64-pc-windows-gnu",
        mingw,
        "x86_64-w64-mingw32-gcc",
        &[],
    );
}

/// zig as the C compiler and archiver for aws-lc-sys (`scripts/macos/`), its caches inside the
/// cross-check target directory rather than in HOME.
#[test]
fn builds_for_macos() {
    let zig = Command::new("python3")
        .args(["-c", "import ziglang"])
        .output()
        .is_ok_and(|o| o.status.success());
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scripts = manifest.join("scripts").join("macos");
    let cache = manifest
        .join("target")
        .join("cross-check")
        .join("zig-cache");
    check(
        "x86_64-apple-darwin",
        zig,
        "python3 with PyPI's ziglang",
        &[
            ("CC_x86_64_apple_darwin", scripts.join("cc")),
            ("AR_x86_64_apple_darwin", scripts.join("ar")),
            ("ZIG_GLOBAL_CACHE_DIR", cache.clone()),
            ("ZIG_LOCAL_CACHE_DIR", cache),
        ],
    );
}
