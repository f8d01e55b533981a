//! `godoctor undo`: restore the settings as they were before godoctor's last write.

use anyhow::Result;

use super::Context;
use crate::Outcome;
use crate::goenv::write;

pub fn run(ctx: &Context) -> Result<Outcome> {
    let go = ctx.locate_go()?;
    let history = ctx.history()?;
    let (snapshot, report) = write::undo(&go, &ctx.env, &history).map_err(super::write::error)?;
    if !ctx.output.json {
        crate::output::note(&format!("undoing: {}", snapshot.action));
    }
    super::write::render(ctx, &report, &[], "restored")
}
