//! The one walker of go's `TryProxies`: each source in order until one serves; after `,` the
//! next source is tried only on 404/410 (not found), after `|` on any error; `off` stops with
//! "module lookup disabled"; a source GONOPROXY disables is passed over. Every command that
//! says how the GOPROXY list falls through asks this function, with its own answer per source.

use super::plan::{Source, SourceKind};
use super::walk::{Op, Outcome, Step};
use crate::syntax::goproxy::Fallback;

/// Something a walk records its steps in.
pub trait Steps {
    fn steps(&mut self) -> &mut Vec<Step>;
}

impl Steps for Vec<Step> {
    fn steps(&mut self) -> &mut Vec<Step> {
        self
    }
}

/// Answer of one source for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// 404/410 or go's "disabled" errors: go moves on after `,` and `|`.
    NotFound(String),
    /// Anything else: go moves on only after `|`.
    Error(String),
    /// The server accepted the connection and never answered: go's module client has no
    /// response deadline, so go waits forever here; no fall-back, even after `|`.
    Hang(String),
}

impl Answer {
    /// The error text (empty for `Ok`).
    pub fn message(&self) -> &str {
        match self {
            Answer::Ok => "",
            Answer::NotFound(m) | Answer::Error(m) | Answer::Hang(m) => m,
        }
    }
}

/// go's `TryProxies`: call `f` per source (with its index in `sources`, so a caller finds
/// what it knows of that entry without searching) until one serves; fall through on
/// not-found always, on other errors only after `|`. `Err` is go's best error: [`Answer::NotFound`] or
/// [`Answer::Error`] (callers such as the checksum database's `initBase` act on the kind).
pub fn try_sources<W: Steps>(
    sources: &[Source],
    op: Op,
    w: &mut W,
    mut f: impl FnMut(usize, &Source, &mut W) -> Answer,
) -> Result<(), Answer> {
    // go ranks errors: direct beats a proxy's real error beats not-found (the latest
    // not-found wins among themselves).
    let mut best: Option<Answer> = None;
    let mut best_rank = 0u8;
    let mut note = |rank: u8, not_found: bool, msg: String| {
        let a = if not_found {
            Answer::NotFound(msg)
        } else {
            Answer::Error(msg)
        };
        if rank == 2 {
            best = Some(a);
            best_rank = 2;
        } else if best_rank <= 1 && !not_found {
            best = Some(a);
            best_rank = 1;
        } else if best_rank == 0 {
            best = Some(a);
        }
    };
    for (i, src) in sources.iter().enumerate() {
        if src.skipped {
            w.steps().push(Step {
                op,
                source: src.target.clone(),
                url: None,
                status: None,
                outcome: Outcome::Skipped,
                detail: "disabled by GOPRIVATE/GONOPROXY".into(),
                next: "go tries the next source".into(),
                ms: 0.0,
            });
            note(0, true, "disabled by GOPRIVATE/GONOPROXY".into());
            continue;
        }
        if src.kind == SourceKind::Off {
            w.steps().push(Step {
                op,
                source: "off".into(),
                url: None,
                status: None,
                outcome: Outcome::NotFound,
                detail: "module lookup disabled by GOPROXY=off".into(),
                next: "the walk ends".into(),
                ms: 0.0,
            });
            note(0, true, "module lookup disabled by GOPROXY=off".into());
            break;
        }
        let before = w.steps().len();
        let answer = f(i, src, w);
        let (not_found, msg) = match answer {
            Answer::Ok => {
                set_next(w, before, "served: the walk for this request ends");
                return Ok(());
            }
            Answer::NotFound(m) => (true, m),
            Answer::Error(m) => (false, m),
            Answer::Hang(m) => {
                set_next(
                    w,
                    before,
                    "go waits for this answer forever (no response deadline): no fall-back, even after '|'",
                );
                return Err(Answer::Hang(m));
            }
        };
        let fall = not_found || src.fallback == Some(Fallback::OnAnyError);
        let rank = if src.kind == SourceKind::Direct { 2 } else { 1 };
        note(rank, not_found, msg);
        let last = i + 1 == sources.len();
        let next = if last {
            "no source left: the download fails".to_string()
        } else if fall {
            match src.separator {
                Some('|') => "'|': go tries the next source".into(),
                _ => "not found: go tries the next source".into(),
            }
        } else if src.separator == Some(',') {
            "',' falls through only on 404/410: go stops here and the download fails".into()
        } else {
            "go stops here and the download fails".into()
        };
        set_next(w, before, &next);
        if !fall || last {
            break;
        }
    }
    Err(best.unwrap_or_else(|| Answer::NotFound("no source".to_string())))
}

/// Set what go does next on the last step recorded since `from`.
pub fn set_next<W: Steps>(w: &mut W, from: usize, next: &str) {
    if let Some(s) = w.steps()[from..].last_mut() {
        s.next = next.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::plan::{Settings, plan};

    /// The callback gets each asked source's own index: GONOPROXY-skipped entries are passed
    /// over without a call, `off` ends the walk without one.
    #[test]
    fn the_callback_gets_each_sources_index() {
        let settings = Settings {
            goproxy: "https://a.example|https://b.example,https://c.example,direct,off".into(),
            gonoproxy: "example.com/private".into(),
            gosumdb: "off".into(),
            ..Default::default()
        };
        let route = plan("example.com/m", "v1.0.0", &settings);
        let mut asked = Vec::new();
        let mut steps: Vec<Step> = Vec::new();
        let res = try_sources(&route.sources, Op::Info, &mut steps, |i, src, _| {
            assert!(std::ptr::eq(src, &route.sources[i]));
            asked.push(i);
            Answer::NotFound("404".into())
        });
        assert_eq!(asked, [0, 1, 2, 3]);
        assert!(res.is_err());
        asked.clear();
        let route = plan("example.com/private/m", "v1.0.0", &settings);
        let _ = try_sources(&route.sources, Op::Info, &mut steps, |i, src, _| {
            assert!(std::ptr::eq(src, &route.sources[i]));
            asked.push(i);
            Answer::Ok
        });
        let direct = route
            .sources
            .iter()
            .position(|s| s.kind == SourceKind::Direct && !s.skipped);
        assert!(direct.is_some() && route.sources.iter().any(|s| s.skipped));
        assert_eq!(asked, [direct.unwrap_or(usize::MAX)], "{:?}", route.sources);
    }
}
