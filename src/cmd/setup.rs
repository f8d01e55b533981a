//! `godoctor setup`: the thin terminal front end of the wizard in [`crate::wizard`]. It gathers
//! the facts (go, current settings, `.netrc` hosts), measures the candidate mirrors with a
//! spinner, asks the wizard's questions with dialoguer, runs the probes the wizard requests,
//! and applies the plan through the undoable write path. Esc or Ctrl-C before the final "yes"
//! leaves everything as it was.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use url::Url;

use super::Context;
use crate::Outcome;
use crate::cli::SetupArgs;
use crate::doctor::{GoInfo, Report, registry, render};
use crate::fetch::proxy::{self, ProbeOptions};
use crate::fetch::run::probe_settings;
use crate::fetch::sumdb::{self, Route};
use crate::fetch::{catalogue, chain};
use crate::finding::Severity;
use crate::goenv::GoEnv;
use crate::goenv::write;
use crate::net::credentials::{self, NetrcEntry};
use crate::net::http::{FetchOptions, Prober};
use crate::output::{self, Prompter};
use crate::redact::redact;
use crate::wizard::{
    self, Answer, Current, Facts, Kind, Measurement, Probe, Qid, Question, Step, SumdbProbe,
    Wizard, advice,
};

/// The settings are being written: Ctrl-C must not stop godoctor between write and rollback.
static APPLYING: AtomicBool = AtomicBool::new(false);
/// The settings were written: from here on Ctrl-C no longer means "nothing changed".
static WRITTEN: AtomicBool = AtomicBool::new(false);

pub fn run(ctx: &Context, args: &SetupArgs) -> Result<Outcome> {
    if ctx.output.json {
        return Err(crate::hinted(
            "`godoctor setup` asks questions and has no JSON output",
            "use `godoctor env --json` to read the settings, `godoctor env set` or `godoctor profile apply` to write them",
        ));
    }
    let Some(prompter) = ctx.output.prompter() else {
        return Err(non_terminal());
    };
    let go = ctx.locate_go().map_err(|e| {
        crate::hinted(
            format!("{e:#}: setup needs go to read and write its settings; nothing was changed"),
            "install Go from https://go.dev/dl/ (or your package manager: `apt install golang-go`, `brew install go`, `winget install GoLang.Go`), \
             open a new terminal so PATH includes its bin directory, then run `godoctor setup` again; \
             a go installed elsewhere: pass --go /path/to/go or set GODOCTOR_GO",
        )
    })?;
    let go_env = GoEnv::load(&go, &ctx.env)
        .map_err(|e| crate::hinted(e.to_string(), "run `go env` yourself to see what go says"))?;
    install_ctrlc();

    output::note(&format!(
        "{} {} {}",
        output::glyph(Severity::Ok),
        output::heading("go"),
        output::dim(&format!(
            "{} ({}, found via {})",
            go_env.version(),
            go_env.go.path.display(),
            go_env.go.how
        ))
    ));
    // Read once: the checks of the current settings, the wizard's facts and every prober use it.
    let netrc = credentials::load_netrc(&ctx.env);
    output::note(&current_block(ctx, &go_env, &netrc));

    let file = match &args.candidates {
        Some(path) => read_candidates(path)?,
        None => Vec::new(),
    };
    let builtin = if args.no_builtin {
        Vec::new()
    } else {
        catalogue::builtin()
    };
    let candidates = wizard::candidates::candidates(file, builtin, go_env.get("GOPROXY"));
    let opts = super::probe_options(&args.probe, args.module.module.as_slice())?;
    let prober = prober_for(ctx, &go_env, &netrc);
    let urls: Vec<Url> = candidates.iter().map(|c| c.url.clone()).collect();
    let reports = ctx.output.spin(
        &format!("measuring {} candidate mirror(s)…", urls.len()),
        || proxy::test_all(&prober, &urls, &opts),
    );
    let measured: Vec<Measurement> = candidates
        .iter()
        .zip(&reports)
        .map(|(c, r)| wizard::candidates::measurement(c, r))
        .collect();

    let facts = facts(&go_env, &netrc);
    let mut wiz = Wizard::new(facts, measured);
    loop {
        match wiz.next() {
            Step::Ask(q) => {
                if q.id == Qid::Apply {
                    output::note(&wizard::render::render_plan(&wiz.plan()));
                }
                let answer = ask(&prompter, &q)?;
                match wiz.answer(answer) {
                    Ok(notes) => show_notes(&notes),
                    Err(why) => output::note(&format!(
                        "{} {}",
                        output::glyph(Severity::Error),
                        redact(&why)
                    )),
                }
            }
            Step::Probe(Probe::Proxy { url, private }) => {
                let m = match proxy::parse_proxy_url(&url) {
                    Ok(u) => {
                        let mut o = opts.clone();
                        if private {
                            // A private proxy is not expected to serve the public probe module
                            // (not-serving-module is a warning, not a failure).
                            o.samples = 1;
                        }
                        let r = ctx.output.spin(&redact(&format!("probing {url}…")), || {
                            proxy::test_proxy(&prober, &u, &o)
                        });
                        let c = wizard::candidates::Candidate {
                            url: u,
                            name: url.clone(),
                            current: false,
                        };
                        wizard::candidates::measurement(&c, &r)
                    }
                    Err(e) => Measurement {
                        url: url.clone(),
                        name: url.clone(),
                        current: false,
                        ok: false,
                        median_ms: None,
                        verdict: "bad-url".into(),
                        diagnosis: e,
                        hint: None,
                        proxies_sumdb: None,
                    },
                };
                if m.ok {
                    let mark = if m.verdict == "ok" {
                        Severity::Ok
                    } else {
                        Severity::Warn
                    };
                    output::note(&format!(
                        "{} {}",
                        output::glyph(mark),
                        redact(&format!("{}: {}", m.url, m.diagnosis))
                    ));
                }
                wiz.proxy_probed(m);
            }
            Step::Probe(Probe::Sumdb { values, goproxy }) => {
                let probes = ctx.output.spin("checking the checksum databases…", || {
                    probe_sumdbs(&prober, &values, &goproxy, opts.timeout)
                });
                wiz.sumdb_probed(probes);
            }
            Step::Declined => {
                output::note(&format!(
                    "{} nothing was changed",
                    output::glyph(Severity::Info)
                ));
                return Ok(Outcome::Clean);
            }
            Step::Apply => return apply(ctx, &prompter, &go_env, &wiz, &netrc, &opts),
        }
    }
}

/// The error for a run without a terminal: what to run instead.
fn non_terminal() -> anyhow::Error {
    let rows: Vec<Vec<String>> = advice::non_interactive_equivalents()
        .into_iter()
        .map(|(cmd, what)| vec![format!("  {cmd}"), format!("# {what}")])
        .collect();
    crate::hinted(
        "`godoctor setup` asks questions, but stdin, stdout or stderr is not a terminal (CI, a pipe); nothing was changed",
        format!(
            "run it in a terminal, or make the same choices without questions:\n{}",
            output::table(&rows).trim_end()
        ),
    )
}

/// Ctrl-C anywhere before the write (a prompt, a probe): restore the cursor, say that nothing
/// changed, stop with 130 like a shell does. The handler is the one place that reacts: a
/// prompt that reads the key itself raises SIGINT too (see [`io_error`]).
fn install_ctrlc() {
    let _ = ctrlc::set_handler(|| {
        if APPLYING.load(Ordering::SeqCst) {
            // Between snapshot and verification the write path must finish (or roll back).
            return;
        }
        output::show_cursor();
        if WRITTEN.load(Ordering::SeqCst) {
            output::note(
                "\nsetup stopped (Ctrl-C); the new settings stay written: `godoctor undo` reverts them",
            );
        } else {
            output::note("\nsetup cancelled (Ctrl-C): nothing was changed");
        }
        std::process::exit(130);
    });
}

/// The current settings in one short block, with their sources and problems.
fn current_block(ctx: &Context, go_env: &GoEnv, netrc: &[NetrcEntry]) -> String {
    let mut rows = Vec::new();
    for name in wizard::DECIDED.iter().chain(["GOINSECURE"].iter()) {
        let Some(s) = go_env.setting(name) else {
            continue;
        };
        if s.value.is_empty()
            && matches!(*name, "GOAUTH" | "GOINSECURE" | "GONOPROXY" | "GONOSUMDB")
        {
            continue;
        }
        let value = if s.value.is_empty() {
            output::dim("(empty)")
        } else {
            s.value.clone()
        };
        let source = match (&s.file, s.derived_from) {
            (_, Some(from)) => format!("default (from {from})"),
            (Some(f), _) => format!("{} {}", s.source.as_str(), f.display()),
            _ => s.source.as_str().to_string(),
        };
        rows.push(vec![format!("  {name}"), value, output::dim(&source)]);
    }
    let mut text = format!(
        "{}\n{}",
        output::heading("Current settings"),
        output::table(&rows)
    );
    // The problems `godoctor check` raises about the settings without the network, one line
    // each.
    let facts = registry::Facts::settings(go_env, &ctx.env, netrc);
    for c in registry::run(&facts, |e| e.setup && e.network == registry::Network::No)
        .iter()
        .filter(|c| c.is_problem())
    {
        let mark = if c.status == Severity::Error {
            Severity::Error
        } else {
            Severity::Warn
        };
        text.push_str(&format!("{} {}\n", output::glyph(mark), c.title));
    }
    redact(text.trim_end())
}

/// A prober with the credentials go uses with `go_env`'s GOAUTH (and the `.netrc` read once).
fn prober_for(ctx: &Context, go_env: &GoEnv, netrc: &[NetrcEntry]) -> Prober {
    let goauth = go_env.values.get("GOAUTH").map(String::as_str);
    Prober::from_credentials(
        &ctx.env,
        credentials::Credentials::load_with_netrc(&ctx.env, goauth, netrc),
    )
}

fn facts(go_env: &GoEnv, netrc: &[NetrcEntry]) -> Facts {
    let file = go_env.user_file.parsed();
    let settings = wizard::DECIDED
        .iter()
        .filter_map(|name| {
            let s = go_env.setting(name)?;
            Some((
                name.to_string(),
                Current {
                    value: s.value.clone(),
                    source: s.source.as_str().to_string(),
                    in_file: file
                        .and_then(|(_, f)| f.last(name))
                        .map(|e| e.value.clone()),
                },
            ))
        })
        .collect();
    let netrc = netrc
        .iter()
        .map(|e| (e.machine.clone(), e.login.clone()))
        .collect();
    Facts {
        go_version: go_env.version().to_string(),
        settings,
        netrc,
    }
}

/// Check each GOSUMDB value the way go reaches it with `goproxy` (through a proxy that proxies
/// it, else directly, or at the URL in the value), verifying the signed tree head, concurrently.
fn probe_sumdbs(
    prober: &Prober,
    values: &[String],
    goproxy: &str,
    timeout: Duration,
) -> Vec<SumdbProbe> {
    let route = chain::sources(goproxy, proxy::DEFAULT_MODULE).unwrap_or_default();
    let fetch = FetchOptions::within(timeout, 64 * 1024);
    let failed = |value: &str, detail: String| SumdbProbe {
        value: value.to_string(),
        ok: false,
        ms: None,
        route: String::new(),
        detail,
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = values
            .iter()
            .map(|value| {
                let route = &route;
                s.spawn(move || match sumdb::resolve(value) {
                    Ok(Some(target)) => {
                        let r = sumdb::check(prober, &target, route, &fetch);
                        let how = match &r.route {
                            Some(Route::Proxy(p)) => format!("through {p}"),
                            Some(Route::Explicit(_)) => "at the URL in GOSUMDB".to_string(),
                            Some(Route::Direct(_)) | None => "directly".to_string(),
                        };
                        SumdbProbe {
                            value: value.clone(),
                            ok: r.ok,
                            ms: r.median_ms,
                            route: how,
                            detail: r.diagnosis,
                        }
                    }
                    Ok(None) => failed(value, "verification is off".into()),
                    Err(e) => failed(value, e),
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(values)
            .map(|(h, value)| {
                h.join()
                    .unwrap_or_else(|_| failed(value, "internal error while probing".into()))
            })
            .collect()
    })
}

/// Why the wizard stopped without changing anything.
fn cancelled(how: &str) -> anyhow::Error {
    output::show_cursor();
    crate::hinted(
        format!("setup cancelled ({how}): nothing was changed"),
        "run `godoctor setup` again when you are ready",
    )
}

/// Map a prompt's I/O error. Ctrl-C read as a key makes the terminal library raise SIGINT and
/// return `Interrupted`: give the Ctrl-C handler a moment to end the process (exit 130), and
/// cancel here only if it does not.
fn io_error(e: io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::Interrupted {
        std::thread::sleep(Duration::from_secs(2));
        cancelled("Ctrl-C")
    } else {
        anyhow::Error::new(e).context("reading the answer from the terminal failed")
    }
}

/// Ask one question on the terminal. Esc (and Ctrl-C) cancel the whole wizard.
fn ask(prompter: &Prompter, q: &Question) -> Result<Answer> {
    for n in &q.notes {
        output::note(&format!("{} {}", output::glyph(Severity::Info), redact(n)));
    }
    let answer = match &q.kind {
        Kind::Select { options, default } => prompter
            .select(&q.prompt, options, *default)
            .map(|o| o.map(Answer::Choice)),
        Kind::Confirm { default } => prompter
            .confirm(&q.prompt, *default)
            .map(|o| o.map(Answer::Yes)),
        Kind::Text { default } => {
            let url = matches!(q.id, Qid::CustomProxy | Qid::PrivateProxyUrl);
            let mask: &dyn Fn(&str) -> String = &advice::mask_url_input;
            prompter
                .line(&q.prompt, default.as_deref(), url.then_some(mask))
                .map(|o| o.map(Answer::Text))
        }
    };
    answer.map_err(io_error)?.ok_or_else(|| cancelled("Esc"))
}

fn show_notes(notes: &[String]) {
    for n in notes {
        output::note(&format!("  {}", redact(n)));
    }
}

/// The `--candidates` file's mirrors (an error names the line).
fn read_candidates(path: &std::path::Path) -> Result<Vec<catalogue::Mirror>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        crate::hinted(
            format!("cannot read the candidates file {}: {e}", path.display()),
            "give a file with one proxy URL per line (optionally followed by a name); # starts a comment",
        )
    })?;
    catalogue::parse_candidates(&text, &path.display().to_string()).map_err(|e| {
        crate::hinted(
            e,
            "one proxy URL per line, optionally followed by a name, e.g. https://goproxy.example.com My mirror",
        )
    })
}

/// Write the plan, show what changed, then check the new settings.
fn apply(
    ctx: &Context,
    prompter: &Prompter,
    go_env: &GoEnv,
    wiz: &Wizard,
    netrc: &[NetrcEntry],
    opts: &ProbeOptions,
) -> Result<Outcome> {
    let plan = wiz.plan();
    if plan.changes.is_empty() {
        output::note(&format!(
            "{} nothing to change: your settings already match your answers",
            output::glyph(Severity::Ok)
        ));
        offer_profile(ctx, prompter)?;
        return Ok(Outcome::Clean);
    }
    let equivalent = advice::equivalent_command(&plan.changes).unwrap_or_default();
    let history = ctx.history()?;
    APPLYING.store(true, Ordering::SeqCst);
    let written = write::write(
        &go_env.go,
        &ctx.env,
        &history,
        &plan.changes,
        &format!("setup ({equivalent})"),
    );
    WRITTEN.store(written.is_ok(), Ordering::SeqCst);
    APPLYING.store(false, Ordering::SeqCst);
    let report = written.map_err(super::write::error)?;
    super::write::render(ctx, &report, &[], "wrote")?;
    let problems = check_new(ctx, &report.after, netrc, opts)?;
    output::print_block(&format!(
        "{} {}\n  {equivalent}",
        output::glyph(Severity::Info),
        output::dim("the same without questions (for CI or another machine):")
    ))?;
    offer_profile(ctx, prompter)?;
    Ok(Outcome::from_problems(problems))
}

/// Offer to keep the settings now in effect as a user profile, through `profile save`. Esc
/// here means "no": the settings are already written.
fn offer_profile(ctx: &Context, prompter: &Prompter) -> Result<()> {
    let save = prompter
        .confirm(
            "Save these settings as a named profile (to apply them elsewhere in one step)?",
            false,
        )
        .map_err(io_error)?;
    if save != Some(true) {
        return Ok(());
    }
    loop {
        let Some(name) = prompter
            .line("Profile name (e.g. home, office)", None, None)
            .map_err(io_error)?
        else {
            return Ok(());
        };
        let name = name.trim().to_string();
        if name.is_empty() {
            return Ok(());
        }
        if !crate::profile::schema::valid_name(&name) {
            output::note(&format!(
                "{} `{name}` is not a valid profile name: lower-case letters, digits, `-`, `_` or `.`, starting with a letter or digit",
                output::glyph(Severity::Error)
            ));
            continue;
        }
        match ctx.save_profile(
            &name,
            false,
            Some("Saved by `godoctor setup` from the answers given then."),
        ) {
            Ok(saved) => {
                output::print_block(&format!(
                    "{}{} {}\n  godoctor profile apply {name} --yes",
                    crate::profile::render::saved_text(&saved),
                    output::glyph(Severity::Info),
                    output::dim("apply it on another machine or in CI with:")
                ))?;
                return Ok(());
            }
            Err(e) => output::print_error(&ctx.output, &e),
        }
    }
}

/// Run the doctor's checks for the settings go now uses: where values come from, their grammar
/// and combinations, private patterns and logins, and the proxies and checksum database as go
/// will meet them (probed with the wizard's options). Reaching private hosts and the cache are
/// left to `godoctor check`.
fn check_new(
    ctx: &Context,
    after: &GoEnv,
    netrc: &[NetrcEntry],
    opts: &ProbeOptions,
) -> Result<bool> {
    // The credentials go now uses: the GOAUTH just written, if the wizard changed it.
    let prober = prober_for(ctx, after, netrc);
    let run = ctx.output.spin("checking the new settings…", || {
        probe_settings(
            &prober,
            after.get("GOPROXY"),
            after.get("GOSUMDB"),
            opts.clone(),
        )
    });
    let facts = registry::Facts {
        probes: Some(registry::Probes {
            run: &run,
            hosts: &[],
        }),
        ..registry::Facts::settings(after, &ctx.env, netrc)
    };
    let checks = registry::run(&facts, |e| e.setup);
    let report = Report::new(
        GoInfo {
            path: Some(after.go.path.display().to_string()),
            version: Some(after.version().to_string()),
            goroot: Some(after.get("GOROOT").to_string()),
        },
        checks,
    );
    output::print_block(&format!(
        "\n{}\n{}",
        output::heading("Checks for the new settings"),
        render::text(&report, ctx.output.detail)
    ))?;
    Ok(report.has_problems(false))
}
