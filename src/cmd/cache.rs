//! `godoctor cache`, `cache clean`, `cache prune`: what the module and build caches hold, and
//! safe ways to take space back.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::cache::fsinfo;
use crate::cache::guard;
use crate::cache::index::{self, Usage};
use crate::cache::prune::{self, Plan, Rules};
use crate::cache::remove::{self, Guard};
use crate::cache::required::{self, Required};
use crate::cache::stats::{self, ModCacheReport, TreeReport, human};
use crate::cache::walk::{self, Walk, WalkError, WalkOptions};
use crate::cli::{CacheAction, CacheArgs, PruneArgs};
use crate::finding::{self, Finding, Severity};
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

/// Where the caches are, as the real `go` reports them.
pub(crate) struct Paths {
    pub go: Option<GoBinary>,
    pub modcache: PathBuf,
    pub gocache: Option<PathBuf>,
    /// `$GOPATH` entries: `$GOPATH/pkg/sumdb` is never touched.
    pub gopath: Vec<PathBuf>,
    /// GOROOT as go reports it: a cache holding it is never cleaned.
    pub goroot: Option<PathBuf>,
}

/// Read GOMODCACHE, GOCACHE and GOPATH from one `go env -json`.
pub(crate) fn paths(ctx: &Context) -> Result<Paths> {
    let go_env = ctx.load_go_env()?;
    let gopath: Vec<PathBuf> = std::env::split_paths(go_env.get("GOPATH"))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    let modcache = match go_env.get("GOMODCACHE") {
        "" => match gopath.first() {
            // Go < 1.15 printed no GOMODCACHE: the cache was always $GOPATH/pkg/mod.
            Some(first) => first.join("pkg").join("mod"),
            None => {
                return Err(crate::hinted(
                    "go reports neither GOMODCACHE nor GOPATH, so the module cache cannot be found",
                    "set one of them: godoctor env set GOMODCACHE=$HOME/go/pkg/mod",
                ));
            }
        },
        dir => PathBuf::from(dir),
    };
    let gocache = match go_env.get("GOCACHE") {
        "" | "off" => None,
        dir => Some(PathBuf::from(dir)),
    };
    Ok(Paths {
        go: Some(go_env.go.clone()),
        modcache,
        gocache,
        gopath,
        goroot: Some(go_env.get("GOROOT"))
            .filter(|g| !g.is_empty())
            .map(PathBuf::from),
    })
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

/// `godoctor cache --json`: the DESIGN.md contract at the top level, then the build cache and
/// the findings.
#[derive(Debug, Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    modcache: &'a ModCacheReport,
    build_cache: Option<&'a TreeReport>,
    findings: &'a [Finding],
}

fn show(ctx: &Context, args: &CacheArgs, threads: Option<usize>, exact: bool) -> Result<Outcome> {
    let (modcache, gocache) = match &args.path {
        Some(p) => (named_cache(p)?, None),
        None => {
            let p = paths(ctx)?;
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
        output::print_json(&ShowJson {
            modcache: &report,
            build_cache: build.as_ref(),
            findings: &findings,
        })?;
    } else {
        output::print_block(&render(
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

/// `count` with the noun in the right number ("1 version", "1,024 versions").
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text rendering of `godoctor cache`.
fn render(
    r: &ModCacheReport,
    build: Option<&TreeReport>,
    findings: &[Finding],
    detail: output::Detail,
) -> String {
    let mut out = String::new();
    if !detail.quiet() {
        out.push_str(&format!(
            "{}  {}\n",
            output::heading("Module cache"),
            r.path.display()
        ));
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut row = |k: &str, v: String| rows.push(vec![format!("  {k}"), v]);
        if r.exists {
            row(
                "size",
                format!(
                    "{} on disk ({} apparent)",
                    human(r.disk_bytes),
                    human(r.apparent_bytes)
                ),
            );
            row(
                "files",
                format!("{} in {} directories", count(r.files), count(r.dirs)),
            );
            row(
                "modules",
                format!(
                    "{}, {} ({} extracted)",
                    counted(r.modules, "module", "modules"),
                    counted(r.versions, "version", "versions"),
                    count(r.extracted_trees)
                ),
            );
            row("extracted", human(r.extracted_bytes));
            let d = &r.download;
            row(
                "download",
                format!(
                    "{}: zip {}, go.mod {}, info {}, sumdb {}, other {}",
                    human(r.download_bytes),
                    human(d.zip_bytes),
                    human(d.mod_bytes),
                    human(d.info_bytes),
                    human(d.sumdb_bytes),
                    human(d.other_bytes)
                ),
            );
            row(
                "vcs clones",
                format!("{} ({})", count(r.vcs_repos), human(r.vcs_bytes)),
            );
            if !r.toolchains.is_empty() {
                let list: Vec<String> = r
                    .toolchains
                    .iter()
                    .map(|t| format!("{} ({})", t.version, human(t.bytes)))
                    .collect();
                row("toolchains", list.join(", "));
            }
            if let Some(u) = r.index.as_ref().filter(|u| u.versions_from_index > 0) {
                row(
                    "index",
                    format!(
                        "{} versions unchanged since indexed ({} files not read), {} read; --exact reads all",
                        count(u.versions_from_index),
                        count(u.files_from_index),
                        count(u.versions_read)
                    ),
                );
            }
        } else {
            row("size", "does not exist yet".to_string());
        }
        if let Some(free) = r.free_bytes {
            row("free space", format!("{} on this file system", human(free)));
        }
        out.push_str(&output::table(&rows));
        if !r.largest.is_empty() {
            out.push_str(&format!("\n{}\n", output::heading("Largest modules")));
            out.push_str(&module_table(&r.largest));
        }
        if !r.many_versions.is_empty() {
            out.push_str(&format!(
                "\n{}\n",
                output::heading(&format!(
                    "Modules with {} or more versions",
                    stats::MANY_VERSIONS
                ))
            ));
            out.push_str(&module_table(&r.many_versions));
        }
        if let Some(b) = build {
            out.push_str(&format!(
                "\n{}  {}\n",
                output::heading("Build cache"),
                b.path.display()
            ));
            let line = if b.exists {
                format!(
                    "  {} on disk in {}\n",
                    human(b.disk_bytes),
                    counted(b.files, "file", "files")
                )
            } else {
                "  does not exist yet\n".to_string()
            };
            out.push_str(&line);
        }
    }
    if !findings.is_empty() {
        out.push('\n');
        for f in findings {
            out.push_str(&format!("{} {}\n", output::glyph(f.severity), f.message));
            if let Some(h) = &f.hint {
                out.push_str(&format!("  {}\n", output::dim(&format!("hint: {h}"))));
            }
        }
    }
    out
}

fn module_table(rows: &[stats::ModuleRow]) -> String {
    let mut t = vec![vec![
        output::dim("  module"),
        output::dim("versions"),
        output::dim("size"),
        output::dim("newest"),
        output::dim("--keep 1 frees"),
    ]];
    for m in rows {
        t.push(vec![
            format!("  {}", m.module),
            m.versions.to_string(),
            human(m.bytes),
            m.newest.clone(),
            human(m.reclaimable_keep_1),
        ]);
    }
    output::table(&t)
}

/// `godoctor cache clean`: show what `go clean -modcache` frees, confirm, run it.
fn clean(
    ctx: &Context,
    dry_run: bool,
    yes: bool,
    force: bool,
    threads: Option<usize>,
) -> Result<Outcome> {
    let paths = paths(ctx)?;
    refuse_hostile(ctx, &paths, force)?;
    let report = measure(ctx, &paths.modcache, 0, threads)?;
    let frees = format!(
        "go clean -modcache removes {} ({} on disk, {}, {} of {})",
        paths.modcache.display(),
        human(report.disk_bytes),
        counted(report.files, "file", "files"),
        counted(report.versions, "version", "versions"),
        counted(report.modules, "module", "modules")
    );
    #[derive(Serialize)]
    struct CleanJson<'a> {
        path: &'a Path,
        exists: bool,
        disk_bytes: u64,
        files: u64,
        dry_run: bool,
        removed: bool,
    }
    let emit = |removed: bool, dry: bool| -> Result<()> {
        if ctx.output.json {
            output::print_json(&CleanJson {
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
            output::println(&format!(
                "nothing to clean: {} does not exist",
                paths.modcache.display()
            ))?;
        }
        emit(false, dry_run)?;
        return Ok(Outcome::Clean);
    }
    if dry_run {
        if !ctx.output.json {
            output::println(&format!("{frees}\ndry run: nothing was removed"))?;
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
    let go = match paths.go {
        Some(go) => go,
        None => ctx.locate_go()?,
    };
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
        output::println(&format!(
            "removed {} ({} freed)",
            paths.modcache.display(),
            human(report.disk_bytes)
        ))?;
    }
    Ok(Outcome::Clean)
}

/// `godoctor cache prune --json`.
#[derive(Debug, Serialize)]
struct PruneJson<'a> {
    path: &'a Path,
    exists: bool,
    dry_run: bool,
    keep: Option<usize>,
    older_than_seconds: Option<i64>,
    /// The go.mod whose requirements were kept, if any.
    required_from: Option<&'a Path>,
    plan: &'a Plan,
    result: Option<&'a remove::Outcome>,
    /// Entries the walk could not read: versions inside them were not considered.
    issues: &'a crate::cache::walk::Issues,
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
    let paths = paths(ctx)?;
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
        output::print_json(&PruneJson {
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
        output::print_block(&render_prune(
            root,
            walked.exists,
            &plan,
            gomod.as_deref(),
            result.as_ref(),
            args.yes,
            ctx.output.detail,
        ))?;
        if incomplete {
            output::note(&format!(
                "warning: {} entries of the cache could not be read; versions inside them were not considered",
                issues.unreadable + issues.failed
            ));
        }
    }
    Ok(Outcome::from_problems(failed || incomplete))
}

fn render_prune(
    root: &Path,
    exists: bool,
    plan: &Plan,
    gomod: Option<&Path>,
    result: Option<&remove::Outcome>,
    yes: bool,
    detail: output::Detail,
) -> String {
    let mut out = String::new();
    if !exists {
        return format!(
            "nothing to prune: the module cache {} does not exist\n",
            root.display()
        );
    }
    if !detail.quiet() && !plan.remove.is_empty() {
        let mut rows = vec![vec![
            output::dim("module"),
            output::dim("version"),
            output::dim("frees"),
            output::dim("why"),
        ]];
        for p in &plan.remove {
            rows.push(vec![
                p.version.module.clone(),
                p.version.version.clone(),
                human(p.frees),
                p.reason.clone(),
            ]);
        }
        out.push_str(&output::table(&rows));
        out.push('\n');
    }
    let modules: std::collections::BTreeSet<&str> = plan
        .remove
        .iter()
        .map(|p| p.version.module.as_str())
        .collect();
    out.push_str(&format!(
        "plan: remove {} of {} from {}, freeing {}; {} stay",
        counted(plan.remove.len() as u64, "version", "versions"),
        counted(modules.len() as u64, "module", "modules"),
        root.display(),
        human(plan.frees_bytes),
        counted(plan.kept, "version", "versions")
    ));
    if let Some(g) = gomod {
        out.push_str(&format!(
            " ({} needed by {})",
            plan.kept_required,
            g.display()
        ));
    }
    out.push('\n');
    match result {
        Some(r) => {
            out.push_str(&format!(
                "{} removed {}, freed {}\n",
                output::glyph(Severity::Ok),
                counted(r.removed, "version", "versions"),
                human(r.freed_bytes)
            ));
            for f in &r.failed {
                out.push_str(&format!("{} {f}\n", output::glyph(Severity::Error)));
            }
        }
        None if plan.remove.is_empty() => out.push_str("nothing to remove\n"),
        None if !yes => {
            out.push_str("dry run: nothing was removed; add --yes to remove these versions\n")
        }
        None => {}
    }
    out
}
