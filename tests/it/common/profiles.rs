//! User profiles in tests: a profile file written into the test user's godoctor home, and
//! `profile list --json` read back as the names it marks (shared by tests/it/profile.rs and
//! tests/it/port.rs, which both build local-proxy profiles).

use std::path::PathBuf;

use super::GoUser;

/// Write `text` as the user profile `name` (`$GODOCTOR_HOME/profiles/NAME.toml`), as a user
/// would; the text may be anything, broken on purpose included.
pub fn write(user: &GoUser, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let dir = user.godoctor_home().join("profiles");
    std::fs::create_dir_all(&dir).expect("mkdir profiles");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write profile");
    path
}

/// A version-1 profile that sets `set` (a local proxy's GOPROXY, say).
pub fn with_set(user: &GoUser, name: &str, description: &str, set: &[(&str, &str)]) -> PathBuf {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut text = format!("version = 1\ndescription = {}\n[set]\n", quote(description));
    for (k, v) in set {
        text.push_str(&format!("{k} = {}\n", quote(v)));
    }
    write(user, name, text)
}

/// The names `godoctor profile list --json` marks with `field` (`active`, `same_settings`),
/// in list order; the command must succeed.
pub fn marked(user: &GoUser, field: &str) -> Vec<String> {
    let list = user
        .godoctor(&["profile", "list", "--json"])
        .assert_code(0)
        .json();
    list["profiles"]
        .as_array()
        .expect("profiles array")
        .iter()
        .filter(|p| p[field] == true)
        .map(|p| p["name"].as_str().unwrap_or("").to_string())
        .collect()
}
