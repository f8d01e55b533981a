//! Benchmark of `godoctor check`: `cargo run --release --example bench_check`.
//!
//! Prints, measured in the same run on an isolated Go user (temp HOME, GOENV, GOMODCACHE,
//! GODOCTOR_HOME):
//! 1. offline: median wall time of `godoctor check --offline` divided by that of the single
//!    `go env -json` it needs (goal ≤ 1.1, issue 17), with an empty module cache, with a
//!    100k-file one (its index built by a first run, as a user's second check finds it), and
//!    with that and a 25.6k-file build cache (GOCACHE, indexed alike); the mean CPU time per
//!    run of each (load does not inflate it as it does wall time); the floor: this program
//!    re-run as the least any tool that asks go can do (start, run `go env -json`, print its
//!    output, exit), so the ratio shows what is godoctor's and what is any such tool's; and the
//!    breakdown of one run from `check --offline -v --json` (`duration_ms` of go env and of
//!    each cache walk: the walks overlap go env, so the total should be close to go env alone);
//! 2. online: wall time of `godoctor check proxy` with five delayed loopback proxies in GOPROXY
//!    divided by the same with one (goal ≈ 1: the probes run concurrently).
//!
//! Rounds alternate go and godoctor so the machine's load hits both alike; the load average is
//! printed. All traffic goes to 127.0.0.1. Options (environment): `BENCH_ROUNDS=15`,
//! `BENCH_DELAY_MS=200`, `BENCH_CACHE_FILES=100000`, `BENCH_BUILD_FILES=25600`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godoctor::output::println;

#[allow(dead_code)]
#[path = "support/bench.rs"]
mod bench;
use bench::{Res, build_godoctor, children_cpu, env_num, load_average, ms, target_dir};

#[path = "support/cachetree.rs"]
mod cachetree;
use cachetree::ensure_tree;

fn main() {
    // The floor: this program re-run as the least a tool that asks go can do (start, run
    // `go env -json`, read its output, print it, exit). godoctor's ratio is compared with it.
    if let Some(go) = std::env::var_os(FLOOR_VAR) {
        let out = Command::new(go).args(["env", "-json"]).output();
        let ok =
            out.is_ok_and(|o| std::io::stdout().write_all(&o.stdout).is_ok() && o.status.success());
        std::process::exit(if ok { 0 } else { 1 });
    }
    if let Err(e) = run() {
        godoctor::output::note(&format!("bench_check: {e}"));
        std::process::exit(2);
    }
}

/// Set (to the go binary) when this program runs as the floor of `offline`.
const FLOOR_VAR: &str = "GODOCTOR_BENCH_FLOOR_GO";

fn run() -> Res<()> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = build_godoctor(&manifest)?;
    let go = which::which("go")?;
    let rounds = env_num("BENCH_ROUNDS", 15) as usize;
    let delay = Duration::from_millis(env_num("BENCH_DELAY_MS", 200));

    let cache_files = env_num("BENCH_CACHE_FILES", 100_000);
    println(&format!(
        "bench_check: {rounds} rounds, median wall times; load average {} at start",
        load_average()
    ))?;
    let empty = User::new()?;
    offline(&bin, &go, &empty, rounds, "empty module cache")?;
    let big = User::new()?;
    let manifest_tree = target_dir(&manifest)
        .join("bench-cache")
        .join(format!("tree-{cache_files}"));
    ensure_tree(&manifest_tree, cache_files)?;
    // GOMODCACHE is the kept tree itself (read-only use: godoctor only reads it).
    let big = big.with_modcache(&manifest_tree);
    offline(
        &bin,
        &go,
        &big,
        rounds,
        &format!("{cache_files}-file module cache, indexed"),
    )?;
    // A build cache of a working developer's shape too: 256 directories of hashed entries.
    let built = User::new()?.with_modcache(&manifest_tree);
    let build_files = env_num("BENCH_BUILD_FILES", 25_600);
    fill_build_cache(&built.root.join("gocache"), build_files)?;
    offline(
        &bin,
        &go,
        &built,
        rounds,
        &format!("{cache_files}-file module cache and {build_files}-file build cache, indexed"),
    )?;
    let base_env = |cmd: &mut Command| empty.env(cmd);

    let servers: Vec<String> = (0..5).map(|_| slow_proxy(delay)).collect::<Res<_>>()?;
    let online = |goproxy: String| {
        median(rounds.min(5), || {
            let mut c = Command::new(&bin);
            c.args(["check", "proxy", "--json", "--timeout", "10"]);
            base_env(&mut c);
            c.env("GOPROXY", &goproxy);
            c
        })
    };
    let one = online(servers[0].clone())?;
    let five = online(servers.join("|"))?;
    println(&format!(
        "online: 1 proxy {:.0} ms, 5 proxies {:.0} ms (each answer delayed {} ms), ratio {:.2} (goal <= 1.2)",
        ms(one),
        ms(five),
        delay.as_millis(),
        five.as_secs_f64() / one.as_secs_f64()
    ))?;
    Ok(())
}

/// An isolated Go user: its own HOME, GOENV, GOPATH, GOMODCACHE, GOCACHE, GODOCTOR_HOME.
struct User {
    _dir: tempfile::TempDir,
    root: PathBuf,
    modcache: PathBuf,
}

impl User {
    fn new() -> Res<Self> {
        let dir = tempfile::Builder::new()
            .prefix("godoctor-bench-")
            .tempdir()?;
        let root = dir.path().to_path_buf();
        Ok(User {
            modcache: root.join("go/pkg/mod"),
            root,
            _dir: dir,
        })
    }

    fn with_modcache(mut self, modcache: &Path) -> Self {
        self.modcache = modcache.to_path_buf();
        self
    }

    fn env(&self, cmd: &mut Command) {
        let root = &self.root;
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root)
            .env("GOENV", root.join("goenv"))
            .env("GOPATH", root.join("go"))
            .env("GOMODCACHE", &self.modcache)
            .env("GOCACHE", root.join("gocache"))
            .env("GODOCTOR_HOME", root.join("godoctor"))
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }
}

/// `check --offline` against `go env -json` for one user, rounds interleaved, then the
/// breakdown of one `-v --json` run.
fn offline(bin: &Path, go: &Path, user: &User, rounds: usize, label: &str) -> Res<()> {
    let go_cmd = || {
        let mut c = Command::new(go);
        c.args(["env", "-json"]);
        user.env(&mut c);
        c.env("GOPROXY", "off");
        c
    };
    let check_cmd = |extra: &[&str]| {
        let mut c = Command::new(bin);
        c.args(["check", "--offline", "--json"]).args(extra);
        user.env(&mut c);
        c.env("GOPROXY", "off");
        c
    };
    let floor_cmd = || {
        let mut c = Command::new(std::env::current_exe().expect("the bench's own path"));
        user.env(&mut c);
        c.env("GOPROXY", "off").env(FLOOR_VAR, go);
        c
    };
    // Warm-up: file caches, and the module cache's index (a user's second check).
    go_cmd().status()?;
    check_cmd(&[]).status()?;
    floor_cmd().status()?;
    let (mut go_times, mut check_times, mut floor_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut go_cpu, mut check_cpu) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let before = children_cpu();
        go_times.push(wall(go_cmd())?);
        let between = children_cpu();
        check_times.push(wall(check_cmd(&[]))?);
        go_cpu += between - before;
        check_cpu += children_cpu() - between;
        floor_times.push(wall(floor_cmd())?);
    }
    let (g, c, f) = (
        median_of(go_times),
        median_of(check_times),
        median_of(floor_times),
    );
    let ratio = c.as_secs_f64() / g.as_secs_f64();
    // The check's CPU includes the go env -json it runs: the difference is godoctor's own.
    let per_run = |d: Duration| ms(d) / rounds as f64;
    println(&format!(
        "offline, {label}: go env -json {:.1} ms, godoctor check --offline {:.1} ms, ratio {ratio:.2} \
         (goal <= 1.1: {}); floor (a program that only runs go env -json and prints it) {:.1} ms, \
         ratio {:.2}; cpu per run (user+system) go env {:.1} ms, check {:.1} ms (go env included); \
         load average {}",
        ms(g),
        ms(c),
        if ratio <= 1.1 { "ok" } else { "MISSED" },
        ms(f),
        f.as_secs_f64() / g.as_secs_f64(),
        per_run(go_cpu),
        per_run(check_cpu),
        load_average()
    ))?;
    let out = check_cmd(&["-v"]).stdout(Stdio::piped()).output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let took = |id: &str| {
        report["checks"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == id))
            .and_then(|c| c["duration_ms"].as_u64())
            .map_or("-".to_string(), |ms| format!("{ms} ms"))
    };
    let index = report["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == "cache.modcache"))
        .map(|c| c["detail"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    println(&format!(
        "  breakdown of one run (check -v --json, duration_ms): go env -json {}, module cache \
         walk {} (overlaps go env), build cache walk {}; {index}",
        took("toolchain.go"),
        took("cache.modcache"),
        took("cache.gocache"),
    ))?;
    Ok(())
}

/// A GOCACHE-shaped tree: `files` entries spread over the 256 directories `00` … `ff`, named
/// and sized like go's (`<hash>-d` outputs of a few KiB).
fn fill_build_cache(root: &Path, files: u64) -> Res<()> {
    for i in 0..files {
        let dir = root.join(format!("{:02x}", i % 256));
        if i < 256 {
            std::fs::create_dir_all(&dir)?;
        }
        let body = vec![b'x'; (i * 37 % 3000) as usize];
        std::fs::write(dir.join(format!("{:02x}{i:062x}-d", i % 256)), body)?;
    }
    Ok(())
}

fn wall(mut cmd: Command) -> Res<Duration> {
    let started = Instant::now();
    cmd.status()?;
    Ok(started.elapsed())
}

fn median_of(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Run the command `rounds` times (after one warm-up) and return the median wall time.
fn median(rounds: usize, make: impl Fn() -> Command) -> Res<Duration> {
    make().status()?;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        make().status()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// A loopback Go module proxy that waits `delay` before every answer. It serves `.info` of any
/// version as JSON (a working proxy for the probe module), 404 for everything else. Its thread
/// lives as long as the benchmark process.
fn slow_proxy(delay: Duration) -> Res<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, delay));
        }
    });
    Ok(url)
}

fn serve(mut stream: std::net::TcpStream, delay: Duration) {
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).unwrap_or(0);
    let request = String::from_utf8_lossy(&buf[..n]);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    std::thread::sleep(delay);
    let (status, body) = match Path::new(&path).extension().and_then(|e| e.to_str()) {
        Some("info") if !path.contains("godoctor.invalid") => {
            let version = path
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".info");
            (
                "200 OK",
                format!("{{\"Version\":\"{version}\",\"Time\":\"2020-01-01T00:00:00Z\"}}"),
            )
        }
        _ => ("404 Not Found", "not found".to_string()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
