//! The profile file format (TOML, `version = 1`): text in, a checked [`Profile`] or a
//! [`ProfileError`] naming the file, line and column out. Pure: no I/O.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::template::Template;
use super::{ALLOWED, Origin, Profile, Variable};

/// The only file format version this godoctor reads.
pub const VERSION: i64 = 1;

/// A profile file larger than this is not a profile (they are a few hundred bytes); refusing it
/// keeps a mistaken `profiles/huge.toml` from costing memory and time.
pub const MAX_BYTES: usize = 256 * 1024;

/// The keys allowed at the top level of a profile file, for error messages.
pub const TOP_KEYS: &[&str] = &[
    "version",
    "name",
    "description",
    "aliases",
    "set",
    "unset",
    "variables",
];

/// The keys allowed in a `[variables.NAME]` table.
pub const VARIABLE_KEYS: &[&str] = &["prompt", "example", "default", "check"];

/// Why a profile file was refused. `line`/`column` are 1-based and present when the problem
/// has a place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileError {
    /// The file (a path, or `built-in profile NAME`).
    pub file: String,
    /// The profile name the file would define (its stem), when known.
    pub name: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ProfileError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    version: Option<Spanned<i64>>,
    name: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    set: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    unset: Vec<Spanned<String>>,
    #[serde(default)]
    variables: BTreeMap<Spanned<String>, Spanned<RawVariable>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    prompt: Option<String>,
    example: Option<String>,
    default: Option<String>,
    check: Option<Spanned<String>>,
}

/// Builds errors that point into one file's text.
struct Locator<'a> {
    file: &'a str,
    name: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    fn at(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ProfileError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = line_column(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ProfileError {
            file: self.file.to_string(),
            name: Some(self.name.to_string()),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (clamp(line), clamp(column))
}

/// Whether `name` is a valid profile name: lower-case ASCII letters, digits, `-`, `_`, `.`,
/// starting with a letter or digit (it becomes a file name).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        && name.len() <= 64
}

fn valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check raw bytes before parsing: size, text encoding, emptiness.
pub fn parse_bytes(
    file: &str,
    name: &str,
    bytes: &[u8],
    origin: Origin,
) -> Result<Profile, ProfileError> {
    let loc = Locator {
        file,
        name,
        text: "",
    };
    if bytes.len() > MAX_BYTES {
        return Err(loc.at(
            None,
            format!(
                "is {} bytes, larger than any profile can be ({} KiB at most)",
                bytes.len(),
                MAX_BYTES / 1024
            ),
        ))
        .map_err(|e| {
            with_hint(
                e,
                "a profile is a short TOML file; check that this is the file you meant",
            )
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let text = String::from_utf8_lossy(good);
            let (line, column) = line_column(&text, text.len());
            let mut err = loc.at(
                None,
                format!(
                    "is not UTF-8 text (byte 0x{:02x} at offset {}): a binary file?",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
            );
            err.line = Some(line);
            err.column = Some(column);
            return Err(with_hint(
                err,
                "profiles are TOML text files saved as UTF-8",
            ));
        }
    };
    parse(file, name, text, origin)
}

fn with_hint(mut e: ProfileError, hint: impl Into<String>) -> ProfileError {
    e.hint = Some(hint.into());
    e
}

/// Parse and check profile text. `file` names it in errors; `name` is the name the file
/// defines (its file stem); `origin` says where it came from.
pub fn parse(file: &str, name: &str, text: &str, origin: Origin) -> Result<Profile, ProfileError> {
    let loc = Locator { file, name, text };
    let example_hint = "a profile needs at least `version = 1`, a `description`, and a `[set]` table or an `unset` list; `godoctor profile show official` shows one";
    if text.trim().is_empty() {
        return Err(with_hint(loc.at(None, "is empty"), example_hint));
    }
    if text.contains('\0') {
        let (line, column) = line_column(text, text.find('\0').unwrap_or(0));
        let mut err = loc.at(None, "contains a NUL byte: a binary file?");
        err.line = Some(line);
        err.column = Some(column);
        return Err(with_hint(err, "profiles are TOML text files"));
    }
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let mut message = e.message().trim().to_string();
        if message.starts_with("unknown field") && !message.contains("expected") {
            message.push_str(&format!("; allowed keys: {}", TOP_KEYS.join(", ")));
        }
        loc.at(e.span(), message)
    })?;

    let version = raw.version.ok_or_else(|| {
        with_hint(
            loc.at(None, "has no `version`"),
            format!("add `version = {VERSION}` at the top"),
        )
    })?;
    if *version.get_ref() != VERSION {
        return Err(with_hint(
            loc.at(
                Some(version.span()),
                format!(
                    "version {} is not supported: this godoctor reads version {VERSION}",
                    version.get_ref()
                ),
            ),
            "upgrade godoctor, or write the profile in the version 1 format",
        ));
    }
    if !valid_name(name) {
        return Err(with_hint(
            loc.at(None, format!("`{name}` is not a valid profile name")),
            "name profile files with lower-case letters, digits, `-`, `_` or `.`, e.g. `home-vpn.toml`",
        ));
    }
    if let Some(n) = &raw.name
        && n.get_ref() != name
    {
        return Err(with_hint(
            loc.at(
                Some(n.span()),
                format!(
                    "says `name = \"{}\"`, but the file defines profile `{name}`",
                    n.get_ref()
                ),
            ),
            format!(
                "rename the file to {}.toml, or remove the `name` key",
                n.get_ref()
            ),
        ));
    }
    let description = match raw.description {
        Some(d) if !d.get_ref().trim().is_empty() => d.into_inner().trim().to_string(),
        Some(d) => return Err(loc.at(Some(d.span()), "`description` is empty")),
        None => {
            return Err(with_hint(
                loc.at(None, "has no `description`"),
                "add `description = \"what this profile is for\"`",
            ));
        }
    };
    let mut aliases = Vec::new();
    for a in raw.aliases {
        if !valid_name(a.get_ref()) {
            return Err(loc.at(
                Some(a.span()),
                format!(
                    "alias `{}` is not valid: use lower-case letters, digits, `-`, `_` or `.`",
                    a.get_ref()
                ),
            ));
        }
        if a.get_ref() == name {
            return Err(loc.at(
                Some(a.span()),
                format!("alias `{name}` is the profile's own name"),
            ));
        }
        if aliases.contains(a.get_ref()) {
            return Err(loc.at(
                Some(a.span()),
                format!("alias `{}` is given twice", a.get_ref()),
            ));
        }
        aliases.push(a.into_inner());
    }

    let mut variables = Vec::new();
    for (vname, var) in raw.variables {
        let span = vname.span();
        let vname = vname.into_inner();
        if !valid_variable_name(&vname) {
            return Err(loc.at(
                Some(span),
                format!(
                    "variable name `{vname}` is not valid: use lower-case letters, digits and `_`, starting with a letter"
                ),
            ));
        }
        let var_span = var.span();
        let var = var.into_inner();
        let Some(prompt) = var.prompt.filter(|p| !p.trim().is_empty()) else {
            return Err(loc.at(
                Some(var_span),
                format!("variable `{vname}` has no `prompt` (the question asked for its value)"),
            ));
        };
        let check = match var.check {
            Some(c) if ALLOWED.contains(&c.get_ref().as_str()) => Some(c.into_inner()),
            Some(c) => {
                return Err(loc.at(
                    Some(c.span()),
                    format!(
                        "`check = \"{}\"` is not a variable godoctor validates; allowed: {}",
                        c.get_ref(),
                        ALLOWED.join(", ")
                    ),
                ));
            }
            None => None,
        };
        variables.push(Variable {
            name: vname,
            prompt: prompt.trim().to_string(),
            example: var.example,
            default: var.default,
            check,
        });
    }

    let mut set: Vec<(String, Template)> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for (key, value) in raw.set {
        let key_span = key.span();
        let key = key.into_inner();
        if !ALLOWED.contains(&key.as_str()) {
            return Err(with_hint(
                loc.at(
                    Some(key_span),
                    format!(
                        "`{key}` cannot be set by a profile; allowed: {}",
                        ALLOWED.join(", ")
                    ),
                ),
                "variable names are upper case, exactly as go spells them",
            ));
        }
        let value_span = value.span();
        let template = Template::parse(value.get_ref())
            .map_err(|m| loc.at(Some(value_span.clone()), format!("{key}: {m}")))?;
        if template.is_empty() {
            return Err(with_hint(
                loc.at(
                    Some(value_span),
                    format!("{key} is set to an empty value, which hides go's default instead of restoring it"),
                ),
                format!("list it in `unset = [\"{key}\"]` to get go's default back"),
            ));
        }
        for r in template.references() {
            if !variables.iter().any(|v| v.name == r) {
                let declared: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
                return Err(with_hint(
                    loc.at(
                        Some(value_span),
                        format!("{key} uses `${{{r}}}`, but there is no `[variables.{r}]`"),
                    ),
                    if declared.is_empty() {
                        format!(
                            "declare it with a [variables.{r}] table (prompt, example, check); write `$$` for a literal `$`"
                        )
                    } else {
                        format!("declared variables: {}", declared.join(", "))
                    },
                ));
            }
            if !used.contains(&r.to_string()) {
                used.push(r.to_string());
            }
        }
        set.push((key, template));
    }
    let mut unset: Vec<String> = Vec::new();
    for u in raw.unset {
        let span = u.span();
        let u = u.into_inner();
        if !ALLOWED.contains(&u.as_str()) {
            return Err(loc.at(
                Some(span),
                format!(
                    "`{u}` cannot be unset by a profile; allowed: {}",
                    ALLOWED.join(", ")
                ),
            ));
        }
        if set.iter().any(|(k, _)| *k == u) {
            return Err(loc.at(
                Some(span),
                format!("{u} is both in [set] and in `unset`; keep one"),
            ));
        }
        if unset.contains(&u) {
            return Err(loc.at(Some(span), format!("{u} is listed twice in `unset`")));
        }
        unset.push(u);
    }
    if let Some(v) = variables.iter().find(|v| !used.contains(&v.name)) {
        return Err(with_hint(
            loc.at(
                None,
                format!("variable `{}` is declared but no value uses it", v.name),
            ),
            format!(
                "use it as `${{{}}}` in a [set] value, or remove [variables.{}]",
                v.name, v.name
            ),
        ));
    }
    if set.is_empty() && unset.is_empty() {
        return Err(with_hint(
            loc.at(
                None,
                "changes nothing: it has no [set] values and no `unset` list",
            ),
            example_hint,
        ));
    }
    // Show variables in the order go documents them, not alphabetically.
    set.sort_by_key(|(k, _)| ALLOWED.iter().position(|a| a == k));
    unset.sort_by_key(|k| ALLOWED.iter().position(|a| a == k));
    // Ask for variables in the order the values use them (TOML tables have no order).
    let order: Vec<&str> = set.iter().flat_map(|(_, t)| t.references()).collect();
    variables.sort_by_key(|v| order.iter().position(|r| *r == v.name));
    Ok(Profile {
        name: name.to_string(),
        description,
        aliases,
        set,
        unset,
        variables,
        origin,
    })
}

/// The text of a profile file for `profile save` (profiles without variables): a comment
/// header, then TOML that [`parse`] reads back to the same profile (values with `$` are escaped
/// as `$$`).
pub fn stringify(profile: &Profile, header: &str) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        version: i64,
        description: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        aliases: &'a [String],
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        unset: &'a [String],
        #[serde(skip_serializing_if = "Ordered::is_empty")]
        set: Ordered<'a>,
    }
    /// The [set] table in the profile's (go's documentation) order, not alphabetical.
    struct Ordered<'a>(Vec<(&'a str, &'a str)>);
    impl Ordered<'_> {
        fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }
    impl Serialize for Ordered<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
    }
    let out = Out {
        version: VERSION,
        description: &profile.description,
        aliases: &profile.aliases,
        unset: &profile.unset,
        set: Ordered(
            profile
                .set
                .iter()
                .map(|(k, t)| (k.as_str(), t.source()))
                .collect(),
        ),
    };
    let body = toml::to_string(&out).unwrap_or_default();
    let mut text = String::new();
    for line in header.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&body);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Profile, ProfileError> {
        parse("/p/test.toml", "test", text, Origin::Builtin)
    }

    fn err(text: &str) -> ProfileError {
        match p(text) {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(e) => e,
        }
    }

    const GOOD: &str = r#"version = 1
description = "test"
aliases = ["t"]
unset = ["GOSUMDB"]

[set]
GOPROXY = "${proxy},direct"

[variables.proxy]
prompt = "proxy?"
example = "https://p.example"
check = "GOPROXY"
"#;

    #[test]
    fn parses_a_complete_profile() {
        let prof = p(GOOD).expect("parses");
        assert_eq!(prof.name, "test");
        assert_eq!(prof.aliases, vec!["t"]);
        assert_eq!(prof.unset, vec!["GOSUMDB"]);
        assert_eq!(prof.set[0].0, "GOPROXY");
        assert_eq!(prof.variables[0].check.as_deref(), Some("GOPROXY"));
    }

    #[test]
    fn unknown_top_level_key_lists_allowed_keys_with_position() {
        let e = err("version = 1\ndescription = \"x\"\nunsett = [\"GOPROXY\"]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(1)), "{e}");
        assert!(e.message.contains("unsett"), "{e}");
        for k in TOP_KEYS {
            assert!(e.message.contains(k), "{e} lacks {k}");
        }
        assert!(e.to_string().starts_with("/p/test.toml:3:1: "), "{e}");
    }

    #[test]
    fn unknown_variable_key_lists_allowed_keys() {
        let e = err(&GOOD.replace("check = \"GOPROXY\"", "validate = \"GOPROXY\""));
        assert_eq!(e.line, Some(12), "{e}");
        for k in VARIABLE_KEYS {
            assert!(e.message.contains(k), "{e} lacks {k}");
        }
    }

    #[test]
    fn set_of_a_name_outside_the_allowed_set_is_refused() {
        let e = err("version = 1\ndescription = \"x\"\n[set]\nGOPORXY = \"off\"\n");
        assert_eq!((e.line, e.column), (Some(4), Some(1)), "{e}");
        assert!(e.message.contains("GOPROXY, GOSUMDB"), "{e}");
        let e = err("version = 1\ndescription = \"x\"\nunset = [\"PATH\"]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(10)), "{e}");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = err("version = 1\ndescription = \"x\n");
        assert_eq!(e.line, Some(2), "{e}");
        let e = err("version = 1\ndescription = \"x\"\n[set]\nGOPROXY = 3\n");
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn empty_binary_and_huge_inputs_are_refused_clearly() {
        assert!(err("").message.contains("empty"));
        assert!(err(" \n\t\n").message.contains("empty"));
        let e = parse_bytes(
            "/p/b.toml",
            "b",
            b"version = 1\n\xff\xfe\x00",
            Origin::Builtin,
        )
        .expect_err("binary");
        assert!(e.message.contains("not UTF-8"), "{e}");
        assert_eq!(e.line, Some(2));
        let e =
            parse_bytes("/p/b.toml", "b", b"version = 1\x00", Origin::Builtin).expect_err("nul");
        assert!(e.message.contains("NUL"), "{e}");
        let huge = vec![b'#'; MAX_BYTES + 1];
        let e = parse_bytes("/p/h.toml", "h", &huge, Origin::Builtin).expect_err("huge");
        assert!(e.message.contains("larger than"), "{e}");
        assert!(e.to_string().starts_with("/p/h.toml: "), "{e}");
    }

    #[test]
    fn semantic_errors() {
        assert!(
            err("description = \"x\"\nunset = [\"GOPROXY\"]\n")
                .message
                .contains("version")
        );
        assert!(
            err("version = 2\ndescription = \"x\"\nunset = [\"GOPROXY\"]\n")
                .message
                .contains("version 2")
        );
        assert!(
            err("version = 1\nunset = [\"GOPROXY\"]\n")
                .message
                .contains("description")
        );
        assert!(
            err("version = 1\ndescription = \"x\"\n")
                .message
                .contains("changes nothing")
        );
        let e = err(
            "version = 1\ndescription = \"x\"\nunset = [\"GOPROXY\"]\n[set]\nGOPROXY = \"off\"\n",
        );
        assert!(e.message.contains("both"), "{e}");
        let e = err("version = 1\ndescription = \"x\"\n[set]\nGOPROXY = \"${nope}\"\n");
        assert!(e.message.contains("no `[variables.nope]`"), "{e}");
        let e = err("version = 1\ndescription = \"x\"\n[set]\nGOPROXY = \"\"\n");
        assert!(e.message.contains("empty"), "{e}");
        let e = err(&GOOD.replace("${proxy},direct", "direct"));
        assert!(e.message.contains("declared but"), "{e}");
        let e = err("version = 1\nname = \"other\"\ndescription = \"x\"\nunset = [\"GOPROXY\"]\n");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn stringify_round_trips() {
        let prof = p("version = 1\ndescription = \"a \\\"quoted\\\" one\"\nunset = [\"GOSUMDB\"]\n[set]\nGOPROXY = \"https://p.example/$$x,direct\"\nGOFLAGS = \"-mod=mod\"\n").expect("parses");
        let text = stringify(&prof, "saved by a test\nsecond line");
        assert!(
            text.starts_with("# saved by a test\n# second line\n"),
            "{text}"
        );
        let back = p(&text).expect("reads back");
        assert_eq!(back, prof);
    }

    #[test]
    fn readme_example_is_a_valid_profile() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme
            .find("### Profile files")
            .expect("README has the section")..];
        let start = section.find("```toml\n").expect("toml block") + "```toml\n".len();
        let block = &section[start..start + section[start..].find("```").expect("block end")];
        let prof =
            parse("README.md", "office", block, Origin::Builtin).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prof.unset, vec!["GOSUMDB", "GOINSECURE"]);
        assert_eq!(prof.variables.len(), 2);
        let values: BTreeMap<String, String> =
            [("proxy".to_string(), "https://p.example".to_string())].into();
        let filled = crate::profile::plan::fill(&prof, &values).expect("fills");
        let changes = crate::profile::plan::changes(&prof, &filled.values);
        let findings = crate::profile::plan::validate(&prof, &filled.values, &changes);
        assert!(!crate::profile::plan::has_errors(&findings), "{findings:?}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        /// Pieces of profile files, so generated inputs get past the TOML parser often and
        /// reach the checks behind it.
        fn fragment() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("version = 1\n".to_string()),
                Just("description = \"d\"\n".to_string()),
                Just("[set]\n".to_string()),
                Just("[variables.proxy]\n".to_string()),
                Just("prompt = \"p\"\n".to_string()),
                Just("check = \"GOPROXY\"\n".to_string()),
                Just("unset = [\"GOSUMDB\"]\n".to_string()),
                Just("aliases = [\"x\"]\n".to_string()),
                "[A-Z_]{1,12} = \"[ -~]{0,20}\"\n",
                "GOPROXY = \"[$}{a-z,|:/]{0,30}\"\n",
                "[a-z]{1,8} = [0-9]{1,3}\n",
                any::<String>(),
            ]
        }

        fn assert_located(text: &str, result: Result<Profile, ProfileError>) {
            if let Err(e) = result {
                assert!(!e.message.is_empty());
                assert!(e.to_string().starts_with("f.toml"));
                if let Some(line) = e.line {
                    let lines = text.split('\n').count().max(1) as u32;
                    assert!(line >= 1 && line <= lines, "line {line} of {lines}: {e}");
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                assert_located(&text, parse("f.toml", "f", &text, Origin::Builtin));
            }

            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let _ = parse_bytes("f.toml", "f", &bytes, Origin::Builtin);
                assert_located(&text, parse("f.toml", "f", &text, Origin::Builtin));
            }

            #[test]
            fn profile_like_text_never_panics(parts in proptest::collection::vec(fragment(), 0..12)) {
                let text = parts.concat();
                let result = parse("f.toml", "f", &text, Origin::Builtin);
                if let Ok(p) = &result {
                    // Whatever parses also renders, validates and saves without panicking.
                    let values: BTreeMap<String, String> =
                        p.variables.iter().map(|v| (v.name.clone(), "x".to_string())).collect();
                    let changes = crate::profile::plan::changes(p, &values);
                    let _ = crate::profile::plan::validate(p, &values, &changes);
                    let saved = stringify(p, "h");
                    let _ = parse("f.toml", "f", &saved, Origin::Builtin);
                }
                assert_located(&text, result);
            }
        }
    }
}
