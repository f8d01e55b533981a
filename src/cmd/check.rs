//! `godoctor check`: gather the facts once (one `go env -json`, concurrent probes, one cache
//! walk), run the pure checks, render one report as text or JSON, optionally apply safe fixes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use super::Context;
use crate::Outcome;
use crate::cache::fsinfo;
use crate::cache::stats::{self, ModCacheReport, TreeReport};
use crate::cache::walk::WalkOptions;
use crate::cache::{dirindex, index};
use crate::cli::{CheckArgs, CheckFormat};
use crate::doctor::{self, GoInfo, Report, private, registry, render, toolchain};
use crate::fetch::plan::SourceKind;
use crate::fetch::proxy::ProbeOptions;
use crate::fetch::run::{SettingsRun, probe_settings};
use crate::fetch::walkset::WalkSet;
use crate::goenv::{GoEnv, write};
use crate::net::credentials::Credentials;
use crate::net::http::Prober;
use crate::output;

pub fn run(ctx: &Context, args: &CheckArgs) -> Result<Outcome> {
    if args.list {
        return list(ctx);
    }
    let unknown = registry::unknown_ids(&args.ids);
    if !unknown.is_empty() {
        let meant: Vec<String> = unknown
            .iter()
            .filter_map(|w| registry::closest_id(w).map(|m| format!("did you mean {m}? ")))
            .collect();
        return Err(crate::hinted(
            format!(
                "unknown check id: {}",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "{}`godoctor check --list` lists every id; a section name like `proxy` selects its checks",
                meant.concat()
            ),
        ));
    }
    let chosen = WalkSet::from_args(&args.modules).map_err(|e| {
        crate::hinted(
            e,
            "write it as PATH@VERSION, e.g. golang.org/x/text@v0.14.0",
        )
    })?;
    let configured = configured_canaries(ctx)?;
    let walk = Walk { chosen, configured };
    let json = ctx.output.json || args.format == CheckFormat::Json;
    let report = gather_and_check(ctx, args, &walk);
    // With --json --fix only the report after the fixes goes to stdout (one JSON document).
    if !(json && args.fix) {
        show(ctx, args, &report)?;
    }
    if args.fix && apply_fixes(ctx, &report, args.yes)? {
        // Show the report again, so what the fixes changed (and what is left) is visible.
        if !json {
            output::print_block("")?;
        }
        // The whole gather again, on purpose: the fixes were written with `go env -w`, and
        // every check reads go env (the probes follow GOPROXY/GOSUMDB/GOAUTH, the routes
        // GOPRIVATE, toolchain.switch GOTOOLCHAIN, the caches GOMODCACHE), so the report after
        // is the one a fresh `godoctor check` gives. Only PATH and go.mod are certainly
        // unchanged, and they cost nothing; the cache walk reuses its index.
        let after = gather_and_check(ctx, args, &walk);
        show(ctx, args, &after)?;
        return Ok(Outcome::from_problems(after.has_problems(args.strict)));
    }
    if json && args.fix {
        show(ctx, args, &report)?;
    }
    Ok(Outcome::from_problems(report.has_problems(args.strict)))
}

fn show(ctx: &Context, args: &CheckArgs, report: &Report) -> Result<()> {
    match args.format {
        _ if ctx.output.json => output::print_json(report)?,
        CheckFormat::Json => output::print_json(report)?,
        CheckFormat::Markdown => output::print_block(&doctor::ci::markdown(report))?,
        CheckFormat::Text => {
            let text = render::text(report, ctx.output.detail);
            // `-q` with nothing wrong prints nothing at all.
            if !text.is_empty() {
                output::print_block(&text)?;
            }
            // On GitHub Actions, the problems also annotate the run.
            if ctx.env.get("GITHUB_ACTIONS") == Some("true") {
                let notes = doctor::ci::github_annotations(report);
                if !notes.is_empty() {
                    output::print_block(&notes)?;
                }
            }
        }
    }
    Ok(())
}

fn list(ctx: &Context) -> Result<Outcome> {
    if ctx.output.json {
        let rows: Vec<serde_json::Value> = registry::CHECKS
            .iter()
            .map(|e| serde_json::json!({"id": e.id, "about": e.about}))
            .collect();
        output::print_json(&rows)?;
    } else {
        let rows: Vec<Vec<String>> = registry::CHECKS
            .iter()
            .map(|e| vec![e.id.to_string(), e.about.to_string()])
            .collect();
        output::print_block(&output::table(&rows))?;
    }
    Ok(Outcome::Clean)
}

/// What the user asked to walk: `--module` modules, and the canaries of godoctor's config.
struct Walk {
    chosen: Option<WalkSet>,
    configured: Option<WalkSet>,
}

/// The canaries of `modules.txt` in godoctor's config directory (one PATH@VERSION per line),
/// if that file exists; a line that is not a module version is an error naming it.
fn configured_canaries(ctx: &Context) -> Result<Option<WalkSet>> {
    let Some(path) = crate::home::config_dir(&ctx.env).map(|d| d.join("modules.txt")) else {
        return Ok(None);
    };
    let hint = "one PATH@VERSION per line (e.g. golang.org/x/text@v0.14.0); # starts a comment";
    let bytes = match crate::sys::read_file_capped(&path, 64 * 1024) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(None),
        Err(e) => return Err(crate::hinted(e.to_string(), hint)),
    };
    let shown = path.display().to_string();
    WalkSet::from_modules_file(&String::from_utf8_lossy(&bytes), &shown)
        .map_err(|e| crate::hinted(e, hint))
}

/// Gather facts and run every check; a missing or broken go is itself a finding. `walk`:
/// what the user asked to walk.
fn gather_and_check(ctx: &Context, args: &CheckArgs, walk: &Walk) -> Report {
    let go = match ctx.locate_go() {
        Ok(go) => go,
        Err(e) => {
            return no_go_report(
                &format!("{e:#}"),
                "install Go from https://go.dev/dl, or pass --go /path/to/go",
            );
        }
    };
    // Whether a section is selected (`check proxy`, `check proxy.reach` or no ids at all).
    let wants = |section: &str| {
        args.ids.is_empty()
            || args
                .ids
                .iter()
                .any(|w| w.split('.').next() == Some(section))
    };
    let wants_cache = wants("cache");
    // Walk the caches where they most likely are while `go env -json` runs (2 cores: the walk
    // is otherwise most of an offline check); walked again below if go names other paths.
    let data_dir = crate::home::data_dir(&ctx.env);
    let guessed = wants_cache.then(|| guess_cache_paths(&ctx.env));
    let early_walk = guessed.clone().map(|(modcache, gocache)| {
        let data_dir = data_dir.clone();
        std::thread::spawn(move || measure_caches(&modcache, &gocache, data_dir.as_deref()))
    });
    let go_env = match GoEnv::load(&go, &ctx.env) {
        Ok(g) => g,
        Err(e) => {
            return match GoEnv::degraded(&go, &ctx.env, &e) {
                Some(degraded) => refused_report(ctx, args, &degraded, &e),
                None => no_go_report(&e.to_string(), "run `go env` yourself to see what go says"),
            };
        }
    };
    // The early walk is joined only where its result is used, so reading PATH, go.mod and
    // .netrc below overlaps it too.
    let guessed_right =
        guessed.is_some_and(|(m, g)| m == modcache_of(&go_env) && g == go_env.get("GOCACHE"));
    let all_on_path = crate::goenv::locate::all_on_path(&ctx.env);
    let gomod = ctx.gomod(&go_env);
    let gomod_error = gomod
        .as_ref()
        .and_then(|(path, _)| crate::goenv::gomod_error(&go, &ctx.env, path));

    // `.netrc` is read once: private.auth reports on it, and the prober sends it.
    let netrc = crate::net::credentials::load_netrc(&ctx.env);
    // One prober for every request of this check (the toolchain list, the proxies and
    // checksum database, private hosts), with GOAUTH as go sees it; built on first use, so an
    // offline check loads no trust store.
    let prober = std::sync::OnceLock::new();
    let prober = || {
        prober.get_or_init(|| {
            let goauth = go_env.values.get("GOAUTH").map(String::as_str);
            let credentials = Credentials::load_with_netrc(&ctx.env, goauth, &netrc);
            Prober::from_credentials(&ctx.env, credentials)
        })
    };
    // Asked only for toolchain.switch (the registry's `Fetches`): `check cache` reaches no proxy.
    let releases = registry::wants("toolchain.switch", &args.ids)
        .then(|| toolchain_releases(&prober, &go_env, gomod.as_ref(), args));
    let hosts = private::private_hosts(&go_env);
    let routes = gomod
        .as_ref()
        .map(|(path, text)| required_routes(ctx, &go_env, path, text));

    // Probe only when a check asked for needs the network (the registry says which).
    let online = !args.offline && registry::wants_probes(&args.ids);
    let walk_set = walk_set(ctx, &go_env, gomod.as_ref(), walk);
    let mut facts = gather_slow(
        ctx,
        &prober,
        &go_env,
        &hosts,
        args.timeout,
        &walk_set,
        online,
        (wants_cache && !guessed_right).then_some(data_dir.as_deref()),
    );
    // A walk of a wrong guess is still joined (its index is written whole, not cut off).
    let early_caches = early_walk.and_then(|h| h.join().ok());
    if let Some(caches) = early_caches.filter(|_| guessed_right) {
        facts.caches = caches;
    }
    let gathered = registry::Facts {
        go_env: &go_env,
        os: &ctx.env,
        netrc: &netrc,
        on_path: &all_on_path,
        gomod: gomod.as_ref(),
        gomod_error: gomod_error.as_deref(),
        releases: releases.as_ref(),
        routes: routes.as_deref(),
        probes: facts.run.as_ref().map(|run| registry::Probes {
            run,
            hosts: &facts.hosts,
        }),
        caches: facts
            .caches
            .modcache
            .as_ref()
            .map(|modcache| registry::Caches {
                modcache,
                gocache: facts.caches.gocache.as_ref(),
                took_ms: facts.caches.took_ms,
            }),
        refusal: None,
    };
    let mut checks = registry::run(&gathered, |e| e.chosen_by(&args.ids));
    // Values a profile in use sets on purpose (offline's GOPROXY=off) are not problems to fix
    // (the profiles are read only when there is a problem at all).
    if checks.iter().any(doctor::Check::is_problem)
        && let Some(profile) = profile_in_use(ctx, &go_env)
    {
        doctor::intent::mark(&mut checks, &profile);
    }

    // A fix for a value the process environment sets is an edit of the shell line setting it.
    let goenv_var = ctx.env.get("GOENV").filter(|v| *v != "off");
    let goroot_var = ctx.env.get("GOROOT").filter(|v| !v.is_empty());
    let mut from_env = go_env.from_env();
    from_env.extend(goenv_var.map(|_| "GOENV"));
    from_env.extend(goroot_var.map(|_| "GOROOT"));
    let origins = ctx.shell_origins(&from_env);
    doctor::envfix::rewrite(&mut checks, &go_env, &origins);
    doctor::envfix::goenv_directory(&mut checks, &go_env, goenv_var, &origins);
    doctor::envfix::goroot_override(&mut checks, &go_env, goroot_var, &origins);
    doctor::envfix::attach_fixes(&mut checks, &go_env);
    Report::new(
        GoInfo {
            path: Some(go_env.go.path.display().to_string()),
            version: Some(go_env.version().to_string()),
            goroot: Some(go_env.get("GOROOT").to_string()),
        },
        checks,
    )
}

/// The profile the settings go uses now are (as `profile list` marks it: the one applied last
/// among those that match, else a user profile, else the first), as `doctor::intent` needs it.
fn profile_in_use(ctx: &Context, go_env: &GoEnv) -> Option<doctor::intent::ProfileInUse> {
    use crate::profile::plan;
    let store = crate::profile::store::Store::load(crate::home::config_dir(&ctx.env).as_deref());
    let matching = plan::active(&store.profiles, go_env);
    if matching.is_empty() {
        return None;
    }
    let profile = plan::in_use(
        &matching,
        ctx.last_action().as_deref().and_then(plan::applied_by),
    )?;
    let official = store
        .resolve("official")
        .map(|p| p.covered())
        .unwrap_or_default();
    Some(doctor::intent::ProfileInUse {
        name: profile.name.clone(),
        literal: profile.literal().into_iter().map(str::to_string).collect(),
        leave: plan::way_out(profile, &official),
    })
}

/// What the slow part of the gathering found: probes and the cache walk, run concurrently.
struct SlowFacts {
    run: Option<SettingsRun>,
    hosts: Vec<private::HostReach>,
    caches: Caches,
}

/// The two cache walks and what each took (ms).
#[derive(Default)]
struct Caches {
    modcache: Option<ModCacheReport>,
    gocache: Option<TreeReport>,
    took_ms: (u64, u64),
}

/// Probe the network and walk the caches at the same time, with a spinner on a terminal.
#[allow(clippy::too_many_arguments)]
fn gather_slow<'p>(
    ctx: &Context,
    prober: &(dyn Fn() -> &'p Prober + Sync),
    go_env: &GoEnv,
    hosts: &[String],
    timeout: Duration,
    walk_set: &WalkSet,
    online: bool,
    // Walk the caches, with the index under this data directory.
    cache: Option<Option<&Path>>,
) -> SlowFacts {
    let spinner = ctx.output.spinner(if online {
        "probing proxies, checksum database and caches…"
    } else {
        "reading the module cache…"
    });
    let facts = std::thread::scope(|s| {
        let run = online.then(|| {
            s.spawn(|| {
                let opts = ProbeOptions {
                    timeout,
                    walk: walk_set.clone(),
                    ..ProbeOptions::default()
                };
                probe_settings(prober(), go_env.get("GOPROXY"), go_env.get("GOSUMDB"), opts)
            })
        });
        let reach =
            online.then(|| s.spawn(|| crate::fetch::hosts::reach(prober(), hosts, timeout)));
        let caches = cache.map(|data_dir| {
            s.spawn(move || measure_caches(&modcache_of(go_env), go_env.get("GOCACHE"), data_dir))
        });
        let caches = caches.and_then(|h| h.join().ok()).unwrap_or_default();
        SlowFacts {
            run: run.and_then(|h| h.join().ok()),
            hosts: reach.and_then(|h| h.join().ok()).unwrap_or_default(),
            caches,
        }
    });
    spinner.finish();
    facts
}

/// The module cache as `godoctor cache` finds it (`cache::location`: GOMODCACHE, or for a go
/// < 1.15 that prints none the first GOPATH entry's pkg/mod); empty when go names neither.
fn modcache_of(go_env: &GoEnv) -> String {
    crate::cache::location::from_go_env(|name| go_env.get(name))
        .map(|p| p.modcache.display().to_string())
        .unwrap_or_default()
}

/// Walk GOMODCACHE (with the index of unchanged versions kept under `data_dir`) and measure
/// GOCACHE (with the index of its unchanged directories) once each (no progress display: the
/// check's spinner runs).
fn measure_caches(modcache: &str, gocache: &str, data_dir: Option<&Path>) -> Caches {
    let started = std::time::Instant::now();
    let modcache = match modcache {
        "" => None,
        dir => {
            let root = Path::new(dir);
            // The check reports sizes, not last-use times: unchanged download directories
            // come from the index too.
            let opts = WalkOptions {
                reuse_downloads: true,
                ..WalkOptions::new(true)
            };
            index::analyse(root, &opts, None, data_dir, false)
                .ok()
                .map(|(w, usage)| {
                    let writable = w.exists && fsinfo::writable(root);
                    let mut r = stats::report(&w, fsinfo::space(root), writable, 5);
                    r.index = Some(usage);
                    r
                })
        }
    };
    let modcache_ms = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    let gocache = match gocache {
        "" | "off" => None,
        // Directories go has not changed since the last check come from the index: a build
        // cache of gigabytes is not read file by file on every check.
        dir => dirindex::analyse(Path::new(dir), WalkOptions::new(false).threads, data_dir)
            .ok()
            .map(|(w, usage)| TreeReport {
                index: Some(usage),
                ..TreeReport::from_walk(&w)
            }),
    };
    Caches {
        modcache,
        gocache,
        took_ms: (modcache_ms, started.elapsed().as_millis() as u64),
    }
}

/// Where go will most likely say GOMODCACHE and GOCACHE are, from the environment alone (go's
/// defaults: $GOPATH/pkg/mod, $HOME/go/pkg/mod, $XDG_CACHE_HOME/go-build, ~/.cache/go-build).
/// Only a guess to start walking early; go's answer decides.
fn guess_cache_paths(env: &crate::sys::ProcessEnv) -> (String, String) {
    let home = env.home().unwrap_or_default();
    let modcache = env
        .get("GOMODCACHE")
        .map(str::to_string)
        .unwrap_or_else(|| {
            let gopath = env
                .get("GOPATH")
                .and_then(|p| std::env::split_paths(p).next())
                .unwrap_or_else(|| home.join("go"));
            gopath.join("pkg").join("mod").display().to_string()
        });
    let gocache = env.get("GOCACHE").map(str::to_string).unwrap_or_else(|| {
        let cache = env
            .get("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".cache"));
        cache.join("go-build").display().to_string()
    });
    (modcache, gocache)
}

/// The modules the network checks walk: `--module` ones; inside a module, the requirements of
/// its go.mod that go asks a proxy for (a stated sample when many); else the canary module.
fn walk_set(
    ctx: &Context,
    go_env: &GoEnv,
    gomod: Option<&(PathBuf, String)>,
    walk: &Walk,
) -> WalkSet {
    if let Some(chosen) = &walk.chosen {
        return chosen.clone();
    }
    let canary = || {
        if let Some(configured) = &walk.configured {
            return configured.clone();
        }
        WalkSet::canary(
            "the canary module, as there is no go.mod here; --module PATH@VERSION or modules.txt in godoctor's config directory walk others",
        )
    };
    let Some((path, text)) = gomod else {
        return canary();
    };
    let settings = ctx.fetch_settings(go_env);
    let required = crate::cache::required::parse(text, "");
    let (mut public, mut private) = (Vec::new(), 0);
    for (m, v) in &required.full {
        if crate::syntax::module::escape_version(v).is_err() {
            continue;
        }
        let plan = crate::fetch::plan::plan(m, v, &settings);
        let proxies = plan.sources.iter().filter(|s| s.kind == SourceKind::Proxy);
        if proxies.clone().any(|s| !s.skipped) {
            public.push((m.clone(), v.clone()));
        } else if proxies.count() > 0 {
            private += 1;
        }
    }
    WalkSet::requirements(&public, private, &path.display().to_string()).unwrap_or_else(canary)
}

/// The planned route of every module the go.mod here requires (no network).
fn required_routes(
    ctx: &Context,
    go_env: &GoEnv,
    gomod: &Path,
    text: &str,
) -> Vec<crate::fetch::plan::Route> {
    let gosum = std::fs::read_to_string(gomod.with_file_name("go.sum")).unwrap_or_default();
    let required = crate::cache::required::parse(text, &gosum);
    let settings = ctx.fetch_settings(go_env);
    let mut seen = std::collections::BTreeSet::new();
    required
        .full
        .iter()
        .chain(required.mod_only.iter())
        .filter(|(path, _)| seen.insert(path.clone()))
        .map(|(path, version)| crate::fetch::plan::plan(path, version, &settings))
        .collect()
}

/// go refuses every command because of a line of its env file: the report names the line and
/// the `godoctor env unset` that removes it (which `--fix` applies; `go env -u` still works),
/// and runs the checks that need only the settings godoctor read itself.
fn refused_report(
    ctx: &Context,
    args: &CheckArgs,
    go_env: &GoEnv,
    error: &crate::goenv::GoEnvError,
) -> Report {
    let crate::goenv::GoEnvError::Failed {
        stderr, bad_lines, ..
    } = error
    else {
        return no_go_report(
            &error.to_string(),
            "run `go env` yourself to see what go says",
        );
    };
    // The values go would add itself ($GOROOT/go.env, defaults) are unknown here: the
    // registry's `refused` column says which checks are made (toolchain.go says go refuses,
    // whatever was asked for).
    let facts = registry::Facts {
        refusal: Some(registry::Refusal { stderr, bad_lines }),
        ..registry::Facts::settings(go_env, &ctx.env, &[])
    };
    let mut checks = registry::run(&facts, |e| e.chosen_by(&args.ids));
    doctor::envfix::attach_fixes(&mut checks, go_env);
    Report::new(
        GoInfo {
            path: Some(go_env.go.path.display().to_string()),
            version: None,
            goroot: None,
        },
        checks,
    )
}

fn no_go_report(why: &str, hint: &str) -> Report {
    Report::new(GoInfo::default(), vec![toolchain::no_go_check(why, hint)])
}

/// Which toolchains exist, asked only when go.mod needs a newer go than this one: those in the
/// module cache, and (online) the `golang.org/toolchain` list of the first proxy in GOPROXY,
/// the one go would download the toolchain from.
fn toolchain_releases<'p>(
    prober: &dyn Fn() -> &'p Prober,
    go_env: &GoEnv,
    gomod: Option<&(PathBuf, String)>,
    args: &CheckArgs,
) -> toolchain::Releases {
    if toolchain::needed_toolchain(go_env, gomod).is_none() {
        return toolchain::Releases::default();
    }
    let cached = crate::goenv::writecheck::Facts::gather(
        go_env.version(),
        go_env.get("GOMODCACHE"),
        go_env.get("GOPROXY"),
    )
    .cached_toolchains;
    let first = crate::syntax::goproxy::parse(go_env.get("GOPROXY"))
        .specs
        .into_iter()
        .next()
        .map(|s| s.entry);
    let proxy = match first {
        Some(crate::syntax::goproxy::ProxyEntry::Url { url, .. }) if !args.offline => {
            crate::fetch::proxy::parse_proxy_url(&url).ok()
        }
        _ => None,
    }
    .filter(|url| matches!(url.scheme(), "http" | "https"))
    .and_then(|base| {
        let url = crate::syntax::proxyurl::list_url(&base, "golang.org/toolchain")?;
        let got = prober().fetch(
            &url,
            &crate::net::http::FetchOptions::within(args.timeout, 4 << 20),
        );
        let body = String::from_utf8_lossy(&got.body);
        let listed = got
            .is_success()
            .then(|| {
                toolchain::parse_toolchain_list(
                    &body,
                    go_env.get("GOHOSTOS"),
                    go_env.get("GOHOSTARCH"),
                )
            })
            .flatten()?;
        Some((crate::fetch::proxy::display_url(&base), listed))
    });
    toolchain::Releases { cached, proxy }
}

/// Apply the report's safe fixes (each confirmed, or all with --yes) through the same
/// validated, undoable write path as `env set`, in one write. True when something was written.
fn apply_fixes(ctx: &Context, report: &Report, yes: bool) -> Result<bool> {
    let fixes = report.safe_fixes();
    if fixes.is_empty() {
        output::note("--fix: nothing godoctor can fix safely by itself");
        return Ok(false);
    }
    if !yes && !ctx.output.interactive {
        return Err(crate::hinted(
            format!(
                "--fix would apply {} but cannot ask on a non-terminal",
                output::plural(fixes.len(), "fix", "fixes")
            ),
            "run again with --fix --yes to apply them without asking",
        ));
    }
    let mut changes: Vec<write::Change> = Vec::new();
    for fix in fixes {
        let new = fix.changes_beyond(&changes);
        if new.is_empty() {
            continue;
        }
        let accepted = yes
            || ctx
                .output
                .confirm(&format!("Fix: {}?", fix.description), true)
                .ok()
                .flatten()
                .unwrap_or(false);
        if accepted {
            changes.extend(new);
        }
    }
    if changes.is_empty() {
        return Ok(false);
    }
    let go = ctx.locate_go()?;
    let history = ctx.history()?;
    let report = write::write(&go, &ctx.env, &history, &changes, "check --fix")
        .map_err(super::write::error)?;
    if !ctx.output.json {
        super::write::render(ctx, &report, &[], "fixed")?;
    }
    Ok(true)
}
