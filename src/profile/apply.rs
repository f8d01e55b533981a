//! The decisions of `profile show/diff/apply/export`, apart from their I/O: which values a
//! profile gets (`--set`, defaults, answers), whether invalid values refuse it, and what
//! `apply` does next (show only, refuse, ask, write). The command gathers and renders; every
//! branch it takes is decided here, where a unit test reaches it.

use std::collections::BTreeMap;

use super::plan::{self, Filled};
use super::{Profile, Variable, export};
use crate::finding::Severity;
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::write::Change;

/// Why a profile is not applied (or shown): what, and what to do; `findings` are the invalid
/// values behind it, for the command to show. Nothing was changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub hint: String,
    pub findings: Vec<SettingFinding>,
}

impl Refusal {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            hint: hint.into(),
            findings: Vec::new(),
        }
    }
}

/// What `--set` gave, and the values it and the defaults give `profile`'s variables, with the
/// ones still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given<'a> {
    /// `--set name=value` as given.
    pub set: BTreeMap<String, String>,
    pub filled: Filled<'a>,
}

/// Read `--set` and fill `profile`'s variables (a name it does not declare is refused).
pub fn given<'a>(profile: &'a Profile, set: &[String]) -> Result<Given<'a>, Refusal> {
    let given = plan::parse_sets(set).map_err(|e| Refusal::new(e, "write --set name=value"))?;
    let filled = plan::fill(profile, &given).map_err(|e| {
        Refusal::new(
            e,
            format!(
                "`godoctor profile show {}` lists its variables",
                profile.name
            ),
        )
    })?;
    Ok(Given { set: given, filled })
}

/// The refusal for variables nobody gave a value (no terminal to ask on), with the `--set`s
/// that would give them.
pub fn missing(profile: &Profile, missing: &[&Variable]) -> Refusal {
    let names: Vec<&str> = missing.iter().map(|v| v.name.as_str()).collect();
    Refusal::new(
        format!(
            "profile {} needs values for: {} (nothing was changed)",
            profile.name,
            names.join(", ")
        ),
        format!("add {}", example_sets(missing)),
    )
}

/// What a prompt shows for a variable: its prompt and, when it has one, an example.
pub fn prompt(var: &Variable) -> String {
    match &var.example {
        Some(e) => format!("{} (e.g. {e})", var.prompt),
        None => var.prompt.clone(),
    }
}

/// Why an answer typed for `var` cannot be taken (`None`: it can), as the prompt says it.
pub fn answer_error(var: &Variable, input: &str) -> Option<String> {
    let errors: Vec<String> = plan::check_variable(var, input)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message)
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// The changes `values` make, with the findings that do not refuse them; a value go would
/// refuse refuses the whole profile (nothing is written, the findings say which).
pub fn checked(
    profile: &Profile,
    values: &BTreeMap<String, String>,
) -> Result<(Vec<Change>, Vec<SettingFinding>), Refusal> {
    let changes = plan::changes(profile, values);
    let findings = plan::validate(profile, values, &changes);
    if !plan::has_errors(&findings) {
        return Ok((changes, findings));
    }
    let n = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Error)
        .count();
    let hint = match profile.path() {
        Some(p) => format!("correct the value in {} or in --set", p.display()),
        None => "correct the --set value".to_string(),
    };
    Err(Refusal {
        findings,
        ..Refusal::new(
            format!(
                "refused profile {}: {n} invalid value(s); nothing was changed",
                profile.name
            ),
            hint,
        )
    })
}

/// What `profile apply` does once the changes are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `--dry-run`: show the changes (and `--check`'s verdict), write nothing.
    Show,
    /// `--check` found the new settings unusable: write nothing, exit 1.
    Refused,
    /// The file changes and nobody said `--yes`: ask on the terminal.
    Ask,
    /// As [`Step::Ask`], without a terminal to ask on: refuse, naming `--yes`.
    NeedsYes,
    /// Write (a write that changes nothing still records and verifies).
    Write,
}

/// The next step of `apply`: a dry run only shows, a failed `--check` refuses, a change is
/// confirmed (by `--yes` or on the terminal) before it is written.
pub fn step(dry_run: bool, check_refused: bool, writes: bool, yes: bool, can_ask: bool) -> Step {
    if dry_run {
        Step::Show
    } else if check_refused {
        Step::Refused
    } else if writes && !yes {
        if can_ask { Step::Ask } else { Step::NeedsYes }
    } else {
        Step::Write
    }
}

/// `--set a=EXAMPLE --set b=EXAMPLE` for the given variables, shell-quoted.
pub fn example_sets(vars: &[&Variable]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::store::Store;

    fn corporate() -> Profile {
        Store::load(None)
            .resolve("corporate")
            .expect("built-in corporate")
            .clone()
    }

    #[test]
    fn a_dry_run_only_shows_and_a_change_is_confirmed_before_it_is_written() {
        assert_eq!(step(true, true, true, false, true), Step::Show);
        assert_eq!(step(false, true, true, true, true), Step::Refused);
        assert_eq!(step(false, false, true, false, true), Step::Ask);
        assert_eq!(step(false, false, true, false, false), Step::NeedsYes);
        assert_eq!(step(false, false, true, true, false), Step::Write);
        // Nothing to change needs no confirmation.
        assert_eq!(step(false, false, false, false, false), Step::Write);
    }

    #[test]
    fn missing_values_are_refused_with_the_sets_that_give_them() {
        let p = corporate();
        let g = given(&p, &[]).expect("no --set is fine");
        let r = missing(&p, &g.filled.missing);
        assert!(r.message.contains("needs values for: proxy"), "{r:?}");
        assert!(
            r.hint.starts_with("add --set proxy=https://"),
            "the hint is a command line: {r:?}"
        );
        let bad = given(&p, &["nope=1".into()]).expect_err("undeclared variable");
        assert!(bad.hint.contains("profile show corporate"), "{bad:?}");
    }

    #[test]
    fn an_invalid_value_refuses_the_profile_and_says_which() {
        let p = corporate();
        let mut values = given(&p, &["proxy=not a url".into(), "private=x.example".into()])
            .expect("declared")
            .filled
            .values;
        let refused = checked(&p, &values).expect_err("a GOPROXY go refuses");
        assert!(refused.message.contains("invalid value"), "{refused:?}");
        assert!(!refused.findings.is_empty());
        values.insert("proxy".into(), "https://goproxy.corp.example".into());
        let (changes, _) = checked(&p, &values).expect("valid now");
        assert!(changes.iter().any(|c| c.name == "GOPROXY"));
        let proxy = p.variables.iter().find(|v| v.name == "proxy").expect("var");
        assert!(answer_error(proxy, "").is_some());
        assert_eq!(answer_error(proxy, "https://goproxy.corp.example"), None);
    }
}
