//! The doctor: pure checks from gathered facts to a [`Report`] of findings with reasons and
//! fixes. Which checks exist is [`registry`]; gathering (I/O) happens in `cmd::check`;
//! rendering in `doctor::render`.

pub mod cache;
pub mod causes;
pub mod ci;
pub mod envfix;
pub mod intent;
pub mod network;
pub mod private;
pub mod registry;
pub mod render;
pub mod settings;
pub mod toolchain;

use serde::Serialize;

use crate::finding::{Finding, Severity};

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

impl Fix {
    /// Its changes of variables no fix in `planned` changes already: two findings with one fix
    /// ask and write it once, and the first fix of a variable wins.
    pub fn changes_beyond(
        &self,
        planned: &[crate::goenv::write::Change],
    ) -> Vec<crate::goenv::write::Change> {
        self.changes
            .iter()
            .filter(|(name, _)| !planned.iter().any(|c| &c.name == name))
            .map(|(name, value)| crate::goenv::write::Change {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable, dotted, lower-case id (see [`registry::CHECKS`]).
    pub id: &'static str,
    pub section: Section,
    pub status: Severity,
    pub title: String,
    pub detail: String,
    pub hint: Option<String>,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// What this finding is caused by, when a check knows it better than its hint says
    /// (checks with the same cause are one problem; see [`Report::new`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Caveats under a good verdict: a ✓ is good news, the fine print goes here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set by [`Report::new`]: the earlier check this one shares its cause with, so the cause
    /// and its fix are told once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_cause_as: Option<&'static str>,
}

impl Check {
    /// A check passes or fails: a remark (`Info`, from a finding or a probe) is a pass.
    pub fn new(id: &'static str, status: Severity, title: impl Into<String>) -> Self {
        let status = if status == Severity::Info {
            Severity::Ok
        } else {
            status
        };
        Check {
            id,
            section: section_of(id),
            status,
            title: title.into(),
            detail: String::new(),
            hint: None,
            duration_ms: 0,
            fix: None,
            cause: None,
            notes: Vec::new(),
            same_cause_as: None,
        }
    }
    pub fn ok(id: &'static str, title: impl Into<String>) -> Self {
        Self::new(id, Severity::Ok, title)
    }
    pub fn skip(id: &'static str, title: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(id, Severity::Skip, title).detail(why)
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
    /// Name the cause of this finding (see [`Check::cause`]).
    pub fn cause(mut self, key: impl Into<String>) -> Self {
        self.cause = Some(key.into());
        self
    }
    /// Add a caveat under a good verdict.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Warning or error.
    pub fn is_problem(&self) -> bool {
        matches!(self.status, Severity::Warn | Severity::Error)
    }
    pub fn took(mut self, ms: u64) -> Self {
        self.duration_ms = ms;
        self
    }

    /// A check from a finding: the finding's message is the detail, its hint the hint.
    pub fn from_finding(id: &'static str, title: impl Into<String>, f: &Finding) -> Self {
        Self::new(id, f.severity, title)
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

/// One section of the report as a whole: its worst verdict and the line that stands for it
/// when it is healthy (which go, which proxy and how fast, the database verified, cache size).
#[derive(Debug, Clone, Serialize)]
pub struct SectionSummary {
    pub section: Section,
    pub title: &'static str,
    /// The worst status of its checks (skip only when every check was skipped).
    pub status: Severity,
    /// The figures that matter, from the section's key checks.
    pub line: String,
    /// How many checks of the section are warnings or errors.
    pub problems: usize,
}

/// One fix the report proposes and the findings it resolves.
#[derive(Debug, Clone, Serialize)]
pub struct FixItem {
    /// The worst status among the findings it resolves.
    pub status: Severity,
    /// What to do: a command or, when it cannot be a command, words.
    pub hint: String,
    /// Ids of the checks this fix resolves (each once, in report order).
    pub resolves: Vec<&'static str>,
    /// `check --fix` can apply it itself (through the undoable write path).
    pub applies_with_fix: bool,
}

/// The whole doctor report: one value, rendered as text, JSON or markdown. Everything a
/// renderer shows (grouping by cause, section lines, fixes) is decided here.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub go: GoInfo,
    pub checks: Vec<Check>,
    pub summary: Summary,
    /// "2 problems: …" or "no problems found": one problem per cause, errors first.
    pub headline: String,
    /// Distinct causes among the warnings and errors.
    pub problems: usize,
    pub sections: Vec<SectionSummary>,
    /// Fixes in the order to apply them, each once, with the findings it resolves.
    pub fixes: Vec<FixItem>,
}

/// A message's first clause, for a title: up to the first ": ", "; " or ". " outside
/// parentheses, each separator counted at its first place and only past the first few
/// characters (bare ':' and '.' are in URLs, addresses and paths; "(first: PATH: error)" is an
/// aside, not where the clause ends).
pub fn first_clause(text: &str) -> String {
    let mut depth = 0usize;
    let mut first: [Option<usize>; 3] = [None; 3];
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 && text[i + c.len_utf8()..].starts_with(' ') => {
                if let Some(k) = [':', ';', '.'].iter().position(|s| *s == c) {
                    first[k] = first[k].or(Some(i));
                }
            }
            _ => {}
        }
    }
    let cut = first.into_iter().flatten().filter(|&i| i > 8).min();
    text[..cut.unwrap_or(text.len())].to_string()
}

#[cfg(test)]
#[test]
fn a_title_is_the_first_clause_outside_parentheses() {
    assert_eq!(
        first_clause("dial tcp 127.0.0.1:9: connection refused"),
        "dial tcp 127.0.0.1:9"
    );
    assert_eq!(
        first_clause("http://127.0.0.1:9/ answered 404. Not a proxy"),
        "http://127.0.0.1:9/ answered 404"
    );
    // The first ": " is too early to be a title; the first "; " ends it.
    assert_eq!(
        first_clause("TLS: bad certificate; go refuses it"),
        "TLS: bad certificate"
    );
    assert_eq!(
        first_clause("3 entries changed (a go command was busy) (first: /c/x: gone)"),
        "3 entries changed (a go command was busy) (first: /c/x: gone)"
    );
    assert_eq!(
        first_clause(
            "2 entries could not be read (2 permission denied); the totals leave them out"
        ),
        "2 entries could not be read (2 permission denied)"
    );
}

/// The key two findings share when they have one cause: the cause a check names, else its
/// safe fix's changes, else the command its hint starts with, else the hint itself.
fn cause_key(c: &Check) -> Option<String> {
    if let Some(cause) = &c.cause {
        return Some(format!("cause:{cause}"));
    }
    if let Some(fix) = &c.fix {
        return Some(format!("fix:{:?}", fix.changes));
    }
    c.hint.as_deref().map(fix_key)
}

/// Two hints that start with the same `godoctor …` command are one fix ("godoctor env unset
/// GOPROXY" and "godoctor env unset GOPROXY (go's default), or …").
fn fix_key(hint: &str) -> String {
    let hint = hint.trim().trim_matches('`');
    if hint.starts_with("godoctor ") {
        let command: Vec<&str> = hint
            .split_whitespace()
            .take_while(|w| !w.starts_with('(') && !w.starts_with("or"))
            .map(|w| w.trim_end_matches([',', ';', '.', '`']))
            .collect();
        return format!("cmd:{}", command.join(" "));
    }
    format!("hint:{hint}")
}

/// The ids whose titles stand for a healthy section, most telling first.
fn key_checks(section: Section) -> &'static [&'static str] {
    match section {
        Section::Toolchain => &["toolchain.go", "toolchain.switch"],
        Section::Settings => &["settings.values", "settings.sources"],
        Section::Proxy => &["proxy.reach", "proxy.chain"],
        Section::Sumdb => &["sumdb.reach", "sumdb.config"],
        Section::Private => &["private.patterns", "private.auth"],
        Section::Ports => &["ports.local"],
        Section::Cache => &["cache.modcache", "cache.space"],
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Report {
    /// The fix (and its place in [`Report::fixes`]) that resolves this check: the one with the
    /// check's own command where several checks of one id have different fixes (two private
    /// hosts, each with its .netrc line), else the first that resolves its id.
    pub fn fix_of(&self, c: &Check) -> Option<(usize, &FixItem)> {
        let mine = c.hint.as_deref().map(fix_key);
        let resolving = || {
            self.fixes
                .iter()
                .enumerate()
                .filter(|(_, f)| f.resolves.contains(&c.id))
        };
        resolving()
            .find(|(_, f)| mine.as_deref() == Some(fix_key(&f.hint).as_str()))
            .or_else(|| resolving().next())
    }

    pub fn new(go: GoInfo, mut checks: Vec<Check>) -> Report {
        // Stable order: by section, then as produced.
        checks.sort_by_key(|c| c.section);
        let mut summary = Summary::default();
        for c in &checks {
            match c.status {
                Severity::Ok | Severity::Info => summary.ok += 1,
                Severity::Warn => summary.warnings += 1,
                Severity::Error => summary.errors += 1,
                Severity::Skip => summary.skipped += 1,
            }
        }
        // One cause, one finding: the first problem with a cause tells it, later ones point back.
        let mut first_of: std::collections::BTreeMap<String, &'static str> = Default::default();
        for c in checks.iter_mut().filter(|c| c.is_problem()) {
            c.same_cause_as = None;
            if let Some(key) = cause_key(c) {
                match first_of.get(&key) {
                    Some(first) => c.same_cause_as = Some(first),
                    None => {
                        first_of.insert(key, c.id);
                    }
                }
            }
        }
        let fixes = fixes_of(&checks);
        let sections = sections_of(&checks);
        let (problems, headline) = headline_of(&checks);
        Report {
            version: 1,
            go,
            checks,
            summary,
            headline,
            problems,
            sections,
            fixes,
        }
    }

    /// Exit 1 when there are errors (or warnings, when strict).
    pub fn has_problems(&self, strict: bool) -> bool {
        self.summary.errors > 0 || (strict && self.summary.warnings > 0)
    }

    /// The safe fixes `check --fix` can apply, in report order (one per check that has one).
    pub fn safe_fixes(&self) -> Vec<&Fix> {
        self.checks.iter().filter_map(|c| c.fix.as_ref()).collect()
    }

    /// The checks of one section, in report order.
    pub fn section_checks(&self, section: Section) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(move |c| c.section == section)
    }
}

/// The problems (one per cause, errors first) and the line that names them.
fn headline_of(checks: &[Check]) -> (usize, String) {
    let mut firsts: Vec<&Check> = checks
        .iter()
        .filter(|c| c.is_problem() && c.same_cause_as.is_none())
        .collect();
    firsts.sort_by_key(|c| std::cmp::Reverse(c.status));
    let n = firsts.len();
    if n == 0 {
        return (0, "no problems found".to_string());
    }
    let mut named: Vec<String> = firsts.iter().take(3).map(|c| c.title.clone()).collect();
    if n > 3 {
        named.push(format!("and {} more", n - 3));
    }
    (
        n,
        format!("{}: {}", plural(n, "problem", "problems"), named.join("; ")),
    )
}

/// One fix per cause (and per distinct command), errors first, with what each resolves.
fn fixes_of(checks: &[Check]) -> Vec<FixItem> {
    let mut order: Vec<&Check> = checks.iter().filter(|c| c.is_problem()).collect();
    order.sort_by_key(|c| std::cmp::Reverse(c.status));
    let mut fixes: Vec<(Option<String>, String, FixItem)> = Vec::new();
    for c in order {
        let root = c.same_cause_as.unwrap_or(c.id);
        // A finding that shares its cause gets the fix of its cause's first finding.
        let first = checks.iter().find(|x| x.id == root && x.is_problem());
        let hint_from = match (&c.hint, first) {
            (Some(_), _) => c,
            (None, Some(f)) if f.hint.is_some() => f,
            _ => continue,
        };
        let Some(hint) = hint_from.hint.clone() else {
            continue;
        };
        let key = fix_key(&hint);
        let cause = cause_key(c);
        let same = fixes
            .iter_mut()
            .find(|(k, h, _)| (cause.is_some() && *k == cause) || *h == key);
        match same {
            Some((_, _, item)) => {
                if !item.resolves.contains(&c.id) {
                    item.resolves.push(c.id);
                }
                item.applies_with_fix |= c.fix.is_some();
            }
            None => fixes.push((
                cause,
                key,
                FixItem {
                    status: c.status,
                    hint,
                    resolves: vec![c.id],
                    applies_with_fix: c.fix.is_some(),
                },
            )),
        }
    }
    fixes.into_iter().map(|(_, _, f)| f).collect()
}

/// Each section present in the report, with its worst status and its line.
fn sections_of(checks: &[Check]) -> Vec<SectionSummary> {
    let mut out: Vec<SectionSummary> = Vec::new();
    for c in checks {
        if out.last().is_none_or(|s| s.section != c.section) {
            let mine: Vec<&Check> = checks.iter().filter(|x| x.section == c.section).collect();
            let run: Vec<&&Check> = mine.iter().filter(|x| x.status != Severity::Skip).collect();
            let status = run.iter().map(|x| x.status).max().unwrap_or(Severity::Skip);
            let problems = mine.iter().filter(|x| x.is_problem()).count();
            let line = section_line(c.section, &mine, status);
            out.push(SectionSummary {
                section: c.section,
                title: c.section.title(),
                status,
                line,
                problems,
            });
        }
    }
    out
}

fn section_line(section: Section, mine: &[&Check], status: Severity) -> String {
    if status == Severity::Skip {
        let why = mine
            .iter()
            .map(|c| c.detail.as_str())
            .find(|d| !d.is_empty())
            .unwrap_or("");
        return if why.is_empty() {
            "not checked".to_string()
        } else if why.starts_with("not checked") {
            why.to_string()
        } else {
            format!("not checked: {why}")
        };
    }
    if status > Severity::Skip {
        let problems: Vec<&&Check> = mine.iter().filter(|c| c.is_problem()).collect();
        return plural(problems.len(), "problem", "problems");
    }
    let mut parts: Vec<&str> = Vec::new();
    for id in key_checks(section) {
        for c in mine
            .iter()
            .filter(|c| c.id == *id && c.status == Severity::Ok)
        {
            if !parts.contains(&c.title.as_str()) {
                parts.push(&c.title);
            }
        }
        if !parts.is_empty() {
            break;
        }
    }
    if parts.is_empty()
        && let Some(c) = mine.iter().find(|c| c.status == Severity::Ok)
    {
        parts.push(&c.title);
    }
    let skipped = mine.iter().filter(|c| c.status == Severity::Skip).count();
    let notes: usize = mine.iter().map(|c| c.notes.len()).sum();
    let mut line = parts.join("; ");
    if skipped > 0 {
        line.push_str(&format!("; {skipped} skipped (-v)"));
    }
    if notes > 0 {
        line.push_str(&format!("; {} (-v)", plural(notes, "note", "notes")));
    }
    line
}

/// The section of a check id, from the registry. An id missing there is a bug (every check
/// the report can show is in [`registry::CHECKS`]), caught in debug builds.
pub fn section_of(id: &str) -> Section {
    let entry = registry::entry_of(id);
    debug_assert!(entry.is_some(), "check id {id} is not in the registry");
    entry.map_or(Section::Cache, |e| e.section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_two_fixes_change_is_written_once_by_the_first() {
        let fix = |changes: &[(&str, Option<&str>)]| Fix {
            description: "d".into(),
            changes: changes
                .iter()
                .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
                .collect(),
        };
        let r = Report::new(
            GoInfo::default(),
            vec![
                Check::new("proxy.chain", Severity::Error, "a").with_fix(fix(&[("GOPROXY", None)])),
                Check::ok("proxy.reach", "b"),
                Check::new("sumdb.config", Severity::Warn, "c")
                    .with_fix(fix(&[("GOSUMDB", None), ("GOPROXY", Some("x"))])),
            ],
        );
        let fixes = r.safe_fixes();
        assert_eq!(fixes.len(), 2);
        let first = fixes[0].changes_beyond(&[]);
        assert_eq!(first.len(), 1);
        let second = fixes[1].changes_beyond(&first);
        assert_eq!(
            second,
            [crate::goenv::write::Change {
                name: "GOSUMDB".into(),
                value: None
            }]
        );
    }

    #[test]
    fn summary_counts_and_strict() {
        let r = Report::new(
            GoInfo::default(),
            vec![
                Check::ok("cache.space", "x"),
                Check::new("proxy.chain", Severity::Warn, "y"),
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
}
