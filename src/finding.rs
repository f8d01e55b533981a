//! Findings: the typed result of checking a value or a fact (severity, stable code, reason, fix).

use serde::Serialize;

/// How bad something is: a finding, a check's verdict, a probe's answer, a printed mark. One
/// type from the finding to the output. Ordered so that `max()` gives the worst.
///
/// Findings use `Info`, `Warn` and `Error`; checks use `Ok`, `Skip`, `Warn` and `Error` (a
/// remark is a pass: see `doctor::Check::new`); the output paints and marks all five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Works, checked.
    Ok,
    /// Not checked (offline, nothing to check, a prerequisite missing).
    Skip,
    /// Worth knowing; nothing is wrong.
    Info,
    /// Works today but is risky, surprising or slow.
    Warn,
    /// `go` will fail or do something the user almost certainly did not mean.
    Error,
}

impl Severity {
    /// The word a finding's JSON has always used (`"warning"`, where checks and probes say
    /// `"warn"`): kept so that `env --json` and the other `problems` lists do not change.
    fn finding_word(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Skip => "skip",
            Severity::Info => "info",
            Severity::Warn => "warning",
            Severity::Error => "error",
        }
    }
}

fn serialize_finding_severity<S: serde::Serializer>(
    s: &Severity,
    out: S,
) -> Result<S::Ok, S::Error> {
    out.serialize_str(s.finding_word())
}

/// One problem (or remark) about a value, with the reason and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "serialize_finding_severity")]
    pub severity: Severity,
    /// Stable, dotted, lower-case identifier, e.g. `goproxy.after-direct`.
    pub code: &'static str,
    /// What is wrong and why, in one or two sentences. Never contains a secret.
    pub message: String,
    /// What to do about it: a command or an exact edit where one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            severity,
            code,
            message: message.into(),
            hint: None,
        }
    }
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warn, code, message)
    }
    pub fn info(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The worst severity among `findings`, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_says_warning_where_a_verdict_says_warn() {
        let f = Finding::warning("x.y", "m");
        let json = serde_json::to_value(&f).expect("serializes");
        assert_eq!(json["severity"], "warning");
        assert_eq!(
            serde_json::to_value(f.severity).expect("serializes"),
            "warn"
        );
        for (s, word) in [(Severity::Info, "info"), (Severity::Error, "error")] {
            let json = serde_json::to_value(Finding::new(s, "x.y", "m")).expect("serializes");
            assert_eq!(json["severity"], word);
            assert_eq!(serde_json::to_value(s).expect("serializes"), word);
        }
    }

    #[test]
    fn the_worst_is_the_greatest() {
        use Severity::*;
        assert!(Ok < Skip && Skip < Info && Info < Warn && Warn < Error);
        let fs = [
            Finding::info("a.b", "m"),
            Finding::error("a.c", "m"),
            Finding::warning("a.d", "m"),
        ];
        assert_eq!(worst(&fs), Some(Error));
    }
}
