//! `godoctor cache`, `cache clean`, `cache prune`: what the module and build caches hold, and
//! safe ways to take space back.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;

use super::Context;
use crate::Outcome;
use crate::cache::fsinfo;
use crate::cache::guard;
use crate::cache::index::{self, Usage};
use crate::cache::location::{self, Paths};
use crate::cache::prune::{self, Rules};
use crate::cache::remove::{self, Guard};
use crate::cache::render;
use crate::cache::required::{self, Required};
use crate::cache::stats::{self, ModCacheReport, TreeReport};
use crate::cache::walk::{self, Walk, WalkError, WalkOptions};
use crate::cli::{CacheAction, CacheArgs, PruneArgs};
use crate::finding::{self, Severity};
use crate::goenv::GoBinary;
use crate::output;

pub fn run(ctx: &Context, args: &CacheArgs) -> Result<Outcome> {
    let threads = args.threads.map(usize::from);
    // `--path` only chooses what `cache` analyses; prune and clean act on the module cache go
    // uses. Refused rather than silently removing from another directory than the one named.
    if let (Some(path), Some(action)) = (&args.path, &args.action) {
        let verb = match action {
            CacheAction::Clean { .. } => "clean",
            CacheAction::Prune(_) => "prune",
        };
        return Err(crate::hinted(
            format!(
                "--path {} is for analysing a directory; `cache {verb}` acts on the module cache go uses (GOMODCACHE) and would not touch {0}",
                path.display()
            ),
            format!(
                "to {verb} that directory as go's module cache: GOMODCACHE={} godoctor cache {verb}",
                path.display()
            ),
        ));
    }
    match &args.action {
        None => show(ctx, args, threads, args.exact),
        Some(CacheAction::Clean {
            dry_run,
            yes,
            force,
        }) => clean(ctx, *dry_run, *yes, *force, threads),
        Some(CacheAction::Prune(p)) => prune(ctx, p, threads),
    }
}

/// Where the caches are, decided from one `go env -json` (`cache::location`), and the go that
/// said so (`cache clean` runs it).
fn paths(ctx: &Context) -> Result<(Paths, GoBinary)> {
    let go_env = ctx.load_go_env()?;
    let paths = location::from_go_env(|name| go_env.get(name))
        .map_err(|e| crate::hinted(e.to_string(), e.hint()))?;
    Ok((paths, go_env.go.clone()))
}

/// Refuse to delete anything from a GOMODCACHE that is not a module cache (see cache::guard);
/// dry runs ask too, so a plan never lists what a real run would refuse.
fn refuse_hostile(ctx: &Context, paths: &Paths, force: bool) -> Result<()> {
    let cwd = ctx.cwd()?;
    let facts = guard::Facts {
        home: ctx.env.home(),
        goroot: paths.goroot.clone(),
        module_dir: required::find_gomod(cwd).and_then(|m| m.parent().map(Path::to_path_buf)),
    };
    guard::check(&paths.modcache, &facts, force).map_err(|e| crate::hinted(e.to_string(), e.hint()))
}

/// Walk `root`, drawing a spinner with the entry count on stderr when it is a terminal.
/// A module cache is walked with the index of unchanged versions.
pub(crate) fn walk_root(
    ctx: &Context,
    root: &Path,
    module_cache: bool,
    threads: Option<usize>,
) -> Result<Walk> {
    // Fresh download files: prune's --older-than needs their access times.
    walk_root_with(ctx, root, module_cache, threads, false, false).map(|(w, _)| w)
}

/// [`walk_root`], saying how the index was used; `exact` reads every version's tree;
/// `reuse_downloads` takes unchanged `@v` directories from the index (their access times are
/// then the indexed ones).
fn walk_root_with(
    ctx: &Context,
    root: &Path,
    module_cache: bool,
    threads: Option<usize>,
    exact: bool,
    reuse_downloads: bool,
) -> Result<(Walk, Option<Usage>)> {
    let mut opts = WalkOptions::new(module_cache);
    opts.reuse_downloads = reuse_downloads;
    if let Some(t) = threads {
        opts.threads = t;
    }
    let data_dir = crate::home::data_dir(&ctx.env);
    let run = |progress: Option<&AtomicU64>| {
        if module_cache {
            index::analyse(root, &opts, progress, data_dir.as_deref(), exact)
                .map(|(w, u)| (w, Some(u)))
        } else {
            walk::walk(root, &opts, progress).map(|w| (w, None))
        }
    };
    let result = if ctx.output.stderr_tty {
        let counter = AtomicU64::new(0);
        std::thread::scope(|s| {
            let handle = s.spawn(|| run(Some(&counter)));
            let bar = ctx.output.spinner_stepped();
            while !handle.is_finished() {
                bar.set_message(&format!(
                    "reading {}: {} entries",
                    root.display(),
                    counter.load(Ordering::Relaxed)
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(80));
            }
            bar.finish();
            handle.join().unwrap_or_else(|_| {
                Err(WalkError::Root {
                    path: root.to_path_buf(),
                    source: std::io::Error::other("the walk panicked"),
                })
            })
        })
    } else {
        run(None)
    };
    result.map_err(|e| match e {
        WalkError::NotADirectory { .. } => crate::hinted(
            e.to_string(),
            "GOMODCACHE and GOCACHE must be directories: point them elsewhere with godoctor env set",
        ),
        WalkError::Root { .. } => {
            crate::hinted(e.to_string(), "run godoctor as the user who owns the cache, or fix its permissions")
        }
    })
}

/// Walk the module cache (with its index) and build its report.
pub(crate) fn measure(
    ctx: &Context,
    root: &Path,
    top: usize,
    threads: Option<usize>,
) -> Result<ModCacheReport> {
    measure_with(ctx, root, top, threads, false)
}

/// [`measure`]; `exact` reads every version's tree.
fn measure_with(
    ctx: &Context,
    root: &Path,
    top: usize,
    threads: Option<usize>,
    exact: bool,
) -> Result<ModCacheReport> {
    // Sizes only (no last-use times): unchanged download directories come from the index.
    let (walked, usage) = walk_root_with(ctx, root, true, threads, exact, true)?;
    let space = fsinfo::space(root);
    let writable = walked.exists && fsinfo::writable(root);
    let mut report = stats::report(&walked, space, writable, top);
    report.index = usage;
    Ok(report)
}

fn show(ctx: &Context, args: &CacheArgs, threads: Option<usize>, exact: bool) -> Result<Outcome> {
    let (modcache, gocache) = match &args.path {
        Some(p) => (named_cache(p)?, None),
        None => {
            let (p, _) = paths(ctx)?;
            (p.modcache, p.gocache)
        }
    };
    let report = measure_with(ctx, &modcache, args.top, threads, exact)?;
    let build = match &gocache {
        Some(dir) => Some(TreeReport::from_walk(&walk_root(ctx, dir, false, threads)?)),
        None => None,
    };
    let findings = stats::findings(&report, build.as_ref());
    let problems = finding::worst(&findings) == Some(Severity::Error);
    if ctx.output.json {
        output::print_json(&render::ShowJson {
            modcache: &report,
            build_cache: build.as_ref(),
            findings: &findings,
        })?;
    } else {
        output::print_block(&render::show(
            &report,
            build.as_ref(),
            &findings,
            ctx.output.detail,
        ))?;
    }
    Ok(Outcome::from_problems(problems))
}

/// A directory named with `--path`: unlike go's GOMODCACHE (which may not exist before the
/// first download), a path the user typed that is missing or is a file is a mistake to say.
fn named_cache(path: &Path) -> Result<PathBuf> {
    let shown = output::sanitize(&path.display().to_string()).into_owned();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(path.to_path_buf()),
        Ok(_) => Err(crate::hinted(
            format!("--path {shown} is not a directory"),
            "name a module cache directory (`go env GOMODCACHE` prints go's), or drop --path",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(crate::hinted(
            format!("--path {shown} does not exist"),
            "check the path (`go env GOMODCACHE` prints go's module cache), or drop --path",
        )),
        Err(e) => Err(crate::hinted(
            format!("cannot read --path {shown}: {e}"),
            "check the path and its permissions",
        )),
    }
}

/// `godoctor cache clean`: show what `go clean -modcache` frees, confirm, run it.
fn clean(
    ctx: &Context,
    dry_run: bool,
    yes: bool,
    force: bool,
    threads: Option<usize>,
) -> Result<Outcome> {
    let (paths, go) = paths(ctx)?;
    refuse_hostile(ctx, &paths, force)?;
    let report = measure(ctx, &paths.modcache, 0, threads)?;
    let frees = render::clean_frees(&paths.modcache, &report);
    let emit = |removed: bool, dry: bool| -> Result<()> {
        if ctx.output.json {
            output::print_json(&render::CleanJson {
                path: &paths.modcache,
                exists: report.exists,
                disk_bytes: report.disk_bytes,
                files: report.files,
                dry_run: dry,
                removed,
            })?;
        }
        Ok(())
    };
    if !report.exists {
        if !ctx.output.json {
            output::println(&render::clean_nothing(&paths.modcache))?;
        }
        emit(false, dry_run)?;
        return Ok(Outcome::Clean);
    }
    if dry_run {
        if !ctx.output.json {
            output::println(&render::clean_dry_run(&frees))?;
        }
        emit(false, true)?;
        return Ok(Outcome::Clean);
    }
    if !yes {
        if !ctx.output.interactive || ctx.output.json {
            return Err(crate::hinted(
                format!("{frees}; not removing without confirmation"),
                "pass --yes to remove it, or --dry-run to only see what it frees",
            ));
        }
        output::println(&frees)?;
        let go_on = ctx
            .output
            .confirm("Remove the whole module cache?", false)?
            .unwrap_or(false);
        if !go_on {
            output::println("nothing was removed")?;
            return Ok(Outcome::Clean);
        }
    }
    let args: Vec<std::ffi::OsString> = vec!["clean".into(), "-modcache".into()];
    // A big cache takes a while to delete: allow far more than the usual go deadline.
    let out = crate::sys::run(&go.path, &args, &ctx.env, None, Duration::from_secs(3600))?;
    if !out.success {
        return Err(crate::hinted(
            format!("`go clean -modcache` failed: {}", out.stderr.trim()),
            "check the permissions of the cache directory, or run `go clean -modcache` yourself",
        ));
    }
    if ctx.output.json {
        emit(true, false)?;
    } else {
        output::println(&render::clean_removed(&paths.modcache, &report))?;
    }
    Ok(Outcome::Clean)
}

/// `godoctor cache prune`: plan (always shown), then remove with `--yes`.
fn prune(ctx: &Context, args: &PruneArgs, threads: Option<usize>) -> Result<Outcome> {
    let older_than = match &args.older_than {
        Some(text) => Some(prune::parse_duration(text).map_err(|e| {
            crate::hinted(
                format!("invalid --older-than: {e}"),
                "write a duration like 90d, 12w, 36h or 1y",
            )
        })?),
        None => None,
    };
    let (paths, _) = paths(ctx)?;
    refuse_hostile(ctx, &paths, args.force)?;
    // The main module is found from the working directory, like go finds it.
    let cwd = ctx.cwd()?;
    let gomod = if args.no_keep_required {
        None
    } else {
        required::find_gomod(cwd)
    };
    if args.keep_required && gomod.is_none() {
        return Err(crate::hinted(
            format!(
                "--keep-required: there is no go.mod in {} or above it",
                cwd.display()
            ),
            "run the command inside the module whose requirements must stay, or drop --keep-required",
        ));
    }
    let required = match &gomod {
        Some(p) => required::load(p).map_err(|e| {
            crate::hinted(
                format!("cannot read {} or its go.sum: {e}", p.display()),
                "fix the file's permissions, or pass --no-keep-required to prune without protecting it",
            )
        })?,
        None => Required::default(),
    };
    let root = &paths.modcache;
    let walked = walk_root(ctx, root, true, threads)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let rules = Rules {
        keep: args.keep,
        older_than,
        now,
    };
    let plan = prune::plan(&stats::versions(&walked), &rules, &required);
    let issues = &walked.tally.issues;
    let incomplete = issues.unreadable + issues.failed > 0;
    let act = args.yes && !plan.remove.is_empty();
    if act && fsinfo::space(root).is_some_and(|s| s.read_only) {
        return Err(crate::hinted(
            format!(
                "{} is on a read-only file system: nothing can be removed",
                root.display()
            ),
            "remount it read-write, or prune on the machine that owns the cache",
        ));
    }
    let result = act.then(|| remove::execute(root, &plan, &Guard::new(root, &paths.gopath)));
    let failed = result.as_ref().is_some_and(|r| !r.failed.is_empty());
    if ctx.output.json {
        output::print_json(&render::PruneJson {
            path: root,
            exists: walked.exists,
            dry_run: !args.yes,
            keep: args.keep,
            older_than_seconds: older_than,
            required_from: gomod.as_deref(),
            plan: &plan,
            result: result.as_ref(),
            issues,
        })?;
    } else {
        output::print_block(&render::prune(
            root,
            walked.exists,
            &plan,
            gomod.as_deref(),
            result.as_ref(),
            args.yes,
            ctx.output.detail,
        ))?;
        if incomplete {
            output::note(&render::prune_incomplete(issues));
        }
    }
    Ok(Outcome::from_problems(failed || incomplete))
}
