//! Unit tests of the wizard's plan: answers in, questions and changes out, no terminal.

use super::*;

fn cur(value: &str, source: &str, in_file: Option<&str>) -> Current {
    Current {
        value: value.into(),
        source: source.into(),
        in_file: in_file.map(str::to_string),
    }
}

fn facts() -> Facts {
    let mut settings = BTreeMap::new();
    settings.insert(
        "GOPROXY".into(),
        cur(
            "http://127.0.0.1:9/old,direct",
            "file",
            Some("http://127.0.0.1:9/old,direct"),
        ),
    );
    settings.insert("GOSUMDB".into(), cur("sum.golang.org", "goroot", None));
    for n in ["GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOAUTH"] {
        settings.insert(n.into(), cur("", "default", None));
    }
    Facts {
        go_version: "go1.25.3".into(),
        settings,
        netrc: vec![],
    }
}

fn m(url: &str, ok: bool, ms: Option<f64>, sumdb: Option<bool>) -> Measurement {
    Measurement {
        url: url.into(),
        name: url.into(),
        current: false,
        ok,
        median_ms: ms,
        verdict: if ok { "ok".into() } else { "refused".into() },
        diagnosis: if ok {
            "serves modules".into()
        } else {
            "connection refused".into()
        },
        hint: None,
        proxies_sumdb: sumdb,
    }
}

/// Answer the checksum database probe: `ok` values verify, the rest fail.
fn probe_sumdb(w: &mut Wizard, ok: &[&str]) -> String {
    let Step::Probe(Probe::Sumdb { values, goproxy }) = w.next() else {
        panic!("expected the checksum database probe, got {:?}", w.next());
    };
    let probes = values
        .iter()
        .map(|v| SumdbProbe {
            value: v.clone(),
            ok: ok.contains(&v.as_str()),
            ms: Some(12.0),
            route: "through http://127.0.0.1:3".into(),
            detail: "connection refused".into(),
        })
        .collect();
    w.sumdb_probed(probes);
    goproxy
}

fn ask(w: &Wizard) -> Question {
    match w.next() {
        Step::Ask(q) => q,
        other => panic!("expected a question, got {other:?}"),
    }
}

fn select(q: &Question) -> (&[String], usize) {
    match &q.kind {
        Kind::Select { options, default } => (options, *default),
        k => panic!("expected a select, got {k:?}"),
    }
}

#[test]
fn fastest_working_mirror_is_preselected_with_latency() {
    let w = Wizard::new(
        facts(),
        vec![
            m("http://127.0.0.1:1", true, Some(80.0), Some(true)),
            m("http://127.0.0.1:2", false, None, None),
            m("http://127.0.0.1:3", true, Some(4.5), Some(true)),
        ],
    );
    let q = ask(&w);
    assert_eq!(q.id, Qid::Proxy);
    let (options, default) = select(&q);
    assert_eq!(default, 0);
    assert_eq!(options[0], "http://127.0.0.1:3  4.5 ms");
    assert_eq!(options[1], "http://127.0.0.1:1  80 ms");
    assert_eq!(options[2], "http://127.0.0.1:2  ✗ refused");
    assert!(
        options[3].starts_with("keep the current GOPROXY"),
        "{options:?}"
    );
    assert!(options[4].starts_with("direct"));
    assert!(options[5].starts_with("another proxy"));
}

#[test]
fn defaults_all_the_way_give_fastest_mirror_and_verification() {
    let mut w = Wizard::new(
        facts(),
        vec![
            m("http://127.0.0.1:1", true, Some(80.0), Some(true)),
            m("http://127.0.0.1:3", true, Some(4.5), Some(true)),
        ],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    assert_eq!(ask(&w).id, Qid::HasPrivate);
    w.answer(Answer::Yes(false)).expect("no private");
    // The databases are checked along the GOPROXY the answers lead to.
    assert_eq!(
        probe_sumdb(&mut w, &[SUMDB_OFFICIAL]),
        "http://127.0.0.1:3,direct"
    );
    let q = ask(&w);
    assert_eq!(q.id, Qid::Sumdb);
    let (options, default) = select(&q);
    assert_eq!(default, 0);
    assert!(
        options[0].contains("verified, through http://127.0.0.1:3, 12 ms"),
        "{options:?}"
    );
    assert!(options[1].contains("not usable"), "{options:?}");
    w.answer(Answer::Choice(0)).expect("sumdb");
    let plan = w.plan();
    assert_eq!(
        plan.changes,
        vec![Change {
            name: "GOPROXY".into(),
            value: Some("http://127.0.0.1:3,direct".into())
        }]
    );
    // The `,direct` the wizard added is said in the plan, not left to be noticed.
    assert!(
        plan.notes.iter().any(|n| n.contains("`,direct`")),
        "{:?}",
        plan.notes
    );
    assert_eq!(ask(&w).id, Qid::Apply);
    w.answer(Answer::Yes(true)).expect("apply");
    assert_eq!(w.next(), Step::Apply);
}

#[test]
fn declining_changes_nothing() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    w.answer(Answer::Choice(0)).expect("sumdb");
    w.answer(Answer::Yes(false)).expect("decline");
    assert_eq!(w.next(), Step::Declined);
}

#[test]
fn the_first_verified_database_is_preselected() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(false))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[SUMDB_CHINA]);
    let q = ask(&w);
    let (options, default) = select(&q);
    assert_eq!(
        default, 1,
        "the verified database is preselected: {options:?}"
    );
    assert!(options[0].contains("not usable"));
    assert!(
        q.notes
            .iter()
            .any(|n| n == "✗ sum.golang.org: connection refused"),
        "{:?}",
        q.notes
    );
    w.answer(Answer::Choice(1)).expect("sumdb");
    let plan = w.plan();
    assert!(plan.changes.contains(&Change {
        name: "GOSUMDB".into(),
        value: Some(SUMDB_CHINA.into())
    }));
}

#[test]
fn turning_verification_off_needs_a_second_yes() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[]);
    let q = ask(&w);
    let (options, _) = select(&q);
    let off = options
        .iter()
        .position(|o| o.starts_with("off"))
        .expect("off option");
    w.answer(Answer::Choice(off)).expect("off");
    let q = ask(&w);
    assert_eq!(q.id, Qid::ConfirmSumdbOff);
    assert_eq!(q.kind, Kind::Confirm { default: false });
    assert!(q.notes.iter().any(|n| n.contains("tampering")));
    w.answer(Answer::Yes(false)).expect("no");
    assert_eq!(ask(&w).id, Qid::Sumdb);
    w.answer(Answer::Choice(off)).expect("off again");
    w.answer(Answer::Yes(true)).expect("yes");
    assert!(w.plan().changes.contains(&Change {
        name: "GOSUMDB".into(),
        value: Some("off".into())
    }));
}

#[test]
fn custom_url_is_validated_then_probed() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    let q = ask(&w);
    let (options, _) = select(&q);
    let custom = options.len() - 1;
    w.answer(Answer::Choice(custom)).expect("custom");
    assert_eq!(ask(&w).id, Qid::CustomProxy);
    assert!(w.answer(Answer::Text("ftp://x.example".into())).is_err());
    assert!(
        w.answer(Answer::Text("https://a.example,direct".into()))
            .is_err()
    );
    assert!(w.answer(Answer::Text("".into())).is_err());
    assert_eq!(ask(&w).id, Qid::CustomProxy, "a refused answer asks again");
    let notes = w
        .answer(Answer::Text("https://alice:s3cret@proxy.example/go".into()))
        .expect("valid");
    assert!(notes.iter().all(|n| !n.contains("s3cret")), "{notes:?}");
    assert_eq!(
        w.next(),
        Step::Probe(Probe::Proxy {
            url: "https://proxy.example/go".into(),
            private: false
        })
    );
    // A failing probe asks whether to use it anyway; no goes back to the list.
    w.proxy_probed(m("https://proxy.example/go", false, None, None));
    assert_eq!(ask(&w).id, Qid::AcceptFailedProxy);
    w.answer(Answer::Yes(false)).expect("no");
    assert_eq!(ask(&w).id, Qid::Proxy);
    w.answer(Answer::Choice(custom)).expect("custom");
    w.answer(Answer::Text("proxy.example/go".into()))
        .expect("valid");
    assert_eq!(
        w.next(),
        Step::Probe(Probe::Proxy {
            url: "https://proxy.example/go".into(),
            private: false
        })
    );
    w.proxy_probed(m("https://proxy.example/go", true, Some(20.0), Some(true)));
    assert_eq!(ask(&w).id, Qid::HasPrivate);
}

#[test]
fn private_modules_with_direct_fetch() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(true)).expect("private");
    assert_eq!(ask(&w).id, Qid::Patterns);
    let err = w.answer(Answer::Text("".into())).expect_err("empty");
    assert!(err.contains("pattern"));
    let notes = w
        .answer(Answer::Text("git.corp.example,github.com/acme/*".into()))
        .expect("patterns");
    assert!(
        notes.contains(
            &"✓ git.corp.example/tools is private (matches git.corp.example)".to_string()
        ),
        "{notes:?}"
    );
    assert_eq!(ask(&w).id, Qid::PrivateProxy);
    w.answer(Answer::Choice(0)).expect("no private proxy");
    let q = ask(&w);
    assert_eq!(q.id, Qid::Auth);
    let (options, _) = select(&q);
    assert_eq!(options.len(), 3, "go1.25 offers GOAUTH");
    let notes = w.answer(Answer::Choice(1)).expect("netrc");
    assert!(
        notes
            .iter()
            .any(|n| n == "    machine git.corp.example login YOUR_USER password YOUR_TOKEN"),
        "{notes:?}"
    );
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    assert_eq!(ask(&w).id, Qid::Sumdb);
    w.answer(Answer::Choice(0)).expect("sumdb");
    let plan = w.plan();
    assert!(plan.changes.contains(&Change {
        name: "GOPRIVATE".into(),
        value: Some("git.corp.example,github.com/acme/*".into())
    }));
    // GONOPROXY/GONOSUMDB are not in the file: nothing to remove, they follow GOPRIVATE.
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| c.name == "GONOPROXY" || c.name == "GONOSUMDB")
    );
    let row = plan
        .rows
        .iter()
        .find(|r| r.name == "GONOSUMDB")
        .expect("row");
    assert_eq!(
        row.effective.as_deref(),
        Some("git.corp.example,github.com/acme/*")
    );
}

#[test]
fn private_proxy_goes_first_and_gonoproxy_none() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(true)).expect("private");
    w.answer(Answer::Text("*.corp.example".into()))
        .expect("patterns");
    w.answer(Answer::Choice(1)).expect("private proxy");
    w.answer(Answer::Text("http://bob:pw@127.0.0.1:7".into()))
        .expect("url");
    assert_eq!(
        w.next(),
        Step::Probe(Probe::Proxy {
            url: "http://127.0.0.1:7".into(),
            private: true
        })
    );
    // A private-only proxy does not serve the public probe module: warn-level, still ok.
    let mut p = m("http://127.0.0.1:7", true, Some(2.0), Some(false));
    p.verdict = "not-serving-module".into();
    w.proxy_probed(p);
    let q = ask(&w);
    assert_eq!(q.id, Qid::Auth);
    assert_eq!(select(&q).1, 1, "a stripped login preselects .netrc");
    let notes = w.answer(Answer::Choice(1)).expect("netrc");
    assert!(
        notes
            .iter()
            .any(|n| n == "    machine 127.0.0.1 login bob password YOUR_TOKEN"),
        "{notes:?}"
    );
    assert!(notes.iter().all(|n| !n.contains("pw")));
    // The databases are checked along the new chain, private proxy first.
    assert_eq!(
        probe_sumdb(&mut w, &[SUMDB_OFFICIAL]),
        "http://127.0.0.1:7,http://127.0.0.1:3,direct"
    );
    w.answer(Answer::Choice(0)).expect("sumdb");
    let plan = w.plan();
    assert!(plan.changes.contains(&Change {
        name: "GOPROXY".into(),
        value: Some("http://127.0.0.1:7,http://127.0.0.1:3,direct".into())
    }));
    assert!(plan.changes.contains(&Change {
        name: "GONOPROXY".into(),
        value: Some("none".into())
    }));
}

#[test]
fn goauth_is_offered_from_go_1_24_and_validated() {
    let mut f = facts();
    f.go_version = "go1.23.4".into();
    let mut w = Wizard::new(
        f,
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(true)).expect("private");
    w.answer(Answer::Text("git.corp.example".into()))
        .expect("patterns");
    w.answer(Answer::Choice(0)).expect("direct");
    assert_eq!(select(&ask(&w)).0.len(), 2, "no GOAUTH before go1.24");

    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(true)).expect("private");
    w.answer(Answer::Text("git.corp.example".into()))
        .expect("patterns");
    w.answer(Answer::Choice(0)).expect("direct");
    w.answer(Answer::Choice(2)).expect("goauth");
    assert_eq!(ask(&w).id, Qid::Goauth);
    assert!(w.answer(Answer::Text("off;netrc".into())).is_err());
    w.answer(Answer::Text("git /home/me/src".into()))
        .expect("goauth");
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    w.answer(Answer::Choice(0)).expect("sumdb");
    assert!(w.plan().changes.contains(&Change {
        name: "GOAUTH".into(),
        value: Some("git /home/me/src".into())
    }));
}

#[test]
fn removing_private_settings_when_the_user_has_none() {
    let mut f = facts();
    f.settings.insert(
        "GOPRIVATE".into(),
        cur("old.example", "file", Some("old.example")),
    );
    f.settings.insert(
        "GONOSUMDB".into(),
        cur("old.example", "file", Some("old.example")),
    );
    let mut w = Wizard::new(
        f,
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    assert_eq!(
        ask(&w).kind,
        Kind::Confirm { default: true },
        "existing GOPRIVATE: default yes"
    );
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    w.answer(Answer::Choice(0)).expect("sumdb");
    let plan = w.plan();
    assert!(plan.changes.contains(&Change {
        name: "GOPRIVATE".into(),
        value: None
    }));
    assert!(plan.changes.contains(&Change {
        name: "GONOSUMDB".into(),
        value: None
    }));
    assert!(
        !plan.changes.iter().any(|c| c.name == "GONOPROXY"),
        "not in the file"
    );
}

#[test]
fn keeping_everything_is_an_empty_plan() {
    let mut w = Wizard::new(
        facts(),
        vec![m("http://127.0.0.1:9/old", true, Some(3.0), Some(true))],
    );
    let q = ask(&w);
    let (options, default) = select(&q);
    assert_eq!(default, 0);
    assert!(
        !options.iter().any(|o| o.starts_with("keep")),
        "the current value is option 0 already"
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    w.answer(Answer::Choice(0)).expect("sumdb");
    assert!(w.plan().changes.is_empty());
    assert_eq!(ask(&w).prompt, "Nothing needs to change. Finish?");
}

#[test]
fn an_os_variable_is_flagged() {
    let mut f = facts();
    f.settings.insert("GOPROXY".into(), cur("off", "env", None));
    let mut w = Wizard::new(
        f,
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    probe_sumdb(&mut w, &[SUMDB_OFFICIAL]);
    w.answer(Answer::Choice(0)).expect("sumdb");
    let plan = w.plan();
    let row = plan.rows.iter().find(|r| r.name == "GOPROXY").expect("row");
    assert!(row.shadowed && row.changed);
    assert!(plan.notes.iter().any(|n| n.contains("unset GOPROXY")));
}

#[test]
fn no_working_mirror_preselects_keep() {
    let w = Wizard::new(facts(), vec![m("http://127.0.0.1:1", false, None, None)]);
    let q = ask(&w);
    let (options, default) = select(&q);
    assert!(options[default].starts_with("keep the current GOPROXY"));
    assert!(!q.notes.is_empty());
}

#[test]
fn a_company_database_is_kept_when_it_is_the_one_that_verifies() {
    let mut f = facts();
    let corp = "sum.corp.example+abcdef01+AAAA https://sum.corp.example";
    f.settings
        .insert("GOSUMDB".into(), cur(corp, "file", Some(corp)));
    let mut w = Wizard::new(
        f,
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(false))],
    );
    w.answer(Answer::Choice(0)).expect("proxy");
    w.answer(Answer::Yes(false)).expect("no private");
    let Step::Probe(Probe::Sumdb { values, .. }) = w.next() else {
        panic!("probe expected");
    };
    assert_eq!(
        values,
        vec![
            SUMDB_OFFICIAL.to_string(),
            SUMDB_CHINA.to_string(),
            corp.to_string()
        ]
    );
    probe_sumdb(&mut w, &[corp]);
    let q = ask(&w);
    let (options, default) = select(&q);
    assert!(
        options[default].starts_with("keep the current GOSUMDB"),
        "{options:?}"
    );
    w.answer(Answer::Choice(default)).expect("keep");
    assert!(!w.plan().changes.iter().any(|c| c.name == "GOSUMDB"));
}

/// A kept GOPROXY that already starts with the private proxy (as go reads its first entry:
/// trimmed, blank entries skipped) does not get it a second time.
#[test]
fn a_kept_goproxy_starting_with_the_private_proxy_keeps_it_once() {
    let mut f = facts();
    let kept = " , http://127.0.0.1:7/ |direct";
    f.settings
        .insert("GOPROXY".into(), cur(kept, "file", Some(kept)));
    let mut w = Wizard::new(
        f,
        vec![m("http://127.0.0.1:3", true, Some(1.0), Some(true))],
    );
    let q = ask(&w);
    let keep = select(&q)
        .0
        .iter()
        .position(|o| o.starts_with("keep the current GOPROXY"))
        .expect("keep");
    w.answer(Answer::Choice(keep)).expect("keep");
    w.answer(Answer::Yes(true)).expect("private");
    w.answer(Answer::Text("*.corp.example".into()))
        .expect("patterns");
    w.answer(Answer::Choice(1)).expect("private proxy");
    w.answer(Answer::Text("http://127.0.0.1:7".into()))
        .expect("url");
    let mut p = m("http://127.0.0.1:7", true, Some(2.0), Some(false));
    p.verdict = "not-serving-module".into();
    w.proxy_probed(p);
    assert_eq!(ask(&w).id, Qid::Auth);
    w.answer(Answer::Choice(0)).expect("auth");
    assert_eq!(probe_sumdb(&mut w, &[SUMDB_OFFICIAL]), kept);
}
