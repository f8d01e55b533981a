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
}
