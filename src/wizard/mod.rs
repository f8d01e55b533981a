//! The `godoctor setup` wizard as a pure plan: facts and measurements in, one question (or one
//! probe request) at a time out, answers in, and finally the set of changes (current → new).
//!
//! Nothing here touches a terminal, the network or `go`: the front end in `cmd/setup.rs` asks
//! the [`Question`]s with dialoguer, runs the probes a [`Step::Probe`] asks for, and applies the
//! [`Plan`] through the undoable write path. That keeps every decision unit-testable.
//!
//! - [`advice`]: pure helpers for the texts (example matches of patterns, `.netrc` lines, the
//!   risk of `GOSUMDB=off`, the equivalent non-interactive command)
//! - [`candidates`]: the mirrors to measure, each once, and a probe report as a [`Measurement`]
//! - [`render`]: the plan as the diff shown before the final question

pub mod advice;
pub mod candidates;
pub mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::goenv::write::Change;
use crate::redact::redact;
use crate::syntax;

/// The settings the wizard decides, in display order.
pub const DECIDED: &[&str] = &[
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOAUTH",
];

/// The checksum databases the wizard offers (both verify against sum.golang.org's key).
pub const SUMDB_OFFICIAL: &str = "sum.golang.org";
/// sum.golang.org's database served from a host reachable from mainland China.
pub const SUMDB_CHINA: &str = "sum.golang.google.cn";

/// One current setting, as `godoctor env` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Current {
    /// The effective value go uses.
    pub value: String,
    /// `env`, `file`, `goroot` or `default`.
    pub source: String,
    /// The value in the user's go env file, if the file has the variable.
    pub in_file: Option<String>,
}

/// What the wizard knows before the first question.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `go1.26.1`.
    pub go_version: String,
    /// The [`DECIDED`] settings (others may be present and are ignored).
    pub settings: BTreeMap<String, Current>,
    /// Hosts that already have a `.netrc` entry, with the login (never the password).
    pub netrc: Vec<(String, String)>,
}

impl Facts {
    fn value(&self, name: &str) -> &str {
        self.settings.get(name).map_or("", |c| c.value.as_str())
    }

    /// Go 1.24 or newer reads GOAUTH.
    pub fn has_goauth(&self) -> bool {
        syntax::toolchain::from_toolchain(&self.go_version)
            .is_some_and(|v| (v.major, v.minor) >= (1, 24))
    }
}

/// A proxy as measured by the probe engine (pure data, built by the front end).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// The proxy URL to write (may carry credentials: redact before showing).
    pub url: String,
    /// A human name (catalogue name, or the URL).
    pub name: String,
    /// An entry of the current effective GOPROXY.
    pub current: bool,
    /// Usable by go (no error verdict).
    pub ok: bool,
    pub median_ms: Option<f64>,
    /// The verdict label (`ok`, `refused`, `timeout`, …).
    pub verdict: String,
    pub diagnosis: String,
    pub hint: Option<String>,
    /// Whether it proxies sum.golang.org (`/sumdb/sum.golang.org/supported`), if measured.
    pub proxies_sumdb: Option<bool>,
}

/// Whether a checksum database setting works with the new GOPROXY: reached the way go reaches
/// it (a proxy that proxies it, else directly, or the URL in GOSUMDB) and its signed tree head
/// verified with the setting's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SumdbProbe {
    /// The GOSUMDB value checked.
    pub value: String,
    pub ok: bool,
    pub ms: Option<f64>,
    /// How it was reached (`through URL`, `directly`, `at the URL in GOSUMDB`), when ok.
    pub route: String,
    /// Why not, when not ok.
    pub detail: String,
}

/// The shape of a question; the front end picks the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Pick one of `options` (arrow keys), `default` preselected.
    Select {
        options: Vec<String>,
        default: usize,
    },
    /// Type a line; Enter alone takes `default` when there is one.
    Text { default: Option<String> },
    /// Yes or no.
    Confirm { default: bool },
}

/// Which question this is (stable, for tests and for the front end's decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Qid {
    Proxy,
    CustomProxy,
    AcceptFailedProxy,
    HasPrivate,
    Patterns,
    PrivateProxy,
    PrivateProxyUrl,
    AcceptFailedPrivateProxy,
    Auth,
    Goauth,
    Sumdb,
    ConfirmSumdbOff,
    Apply,
}

/// One question: notes to show first (already worded, may need redaction), the prompt, the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: Qid,
    pub notes: Vec<String>,
    pub prompt: String,
    pub kind: Kind,
}

/// A probe the front end must run before the wizard can go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Probe this proxy URL and call [`Wizard::proxy_probed`].
    Proxy { url: String, private: bool },
    /// Check these GOSUMDB values as go would reach them with `goproxy`, and call
    /// [`Wizard::sumdb_probed`].
    Sumdb {
        values: Vec<String>,
        goproxy: String,
    },
}

/// What the front end does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Ask(Question),
    Probe(Probe),
    /// The user confirmed: apply [`Wizard::plan`] (may be empty: nothing to change).
    Apply,
    /// The user declined to apply: nothing changes.
    Declined,
}

/// An answer to the current question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Choice(usize),
    Text(String),
    Yes(bool),
}

/// The GOPROXY base the user chose (before a private proxy is put in front).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    /// `URL,direct`.
    Mirror(String),
    /// The current GOPROXY value as it is.
    Keep,
    /// `direct`.
    Direct,
}

/// How the user authenticates to private hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Netrc,
    Goauth,
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Proxy,
    CustomProxy,
    ProbeCustom(String),
    AcceptCustom(Measurement),
    HasPrivate,
    Patterns,
    PrivateProxy,
    PrivateProxyUrl,
    ProbePrivate(String),
    AcceptPrivate(Measurement),
    Auth,
    Goauth,
    ProbeSumdb,
    Sumdb,
    ConfirmSumdbOff,
    Review,
    Applied,
    Declined,
}

/// The wizard's state: facts, measurements and the answers so far.
#[derive(Debug, Clone)]
pub struct Wizard {
    facts: Facts,
    /// Measured candidates, best first (working ones by latency, then the rest).
    proxies: Vec<Measurement>,
    stage: Stage,
    base: Option<Base>,
    /// Measurement of the chosen public proxy (from the list or typed).
    chosen: Option<Measurement>,
    private: bool,
    patterns: String,
    private_proxy: Option<Measurement>,
    /// `(host, user)` of credentials stripped from typed URLs: they belong in `.netrc`.
    logins: Vec<(String, String)>,
    auth: Auth,
    goauth: Option<String>,
    sumdb_probes: Option<Vec<SumdbProbe>>,
    sumdb: Option<String>,
}

/// Sort measurements: working ones by median latency, then the failing ones in input order.
pub fn rank(mut proxies: Vec<Measurement>) -> Vec<Measurement> {
    proxies.sort_by(|a, b| {
        b.ok.cmp(&a.ok).then_with(|| match (a.ok, b.ok) {
            (true, true) => a
                .median_ms
                .unwrap_or(f64::MAX)
                .total_cmp(&b.median_ms.unwrap_or(f64::MAX)),
            _ => std::cmp::Ordering::Equal,
        })
    });
    proxies
}

fn label(m: &Measurement) -> String {
    let name = if m.name != m.url && !m.name.is_empty() {
        format!("  ({})", m.name)
    } else {
        String::new()
    };
    let current = if m.current { "  [current]" } else { "" };
    let state = match (m.ok, m.median_ms) {
        (true, Some(v)) if m.verdict == "ok" => crate::output::millis(v),
        (true, Some(v)) => format!("{}, {}", crate::output::millis(v), m.verdict),
        (true, None) => m.verdict.clone(),
        (false, _) => format!("✗ {}", m.verdict),
    };
    redact(&format!("{}{name}  {state}{current}", m.url))
}

/// Split credentials off a typed URL: the URL without them, and `(host, user)` if there were any.
/// A password never stays in GOPROXY (go env files are plain text) and is never shown.
pub fn strip_credentials(url: &str) -> (String, Option<(String, String)>) {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let user = u.username().to_string();
            let host = u.host_str().unwrap_or_default().to_string();
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let shown = crate::fetch::proxy::display_url(&u);
            (shown, Some((host, user)))
        }
        _ => (url.to_string(), None),
    }
}

/// Validate one typed proxy URL: go's grammar for a GOPROXY entry, one entry only.
pub fn validate_proxy_url(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("type a proxy URL, e.g. https://goproxy.example.com".into());
    }
    if t.contains([',', '|']) {
        return Err(
            "type one proxy URL; godoctor puts it in front of `direct` (or your other proxy) itself"
                .into(),
        );
    }
    if matches!(t, "direct" | "off") {
        return Err(format!(
            "`{t}` is not a proxy URL: pick it from the list instead"
        ));
    }
    let errors: Vec<String> = syntax::check_value("GOPROXY", t)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message)
        .collect();
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    let url = crate::fetch::proxy::parse_proxy_url(t)?;
    if url.scheme() == "file" {
        return Ok(url.as_str().to_string());
    }
    // The raw URL, not the redacted display form: it may carry credentials to strip.
    let s = url.as_str();
    let s = if url.path() == "/" && url.query().is_none() {
        s.trim_end_matches('/')
    } else {
        s
    };
    Ok(s.to_string())
}

impl Wizard {
    /// Start with the facts and the measured candidate proxies.
    pub fn new(facts: Facts, proxies: Vec<Measurement>) -> Self {
        Wizard {
            facts,
            proxies: rank(proxies),
            stage: Stage::Proxy,
            base: None,
            chosen: None,
            private: false,
            patterns: String::new(),
            private_proxy: None,
            logins: Vec::new(),
            auth: Auth::None,
            goauth: None,
            sumdb_probes: None,
            sumdb: None,
        }
    }

    /// The facts the wizard started from.
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    /// The measured candidates, best first.
    pub fn proxies(&self) -> &[Measurement] {
        &self.proxies
    }

    fn current_goproxy(&self) -> &str {
        self.facts.value("GOPROXY")
    }

    /// The options of the proxy question: measured candidates, keep current, direct, type one.
    fn proxy_options(&self) -> (Vec<String>, Vec<ProxyOption>, usize) {
        let mut labels = Vec::new();
        let mut kinds = Vec::new();
        for (i, m) in self.proxies.iter().enumerate() {
            labels.push(label(m));
            kinds.push(ProxyOption::Measured(i));
        }
        let current = self.current_goproxy();
        let same_as_option = self
            .proxies
            .iter()
            .any(|m| format!("{},direct", m.url) == current)
            || current == "direct";
        if !same_as_option && !current.is_empty() {
            labels.push(redact(&format!("keep the current GOPROXY ({current})")));
            kinds.push(ProxyOption::Keep);
        }
        labels.push("direct: no proxy, fetch every module from its version control host".into());
        kinds.push(ProxyOption::Direct);
        labels.push("another proxy: type its URL…".into());
        kinds.push(ProxyOption::Custom);
        let default = self
            .proxies
            .iter()
            .position(|m| m.ok && m.verdict == "ok")
            .or_else(|| kinds.iter().position(|k| *k == ProxyOption::Keep))
            .unwrap_or(0);
        (labels, kinds, default)
    }

    /// The next thing to do.
    pub fn next(&self) -> Step {
        match &self.stage {
            Stage::Proxy => {
                let (options, _, default) = self.proxy_options();
                let mut notes = Vec::new();
                if self.proxies.is_empty() {
                    notes.push("no candidate mirrors were measured".to_string());
                } else if !self.proxies.iter().any(|m| m.ok) {
                    notes.push(
                        "none of the measured mirrors works from here: keep the current setting, or type another proxy"
                            .into(),
                    );
                }
                Step::Ask(Question {
                    id: Qid::Proxy,
                    notes,
                    prompt: "Where should go download public modules from?".into(),
                    kind: Kind::Select { options, default },
                })
            }
            Stage::CustomProxy => Step::Ask(Question {
                id: Qid::CustomProxy,
                notes: vec![],
                prompt: "Proxy URL".into(),
                kind: Kind::Text { default: None },
            }),
            Stage::ProbeCustom(url) => Step::Probe(Probe::Proxy {
                url: url.clone(),
                private: false,
            }),
            Stage::AcceptCustom(m) | Stage::AcceptPrivate(m) => {
                let private = matches!(self.stage, Stage::AcceptPrivate(_));
                let mut notes = vec![redact(&format!("✗ {}: {}", m.url, m.diagnosis))];
                if let Some(h) = &m.hint {
                    notes.push(format!("  help: {h}"));
                }
                Step::Ask(Question {
                    id: if private {
                        Qid::AcceptFailedPrivateProxy
                    } else {
                        Qid::AcceptFailedProxy
                    },
                    notes,
                    prompt: "It does not work from here. Use it anyway?".into(),
                    kind: Kind::Confirm { default: false },
                })
            }
            Stage::HasPrivate => Step::Ask(Question {
                id: Qid::HasPrivate,
                notes: vec![],
                prompt: "Do you use private modules (company or personal repositories that are not public)?".into(),
                kind: Kind::Confirm {
                    default: !self.facts.value("GOPRIVATE").is_empty(),
                },
            }),
            Stage::Patterns => {
                let current = self.facts.value("GOPRIVATE");
                Step::Ask(Question {
                    id: Qid::Patterns,
                    notes: vec![
                        "Module path patterns, comma-separated: a host (git.corp.example) or a path with globs (github.com/your-org/*). \
                         They match leading path elements, so everything below them is private too."
                            .into(),
                    ],
                    prompt: "Private module patterns (GOPRIVATE)".into(),
                    kind: Kind::Text {
                        default: (!current.is_empty()).then(|| current.to_string()),
                    },
                })
            }
            Stage::PrivateProxy => Step::Ask(Question {
                id: Qid::PrivateProxy,
                notes: vec![],
                prompt: "Do your private modules come from a private module proxy (Athens, Artifactory, Nexus…)?".into(),
                kind: Kind::Select {
                    options: vec![
                        "no: go fetches them directly from version control (git)".into(),
                        "yes: type the private proxy's URL…".into(),
                    ],
                    default: 0,
                },
            }),
            Stage::PrivateProxyUrl => Step::Ask(Question {
                id: Qid::PrivateProxyUrl,
                notes: vec![
                    "Give the URL without a password: godoctor never writes one into GOPROXY (it is a plain text file); you will get the .netrc line to use instead."
                        .into(),
                ],
                prompt: "Private proxy URL".into(),
                kind: Kind::Text { default: None },
            }),
            Stage::ProbePrivate(url) => Step::Probe(Probe::Proxy {
                url: url.clone(),
                private: true,
            }),
            Stage::Auth => {
                let mut options = vec![
                    "no login needed (or it is already set up)".to_string(),
                    "~/.netrc: one line per host, which go reads by default".to_string(),
                ];
                if self.facts.has_goauth() {
                    options.push("GOAUTH: a command that prints the credentials (git credential helper, a script)".into());
                }
                let default = usize::from(!self.logins.is_empty());
                Step::Ask(Question {
                    id: Qid::Auth,
                    notes: vec![],
                    prompt: "How do you log in to your private hosts?".into(),
                    kind: Kind::Select { options, default },
                })
            }
            Stage::Goauth => {
                let current = self.facts.value("GOAUTH");
                Step::Ask(Question {
                    id: Qid::Goauth,
                    notes: vec![
                        "Examples: `git /path/to/a/checkout` (git's credential helpers), `netrc`, or a command that prints HTTP headers. \
                         Do not put a token in it: GOAUTH is stored in plain text."
                            .into(),
                    ],
                    prompt: "GOAUTH".into(),
                    kind: Kind::Text {
                        default: (!current.is_empty() && current != "netrc")
                            .then(|| current.to_string()),
                    },
                })
            }
            Stage::ProbeSumdb => Step::Probe(Probe::Sumdb {
                values: self.sumdb_candidates(),
                goproxy: self.new_goproxy(),
            }),
            Stage::Sumdb => {
                let (options, _, default) = self.sumdb_options();
                let mut notes = vec![
                    "The checksum database proves that a module version is the same for everyone: a tampering proxy cannot slip in other code."
                        .to_string(),
                ];
                // Why a database is not usable, here rather than in the option (long lines
                // wrap and garble the list).
                for p in self.sumdb_probes.iter().flatten().filter(|p| !p.ok) {
                    notes.push(redact(&format!("✗ {}: {}", p.value, p.detail)));
                }
                Step::Ask(Question {
                    id: Qid::Sumdb,
                    notes,
                    prompt: "How should go verify downloaded modules (GOSUMDB)?".into(),
                    kind: Kind::Select { options, default },
                })
            }
            Stage::ConfirmSumdbOff => Step::Ask(Question {
                id: Qid::ConfirmSumdbOff,
                notes: advice::sumdb_off_risk(self.private),
                prompt: "Turn checksum verification off anyway?".into(),
                kind: Kind::Confirm { default: false },
            }),
            Stage::Review => {
                let plan = self.plan();
                Step::Ask(Question {
                    id: Qid::Apply,
                    notes: vec![],
                    prompt: if plan.changes.is_empty() {
                        "Nothing needs to change. Finish?".into()
                    } else {
                        format!(
                            "Apply these {} change(s) (undo with `godoctor undo`)?",
                            plan.changes.len()
                        )
                    },
                    kind: Kind::Confirm { default: true },
                })
            }
            Stage::Applied => Step::Apply,
            Stage::Declined => Step::Declined,
        }
    }

    /// Feed the answer to the current question. `Ok` carries notes to show (example matches,
    /// warnings); `Err` is why the answer was refused (the same question is asked again).
    pub fn answer(&mut self, answer: Answer) -> Result<Vec<String>, String> {
        let stage = self.stage.clone();
        match (stage, answer) {
            (Stage::Proxy, Answer::Choice(i)) => {
                let (_, kinds, _) = self.proxy_options();
                match kinds.get(i) {
                    Some(ProxyOption::Measured(j)) => {
                        let m = self.proxies[*j].clone();
                        if m.ok {
                            self.base = Some(Base::Mirror(m.url.clone()));
                            self.chosen = Some(m);
                            self.stage = Stage::HasPrivate;
                        } else {
                            self.stage = Stage::AcceptCustom(m);
                        }
                    }
                    Some(ProxyOption::Keep) => {
                        self.base = Some(Base::Keep);
                        self.chosen = self.first_current_measurement();
                        self.stage = Stage::HasPrivate;
                    }
                    Some(ProxyOption::Direct) => {
                        self.base = Some(Base::Direct);
                        self.chosen = None;
                        self.stage = Stage::HasPrivate;
                    }
                    Some(ProxyOption::Custom) => self.stage = Stage::CustomProxy,
                    None => return Err(format!("no option {i}")),
                }
                Ok(vec![])
            }
            (Stage::CustomProxy, Answer::Text(t)) => {
                let url = validate_proxy_url(&t)?;
                let (url, login) = strip_credentials(&url);
                let mut notes = Vec::new();
                if let Some((host, user)) = login {
                    notes.push(format!(
                        "the login was removed from the URL: it belongs in ~/.netrc (machine {host} login {user} password …)"
                    ));
                    self.add_login(host, user);
                }
                self.stage = Stage::ProbeCustom(url);
                Ok(notes)
            }
            (Stage::AcceptCustom(m), Answer::Yes(yes)) => {
                if yes {
                    self.base = Some(Base::Mirror(m.url.clone()));
                    self.chosen = Some(m);
                    self.stage = Stage::HasPrivate;
                } else {
                    self.stage = Stage::Proxy;
                }
                Ok(vec![])
            }
            (Stage::HasPrivate, Answer::Yes(yes)) => {
                self.private = yes;
                if yes {
                    self.stage = Stage::Patterns;
                } else {
                    self.patterns.clear();
                    self.private_proxy = None;
                    self.stage = self.after_private();
                }
                Ok(vec![])
            }
            (Stage::Patterns, Answer::Text(t)) => {
                let value = t.trim().to_string();
                if value.is_empty() {
                    return Err(
                        "give at least one pattern, e.g. git.corp.example or github.com/your-org/*"
                            .into(),
                    );
                }
                let findings = syntax::check_value("GOPRIVATE", &value);
                if let Some(e) = findings.iter().find(|f| f.severity == Severity::Error) {
                    return Err(with_hint(e));
                }
                let mut notes: Vec<String> = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Warn)
                    .map(with_hint)
                    .collect();
                notes.extend(advice::pattern_examples(&value));
                self.patterns = value;
                self.stage = Stage::PrivateProxy;
                Ok(notes)
            }
            (Stage::PrivateProxy, Answer::Choice(i)) => {
                if i == 1 {
                    self.stage = Stage::PrivateProxyUrl;
                } else {
                    self.private_proxy = None;
                    self.stage = Stage::Auth;
                }
                Ok(vec![])
            }
            (Stage::PrivateProxyUrl, Answer::Text(t)) => {
                let url = validate_proxy_url(&t)?;
                let (url, login) = strip_credentials(&url);
                let mut notes = Vec::new();
                if let Some((host, user)) = login {
                    notes.push(format!(
                        "the login was removed from the URL: it belongs in ~/.netrc (machine {host} login {user} password …)"
                    ));
                    self.add_login(host, user);
                }
                self.stage = Stage::ProbePrivate(url);
                Ok(notes)
            }
            (Stage::AcceptPrivate(m), Answer::Yes(yes)) => {
                if yes {
                    self.private_proxy = Some(m);
                    self.stage = Stage::Auth;
                } else {
                    self.stage = Stage::PrivateProxy;
                }
                Ok(vec![])
            }
            (Stage::Auth, Answer::Choice(i)) => {
                self.auth = match i {
                    1 => Auth::Netrc,
                    2 if self.facts.has_goauth() => Auth::Goauth,
                    _ => Auth::None,
                };
                self.goauth = None;
                if self.auth == Auth::Goauth {
                    self.stage = Stage::Goauth;
                    return Ok(vec![]);
                }
                let notes = if self.auth == Auth::Netrc {
                    advice::netrc_lines(&self.auth_hosts(), &self.facts.netrc, &self.logins)
                } else {
                    vec![]
                };
                self.stage = self.after_private();
                Ok(notes)
            }
            (Stage::Goauth, Answer::Text(t)) => {
                let value = t.trim().to_string();
                if value.is_empty() {
                    return Err("type a GOAUTH value, e.g. git /home/you/src/repo".into());
                }
                let findings = syntax::check_value("GOAUTH", &value);
                if let Some(e) = findings.iter().find(|f| f.severity == Severity::Error) {
                    return Err(with_hint(e));
                }
                self.goauth = Some(value);
                self.stage = self.after_private();
                Ok(findings
                    .iter()
                    .filter(|f| f.severity == Severity::Warn)
                    .map(with_hint)
                    .collect())
            }
            (Stage::Sumdb, Answer::Choice(i)) => {
                let (_, values, _) = self.sumdb_options();
                let Some(v) = values.get(i) else {
                    return Err(format!("no option {i}"));
                };
                if v == "off" {
                    self.stage = Stage::ConfirmSumdbOff;
                } else {
                    self.sumdb = Some(v.clone());
                    self.stage = Stage::Review;
                }
                Ok(vec![])
            }
            (Stage::ConfirmSumdbOff, Answer::Yes(yes)) => {
                if yes {
                    self.sumdb = Some("off".into());
                    self.stage = Stage::Review;
                } else {
                    self.stage = Stage::Sumdb;
                }
                Ok(vec![])
            }
            (Stage::Review, Answer::Yes(yes)) => {
                self.stage = if yes { Stage::Applied } else { Stage::Declined };
                Ok(vec![])
            }
            (stage, answer) => Err(format!(
                "internal: answer {answer:?} does not fit stage {stage:?}"
            )),
        }
    }

    /// The result of a [`Probe::Proxy`].
    pub fn proxy_probed(&mut self, m: Measurement) {
        match &self.stage {
            Stage::ProbeCustom(_) => {
                if m.ok {
                    self.base = Some(Base::Mirror(m.url.clone()));
                    self.chosen = Some(m);
                    self.stage = Stage::HasPrivate;
                } else {
                    self.stage = Stage::AcceptCustom(m);
                }
            }
            Stage::ProbePrivate(_) => {
                if m.ok {
                    self.private_proxy = Some(m);
                    self.stage = Stage::Auth;
                } else {
                    self.stage = Stage::AcceptPrivate(m);
                }
            }
            _ => {}
        }
    }

    /// The result of a [`Probe::Sumdb`].
    pub fn sumdb_probed(&mut self, probes: Vec<SumdbProbe>) {
        if self.stage == Stage::ProbeSumdb {
            self.sumdb_probes = Some(probes);
            self.stage = Stage::Sumdb;
        }
    }

    fn add_login(&mut self, host: String, user: String) {
        if !self.logins.iter().any(|(h, _)| *h == host) {
            self.logins.push((host, user));
        }
    }

    fn first_current_measurement(&self) -> Option<Measurement> {
        let current = self.current_goproxy();
        let first = syntax::goproxy::parse(current)
            .specs
            .into_iter()
            .next()
            .and_then(|s| match s.entry {
                syntax::goproxy::ProxyEntry::Url { url, .. } => Some(url),
                _ => None,
            })?;
        self.proxies
            .iter()
            .find(|m| m.url.trim_end_matches('/') == first.trim_end_matches('/'))
            .cloned()
    }

    /// Hosts that need a login: the private proxy's, the typed URLs' and the literal hosts of
    /// the private patterns.
    fn auth_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        if let Some(p) = &self.private_proxy {
            if let Ok(u) = url::Url::parse(&p.url) {
                if let Some(h) = u.host_str() {
                    hosts.push(h.to_string());
                }
            }
        }
        for (h, _) in &self.logins {
            hosts.push(h.clone());
        }
        // Even behind a private proxy, go fetches directly when the proxies answer 404/410.
        hosts.extend(advice::pattern_hosts(&self.patterns));
        let mut seen = Vec::new();
        hosts.retain(|h| {
            let new = !seen.contains(h);
            seen.push(h.clone());
            new
        });
        hosts
    }

    /// After the private-module questions: check the checksum databases along the new GOPROXY
    /// (go reaches them through the proxies that proxy them, so the answer depends on it).
    fn after_private(&self) -> Stage {
        Stage::ProbeSumdb
    }

    /// The GOPROXY value the answers lead to (the current one when it does not change).
    pub fn new_goproxy(&self) -> String {
        self.targets()
            .into_iter()
            .find(|(n, _)| *n == "GOPROXY")
            .and_then(|(_, v)| v)
            .unwrap_or_else(|| self.current_goproxy().to_string())
    }

    /// The GOSUMDB values worth checking: the two that verify against sum.golang.org's key,
    /// and the current one if it is something else (a company database).
    fn sumdb_candidates(&self) -> Vec<String> {
        let mut out = vec![SUMDB_OFFICIAL.to_string(), SUMDB_CHINA.to_string()];
        let current = self.facts.value("GOSUMDB");
        if !current.is_empty() && !matches!(current, SUMDB_OFFICIAL | SUMDB_CHINA | "off") {
            out.push(current.to_string());
        }
        out
    }

    /// Labels, values and default of the checksum database question.
    fn sumdb_options(&self) -> (Vec<String>, Vec<String>, usize) {
        let reach = |value: &str| -> (bool, String) {
            let probe = self
                .sumdb_probes
                .as_ref()
                .and_then(|p| p.iter().find(|s| s.value == value));
            match probe {
                Some(p) if p.ok => (
                    true,
                    redact(&match p.ms {
                        Some(v) => format!("verified, {}, {}", p.route, crate::output::millis(v)),
                        None => format!("verified, {}", p.route),
                    }),
                ),
                Some(_) => (false, "✗ not usable (see above)".into()),
                None => (false, "not measured".into()),
            }
        };
        let mut labels = Vec::new();
        let mut values = Vec::new();
        let mut reachable = Vec::new();
        let (ok, r) = reach(SUMDB_OFFICIAL);
        labels.push(format!("{SUMDB_OFFICIAL}: verify (recommended)  {r}"));
        values.push(SUMDB_OFFICIAL.to_string());
        reachable.push(ok);
        let (ok, r) = reach(SUMDB_CHINA);
        labels.push(format!(
            "{SUMDB_CHINA}: the same database, served from mainland China  {r}"
        ));
        values.push(SUMDB_CHINA.to_string());
        reachable.push(ok);
        let current = self.facts.value("GOSUMDB");
        if !current.is_empty() && !matches!(current, SUMDB_OFFICIAL | SUMDB_CHINA | "off") {
            let (ok, r) = reach(current);
            labels.push(redact(&format!(
                "keep the current GOSUMDB ({current})  {r}"
            )));
            values.push(current.to_string());
            reachable.push(ok);
        }
        labels.push("off: do not verify (not recommended)".into());
        values.push("off".into());
        reachable.push(false);
        let default = reachable
            .iter()
            .position(|r| *r)
            .or_else(|| values.iter().position(|v| v == current && v != "off"))
            .unwrap_or(0);
        (labels, values, default)
    }

    /// The target value of every decided variable: `Some(value)` to set, `None` to unset,
    /// absent = leave alone.
    fn targets(&self) -> Vec<(&'static str, Option<String>)> {
        let mut out = Vec::new();
        let base = match &self.base {
            Some(Base::Mirror(u)) => Some(format!("{u},direct")),
            Some(Base::Keep) => Some(self.current_goproxy().to_string()),
            Some(Base::Direct) => Some("direct".to_string()),
            None => None,
        };
        let goproxy = match (&self.private_proxy, base) {
            (Some(p), Some(b)) => {
                // Do not list the private proxy twice when the kept value starts with it (its
                // first entry as go reads it: trimmed, blanks skipped, as written or with the
                // https:// go adds).
                let same = |u: &str| u.trim_end_matches('/') == p.url.trim_end_matches('/');
                let first = crate::syntax::goproxy::first_entry(&b);
                if matches!(first, Some(syntax::goproxy::ProxyEntry::Url { raw, url }) if same(&raw) || same(&url))
                {
                    Some(b)
                } else {
                    Some(format!("{},{b}", p.url))
                }
            }
            (Some(p), None) => Some(format!("{},direct", p.url)),
            (None, b) => b,
        };
        if let Some(g) = goproxy {
            out.push(("GOPROXY", Some(g)));
        }
        if let Some(s) = &self.sumdb {
            out.push(("GOSUMDB", Some(s.clone())));
        }
        if self.private {
            out.push(("GOPRIVATE", Some(self.patterns.clone())));
            // With a private proxy, private modules must go through GOPROXY (which starts with
            // it): `none` keeps GONOPROXY from defaulting to GOPRIVATE.
            if self.private_proxy.is_some() {
                out.push(("GONOPROXY", Some("none".into())));
            } else {
                out.push(("GONOPROXY", None));
            }
            out.push(("GONOSUMDB", None));
        } else {
            out.push(("GOPRIVATE", None));
            out.push(("GONOPROXY", None));
            out.push(("GONOSUMDB", None));
        }
        if let Some(a) = &self.goauth {
            out.push(("GOAUTH", Some(a.clone())));
        }
        out
    }

    /// The plan from the answers so far: every decided variable, current → new.
    pub fn plan(&self) -> Plan {
        let targets = self.targets();
        let mut rows = Vec::new();
        let mut new_values: BTreeMap<String, String> = self
            .facts
            .settings
            .iter()
            .map(|(k, c)| (k.clone(), c.value.clone()))
            .collect();
        // Unset pattern variables take GOPRIVATE's value: recompute them after the loop.
        for (name, target) in &targets {
            let cur = self.facts.settings.get(*name).cloned().unwrap_or(Current {
                value: String::new(),
                source: "default".into(),
                in_file: None,
            });
            let changed = match target {
                Some(v) => {
                    *v != cur.value || (cur.source == "env" && cur.in_file.as_ref() != Some(v))
                }
                None => cur.in_file.is_some(),
            };
            match target {
                Some(v) => {
                    new_values.insert(name.to_string(), v.clone());
                }
                None => {
                    new_values.remove(*name);
                }
            }
            rows.push(PlanRow {
                name: name.to_string(),
                current: cur.value.clone(),
                source: cur.source.clone(),
                new: target.clone(),
                changed,
                shadowed: cur.source == "env",
                effective: None,
            });
        }
        let eff = syntax::effective(&new_values);
        for row in &mut rows {
            row.current = redact(&row.current);
            if let Some(v) = &mut row.new {
                *v = redact(v);
            }
            if row.new.is_none() {
                row.effective = Some(redact(eff.get(&row.name).map_or("", String::as_str)));
            }
        }
        let changes: Vec<Change> = targets
            .iter()
            .zip(&rows)
            .filter(|(_, r)| r.changed)
            .map(|((name, v), _)| Change {
                name: name.to_string(),
                value: v.clone(),
            })
            .collect();
        let mut findings: Vec<Finding> = Vec::new();
        for (name, v) in &targets {
            if let Some(v) = v {
                findings.extend(syntax::check_value(name, v));
            }
        }
        findings.extend(syntax::check_settings(&new_values));
        findings.retain(|f| f.severity > Severity::Info);
        let mut notes = Vec::new();
        for r in rows.iter().filter(|r| r.shadowed && r.changed) {
            notes.push(format!(
                "{0} is set in your environment, which overrides the go env file: after writing, run `unset {0}` and remove it from your shell profile",
                r.name
            ));
        }
        // `,direct` is added to a chosen mirror or private proxy: say so, and what it means,
        // rather than let the value grow behind the user's back.
        if matches!(self.base, Some(Base::Mirror(_)))
            || (self.private_proxy.is_some() && !matches!(self.base, Some(Base::Keep)))
        {
            notes.push(
                "GOPROXY ends in `,direct`, added by the wizard: a module the proxy answers 404 or 410 for is then fetched from its version control host"
                    .to_string(),
            );
        }
        if self.auth == Auth::Netrc {
            notes.extend(advice::netrc_lines(
                &self.auth_hosts(),
                &self.facts.netrc,
                &self.logins,
            ));
        }
        Plan {
            rows,
            changes,
            findings,
            notes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProxyOption {
    Measured(usize),
    Keep,
    Direct,
    Custom,
}

fn with_hint(f: &Finding) -> String {
    match &f.hint {
        Some(h) => redact(&format!("{} ({h})", f.message)),
        None => redact(&f.message),
    }
}

/// One row of the plan: a decided variable, current → new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    pub name: String,
    /// The effective current value (redacted).
    pub current: String,
    /// Where the current value comes from.
    pub source: String,
    /// The value to write (redacted), or `None` to remove it from the go env file.
    pub new: Option<String>,
    /// Whether a write is needed.
    pub changed: bool,
    /// The OS environment sets it, so a write to the go env file does not take effect.
    pub shadowed: bool,
    /// For a removal: the value go then uses (its default or GOPRIVATE's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
}

/// The final set of changes with what to say about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub rows: Vec<PlanRow>,
    /// What to write (unredacted values: only for the write path).
    #[serde(skip)]
    pub changes: Vec<Change>,
    /// Problems the new settings still have.
    pub findings: Vec<Finding>,
    /// Guidance to show with the plan (environment overrides, `.netrc` lines).
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests;
