//! The registry of checks: one table of every check the doctor has (id, section, whether it
//! needs the network, what `setup` re-checks, what is made when go refuses to run, the function
//! that makes it from gathered facts). `check`, `setup` and `explain` all go through it, so none
//! keeps its own list.
//!
//! One check is made outside the table: `toolchain.go` when there is no usable go at all (none
//! found, or `go env -json` failed for another reason than a line of its env file, see
//! [`super::toolchain::no_go_check`]). Every entry is made from [`Facts`], and the facts start
//! from go's answer to `go env -json`: without it there is nothing to hand the table, and no
//! other check can be right, so `check` reports that one check alone (with the table's id).

use std::path::PathBuf;

use super::{Check, Section, cache, network, private, settings, toolchain};
use crate::cache::stats::{ModCacheReport, TreeReport};
use crate::fetch::plan::Route;
use crate::fetch::run::SettingsRun;
use crate::goenv::{BadLine, GoEnv};
use crate::net::credentials::NetrcEntry;
use crate::sys::ProcessEnv;

/// What a check needs of the network (the probing run of the settings: proxies, checksum
/// database, private hosts, local ports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Made from local facts alone.
    No,
    /// Made from the probes when they ran, else from the settings alone (`--offline`).
    Uses,
    /// Made from the probes only; without them it is skipped as "`what`: not checked".
    Needs { what: &'static str },
    /// Asks the network for facts of its own while the facts are gathered (not the probes:
    /// `toolchain.switch` asks the first GOPROXY entry for the golang.org/toolchain list, as
    /// go would to download a toolchain), unless `--offline`; then made from local facts alone.
    Fetches,
}

/// What becomes of a check when go refuses every command (a bad line in its env file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not made: it needs what go says (or values go adds itself).
    Skipped,
    /// Made when asked for: it judges only what the go env file and the environment say, not
    /// the values go would add itself ($GOROOT/go.env, defaults).
    Made,
    /// Made whatever was asked for: it reports the refusal itself (nothing else can be right).
    Shown,
}

/// One check the doctor can make.
pub struct Entry {
    /// Stable, dotted, lower-case id: `section.name`.
    pub id: &'static str,
    pub section: Section,
    /// One line about it (`check --list`).
    pub about: &'static str,
    pub network: Network,
    /// `setup` re-checks it after writing settings: it reads only the settings, `.netrc` and
    /// the probes of the proxies and checksum database the wizard chose.
    pub setup: bool,
    /// Whether it is made when go refuses to run (a bad line in its env file).
    pub refused: Refused,
    /// Makes its checks (none when the facts it reads were not gathered, e.g. the cache walk
    /// that was not asked for). Every check made carries this entry's id.
    pub make: fn(&Facts) -> Vec<Check>,
}

impl Entry {
    /// Whether `wanted` (ids and section names the user gave; none: all) selects it.
    pub fn chosen_by(&self, wanted: &[String]) -> bool {
        wanted.is_empty()
            || wanted
                .iter()
                .any(|w| self.id == w || self.id.starts_with(&format!("{w}.")))
    }
}

/// Facts gathered before the checks run (all I/O happened then; checks only read these).
pub struct Facts<'a> {
    pub go_env: &'a GoEnv,
    /// The process environment godoctor and go run in.
    pub os: &'a ProcessEnv,
    pub netrc: &'a [NetrcEntry],
    /// Every `go` on PATH, in order.
    pub on_path: &'a [PathBuf],
    /// The go.mod that governs the current directory, and its text.
    pub gomod: Option<&'a (PathBuf, String)>,
    /// What go said about that go.mod when it refused it.
    pub gomod_error: Option<&'a str>,
    pub releases: Option<&'a toolchain::Releases>,
    /// The planned routes of the go.mod's requirements (`None` outside a module).
    pub routes: Option<&'a [Route]>,
    /// `None`: the network was not probed (`--offline`, or no check asked needed it).
    pub probes: Option<Probes<'a>>,
    /// `None`: the caches were not walked (or GOMODCACHE could not be).
    pub caches: Option<Caches<'a>>,
    /// go refuses every command: `go_env` is what godoctor read itself (the env file and the
    /// environment), and only the checks of the `refused` column are made.
    pub refusal: Option<Refusal<'a>>,
}

/// go refused every command because of lines of its env file.
#[derive(Clone, Copy)]
pub struct Refusal<'a> {
    /// What go said.
    pub stderr: &'a str,
    pub bad_lines: &'a [BadLine],
}

/// What probing the settings found.
#[derive(Clone, Copy)]
pub struct Probes<'a> {
    pub run: &'a SettingsRun,
    pub hosts: &'a [private::HostReach],
}

/// What walking the caches found, and what each walk took (ms).
#[derive(Clone, Copy)]
pub struct Caches<'a> {
    pub modcache: &'a ModCacheReport,
    pub gocache: Option<&'a TreeReport>,
    pub took_ms: (u64, u64),
}

impl<'a> Facts<'a> {
    /// The settings alone: what `setup` knows of (no PATH, go.mod, probes or caches).
    pub fn settings(go_env: &'a GoEnv, os: &'a ProcessEnv, netrc: &'a [NetrcEntry]) -> Self {
        Facts {
            go_env,
            os,
            netrc,
            on_path: &[],
            gomod: None,
            gomod_error: None,
            releases: None,
            routes: None,
            probes: None,
            caches: None,
            refusal: None,
        }
    }
}

/// Whether `setup` re-checks it and whether it is made when go refuses to run.
#[derive(Clone, Copy)]
struct Runs {
    setup: bool,
    refused: Refused,
}

const fn entry(
    id: &'static str,
    section: Section,
    network: Network,
    runs: Runs,
    about: &'static str,
    make: fn(&Facts) -> Vec<Check>,
) -> Entry {
    Entry {
        id,
        section,
        about,
        network,
        setup: runs.setup,
        refused: runs.refused,
        make,
    }
}

/// Only `check` makes it.
const CHECK: Runs = Runs {
    setup: false,
    refused: Refused::Skipped,
};
/// `setup` re-checks it too.
const SETUP: Runs = Runs {
    setup: true,
    refused: Refused::Skipped,
};
/// `setup` re-checks it, and it is made when go refuses to run.
const ALWAYS: Runs = Runs {
    setup: true,
    refused: Refused::Made,
};
/// Only `check` makes it, and when go refuses to run it says so whatever was asked for.
const GO: Runs = Runs {
    setup: false,
    refused: Refused::Shown,
};

use Network::{Fetches, Needs, No, Uses};
use Section as S;

/// Every check, in the order the report shows them within a section.
#[rustfmt::skip]
pub static CHECKS: &[Entry] = &[
    entry("toolchain.go", S::Toolchain, No, GO,
        "which go runs, its version and GOROOT",
        |f| vec![match f.refusal {
            Some(r) => toolchain::refused_check(r.stderr, r.bad_lines),
            None => toolchain::go_check(f.go_env).took(f.go_env.elapsed.as_millis() as u64),
        }]),
    entry("toolchain.path", S::Toolchain, No, CHECK,
        "other go binaries on PATH that the first one shadows",
        |f| vec![toolchain::path_check(f.on_path, &f.go_env.go.path)]),
    // Its list of toolchains is fetched (unless --offline) with the facts, not by the probes.
    entry("toolchain.switch", S::Toolchain, Fetches, CHECK,
        "whether go.mod here makes go switch toolchains, and whether that download can work",
        |f| vec![toolchain::switch_check(f.go_env, f.gomod, f.gomod_error, f.releases.unwrap_or(&toolchain::Releases::EMPTY))]),
    entry("settings.sources", S::Settings, No, SETUP,
        "where every managed setting comes from (env, go env file, $GOROOT/go.env, default)",
        |f| vec![settings::sources_check(f.go_env)]),
    entry("settings.goroot-env", S::Settings, No, SETUP,
        "$GOROOT/go.env present on Go 1.21+",
        |f| vec![settings::goroot_env_check(f.go_env)]),
    entry("settings.shadowed", S::Settings, No, ALWAYS,
        "OS variables that hide values written with go env -w",
        |f| settings::shadowed_checks(&crate::goenv::diagnose::provenance_findings(f.go_env))),
    entry("settings.envfile", S::Settings, No, ALWAYS,
        "the go env file: empty values, ignored lines, line endings, readability",
        |f| settings::envfile_checks(f.go_env, &crate::goenv::diagnose::provenance_findings(f.go_env))),
    entry("settings.values", S::Settings, No, SETUP,
        "each setting's value read with go's own grammar",
        |f| settings::values_checks(f.go_env)),
    entry("settings.combination", S::Settings, No, SETUP,
        "settings that only make sense together (or weaken security together)",
        |f| settings::combination_checks(f.go_env)),
    entry("settings.unknown", S::Settings, No, ALWAYS,
        "GO* variables that go does not know (typos, copy-paste)",
        |f| settings::unknown_checks(f.go_env, f.os)),
    entry("proxy.chain", S::Proxy, Uses, SETUP,
        "what the GOPROXY list means for fall-through",
        |f| vec![match f.probes {
            Some(p) => network::chain_check(p.run, f.go_env),
            None => network::offline_chain_check(f.go_env),
        }]),
    entry("proxy.reach", S::Proxy, Needs { what: "proxy reachability" }, SETUP,
        "each proxy: reachable, fast, and really a Go module proxy",
        |f| f.probes.map(|p| network::reach_checks(p.run)).unwrap_or_default()),
    entry("sumdb.config", S::Sumdb, No, SETUP,
        "GOSUMDB and GONOSUMDB: verification on, or a security downgrade",
        |f| vec![network::sumdb_config_check(f.go_env)]),
    entry("sumdb.reach", S::Sumdb, Needs { what: "checksum database" }, SETUP,
        "the checksum database reachable directly or through a proxy, signature verified",
        |f| f.probes.map(|p| vec![network::sumdb_reach_check(p.run, f.go_env)]).unwrap_or_default()),
    entry("private.patterns", S::Private, No, ALWAYS,
        "GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE patterns",
        |f| private::patterns_checks(f.go_env)),
    entry("private.auth", S::Private, No, SETUP,
        "credentials for private hosts (netrc, GOAUTH), never printed",
        |f| private::auth_checks(&private::private_hosts(f.go_env), f.netrc, f.go_env.get("GOAUTH"))),
    entry("private.leak", S::Private, No, CHECK,
        "module paths that look private but would go to a public proxy",
        |f| private::leak_checks(f.routes, f.go_env.get("GOPRIVATE"))),
    entry("private.hosts", S::Private, Needs { what: "private hosts" }, CHECK,
        "private module hosts reachable",
        |f| f.probes.map(|p| private::hosts_checks(p.hosts)).unwrap_or_default()),
    entry("ports.local", S::Ports, Needs { what: "local proxy ports" }, CHECK,
        "loopback proxies listening, or which process holds their port",
        |f| f.probes.map(|p| network::ports_checks(p.run)).unwrap_or_default()),
    entry("cache.modcache", S::Cache, No, CHECK,
        "GOMODCACHE location, writability and size",
        |f| cache_checks(f, "cache.modcache", |c| c.took_ms.0)),
    entry("cache.space", S::Cache, No, CHECK,
        "free space where the module cache lives",
        |f| cache_checks(f, "cache.space", |_| 0)),
    entry("cache.gocache", S::Cache, No, CHECK,
        "GOCACHE (build cache) size",
        |f| cache_checks(f, "cache.gocache", |c| c.took_ms.1)),
];

/// The cache checks of one id, with what its walk took (`-v` shows it; the walks overlap
/// `go env -json`).
fn cache_checks(f: &Facts, id: &str, took: fn(&Caches) -> u64) -> Vec<Check> {
    let Some(c) = &f.caches else {
        return vec![];
    };
    let ms = took(c);
    cache::checks(c.modcache, c.gocache)
        .into_iter()
        .filter(|x| x.id == id)
        .map(|x| x.took(ms))
        .collect()
}

/// The entry of `id`.
pub fn entry_of(id: &str) -> Option<&'static Entry> {
    CHECKS.iter().find(|e| e.id == id)
}

/// Make the checks of the entries `chosen` picks, in the table's order (when go refuses to
/// run, as the `refused` column says). A check that needs the probes when they did not run is
/// reported skipped, with why.
pub fn run(facts: &Facts, chosen: impl Fn(&Entry) -> bool) -> Vec<Check> {
    let picked = |e: &Entry| match (facts.refusal, e.refused) {
        (None, _) | (Some(_), Refused::Made) => chosen(e),
        (Some(_), Refused::Shown) => true,
        (Some(_), Refused::Skipped) => false,
    };
    let mut out = Vec::new();
    for e in CHECKS.iter().filter(|e| picked(e)) {
        match (e.network, facts.probes) {
            (Needs { what }, None) => out.push(Check::skip(
                e.id,
                format!("{what}: not checked (--offline)"),
                "run without --offline to probe the network",
            )),
            _ => out.extend((e.make)(facts)),
        }
    }
    out
}

/// Ids the user gave that match nothing in the registry.
pub fn unknown_ids(wanted: &[String]) -> Vec<&String> {
    wanted
        .iter()
        .filter(|w| !CHECKS.iter().any(|e| e.chosen_by(std::slice::from_ref(w))))
        .collect()
}

/// The check id or section name `wanted` is most likely a typo of (`proxy.rech` → `proxy.reach`).
pub fn closest_id(wanted: &str) -> Option<&'static str> {
    let sections = CHECKS.iter().filter_map(|e| e.id.split('.').next());
    let ids = CHECKS.iter().map(|e| e.id);
    let all: std::collections::BTreeSet<&'static str> = sections.chain(ids).collect();
    crate::syntax::names::closest(&wanted.to_lowercase(), all)
}

/// Whether any check `wanted` selects uses the probes (so they are worth running).
pub fn wants_probes(wanted: &[String]) -> bool {
    CHECKS
        .iter()
        .any(|e| matches!(e.network, Uses | Needs { .. }) && e.chosen_by(wanted))
}

/// Whether `wanted` selects the check `id` (so the facts only it reads are worth gathering).
pub fn wants(id: &str, wanted: &[String]) -> bool {
    entry_of(id).is_some_and(|e| e.chosen_by(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dotted_lower_case_unique_and_in_their_section() {
        let mut seen = std::collections::BTreeSet::new();
        for e in CHECKS {
            let (section, name) = e.id.split_once('.').expect("dotted");
            assert!(!name.is_empty() && !name.contains('.'), "{}", e.id);
            assert_eq!(e.id.to_lowercase(), e.id);
            assert!(seen.insert(e.id), "duplicate {}", e.id);
            let named = serde_json::to_value(e.section).expect("serializes");
            assert_eq!(named, section, "{} is listed under {:?}", e.id, e.section);
        }
        // Sections in report order, each in one run of the table.
        let sections: Vec<Section> = CHECKS.iter().map(|e| e.section).collect();
        let mut sorted = sections.clone();
        sorted.sort();
        assert_eq!(sections, sorted);
    }

    /// Settings with something to say in most checks: a private pattern without credentials,
    /// an unknown GO* variable, GOSUMDB off, a GOPROXY that ends in a loopback proxy.
    fn go_env() -> (GoEnv, ProcessEnv) {
        let os = ProcessEnv::from_pairs([("GOPRIVAT", "x"), ("HOME", "/nonexistent")]);
        let values = [
            ("GOPROXY", "http://127.0.0.1:9,direct"),
            ("GOSUMDB", "off"),
            ("GOPRIVATE", "git.corp.example"),
            ("GONOPROXY", "git.corp.example"),
            ("GONOSUMDB", "git.corp.example"),
            ("GOAUTH", "netrc"),
            ("GOVERSION", "go1.26.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let go = crate::goenv::GoBinary {
            path: PathBuf::from("/nonexistent/go"),
            how: "PATH",
        };
        let g = GoEnv::from_facts(go, values, &os, std::time::Duration::ZERO);
        (g, os)
    }

    #[test]
    fn every_check_made_carries_its_entry_id_and_offline_skips_the_probes() {
        let (g, os) = go_env();
        let facts = Facts::settings(&g, &os, &[]);
        for e in CHECKS {
            let made = run(&facts, |x| x.id == e.id);
            for c in &made {
                assert_eq!(c.id, e.id, "{} made a check of {}", e.id, c.id);
                assert_eq!(c.section, e.section);
            }
            match e.network {
                Needs { .. } => {
                    assert_eq!(made.len(), 1, "{}", e.id);
                    assert_eq!(made[0].status, crate::finding::Severity::Skip);
                }
                // Without a walk there is nothing to say about the caches.
                No if e.section == S::Cache => assert!(made.is_empty(), "{}", e.id),
                _ => assert!(!made.is_empty(), "{} made nothing", e.id),
            }
        }
        let all = run(&facts, |_| true);
        assert!(
            all.iter().any(|c| c.is_problem()),
            "the fixture has problems"
        );
    }

    #[test]
    fn when_go_refuses_the_refusal_is_shown_whatever_was_asked_for() {
        let (g, os) = go_env();
        let bad = [BadLine {
            path: PathBuf::from("/env"),
            line: 1,
            key: "GOTOOLCHAIN".into(),
            reason: "invalid GOTOOLCHAIN \"x\"".into(),
        }];
        let facts = Facts {
            refusal: Some(Refusal {
                stderr: "go: invalid GOTOOLCHAIN \"x\"",
                bad_lines: &bad,
            }),
            ..Facts::settings(&g, &os, &[])
        };
        let cache = run(&facts, |e| e.chosen_by(&["cache".into()]));
        assert_eq!(cache.len(), 1, "{cache:?}");
        assert_eq!(cache[0].id, "toolchain.go");
        assert_eq!(cache[0].status, crate::finding::Severity::Error);
        assert!(cache[0].title.starts_with("go refuses every command"));
        let mut ids: Vec<&str> = run(&facts, |_| true).iter().map(|c| c.id).collect();
        ids.dedup();
        assert_eq!(
            ids,
            [
                "toolchain.go",
                "settings.shadowed",
                "settings.envfile",
                "settings.unknown",
                "private.patterns"
            ]
        );
    }

    #[test]
    fn the_readme_lists_every_id_in_registry_order() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("| section | ids |")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .expect("README has the table of check ids");
        let mut listed: Vec<&str> = Vec::new();
        for cell in table.split('`').skip(1).step_by(2) {
            let is_id = cell.split_once('.').is_some_and(|(s, n)| {
                CHECKS.iter().any(|e| e.id.starts_with(&format!("{s}.")))
                    && n.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            });
            if is_id {
                listed.push(cell);
            }
        }
        let ids: Vec<&str> = CHECKS.iter().map(|e| e.id).collect();
        assert_eq!(listed, ids);
    }

    #[test]
    fn typos_of_ids_and_sections_get_the_one_meant() {
        assert_eq!(closest_id("proxy.rech"), Some("proxy.reach"));
        assert_eq!(closest_id("sumbd"), Some("sumdb"));
        assert_eq!(closest_id("Proxy.Reach"), Some("proxy.reach"));
        assert_eq!(closest_id("banana"), None);
    }

    #[test]
    fn chosen_by_section_or_id() {
        let chosen = |w: &[&str]| -> Vec<&str> {
            let w: Vec<String> = w.iter().map(|s| s.to_string()).collect();
            CHECKS
                .iter()
                .filter(|e| e.chosen_by(&w))
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(chosen(&["proxy"]), ["proxy.chain", "proxy.reach"]);
        assert_eq!(chosen(&["cache.space"]), ["cache.space"]);
        assert_eq!(chosen(&[]).len(), CHECKS.len());
        assert!(
            chosen(&["prox"]).is_empty(),
            "a prefix of a section is not the section"
        );
        assert_eq!(
            unknown_ids(&["proxy".into(), "nope".into()]),
            vec![&"nope".to_string()]
        );
    }

    #[test]
    fn only_network_checks_are_skipped_offline() {
        assert!(wants_probes(&["proxy".into()]));
        assert!(wants_probes(&["ports.local".into()]));
        assert!(!wants_probes(&["settings".into()]));
        assert!(!wants_probes(&["private.auth".into(), "cache".into()]));
        // The toolchain list is asked for by toolchain.switch itself, not by the probes.
        assert!(!wants_probes(&["toolchain".into()]));
        assert!(wants("toolchain.switch", &["toolchain".into()]));
        assert!(!wants("toolchain.switch", &["cache".into()]));
        let setup: Vec<&str> = CHECKS.iter().filter(|e| e.setup).map(|e| e.id).collect();
        assert!(setup.contains(&"proxy.reach") && setup.contains(&"settings.values"));
        assert!(!setup.contains(&"ports.local") && !setup.contains(&"private.hosts"));
        // When go refuses to run, only what the file and the environment say is judged.
        let refused: Vec<&str> = CHECKS
            .iter()
            .filter(|e| e.refused == Refused::Made)
            .map(|e| e.id)
            .collect();
        assert_eq!(
            refused,
            [
                "settings.shadowed",
                "settings.envfile",
                "settings.unknown",
                "private.patterns"
            ]
        );
        let shown: Vec<&str> = CHECKS
            .iter()
            .filter(|e| e.refused == Refused::Shown)
            .map(|e| e.id)
            .collect();
        assert_eq!(shown, ["toolchain.go"]);
    }
}
