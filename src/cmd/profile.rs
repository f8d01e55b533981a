//! `godoctor profile list/show/diff/apply/save/export`: glue. Each subcommand gathers (the
//! store, go's settings, the history), asks the domain ([`crate::profile::apply`] for values,
//! refusals and the next step; [`crate::profile::plan`] for the diff) and renders one view
//! ([`crate::profile::render`]) as JSON or text.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};

use super::Context;
use crate::Outcome;
use crate::cli::{ExportFormat, ProfileAction, ProfileArgs};
use crate::fetch::proxy::ProbeOptions;
use crate::fetch::run::{SettingsRun, probe_settings};
use crate::finding::Severity;
use crate::goenv::GoEnv;
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::write::{self, Change};
use crate::net::http::Prober;
use crate::output;
use crate::profile::Profile;
use crate::profile::apply::{self, Refusal, Step};
use crate::profile::check::Checked;
use crate::profile::export::{self, Format};
use crate::profile::plan::{self, DiffRow, Marks};
use crate::profile::render;
use crate::profile::store::{ResolveError, Store};

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

/// A refusal as the error the user reads (its invalid values first, on stderr).
fn refused(r: Refusal) -> anyhow::Error {
    if !r.findings.is_empty() {
        output::note(&render::findings_text(&r.findings, true));
    }
    crate::hinted(r.message, r.hint)
}

fn list(ctx: &Context) -> Result<Outcome> {
    let store = load_store(ctx);
    // Marking the active profile needs go; listing does not.
    let go_env = ctx.load_go_env();
    let matching = match &go_env {
        Ok(g) => plan::active(&store.profiles, g),
        Err(_) => vec![],
    };
    let marks = Marks::new(&matching, ctx.last_action().as_deref());
    let view = render::ListView::new(&store, &marks);
    if ctx.output.json {
        output::print_json(&view)?;
    } else {
        let go = go_env.as_ref().map(|_| ()).map_err(|e| e.to_string());
        output::print_block(&render::list_text(&view, &store, go))?;
    }
    Ok(Outcome::from_problems(!store.broken.is_empty()))
}

fn show(ctx: &Context, name: &str, set: &[String]) -> Result<Outcome> {
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let given = apply::given(profile, set).map_err(refused)?;
    let active = ctx.load_go_env().ok().map(|g| plan::matches(profile, &g));
    let changes = plan::changes(profile, &given.filled.values);
    if ctx.output.json {
        output::print_json(&render::ShowView::new(profile, &changes, active))?;
    } else {
        output::print_block(&render::show_text(profile, &changes, &given.set, active))?;
    }
    Ok(Outcome::Clean)
}

/// The variables' values: `--set`, defaults, then (on a terminal) prompts; otherwise refuse
/// with the `--set`s that are missing. Every answer is checked as it is typed.
fn complete_values(
    ctx: &Context,
    profile: &Profile,
    set: &[String],
    may_prompt: bool,
) -> Result<BTreeMap<String, String>> {
    let filled = apply::given(profile, set).map_err(refused)?.filled;
    let mut values = filled.values;
    if filled.missing.is_empty() {
        return Ok(values);
    }
    if !may_prompt {
        return Err(refused(apply::missing(profile, &filled.missing)));
    }
    for v in &filled.missing {
        let answer = ctx
            .output
            .input(&apply::prompt(v), |input| apply::answer_error(v, input))
            .context("reading the answer from the terminal")?;
        let Some(answer) = answer else {
            // No terminal to ask on (or --json).
            return Err(refused(apply::missing(profile, &filled.missing)));
        };
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
    apply::checked(profile, &values).map_err(refused)
}

fn diff(ctx: &Context, name: &str, set: &[String]) -> Result<Outcome> {
    let store = load_store(ctx);
    let profile = resolve(ctx, &store, name)?;
    let filled = apply::given(profile, set).map_err(refused)?.filled;
    let changes = plan::changes(profile, &filled.values);
    let findings = plan::validate(profile, &filled.values, &changes);
    let go_env = ctx.load_go_env()?;
    let rows = plan::diff(&go_env, &changes, &ctx.env);
    let problems = plan::has_errors(&findings);
    if ctx.output.json {
        output::print_json(&render::DiffView::new(
            profile,
            &go_env,
            &rows,
            &filled.missing,
            &findings,
        ))?;
    } else {
        output::print_block(&render::diff_view_text(
            profile,
            &go_env,
            &rows,
            &filled.missing,
            &findings,
        ))?;
    }
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
    let after = |name: &str| plan::value_after(rows, go_env, name);
    if !ctx.output.json && !ctx.output.detail.quiet() {
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
    let checked =
        check.map(|timeout| Checked::from_run(probe_new_settings(ctx, &go_env, &rows, timeout)));
    let view = render::ApplyView::unwritten(
        profile,
        &go_env,
        dry_run,
        &rows,
        &findings,
        checked.as_ref(),
    );
    let refuses = checked.as_ref().is_some_and(Checked::refuses);
    let step = apply::step(
        dry_run,
        refuses,
        rows.iter().any(|r| r.writes),
        yes,
        ctx.output.interactive && !ctx.output.json,
    );
    if ctx.output.json {
        if matches!(step, Step::Show | Step::Refused) {
            output::print_json(&view)?;
        }
    } else if step == Step::Show {
        output::print_block(&render::dry_run_text(
            profile,
            &go_env,
            &rows,
            checked.as_ref(),
        ))?;
    } else if !ctx.output.detail.quiet() {
        output::print_block(&render::diff_text(profile, &go_env, &rows))?;
    }
    match (step, &checked) {
        (Step::Show, _) => return Ok(Outcome::from_problems(refuses)),
        (Step::Refused, Some(c)) => {
            if !ctx.output.json {
                output::print_block(&render::refused_text(c))?;
            }
            return Ok(Outcome::Problems);
        }
        (_, Some(c)) if !ctx.output.json => output::note(render::check_text(c).trim_end()),
        _ => {}
    }
    match step {
        Step::NeedsYes => {
            return Err(crate::hinted(
                format!("not applied: profile {} needs confirmation", profile.name),
                "pass --yes to apply without asking, or --dry-run to only see the changes",
            ));
        }
        Step::Ask => {
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
        _ => {}
    }
    let history = ctx.history()?;
    let report = write::write(
        &go_env.go,
        &ctx.env,
        &history,
        &changes,
        &format!("profile apply {}", profile.name),
    )
    .map_err(super::write::error)?;
    if ctx.output.json {
        output::print_json(&view.written(&report))?;
        return Ok(Outcome::Clean);
    }
    super::write::render(
        ctx,
        &report,
        &findings,
        &format!("applied profile {} to", profile.name),
    )
}

fn save(ctx: &Context, name: &str, force: bool, description: Option<&str>) -> Result<Outcome> {
    let saved = ctx.save_profile(name, force, description)?;
    if ctx.output.json {
        output::print_json(&render::SaveView::new(&saved))?;
    } else {
        output::print_block(&render::saved_text(&saved))?;
    }
    Ok(Outcome::Clean)
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
    let view = render::ExportView::new(profile, format, &changes);
    if ctx.output.json {
        output::print_json(&view)?;
    } else {
        output::print_block(view.text())?;
    }
    Ok(Outcome::Clean)
}
