//! Module paths and versions as golang.org/x/mod sees them: `module.CheckPath`, semantic
//! versions (`x/mod/semver`), and the case-encoding go uses in proxy URLs and the module cache
//! (`EscapePath`/`EscapeVersion`: `github.com/Azure` → `github.com/!azure`). Error texts are
//! Go's, so `route` can refuse a bad module with the reason go would give.

/// Go's `module.CheckPath`, with its error text (`malformed module path "…": …`).
pub fn check_path(path: &str) -> Result<(), String> {
    check_path_inner(path).map_err(|e| format!("malformed module path {path:?}: {e}"))
}

fn check_path_inner(path: &str) -> Result<(), String> {
    check_path_kind(path, Kind::Module)?;
    let i = path.find('/').unwrap_or(path.len());
    if i == 0 {
        return Err("leading slash".into());
    }
    let first = &path[..i];
    if !first.contains('.') {
        return Err("missing dot in first path element".into());
    }
    if path.starts_with('-') {
        return Err("leading dash in first path element".into());
    }
    if let Some(r) = first
        .chars()
        .find(|&r| !(r == '-' || r == '.' || r.is_ascii_digit() || r.is_ascii_lowercase()))
    {
        return Err(format!(
            "invalid char {} in first path element",
            go_quote_rune(r)
        ));
    }
    if split_path_version(path).is_none() {
        return Err("invalid version".into());
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    File,
}

fn check_path_kind(path: &str, kind: Kind) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".into());
    }
    if path.starts_with('-') && kind != Kind::File {
        return Err("leading dash".into());
    }
    if path.contains("//") {
        return Err("double slash".into());
    }
    if path.ends_with('/') {
        return Err("trailing slash".into());
    }
    for elem in path.split('/') {
        check_elem(elem, kind)?;
    }
    Ok(())
}

const BAD_WINDOWS_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn check_elem(elem: &str, kind: Kind) -> Result<(), String> {
    if elem.is_empty() {
        return Err("empty path element".into());
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(format!("invalid path element {elem:?}"));
    }
    if elem.starts_with('.') && kind == Kind::Module {
        return Err("leading dot in path element".into());
    }
    if elem.ends_with('.') {
        return Err("trailing dot in path element".into());
    }
    for r in elem.chars() {
        let ok = match kind {
            Kind::Module => r.is_ascii_alphanumeric() || matches!(r, '-' | '.' | '_' | '~'),
            Kind::File => {
                r.is_ascii_alphanumeric()
                    || "!#$%&()+,-.=@[]^_{}~ ".contains(r)
                    || (!r.is_ascii() && r.is_alphabetic())
            }
        };
        if !ok {
            return Err(format!("invalid char {}", go_quote_rune(r)));
        }
    }
    let short = elem.split('.').next().unwrap_or(elem);
    if BAD_WINDOWS_NAMES
        .iter()
        .any(|b| b.eq_ignore_ascii_case(short))
    {
        return Err(format!(
            "{short:?} disallowed as path element component on Windows"
        ));
    }
    if kind == Kind::File {
        return Ok(());
    }
    if let Some(t) = short.rfind('~') {
        let suffix = &short[t + 1..];
        if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) {
            return Err("trailing tilde and digits in path element".into());
        }
    }
    Ok(())
}

/// Go's `%q` for a rune: `' '`, `'A'`, `'\t'`.
fn go_quote_rune(r: char) -> String {
    match r {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\t' => "'\\t'".into(),
        '\r' => "'\\r'".into(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

/// The path a go.mod declares in its `module` directive (quoted or not), as modfile reads the
/// first `module` line; `None` when there is none.
pub fn declared_path(gomod: &str) -> Option<String> {
    gomod.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix("module")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let path = rest.trim().trim_matches(|c| c == '"' || c == '`');
        (!path.is_empty()).then(|| path.to_string())
    })
}

/// Go's `module.SplitPathVersion`: `(prefix, pathMajor)`, or `None` when the major-version
/// suffix is invalid (`/v0`, `/v1`, `/v1.2`, `/v05`; gopkg.in paths need `.vN`).
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    let b = path.as_bytes();
    if path.starts_with("gopkg.in/") {
        let mut i = b.len();
        if path.ends_with("-unstable") {
            i -= "-unstable".len();
        }
        while i > 0 && b[i - 1].is_ascii_digit() {
            i -= 1;
        }
        if i <= 1 || b[i - 1] != b'v' || b[i - 2] != b'.' {
            return None;
        }
        let (prefix, major) = (&path[..i - 2], &path[i - 2..]);
        if major.len() <= 2 || (major.as_bytes()[2] == b'0' && major != ".v0") {
            return None;
        }
        return Some((prefix, major));
    }
    let mut i = b.len();
    let mut dot = false;
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        dot |= b[i - 1] == b'.';
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return Some((path, ""));
    }
    let (prefix, major) = (&path[..i - 2], &path[i - 2..]);
    if dot || major.len() <= 2 || major.as_bytes()[2] == b'0' || major == "/v1" {
        return None;
    }
    Some((prefix, major))
}

/// Go's `module.EscapePath`: check the path, then encode each upper-case letter as `!` and
/// its lower-case form (proxy URLs and cache directories are case-insensitive-safe).
pub fn escape_path(path: &str) -> Result<String, String> {
    check_path(path)?;
    Ok(escape_string(path))
}

/// Go's `module.EscapeVersion`.
pub fn escape_version(v: &str) -> Result<String, String> {
    if check_elem(v, Kind::File).is_err() || v.contains('!') {
        return Err(format!("{v}: disallowed version string"));
    }
    if !v.is_ascii() {
        return Err("internal error: inconsistency in EscapePath".into());
    }
    Ok(escape_string(v))
}

/// Case-encode without validating (cache directory names of any text, as go writes them).
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `module.UnescapePath` inverse of [`escape_path`] (for reading cache directory names).
pub fn unescape_string(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut bang = false;
    for c in s.chars() {
        if bang {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            bang = false;
        } else if c == '!' {
            bang = true;
        } else if c.is_ascii_uppercase() {
            return None;
        } else {
            out.push(c);
        }
    }
    (!bang).then_some(out)
}

pub use super::semver::{
    Semver, canonical as canonical_version, is_valid as is_valid_semver, parse as parse_semver,
};

/// Check a module version as typed after `@`: a canonical semver or one of the queries go
/// accepts (`latest`, `upgrade`, `patch`, `none`, a branch or commit is left to go).
/// Returns go's reason when go would reject the version outright.
pub fn check_version(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("empty version".into());
    }
    if v.starts_with('v') && v[1..].starts_with(|c: char| c.is_ascii_digit()) && !is_valid_semver(v)
    {
        // go would try it as a branch or tag name, but a near-semver is almost always a typo.
        return Err(format!(
            "{v:?} is not a valid semantic version (want vMAJOR.MINOR.PATCH, e.g. v1.2.3)"
        ));
    }
    escape_version(v).map(|_| ())
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_module_directive_is_read_like_modfile() {
        assert_eq!(
            declared_path("// c\nmodule example.com/app // x\n\ngo 1.21\n").as_deref(),
            Some("example.com/app")
        );
        assert_eq!(
            declared_path("module \"example.com/q\"\n").as_deref(),
            Some("example.com/q")
        );
        assert_eq!(declared_path("modulex example.com/a\ngo 1.21\n"), None);
        assert_eq!(declared_path("go 1.21\n"), None);
    }
    use super::*;

    #[test]
    fn check_path_like_x_mod() {
        let cases = [
            ("github.com/Azure/azure-sdk-for-go", ""),
            ("gopkg.in/yaml.v3", ""),
            ("x.y/z/v2", ""),
            ("", "empty string"),
            ("-x.y/z", "leading dash"),
            ("x.y//z", "double slash"),
            ("x.y/z/", "trailing slash"),
            ("x.y/.z", "leading dot in path element"),
            ("x.y/z.", "trailing dot in path element"),
            ("x.y/../z", "invalid path element \"..\""),
            ("x.y/a b", "invalid char ' '"),
            ("x.y/a+b", "invalid char '+'"),
            ("github/x", "missing dot in first path element"),
            ("GitHub.com/x", "invalid char 'G' in first path element"),
            ("x_y.com/x", "invalid char '_' in first path element"),
            ("x.y/z/v1", "invalid version"),
            ("x.y/z/v0", "invalid version"),
            ("x.y/z/v2.0", "invalid version"),
            ("gopkg.in/yaml", "invalid version"),
            (
                "x.y/con/z",
                "\"con\" disallowed as path element component on Windows",
            ),
            ("x.y/ab~1", "trailing tilde and digits in path element"),
            ("/x.y", "empty path element"),
        ];
        for (p, want) in cases {
            match check_path(p) {
                Ok(()) => assert!(want.is_empty(), "{p} accepted, want {want}"),
                Err(e) => assert_eq!(e, format!("malformed module path {p:?}: {want}"), "{p}"),
            }
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_path("github.com/Azure/azure-sdk").as_deref(),
            Ok("github.com/!azure/azure-sdk")
        );
        assert_eq!(
            escape_path("github.com/BurntSushi/toml").as_deref(),
            Ok("github.com/!burnt!sushi/toml")
        );
        assert_eq!(escape_version("v1.0.0-RC1").as_deref(), Ok("v1.0.0-!r!c1"));
        assert!(escape_version("v1!").is_err());
        assert!(escape_path("x.y/a b").is_err());
        assert_eq!(
            unescape_string("github.com/!burnt!sushi").as_deref(),
            Some("github.com/BurntSushi")
        );
        assert_eq!(unescape_string("github.com/Burnt"), None);
        assert_eq!(unescape_string("x!"), None);
    }

    #[test]
    fn semver_like_x_mod() {
        let valid = [
            "v1",
            "v1.2",
            "v1.2.3",
            "v1.2.3-pre",
            "v1.2.3-pre.1+meta",
            "v0.0.0-20200101000000-abcdefabcdef",
            "v1.2.3+incompatible",
        ];
        for v in valid {
            assert!(is_valid_semver(v), "{v}");
        }
        let invalid = [
            "",
            "1.2.3",
            "v01.2.3",
            "v1.02.3",
            "v1.2.3-01",
            "v1.2.3-",
            "v1.2.3+",
            "v1.2.3-a..b",
            "v1.2.3.4",
            "vx",
            "v1.2.3-é",
        ];
        for v in invalid {
            assert!(!is_valid_semver(v), "{v}");
        }
        assert_eq!(canonical_version("v1").as_deref(), Some("v1.0.0"));
        assert_eq!(canonical_version("v1.2").as_deref(), Some("v1.2.0"));
        assert_eq!(canonical_version("v1.2.3+meta").as_deref(), Some("v1.2.3"));
        assert!(check_version("v1.2.3").is_ok());
        assert!(check_version("latest").is_ok());
        assert!(check_version("v1.2.3.4").is_err());
    }
}
