//! `godoctor explain`: go's error text in, the cause on this machine and its fix out.
//!
//! [`symptom`] reads go's output into typed symptoms (pure); [`diagnose`] decides which cause
//! holds over facts the command gathered once (pure). Causes and fixes are the doctor's
//! ([`crate::doctor::causes`]), so `check` and `explain` give the same advice.

pub mod diagnose;
pub mod symptom;

use serde::Serialize;

pub use diagnose::{Diagnosis, Facts, MainModule, PortNow, Refetch};
pub use symptom::{Item, Symptom};

/// The result of explaining one piece of go output (`explain --json` prints it as is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub diagnoses: Vec<Diagnosis>,
    /// Error lines that matched no catalogue entry, as go printed them (redacted).
    pub unexplained: Vec<String>,
}

impl Explanation {
    /// Every error line was explained (and there was at least one, or nothing at all to explain).
    pub fn all_explained(&self) -> bool {
        self.unexplained.is_empty()
    }
}

/// The error without go's line prefixes (`go: `, and `-> ` of `go get`'s summary), to spot the
/// same error printed twice.
fn same_error(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        let s = s.trim_start();
        let s = s.strip_prefix("-> ").unwrap_or(s);
        s.strip_prefix("go: ").unwrap_or(s).to_string()
    };
    strip(a) == strip(b)
}

/// Explain parsed items with the gathered facts. The same error printed twice (go repeats
/// some for each package, `go get` again after `-> `) is explained once.
pub fn explain(items: &[Item], facts: &Facts) -> Explanation {
    let mut out = Explanation::default();
    for item in items {
        match diagnose::diagnose(item, facts) {
            Some(d) => {
                if !out.diagnoses.iter().any(|x| same_error(&x.error, &d.error)) {
                    out.diagnoses.push(d);
                }
            }
            None => {
                let line = crate::redact::redact(&item.text);
                if !out.unexplained.contains(&line) {
                    out.unexplained.push(line);
                }
            }
        }
    }
    out
}
