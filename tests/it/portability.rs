//! The crate builds beyond Linux: `cargo check` of the library and binary for Windows where
//! that Rust target and its C cross compiler are installed (aws-lc-sys, under rustls and the
//! checksum database's ed25519, compiles C). Only built, never run there: the suite itself runs
//! on Linux, and the tests and benches use Unix-only APIs by design (a pseudo-terminal
//! dev-dependency, symlinks, file modes), so they are not part of the check. A machine without
//! the target skips with one line, in CI too (installing a cross toolchain is not the suite's
//! business); `rustup target add x86_64-pc-windows-gnu` and Debian's gcc-mingw-w64-x86-64
//! enable it. macOS is not checked: aws-lc-sys needs the macOS SDK's headers, which no package
//! here provides (clang alone targets Mach-O but finds no `sys/types.h`); see the README.

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

fn check(target: &str, c_compiler: &str) {
    let have_compiler = which::which(c_compiler).is_ok();
    if !installed_targets().lines().any(|t| t.trim() == target) || !have_compiler {
        let _ = writeln!(
            std::io::stderr(),
            "skipped the {target} build check: needs `rustup target add {target}` and {c_compiler}"
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
    check("x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc");
}
