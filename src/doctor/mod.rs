//! The doctor: pure checks from gathered facts to a [`Report`] of findings with reasons and
//! fixes. Gathering (I/O) happens in `cmd::check`; rendering in `doctor::render`.

pub mod cache;
pub mod causes;
pub mod network;
pub mod private;
pub mod render;
pub mod settings;
pub mod toolchain;

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Skip,
    Warn,
    Error,
}

impl From<Severity> for Status {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Info => Status::Ok,
            Severity::Warning => Status::Warn,
            Severity::Error => Status::Error,
        }
    }
}

/// The sections of the report, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Toolchain,
    Settings,
    Proxy,
    Sumdb,
    Private,
    Ports,
    Cache,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Toolchain => "Toolchain",
            Section::Settings => "Settings",
            Section::Proxy => "Module proxy",
            Section::Sumdb => "Checksum database",
            Section::Private => "Private modules",
            Section::Ports => "Local ports",
            Section::Cache => "Module cache",
        }
    }
}

/// A safe fix the report proposes: settings to write through the undoable write path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, in words.
    pub description: String,
    /// Variables to set (`Some`) or unset (`None`).
    pub changes: Vec<(String, Option<String>)>,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable, dotted, lower-case id (see [`CATALOGUE`]).
    pub id: &'static str,
    pub section: Section,
    pub status: Status,
    pub title: String,
    pub detail: String,
    pub hint: Option<String>,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Check {
    pub fn new(id: &'static str, status: Status, title: impl Into<String>) -> Self {
        Check {
            id,
            section: section_of(id),
            status,
            title: title.into(),
            detail: String::new(),
            hint: None,
            duration_ms: 0,
            fix: None,
        }
    }
    pub fn ok(id: &'static str, title: impl Into<String>) -> Self {
        Self::new(id, Status::Ok, title)
    }
    pub fn skip(id: &'static str, title: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(id, Status::Skip, title).detail(why)
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
    pub fn took(mut self, ms: u64) -> Self {
        self.duration_ms = ms;
        self
    }

    /// A check from a finding: the finding's message is the detail, its hint the hint.
    pub fn from_finding(id: &'static str, title: impl Into<String>, f: &Finding) -> Self {
        Self::new(id, Status::from(f.severity), title)
            .detail(f.message.clone())
            .hint_opt(f.hint.clone())
    }
}

/// Counts for the closing line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
    pub skipped: usize,
}

/// Which go the report is about.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GoInfo {
    pub path: Option<String>,
    pub version: Option<String>,
    pub goroot: Option<String>,
}

/// The whole doctor report: one value, rendered as text or JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub go: GoInfo,
    pub checks: Vec<Check>,
    pub summary: Summary,
}

impl Report {
    pub fn new(go: GoInfo, mut checks: Vec<Check>) -> Report {
        // Stable order: by section, then as produced.
        checks.sort_by_key(|c| c.section);
        let mut summary = Summary::default();
        for c in &checks {
            match c.status {
                Status::Ok => summary.ok += 1,
                Status::Warn => summary.warnings += 1,
                Status::Error => summary.errors += 1,
                Status::Skip => summary.skipped += 1,
            }
        }
        Report {
            version: 1,
            go,
            checks,
            summary,
        }
    }

    /// Exit 1 when there are errors (or warnings, when strict).
    pub fn has_problems(&self, strict: bool) -> bool {
        self.summary.errors > 0 || (strict && self.summary.warnings > 0)
    }
}

/// Every check id, its section, and one line about it (`check --list`).
pub const CATALOGUE: &[(&str, &str)] = &[
    ("toolchain.go", "which go runs, its version and GOROOT"),
    (
        "toolchain.path",
        "other go binaries on PATH that the first one shadows",
    ),
    (
        "toolchain.switch",
        "whether go.mod here makes go switch toolchains, and whether that download can work",
    ),
    (
        "settings.sources",
        "where every managed setting comes from (env, go env file, $GOROOT/go.env, default)",
    ),
    (
        "settings.shadowed",
        "OS variables that hide values written with go env -w",
    ),
    (
        "settings.envfile",
        "the go env file: empty values, ignored lines, line endings, readability",
    ),
    (
        "settings.values",
        "each setting's value read with go's own grammar",
    ),
    (
        "settings.combination",
        "settings that only make sense together (or weaken security together)",
    ),
    (
        "settings.unknown",
        "GO* variables that go does not know (typos, copy-paste)",
    ),
    ("settings.goroot-env", "$GOROOT/go.env present on Go 1.21+"),
    (
        "proxy.chain",
        "what the GOPROXY list means for fall-through",
    ),
    (
        "proxy.reach",
        "each proxy: reachable, fast, and really a Go module proxy",
    ),
    (
        "sumdb.config",
        "GOSUMDB and GONOSUMDB: verification on, or a security downgrade",
    ),
    (
        "sumdb.reach",
        "the checksum database reachable directly or through a proxy, signature verified",
    ),
    (
        "private.patterns",
        "GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE patterns",
    ),
    ("private.hosts", "private module hosts reachable"),
    (
        "private.auth",
        "credentials for private hosts (netrc, GOAUTH), never printed",
    ),
    (
        "private.leak",
        "module paths that look private but would go to a public proxy",
    ),
    (
        "ports.local",
        "loopback proxies listening, or which process holds their port",
    ),
    (
        "cache.modcache",
        "GOMODCACHE location, writability and size",
    ),
    ("cache.space", "free space where the module cache lives"),
    ("cache.gocache", "GOCACHE (build cache) size"),
];

/// The section of a check id (its first dotted element).
pub fn section_of(id: &str) -> Section {
    match id.split('.').next().unwrap_or("") {
        "toolchain" => Section::Toolchain,
        "settings" => Section::Settings,
        "proxy" => Section::Proxy,
        "sumdb" => Section::Sumdb,
        "private" => Section::Private,
        "ports" => Section::Ports,
        _ => Section::Cache,
    }
}

/// Keep only the checks the user asked for: `check proxy` selects a section, `check proxy.reach`
/// one check.
pub fn select(checks: Vec<Check>, wanted: &[String]) -> Vec<Check> {
    if wanted.is_empty() {
        return checks;
    }
    checks
        .into_iter()
        .filter(|c| {
            wanted
                .iter()
                .any(|w| c.id == w || c.id.starts_with(&format!("{w}.")))
        })
        .collect()
}

/// Ids the user gave that match nothing in the catalogue.
pub fn unknown_ids(wanted: &[String]) -> Vec<&String> {
    wanted
        .iter()
        .filter(|w| {
            !CATALOGUE
                .iter()
                .any(|(id, _)| id == w || id.starts_with(&format!("{w}.")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_are_dotted_lower_case_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (id, _) in CATALOGUE {
            assert!(id.contains('.'), "{id}");
            assert_eq!(id.to_lowercase(), *id);
            assert!(seen.insert(*id), "duplicate {id}");
        }
    }

    #[test]
    fn summary_counts_and_strict() {
        let r = Report::new(
            GoInfo::default(),
            vec![
                Check::ok("cache.space", "x"),
                Check::new("proxy.chain", Status::Warn, "y"),
            ],
        );
        assert_eq!(
            r.summary,
            Summary {
                ok: 1,
                warnings: 1,
                errors: 0,
                skipped: 0
            }
        );
        assert!(!r.has_problems(false));
        assert!(r.has_problems(true));
        assert_eq!(r.checks[0].id, "proxy.chain", "sorted by section");
    }

    #[test]
    fn select_by_section_or_id() {
        let checks = vec![
            Check::ok("proxy.chain", "a"),
            Check::ok("proxy.reach", "b"),
            Check::ok("cache.space", "c"),
        ];
        assert_eq!(select(checks.clone(), &["proxy".into()]).len(), 2);
        assert_eq!(select(checks, &["cache.space".into()]).len(), 1);
        assert_eq!(
            unknown_ids(&["proxy".into(), "nope".into()]),
            vec![&"nope".to_string()]
        );
    }
}
