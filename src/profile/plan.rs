//! From a profile to a write: fill in its variables, validate every value, compute the changes
//! and the diff against the current settings, and recognise the profile that is active. Pure:
//! the current settings come in as a [`GoEnv`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{Profile, Variable};
use crate::finding::{Finding, Severity};
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::write::Change;
use crate::goenv::{GoEnv, Source};

/// The grammar check for one value (go's rules, ported in [`crate::syntax`]), shared with
/// `godoctor env set`.
pub fn check_value(name: &str, value: &str) -> Vec<Finding> {
    crate::syntax::check_value(name, value)
}

/// `--set name=value` arguments, parsed. Refuses malformed ones and repeats.
pub fn parse_sets(args: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(format!(
                "`--set {}` is not an assignment: write --set name=value",
                crate::redact::redact(a)
            ));
        };
        if out.insert(k.trim().to_string(), v.to_string()).is_some() {
            return Err(format!("`--set {k}=…` is given twice"));
        }
    }
    Ok(out)
}

/// The variables' values: given, else default; and the ones still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled<'a> {
    pub values: BTreeMap<String, String>,
    pub missing: Vec<&'a Variable>,
}

/// Fill `profile`'s variables from `given` (`--set`) and the defaults. A given name the
/// profile does not declare is an error that lists the declared ones.
pub fn fill<'a>(
    profile: &'a Profile,
    given: &BTreeMap<String, String>,
) -> Result<Filled<'a>, String> {
    if let Some(unknown) = given
        .keys()
        .find(|k| !profile.variables.iter().any(|v| &v.name == *k))
    {
        let declared: Vec<&str> = profile.variables.iter().map(|v| v.name.as_str()).collect();
        return Err(if declared.is_empty() {
            format!(
                "profile {} has no variables, so `--set {unknown}=…` has nothing to fill",
                profile.name
            )
        } else {
            format!(
                "profile {} has no variable `{unknown}`; its variables: {}",
                profile.name,
                declared.join(", ")
            )
        });
    }
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for v in &profile.variables {
        match given.get(&v.name).or(v.default.as_ref()) {
            Some(value) => {
                values.insert(v.name.clone(), value.clone());
            }
            None => missing.push(v),
        }
    }
    Ok(Filled { values, missing })
}

/// Findings about one variable's value (empty, or invalid for the Go variable it stands for).
pub fn check_variable(var: &Variable, value: &str) -> Vec<Finding> {
    if value.trim().is_empty() {
        return vec![
            Finding::error("profile.variable-empty", format!("`{}` is empty", var.name)).with_hint(
                match &var.example {
                    Some(e) => format!("for example --set {}={e}", var.name),
                    None => format!("--set {}=VALUE", var.name),
                },
            ),
        ];
    }
    let Some(check) = &var.check else {
        return vec![];
    };
    check_value(check, value)
        .into_iter()
        .map(|mut f| {
            f.message = format!("`{}` ({check}): {}", var.name, f.message);
            f
        })
        .collect()
}

/// The changes applying `profile` with `values` makes: sets in order, then unsets. Variables
/// without a value stay as `${name}` (only for showing; [`validate`] refuses them).
pub fn changes(profile: &Profile, values: &BTreeMap<String, String>) -> Vec<Change> {
    profile
        .set
        .iter()
        .map(|(k, t)| Change {
            name: k.clone(),
            value: Some(t.render(values)),
        })
        .chain(profile.unset.iter().map(|u| Change {
            name: u.clone(),
            value: None,
        }))
        .collect()
}

/// Validate everything before anything is written: every variable value, and every resulting
/// value with godoctor's grammar for its Go variable, plus the allowed names.
pub fn validate(
    profile: &Profile,
    values: &BTreeMap<String, String>,
    changes: &[Change],
) -> Vec<SettingFinding> {
    let mut out = Vec::new();
    let mut bad_variables: Vec<&str> = Vec::new();
    for v in &profile.variables {
        if let Some(value) = values.get(&v.name) {
            // Only errors: a warning about a piece of a value (e.g. a proxy list that does not
            // end in `direct` before the fallback is appended) would mislead; the whole value
            // is checked below.
            let errors: Vec<Finding> = check_variable(v, value)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if !errors.is_empty() {
                bad_variables.push(&v.name);
            }
            out.extend(errors.into_iter().map(|f| SettingFinding {
                var: Some(v.name.clone()),
                finding: f,
            }));
        }
    }
    for c in changes {
        // A value built from an invalid variable would repeat that variable's error; one
        // with a variable still unknown (`profile diff` before `--set`) cannot be judged yet.
        let from_bad_variable = profile.set.iter().any(|(k, t)| {
            *k == c.name
                && t.references()
                    .iter()
                    .any(|r| bad_variables.contains(r) || !values.contains_key(*r))
        });
        if from_bad_variable {
            continue;
        }
        if !super::ALLOWED.contains(&c.name.as_str()) {
            out.push(SettingFinding {
                var: Some(c.name.clone()),
                finding: Finding::error(
                    "profile.name-not-allowed",
                    format!("a profile cannot change {}", c.name),
                ),
            });
            continue;
        }
        let Some(value) = &c.value else { continue };
        // A value the profile writes as it stands (none of the user's answers in it) is what
        // the profile is for: a warning about it (offline's GOPROXY=off, "go may not download
        // any module") is a note of what applying it means, and its fix, which would undo the
        // profile, is not offered. Values built from the user's answers keep their warnings.
        let intended = profile.literal().contains(&c.name.as_str());
        out.extend(check_value(&c.name, value).into_iter().map(|mut f| {
            if intended && f.severity == Severity::Warn {
                f.severity = Severity::Info;
                f.hint = None;
                f.message = format!(
                    "{} (profile {} sets it on purpose)",
                    f.message.trim_end_matches('.'),
                    profile.name
                );
            }
            // Name the setting unless the message already does (no "GOPROXY=off: GOPROXY=off:").
            if !f.message.starts_with(&c.name) {
                f.message = format!(
                    "{}={}: {}",
                    c.name,
                    crate::redact::value(&c.name, value),
                    f.message
                );
            }
            SettingFinding {
                var: Some(c.name.clone()),
                finding: f,
            }
        }));
    }
    out
}

/// Whether any finding refuses the write.
pub fn has_errors(findings: &[SettingFinding]) -> bool {
    findings
        .iter()
        .any(|f| f.finding.severity == Severity::Error)
}

/// One line of `profile diff`: the current value with its source, and what go will use after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    pub name: String,
    /// The value go uses now.
    pub current: String,
    pub source: Source,
    pub file: Option<PathBuf>,
    /// What the go env file holds now (`None` = no line).
    pub in_file: Option<String>,
    /// What the profile writes to the go env file (`None` = removes the line).
    pub target: Option<String>,
    /// The value go will use after applying.
    pub after: String,
    /// The go env file changes for this variable.
    pub writes: bool,
    /// A non-empty OS variable keeps overriding the go env file (its value).
    pub shadowed_by_env: Option<String>,
}

impl DiffRow {
    /// go will use a different value afterwards.
    pub fn effective_change(&self) -> bool {
        self.current != self.after
    }
}

/// What go would use for `name` without the user's file: `$GOROOT/go.env`, else the built-in
/// default (GONOPROXY and GONOSUMDB default to GOPRIVATE).
fn default_value(go_env: &GoEnv, name: &str, goprivate_after: &str) -> String {
    if let Some((_, f)) = go_env.goroot_file.parsed()
        && let Some(e) = f.first(name)
        && !e.value.is_empty()
    {
        return e.value.clone();
    }
    match name {
        "GONOPROXY" | "GONOSUMDB" => goprivate_after.to_string(),
        _ => String::new(),
    }
}

/// The diff of applying `changes` to the current settings.
pub fn diff(go_env: &GoEnv, changes: &[Change], os: &crate::sys::ProcessEnv) -> Vec<DiffRow> {
    let file = go_env.user_file.parsed().map(|(_, f)| f);
    let in_file = |name: &str| file.and_then(|f| f.last(name)).map(|e| e.value.clone());
    // GOPRIVATE after the write, for the derived defaults of GONOPROXY and GONOSUMDB.
    let goprivate_after = match changes.iter().find(|c| c.name == "GOPRIVATE") {
        _ if os.get("GOPRIVATE").is_some() => go_env.get("GOPRIVATE").to_string(),
        Some(Change { value: Some(v), .. }) => v.clone(),
        Some(Change { value: None, .. }) => default_value(go_env, "GOPRIVATE", ""),
        None => go_env.get("GOPRIVATE").to_string(),
    };
    changes
        .iter()
        .map(|c| {
            let setting = go_env.setting(&c.name);
            let current = go_env.get(&c.name).to_string();
            let shadowed_by_env = os.get(&c.name).map(str::to_string);
            let after = match (&shadowed_by_env, &c.value) {
                (Some(os_value), _) => os_value.clone(),
                (None, Some(v)) => v.clone(),
                (None, None) => default_value(go_env, &c.name, &goprivate_after),
            };
            let before_file = in_file(&c.name);
            DiffRow {
                name: c.name.clone(),
                current,
                source: setting.map_or(Source::Default, |s| s.source),
                file: setting.and_then(|s| s.file.clone()),
                writes: before_file != c.value,
                in_file: before_file,
                target: c.value.clone(),
                after,
                shadowed_by_env: shadowed_by_env.filter(|v| Some(v) != c.value.as_ref()),
            }
        })
        .collect()
}

/// The value go uses for `name` once the diff `rows` are applied: the row's, else what go
/// uses now (a variable the profile does not touch).
pub fn value_after(rows: &[DiffRow], go_env: &GoEnv, name: &str) -> String {
    rows.iter()
        .find(|r| r.name == name)
        .map_or_else(|| go_env.get(name).to_string(), |r| r.after.clone())
}

/// Whether the current settings are what `profile` would produce: every set value matches
/// (with some values for its variables, the same in every place), and every unset variable has
/// go's default (nothing in the go env file or the OS environment).
pub fn matches(profile: &Profile, go_env: &GoEnv) -> bool {
    let mut bound: BTreeMap<String, String> = BTreeMap::new();
    for (name, template) in &profile.set {
        match template.bind(go_env.get(name), &bound) {
            Some(b) => bound = b,
            None => return false,
        }
    }
    profile.unset.iter().all(|name| {
        go_env.setting(name).is_none_or(|s| {
            matches!(s.source, Source::Default | Source::Goroot) && s.empty_in_file.is_none()
        })
    })
}

/// The profiles that describe the current settings. When a profile without variables matches,
/// profiles that only match through free variables (e.g. `corporate` matches almost any proxy
/// list) are not reported.
pub fn active<'a>(profiles: &'a [Profile], go_env: &GoEnv) -> Vec<&'a Profile> {
    let all: Vec<&Profile> = profiles.iter().filter(|p| matches(p, go_env)).collect();
    if all.iter().any(|p| p.variables.is_empty()) {
        all.into_iter().filter(|p| p.variables.is_empty()).collect()
    } else {
        all
    }
}

/// The one profile to mark as in use when several give the same settings (say `china-mirror`
/// and a profile saved from it): the one applied last (`last_applied`, from the history), else a
/// user profile (the user made it for this), else the first listed.
pub fn in_use<'a>(matching: &[&'a Profile], last_applied: Option<&str>) -> Option<&'a Profile> {
    matching
        .iter()
        .find(|p| Some(p.name.as_str()) == last_applied)
        .or_else(|| {
            matching
                .iter()
                .find(|p| !matches!(p.origin, super::Origin::Builtin))
        })
        .or(matching.first())
        .copied()
}

/// The commands that leave `profile` for go's defaults: apply `official` (what it `covers`),
/// then unset what that leaves of `profile`'s settings.
pub fn way_out(profile: &Profile, official: &[&str]) -> String {
    let rest: Vec<&str> = profile
        .set
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|n| !official.contains(n))
        .collect();
    if rest.is_empty() {
        "godoctor profile apply official".to_string()
    } else {
        format!(
            "godoctor profile apply official, then {}",
            crate::shellrc::env_unset(&rest)
        )
    }
}

/// How `profile list` marks the profiles: the one in use (`*`), and the others that give the
/// same settings (`=`), so a profile saved from a built-in one is not a second "active" one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    pub in_use: Option<String>,
    pub same: Vec<String>,
}

impl Marks {
    /// From the profiles that match the settings go uses now ([`active`]) and the action of
    /// the last write in godoctor's history.
    pub fn new(matching: &[&Profile], last_action: Option<&str>) -> Self {
        let in_use = in_use(matching, last_action.and_then(applied_by)).map(|p| p.name.clone());
        let same = matching
            .iter()
            .map(|p| p.name.clone())
            .filter(|n| Some(n) != in_use.as_ref())
            .collect();
        Marks { in_use, same }
    }
}

/// The profile named by a history action `profile apply NAME` (what `profile apply` records).
pub fn applied_by(action: &str) -> Option<&str> {
    action
        .strip_prefix("profile apply ")
        .and_then(|rest| rest.split_whitespace().next())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_way_out_of_a_profile_unsets_what_official_does_not_cover() {
        let store = super::super::store::Store::load(None);
        let get = |n: &str| store.resolve(n).expect("built-in");
        let official = get("official").covered();
        assert_eq!(
            way_out(get("offline"), &official),
            "godoctor profile apply official, then godoctor env unset GOFLAGS"
        );
        assert_eq!(
            way_out(get("china-mirror"), &official),
            "godoctor profile apply official"
        );
    }

    use super::*;
    use crate::goenv::GoBinary;
    use crate::profile::store;
    use crate::sys::ProcessEnv;

    #[test]
    fn a_finding_names_its_setting_once() {
        let p = builtin("offline");
        let values = BTreeMap::new();
        let changes = changes(&p, &values);
        let findings = validate(&p, &values, &changes);
        assert!(
            findings
                .iter()
                .any(|f| f.finding.message.starts_with("GOPROXY=off: ")),
            "{findings:?}"
        );
        for f in &findings {
            assert!(
                !f.finding.message.contains("GOPROXY=off: GOPROXY=off")
                    && !f.finding.message.contains("GOSUMDB=off: GOSUMDB=off"),
                "{}",
                f.finding.message
            );
        }
    }

    fn builtin(name: &str) -> Profile {
        store::builtins()
            .into_iter()
            .filter_map(Result::ok)
            .find(|p| p.name == name)
            .expect("built-in exists")
    }

    /// A GoEnv from literal values, with a go env file in a temp dir and a goroot go.env.
    fn go_env(user_file: &str, os: &[(&str, &str)]) -> (tempfile::TempDir, GoEnv, ProcessEnv) {
        let dir = tempfile::tempdir().expect("tempdir");
        let goenv = dir.path().join("env");
        std::fs::write(&goenv, user_file).expect("write");
        let goroot = dir.path().join("goroot");
        std::fs::create_dir_all(&goroot).expect("mkdir");
        std::fs::write(
            goroot.join("go.env"),
            "GOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\n",
        )
        .expect("write");
        let env = ProcessEnv::from_pairs(os.iter().copied());
        let file = crate::goenv::envfile::parse(user_file);
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        values.insert("GOROOT".into(), goroot.display().to_string());
        values.insert("GOENV".into(), goenv.display().to_string());
        values.insert("GOPROXY".into(), "https://proxy.golang.org,direct".into());
        values.insert("GOSUMDB".into(), "sum.golang.org".into());
        for e in &file.entries {
            values.insert(e.key.clone(), e.value.clone());
        }
        for (k, v) in os {
            values.insert(k.to_string(), v.to_string());
        }
        if let Some(p) = values.get("GOPRIVATE").cloned() {
            values.entry("GONOPROXY".into()).or_insert(p.clone());
            values.entry("GONOSUMDB".into()).or_insert(p);
        }
        let go = GoBinary {
            path: PathBuf::from("go"),
            how: "PATH",
        };
        let g = GoEnv::from_facts(go, values, &env, std::time::Duration::ZERO);
        (dir, g, env)
    }

    #[test]
    fn every_builtin_passes_validation_with_its_examples() {
        for p in store::builtins() {
            let p = p.unwrap_or_else(|e| panic!("{e}"));
            let given: BTreeMap<String, String> = p
                .variables
                .iter()
                .map(|v| {
                    let ex = v
                        .example
                        .clone()
                        .unwrap_or_else(|| panic!("{}: {} has no example", p.name, v.name));
                    (v.name.clone(), ex)
                })
                .collect();
            let filled = fill(&p, &given).expect("fills");
            assert!(filled.missing.is_empty());
            let ch = changes(&p, &filled.values);
            let findings = validate(&p, &filled.values, &ch);
            assert!(!has_errors(&findings), "{}: {findings:?}", p.name);
            for c in &ch {
                if let Some(v) = &c.value {
                    assert!(!v.contains("${"), "{}: {v}", p.name);
                }
            }
            // The defaults alone must be valid too.
            for v in &p.variables {
                if let Some(d) = &v.default {
                    assert!(
                        check_variable(v, d)
                            .iter()
                            .all(|f| f.severity != Severity::Error),
                        "{}: default of {}",
                        p.name,
                        v.name
                    );
                }
            }
        }
    }

    #[test]
    fn fill_reports_missing_and_unknown_variables() {
        let corp = builtin("corporate");
        let f = fill(&corp, &BTreeMap::new()).expect("fills");
        let missing: Vec<&str> = f.missing.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(missing, vec!["proxy", "private"]);
        assert_eq!(
            f.values.get("fallback").map(String::as_str),
            Some("https://proxy.golang.org,direct")
        );
        let e = fill(&corp, &parse_sets(&["prxy=x".into()]).expect("parses")).expect_err("unknown");
        assert!(e.contains("proxy, fallback, private"), "{e}");
        let e = fill(
            &builtin("official"),
            &parse_sets(&["x=y".into()]).expect("parses"),
        )
        .expect_err("none");
        assert!(e.contains("no variables"), "{e}");
        assert!(parse_sets(&["novalue".into()]).is_err());
        assert!(parse_sets(&["a=1".into(), "a=2".into()]).is_err());
    }

    #[test]
    fn corporate_renders_private_into_three_variables() {
        let corp = builtin("corporate");
        let values = parse_sets(&[
            "proxy=https://goproxy.corp.example".into(),
            "private=*.corp.example".into(),
            "fallback=direct".into(),
        ])
        .expect("parses");
        let ch = changes(&corp, &values);
        let get = |n: &str| {
            ch.iter()
                .find(|c| c.name == n)
                .and_then(|c| c.value.clone())
        };
        assert_eq!(
            get("GOPROXY").as_deref(),
            Some("https://goproxy.corp.example,direct")
        );
        for n in ["GOPRIVATE", "GONOPROXY", "GONOSUMDB"] {
            assert_eq!(get(n).as_deref(), Some("*.corp.example"));
        }
    }

    #[test]
    fn values_waiting_for_variables_are_not_judged() {
        let corp = builtin("corporate");
        let filled = fill(&corp, &BTreeMap::new()).expect("fills");
        let ch = changes(&corp, &filled.values);
        assert_eq!(
            ch[0].value.as_deref(),
            Some("${proxy},https://proxy.golang.org,direct")
        );
        assert!(validate(&corp, &filled.values, &ch).is_empty());
    }

    #[test]
    fn invalid_variable_values_are_refused() {
        let corp = builtin("corporate");
        let values = parse_sets(&[
            "proxy=https://p.example\nGOSUMDB=off".into(),
            "private= ".into(),
        ])
        .expect("parses");
        let ch = changes(&corp, &values);
        let findings = validate(&corp, &values, &ch);
        assert!(has_errors(&findings));
        assert!(
            findings.iter().any(|f| f.var.as_deref() == Some("private")),
            "{findings:?}"
        );
        assert!(
            findings.iter().any(|f| f.var.as_deref() == Some("proxy")),
            "{findings:?}"
        );
    }

    #[test]
    fn diff_shows_sources_and_predicts_defaults_and_shadows() {
        let (_d, g, os) = go_env("GOPROXY=https://goproxy.cn,direct\n", &[("GOSUMDB", "off")]);
        let official = builtin("official");
        let rows = diff(&g, &changes(&official, &BTreeMap::new()), &os);
        let proxy = rows.iter().find(|r| r.name == "GOPROXY").expect("row");
        assert_eq!(proxy.current, "https://goproxy.cn,direct");
        assert_eq!(proxy.source, Source::File);
        assert_eq!(proxy.target, None);
        assert_eq!(
            proxy.after, "https://proxy.golang.org,direct",
            "go.env value comes back"
        );
        assert!(proxy.writes);
        let sumdb = rows.iter().find(|r| r.name == "GOSUMDB").expect("row");
        assert_eq!(sumdb.source, Source::Env);
        assert_eq!(sumdb.shadowed_by_env.as_deref(), Some("off"));
        assert_eq!(sumdb.after, "off");
        assert!(!sumdb.writes);
        // What `apply --check` probes: the rows' values, else what go uses now.
        assert_eq!(
            value_after(&rows, &g, "GOPROXY"),
            "https://proxy.golang.org,direct"
        );
        assert_eq!(value_after(&rows, &g, "GOSUMDB"), "off");
        assert_eq!(value_after(&rows, &g, "GOROOT"), g.get("GOROOT"));
    }

    #[test]
    fn matching_profile_is_recognised() {
        let (_d, g, _) = go_env(
            "GOPROXY=https://goproxy.cn,direct\nGOSUMDB=sum.golang.google.cn\n",
            &[],
        );
        assert!(matches(&builtin("china-mirror"), &g));
        assert!(!matches(&builtin("official"), &g));
        assert!(!matches(&builtin("offline"), &g));
        let (_d, g, _) = go_env("GOFLAGS=-mod=mod\n", &[]);
        assert!(
            matches(&builtin("official"), &g),
            "go.env values are go's defaults"
        );
        let (_d, g, _) = go_env("", &[("GOPROXY", "https://proxy.golang.org,direct")]);
        assert!(
            !matches(&builtin("official"), &g),
            "an OS variable is not the default"
        );
        let (_d, g, _) = go_env(
            "GOPROXY=https://p.corp.example,https://proxy.golang.org,direct\nGOPRIVATE=*.corp.example\nGONOPROXY=*.corp.example\nGONOSUMDB=*.corp.example\n",
            &[],
        );
        assert!(matches(&builtin("corporate"), &g));
        let (_d, g, _) = go_env(
            "GOPROXY=https://p.corp.example,direct\nGOPRIVATE=*.corp.example\nGONOPROXY=other.example\nGONOSUMDB=*.corp.example\n",
            &[],
        );
        assert!(
            !matches(&builtin("corporate"), &g),
            "private must be the same everywhere"
        );
    }
}
