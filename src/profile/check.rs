//! `profile apply --check`: which findings about the new settings refuse the apply and which
//! only warn. The probing itself is the engine's ([`crate::fetch::run::probe_settings`]).

use serde::Serialize;

use crate::fetch::proxy::ProxyReport;
use crate::fetch::run::SettingsRun;

/// What `--check` found: the `check` object of `profile apply --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// What refuses the apply (see [`problems`]).
    pub problems: Vec<String>,
    /// What only warns.
    pub warnings: Vec<String>,
    /// The probe of every proxy of the new GOPROXY.
    pub proxies: Vec<ProxyReport>,
}

impl Checked {
    /// Judge one probing run of the new settings.
    pub fn from_run(run: SettingsRun) -> Self {
        let (problems, warnings) = problems(&run);
        Checked {
            problems,
            warnings,
            proxies: run.reports,
        }
    }

    /// The apply is refused (nothing is written).
    pub fn refuses(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Why `--check` refuses: the first proxy of the new GOPROXY is not usable, or the chain as a
/// whole cannot serve public modules. Other failures (a fallback entry, the checksum
/// database) are warnings: the user may know their network better.
pub fn problems(run: &SettingsRun) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    if let Some(e) = &run.goproxy_error {
        problems.push(format!("the new GOPROXY is not valid: {e}"));
    }
    for (i, r) in run.reports.iter().enumerate() {
        if r.ok {
            continue;
        }
        let line = format!("{}: {}", r.url, r.diagnosis);
        if i == 0 {
            problems.push(format!("the new proxy is not usable: {line}"));
        } else {
            warnings.push(line);
        }
    }
    // A list without proxies (`off`, `direct`) is what the profile asks for (offline): not
    // a failure of the network.
    if let Some(o) = &run.outcome
        && o.broken
        && problems.is_empty()
        && !run.reports.is_empty()
    {
        problems.push("with the new GOPROXY, go cannot download public modules".to_string());
    }
    if let Some(s) = &run.sumdb
        && !s.ok
    {
        warnings.push(format!("checksum database {}: {}", s.name, s.diagnosis));
    }
    if let Some(e) = &run.gosumdb_error {
        warnings.push(format!("the new GOSUMDB: {e}"));
    }
    (problems, warnings)
}
