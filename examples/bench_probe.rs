//! Benchmark of the probe engine on loopback only: `cargo run --release --example bench_probe`.
//!
//! 1. Concurrency: wall time of `proxy test` logic (`probe::proxy::test_all`, 3 samples + the
//!    protocol checks) for five proxies that each delay every answer by D, divided by the wall
//!    time for one such proxy. Goal ≤ 1.2 (probing five takes about as long as the slowest).
//! 2. Accuracy: measured TTFB against a known injected server delay. Goal: within 5 ms or 5%.
//!
//! Servers are the test harness's loopback Go module proxy (tests/common/proxy.rs).
//! Options (environment): `BENCH_DELAY_MS=200`, `BENCH_ROUNDS=5`.

// The harness modules, at the crate root so their `super::` paths resolve as in tests/common.
#[allow(dead_code, clippy::all)]
#[path = "../tests/it/common/modules.rs"]
mod modules;
#[allow(dead_code, clippy::all)]
#[path = "../tests/it/common/proxy.rs"]
mod proxy;
#[allow(dead_code, clippy::all)]
#[path = "../tests/it/common/sumdb.rs"]
mod sumdb;

use std::time::{Duration, Instant};

use godoctor::fetch::proxy::{ProbeOptions, median, test_all};
use godoctor::fetch::walkset::WalkSet;
use godoctor::net::http::{FetchOptions, Prober};
use godoctor::output::println;
use godoctor::syntax::proxyurl::info_url;
use godoctor::sys::ProcessEnv;
use modules::Module;
use proxy::{Behaviour, GoProxy};
use url::Url;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn delayed(delay: Duration) -> GoProxy {
    GoProxy::builder()
        .module(Module::new("example.com/hello", "v1.0.0"))
        .behaviour(Behaviour::SlowHeaders(delay))
        .start()
}

fn main() -> std::io::Result<()> {
    let delay = Duration::from_millis(env_num("BENCH_DELAY_MS", 200));
    let rounds = env_num("BENCH_ROUNDS", 5).max(1) as usize;
    // An empty environment: no proxy variables, default trust store; traffic stays on loopback.
    let prober = Prober::new(&ProcessEnv::default());
    let opts = ProbeOptions {
        timeout: Duration::from_secs(30),
        samples: 3,
        walk: WalkSet::new(
            vec![("example.com/hello".into(), "v1.0.0".into())],
            "the bench's module",
        )
        .unwrap_or_default(),
        ..ProbeOptions::default()
    };

    // 1. Five delayed proxies vs one.
    let servers: Vec<GoProxy> = (0..5).map(|_| delayed(delay)).collect();
    let urls: Vec<Url> = servers
        .iter()
        .filter_map(|s| Url::parse(&s.url()).ok())
        .collect();
    let (mut one, mut five) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let r = test_all(&prober, &urls[..1], &opts);
        one.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(r.iter().all(|r| r.ok), "a delayed proxy must still pass");
        let t = Instant::now();
        let r = test_all(&prober, &urls, &opts);
        five.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(r.iter().all(|r| r.ok), "a delayed proxy must still pass");
    }
    let (m1, m5) = (median(&one), median(&five));
    let ratio = m5 / m1;
    println(&format!(
        "concurrency: 1 proxy {m1:.1} ms, 5 proxies {m5:.1} ms (median of {rounds}; each answer delayed {} ms)",
        delay.as_millis()
    ))?;
    println(&format!(
        "  ratio 5/1 = {ratio:.3}  (goal <= 1.2: {})",
        if ratio <= 1.2 { "met" } else { "NOT met" }
    ))?;

    // 2. TTFB against the injected delay.
    println("ttfb accuracy (median of 5 fetches of .info):")?;
    let mut all_met = true;
    for ms in [10u64, 50, 100, 200, 500] {
        let d = Duration::from_millis(ms);
        let server = delayed(d);
        let Some(url) = Url::parse(&server.url())
            .ok()
            .and_then(|u| info_url(&u, "example.com/hello", "v1.0.0"))
        else {
            continue;
        };
        let ttfbs: Vec<f64> = (0..5)
            .filter_map(|_| {
                prober
                    .fetch(
                        &url,
                        &FetchOptions::within(Duration::from_secs(10), 64 * 1024),
                    )
                    .phases
                    .ttfb_ms
            })
            .collect();
        let got = median(&ttfbs);
        let err = got - ms as f64;
        let met = err.abs() <= 5.0 || err.abs() <= ms as f64 * 0.05;
        all_met &= met;
        println(&format!(
            "  injected {ms:>4} ms  measured {got:>8.2} ms  error {err:>+6.2} ms ({:>+5.1}%)  {}",
            err / ms as f64 * 100.0,
            if met { "ok" } else { "NOT met" }
        ))?;
    }
    println(&format!(
        "  goal within 5 ms or 5%: {}",
        if all_met { "met" } else { "NOT met" }
    ))?;
    Ok(())
}
