//! GOSUMDB, resolved as cmd/go's `dbDial` (cmd/go/internal/modfetch/sumdb.go) does, with the
//! verifier key checked like golang.org/x/mod/sumdb/note's `NewVerifier`.
//!
//! Go's rules: `off` disables the checksum database; `sum.golang.google.cn` is rewritten to
//! `sum.golang.org https://sum.golang.google.cn`; the value is split into at most two fields
//! (key, URL); a first field found in go's table of known databases (only `sum.golang.org`) is
//! replaced by its full verifier key; the key must be `name+hash+base64key` where hash is the
//! first 4 bytes of SHA-256(name + "\n" + keybytes) in hex and keybytes are the algorithm byte 1
//! (Ed25519) followed by 32 key bytes.

use super::gourl;
use crate::finding::Finding;
use base64::Engine as _;
use serde::Serialize;

/// The verifier key go has built in for sum.golang.org (cmd/go/internal/modfetch/key.go).
pub const SUM_GOLANG_ORG_KEY: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// A GOSUMDB value as go will use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SumDb {
    /// `GOSUMDB=off`: no checksum database; only go.sum protects downloads.
    Off,
    Db {
        /// The database name (what go puts in `<proxy>/sumdb/<name>/…` URLs).
        name: String,
        /// The full verifier key go verifies signed tree heads with.
        key: Option<String>,
        /// Where go contacts the database directly: the explicit URL of `key URL`, else
        /// `https://<name>`.
        url: String,
        /// Whether the URL was given explicitly (go then bypasses GOPROXY for the database;
        /// otherwise it first asks each proxy for `<proxy>/sumdb/<name>/supported`).
        explicit_url: bool,
    },
}

/// A decoded note verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub hash: u32,
    /// The 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
}

/// Port of `note.NewVerifier`: Err carries Go's message.
pub fn parse_verifier_key(vkey: &str) -> Result<VerifierKey, &'static str> {
    const ID: &str = "malformed verifier id";
    let (name, rest) = vkey.split_once('+').unwrap_or((vkey, ""));
    let (hash16, key64) = rest.split_once('+').unwrap_or((rest, ""));
    let hash = u32::from_str_radix(hash16, 16);
    let key = go_std_base64().decode(key64);
    let valid_name =
        !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+');
    // strconv.ParseUint rejects a sign; from_str_radix accepts a leading '+' (never here: we split
    // on '+') but also '-'? No: u32 parsing rejects '-'.
    let (Ok(hash), Ok(key)) = (hash, key) else {
        return Err(ID);
    };
    if hash16.len() != 8 || !valid_name || key.is_empty() {
        return Err(ID);
    }
    if hash != key_hash(name, &key) {
        return Err("invalid verifier hash");
    }
    if key[0] != 1 {
        return Err("unknown verifier algorithm");
    }
    if key.len() != 33 {
        return Err(ID);
    }
    Ok(VerifierKey {
        name: name.to_string(),
        hash,
        public_key: key[1..].to_vec(),
    })
}

/// Build a note verifier key `name+hash+base64(1 || key)` for an Ed25519 public key, the
/// format `parse_verifier_key` (and go) accept. For tests and for showing a database's key.
pub fn format_verifier_key(name: &str, public_key: &[u8; 32]) -> String {
    let mut key = Vec::with_capacity(33);
    key.push(1u8);
    key.extend_from_slice(public_key);
    format!(
        "{name}+{:08x}+{}",
        key_hash(name, &key),
        base64::engine::general_purpose::STANDARD.encode(&key)
    )
}

/// Go's `base64.StdEncoding`: padded, and (unlike the crate's default) tolerant of non-zero
/// trailing bits, which Go does not check.
fn go_std_base64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    )
}

/// First 4 bytes (big-endian) of SHA-256(name + "\n" + key).
fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(key);
    let sum = ctx.finish();
    let b = sum.as_ref();
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Resolve a GOSUMDB value like `dbDial`. The error finding carries go's message.
pub fn parse(value: &str) -> Result<SumDb, Finding> {
    let mut gosumdb = value;
    if gosumdb == "sum.golang.google.cn" {
        gosumdb = "sum.golang.org https://sum.golang.google.cn";
    }
    if gosumdb == "off" {
        return Ok(SumDb::Off);
    }
    let mut fields: Vec<&str> = gosumdb.split_whitespace().collect();
    if fields.first() == Some(&"sum.golang.org") {
        fields[0] = SUM_GOLANG_ORG_KEY;
    }
    let fail = |code: &'static str, msg: String, hint: &str| {
        Err(Finding::error(
            code,
            format!(
                "GOSUMDB={:?}: go fails every checksum lookup with: {msg}",
                crate::redact::redact(value)
            ),
        )
        .with_hint(hint.to_string()))
    };
    if fields.is_empty() {
        return fail(
            "gosumdb.missing",
            "missing GOSUMDB".into(),
            "godoctor env unset GOSUMDB (default: sum.golang.org), or GOSUMDB=off to disable verification",
        );
    }
    if fields.len() > 2 {
        return fail(
            "gosumdb.fields",
            "invalid GOSUMDB: too many fields".into(),
            "GOSUMDB takes a name or key, optionally followed by one URL: GOSUMDB=\"KEY https://sumdb.example.com\"",
        );
    }
    let vkey = match parse_verifier_key(fields[0]) {
        Ok(k) => k,
        Err(e) => {
            let hint = if !fields[0].contains('+') {
                format!(
                    "go knows the key of sum.golang.org only; for another database give its verifier key: GOSUMDB=\"{}+<hash>+<key>\" (its operator publishes it)",
                    fields[0]
                )
            } else if fields[0].ends_with("==") || fields[0].len() < 20 {
                "check that the key was copied completely".into()
            } else {
                "copy the verifier key again from the database operator; hash and key must belong together".into()
            };
            return fail("gosumdb.key", format!("invalid GOSUMDB: {e}"), &hint);
        }
    };
    let name = vkey.name.clone();
    // No funny business in the database name: https://<name> must be host[/path].
    let direct = gourl::parse(&format!("https://{name}"));
    let name_ok = match &direct {
        Ok(u) => {
            !name.ends_with('/')
                && !u.host.is_empty()
                && u.username.is_none()
                && u.raw_query.is_empty()
                && !u.force_query
                && u.fragment.is_empty()
                && u.opaque.is_empty()
        }
        Err(_) => false,
    };
    if !name_ok {
        return fail(
            "gosumdb.name",
            format!("invalid sumdb name (must be host[/path]): {name}"),
            "the name in the verifier key must look like sum.example.com or host/path",
        );
    }
    let (url, explicit_url) = match fields.get(1) {
        Some(u) => {
            if let Err(e) = gourl::parse(u) {
                return fail(
                    "gosumdb.url",
                    format!("invalid GOSUMDB URL: {}", gourl::parse_error_message(u, &e)),
                    "write the URL as https://host[/path]",
                );
            }
            (u.to_string(), true)
        }
        None => (format!("https://{name}"), false),
    };
    Ok(SumDb::Db {
        name,
        key: Some(fields[0].to_string()),
        url,
        explicit_url,
    })
}

/// Parse and add the warnings for a value go accepts.
pub fn check(value: &str) -> Vec<Finding> {
    let db = match parse(value) {
        Ok(db) => db,
        Err(f) => return vec![f],
    };
    let mut out = Vec::new();
    match &db {
        SumDb::Off => out.push(
            Finding::warning(
                "gosumdb.off",
                "GOSUMDB=off: go no longer checks downloaded modules against the checksum database; a tampered proxy or origin goes unnoticed for modules not yet in go.sum.",
            )
            .with_hint("for private modules use GONOSUMDB/GOPRIVATE patterns instead, and keep GOSUMDB=sum.golang.org"),
        ),
        SumDb::Db { url, explicit_url, name, .. } => {
            if *explicit_url {
                match gourl::parse(url) {
                    Ok(u) if u.scheme.is_empty() || u.host.is_empty() => out.push(
                        Finding::error("gosumdb.url", format!("GOSUMDB URL {:?} has no scheme or host; go would request paths relative to it and fail.", crate::redact::redact(url)))
                            .with_hint("write the URL as https://host[/path]"),
                    ),
                    Ok(u) if u.scheme != "http" && u.scheme != "https" => out.push(
                        Finding::error("gosumdb.url", format!("GOSUMDB URL {:?} has scheme {:?}; go's checksum database client speaks HTTP(S) only.", crate::redact::redact(url), u.scheme))
                    ),
                    Ok(u) if u.scheme == "http" && !super::goproxy::is_loopback(u.hostname()) => out.push(Finding::info(
                        "gosumdb.plain-http",
                        format!("GOSUMDB URL {} is plain http; answers are still signed, but the lookups are visible on the network.", crate::redact::redact(url)),
                    )),
                    _ => {}
                }
                if crate::redact::has_credentials(url) {
                    out.push(Finding::warning(
                        "gosumdb.credentials",
                        format!("GOSUMDB URL {} has credentials in it; they are stored in plain text.", crate::redact::redact(url)),
                    ));
                }
            }
            if value == "sum.golang.google.cn" {
                out.push(Finding::info(
                    "gosumdb.alias",
                    format!("sum.golang.google.cn is go's built-in alias: go verifies with sum.golang.org's key and contacts {url} (database name {name})."),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a well-formed verifier key for tests: name+hash+base64(1 || 32 bytes).
    #[test]
    fn format_round_trips() {
        let k = format_verifier_key("sum.corp.example", &[9u8; 32]);
        assert_eq!(
            parse_verifier_key(&k).map(|v| v.public_key),
            Ok(vec![9u8; 32])
        );
    }

    fn make_key(name: &str, alg: u8, len: usize) -> String {
        let mut key = vec![alg];
        key.extend((0..len).map(|i| i as u8));
        let hash = key_hash(name, &key);
        format!(
            "{name}+{hash:08x}+{}",
            base64::engine::general_purpose::STANDARD.encode(&key)
        )
    }

    #[test]
    fn builtin_key_is_valid() {
        let k = parse_verifier_key(SUM_GOLANG_ORG_KEY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(k.name, "sum.golang.org");
        assert_eq!(k.hash, 0x033de0ae);
        assert_eq!(k.public_key.len(), 32);
    }

    #[test]
    fn resolves_like_dbdial() {
        assert_eq!(parse("off"), Ok(SumDb::Off));
        let db = parse("sum.golang.org").unwrap_or(SumDb::Off);
        assert_eq!(
            db,
            SumDb::Db {
                name: "sum.golang.org".into(),
                key: Some(SUM_GOLANG_ORG_KEY.into()),
                url: "https://sum.golang.org".into(),
                explicit_url: false
            }
        );
        let db = parse("sum.golang.google.cn").unwrap_or(SumDb::Off);
        assert_eq!(
            db,
            SumDb::Db {
                name: "sum.golang.org".into(),
                key: Some(SUM_GOLANG_ORG_KEY.into()),
                url: "https://sum.golang.google.cn".into(),
                explicit_url: true
            }
        );
        let k = make_key("sum.corp.example", 1, 32);
        match parse(&format!("{k} https://127.0.0.1:9/sumdb")) {
            Ok(SumDb::Db {
                name,
                url,
                explicit_url,
                ..
            }) => {
                assert_eq!(
                    (name.as_str(), url.as_str(), explicit_url),
                    ("sum.corp.example", "https://127.0.0.1:9/sumdb", true)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&k),
            Ok(SumDb::Db {
                explicit_url: false,
                ..
            })
        ));
    }

    fn err_msg(v: &str) -> String {
        match parse(v) {
            Err(f) => f.message,
            Ok(db) => format!("accepted: {db:?}"),
        }
    }

    #[test]
    fn malformed_keys() {
        assert!(err_msg("sum.corp.example").ends_with("invalid GOSUMDB: malformed verifier id"));
        assert!(err_msg("").ends_with("missing GOSUMDB"));
        assert!(err_msg("a b c").ends_with("invalid GOSUMDB: too many fields"));
        let good = make_key("sum.corp.example", 1, 32);
        assert!(
            err_msg(&good.replace("sum.corp.example", "sum.corp.exampl"))
                .ends_with("invalid verifier hash")
        );
        assert!(
            err_msg(&make_key("sum.corp.example", 2, 32)).ends_with("unknown verifier algorithm")
        );
        assert!(err_msg(&make_key("sum.corp.example", 1, 31)).ends_with("malformed verifier id"));
        assert!(err_msg(&good[..good.len() - 2]).ends_with("malformed verifier id"));
        assert!(err_msg(&make_key("sum.corp.example?x", 1, 32)).contains("invalid sumdb name"));
        assert!(err_msg(&make_key("sum.corp.example/", 1, 32)).contains("invalid sumdb name"));
        assert!(err_msg(&format!("{good} http://[::1")).contains("invalid GOSUMDB URL"));
    }

    #[test]
    fn warnings() {
        assert_eq!(check("off")[0].code, "gosumdb.off");
        assert!(check("sum.golang.org").is_empty());
        assert_eq!(check("sum.golang.google.cn")[0].code, "gosumdb.alias");
        let k = make_key("sum.corp.example", 1, 32);
        assert_eq!(
            check(&format!("{k} sumdb.corp.example"))[0].code,
            "gosumdb.url"
        );
    }
}
