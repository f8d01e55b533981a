//! Module cache checks from the cache walk: location, writability, size, free space, GOCACHE.

use super::Check;
use crate::cache::stats::{self, ModCacheReport, TreeReport, human};

/// `cache.modcache`, `cache.space`, `cache.gocache`.
pub fn checks(modcache: &ModCacheReport, gocache: Option<&TreeReport>) -> Vec<Check> {
    let mut out = Vec::new();
    let findings = stats::findings(modcache, gocache);
    let summary = if modcache.exists {
        format!(
            "{}: {} on disk, {}, {}",
            modcache.path.display(),
            human(modcache.disk_bytes),
            crate::output::plural(modcache.modules as usize, "module", "modules"),
            crate::output::plural(modcache.versions as usize, "version", "versions"),
        )
    } else {
        format!(
            "{} does not exist yet (normal before the first download)",
            modcache.path.display()
        )
    };
    out.push(Check::ok("cache.modcache", summary).detail(format!(
        "{}; downloads {}, extracted {}, VCS clones {}",
        crate::output::plural(modcache.files as usize, "file", "files"),
        human(modcache.download_bytes),
        human(modcache.extracted_bytes),
        human(modcache.vcs_bytes)
    )));
    for f in &findings {
        let id = match f.code {
            "cache.low-space" => "cache.space",
            c if c.starts_with("cache.") && c.contains("build") => "cache.gocache",
            _ => "cache.modcache",
        };
        if f.code == "cache.missing" {
            continue;
        }
        // A remark (many old versions) is a note under the cache's line, not a second ✓.
        if f.severity == crate::finding::Severity::Info {
            let note = match &f.hint {
                Some(h) => format!("{}; {h}", f.message),
                None => f.message.clone(),
            };
            out[0].notes.push(note);
            continue;
        }
        out.push(
            Check::from_finding(id, super::first_clause(&f.message), f).detail(f.message.clone()),
        );
    }
    if !findings.iter().any(|f| f.code == "cache.low-space") {
        let title = match modcache.free_bytes {
            Some(free) => format!("{} free on the cache's file system", human(free)),
            None => "free space unknown".to_string(),
        };
        out.push(Check::ok("cache.space", title));
    }
    out.push(match gocache {
        Some(g) if g.exists => Check::ok(
            "cache.gocache",
            format!("GOCACHE {}: {}", g.path.display(), human(g.disk_bytes)),
        ),
        Some(g) => Check::ok(
            "cache.gocache",
            format!("GOCACHE {} does not exist yet", g.path.display()),
        ),
        None => Check::ok("cache.gocache", "GOCACHE is off"),
    });
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::cache::walk::{Issue, IssueKind, Walk};
    use crate::finding::Severity;

    #[test]
    fn a_title_is_one_clause_and_the_sample_path_is_in_the_detail() {
        let mut w = Walk {
            root: PathBuf::from("/c"),
            exists: true,
            tally: Default::default(),
        };
        w.tally.issues.vanished = 2;
        w.tally.issues.samples.push(Issue {
            kind: IssueKind::Vanished,
            path: PathBuf::from("/c/x.tmp"),
            error: "No such file or directory".into(),
        });
        let r = stats::report(&w, None, true, 10);
        let made = checks(&r, None);
        let changed = made
            .iter()
            .find(|c| c.status == Severity::Warn)
            .expect("a warning");
        assert_eq!(changed.id, "cache.modcache");
        assert_eq!(
            changed.title,
            "2 entries of the module cache changed or vanished during the walk"
        );
        assert!(changed.detail.contains("/c/x.tmp"), "{changed:?}");
        assert!(changed.detail.contains("a go command was busy with it"));
    }
}
