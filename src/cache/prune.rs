//! Prune planning: which module versions go, as a pure function of the walked versions, the
//! rules and what the current module needs. Nothing here touches the disk.

use serde::Serialize;

use super::required::{Need, Required};
use super::stats::VersionInfo;

/// What the user asked to prune.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Keep the N newest versions (Go semver order) of every module.
    pub keep: Option<usize>,
    /// Remove versions last used longer ago than this many seconds.
    pub older_than: Option<i64>,
    /// The current time, Unix seconds.
    pub now: i64,
}

/// How much of a version goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Removal {
    /// The extracted tree and every download file.
    Whole,
    /// The extracted tree and the zip; `.mod` and `.info` stay because the current module's
    /// build loads this version's go.mod.
    KeepModFile,
}

/// One version the plan removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    #[serde(flatten)]
    pub version: VersionInfo,
    pub removal: Removal,
    /// On-disk bytes this frees.
    pub frees: u64,
    /// Why it goes, for people.
    pub reason: String,
}

/// The plan: what goes, and what stays because the current module needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub remove: Vec<Planned>,
    pub frees_bytes: u64,
    /// Versions that stay.
    pub kept: u64,
    /// Versions the rules would remove but the current module needs (kept whole).
    pub kept_required: u64,
}

/// Plan a prune of `versions` (sorted by module then semver, oldest first, as
/// [`super::stats::versions`] returns them). With both rules a version goes only when both
/// say so: it is outside the newest N and unused for longer than the duration.
pub fn plan(versions: &[VersionInfo], rules: &Rules, required: &Required) -> Plan {
    let mut out = Plan::default();
    let mut start = 0;
    while start < versions.len() {
        let module = &versions[start].module;
        let end = start
            + versions[start..]
                .iter()
                .take_while(|v| &v.module == module)
                .count();
        let group = &versions[start..end];
        for (i, v) in group.iter().enumerate() {
            let newer = group.len() - 1 - i;
            let by_count = rules.keep.map(|k| newer >= k);
            let by_age = rules.older_than.map(|age| v.last_used < rules.now - age);
            let go = match (by_count, by_age) {
                (None, None) => false,
                (Some(c), None) => c,
                (None, Some(a)) => a,
                (Some(c), Some(a)) => c && a,
            };
            if !go {
                out.kept += 1;
                continue;
            }
            let mut reasons = Vec::new();
            if let Some(k) = rules.keep {
                reasons.push(format!("{newer} newer (keeping {k})"));
            }
            if rules.older_than.is_some() {
                let days = (rules.now - v.last_used).max(0) / 86_400;
                reasons.push(format!("unused for {days} days"));
            }
            let reason = reasons.join(", ");
            match required.need(&v.module, &v.version) {
                Need::Full => {
                    out.kept += 1;
                    out.kept_required += 1;
                }
                Need::ModFile if v.has_tree || v.has_zip => {
                    let frees = v.bytes().saturating_sub(v.meta_bytes);
                    out.frees_bytes += frees;
                    out.remove.push(Planned {
                        version: v.clone(),
                        removal: Removal::KeepModFile,
                        frees,
                        reason: format!(
                            "{reason}; its go.mod stays (the current module's build reads it)"
                        ),
                    });
                }
                Need::ModFile => out.kept += 1,
                Need::Nothing => {
                    out.frees_bytes += v.bytes();
                    out.remove.push(Planned {
                        version: v.clone(),
                        removal: Removal::Whole,
                        frees: v.bytes(),
                        reason,
                    });
                }
            }
        }
        start = end;
    }
    out
}

/// Parse a duration like `90d`, `12w`, `36h`, `1y`, `1w3d`, `30m`, `45s` into seconds.
/// `m` is minutes; a year is 365 days.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration: write it like 90d, 12w, 36h or 1y".into());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut unit_seen = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let secs = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            'y' => 365 * 86_400,
            _ => {
                return Err(format!(
                    "`{text}`: unknown unit `{c}` (use s, m, h, d, w or y, e.g. 90d)"
                ));
            }
        };
        let n: i64 = num
            .parse()
            .map_err(|_| format!("`{text}`: a number must come before `{c}`"))?;
        total = n
            .checked_mul(secs)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too long"))?;
        num.clear();
        unit_seen = true;
    }
    if !num.is_empty() || !unit_seen {
        return Err(format!(
            "`{text}`: the number needs a unit (s, m, h, d, w or y), e.g. 90d"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::required;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_000 * DAY;

    fn v(module: &str, version: &str, days_ago: i64) -> VersionInfo {
        VersionInfo {
            module: module.into(),
            version: version.into(),
            disk_module: crate::cache::layout::escape(module),
            disk_version: version.into(),
            tree_bytes: 1000,
            download_bytes: 300,
            meta_bytes: 100,
            has_tree: true,
            has_zip: true,
            has_mod: true,
            last_used: NOW - days_ago * DAY,
        }
    }

    fn sample() -> Vec<VersionInfo> {
        let mut all = vec![
            v("example.com/a", "v1.10.0", 1),
            v("example.com/a", "v1.9.0", 200),
            v("example.com/a", "v1.2.0", 5),
            v("example.com/a", "v1.0.0", 400),
            v("example.com/b", "v0.1.0", 900),
        ];
        all.sort_by(|x, y| {
            x.module
                .cmp(&y.module)
                .then_with(|| crate::syntax::semver::compare(&x.version, &y.version))
        });
        all
    }

    fn names(p: &Plan) -> Vec<String> {
        p.remove
            .iter()
            .map(|r| format!("{}@{}", r.version.module, r.version.version))
            .collect()
    }

    #[test]
    fn keep_n_keeps_the_newest_by_semver_not_by_text() {
        let p = plan(
            &sample(),
            &Rules {
                keep: Some(1),
                older_than: None,
                now: NOW,
            },
            &Required::default(),
        );
        assert_eq!(
            names(&p),
            [
                "example.com/a@v1.0.0",
                "example.com/a@v1.2.0",
                "example.com/a@v1.9.0"
            ]
        );
        assert_eq!(p.frees_bytes, 3 * 1300);
        assert_eq!(p.kept, 2);
    }

    #[test]
    fn older_than_alone_and_combined() {
        let rules = Rules {
            keep: None,
            older_than: Some(100 * DAY),
            now: NOW,
        };
        let p = plan(&sample(), &rules, &Required::default());
        assert_eq!(
            names(&p),
            [
                "example.com/a@v1.0.0",
                "example.com/a@v1.9.0",
                "example.com/b@v0.1.0"
            ]
        );
        let both = Rules {
            keep: Some(1),
            ..rules
        };
        let p = plan(&sample(), &both, &Required::default());
        assert_eq!(
            names(&p),
            ["example.com/a@v1.0.0", "example.com/a@v1.9.0"],
            "b's only version stays"
        );
    }

    #[test]
    fn required_versions_stay_and_go_mod_only_ones_keep_their_mod_file() {
        let req = required::parse(
            "module x\nrequire example.com/a v1.2.0\n",
            "example.com/a v1.0.0/go.mod h1:x=\n",
        );
        let p = plan(
            &sample(),
            &Rules {
                keep: Some(0),
                older_than: None,
                now: NOW,
            },
            &req,
        );
        assert_eq!(
            names(&p),
            [
                "example.com/a@v1.0.0",
                "example.com/a@v1.9.0",
                "example.com/a@v1.10.0",
                "example.com/b@v0.1.0"
            ]
        );
        assert_eq!(p.kept_required, 1);
        assert_eq!(p.remove[0].removal, Removal::KeepModFile);
        assert_eq!(p.remove[0].frees, 1200);
        assert_eq!(p.remove[1].removal, Removal::Whole);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(90 * DAY));
        assert_eq!(parse_duration("1w2d"), Ok(9 * DAY));
        assert_eq!(parse_duration("36h"), Ok(36 * 3600));
        assert_eq!(parse_duration("1y"), Ok(365 * DAY));
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3 months").is_err());
        assert!(parse_duration("99999999999999999y").is_err());
    }
}
