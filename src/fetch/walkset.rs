//! The modules a probe walks and why: one [`WalkSet`] from the command that chose them (a
//! go.mod's requirements, `--module`, `modules.txt`, the canary) through the proxy probes to
//! the words beside every verdict. Never empty: the first module is also probed for latency
//! and protocol facts.

use super::proxy::{self, DEFAULT_MODULE};

/// At most this many requirements are walked by `check` inside a module (a stated sample
/// beyond it): each is one `.info` request per proxy, all at once.
pub const MAX_WALKED: usize = 6;

/// The modules walked (`(path, version)`, in order, at least one) and how they were chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkSet {
    modules: Vec<(String, String)>,
    chosen: String,
}

impl Default for WalkSet {
    fn default() -> Self {
        WalkSet::canary("the canary module")
    }
}

impl WalkSet {
    /// `modules`, chosen as `chosen` says ("--module", "the canary modules of …"); `None` when
    /// there are none (the caller falls back to something else).
    pub fn new(modules: Vec<(String, String)>, chosen: impl Into<String>) -> Option<Self> {
        (!modules.is_empty()).then(|| WalkSet {
            modules,
            chosen: chosen.into(),
        })
    }

    /// The canary module ([`DEFAULT_MODULE`]), with why it is the one walked.
    pub fn canary(chosen: impl Into<String>) -> Self {
        let (path, version) = DEFAULT_MODULE
            .split_once('@')
            .unwrap_or((DEFAULT_MODULE, ""));
        WalkSet {
            modules: vec![(path.to_string(), version.to_string())],
            chosen: chosen.into(),
        }
    }

    /// `--module PATH@VERSION` arguments (go's path and version rules); `Ok(None)` for none.
    pub fn from_args(args: &[String]) -> Result<Option<Self>, String> {
        let modules = args
            .iter()
            .map(|m| proxy::parse_module_arg(m))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WalkSet::new(modules, "--module"))
    }

    /// Requirements `public` (those go asks a proxy for) of the go.mod at `gomod`; `private`
    /// counts the ones GONOPROXY sends elsewhere (not walked here: `private.hosts` checks
    /// their hosts). Few are all walked; many give an evenly spread sample of [`MAX_WALKED`].
    /// `None` when no requirement goes through a proxy.
    pub fn requirements(public: &[(String, String)], private: usize, gomod: &str) -> Option<Self> {
        let modules = sample(public, MAX_WALKED);
        let mut chosen = if modules.len() < public.len() {
            format!(
                "the requirements of {gomod}: {} of {}, a sample spread over the list",
                modules.len(),
                public.len()
            )
        } else {
            format!("the requirements of {gomod}")
        };
        if private > 0 {
            chosen.push_str(&format!(
                "; {private} private (GONOPROXY) not walked through proxies"
            ));
        }
        WalkSet::new(modules, chosen)
    }

    /// The canary modules of godoctor's config (`modules.txt` at `source`): a stated sample of
    /// [`MAX_WALKED`] when more; `Ok(None)` for a file without any. An error names the line.
    pub fn from_modules_file(text: &str, source: &str) -> Result<Option<Self>, String> {
        let modules = parse_modules_file(text, source)?;
        Ok(WalkSet::new(
            sample(&modules, MAX_WALKED),
            format!("the canary modules of {source}"),
        ))
    }

    /// Every walked module, in order.
    pub fn modules(&self) -> &[(String, String)] {
        &self.modules
    }

    /// The first walked module: also probed for latency and protocol facts.
    pub fn first(&self) -> (&str, &str) {
        self.modules
            .first()
            .map_or(("", ""), |(p, v)| (p.as_str(), v.as_str()))
    }

    /// The walked modules after the first.
    pub fn others(&self) -> &[(String, String)] {
        self.modules.get(1..).unwrap_or_default()
    }

    /// How the modules were chosen, said beside the verdicts.
    pub fn chosen(&self) -> &str {
        &self.chosen
    }
}

/// One `PATH@VERSION` per line, `#` starts a comment. An error names the line.
fn parse_modules_file(text: &str, source: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let m = proxy::parse_module_arg(line)
            .map_err(|e| format!("{source}:{}: {}", n + 1, e.replace("--module ", "")))?;
        out.push(m);
    }
    Ok(out)
}

/// `n` items spread evenly over `items` (all of them when there are no more than `n`).
fn sample<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_file_lines() {
        let got = WalkSet::from_modules_file(
            "# canaries\nexample.com/a@v1.0.0\n\n  example.com/b@v0.2.0 # second\n",
            "modules.txt",
        )
        .expect("parses")
        .expect("two modules");
        assert_eq!(
            got.modules(),
            [
                ("example.com/a".to_string(), "v1.0.0".to_string()),
                ("example.com/b".to_string(), "v0.2.0".to_string()),
            ]
        );
        assert_eq!(got.chosen(), "the canary modules of modules.txt");
        let bad = WalkSet::from_modules_file("example.com/a@v1.0.0\nexample.com/b\n", "m.txt");
        assert!(bad.is_err_and(|e| e.starts_with("m.txt:2: invalid")));
        assert_eq!(WalkSet::from_modules_file("# none\n", "m.txt"), Ok(None));
    }

    #[test]
    fn a_sample_is_spread_and_stated() {
        let reqs: Vec<(String, String)> = (0..23)
            .map(|i| (format!("example.com/m{i:02}"), "v1.0.0".to_string()))
            .collect();
        let w = WalkSet::requirements(&reqs, 2, "/w/go.mod").expect("some");
        assert_eq!(w.modules().len(), MAX_WALKED);
        assert_eq!(w.first().0, "example.com/m00");
        assert!(
            w.modules()
                .last()
                .is_some_and(|m| m.0.as_str() > "example.com/m15")
        );
        assert!(w.chosen().contains("6 of 23"), "{}", w.chosen());
        assert!(w.chosen().contains("2 private"), "{}", w.chosen());
        let few = WalkSet::requirements(&reqs[..2], 0, "/w/go.mod").expect("some");
        assert_eq!(few.modules().len(), 2);
        assert_eq!(few.others(), &reqs[1..2]);
        assert_eq!(few.chosen(), "the requirements of /w/go.mod");
        assert_eq!(WalkSet::requirements(&[], 3, "/w/go.mod"), None);
    }

    /// Never empty: every constructor either has a first module or says there is none.
    #[test]
    fn a_walk_set_always_has_a_first_module() {
        assert_eq!(WalkSet::new(Vec::new(), "--module"), None);
        assert_eq!(WalkSet::from_args(&[]), Ok(None));
        let canary = WalkSet::default();
        assert_eq!(
            format!("{}@{}", canary.first().0, canary.first().1),
            DEFAULT_MODULE
        );
        assert!(canary.others().is_empty());
        let args = [
            "example.com/a@v1.0.0".to_string(),
            "example.com/b@v1.2.0".into(),
        ];
        let w = WalkSet::from_args(&args).expect("valid").expect("two");
        assert_eq!(w.first(), ("example.com/a", "v1.0.0"));
        assert_eq!(w.chosen(), "--module");
        assert!(WalkSet::from_args(&["example.com/a".to_string()]).is_err());
    }
}
