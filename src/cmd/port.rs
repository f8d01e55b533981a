//! `godoctor port PORT` (who holds a TCP port) and `godoctor port --free [--range A-B]`.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::cli::PortArgs;
use crate::output::{self, Status};
use crate::ports::{self, PortOwner};

#[derive(Serialize)]
struct PortReport {
    port: u16,
    in_use: bool,
    sockets: Vec<PortOwner>,
}

pub fn run(args: &PortArgs, ctx: &Context) -> Result<Outcome> {
    if args.free {
        return free(args, ctx);
    }
    let Some(port) = args.port else {
        return Err(crate::hinted(
            "no port given",
            "run `godoctor port PORT` or `godoctor port --free`",
        ));
    };
    let sockets = ports::owner_of(port);
    let in_use = !sockets.is_empty() || !ports::is_free(port);
    let report = PortReport {
        port,
        in_use,
        sockets,
    };
    if ctx.output.json {
        output::print_json(&report)?;
        return Ok(Outcome::Clean);
    }
    if !report.in_use {
        output::println(&format!(
            "{} port {port} is free (nothing bound on IPv4 or IPv6)",
            output::glyph(Status::Ok)
        ))?;
        return Ok(Outcome::Clean);
    }
    if report.sockets.is_empty() {
        output::println(&format!(
            "{} port {port} is in use, but its owner is not visible here (another network namespace or container?)",
            output::glyph(Status::Warn)
        ))?;
        return Ok(Outcome::Clean);
    }
    let mut rows = vec![
        ["PROTO", "ADDRESS", "STATE", "PID", "PROCESS", "USER"]
            .map(output::heading)
            .to_vec(),
    ];
    for s in &report.sockets {
        rows.push(vec![
            s.proto.to_string(),
            format!(
                "{}:{}",
                if s.address.contains(':') {
                    format!("[{}]", s.address)
                } else {
                    s.address.clone()
                },
                s.port
            ),
            s.state.to_string(),
            s.pid.map_or_else(|| "?".into(), |p| p.to_string()),
            s.process.clone().unwrap_or_else(|| "?".into()),
            s.user.clone().unwrap_or_else(|| s.uid.to_string()),
        ]);
    }
    let mut text = output::table(&rows);
    if report.sockets.iter().any(|s| s.pid.is_none()) {
        text.push_str(&output::dim(
            "? = a process of another user: run as that user or root to see it\n",
        ));
    }
    output::print_block(&text)?;
    Ok(Outcome::Clean)
}

fn free(args: &PortArgs, ctx: &Context) -> Result<Outcome> {
    let range = match &args.range {
        Some(r) => Some(
            ports::parse_range(r)
                .map_err(|e| crate::hinted(e, "write the range as A-B, e.g. --range 3000-3999"))?,
        ),
        None => None,
    };
    let shown = range.clone().unwrap_or_else(ports::ephemeral_range);
    match ports::free_port(range) {
        Some(port) => {
            if ctx.output.json {
                output::print_json(&serde_json::json!({ "port": port }))?;
            } else {
                output::println(&port.to_string())?;
            }
            Ok(Outcome::Clean)
        }
        None => {
            if ctx.output.json {
                output::print_json(&serde_json::json!({ "port": null }))?;
            }
            output::note(&format!(
                "{} no free port in {}-{}: every port there is bound",
                output::glyph(Status::Error),
                shown.start(),
                shown.end()
            ));
            Ok(Outcome::Problems)
        }
    }
}
