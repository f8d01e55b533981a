//! Findings about values a profile sets on purpose. `godoctor profile apply offline` (or its
//! `profile export` in a CI job) sets GOPROXY=off so that go downloads nothing; a check that
//! then called GOPROXY=off a problem, with a fix that unsets it, would fight the user's choice.
//! When the settings are a profile's, a finding whose fix only changes values that profile
//! writes as they stand stays in the report as a pass, saying which profile set the value and
//! how to leave it.

use super::Check;
use super::envfix;
use crate::finding::Severity;

/// The profile the current settings are (`name`) and the variables it writes as literal values
/// (none of the user's answers in them).
pub struct ProfileInUse {
    pub name: String,
    pub literal: Vec<String>,
    /// How to leave it (the commands that restore go's defaults for what it set).
    pub leave: String,
}

/// Turn problems whose fix would only undo `profile`'s literal values into passes that say so.
/// Undo means unset: a fix that sets another value (drop an unreachable mirror from GOPROXY)
/// answers a problem the profile did not intend, and stays.
pub fn mark(checks: &mut [Check], profile: &ProfileInUse) {
    for c in checks.iter_mut().filter(|c| c.is_problem()) {
        if !envfix::only_unsets(&envfix::fix_changes(c), &profile.literal) {
            continue;
        }
        c.status = Severity::Ok;
        c.title = format!(
            "{} (profile {} sets it on purpose)",
            c.title.trim_end_matches('.'),
            profile.name
        );
        c.notes.push(format!(
            "to leave profile {}: {}",
            profile.name, profile.leave
        ));
        c.hint = None;
        c.fix = None;
        c.cause = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fixes_that_undo_the_profiles_own_values_become_passes() {
        let mut checks = vec![
            Check::new(
                "proxy.chain",
                Severity::Error,
                "GOPROXY=off: go downloads nothing",
            )
            .hint("godoctor env unset GOPROXY"),
            Check::new("private.patterns", Severity::Error, "bad pattern")
                .hint("godoctor env set GOPRIVATE=git.corp.example"),
            Check::new("private.auth", Severity::Warn, "no credentials").hint("add a .netrc line"),
            // A mirror the profile names that does not answer: dropping it is no undo.
            Check::new("proxy.reach", Severity::Error, "mirror down")
                .hint("godoctor env set GOPROXY=https://proxy.example,direct"),
        ];
        let profile = ProfileInUse {
            name: "offline".into(),
            literal: ["GOPROXY", "GOSUMDB", "GOFLAGS"].map(String::from).to_vec(),
            leave: "godoctor profile apply official".into(),
        };
        mark(&mut checks, &profile);
        assert_eq!(checks[0].status, Severity::Ok);
        assert!(
            checks[0]
                .title
                .ends_with("(profile offline sets it on purpose)")
        );
        assert!(checks[0].hint.is_none() && checks[0].fix.is_none());
        assert_eq!(checks[1].status, Severity::Error);
        assert_eq!(checks[2].status, Severity::Warn);
        assert_eq!(checks[3].status, Severity::Error);
    }
}
