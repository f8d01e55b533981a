//! Benchmark of `godoctor cache` against `du -s`: `cargo run --release --example bench_cache`.
//!
//! Builds cache-shaped trees of 100k and 1M (mostly empty) files under `target/bench-cache/`
//! (kept for the next run), then for each tree and for a real module cache filled by
//! `go mod download`, prints warm wall-time ratios godoctor / `du -s`, whether file count and byte
//! totals equal `find`'s and `du`'s exactly, and godoctor's peak RSS.
//!
//! Options (environment): `BENCH_SIZES=100000,1000000`, `BENCH_ROUNDS=9`, `BENCH_REAL=0` to skip
//! the real cache.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godoctor::output::println;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        godoctor::output::note(&format!("bench_cache: {e}"));
        std::process::exit(2);
    }
}

fn run() -> Res<()> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = build_binary(&manifest)?;
    let work = manifest.join("target").join("bench-cache");
    fs::create_dir_all(&work)?;
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let sizes: Vec<u64> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println(&format!(
        "bench_cache: {} CPUs, {rounds} warm rounds each; ratio = godoctor wall time / du -s wall time \
         (median and best of the rounds); cpu = mean user+system time per run",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ))?;
    for n in sizes {
        let root = work.join(format!("tree-{n}"));
        ensure_tree(&root, n)?;
        measure(&bin, &format!("synthetic {n} files"), &root, rounds)?;
    }
    if std::env::var("BENCH_REAL").as_deref() != Ok("0") {
        match real_cache(&work) {
            Ok(root) => measure(&bin, "real cache (go mod download)", &root, rounds)?,
            Err(e) => println(&format!("\nreal cache: unavailable, skipped ({e})"))?,
        }
    }
    Ok(())
}

/// `cargo build --release --bin godoctor`, so the benchmark always measures current code.
fn build_binary(manifest: &Path) -> Res<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", "godoctor"])
        .current_dir(manifest)
        .status()?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    Ok(manifest.join("target/release/godoctor"))
}

/// A cache-shaped tree with `n` regular files: modules with 4 versions each, every version an
/// extracted tree of packages (20 files a directory) plus its download files, one hard-linked
/// LICENSE per version and a symbolic link per module. Files are empty except `.mod`, `.info`,
/// LICENSE and `list`, so the whole tree costs little disk.
fn ensure_tree(root: &Path, n: u64) -> Res<()> {
    let marker = root.join(".complete");
    if marker.exists() {
        return Ok(());
    }
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    let started = Instant::now();
    let mut made = 0u64;
    let mut module = 0u64;
    'outer: loop {
        let path = format!("example.com/org{}/mod{}", module / 50, module);
        let dl = root.join("cache/download").join(&path).join("@v");
        fs::create_dir_all(&dl)?;
        let mut list = String::new();
        let mut first_license: Option<PathBuf> = None;
        for v in 0..4 {
            let version = format!("v1.{v}.0");
            let _ = writeln!(list, "{version}");
            let tree = root.join(format!("{path}@{version}"));
            fs::create_dir_all(&tree)?;
            fs::write(tree.join("go.mod"), format!("module {path}\n"))?;
            let license = tree.join("LICENSE");
            match &first_license {
                Some(first) => fs::hard_link(first, &license)?,
                None => {
                    fs::write(&license, "Permission is hereby granted\n")?;
                    first_license = Some(license);
                }
            }
            made += 2;
            for ext in ["info", "mod", "zip", "ziphash"] {
                let body = match ext {
                    "info" => format!("{{\"Version\":\"{version}\"}}\n"),
                    "mod" => format!("module {path}\n"),
                    _ => String::new(),
                };
                fs::write(dl.join(format!("{version}.{ext}")), body)?;
                made += 1;
            }
            // 9 package directories of 20 empty files: ~190 files a version.
            for p in 0..9 {
                let dir = tree.join(format!("pkg{p}"));
                fs::create_dir(&dir)?;
                for f in 0..20 {
                    fs::File::create(dir.join(format!("f{f}.go")))?;
                    made += 1;
                    if made >= n {
                        fs::write(dl.join("list"), &list)?;
                        break 'outer;
                    }
                }
            }
        }
        fs::write(dl.join("list"), &list)?;
        made += 1;
        std::os::unix::fs::symlink("v1.0.0.mod", dl.join("latest.mod"))?;
        module += 1;
        if made >= n {
            break;
        }
    }
    fs::write(&marker, "")?;
    println(&format!(
        "built {} ({} files) in {:.1}s",
        root.display(),
        count_files(root)?,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(())
}

fn count_files(root: &Path) -> Res<u64> {
    let out = Command::new("find")
        .arg(root)
        .args(["-type", "f"])
        .stderr(Stdio::null())
        .output()?;
    Ok(out.stdout.iter().filter(|b| **b == b'\n').count() as u64)
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

fn godoctor_cmd(bin: &Path, root: &Path, threads: Option<usize>) -> Command {
    let mut c = Command::new(bin);
    c.args(["cache", "--json", "--path"]).arg(root);
    if let Some(t) = threads {
        c.arg("--threads").arg(t.to_string());
    }
    c.stdin(Stdio::null());
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

/// CPU time of all waited-for children so far (cutime + cstime, 10 ms ticks).
fn children_cpu() -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields after the command name start at field 3; cutime and cstime are fields 16 and 17.
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Peak resident set of one godoctor run in KiB, from GNU time.
fn peak_rss_kib(bin: &Path, root: &Path) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(["cache", "--json", "--path"])
        .arg(root)
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

fn measure(bin: &Path, label: &str, root: &Path, rounds: usize) -> Res<()> {
    println(&format!("\n== {label}: {}", root.display()))?;
    // Warm the dentry and inode caches, and check equality on the warm tree.
    let out = godoctor_cmd(bin, root, None)
        .stdout(Stdio::piped())
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let g_files = json["files"]
        .as_u64()
        .ok_or("no files in godoctor's JSON")?;
    let g_disk = json["disk_bytes"].as_u64().ok_or("no disk_bytes")?;
    let g_apparent = json["apparent_bytes"].as_u64().ok_or("no apparent_bytes")?;
    let f_files = count_files(root)?;
    let du_disk = du(root, &["-s", "-B1"])?;
    let du_apparent = du(root, &["-s", "-b"])?;
    let verdict = |a: u64, b: u64| {
        if a == b {
            "equal".to_string()
        } else {
            format!("DIFFERENT ({a} vs {b})")
        }
    };
    println(&format!(
        "files          godoctor {g_files}  find -type f {f_files}  {}",
        verdict(g_files, f_files)
    ))?;
    println(&format!(
        "disk bytes     godoctor {g_disk}  du -s -B1 {du_disk}  {}",
        verdict(g_disk, du_disk)
    ))?;
    println(&format!(
        "apparent bytes godoctor {g_apparent}  du -sb {du_apparent}  {}",
        verdict(g_apparent, du_apparent)
    ))?;
    println(&format!(
        "modules {}  versions {}  (godoctor)",
        json["modules"].as_u64().unwrap_or(0),
        json["versions"].as_u64().unwrap_or(0)
    ))?;

    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let default_threads = (2 * cpus).clamp(2, 16);
    let mut variants: Vec<Option<usize>> = vec![None];
    for t in [1, 2, 4, 8] {
        if t != default_threads {
            variants.push(Some(t));
        }
    }
    let mut du_runs = Vec::new();
    let mut g_runs: Vec<Vec<(Duration, Duration)>> = vec![Vec::new(); variants.len()];
    let load_before = load_average();
    for _ in 0..rounds {
        let mut d = Command::new("du");
        d.arg("-s").arg(root);
        du_runs.push(time(d)?);
        for (i, v) in variants.iter().enumerate() {
            g_runs[i].push(time(godoctor_cmd(bin, root, *v))?);
        }
    }
    println(&format!(
        "load average before/after: {load_before} / {} (other work on the machine skews wall times)",
        load_average()
    ))?;
    let summary = |runs: &[(Duration, Duration)]| {
        let walls: Vec<Duration> = runs.iter().map(|r| r.0).collect();
        let cpu: Duration = runs.iter().map(|r| r.1).sum::<Duration>() / runs.len().max(1) as u32;
        (
            median(walls.clone()),
            walls.iter().min().copied().unwrap_or_default(),
            cpu,
        )
    };
    let (du_med, du_min, du_cpu) = summary(&du_runs);
    println(&format!(
        "{:<31}{:>8} {:>8} {:>8}   {:>12} {:>9}",
        "", "median", "best", "cpu", "ratio median", "ratio best"
    ))?;
    let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
    println(&format!(
        "{:<31}{:>8} {:>8} {:>8}",
        "du -s",
        ms(du_med),
        ms(du_min),
        ms(du_cpu)
    ))?;
    for (v, runs) in variants.iter().zip(g_runs) {
        let (m, b, c) = summary(&runs);
        let name = match v {
            None => format!("godoctor (default, {default_threads} thr)"),
            Some(t) => format!("godoctor --threads {t}"),
        };
        println(&format!(
            "{name:<31}{:>8} {:>8} {:>8}   {:>12.2} {:>9.2}",
            ms(m),
            ms(b),
            ms(c),
            m.as_secs_f64() / du_med.as_secs_f64(),
            b.as_secs_f64() / du_min.as_secs_f64()
        ))?;
    }
    match peak_rss_kib(bin, root) {
        Some(kib) => println(&format!(
            "peak RSS (godoctor, default) {:.1} MiB",
            kib as f64 / 1024.0
        ))?,
        None => println("peak RSS: /usr/bin/time (GNU time) not available")?,
    }
    Ok(())
}

/// A module cache filled by the real `go mod download` of a real dependency set, with the
/// machine's own go settings except GOMODCACHE (kept under target/ for the next run).
fn real_cache(work: &Path) -> Res<PathBuf> {
    let cache = work.join("real-modcache");
    let marker = work.join("real-modcache.complete");
    if marker.exists() {
        return Ok(cache);
    }
    let project = work.join("real-project");
    fs::create_dir_all(&project)?;
    fs::write(
        project.join("go.mod"),
        "module bench.example/deps\n\ngo 1.21\n",
    )?;
    // Several versions of some modules, as a long-lived cache has.
    let deps = [
        "google.golang.org/grpc@v1.60.1",
        "github.com/spf13/cobra@v1.8.0",
        "github.com/spf13/cobra@v1.7.0",
        "github.com/stretchr/testify@v1.8.4",
        "golang.org/x/tools@v0.16.1",
        "github.com/prometheus/client_golang@v1.18.0",
    ];
    let go = |args: &[&str]| -> Res<()> {
        let mut child = Command::new("go")
            .args(args)
            .current_dir(&project)
            .env("GOMODCACHE", &cache)
            .env("GOFLAGS", "-mod=mod")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if let Some(status) = child.try_wait()? {
                if status.success() {
                    return Ok(());
                }
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                let last = err.lines().last().unwrap_or("").to_string();
                return Err(format!("go {} failed: {last}", args.join(" ")).into());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("go {} took longer than 10 minutes", args.join(" ")).into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    println(&format!(
        "\nfilling a real module cache with go mod download (GOMODCACHE={})",
        cache.display()
    ))?;
    for dep in deps {
        let one = [dep];
        go(&[&["mod", "download"][..], &one[..]].concat())?;
    }
    go(&[
        "get",
        "google.golang.org/grpc@v1.60.1",
        "github.com/spf13/cobra@v1.8.0",
        "github.com/stretchr/testify@v1.8.4",
        "golang.org/x/tools@v0.16.1",
        "github.com/prometheus/client_golang@v1.18.0",
    ])?;
    go(&["mod", "download", "all"])?;
    fs::write(&marker, "")?;
    Ok(cache)
}
