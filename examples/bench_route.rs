//! Benchmark of `godoctor route MOD@VER --probe` against `go mod download MOD@VER`:
//! `cargo run --release --example bench_route`.
//!
//! Both walk the same route (`.info`, `.mod`, `.zip`) through the same loopback Go module proxy
//! (the integration tests' proxy, `tests/common/proxy.rs`), which waits before every answer
//! (injected latency), so each is bound by its round trips and the ratio godoctor / go should be
//! at most 1.0 (issue 17). go gets a fresh GOMODCACHE every round, so it really downloads;
//! rounds alternate go and godoctor so the machine's load hits both alike. Each side's requests
//! are counted from the proxy's log, to show they asked the same.
//!
//! All traffic goes to 127.0.0.1; GOSUMDB is off for both. Options (environment):
//! `BENCH_ROUNDS=9`, `BENCH_DELAY_MS=50`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godoctor::output::println;

#[allow(dead_code)]
#[path = "support/bench.rs"]
mod bench;
#[allow(dead_code)]
#[path = "../tests/it/common/modules.rs"]
mod modules;
#[allow(dead_code)]
#[path = "../tests/it/common/proxy.rs"]
mod proxy;
#[allow(dead_code)]
#[path = "../tests/it/common/sumdb.rs"]
mod sumdb;

use modules::Module;
use proxy::{Behaviour, GoProxy};

use bench::{Res, build_godoctor, env_num, load_average, median, ms};

fn main() {
    if let Err(e) = run() {
        godoctor::output::note(&format!("bench_route: {e}"));
        std::process::exit(2);
    }
}

fn run() -> Res<()> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = build_godoctor(&manifest)?;
    let go = which::which("go")?;
    let rounds = env_num("BENCH_ROUNDS", 9).max(1) as usize;
    let delay = Duration::from_millis(env_num("BENCH_DELAY_MS", 50));

    // A module of a realistic shape: some packages, a few hundred KB zipped.
    let mut module = Module::new("example.com/bench/route", "v1.4.2");
    for p in 0..8 {
        for f in 0..6 {
            let body = format!("package p{p}\n\n// f{f}\n{}\n", "var _ = 1\n".repeat(400));
            module = module.file(&format!("p{p}/f{f}.go"), body);
        }
    }
    let spec = module.spec();
    let proxy = GoProxy::start(vec![module]);
    proxy.set_behaviour(Behaviour::SlowHeaders(delay));

    let dir = tempfile::Builder::new()
        .prefix("godoctor-bench-route-")
        .tempdir()?;
    let root = dir.path().to_path_buf();
    let telemetry = root.join("home/.config/go/telemetry");
    std::fs::create_dir_all(&telemetry)?;
    // Telemetry off: go would otherwise start a sidecar that writes under HOME.
    std::fs::write(telemetry.join("mode"), "off")?;
    std::fs::create_dir_all(root.join("work"))?;
    let env = |cmd: &mut Command, modcache: &Path| {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("home/.config"))
            .env("GOENV", root.join("goenv"))
            .env("GOPATH", root.join("go"))
            .env("GOMODCACHE", modcache)
            .env("GOCACHE", root.join("gocache"))
            .env("GODOCTOR_HOME", root.join("godoctor"))
            .env("GOPROXY", proxy.url())
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-mod=mod")
            .current_dir(root.join("work"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
    };
    let go_cmd = |round: usize| {
        let mut c = Command::new(&go);
        c.args(["mod", "download", &spec]);
        env(&mut c, &root.join(format!("modcache-{round}")));
        c
    };
    let godoctor_cmd = || {
        let mut c = Command::new(&bin);
        c.args(["route", &spec, "--probe", "--json"]);
        env(&mut c, &root.join("modcache-godoctor"));
        c
    };

    println(&format!(
        "bench_route: {rounds} rounds, every proxy answer delayed {} ms, load average {} at start",
        delay.as_millis(),
        load_average()
    ))?;
    // Warm-up (binaries into the page cache), and the requests each side makes.
    proxy.clear_log();
    timed(go_cmd(rounds + 1))?;
    let go_requests = proxy.paths();
    proxy.clear_log();
    timed(godoctor_cmd())?;
    let godoctor_requests = proxy.paths();
    println(&format!(
        "requests: go mod download {} {:?}\n          godoctor route --probe {} {:?}",
        go_requests.len(),
        go_requests,
        godoctor_requests.len(),
        godoctor_requests
    ))?;

    let (mut go_times, mut godoctor_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        go_times.push(timed(go_cmd(round))?);
        godoctor_times.push(timed(godoctor_cmd())?);
    }
    let (g, d) = (median(go_times), median(godoctor_times));
    let ratio = d.as_secs_f64() / g.as_secs_f64();
    println(&format!(
        "go mod download {:.1} ms, godoctor route --probe {:.1} ms (medians), ratio {ratio:.2} \
         (goal <= 1.0: {}); load average {} at the end",
        ms(g),
        ms(d),
        if ratio <= 1.0 { "ok" } else { "MISSED" },
        load_average()
    ))?;
    Ok(())
}

/// Wall time of one run; a failure is an error with the command's last line of stderr.
fn timed(mut cmd: Command) -> Res<Duration> {
    let started = Instant::now();
    let out = cmd.output()?;
    let took = started.elapsed();
    // route exits 1 when the route has a problem; the bench's route has none.
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            out.status,
            err.lines().last().unwrap_or("")
        )
        .into());
    }
    Ok(took)
}
