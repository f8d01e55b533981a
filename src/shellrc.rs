//! Where a variable set in the process environment comes from: the line of a shell start-up
//! file (`~/.bashrc`, `~/.profile`, `~/.zshrc`, fish's config, `/etc/environment`,
//! `/etc/profile.d/*`) that sets it. `go env -w`/`-u` cannot change such a value, so a fix for
//! it is an edit of that line. Parsing is pure ([`assignments`]); [`locate`] reads the files.

use std::path::{Path, PathBuf};

/// How a start-up file assigns variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// sh, bash, zsh: `export NAME=value`, `NAME=value`, `declare -x NAME=value`.
    Posix,
    /// fish: `set -gx NAME value`, `set --export NAME value`.
    Fish,
    /// `/etc/environment` (pam_env): `NAME=value` lines, no `export`.
    PamEnv,
}

/// A line that sets a variable, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellLine {
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// The line as written (trimmed).
    pub text: String,
    pub dialect: Dialect,
}

impl ShellLine {
    /// `~/.bashrc:12` (the home directory shortened to `~`).
    pub fn place(&self, home: Option<&Path>) -> String {
        format!("{}:{}", tilde(&self.file, home), self.line)
    }
}

/// `path` with the home directory written as `~`.
pub fn tilde(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

/// The start-up files a login or interactive shell reads, in the order they are read:
/// system-wide ones first, then the user's (HOME-relative, so tests can isolate them).
pub fn candidate_files(home: Option<&Path>, etc: &Path) -> Vec<(PathBuf, Dialect)> {
    let mut files = vec![(etc.join("environment"), Dialect::PamEnv)];
    files.push((etc.join("profile"), Dialect::Posix));
    if let Ok(dir) = std::fs::read_dir(etc.join("profile.d")) {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sh"))
            .collect();
        more.sort();
        files.extend(more.into_iter().map(|p| (p, Dialect::Posix)));
    }
    files.push((etc.join("bash.bashrc"), Dialect::Posix));
    if let Some(home) = home {
        for name in [
            ".profile",
            ".bash_profile",
            ".bash_login",
            ".bashrc",
            ".zshenv",
            ".zprofile",
            ".zshrc",
        ] {
            files.push((home.join(name), Dialect::Posix));
        }
        let fish = home.join(".config/fish");
        files.push((fish.join("config.fish"), Dialect::Fish));
        if let Ok(dir) = std::fs::read_dir(fish.join("conf.d")) {
            let mut more: Vec<PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "fish"))
                .collect();
            more.sort();
            files.extend(more.into_iter().map(|p| (p, Dialect::Fish)));
        }
    }
    files
}

/// The lines of `text` that set `name`, as (1-based line number, trimmed line).
pub fn assignments(text: &str, name: &str, dialect: Dialect) -> Vec<(usize, String)> {
    // Every way of setting `name` names it: most files are never split into words (this ran
    // for each variable set in the environment over every start-up file, on every check).
    if !text.contains(name) {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| sets(l, name, dialect))
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

/// Whether one line sets `name` (comments and other variables do not).
fn sets(line: &str, name: &str, dialect: Dialect) -> bool {
    let line = line.trim();
    if line.starts_with('#') || !line.contains(name) {
        return false;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    match dialect {
        Dialect::PamEnv => assigns(line, name),
        Dialect::Posix => {
            // `export A=1 B=2`, `declare -x A=1`, `typeset -x A`, `A=1`, `A=1; export A`.
            line.split([';', '&']).any(|stmt| {
                let ws: Vec<&str> = stmt.split_whitespace().collect();
                match ws.first() {
                    Some(&"export") | Some(&"declare") | Some(&"typeset") | Some(&"readonly") => {
                        ws[1..].iter().any(|w| assigns(w, name) || *w == name)
                    }
                    Some(first) => assigns(first, name),
                    None => false,
                }
            })
        }
        Dialect::Fish => {
            // `set -gx NAME value…`, `set --export --global NAME …`, `set -Ux NAME …`.
            words.first() == Some(&"set")
                && words.iter().skip(1).find(|w| !w.starts_with('-')) == Some(&name)
                && words.iter().any(|w| {
                    *w == "--export"
                        || (w.starts_with('-') && !w.starts_with("--") && w.contains('x'))
                })
        }
    }
}

/// `NAME=…` (with optional quotes around the value).
fn assigns(word: &str, name: &str) -> bool {
    word.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with('='))
}

/// Read the candidate files (capped, regular files only) and find the lines setting each of
/// `names`.
pub fn locate(home: Option<&Path>, etc: &Path, names: &[&str]) -> Vec<(String, ShellLine)> {
    const CAP: u64 = 1 << 20;
    let mut out = Vec::new();
    for (file, dialect) in candidate_files(home, etc) {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if !meta.is_file() || meta.len() > CAP {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for name in names {
            for (line, text) in assignments(&text, name, dialect) {
                out.push((
                    name.to_string(),
                    ShellLine {
                        file: file.clone(),
                        line,
                        text,
                        dialect,
                    },
                ));
            }
        }
    }
    out
}

/// A `godoctor env set` command for these assignments, quoted for a POSIX shell where needed.
pub fn env_set(pairs: &[(&str, &str)]) -> String {
    let args: Vec<String> = pairs
        .iter()
        .map(|(k, v)| shell_quote(&format!("{k}={v}")))
        .collect();
    format!("godoctor env set {}", args.join(" "))
}

/// A `godoctor env unset` command for these variables.
pub fn env_unset(names: &[&str]) -> String {
    format!("godoctor env unset {}", names.join(" "))
}

/// Split a command line printed by [`env_set`] back into its words: whitespace separates
/// words, except inside single quotes (`'\''` is a quote inside a quoted word, as
/// [`shell_quote`] writes it).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if !quoted => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Quote a word for a POSIX shell when it holds characters the shell would interpret.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | ',' | '@' | '+' | '%')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_assignments_are_found_and_others_are_not() {
        let text = "# export GOSUMDB=off\nexport GOSUMDB=off\nGOSUMDBX=1\nexport PATH=$PATH:/x GOSUMDB='off'\nGOSUMDB=off; export GOSUMDB\necho GOSUMDB=off\ndeclare -x GOSUMDB=\"off\"\n";
        let found: Vec<usize> = assignments(text, "GOSUMDB", Dialect::Posix)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, vec![2, 4, 5, 7]);
    }

    #[test]
    fn fish_and_pam_env() {
        let fish = "set -gx GOPROXY https://goproxy.cn\nset GOPROXY x\nset --export GOPROXY y\n# set -x GOPROXY z\n";
        let found: Vec<usize> = assignments(fish, "GOPROXY", Dialect::Fish)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, vec![1, 3]);
        assert_eq!(
            assignments("PATH=/bin\nGOPROXY=\"off\"\n", "GOPROXY", Dialect::PamEnv),
            vec![(2, "GOPROXY=\"off\"".to_string())]
        );
    }

    #[test]
    fn locate_reads_home_files_and_names_them_with_tilde() {
        let dir = tempfile::tempdir().expect("tmp");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config/fish")).expect("mkdir");
        std::fs::write(home.join(".bashrc"), "alias ll=ls\nexport GOSUMDB=off\n").expect("w");
        std::fs::write(
            home.join(".config/fish/config.fish"),
            "set -gx GOSUMDB off\n",
        )
        .expect("w");
        let etc = dir.path().join("etc");
        let found = locate(Some(&home), &etc, &["GOSUMDB", "GOPROXY"]);
        let places: Vec<String> = found.iter().map(|(_, l)| l.place(Some(&home))).collect();
        assert_eq!(places, vec!["~/.bashrc:2", "~/.config/fish/config.fish:1"]);
    }

    #[test]
    fn commands_are_quoted_only_when_needed() {
        assert_eq!(
            env_set(&[("GOPRIVATE", "git.corp.example")]),
            "godoctor env set GOPRIVATE=git.corp.example"
        );
        assert_eq!(
            env_set(&[("GOPROXY", "http://a|http://b")]),
            "godoctor env set 'GOPROXY=http://a|http://b'"
        );
        assert_eq!(
            env_set(&[("GOPRIVATE", "*.corp")]),
            "godoctor env set 'GOPRIVATE=*.corp'"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(env_unset(&["GOPROXY"]), "godoctor env unset GOPROXY");
        // What env_set quotes, shell_words reads back.
        for value in ["-mod=mod '-ldflags=-s -w'", "it's", "a|b c", "plain"] {
            let line = env_set(&[("GOFLAGS", value)]);
            assert_eq!(
                shell_words(&line),
                ["godoctor", "env", "set", &format!("GOFLAGS={value}")],
                "{line}"
            );
        }
    }
}
