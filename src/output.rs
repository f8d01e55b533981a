//! How output looks: colour policy, status glyphs, tables, wrapping, JSON emission, error
//! printing, spinners, and (in [`prompt`]) questions on the terminal. This is the only module
//! that writes to stdout or stderr or reads an answer.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use colored::{Color, Colorize};
use serde::Serialize;

use crate::cli::{ColorChoice, GlobalArgs};

mod prompt;
use crate::finding::Severity;
use crate::redact::redact;
pub use prompt::{Prompter, show_cursor};

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

/// How many columns a latency bar takes at most.
pub const BAR_WIDTH: usize = 24;

/// A latency bar on a scale shared by every row (`scale` ms fill [`BAR_WIDTH`] columns):
/// `█` up to the fastest sample (`min`), `▒` from there to the median, so rows compare at a
/// glance and a wide spread shows. Every row gets at least one column.
pub fn latency_bar(min: f64, median: f64, scale: f64) -> String {
    if scale.is_nan() || scale <= 0.0 || !median.is_finite() {
        return String::new();
    }
    let cols = |ms: f64| {
        ((ms / scale) * BAR_WIDTH as f64)
            .round()
            .clamp(0.0, BAR_WIDTH as f64) as usize
    };
    let total = cols(median).max(1);
    let solid = cols(min.min(median)).clamp(1, total);
    format!("{}{}", "█".repeat(solid), "▒".repeat(total - solid))
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

/// Render rows as left-aligned columns separated by two spaces. Widths ignore ANSI colour codes.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(visible_width(cell));
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - visible_width(cell) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Width of text on a terminal in display columns: ANSI escape sequences count 0, CJK and
/// other wide characters 2.
pub fn visible_width(text: &str) -> usize {
    console::measure_text_width(text)
}

/// `text` cut to at most `cols` display columns (a CJK character takes two), ending in `…`
/// when it was cut.
pub fn truncate(text: &str, cols: usize) -> String {
    if visible_width(text) <= cols {
        return text.to_string();
    }
    let cut = console::truncate_str(text, cols.saturating_sub(1), "");
    format!("{}…", cut.trim_end())
}

/// Milliseconds for humans: one decimal under 10 ms, whole numbers above (`0.8 ms`, `42 ms`).
/// The one formatter of measured times, so every command writes them alike.
pub fn millis(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `3d4h`, `2h5m`, `7m12s`, `40s`: a long span (how long a process has been running).
pub fn span(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m}m")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
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

/// "1 version", "2 versions": a count with the right form of its noun.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The width to wrap text at: the terminal's when stdout is one, else 80 (pipes, files, CI
/// logs). Never below 40 so a tiny window still gets readable lines.
pub fn term_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
        .unwrap_or(80)
        .max(40)
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

    #[test]
    fn no_spinner_and_no_prompt_without_a_terminal() {
        let mut out = Output::plain();
        assert!(out.spinner("working").0.is_none());
        out.stderr_tty = true;
        out.json = true;
        assert!(
            out.spinner("working").0.is_none(),
            "JSON mode draws nothing"
        );
        assert_eq!(out.confirm("go on?", true).expect("no io"), None);
    }

    #[test]
    fn table_aligns_columns() {
        let t = table(&[
            vec!["a".into(), "bb".into()],
            vec!["ccc".into(), "d".into()],
        ]);
        assert_eq!(t, "a    bb\nccc  d\n");
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

    #[test]
    fn latency_bars_share_one_scale() {
        assert_eq!(latency_bar(100.0, 100.0, 100.0), "█".repeat(BAR_WIDTH));
        assert_eq!(
            latency_bar(25.0, 50.0, 100.0),
            format!("{}{}", "█".repeat(6), "▒".repeat(6))
        );
        // A fast row still shows, and a bar never outgrows the scale.
        assert_eq!(latency_bar(0.1, 0.1, 1000.0), "█");
        assert_eq!(visible_width(&latency_bar(10.0, 5000.0, 100.0)), BAR_WIDTH);
        assert_eq!(latency_bar(1.0, 1.0, 0.0), "");
    }

    #[test]
    fn truncate_counts_display_columns() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        let cut = truncate("模块代理不可用请检查网络", 9);
        assert!(visible_width(&cut) <= 9, "{cut}");
        assert!(cut.ends_with('…') && cut.starts_with("模块代理"), "{cut}");
    }

    #[test]
    fn durations() {
        assert_eq!(millis(0.84), "0.8 ms");
        assert_eq!(millis(42.4), "42 ms");
        assert_eq!(span(40), "40s");
        assert_eq!(span(7 * 60 + 12), "7m12s");
        assert_eq!(span(2 * 3600 + 5 * 60), "2h5m");
        assert_eq!(span(3 * 86400 + 4 * 3600), "3d4h");
    }

    #[test]
    fn width_ignores_ansi() {
        assert_eq!(visible_width("\u{1b}[31mred\u{1b}[0m"), 3);
    }
}

/// Word-wrap `text` to `width` display columns, each line prefixed by `indent`. Existing line
/// breaks are kept; a word longer than the width (a URL) stays whole on its own line, except
/// runs of wide (CJK) characters, which break between any two characters as CJK text does.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let room = width.saturating_sub(visible_width(indent)).max(20);
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let flush = |line: &mut String, out: &mut String| {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
            line.clear();
        };
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let wide = visible_width(word) > room
                && word.chars().any(|c| visible_width(&c.to_string()) > 1);
            if wide {
                // Break the wide word character by character onto the current line and on.
                if !line.is_empty() {
                    line.push(' ');
                }
                for ch in word.chars() {
                    if visible_width(&line) + visible_width(&ch.to_string()) > room {
                        flush(&mut line, &mut out);
                    }
                    line.push(ch);
                }
                continue;
            }
            if line.is_empty() || visible_width(&line) + 1 + visible_width(word) <= room {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            flush(&mut line, &mut out);
            line.push_str(word);
        }
        flush(&mut line, &mut out);
    }
    out
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap;

    #[test]
    fn wraps_at_width_with_indent() {
        let w = wrap("aaaa bbbb cccc dddd eeee ffff gggg", 26, "    ");
        for line in w.lines() {
            assert!(line.chars().count() <= 26, "{line:?}");
            assert!(line.starts_with("    "));
        }
        assert_eq!(w.split_whitespace().count(), 7);
    }

    #[test]
    fn cjk_counts_two_columns_and_breaks_between_characters() {
        assert_eq!(super::visible_width("代理"), 4);
        let text = "模块代理不可用，请检查网络连接或者更换一个可以访问的镜像地址然后重新运行命令";
        let w = wrap(text, 30, "  ");
        for line in w.lines() {
            assert!(super::visible_width(line) <= 30, "{line:?}");
        }
        assert_eq!(w.replace(['\n', ' '], ""), text);
        let mixed = wrap(
            "GOPROXY 设置 为 https://goproxy.cn 以后 再 试 一 次 就 可以 了",
            20,
            "",
        );
        for line in mixed.lines() {
            assert!(super::visible_width(line) <= 22, "{line:?}");
        }
    }

    #[test]
    fn long_word_stays_whole() {
        let url = "https://example.invalid/a/very/long/path/that/does/not/fit/anywhere";
        assert!(wrap(url, 30, "").contains(url));
    }
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

/// A spinner line on stderr, the only way a command shows progress. It is drawn only for a
/// person: stderr a terminal, not `--json`, not `-q`; otherwise every call is a no-op, so a
/// build log or a pipe never gets carriage returns. Its text is sanitized and redacted like
/// every other line.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Output {
    /// A spinner showing `message`, ticking on its own until [`Spinner::finish`] or drop.
    pub fn spinner(&self, message: &str) -> Spinner {
        let s = self.spinner_stepped();
        s.set_message(message);
        if let Some(bar) = &s.0 {
            bar.enable_steady_tick(std::time::Duration::from_millis(80));
        }
        s
    }

    /// A spinner that moves only when [`Spinner::tick`] is called (for a loop that polls).
    pub fn spinner_stepped(&self) -> Spinner {
        let drawn = self.stderr_tty && !self.json && !self.detail.quiet();
        Spinner(drawn.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        }))
    }

    /// Run `f` with a spinner showing `message` (drawn only for a person, as [`Output::spinner`]).
    pub fn spin<T>(&self, message: &str, f: impl FnOnce() -> T) -> T {
        let bar = self.spinner(message);
        let out = f();
        bar.finish();
        out
    }
}

impl Spinner {
    /// Replace the text after the spinner.
    pub fn set_message(&self, text: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(prompt_text(text));
        }
    }

    /// Advance a [`Output::spinner_stepped`] spinner by one frame.
    pub fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.tick();
        }
    }

    /// Remove the spinner line.
    pub fn finish(self) {}
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Text shown by a prompt or a spinner, which dialoguer and indicatif draw themselves: secrets
/// masked and control characters escaped, as for every printed line.
pub fn prompt_text(text: &str) -> String {
    clean(text)
}
