//! Benchmark of `godoctor cache` against `du -s` and diskus:
//! `cargo run --release --example bench_cache`.
//!
//! Builds cache-shaped trees (default 100k and 1M mostly empty files) under
//! `target/bench-cache/` (in `CARGO_TARGET_DIR` when set; kept for the next run). For each tree it checks that godoctor's file
//! count and byte totals equal `find`'s and `du`'s exactly, then times, interleaved in the same
//! rounds so the machine's load hits them alike:
//! - `du -s` and diskus (the fastest du; installed with `cargo install diskus` into
//!   `target/bench-tools` when missing, else its column is skipped with a note);
//! - godoctor's first run (no index: every tree is read and the index written);
//! - godoctor's re-run (the index is there and the cache unchanged: only module directories,
//!   version roots and download files are stat-ed);
//! - `--exact` (the index present but ignored: the full walk).
//!
//! It prints ratios against the goals of issue 17, peak RSS, and the re-run's cost for each
//! size, which grows with versions, not files. godoctor runs with its own `GODOCTOR_HOME` in a
//! temporary directory; no network is used.
//!
//! Options (environment): `BENCH_SIZES=100000,1000000` (files; `10000` for a quick look),
//! `BENCH_ROUNDS=5`, `BENCH_DISKUS=0` to skip diskus.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godoctor::output::println;

#[path = "support/cachetree.rs"]
mod cachetree;
use cachetree::{count_files, ensure_tree};

#[allow(dead_code)]
#[path = "support/bench.rs"]
mod bench;
use bench::{Res, build_godoctor, children_cpu, load_average, median, target_dir};

fn main() {
    if let Err(e) = run() {
        godoctor::output::note(&format!("bench_cache: {e}"));
        std::process::exit(2);
    }
}

/// The goals of issue 17, as (what, ratio against, at most).
const GOAL_FIRST_DU: f64 = 0.45;
const GOAL_RERUN_DU: f64 = 0.05;
const GOAL_RERUN_DISKUS: f64 = 0.10;
const GOAL_RSS_MIB: f64 = 30.0;

fn run() -> Res<()> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = build_godoctor(&manifest)?;
    let work = target_dir(&manifest).join("bench-cache");
    fs::create_dir_all(&work)?;
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let sizes: Vec<u64> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let diskus = if std::env::var("BENCH_DISKUS").as_deref() == Ok("0") {
        Err("BENCH_DISKUS=0".to_string())
    } else {
        find_diskus(&manifest)
    };
    println(&format!(
        "bench_cache: {} CPUs, load average {} at start, {rounds} rounds each (median wall time; \
         cpu = mean user+system time of a run); ratio = godoctor / du -s (or / diskus), same rounds",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    ))?;
    if let Err(why) = &diskus {
        println(&format!("diskus: column skipped ({why})"))?;
    }
    let mut reruns = Vec::new();
    for n in sizes {
        let root = work.join(format!("tree-{n}"));
        ensure_tree(&root, n)?;
        reruns.push(measure(&bin, diskus.as_ref().ok(), n, &root, rounds)?);
    }
    if !reruns.is_empty() {
        println("\n== re-run cost by cache size (unchanged cache, index present)")?;
        println(&format!(
            "{:>10} {:>9} {:>10} {:>10} {:>12} {:>12}",
            "files", "versions", "wall", "cpu", "wall/version", "wall/1k files"
        ))?;
        for r in &reruns {
            println(&format!(
                "{:>10} {:>9} {:>10} {:>10} {:>10.1}µs {:>10.3}ms",
                r.files,
                r.versions,
                ms(r.wall),
                ms(r.cpu),
                r.wall.as_secs_f64() * 1e6 / r.versions.max(1) as f64,
                r.wall.as_secs_f64() * 1e6 / r.files.max(1) as f64
            ))?;
        }
        println(
            "(the cost per version stays flat while the cost per file falls as trees grow: \
             a re-run reads versions, not files)",
        )?;
    }
    Ok(())
}

/// diskus on PATH, in `target/bench-tools/bin`, or installed there by `cargo install`.
fn find_diskus(manifest: &Path) -> Result<PathBuf, String> {
    if let Ok(p) = which::which("diskus") {
        return Ok(p);
    }
    let tools = target_dir(manifest).join("bench-tools");
    let local = tools.join("bin").join("diskus");
    if local.is_file() {
        return Ok(local);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let _ = println(&format!(
        "diskus not found: cargo install --locked diskus --root {}",
        tools.display()
    ));
    let status = Command::new(cargo)
        .args(["install", "--locked", "--quiet", "diskus", "--root"])
        .arg(&tools)
        .env("CARGO_TARGET_DIR", tools.join("build"))
        .status()
        .map_err(|e| format!("cargo install diskus: {e}"))?;
    if status.success() && local.is_file() {
        Ok(local)
    } else {
        Err(format!("cargo install diskus failed ({status})"))
    }
}

fn du(root: &Path, args: &[&str]) -> Res<u64> {
    let out = Command::new("du")
        .args(args)
        .arg(root)
        .stderr(Stdio::null())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.split_whitespace().next().ok_or("du printed nothing")?;
    Ok(first.parse()?)
}

/// `godoctor cache --json --path root` with `GODOCTOR_HOME=home` (where the index lives).
fn godoctor_cmd(bin: &Path, root: &Path, home: &Path, exact: bool) -> Command {
    let mut c = Command::new(bin);
    c.args(["cache", "--json", "--path"]).arg(root);
    if exact {
        c.arg("--exact");
    }
    c.env("GODOCTOR_HOME", home).stdin(Stdio::null());
    c
}

/// Wall time and CPU time (user + system, from the children totals in /proc/self/stat) of one run.
fn time(mut cmd: Command) -> Res<(Duration, Duration)> {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let cpu_before = children_cpu();
    let started = Instant::now();
    let status = cmd.status()?;
    let elapsed = started.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    // godoctor exits 1 when entries were unreadable; that still measured the walk.
    if status.code().is_none_or(|c| c > 1) {
        return Err(format!("{cmd:?} failed: {status}").into());
    }
    Ok((elapsed, cpu))
}

fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1e3)
}

/// Peak resident set of one run in KiB, from GNU time.
fn peak_rss_kib(cmd: Command) -> Option<u64> {
    let prog = cmd.get_program().to_owned();
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "%M"]).arg(prog).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let out = timed
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// What a re-run cost at one size, for the closing table.
struct Rerun {
    files: u64,
    versions: u64,
    wall: Duration,
    cpu: Duration,
}

fn measure(bin: &Path, diskus: Option<&PathBuf>, n: u64, root: &Path, rounds: usize) -> Res<Rerun> {
    println(&format!(
        "\n== synthetic tree of {n} files: {}",
        root.display()
    ))?;
    let homes = tempfile::Builder::new()
        .prefix("godoctor-bench-cache-")
        .tempdir()?;
    let fresh_home = homes.path().join("fresh");
    let indexed_home = homes.path().join("indexed");

    // Warm the dentry and inode caches, build the index, and check equality on the warm tree.
    let out = godoctor_cmd(bin, root, &indexed_home, true)
        .stdout(Stdio::piped())
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let num = |j: &serde_json::Value, k: &str| j[k].as_u64().ok_or(format!("no {k} in JSON"));
    let (g_files, g_disk, g_apparent) = (
        num(&json, "files")?,
        num(&json, "disk_bytes")?,
        num(&json, "apparent_bytes")?,
    );
    let f_files = count_files(root)?;
    let du_disk = du(root, &["-s", "-B1"])?;
    let du_apparent = du(root, &["-s", "-b"])?;
    let same = |a: u64, b: u64| {
        if a == b {
            "equal".to_string()
        } else {
            format!("DIFFERENT ({a} vs {b})")
        }
    };
    println(&format!(
        "files          godoctor {g_files}  find -type f {f_files}  {}",
        same(g_files, f_files)
    ))?;
    println(&format!(
        "disk bytes     godoctor {g_disk}  du -s -B1 {du_disk}  {}",
        same(g_disk, du_disk)
    ))?;
    println(&format!(
        "apparent bytes godoctor {g_apparent}  du -sb {du_apparent}  {}",
        same(g_apparent, du_apparent)
    ))?;
    let versions = num(&json, "versions")?;
    println(&format!(
        "modules {}  versions {versions}  (godoctor)",
        num(&json, "modules")?
    ))?;
    // The re-run must give the same totals, taking every version from the index.
    let again: serde_json::Value = serde_json::from_slice(
        &godoctor_cmd(bin, root, &indexed_home, false)
            .stdout(Stdio::piped())
            .output()?
            .stdout,
    )?;
    for k in ["files", "disk_bytes", "apparent_bytes", "versions"] {
        if again[k] != json[k] {
            return Err(format!("the re-run's {k} differs: {} vs {}", again[k], json[k]).into());
        }
    }
    println(&format!(
        "re-run: totals equal to the full walk; versions from the index {}, read {}",
        again["index"]["versions_from_index"], again["index"]["versions_read"]
    ))?;

    let mut runs: [Vec<(Duration, Duration)>; 5] = Default::default();
    let load_before = load_average();
    for _ in 0..rounds {
        let mut d = Command::new("du");
        d.arg("-s").arg(root);
        runs[0].push(time(d)?);
        if let Some(diskus) = diskus {
            let mut d = Command::new(diskus);
            d.arg(root);
            runs[1].push(time(d)?);
        }
        // A first run: no index yet.
        let _ = fs::remove_dir_all(&fresh_home);
        runs[2].push(time(godoctor_cmd(bin, root, &fresh_home, false))?);
        runs[3].push(time(godoctor_cmd(bin, root, &indexed_home, false))?);
        runs[4].push(time(godoctor_cmd(bin, root, &indexed_home, true))?);
    }
    println(&format!(
        "load average before/after the rounds: {load_before} / {}",
        load_average()
    ))?;
    let summary = |r: &[(Duration, Duration)]| {
        let walls: Vec<Duration> = r.iter().map(|x| x.0).collect();
        let cpu = r.iter().map(|x| x.1).sum::<Duration>() / r.len().max(1) as u32;
        (median(walls), cpu)
    };
    let (du_wall, du_cpu) = summary(&runs[0]);
    let diskus_wall = (!runs[1].is_empty()).then(|| summary(&runs[1]));
    println(&format!(
        "{:<30}{:>10} {:>10} {:>9} {:>10}   goal",
        "", "wall", "cpu", "/ du", "/ diskus"
    ))?;
    println(&format!(
        "{:<30}{:>10} {:>10}",
        "du -s",
        ms(du_wall),
        ms(du_cpu)
    ))?;
    if let Some((w, c)) = diskus_wall {
        println(&format!(
            "{:<30}{:>10} {:>10} {:>9.3}",
            "diskus",
            ms(w),
            ms(c),
            w.as_secs_f64() / du_wall.as_secs_f64()
        ))?;
    }
    let row = |name: &str, r: &[(Duration, Duration)], goal: &str| {
        let (w, c) = summary(r);
        let vs_du = w.as_secs_f64() / du_wall.as_secs_f64();
        let vs_diskus = diskus_wall.map_or("-".to_string(), |(d, _)| {
            format!("{:.3}", w.as_secs_f64() / d.as_secs_f64())
        });
        println(&format!(
            "{name:<30}{:>10} {:>10} {vs_du:>9.3} {vs_diskus:>10}   {goal}",
            ms(w),
            ms(c)
        ))
        .map(|()| {
            (
                w,
                c,
                vs_du,
                diskus_wall.map(|(d, _)| w.as_secs_f64() / d.as_secs_f64()),
            )
        })
    };
    let (_, _, first_du, _) = row(
        "godoctor, first run",
        &runs[2],
        &format!("<= {GOAL_FIRST_DU} x du"),
    )?;
    let (re_wall, re_cpu, re_du, re_diskus) = row(
        "godoctor, re-run (indexed)",
        &runs[3],
        &format!("<= {GOAL_RERUN_DU} x du, <= {GOAL_RERUN_DISKUS} x diskus"),
    )?;
    row("godoctor --exact", &runs[4], "(full walk, index ignored)")?;
    let _ = fs::remove_dir_all(&fresh_home);
    let rss_first = peak_rss_kib(godoctor_cmd(bin, root, &fresh_home, false));
    let rss_rerun = peak_rss_kib(godoctor_cmd(bin, root, &indexed_home, false));
    let mib = |k: Option<u64>| k.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println(&format!(
        "peak RSS: first run {}, re-run {}   goal <= {GOAL_RSS_MIB} MiB",
        mib(rss_first),
        mib(rss_rerun)
    ))?;
    let rss_ok = [rss_first, rss_rerun]
        .iter()
        .all(|k| k.is_some_and(|k| k as f64 / 1024.0 <= GOAL_RSS_MIB));
    println(&format!(
        "goals: first run {} | re-run vs du {} | re-run vs diskus {} | RSS {}",
        verdict(first_du <= GOAL_FIRST_DU),
        verdict(re_du <= GOAL_RERUN_DU),
        re_diskus.map_or("skipped", |r| verdict(r <= GOAL_RERUN_DISKUS)),
        verdict(rss_ok)
    ))?;
    Ok(Rerun {
        files: g_files,
        versions,
        wall: re_wall,
        cpu: re_cpu,
    })
}
