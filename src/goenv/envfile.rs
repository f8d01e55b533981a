//! Parsing Go's env files (the user's GOENV file and `$GOROOT/go.env`) exactly as cmd/go reads
//! them: `KEY=VALUE` lines whose first byte is an upper-case ASCII letter; nothing is trimmed.

/// One `KEY=VALUE` line that go reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvLine {
    /// 1-based line number.
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// An env file as go sees it, plus the lines go silently skips (for diagnosis).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub entries: Vec<EnvLine>,
    /// Non-blank, non-comment lines that go ignores: (line number, text).
    pub ignored: Vec<(usize, String)>,
}

impl EnvFile {
    /// The entry go uses from the user's file: the last one wins (later lines overwrite).
    pub fn last(&self, key: &str) -> Option<&EnvLine> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The entry go uses from `$GOROOT/go.env`: the first one wins, because cmd/go skips keys it
    /// has already loaded when reading that file.
    pub fn first(&self, key: &str) -> Option<&EnvLine> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Keys that appear more than once.
    pub fn duplicates(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeMap::new();
        for e in &self.entries {
            *seen.entry(e.key.as_str()).or_insert(0) += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k)
            .collect()
    }
}

/// Parse env file text the way cmd/go's `readEnvFile` does.
pub fn parse(text: &str) -> EnvFile {
    let mut file = EnvFile::default();
    for (i, line) in text.split('\n').enumerate() {
        let number = i + 1;
        let Some(eq) = line.find('=') else {
            if !line.trim().is_empty() && !line.starts_with('#') {
                file.ignored.push((number, line.to_string()));
            }
            continue;
        };
        if !line.as_bytes()[0].is_ascii_uppercase() {
            if !line.starts_with('#') {
                file.ignored.push((number, line.to_string()));
            }
            continue;
        }
        file.entries.push(EnvLine {
            line: number,
            key: line[..eq].to_string(),
            value: line[eq + 1..].to_string(),
        });
    }
    file
}

/// What a go env file means to go, from its raw bytes, plus the lines `go env -w` never
/// touches: the yardstick for checking a whole file after a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// Every variable go reads, with the value that wins (the last line), byte-exact.
    pub values: std::collections::BTreeMap<Vec<u8>, Vec<u8>>,
    /// The lines cmd/go's `updateEnvFile` keeps as they are (comments, blank lines, lines
    /// without `=`), in order, without their newline.
    pub kept: Vec<Vec<u8>>,
}

impl Shape {
    /// The shape `go env -w`/`-u` must leave: these values set (`Some`) or removed (`None`),
    /// everything else as it was.
    pub fn with_changes<'a>(
        &self,
        changes: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Shape {
        let mut out = self.clone();
        for (name, value) in changes {
            match value {
                Some(v) => out
                    .values
                    .insert(name.as_bytes().to_vec(), v.as_bytes().to_vec()),
                None => out.values.remove(name.as_bytes()),
            };
        }
        out
    }
}

/// The [`Shape`] of env file bytes (`None`, a missing file, is the empty shape). Values are read
/// like cmd/go's `readEnvFile`; kept lines are those cmd/go's `lineToKey` gives no key (no `=`,
/// or a `#` before it), which `go env -w` never removes or reorders.
pub fn shape(bytes: Option<&[u8]>) -> Shape {
    let mut out = Shape::default();
    let Some(bytes) = bytes else { return out };
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // go adds a missing final newline; the empty piece after a final newline is no line.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for line in lines {
        let eq = line.iter().position(|b| *b == b'=');
        if eq.is_none_or(|i| line[..i].contains(&b'#')) {
            out.kept.push(line.to_vec());
        }
        if let Some(i) = eq {
            if line[0].is_ascii_uppercase() {
                out.values
                    .insert(line[..i].to_vec(), line[i + 1..].to_vec());
            }
        }
    }
    out
}

/// Name what differs between the shape a file should have and the shape it has, for messages
/// (names only: values may hold credentials).
pub fn describe_difference(want: &Shape, got: &Shape) -> String {
    let mut names: Vec<String> = want
        .values
        .iter()
        .filter(|(k, v)| got.values.get(*k) != Some(*v))
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect();
    names.extend(
        got.values
            .keys()
            .filter(|k| !want.values.contains_key(*k))
            .map(|k| String::from_utf8_lossy(k).into_owned()),
    );
    let mut parts = Vec::new();
    if !names.is_empty() {
        parts.push(format!("{} differ", names.join(", ")));
    }
    if want.kept != got.kept {
        parts.push(format!(
            "{} comment or other line(s) became {}",
            want.kept.len(),
            got.kept.len()
        ));
    }
    if parts.is_empty() {
        "nothing differs".to_string()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_values_and_skips_comments() {
        let f = parse("# comment\nGOPROXY=https://a,direct\n\nGOSUMDB=off\n");
        assert_eq!(f.entries.len(), 2);
        assert_eq!(
            f.last("GOPROXY").map(|e| e.value.as_str()),
            Some("https://a,direct")
        );
        assert_eq!(f.last("GOSUMDB").map(|e| e.line), Some(4));
        assert!(f.ignored.is_empty());
    }

    #[test]
    fn last_wins_for_user_file_first_for_goroot() {
        let f = parse("GOPROXY=a\nGOPROXY=b\n");
        assert_eq!(f.last("GOPROXY").map(|e| e.value.as_str()), Some("b"));
        assert_eq!(f.first("GOPROXY").map(|e| e.value.as_str()), Some("a"));
        assert_eq!(f.duplicates(), vec!["GOPROXY"]);
    }

    #[test]
    fn nothing_is_trimmed() {
        let f = parse("GOSUMDB = x\nGONOSUMDB=foo\r\n");
        assert_eq!(f.entries[0].key, "GOSUMDB ");
        assert_eq!(f.entries[1].value, "foo\r");
    }

    #[test]
    fn lines_go_ignores_are_reported() {
        let f = parse("export GOPROXY=x\ngoproxy=y\nGARBAGE\n");
        assert!(f.entries.is_empty());
        assert_eq!(f.ignored.len(), 3);
    }

    #[test]
    fn empty_value_is_an_entry() {
        let f = parse("GOPROXY=\n");
        assert_eq!(f.last("GOPROXY").map(|e| e.value.as_str()), Some(""));
    }

    #[test]
    fn shape_is_byte_exact_and_keeps_comments() {
        let s = shape(Some(
            b"# c\nGOPRIVATE=a\xffb\r\nGOPRIVATE=z\n\nx=1\nA#b=2\n",
        ));
        assert_eq!(
            s.values.get(b"GOPRIVATE".as_slice()).map(Vec::as_slice),
            Some(b"z".as_slice())
        );
        assert_eq!(
            s.kept,
            vec![b"# c".to_vec(), b"".to_vec(), b"A#b=2".to_vec()]
        );
        assert_eq!(shape(None), Shape::default());
        let crlf = shape(Some(b"GOFLAGS=-mod=mod\r\n"));
        assert_eq!(
            crlf.values.get(b"GOFLAGS".as_slice()).map(Vec::as_slice),
            Some(b"-mod=mod\r".as_slice())
        );
    }

    #[test]
    fn a_truncated_file_differs_from_the_expected_shape() {
        let before = shape(Some(b"# keep\nGOFLAGS=-mod=mod\nGOPROXY=off\n"));
        let want = before.with_changes([("GOPRIVATE", Some("x.example"))]);
        let full = shape(Some(
            b"# keep\nGOFLAGS=-mod=mod\nGOPRIVATE=x.example\nGOPROXY=off",
        ));
        assert_eq!(full, want);
        let cut = shape(Some(b"# keep\nGOFLAGS=-mod=mod\nGOPRIVATE=x.ex"));
        assert_ne!(cut, want);
        assert_eq!(
            describe_difference(&want, &cut),
            "GOPRIVATE, GOPROXY differ"
        );
        let unset = before.with_changes([("GOPROXY", None)]);
        assert_eq!(unset, shape(Some(b"# keep\nGOFLAGS=-mod=mod\n")));
    }
}
