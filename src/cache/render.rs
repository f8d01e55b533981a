//! How the `cache` commands look: one JSON shape per command (the `…Json` structs, printed as
//! they are with `--json`) and the text made from the same data. Kept beside the cache domain,
//! as `profile::render` is beside profiles, so `cmd/cache.rs` stays glue and the text is
//! reachable by unit tests; every string still leaves through [`crate::output`].

use std::path::Path;

use serde::Serialize;

use super::prune::Plan;
use super::remove;
use super::stats::{self, ModCacheReport, TreeReport, human};
use super::walk::Issues;
use crate::finding::{Finding, Severity};
use crate::output;

/// `godoctor cache --json`: the DESIGN.md contract at the top level, then the build cache and
/// the findings.
#[derive(Debug, Serialize)]
pub struct ShowJson<'a> {
    #[serde(flatten)]
    pub modcache: &'a ModCacheReport,
    pub build_cache: Option<&'a TreeReport>,
    pub findings: &'a [Finding],
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

/// The text of `godoctor cache`.
pub fn show(
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

/// `godoctor cache clean --json`.
#[derive(Debug, Serialize)]
pub struct CleanJson<'a> {
    pub path: &'a Path,
    pub exists: bool,
    pub disk_bytes: u64,
    pub files: u64,
    pub dry_run: bool,
    pub removed: bool,
}

/// What `go clean -modcache` frees: said before a dry run, a question or a refusal.
pub fn clean_frees(path: &Path, report: &ModCacheReport) -> String {
    format!(
        "go clean -modcache removes {} ({} on disk, {}, {} of {})",
        path.display(),
        human(report.disk_bytes),
        counted(report.files, "file", "files"),
        counted(report.versions, "version", "versions"),
        counted(report.modules, "module", "modules")
    )
}

/// `cache clean` when the module cache does not exist.
pub fn clean_nothing(path: &Path) -> String {
    format!("nothing to clean: {} does not exist", path.display())
}

/// `cache clean --dry-run`.
pub fn clean_dry_run(frees: &str) -> String {
    format!("{frees}\ndry run: nothing was removed")
}

/// `cache clean` after go removed the cache.
pub fn clean_removed(path: &Path, report: &ModCacheReport) -> String {
    format!(
        "removed {} ({} freed)",
        path.display(),
        human(report.disk_bytes)
    )
}

/// `godoctor cache prune --json`.
#[derive(Debug, Serialize)]
pub struct PruneJson<'a> {
    pub path: &'a Path,
    pub exists: bool,
    pub dry_run: bool,
    pub keep: Option<usize>,
    pub older_than_seconds: Option<i64>,
    /// The go.mod whose requirements were kept, if any.
    pub required_from: Option<&'a Path>,
    pub plan: &'a Plan,
    pub result: Option<&'a remove::Outcome>,
    /// Entries the walk could not read: versions inside them were not considered.
    pub issues: &'a Issues,
}

/// The note after `cache prune` when parts of the cache could not be read.
pub fn prune_incomplete(issues: &Issues) -> String {
    format!(
        "warning: {} entries of the cache could not be read; versions inside them were not considered",
        issues.unreadable + issues.failed
    )
}

/// The text of `godoctor cache prune`: the plan (unless quiet), then what was done.
pub fn prune(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_thousands_and_nouns_agree() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1024), "1,024");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(counted(1, "version", "versions"), "1 version");
        assert_eq!(counted(1024, "version", "versions"), "1,024 versions");
    }

    #[test]
    fn a_missing_cache_has_nothing_to_prune() {
        let plan = Plan::default();
        let text = prune(
            Path::new("/m"),
            false,
            &plan,
            None,
            None,
            false,
            output::Detail::Normal,
        );
        assert_eq!(
            text,
            "nothing to prune: the module cache /m does not exist\n"
        );
    }
}
