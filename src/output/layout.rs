//! How text is laid out on a terminal: widths in display columns (ANSI sequences count 0, CJK
//! characters 2), tables, wrapping, truncation, latency bars, counts and durations. Pure
//! functions of text; nothing here prints.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(&[
            vec!["a".into(), "bb".into()],
            vec!["ccc".into(), "d".into()],
        ]);
        assert_eq!(t, "a    bb\nccc  d\n");
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
