//! Making a command's human output stable enough for a snapshot: the test user's temp paths,
//! go's version and GOROOT, loopback ports, pids and measured figures (sizes, durations) become
//! placeholders, so a snapshot holds the words and layout and nothing of the machine.

use super::GoUser;

/// `text` with everything machine- or run-specific replaced: `[ROOT]`, `[GOVERSION]`,
/// `[GOROOT]`, `127.0.0.1:[PORT]`, `pid [PID]`, and `[N]` for a number before a unit.
pub fn stable(user: &GoUser, text: &str) -> String {
    let root = user.root().display().to_string();
    let go_version = user.go_env("GOVERSION");
    let goroot = user.go_env("GOROOT");
    let text = text
        .replace(&root, "[ROOT]")
        .replace(&go_version, "[GOVERSION]")
        .replace(&goroot, "[GOROOT]");
    let text = replace_digits_after(&text, "127.0.0.1:", "[PORT]");
    let text = replace_digits_after(&text, "pid ", "[PID]");
    // "61.2 GiB free", "in 3 ms": numbers before a unit vary.
    let units = [
        "B", "KiB", "MiB", "GiB", "TiB", "ms", "s", "file", "files", "version", "versions",
    ];
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = words
            .get(i + 1)
            .map(|n| n.trim_end_matches([',', ')', ';', '.', '\n']));
        let number = w.trim_start_matches('(');
        let numeric = !number.is_empty()
            && number
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
        if numeric
            && next.is_some_and(|n| {
                units.contains(&n) || units.iter().any(|u| n.starts_with(&format!("{u}\n")))
            })
        {
            out.push(format!("{}[N]", &w[..w.len() - number.len()]));
        } else {
            out.push((*w).to_string());
        }
    }
    out.join(" ")
}

/// Every run of digits right after `marker` replaced by `with`.
fn replace_digits_after(text: &str, marker: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let after = at + marker.len();
        out.push_str(&rest[..after]);
        let digits = rest[after..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - after);
        if digits > 0 {
            out.push_str(with);
        }
        rest = &rest[after + digits..];
    }
    out.push_str(rest);
    out
}
