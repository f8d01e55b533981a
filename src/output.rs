//! The one output door: the output policy ([`Output`]: colour, `--json`, [`Detail`], terminal
//! width), status glyphs and colours, terminal escaping, JSON emission and error printing here;
//! text layout in `output/layout.rs`, spinners in `output/spin.rs`, questions in
//! `output/prompt.rs`. Nothing else writes to stdout or stderr or reads an answer.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use colored::{Color, Colorize};
use serde::Serialize;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::finding::Severity;
use crate::redact::redact;

mod layout;
mod prompt;
mod spin;
pub use layout::*;
pub use prompt::{Prompter, show_cursor};
pub use spin::Spinner;

/// How much text output says, resolved once from `-q` and `-v` (clap keeps them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// `-q`: problems only, no progress.
    Quiet,
    Normal,
    /// `-v`: every check, timings, what was consulted.
    Verbose,
}

impl Detail {
    pub fn quiet(self) -> bool {
        self == Detail::Quiet
    }

    pub fn verbose(self) -> bool {
        self == Detail::Verbose
    }
}

/// Resolved output policy, decided once from the flags and the environment.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub color: bool,
    /// How much text output says (`-q`, default, `-v`).
    pub detail: Detail,
    /// Columns to wrap text at ([`term_width`], resolved once).
    pub width: usize,
    /// stderr is a terminal: spinners and progress may be drawn there.
    pub stderr_tty: bool,
    /// stdout is a terminal (and not --json): pictures such as latency bars may be drawn;
    /// a pipe or a file gets plain text.
    pub stdout_tty: bool,
    /// stdin and stdout are terminals: prompts may be shown.
    pub interactive: bool,
}

impl Output {
    /// `auto` colours when stdout is a terminal and NO_COLOR is unset or empty; `--json` never
    /// colours.
    pub fn resolve(global: &GlobalArgs, no_color: Option<&str>) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let color = !global.json
            && match global.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => stdout_tty && no_color.is_none_or(str::is_empty),
            };
        colored::control::set_override(color);
        Output {
            json: global.json,
            color,
            detail: if global.quiet {
                Detail::Quiet
            } else if global.verbose > 0 {
                Detail::Verbose
            } else {
                Detail::Normal
            },
            width: term_width(),
            stderr_tty: std::io::stderr().is_terminal(),
            stdout_tty: stdout_tty && !global.json,
            interactive: std::io::stdin().is_terminal() && stdout_tty,
        }
    }

    /// A plain policy for unit tests: no colour, no terminal.
    pub fn plain() -> Self {
        Output {
            json: false,
            color: false,
            detail: Detail::Normal,
            width: 80,
            stderr_tty: false,
            stdout_tty: false,
            interactive: false,
        }
    }
}

/// The mark for a severity or status: ✓ ok, ! warning, ✗ error, • info.
pub fn glyph(status: Severity) -> String {
    let (g, c) = match status {
        Severity::Ok => ("✓", Color::Green),
        Severity::Warn => ("!", Color::Yellow),
        Severity::Error => ("✗", Color::Red),
        Severity::Info => ("•", Color::Cyan),
        Severity::Skip => ("-", Color::BrightBlack),
    };
    g.color(c).bold().to_string()
}

/// Colour a piece of text as a heading.
pub fn heading(text: &str) -> String {
    text.bold().to_string()
}

/// Colour a piece of text as secondary (sources, paths, timings).
pub fn dim(text: &str) -> String {
    text.dimmed().to_string()
}

/// Colour a piece of text in the colour of a status.
pub fn paint(text: &str, status: Severity) -> String {
    match status {
        Severity::Ok => text.green().to_string(),
        Severity::Warn => text.yellow().to_string(),
        Severity::Error => text.red().to_string(),
        Severity::Info => text.cyan().to_string(),
        Severity::Skip => text.dimmed().to_string(),
    }
}

/// Make text safe for a terminal: every control character except newline and tab, and every
/// bidirectional-override character, is written as a visible escape (`\x1b`, `\u{202e}`), so a
/// go env value cannot retitle the window, clear the screen or reorder what is shown. Colour
/// sequences this module made (`ESC[…m`) pass while colour is on; with colour off there are
/// none, so every ESC is escaped.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    sanitize_with(text, colored::control::SHOULD_COLORIZE.should_colorize())
}

fn sanitize_with(text: &str, allow_sgr: bool) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' && allow_sgr {
            if let Some(len) = sgr_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if needs_escape(c) {
            let n = u32::from(c);
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:04x}}}"));
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// Control characters (C0 but newline and tab, DEL, C1) and the bidi controls that reorder
/// text (U+061C, U+200E/F, U+202A–E, U+2066–9).
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Length of a complete SGR sequence (`ESC [ digits/semicolons m`) at the start of `text`.
fn sgr_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\u{1b}[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// Everything text output passes through: redaction, then terminal escaping.
fn clean(text: &str) -> String {
    sanitize(&redact(text)).into_owned()
}

/// Write text to stdout (a trailing newline is added). Secrets are redacted and control
/// characters escaped on the way out.
pub fn println(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", clean(text))
}

/// Write a block of text to stdout as is (already redacted by its builder), plus a newline.
pub fn print_block(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(clean(text).as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Write a status line to stderr (progress, notes); never mixes with JSON on stdout.
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", clean(text));
}

/// Emit `value` as pretty JSON on stdout. Strings are redacted after serialisation so no secret
/// can slip through a field someone forgot.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", crate::redact::json(&text))?;
    Ok(())
}

/// Print an error chain once, as `error: …` plus `help: …` lines, to stderr.
pub fn print_error(output: &Output, err: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let label = if output.color {
        "error:".red().bold().to_string()
    } else {
        "error:".to_string()
    };
    let _ = writeln!(stderr, "{label} {}", clean(&format!("{err:#}")));
    for cause in err.chain() {
        if let Some(h) = cause.downcast_ref::<crate::HintedError>() {
            let help = if output.color {
                "help:".cyan().bold().to_string()
            } else {
                "help:".to_string()
            };
            let _ = writeln!(stderr, "{help} {}", clean(&h.hint));
        }
    }
}

/// A write to a closed pipe (`godoctor env | head -1`) is not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Findings as lines, the same in every command: `glyph message`, then `  fix: hint`; infos
/// only at [`Detail::Verbose`]. Empty when nothing is shown.
pub fn findings<'a>(
    findings: impl IntoIterator<Item = &'a crate::finding::Finding>,
    detail: Detail,
) -> String {
    let mut text = String::new();
    for f in findings
        .into_iter()
        .filter(|f| detail.verbose() || f.severity > Severity::Info)
    {
        text.push_str(&format!("{} {}\n", glyph(f.severity), f.message));
        if let Some(h) = &f.hint {
            text.push_str(&format!("  {} {h}\n", dim("fix:")));
        }
    }
    text
}

/// A program text godoctor generated itself (a shell completion script) to stdout, byte for
/// byte: redaction would read words like `GOAUTH= GOTOOLCHAIN=` as a secret and break the
/// script, and it holds no value of the user's.
pub fn print_script(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Pass a child's output through unchanged (`explain -- go …`): its stderr to our stderr, its
/// stdout to our stdout, or to stderr when `--json` owns stdout.
pub fn passthrough(bytes: &[u8], to_stderr: bool) {
    let _ = if to_stderr {
        let mut err = std::io::stderr().lock();
        err.write_all(bytes).and_then(|()| err.flush())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).and_then(|()| out.flush())
    };
}

/// Text shown by a prompt or a spinner, which dialoguer and indicatif draw themselves: secrets
/// masked and control characters escaped, as for every printed line.
pub fn prompt_text(text: &str) -> String {
    clean(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_and_spinners_show_no_secret_and_no_control_character() {
        let shown = prompt_text("Use https://u:s3cr3t@127.0.0.1:1/ \u{1b}]0;title\u{7}?");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
    }

    /// Issue 13 item 5: these reached the terminal raw.
    #[test]
    fn control_and_bidi_characters_are_escaped() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\u{202e}d\re\u{9b}f";
        for sgr in [false, true] {
            let s = sanitize_with(hostile, sgr);
            assert!(!s.chars().any(needs_escape), "{s:?}");
            assert_eq!(s, "a\\x1b]0;pwned\\x07b\\x1b[2Jc\\u{202e}d\\x0de\\u{009b}f");
        }
        assert_eq!(sanitize_with("x\n\ty", false), "x\n\ty");
    }

    #[test]
    fn own_colours_pass_only_while_colour_is_on() {
        let red = "\u{1b}[1;31mred\u{1b}[0m";
        assert_eq!(sanitize_with(red, true), red);
        assert_eq!(sanitize_with(red, false), "\\x1b[1;31mred\\x1b[0m");
    }
}
