//! How the `profile` commands look: one JSON shape per command (the `…View` structs, printed
//! as they are with `--json`) and the text made from the same data. Kept beside the profile
//! domain, as the doctor keeps `doctor::render`, so `cmd/profile.rs` stays glue and the text is
//! reachable by unit tests; every string still leaves through [`crate::output`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::apply::example_sets;
use super::check::Checked;
use super::export::Format;
use super::plan::{DiffRow, Marks};
use super::save::Saved;
use super::store::Store;
use super::{Origin, Profile, ProfileError, Variable};
use crate::finding::{Finding, Severity};
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::history::Entry;
use crate::goenv::write::{Change, WriteReport};
use crate::goenv::{GoEnv, Source};
use crate::output;

/// One row of `profile list --json`.
#[derive(Serialize)]
pub struct ListRow<'a> {
    name: &'a str,
    aliases: &'a [String],
    description: &'a str,
    origin: &'a Origin,
    /// The profile in use (one at most).
    active: bool,
    /// Gives the same settings as the profile in use.
    same_settings: bool,
    variables: Vec<&'a str>,
    #[serde(skip)]
    profile: &'a Profile,
}

/// `profile list --json`: the user profile directory, every profile, every broken file.
#[derive(Serialize)]
pub struct ListView<'a> {
    dir: Option<String>,
    profiles: Vec<ListRow<'a>>,
    broken: &'a [ProfileError],
}

impl<'a> ListView<'a> {
    pub fn new(store: &'a Store, marks: &Marks) -> Self {
        let profiles = store
            .profiles
            .iter()
            .map(|p| ListRow {
                name: &p.name,
                aliases: &p.aliases,
                description: &p.description,
                origin: &p.origin,
                active: marks.in_use.as_deref() == Some(p.name.as_str()),
                same_settings: marks.same.contains(&p.name),
                variables: p.variables.iter().map(|v| v.name.as_str()).collect(),
                profile: p,
            })
            .collect();
        ListView {
            dir: store.dir.as_ref().map(|d| d.display().to_string()),
            profiles,
            broken: &store.broken,
        }
    }
}

/// `profile list` as text. `go`: `Err(why)` when go could not be asked which profile is in use.
pub fn list_text(view: &ListView, store: &Store, go: Result<(), String>) -> String {
    let mut table = vec![vec![
        String::new(),
        output::heading("NAME"),
        output::heading("ALIASES"),
        output::heading("FROM"),
        output::heading("DESCRIPTION"),
    ]];
    for r in &view.profiles {
        table.push(vec![
            if r.active {
                output::paint("*", Severity::Ok)
            } else if r.same_settings {
                output::dim("=")
            } else {
                " ".to_string()
            },
            r.name.to_string(),
            output::dim(&r.aliases.join(", ")),
            origin_label(r.profile),
            summary(r.description),
        ]);
    }
    let mut text = output::table(&table);
    match &go {
        Ok(()) if view.profiles.iter().any(|r| r.active) => {
            text.push_str(&format!(
                "\n{}\n",
                output::dim("* = matches the settings go uses now")
            ));
            if view.profiles.iter().any(|r| r.same_settings) {
                text.push_str(&format!(
                    "{}\n",
                    output::dim("= gives the same settings as the profile marked *")
                ));
            }
        }
        Ok(()) => text.push_str(&format!(
            "\n{}\n",
            output::dim("no profile matches the settings go uses now (`godoctor env` shows them)")
        )),
        Err(e) => text.push_str(&format!(
            "\n{} cannot tell which profile is active: {e}\n",
            output::glyph(Severity::Warn)
        )),
    }
    for e in &store.broken {
        text.push_str(&format!("{} {e}\n", output::glyph(Severity::Error)));
        if let Some(h) = &e.hint {
            text.push_str(&format!("  {} {h}\n", output::dim("fix:")));
        }
    }
    if let Some(dir) = &store.dir {
        text.push_str(&format!(
            "{}\n",
            output::dim(&format!("user profiles: {}/*.toml", dir.display()))
        ));
    }
    text
}

/// `profile show --json`.
#[derive(Serialize)]
pub struct ShowView<'a> {
    name: &'a str,
    description: &'a str,
    aliases: &'a [String],
    origin: &'a Origin,
    /// The values written (variables filled in where given, else `${name}`).
    set: BTreeMap<&'a str, String>,
    unset: &'a [String],
    variables: &'a [Variable],
    /// Matches the settings go uses now (`null`: go could not be asked).
    active: Option<bool>,
}

impl<'a> ShowView<'a> {
    pub fn new(profile: &'a Profile, changes: &'a [Change], active: Option<bool>) -> Self {
        ShowView {
            name: &profile.name,
            description: &profile.description,
            aliases: &profile.aliases,
            origin: &profile.origin,
            set: changes
                .iter()
                .filter_map(|c| Some((c.name.as_str(), c.value.clone()?)))
                .collect(),
            unset: &profile.unset,
            variables: &profile.variables,
            active,
        }
    }
}

/// `profile show` as text: what it sets and unsets, and its variables with the values `--set`
/// gave (`given`).
pub fn show_text(
    profile: &Profile,
    changes: &[Change],
    given: &BTreeMap<String, String>,
    active: Option<bool>,
) -> String {
    let mut text = format!(
        "{} {}{}\n",
        output::heading(&profile.name),
        output::dim(&format!("({})", origin_label(profile))),
        if active == Some(true) {
            format!(
                "  {}",
                output::paint("* matches the current settings", Severity::Ok)
            )
        } else {
            String::new()
        }
    );
    if let Some(path) = profile.path() {
        text.push_str(&format!("{} {}\n", output::dim("file:"), path.display()));
    }
    if !profile.aliases.is_empty() {
        text.push_str(&format!(
            "{} {}\n",
            output::dim("aliases:"),
            profile.aliases.join(", ")
        ));
    }
    text.push_str(&format!(
        "\n{}\n\n",
        output::wrap(&profile.description, 90, "").trim_end()
    ));
    let mut table = Vec::new();
    for c in changes {
        table.push(vec![
            format!("  {}", c.name),
            match &c.value {
                Some(v) => crate::redact::value(&c.name, v),
                None => output::dim("(unset: go's default)"),
            },
        ]);
    }
    text.push_str(&output::table(&table));
    if !profile.variables.is_empty() {
        text.push_str(&format!("\n{}\n", output::heading("variables")));
        for v in &profile.variables {
            let state = match (given.get(&v.name), &v.default) {
                (Some(g), _) => format!("= {g}"),
                (None, Some(d)) => format!("default {d}"),
                (None, None) => "required".to_string(),
            };
            text.push_str(&format!(
                "  {} {}  {}\n",
                v.name,
                output::dim(&state),
                v.prompt
            ));
            if let Some(e) = &v.example {
                text.push_str(&format!("    {} {e}\n", output::dim("example:")));
            }
        }
        text.push_str(&format!(
            "\n{}\n",
            output::dim(&format!(
                "give values with --set, e.g. godoctor profile apply {} {}",
                profile.name,
                example_sets(
                    &profile
                        .variables
                        .iter()
                        .filter(|v| v.default.is_none())
                        .collect::<Vec<_>>()
                )
            ))
        ));
    }
    text
}

/// `profile diff --json`.
#[derive(Serialize)]
pub struct DiffView<'a> {
    profile: &'a str,
    /// The go env file the profile would be written to.
    goenv: Option<String>,
    rows: &'a [DiffRow],
    /// Variables still without a value.
    missing: Vec<&'a str>,
    warnings: Vec<&'a SettingFinding>,
}

impl<'a> DiffView<'a> {
    pub fn new(
        profile: &'a Profile,
        go_env: &GoEnv,
        rows: &'a [DiffRow],
        missing: &[&'a Variable],
        findings: &'a [SettingFinding],
    ) -> Self {
        DiffView {
            profile: &profile.name,
            goenv: goenv_path(go_env),
            rows,
            missing: missing.iter().map(|v| v.name.as_str()).collect(),
            warnings: findings.iter().collect(),
        }
    }
}

/// `profile diff` as text: the table, the variables still to fill in, the findings.
pub fn diff_view_text(
    profile: &Profile,
    go_env: &GoEnv,
    rows: &[DiffRow],
    missing: &[&Variable],
    findings: &[SettingFinding],
) -> String {
    let mut text = diff_text(profile, go_env, rows);
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|v| v.name.as_str()).collect();
        text.push_str(&format!(
            "\n{} values still to fill in: {} (e.g. {})\n",
            output::glyph(Severity::Info),
            names.join(", "),
            example_sets(missing)
        ));
    }
    let f = findings_text(findings, false);
    if !f.is_empty() {
        text.push_str(&format!("\n{f}\n"));
    }
    text
}

fn goenv_path(go_env: &GoEnv) -> Option<String> {
    go_env.user_file_path().map(|p| p.display().to_string())
}

/// `profile apply --json`: one shape whatever happened (dry run, refused by `--check`, written);
/// the write's fields are empty or null when nothing was written.
#[derive(Serialize)]
pub struct ApplyView<'a> {
    profile: &'a str,
    /// The go env file the profile is written to.
    goenv: Option<String>,
    dry_run: bool,
    /// The go env file was written (false for a dry run and a refused `--check`).
    applied: bool,
    /// Every variable of the profile: now, after, whether the file changes.
    rows: &'a [DiffRow],
    /// Findings about the values that did not refuse them.
    warnings: Vec<&'a Finding>,
    /// `--check`'s probe of the new settings (`null` without `--check`).
    check: Option<&'a Checked>,
    /// The undo snapshot of the write.
    snapshot: Option<&'a str>,
    /// The go env file entries the write changed.
    changed: &'a [Entry],
    /// OS variables that keep hiding a written value from go: name and value.
    shadowed: Vec<(&'a str, &'a str)>,
}

impl<'a> ApplyView<'a> {
    /// Before any write (a dry run, a refused `--check`).
    pub fn unwritten(
        profile: &'a Profile,
        go_env: &GoEnv,
        dry_run: bool,
        rows: &'a [DiffRow],
        findings: &'a [SettingFinding],
        check: Option<&'a Checked>,
    ) -> Self {
        ApplyView {
            profile: &profile.name,
            goenv: goenv_path(go_env),
            dry_run,
            applied: false,
            rows,
            warnings: findings.iter().map(|f| &f.finding).collect(),
            check,
            snapshot: None,
            changed: &[],
            shadowed: Vec::new(),
        }
    }

    /// After the write.
    pub fn written(mut self, write: &'a WriteReport) -> Self {
        self.applied = true;
        self.snapshot = write.snapshot.as_ref().map(|s| s.id.as_str());
        self.changed = &write.changed;
        self.shadowed = write
            .shadowed
            .iter()
            .map(|s| (s.name.as_str(), s.os_value.as_str()))
            .collect();
        self
    }
}

/// `profile apply --dry-run` as text.
pub fn dry_run_text(
    profile: &Profile,
    go_env: &GoEnv,
    rows: &[DiffRow],
    check: Option<&Checked>,
) -> String {
    format!(
        "{}{}{}",
        diff_text(profile, go_env, rows),
        check.map_or_else(String::new, check_text),
        output::dim("dry run: nothing was written")
    )
}

/// `profile apply --check` refused: what the probe found and that nothing changed.
pub fn refused_text(check: &Checked) -> String {
    format!(
        "{}{} not applied: nothing was changed ({})\n",
        check_text(check),
        output::glyph(Severity::Error),
        output::dim(
            "`godoctor proxy test URL` explains a proxy in detail; apply without --check to write anyway"
        )
    )
}

/// `profile save --json`.
#[derive(Serialize)]
pub struct SaveView<'a> {
    name: &'a str,
    path: String,
    set: BTreeMap<&'a str, &'a str>,
    unset: &'a [String],
    from_env: &'a [String],
    /// Variables whose saved value holds a credential (stored in the file, shown redacted).
    secrets: &'a [String],
}

impl<'a> SaveView<'a> {
    pub fn new(saved: &'a Saved) -> Self {
        SaveView {
            name: &saved.profile.name,
            path: saved.path.display().to_string(),
            set: saved
                .profile
                .set
                .iter()
                .map(|(k, t)| (k.as_str(), t.source()))
                .collect(),
            unset: &saved.profile.unset,
            from_env: &saved.from_env,
            secrets: &saved.secrets,
        }
    }
}

/// `profile export --json`.
#[derive(Serialize)]
pub struct ExportView<'a> {
    profile: &'a str,
    format: Format,
    values: BTreeMap<&'a str, Option<&'a str>>,
    /// The export itself, as the text output prints it.
    text: String,
}

impl<'a> ExportView<'a> {
    pub fn new(profile: &'a Profile, format: Format, changes: &'a [Change]) -> Self {
        ExportView {
            profile: &profile.name,
            format,
            values: changes
                .iter()
                .map(|c| (c.name.as_str(), c.value.as_deref()))
                .collect(),
            text: super::export::render(&profile.name, changes, format),
        }
    }

    /// The text output: the export alone (it is meant for `eval` or a file).
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn origin_label(p: &Profile) -> String {
    match &p.origin {
        Origin::Builtin => "built-in".to_string(),
        Origin::User {
            overrides_builtin: true,
            ..
        } => "user (replaces built-in)".to_string(),
        Origin::User { .. } => "user".to_string(),
    }
}

/// The first sentence of a description, for one-line listings.
fn summary(description: &str) -> String {
    let first = description
        .split_inclusive(". ")
        .next()
        .unwrap_or(description)
        .trim()
        .trim_end_matches('.');
    output::truncate(first, 80)
}

/// Findings as `glyph message` lines with their `fix:`; `all` keeps the infos.
pub fn findings_text(findings: &[SettingFinding], all: bool) -> String {
    let detail = if all {
        output::Detail::Verbose
    } else {
        output::Detail::Normal
    };
    output::findings(findings.iter().map(|f| &f.finding), detail)
        .trim_end()
        .to_string()
}

/// The NOW → AFTER table of a profile against the settings go uses now.
pub fn diff_text(profile: &Profile, go_env: &GoEnv, rows: &[DiffRow]) -> String {
    let mut table = vec![vec![
        output::heading("NAME"),
        output::heading("NOW"),
        output::heading("SOURCE"),
        String::new(),
        output::heading("AFTER"),
    ]];
    for r in rows {
        let source = match (&r.source, &r.file) {
            (Source::File | Source::Goroot, Some(f)) => {
                format!(
                    "{} {}",
                    r.source.as_str(),
                    output::dim(&f.display().to_string())
                )
            }
            _ => r.source.as_str().to_string(),
        };
        let show = |v: &str| {
            if v.is_empty() {
                output::dim("(empty)")
            } else {
                crate::redact::value(&r.name, v)
            }
        };
        let (arrow, after) = if r.effective_change() {
            (output::paint("→", Severity::Warn), show(&r.after))
        } else {
            (output::dim("="), output::dim("unchanged"))
        };
        // The file is still written when an OS variable shadows it (the value takes effect
        // once the variable is gone), so the row says both what go keeps and what the file gets.
        let after = match (&r.target, &r.shadowed_by_env) {
            (target, Some(_)) => {
                let file = match (target, r.writes) {
                    (_, false) => "the file already says so".to_string(),
                    (Some(v), true) => format!("the file gets {}", show(v)),
                    (None, true) => "its line leaves the file".to_string(),
                };
                format!(
                    "{after} {}",
                    output::paint(
                        &format!("(an OS variable {} overrides the file; {file})", r.name),
                        Severity::Warn
                    )
                )
            }
            (None, None) if r.effective_change() => {
                format!("{after} {}", output::dim("(go's default)"))
            }
            _ => after,
        };
        table.push(vec![r.name.clone(), show(&r.current), source, arrow, after]);
    }
    let mut text = format!(
        "{} {} {}\n",
        output::heading("profile"),
        profile.name,
        output::dim(&format!(
            "→ {}",
            go_env
                .user_file_path()
                .map_or("(no go env file)".to_string(), |p| p.display().to_string())
        ))
    );
    text.push_str(&output::table(&table));
    text
}

/// What `--check` found, a line each.
pub fn check_text(c: &Checked) -> String {
    let mut text = String::new();
    for p in &c.problems {
        text.push_str(&format!("{} {p}\n", output::glyph(Severity::Error)));
    }
    for w in &c.warnings {
        text.push_str(&format!("{} {w}\n", output::glyph(Severity::Warn)));
    }
    if c.problems.is_empty() {
        let line = if c.proxies.is_empty() {
            "the new GOPROXY names no proxy to probe (only direct or off)".to_string()
        } else {
            format!("the new proxy answers: {}", c.proxies[0].url)
        };
        text.push_str(&format!("{} {line}\n", output::glyph(Severity::Ok)));
    }
    text
}

/// What `profile save` says: the values (redacted), what came from the OS, what holds a
/// credential, and a replaced built-in.
pub fn saved_text(saved: &Saved) -> String {
    let profile = &saved.profile;
    let mut text = format!(
        "{} saved profile {} to {}\n",
        output::glyph(Severity::Ok),
        profile.name,
        saved.path.display()
    );
    for (k, v) in &profile.set {
        let v = crate::redact::value(k, &v.render(&BTreeMap::new()));
        text.push_str(&format!("  {k} = {v}\n"));
    }
    if !profile.unset.is_empty() {
        text.push_str(&format!(
            "  {} {}\n",
            output::dim("unset (go's default):"),
            profile.unset.join(", ")
        ));
    }
    if !saved.from_env.is_empty() {
        text.push_str(&format!(
            "{} {} came from OS environment variables, not from the go env file\n",
            output::glyph(Severity::Info),
            saved.from_env.join(", ")
        ));
    }
    // A password in a URL (or a GOAUTH/GOFLAGS token) is saved as go uses it, so applying the
    // profile reproduces the settings; the user is told, since the file may be copied around.
    if !saved.secrets.is_empty() {
        text.push_str(&format!(
            "{} {} {} a credential, and the profile file keeps it as go uses it (the file is readable only by you): do not share the file, or move the login to ~/.netrc (`machine HOST login USER password …`), take it out of the value and save again\n",
            output::glyph(Severity::Warn),
            saved.secrets.join(", "),
            if saved.secrets.len() == 1 { "holds" } else { "hold" }
        ));
    }
    if saved.replaces_builtin {
        text.push_str(&format!(
            "{} it replaces the built-in profile {}; remove the file to get the built-in back\n",
            output::glyph(Severity::Info),
            profile.name
        ));
    }
    text
}
