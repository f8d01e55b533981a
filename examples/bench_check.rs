//! Benchmark of `godoctor check`: `cargo run --release --example bench_check`.
//!
//! Prints, measured in the same run on an isolated Go user (temp HOME, GOENV, GOMODCACHE):
//! 1. offline: median wall time of `godoctor check --offline` divided by that of the single
//!    `go env -json` it needs (goal ≤ 1.5 with a small cache);
//! 2. online: wall time of `godoctor check proxy` with five delayed loopback proxies in GOPROXY
//!    divided by the same with one (goal ≈ 1: the probes run concurrently).
//!
//! All traffic goes to 127.0.0.1. Options (environment): `BENCH_ROUNDS=15`, `BENCH_DELAY_MS=200`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godoctor::output::println;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        godoctor::output::note(&format!("bench_check: {e}"));
        std::process::exit(2);
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn run() -> Res<()> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet", "--bin", "godoctor"])
        .current_dir(&manifest)
        .status()?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    let bin = manifest.join("target/release/godoctor");
    let go = which::which("go")?;
    let rounds = env_num("BENCH_ROUNDS", 15) as usize;
    let delay = Duration::from_millis(env_num("BENCH_DELAY_MS", 200));

    let home = tempfile::Builder::new()
        .prefix("godoctor-bench-")
        .tempdir()?;
    let root = home.path().to_path_buf();
    // A small module cache: a few modules' worth of files.
    let modcache = root.join("go/pkg/mod");
    for i in 0..20 {
        let dir = modcache.join(format!("example.com/m{i}@v1.0.0"));
        std::fs::create_dir_all(&dir)?;
        for f in 0..10 {
            std::fs::write(dir.join(format!("f{f}.go")), "package m\n")?;
        }
    }
    let base_env = |cmd: &mut Command| {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &root)
            .env("GOENV", root.join("goenv"))
            .env("GOPATH", root.join("go"))
            .env("GOMODCACHE", &modcache)
            .env("GOCACHE", root.join("gocache"))
            .env("GODOCTOR_HOME", root.join("godoctor"))
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };

    println(&format!("bench_check: {rounds} rounds, median wall times"))?;
    let go_env = median(rounds, || {
        let mut c = Command::new(&go);
        c.args(["env", "-json"]);
        base_env(&mut c);
        c.env("GOPROXY", "off");
        c
    })?;
    let offline = median(rounds, || {
        let mut c = Command::new(&bin);
        c.args(["check", "--offline", "--json"]);
        base_env(&mut c);
        c.env("GOPROXY", "off");
        c
    })?;
    println(&format!(
        "offline: go env -json {:.1} ms, godoctor check --offline {:.1} ms, ratio {:.2} (goal <= 1.5)",
        ms(go_env),
        ms(offline),
        offline.as_secs_f64() / go_env.as_secs_f64()
    ))?;

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
