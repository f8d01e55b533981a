//! `godoctor explain`: read go's error output (arguments, stdin, or a command run with its
//! output passed through), gather the facts once (one `go env -json`, .netrc, the proxy
//! environment, a bounded re-fetch of each URL the errors name), explain, render.

use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::Context;
use crate::Outcome;
use crate::cli::ExplainArgs;
use crate::doctor::registry;
use crate::explain::{self, Explanation, Facts, Item, Refetch, Symptom};
use crate::finding::Severity;
use crate::goenv::GoEnv;
use crate::net::http::{FetchOptions, Prober};
use crate::output;

/// Most bytes of stdin read: go's error output is small; a whole build log still fits.
const MAX_INPUT: u64 = 4 * 1024 * 1024;

pub fn run(ctx: &Context, args: &ExplainArgs) -> Result<Outcome> {
    let text = if !args.command.is_empty() {
        if !args.text.is_empty() {
            return Err(crate::hinted(
                "give go's error text or a command after --, not both",
                "godoctor explain -- go mod tidy   or   go mod tidy 2>&1 | godoctor explain",
            ));
        }
        match run_command(ctx, &args.command)? {
            Ran::Succeeded(code) => {
                return Ok(if code == 0 {
                    Outcome::Clean
                } else {
                    Outcome::Problems
                });
            }
            Ran::Failed(text) => text,
        }
    } else if !args.text.is_empty() {
        args.text.join("\n")
    } else {
        read_stdin()?
    };
    let items = explain::symptom::parse(&text);
    let go_env = load_settings(ctx)?;
    let facts = gather(ctx, &go_env, &items, args);
    let explanation = explain::explain(&items, &facts);
    if ctx.output.json {
        output::print_json(&explanation)?;
    } else {
        output::print_block(&render(&explanation, &ctx.output))?;
    }
    Ok(Outcome::from_problems(!explanation.all_explained()))
}

/// The settings, even when a GOTOOLCHAIN that cannot be downloaded makes every go command
/// fail (the very error being explained): then they are read with the local toolchain and
/// GOTOOLCHAIN is reported as the user set it.
fn load_settings(ctx: &Context) -> Result<GoEnv> {
    let first = match ctx.load_go_env() {
        Ok(g) => return Ok(g),
        Err(e) => e,
    };
    let Some(wanted) = ctx.env.get("GOTOOLCHAIN").map(str::to_string) else {
        return Err(first);
    };
    let local = crate::sys::ProcessEnv::from_pairs(
        ctx.env
            .iter()
            .filter(|(k, _)| *k != "GOTOOLCHAIN")
            .chain([("GOTOOLCHAIN", "local")]),
    );
    let go = ctx.locate_go()?;
    let Ok(mut go_env) = GoEnv::load(&go, &local) else {
        return Err(first);
    };
    go_env.values.insert("GOTOOLCHAIN".into(), wanted.clone());
    if let Some(s) = go_env.settings.iter_mut().find(|s| s.name == "GOTOOLCHAIN") {
        s.value = wanted;
        s.source = crate::goenv::Source::Env;
    }
    Ok(go_env)
}

/// How the command after `--` went.
enum Ran {
    /// It succeeded (exit code 0, passed through), or exited non-zero without printing anything.
    Succeeded(i32),
    /// It failed: what it printed (stderr, then stdout).
    Failed(String),
}

fn tee_plain(bytes: &[u8], is_stderr: bool) {
    output::passthrough(bytes, is_stderr);
}

fn tee_json(bytes: &[u8], _is_stderr: bool) {
    output::passthrough(bytes, true);
}

/// Run the user's command with the user's environment, passing its output through.
fn run_command(ctx: &Context, command: &[String]) -> Result<Ran> {
    // `go` is the go godoctor reads settings with (--go, GODOCTOR_GO, PATH).
    let program: PathBuf = if command[0] == "go" {
        ctx.locate_go()?.path
    } else {
        which::which(&command[0]).map_err(|e| {
            crate::hinted(
                format!("cannot run {}: {e}", command[0]),
                "give the command as you would type it: godoctor explain -- go mod tidy",
            )
        })?
    };
    let args: Vec<OsString> = command[1..].iter().map(OsString::from).collect();
    let tee = if ctx.output.json { tee_json } else { tee_plain };
    let out = crate::sys::run_passthrough(&program, &args, &ctx.env, tee)
        .with_context(|| format!("running {}", command.join(" ")))?;
    if out.success {
        return Ok(Ran::Succeeded(0));
    }
    let Some(code) = out.status else {
        return Err(crate::hinted(
            format!("{} was stopped by a signal", command.join(" ")),
            "run it again; godoctor explains what it prints when it fails",
        ));
    };
    let text = format!("{}\n{}", out.stderr, out.stdout);
    if text.trim().is_empty() {
        return Ok(Ran::Succeeded(code));
    }
    Ok(Ran::Failed(text))
}

fn read_stdin() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(crate::hinted(
            "no error text to explain",
            "pipe go's output in (go mod download 2>&1 | godoctor explain), give it as an argument, or run the command: godoctor explain -- go mod tidy",
        ));
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .take(MAX_INPUT)
        .read_to_end(&mut buf)
        .context("reading go's output from stdin")?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Gather every fact the diagnoses may consult, once.
fn gather(ctx: &Context, go_env: &GoEnv, items: &[Item], args: &ExplainArgs) -> Facts {
    let mut facts = Facts {
        values: go_env.values.clone(),
        sources: go_env
            .settings
            .iter()
            .map(|s| (s.name.clone(), s.source))
            .collect(),
        env_file: go_env.user_file_path().map(|p| p.display().to_string()),
        ..Facts::default()
    };
    for var in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        let value = ctx
            .env
            .get(var)
            .or_else(|| ctx.env.get(&var.to_ascii_lowercase()));
        if let Some(v) = value {
            facts
                .net_env
                .insert(var.to_string(), crate::redact::redact(v));
        }
    }
    facts.shell = ctx.shell_origins(&go_env.from_env());
    facts.netrc_machines = crate::net::credentials::load_netrc(&ctx.env)
        .into_iter()
        .map(|e| e.machine)
        .collect();
    let toolchain = items.iter().any(|i| {
        matches!(
            i.symptom,
            Some(Symptom::GoTooNew { .. } | Symptom::ToolchainUnavailable { .. })
        )
    });
    if toolchain {
        // The doctor's own toolchain.switch, from go.mod and the settings (no toolchain list).
        let gomod = ctx.gomod(go_env);
        let known = registry::Facts {
            gomod: gomod.as_ref(),
            ..registry::Facts::settings(go_env, &ctx.env, &[])
        };
        facts.toolchain_check = registry::run(&known, |e| e.id == "toolchain.switch")
            .into_iter()
            .next()
            .map(|check| (check.title, check.hint));
    }
    // A package "not in std" that is a directory of the main module: imported without its path.
    let not_in_std: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.symptom {
            Some(Symptom::NotInStd { package }) => Some(package.as_str()),
            _ => None,
        })
        .collect();
    if !not_in_std.is_empty()
        && let Some((gomod, text)) = ctx.gomod(go_env)
        && let Some(path) = crate::syntax::module::declared_path(&text)
    {
        let root = gomod
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        facts.main_module = Some(explain::MainModule {
            path,
            dirs: not_in_std
                .iter()
                .filter(|p| root.join(p).is_dir())
                .map(|p| p.to_string())
                .collect(),
        });
    }
    // Who holds a port a program could not listen on: local, so looked up even --offline.
    for item in items {
        if let Some(Symptom::PortInUse { port, .. }) = item.symptom {
            facts.ports.entry(port).or_insert_with(|| port_now(port));
        }
    }
    if !args.offline {
        let mut urls = explain::diagnose::urls_to_check(items);
        urls.extend(zip_urls(go_env, items));
        facts.refetch = refetch_all(ctx, &urls, args.timeout);
    }
    facts
}

/// What holds `port` now: its listeners as the port command names them, or whether it is free.
fn port_now(port: u16) -> explain::PortNow {
    let holders: Vec<String> = crate::ports::listeners(port)
        .iter()
        .map(crate::ports::PortOwner::who)
        .collect();
    if !holders.is_empty() {
        explain::PortNow::Held(holders)
    } else if crate::ports::free::is_free(port) {
        explain::PortNow::Free
    } else {
        explain::PortNow::HeldUnknown
    }
}

/// For `zip: not a valid zip file`: the zip URL of the named module on each GOPROXY proxy.
fn zip_urls(go_env: &GoEnv, items: &[Item]) -> Vec<String> {
    let mut urls = Vec::new();
    for item in items {
        let (Some(Symptom::NotZip), Some(m), Some(v)) =
            (&item.symptom, &item.module, &item.version)
        else {
            continue;
        };
        let decision = crate::syntax::decide::decide(&go_env.values, m);
        let (Some(path), Ok(version)) = (
            decision.escaped.as_ref(),
            crate::syntax::module::escape_version(v),
        ) else {
            continue;
        };
        for step in &decision.steps {
            if let crate::syntax::decide::Step::Proxy { url, .. } = step {
                urls.push(format!(
                    "{}/{path}/@v/{version}.zip",
                    url.trim_end_matches('/')
                ));
            }
        }
    }
    urls
}

/// Fetch each URL once, concurrently, each within `timeout`.
fn refetch_all(
    ctx: &Context,
    urls: &[String],
    timeout: Duration,
) -> std::collections::BTreeMap<String, Refetch> {
    if urls.is_empty() {
        return Default::default();
    }
    let prober = Prober::new(&ctx.env);
    std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| {
                let prober = &prober;
                s.spawn(move || (u.clone(), refetch(prober, u, timeout)))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

fn refetch(prober: &Prober, url: &str, timeout: Duration) -> Refetch {
    let Ok(parsed) = url::Url::parse(url) else {
        return Refetch::Failed("not a URL godoctor can fetch".into());
    };
    let r = prober.fetch(&parsed, &FetchOptions::within(timeout, 64 * 1024));
    match (r.status, &r.error) {
        (Some(status), _) => {
            let html = r
                .content_type
                .as_deref()
                .is_some_and(|t| t.contains("html"))
                || r.body
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| *b == b'<');
            Refetch::Status { status, html }
        }
        (None, Some(e)) => Refetch::Failed(e.message.clone()),
        (None, None) => Refetch::Failed("no answer".into()),
    }
}

/// The text report: one block per diagnosis, then the lines not recognised.
fn render(ex: &Explanation, policy: &output::Output) -> String {
    let (width, detail) = (policy.width, policy.detail);
    let mut out = String::new();
    if ex.diagnoses.is_empty() && ex.unexplained.is_empty() {
        return "no error lines in the input: nothing to explain".into();
    }
    for d in &ex.diagnoses {
        let first = d.error.lines().next().unwrap_or("");
        out.push_str(&format!(
            "{} {}\n",
            output::glyph(Severity::Error),
            output::heading(first)
        ));
        out.push_str(&output::wrap(
            &format!("cause: {} [{}]", d.cause, d.id),
            width,
            "  ",
        ));
        // Not wrapped: the fix is usually a command to copy whole.
        out.push_str(&format!("  fix:   {}\n", d.fix));
        if detail.verbose() && !d.checks.is_empty() {
            out.push_str(&output::wrap(
                &output::dim(&format!("checked: {}", d.checks.join(", "))),
                width,
                "  ",
            ));
        }
        out.push('\n');
    }
    for line in &ex.unexplained {
        out.push_str(&format!(
            "{} not recognised: {}\n",
            output::glyph(Severity::Warn),
            line.lines().next().unwrap_or("")
        ));
    }
    let summary = format!(
        "{} explained, {} not recognised",
        ex.diagnoses.len(),
        ex.unexplained.len()
    );
    out.push_str(&summary);
    if !ex.unexplained.is_empty() {
        out.push_str(
            "\n(godoctor explains go's module download, checksum and settings errors, and a local proxy's taken port; it does not guess at others)",
        );
    }
    out
}
