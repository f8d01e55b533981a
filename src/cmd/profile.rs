//! `godoctor profile list/show/diff/apply/save/export`: glue between the CLI, the profile store
//! and plan, the go env write transaction, and the output.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::cli::{ExportFormat, ProfileAction, ProfileArgs};
use crate::fetch::proxy::ProbeOptions;
use crate::fetch::run::{SettingsRun, probe_settings};
use crate::finding::Severity;
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::write::{self, Change};
use crate::goenv::{GoEnv, Source};
use crate::net::http::Prober;
use crate::output;
use crate::profile::export::{self, Format};
use crate::profile::plan::{self, DiffRow};
use crate::profile::store::{ResolveError, Store};
use crate::profile::{Origin, Profile, ProfileError, Variable};

pub fn run(ctx: &Context, args: &ProfileArgs) -> Result<Outcome> {
    match &args.action {
        None | Some(ProfileAction::List) => list(ctx),
        Some(ProfileAction::Show { name, set }) => show(ctx, name, set),
        Some(ProfileAction::Diff { name, set }) => diff(ctx, name, set),
        Some(ProfileAction::Apply {
            name,
            set,
            dry_run,
            yes,
            check,
            timeout,
        }) => apply(ctx, name, set, *dry_run, *yes, check.then_some(*timeout)),
        Some(ProfileAction::Save {
            name,
            force,
            description,
        }) => save(ctx, name, *force, description.as_deref()),
        Some(ProfileAction::Export { name, format, set }) => export(ctx, name, *format, set),
    }
}

fn load_store(ctx: &Context) -> Store {
    Store::load(crate::home::config_dir(&ctx.env).as_deref())
}

fn resolve<'a>(ctx: &Context, store: &'a Store, name: &str) -> Result<&'a Profile> {
    // Broken files other than the one asked for do not stop the command, but are mentioned.
    if !ctx.output.json {
        for e in &store.broken {
            if e.name.as_deref() != Some(name) {
                output::note(&format!(
                    "{} skipped a profile file: {e}",
                    output::glyph(Severity::Warn)
                ));
            }
        }
    }
    store
        .resolve(name)
        .map_err(|e: ResolveError| crate::hinted(e.to_string(), e.hint()))
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
    if first.chars().count() > 80 {
        let cut: String = first.chars().take(79).collect();
        format!("{}…", cut.trim_end())
    } else {
        first.to_string()
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    name: &'a str,
    aliases: &'a [String],
    description: &'a str,
    origin: &'a Origin,
    /// The profile in use (one at most).
    active: bool,
    /// Gives the same settings as the profile in use.
    same_settings: bool,
    variables: Vec<&'a str>,
}

#[derive(Serialize)]
struct ListJson<'a> {
    dir: Option<String>,
    profiles: Vec<ListRow<'a>>,
    broken: &'a [ProfileError],
}

fn list(ctx: &Context) -> Result<Outcome> {
    let store = load_store(ctx);
    // Marking the active profile needs go; listing does not.
    let go_env = ctx.load_go_env();
    let matching = match &go_env {
        Ok(g) => plan::active(&store.profiles, g),
        Err(_) => vec![],
    };
    // One profile is marked in use; others that give the same settings are marked apart, so
    // a profile saved from a built-in one does not make two "active" profiles.
    let last_applied = ctx
        .history()
        .ok()
        .and_then(|h| h.latest().ok().flatten())
        .map(|(_, snapshot)| snapshot.action);
    let in_use = plan::in_use(
        &matching,
        last_applied.as_deref().and_then(plan::applied_by),
    )
    .map(|p| p.name.as_str());
    let same: Vec<&str> = matching
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| Some(*n) != in_use)
        .collect();
    let rows: Vec<ListRow> = store
        .profiles
        .iter()
        .map(|p| ListRow {
            name: &p.name,
            aliases: &p.aliases,
            description: &p.description,
            origin: &p.origin,
            active: in_use == Some(p.name.as_str()),
            same_settings: same.contains(&p.name.as_str()),
            variables: p.variables.iter().map(|v| v.name.as_str()).collect(),
        })
        .collect();
    let outcome = Outcome::from_problems(!store.broken.is_empty());
    if ctx.output.json {
        output::print_json(&ListJson {
            dir: store.dir.as_ref().map(|d| d.display().to_string()),
            profiles: rows,
            broken: &store.broken,
        })?;
        return Ok(outcome);
    }
    let mut table = vec![vec![
        String::new(),
        output::heading("NAME"),
        output::heading("ALIASES"),
        output::heading("FROM"),
        output::heading("DESCRIPTION"),
    ]];
    for (r, p) in rows.iter().zip(&store.profiles) {
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
            origin_label(p),
            summary(r.description),
        ]);
    }
    let mut text = output::table(&table);
    match &go_env {
        Ok(_) if rows.iter().any(|r| r.active) => {
            text.push_str(&format!(
                "\n{}\n",
                output::dim("* = matches the settings go uses now")
            ));
            if !same.is_empty() {
                text.push_str(&format!(
                    "{}\n",
                    output::dim("= gives the same settings as the profile marked *")
                ));
            }
        }
        Ok(_) => text.push_str(&format!(
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
    output::print_block(&text)?;
    Ok(outcome)
}

#[derive(Serialize)]
struct ShowJson<'a> {
    name: &'a str,
    description: &'a str,
    aliases: &'a [String],
    origin: &'a Origin,
    /// The values written (variables filled in where given, else `${name}`).
    set: BTreeMap<&'a str, String>,
    unset: &'a [String],
    variables: &'a [Variable],
    active: Option<bool>,
}

fn show(ctx: &Context, name: &str, set: &[String]) -> Result<Outcome> {
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let given = plan::parse_sets(set).map_err(|e| crate::hinted(e, "write --set name=value"))?;
    let filled = plan::fill(profile, &given)
        .map_err(|e| crate::hinted(e, "`godoctor profile show NAME` lists its variables"))?;
    let active = ctx.load_go_env().ok().map(|g| plan::matches(profile, &g));
    let changes = plan::changes(profile, &filled.values);
    if ctx.output.json {
        output::print_json(&ShowJson {
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
        })?;
        return Ok(Outcome::Clean);
    }
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
    for c in &changes {
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
    output::print_block(&text)?;
    Ok(Outcome::Clean)
}

/// `--set a=EXAMPLE --set b=EXAMPLE` for the given variables, shell-quoted.
fn example_sets(vars: &[&Variable]) -> String {
    vars.iter()
        .map(|v| {
            let value = v.example.clone().unwrap_or_else(|| "VALUE".to_string());
            let pair = format!("{}={value}", v.name);
            if pair
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=.,:/@+".contains(c))
            {
                format!("--set {pair}")
            } else {
                format!("--set {}", export::sh_quote(&pair))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The variables' values: `--set`, defaults, then (on a terminal) prompts; otherwise refuse
/// with the `--set`s that are missing. Every value is checked.
fn complete_values(
    ctx: &Context,
    profile: &Profile,
    set: &[String],
    may_prompt: bool,
) -> Result<BTreeMap<String, String>> {
    let given = plan::parse_sets(set).map_err(|e| crate::hinted(e, "write --set name=value"))?;
    let filled = plan::fill(profile, &given).map_err(|e| {
        crate::hinted(
            e,
            format!(
                "`godoctor profile show {}` lists its variables",
                profile.name
            ),
        )
    })?;
    let mut values = filled.values;
    if filled.missing.is_empty() {
        return Ok(values);
    }
    if !(may_prompt && ctx.output.interactive && !ctx.output.json) {
        let names: Vec<&str> = filled.missing.iter().map(|v| v.name.as_str()).collect();
        return Err(crate::hinted(
            format!(
                "profile {} needs values for: {} (nothing was changed)",
                profile.name,
                names.join(", ")
            ),
            format!("add {}", example_sets(&filled.missing)),
        ));
    }
    for v in filled.missing {
        let prompt = match &v.example {
            Some(e) => format!("{} (e.g. {e})", v.prompt),
            None => v.prompt.clone(),
        };
        let var = v.clone();
        let answer: String = dialoguer::Input::new()
            .with_prompt(prompt)
            .validate_with(move |input: &String| -> Result<(), String> {
                let errors: Vec<String> = plan::check_variable(&var, input)
                    .into_iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| f.message)
                    .collect();
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(errors.join("; "))
                }
            })
            .interact_text()
            .context("reading the answer from the terminal")?;
        values.insert(v.name.clone(), answer);
    }
    Ok(values)
}

/// Fill, render and validate: the changes, plus the warnings that do not refuse them.
fn checked_changes(
    ctx: &Context,
    profile: &Profile,
    set: &[String],
    may_prompt: bool,
) -> Result<(Vec<Change>, Vec<SettingFinding>)> {
    let values = complete_values(ctx, profile, set, may_prompt)?;
    let changes = plan::changes(profile, &values);
    let findings = plan::validate(profile, &values, &changes);
    if plan::has_errors(&findings) {
        output::note(&render_findings(&findings, true));
        let n = findings
            .iter()
            .filter(|f| f.finding.severity == Severity::Error)
            .count();
        let where_ = match profile.path() {
            Some(p) => format!("correct the value in {} or in --set", p.display()),
            None => "correct the --set value".to_string(),
        };
        return Err(crate::hinted(
            format!(
                "refused profile {}: {n} invalid value(s); nothing was changed",
                profile.name
            ),
            where_,
        ));
    }
    Ok((changes, findings))
}

fn render_findings(findings: &[SettingFinding], all: bool) -> String {
    let mut text = String::new();
    for f in findings
        .iter()
        .filter(|f| all || f.finding.severity > Severity::Info)
    {
        text.push_str(&format!(
            "{} {}\n",
            output::glyph(f.finding.severity),
            f.finding.message
        ));
        if let Some(h) = &f.finding.hint {
            text.push_str(&format!("  {} {h}\n", output::dim("fix:")));
        }
    }
    text.trim_end().to_string()
}

#[derive(Serialize)]
struct DiffJson<'a> {
    profile: &'a str,
    goenv: Option<String>,
    rows: &'a [DiffRow],
    missing: Vec<&'a str>,
    warnings: Vec<&'a SettingFinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a CheckJson>,
}

fn diff_text(profile: &Profile, go_env: &GoEnv, rows: &[DiffRow]) -> String {
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

fn diff(ctx: &Context, name: &str, set: &[String]) -> Result<Outcome> {
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let given = plan::parse_sets(set).map_err(|e| crate::hinted(e, "write --set name=value"))?;
    let filled = plan::fill(profile, &given)
        .map_err(|e| crate::hinted(e, "`godoctor profile show NAME` lists its variables"))?;
    let changes = plan::changes(profile, &filled.values);
    let findings = plan::validate(profile, &filled.values, &changes);
    let go_env = ctx.load_go_env()?;
    let rows = plan::diff(&go_env, &changes, &ctx.env);
    let missing: Vec<&str> = filled.missing.iter().map(|v| v.name.as_str()).collect();
    let problems = plan::has_errors(&findings);
    if ctx.output.json {
        output::print_json(&DiffJson {
            profile: &profile.name,
            goenv: go_env.user_file_path().map(|p| p.display().to_string()),
            rows: &rows,
            missing,
            warnings: findings.iter().collect(),
            check: None,
        })?;
        return Ok(Outcome::from_problems(problems));
    }
    let mut text = diff_text(profile, &go_env, &rows);
    if !missing.is_empty() {
        text.push_str(&format!(
            "\n{} values still to fill in: {} (e.g. {})\n",
            output::glyph(Severity::Info),
            missing.join(", "),
            example_sets(&filled.missing)
        ));
    }
    let f = render_findings(&findings, false);
    if !f.is_empty() {
        text.push_str(&format!("\n{f}\n"));
    }
    output::print_block(&text)?;
    Ok(Outcome::from_problems(problems))
}

/// Probe what go will use after the apply: every entry of the new GOPROXY and the new
/// checksum database, concurrently, each within the deadline.
fn probe_new_settings(
    ctx: &Context,
    go_env: &GoEnv,
    rows: &[DiffRow],
    timeout: std::time::Duration,
) -> SettingsRun {
    let after = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .map_or_else(|| go_env.get(name).to_string(), |r| r.after.clone())
    };
    if !ctx.output.json && !ctx.output.quiet {
        output::note("checking the new settings (proxies, checksum database)…");
    }
    // The credentials go will use after the apply: the new GOAUTH.
    let prober = Prober::with_goauth(&ctx.env, Some(&after("GOAUTH")));
    let opts = ProbeOptions {
        samples: 1,
        timeout,
        ..ProbeOptions::default()
    };
    probe_settings(&prober, &after("GOPROXY"), &after("GOSUMDB"), opts)
}

/// What `--check` found.
#[derive(Serialize)]
struct CheckJson {
    problems: Vec<String>,
    warnings: Vec<String>,
    proxies: Vec<crate::fetch::proxy::ProxyReport>,
}

/// `profile apply --json`: one shape whatever happened (dry run, refused by `--check`, written);
/// the write's fields are empty or null when nothing was written.
#[derive(Serialize)]
struct ApplyJson<'a> {
    profile: &'a str,
    /// The go env file the profile is written to.
    goenv: Option<String>,
    dry_run: bool,
    /// The go env file was written (false for a dry run and a refused `--check`).
    applied: bool,
    /// Every variable of the profile: now, after, whether the file changes.
    rows: &'a [DiffRow],
    /// Findings about the values that did not refuse them.
    warnings: Vec<&'a crate::finding::Finding>,
    /// `--check`'s probe of the new settings (`null` without `--check`).
    check: Option<&'a CheckJson>,
    /// The undo snapshot of the write.
    snapshot: Option<&'a str>,
    /// The go env file entries the write changed.
    changed: &'a [crate::goenv::history::Entry],
    /// OS variables that keep hiding a written value from go: name and value.
    shadowed: Vec<(&'a str, &'a str)>,
}

fn check_text(c: &CheckJson) -> String {
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

fn apply(
    ctx: &Context,
    name: &str,
    set: &[String],
    dry_run: bool,
    yes: bool,
    check: Option<std::time::Duration>,
) -> Result<Outcome> {
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let (changes, findings) = checked_changes(ctx, profile, set, !dry_run)?;
    let go_env = ctx.load_go_env()?;
    let rows = plan::diff(&go_env, &changes, &ctx.env);
    let writes = rows.iter().any(|r| r.writes);
    let checked = check.map(|timeout| {
        let run = probe_new_settings(ctx, &go_env, &rows, timeout);
        let (problems, warnings) = crate::profile::check::problems(&run);
        CheckJson {
            problems,
            warnings,
            proxies: run.reports,
        }
    });
    let refused = checked.as_ref().is_some_and(|c| !c.problems.is_empty());
    let print_json = |applied: bool, write: Option<&write::WriteReport>| {
        output::print_json(&ApplyJson {
            profile: &profile.name,
            goenv: go_env.user_file_path().map(|p| p.display().to_string()),
            dry_run,
            applied,
            rows: &rows,
            warnings: findings.iter().map(|f| &f.finding).collect(),
            check: checked.as_ref(),
            snapshot: write.and_then(|w| w.snapshot.as_ref().map(|s| s.id.as_str())),
            changed: write.map_or(&[], |w| w.changed.as_slice()),
            shadowed: write.map_or_else(Vec::new, |w| {
                w.shadowed
                    .iter()
                    .map(|s| (s.name.as_str(), s.os_value.as_str()))
                    .collect()
            }),
        })
    };
    if dry_run {
        if ctx.output.json {
            print_json(false, None)?;
        } else {
            output::print_block(&format!(
                "{}{}{}",
                diff_text(profile, &go_env, &rows),
                checked.as_ref().map_or_else(String::new, check_text),
                output::dim("dry run: nothing was written")
            ))?;
        }
        return Ok(Outcome::from_problems(refused));
    }
    if !ctx.output.json && !ctx.output.quiet {
        output::print_block(&diff_text(profile, &go_env, &rows))?;
    }
    if let Some(c) = &checked {
        if refused {
            if ctx.output.json {
                print_json(false, None)?;
            } else {
                output::print_block(&format!(
                    "{}{} not applied: nothing was changed ({})\n",
                    check_text(c),
                    output::glyph(Severity::Error),
                    output::dim(
                        "`godoctor proxy test URL` explains a proxy in detail; apply without --check to write anyway"
                    )
                ))?;
            }
            return Ok(Outcome::Problems);
        }
        if !ctx.output.json {
            output::note(check_text(c).trim_end());
        }
    }
    if writes && !yes {
        if !ctx.output.interactive || ctx.output.json {
            return Err(crate::hinted(
                format!("not applied: profile {} needs confirmation", profile.name),
                "pass --yes to apply without asking, or --dry-run to only see the changes",
            ));
        }
        let go_on = ctx
            .output
            .confirm(&format!("Apply profile {}?", profile.name), false)
            .context("reading the answer from the terminal")?
            .unwrap_or(false);
        if !go_on {
            output::note("nothing was changed");
            return Ok(Outcome::Clean);
        }
    }
    let history = ctx.history()?;
    let report = write::write(
        &go_env.go,
        &ctx.env,
        &history,
        &changes,
        &format!("profile apply {}", profile.name),
    )
    .map_err(super::env::write_error)?;
    if ctx.output.json {
        print_json(true, Some(&report))?;
        return Ok(Outcome::Clean);
    }
    super::env::render_write(
        ctx,
        &report,
        &findings,
        &format!("applied profile {} to", profile.name),
    )
}

#[derive(Serialize)]
struct SaveJson<'a> {
    name: &'a str,
    path: String,
    set: BTreeMap<&'a str, &'a str>,
    unset: &'a [String],
    from_env: &'a [String],
    /// Variables whose saved value holds a credential (stored in the file, shown redacted).
    secrets: &'a [String],
}

fn save(ctx: &Context, name: &str, force: bool, description: Option<&str>) -> Result<Outcome> {
    let saved = save_current(ctx, name, force, description)?;
    if ctx.output.json {
        output::print_json(&SaveJson {
            name,
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
        })?;
    } else {
        output::print_block(&saved_text(&saved))?;
    }
    Ok(Outcome::Clean)
}

/// Save the settings go uses now as user profile `name` (for `profile save` and the wizard).
pub(crate) fn save_current(
    ctx: &Context,
    name: &str,
    force: bool,
    description: Option<&str>,
) -> Result<crate::profile::save::Saved> {
    let hinted = |e: crate::profile::save::SaveError| match e.hint() {
        Some(h) => crate::hinted(e.to_string(), h),
        None => anyhow::Error::new(e),
    };
    // Refused before go is asked anything.
    crate::profile::save::check_name(name).map_err(hinted)?;
    let config = crate::home::config_dir(&ctx.env).ok_or_else(|| {
        crate::hinted(
            "godoctor has no config directory (HOME is not set)",
            "set HOME or GODOCTOR_HOME",
        )
    })?;
    let go_env = ctx.load_go_env()?;
    crate::profile::save::save(&go_env, &config, name, description, force).map_err(hinted)
}

/// What `profile save` says: the values (redacted), what came from the OS, what holds a
/// credential, and a replaced built-in.
pub(crate) fn saved_text(saved: &crate::profile::save::Saved) -> String {
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

#[derive(Serialize)]
struct ExportJson<'a> {
    profile: &'a str,
    format: Format,
    values: BTreeMap<&'a str, Option<&'a str>>,
    text: String,
}

fn export(ctx: &Context, name: &str, format: ExportFormat, set: &[String]) -> Result<Outcome> {
    let format = match format {
        ExportFormat::Shell => Format::Shell,
        ExportFormat::Fish => Format::Fish,
        ExportFormat::Powershell => Format::Powershell,
        ExportFormat::Dockerfile => Format::Dockerfile,
        ExportFormat::GithubActions => Format::GithubActions,
    };
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let (changes, _) = checked_changes(ctx, profile, set, true)?;
    if let Some(var) = export::secret_in(&changes) {
        return Err(crate::hinted(
            format!(
                "{var} of profile {} contains a password, and godoctor never prints secrets",
                profile.name
            ),
            "keep credentials out of GOPROXY: put them in ~/.netrc (or use GOAUTH, Go 1.24+), or in your CI's secret store",
        ));
    }
    let text = export::render(&profile.name, &changes, format);
    if ctx.output.json {
        output::print_json(&ExportJson {
            profile: &profile.name,
            format,
            values: changes
                .iter()
                .map(|c| (c.name.as_str(), c.value.as_deref()))
                .collect(),
            text,
        })?;
    } else {
        output::print_block(&text)?;
    }
    Ok(Outcome::Clean)
}
