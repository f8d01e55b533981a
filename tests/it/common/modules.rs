//! Small, valid Go modules built in memory, in the exact shapes a Go module proxy serves
//! (`.info`, `.mod`, `.zip` with entries under `module@version/`), plus go's case-encoding of
//! module paths and versions for URLs.

use std::io::{Cursor, Write};

/// One version of one Go module.
///
/// ```ignore
/// let m = Module::new("example.com/Azure/sdk", "v1.2.0")
///     .file("sdk.go", "package sdk\n\nconst Name = \"sdk\"\n");
/// assert_eq!(m.escaped_path(), "example.com/!azure/sdk");
/// let zip_bytes = m.zip();
/// ```
///
/// By default it has a `go.mod` (`module PATH` + `go 1.16`) and one Go file `doc.go` declaring a
/// package named after the last path element; [`Module::file`] adds more files.
#[derive(Debug, Clone)]
pub struct Module {
    /// The module path as written in go.mod, e.g. `example.com/Azure/sdk`.
    pub path: String,
    /// The version, e.g. `v1.0.0`.
    pub version: String,
    /// RFC 3339 commit time for `.info`.
    pub time: String,
    /// go.mod text (served as `.mod` and put in the zip).
    pub go_mod: String,
    /// Files of the zip besides go.mod, relative to the module root.
    pub files: Vec<(String, Vec<u8>)>,
    /// Bytes served as `.zip` instead of the real archive (see [`Module::with_zip_bytes`]).
    pub zip_override: Option<Vec<u8>>,
}

impl Module {
    /// A module with a default go.mod and a `doc.go`.
    pub fn new(path: &str, version: &str) -> Self {
        let pkg = package_name(path);
        Module {
            path: path.to_string(),
            version: version.to_string(),
            time: "2024-01-02T03:04:05Z".to_string(),
            go_mod: format!("module {path}\n\ngo 1.16\n"),
            files: vec![(
                "doc.go".to_string(),
                format!("// Package {pkg} is a test module.\npackage {pkg}\n").into_bytes(),
            )],
            zip_override: None,
        }
    }

    /// Add (or replace) a file in the module zip, e.g. `.file("hello.go", "package hello\n")`.
    pub fn file(mut self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files.retain(|(n, _)| n != name);
        self.files
            .push((name.to_string(), contents.as_ref().to_vec()));
        self
    }

    /// Replace the go.mod text.
    pub fn with_go_mod(mut self, text: &str) -> Self {
        self.go_mod = text.to_string();
        self
    }

    /// Serve these bytes as the `.zip` (a corrupt or truncated archive, a zip of another
    /// module) to provoke go's verification errors.
    pub fn with_zip_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.zip_override = Some(bytes.into());
        self
    }

    /// `module@version`, e.g. for `go mod download` arguments.
    pub fn spec(&self) -> String {
        format!("{}@{}", self.path, self.version)
    }

    /// The `.info` body: `{"Version":"v1.0.0","Time":"…"}`.
    pub fn info(&self) -> String {
        serde_json::json!({ "Version": self.version, "Time": self.time }).to_string()
    }

    /// The `.mod` body.
    pub fn mod_file(&self) -> String {
        self.go_mod.clone()
    }

    /// The `.zip` body: go.mod and the files under `PATH@VERSION/` (the unescaped path, as go
    /// requires), stored uncompressed; or the bytes given to [`Module::with_zip_bytes`].
    pub fn zip(&self) -> Vec<u8> {
        if let Some(bytes) = &self.zip_override {
            return bytes.clone();
        }
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let prefix = format!("{}@{}/", self.path, self.version);
        let go_mod = std::iter::once(("go.mod", self.go_mod.as_bytes()));
        let files = self
            .files
            .iter()
            .filter(|(n, _)| n != "go.mod")
            .map(|(n, b)| (n.as_str(), b.as_slice()));
        for (name, body) in go_mod.chain(files) {
            w.start_file(format!("{prefix}{name}"), opts)
                .expect("zip entry");
            w.write_all(body).expect("zip write");
        }
        w.finish().expect("finish zip").into_inner()
    }

    /// The path as it appears in proxy URLs (`Azure` → `!azure`).
    pub fn escaped_path(&self) -> String {
        escape(&self.path)
    }

    /// The version as it appears in proxy URLs.
    pub fn escaped_version(&self) -> String {
        escape(&self.version)
    }

    /// The URL path of one proxy file of this module, e.g. `ext = "info"` →
    /// `/example.com/!azure/sdk/@v/v1.2.0.info` (relative to the proxy's base URL).
    pub fn url_path(&self, ext: &str) -> String {
        format!(
            "/{}/@v/{}.{ext}",
            self.escaped_path(),
            self.escaped_version()
        )
    }
}

/// Go's case-encoding for module paths and versions in URLs and cache paths: every upper-case
/// ASCII letter becomes `!` + its lower-case form (`github.com/Azure/x` →
/// `github.com/!azure/x`). Mirrors `golang.org/x/mod/module.EscapePath`.
pub fn escape(s: &str) -> String {
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

/// The inverse of [`escape`]; `None` for an invalid encoding (`!` not followed by a lower-case
/// letter, or an upper-case letter present).
pub fn unescape(s: &str) -> Option<String> {
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

/// A Go package name derived from the last path element (`example.com/Azure/sdk-go/v2` → `sdk_go`).
fn package_name(path: &str) -> String {
    let mut elems = path.rsplit('/');
    let mut last = elems.next().unwrap_or("m");
    if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        last = elems.next().unwrap_or("m");
    }
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("m{name}")
    }
}

/// Compare two semantic versions the way go orders `@v/list` (numeric major.minor.patch,
/// a pre-release sorts before its release). Good enough for test modules.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(v: &str) -> (Vec<u64>, Option<&str>) {
        let v = v.trim_start_matches('v');
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (v, None),
        };
        (
            core.split('.').map(|n| n.parse().unwrap_or(0)).collect(),
            pre,
        )
    }
    let (ca, pa) = parts(a);
    let (cb, pb) = parts(b);
    ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    })
}
