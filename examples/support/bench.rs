//! What the benchmarks share (not an example itself: `examples/support/` has no `main.rs`; each
//! bench includes this file with `#[path]`): the release build they measure, options from the
//! environment, CPU time of the children, medians, the load average.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Cargo's target directory for the crate at `manifest`: `CARGO_TARGET_DIR` when set (relative
/// to the crate, as cargo reads it), else `target/` in the crate. The benches keep their release
/// build, trees and tools there.
pub fn target_dir(manifest: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => manifest.join(dir),
        _ => manifest.join("target"),
    }
}

/// `cargo build --release --bin godoctor` in the crate at `manifest`, so a benchmark always
/// measures the current code; the binary's path.
pub fn build_godoctor(manifest: &Path) -> Res<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", "godoctor"])
        .current_dir(manifest)
        .status()?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(target_dir(manifest).join("release").join("godoctor"))
}

/// A numeric option from the environment (`BENCH_ROUNDS=…`), or `default`.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of all waited-for children so far. The kernel adds each child's
/// exact time and rounds only the sum to 10 ms ticks, so a difference over many runs divided by
/// their number is a fair mean.
pub fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields after the command name start at field 3; cutime and cstime are fields 16 and 17.
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
