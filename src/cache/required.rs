//! What the current module needs from the cache, read from its go.mod and go.sum as cmd/go
//! writes them: versions whose source is needed (require lines, zip hashes in go.sum), versions
//! whose go.mod only is needed (`/go.mod` hashes), and the Go toolchain it asks for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Module versions (as users write them, not case-encoded) the current module needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Required {
    /// The go.mod that was read.
    pub gomod: Option<PathBuf>,
    /// Whole versions needed: source tree and zip.
    pub full: BTreeSet<(String, String)>,
    /// Versions whose go.mod file alone is needed (module graph loading).
    pub mod_only: BTreeSet<(String, String)>,
    /// Go versions of the `go` and `toolchain` lines (`1.22.0`): their downloaded toolchains stay.
    pub go_versions: BTreeSet<String>,
}

impl Required {
    /// How much of `module@version` must stay.
    pub fn need(&self, module: &str, version: &str) -> Need {
        let key = (module.to_string(), version.to_string());
        if self.full.contains(&key) {
            return Need::Full;
        }
        if module == super::layout::TOOLCHAIN_MODULE
            && self
                .go_versions
                .iter()
                .any(|g| version.starts_with(&format!("v0.0.1-go{g}.")))
        {
            return Need::Full;
        }
        if self.mod_only.contains(&key) {
            Need::ModFile
        } else {
            Need::Nothing
        }
    }
}

/// How much of a version the current module needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// Only `.mod` (and `.info`).
    ModFile,
    Full,
}

/// The nearest go.mod at or above `dir`, the way go finds the main module.
pub fn find_gomod(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("go.mod"))
        .find(|p| p.is_file())
}

/// Read go.mod and the go.sum beside it (a missing go.sum is fine: a module without
/// dependencies has none).
pub fn load(gomod: &Path) -> std::io::Result<Required> {
    let text = std::fs::read_to_string(gomod)?;
    let sum = match std::fs::read_to_string(gomod.with_file_name("go.sum")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut r = parse(&text, &sum);
    r.gomod = Some(gomod.to_path_buf());
    Ok(r)
}

/// Parse go.mod and go.sum text.
pub fn parse(gomod: &str, gosum: &str) -> Required {
    let mut r = Required::default();
    let mut block: Option<&str> = None;
    for raw in gomod.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(kind) = block {
            if line == ")" {
                block = None;
            } else {
                directive(&mut r, kind, line);
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        if rest == "(" {
            block = Some(verb);
        } else {
            directive(&mut r, verb, rest);
        }
    }
    for line in gosum.lines() {
        let mut f = line.split_whitespace();
        let (Some(module), Some(version), Some(_hash)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        match version.strip_suffix("/go.mod") {
            Some(v) => r.mod_only.insert((module.to_string(), v.to_string())),
            None => r.full.insert((module.to_string(), version.to_string())),
        };
    }
    let full = r.full.clone();
    r.mod_only.retain(|k| !full.contains(k));
    r
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '`')
}

fn directive(r: &mut Required, verb: &str, args: &str) {
    let words: Vec<&str> = args.split_whitespace().map(unquote).collect();
    match verb {
        "require" => {
            if let [module, version, ..] = words[..] {
                r.full.insert((module.to_string(), version.to_string()));
            }
        }
        // `replace old [v] => new v`: the replacement is what gets downloaded (a local path has
        // no version and needs nothing from the cache).
        "replace" => {
            if let Some(pos) = words.iter().position(|w| *w == "=>")
                && let [module, version] = words[pos + 1..]
            {
                r.full.insert((module.to_string(), version.to_string()));
            }
        }
        "go" | "toolchain" => {
            if let Some(v) = words.first() {
                let v = v.trim_start_matches("go");
                // `go 1.22` means toolchain go1.22.0 since Go 1.21.
                let full = if v.matches('.').count() == 1
                    && !v.contains(|c: char| c.is_ascii_alphabetic())
                {
                    format!("{v}.0")
                } else {
                    v.to_string()
                };
                r.go_versions.insert(full);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOMOD: &str = r#"module example.com/app // the app

go 1.22

toolchain go1.22.3

require example.com/single v1.0.0

require (
	example.com/a v1.2.3
	"example.com/quoted" v0.1.0 // indirect
)

replace example.com/old => example.com/fork v1.5.0

replace example.com/local => ../local
"#;

    const GOSUM: &str = "example.com/a v1.2.3 h1:abc=\n\
example.com/a v1.2.3/go.mod h1:def=\n\
example.com/a v1.1.0/go.mod h1:ghi=\n\
example.com/Upper v0.0.1 h1:x=\n";

    #[test]
    fn go_mod_and_go_sum_give_what_is_needed() {
        let r = parse(GOMOD, GOSUM);
        assert_eq!(r.need("example.com/single", "v1.0.0"), Need::Full);
        assert_eq!(r.need("example.com/a", "v1.2.3"), Need::Full);
        assert_eq!(r.need("example.com/quoted", "v0.1.0"), Need::Full);
        assert_eq!(r.need("example.com/fork", "v1.5.0"), Need::Full);
        assert_eq!(r.need("example.com/Upper", "v0.0.1"), Need::Full);
        assert_eq!(r.need("example.com/a", "v1.1.0"), Need::ModFile);
        assert_eq!(r.need("example.com/a", "v1.0.0"), Need::Nothing);
        assert_eq!(r.need("example.com/local", ""), Need::Nothing);
        assert_eq!(
            r.need("golang.org/toolchain", "v0.0.1-go1.22.3.linux-amd64"),
            Need::Full
        );
        assert_eq!(
            r.need("golang.org/toolchain", "v0.0.1-go1.22.0.linux-amd64"),
            Need::Full
        );
        assert_eq!(
            r.need("golang.org/toolchain", "v0.0.1-go1.21.0.linux-amd64"),
            Need::Nothing
        );
    }

    #[test]
    fn finds_the_nearest_go_mod() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("go.mod"), "module x\n").expect("write");
        std::fs::create_dir_all(t.path().join("a/b")).expect("mkdir");
        assert_eq!(
            find_gomod(&t.path().join("a/b")),
            Some(t.path().join("go.mod"))
        );
        let r = load(&t.path().join("go.mod")).expect("load");
        assert!(r.full.is_empty());
    }
}
