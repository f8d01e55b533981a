//! `godoctor completions SHELL`: shell completion scripts generated from the CLI definition,
//! with the values godoctor knows offered where an argument takes one of them: check ids and
//! sections, the variables `env set`/`env unset` manage, and profile names.

use anyhow::Result;
use clap::CommandFactory;
use clap::builder::{PossibleValue, PossibleValuesParser};

use super::Context;
use crate::Outcome;
use crate::cli::Cli;

pub fn run(ctx: &Context, shell: clap_complete::Shell) -> Result<Outcome> {
    let store = crate::profile::store::Store::load(crate::home::config_dir(&ctx.env).as_deref());
    let profiles: Vec<(String, String)> = store
        .profiles
        .iter()
        // The first sentence: a completion menu has one line per value.
        .map(|p| {
            let first = p.description.split(". ").next().unwrap_or("");
            let clean = |t: &str| crate::output::sanitize(t).into_owned();
            (clean(&p.name), clean(first.trim_end_matches('.')))
        })
        .collect();
    let mut cmd = with_values(Cli::command(), &profiles);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "godoctor", &mut buf);
    let mut script = String::from_utf8_lossy(&buf).into_owned();
    if shell == clap_complete::Shell::Fish {
        script.push_str(&fish_positionals(&cmd));
    }
    crate::output::print_script(&script)?;
    Ok(Outcome::Clean)
}

/// clap_complete's fish script offers no values for positional arguments: the same lists,
/// as fish `complete` lines under the conditions its script defines.
fn fish_positionals(cmd: &clap::Command) -> String {
    let places: [(&[&str], &str); 7] = [
        (&["check"], "ids"),
        (&["env", "set"], "assignments"),
        (&["env", "unset"], "names"),
        (&["profile", "show"], "name"),
        (&["profile", "diff"], "name"),
        (&["profile", "apply"], "name"),
        (&["profile", "export"], "name"),
    ];
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut out = String::new();
    for (path, arg) in places {
        let condition = match path {
            [top] => format!("__fish_godoctor_using_subcommand {top}"),
            [top, sub, ..] => format!(
                "__fish_godoctor_using_subcommand {top}; and __fish_seen_subcommand_from {sub}"
            ),
            [] => continue,
        };
        let Some(found) = path
            .iter()
            .try_fold(cmd, |c, p| c.find_subcommand(p))
            .and_then(|c| c.get_arguments().find(|a| a.get_id() == arg))
        else {
            continue;
        };
        for v in found.get_possible_values() {
            out.push_str(&format!(
                "complete -c godoctor -n \"{condition}\" -f -a {}",
                quote(v.get_name())
            ));
            if let Some(help) = v.get_help() {
                out.push_str(&format!(" -d {}", quote(&help.to_string())));
            }
            out.push('\n');
        }
    }
    out
}

/// The CLI with lists of values for completion. Only the generated script sees them: parsing
/// keeps accepting any text and says what is wrong with it ("did you mean"), and a profile
/// saved after the script was generated is still accepted (regenerate to complete it).
pub fn with_values(cmd: clap::Command, profiles: &[(String, String)]) -> clap::Command {
    let mut ids: Vec<PossibleValue> = Vec::new();
    let mut sections: Vec<&str> = Vec::new();
    for crate::doctor::registry::Entry { id, about, .. } in crate::doctor::registry::CHECKS {
        let section = id.split('.').next().unwrap_or(id);
        if !sections.contains(&section) {
            sections.push(section);
            ids.push(PossibleValue::new(section).help(format!("every {section} check")));
        }
        ids.push(PossibleValue::new(*id).help(*about));
    }
    let names = crate::goenv::MANAGED;
    let assignments: Vec<PossibleValue> = names
        .iter()
        .map(|n| PossibleValue::new(leak(format!("{n}="))))
        .collect();
    let profiles: Vec<PossibleValue> = profiles
        .iter()
        .map(|(name, about)| PossibleValue::new(leak(name.clone())).help(leak(about.clone())))
        .collect();
    cmd.mut_subcommand("check", |c| {
        c.mut_arg("ids", |a| a.value_parser(PossibleValuesParser::new(ids)))
    })
    .mut_subcommand("env", |c| {
        c.mut_subcommand("set", |s| {
            s.mut_arg("assignments", |a| {
                a.value_parser(PossibleValuesParser::new(assignments))
            })
        })
        .mut_subcommand("unset", |s| {
            s.mut_arg("names", |a| {
                a.value_parser(PossibleValuesParser::new(names.iter().copied()))
            })
        })
    })
    .mut_subcommand("profile", |c| {
        ["show", "diff", "apply", "export"]
            .into_iter()
            .fold(c, |c, sub| {
                c.mut_subcommand(sub, |s| {
                    s.mut_arg("name", |a| {
                        a.value_parser(PossibleValuesParser::new(profiles.clone()))
                    })
                })
            })
    })
}

/// clap keeps value names as `&'static str` (without its `string` feature): the command
/// prints one script and exits, so the few names made at run time are simply kept.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(cmd: &clap::Command, path: &[&str], arg: &str) -> Vec<String> {
        let mut c = cmd;
        for p in path {
            c = c.find_subcommand(p).expect(p);
        }
        let a = c.get_arguments().find(|a| a.get_id() == arg).expect("arg");
        a.get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect()
    }

    #[test]
    fn ids_variables_and_profiles_are_offered() {
        let cmd = with_values(
            Cli::command(),
            &[("mine".to_string(), "my settings".to_string())],
        );
        let ids = values(&cmd, &["check"], "ids");
        assert!(ids.contains(&"proxy".to_string()), "{ids:?}");
        assert!(ids.contains(&"proxy.reach".to_string()), "{ids:?}");
        assert_eq!(
            values(&cmd, &["env", "unset"], "names")
                .first()
                .map(String::as_str),
            Some("GOPROXY")
        );
        assert!(values(&cmd, &["env", "set"], "assignments").contains(&"GOPROXY=".to_string()));
        for sub in ["show", "diff", "apply", "export"] {
            assert_eq!(
                values(&cmd, &["profile", sub], "name"),
                vec!["mine"],
                "{sub}"
            );
        }
    }
}
