//! What go's zip checks say about a served module zip: a zip archive whose every file sits
//! under `MODULE@VERSION/`. Pure.

/// What go's zip checks would say about a (possibly truncated) module zip.
pub fn check_zip(
    body: &[u8],
    module_path: &str,
    version: &str,
    truncated: bool,
) -> Result<String, String> {
    if !body.starts_with(b"PK\x03\x04") && !body.starts_with(b"PK\x05\x06") {
        return Err("zip: not a valid zip file".into());
    }
    if truncated {
        return Ok(format!("a zip archive (first {} bytes read)", body.len()));
    }
    let names = zip_names(body).ok_or_else(|| "zip: not a valid zip file".to_string())?;
    let prefix = format!("{module_path}@{version}/");
    if let Some(bad) = names.iter().find(|n| !n.starts_with(&prefix)) {
        return Err(format!(
            "zip for {module_path}@{version} has unexpected file {bad}"
        ));
    }
    Ok(format!(
        "a valid module zip ({} files under {prefix})",
        names.len()
    ))
}

/// go's `dirhash.Hash1` over named files: SHA-256 of the sorted lines
/// `"<sha256 hex>  <name>\n"`, as `h1:<base64>`.
pub fn hash1(mut files: Vec<(String, Vec<u8>)>) -> String {
    use aws_lc_rs::digest::{SHA256, digest};
    use base64::Engine as _;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = String::new();
    for (name, data) in &files {
        let hex: String = digest(&SHA256, data)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        summary.push_str(&format!("{hex}  {name}\n"));
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest(&SHA256, summary.as_bytes()))
    )
}

/// The `h1:` go records for a `.mod` file (`path version/go.mod h1:…`).
pub fn go_mod_h1(body: &[u8]) -> String {
    hash1(vec![("go.mod".to_string(), body.to_vec())])
}

/// The `h1:` go records for a module zip (`dirhash.HashZip`), when every file is stored
/// uncompressed; `Err` says why it cannot be computed here (compressed entries need an
/// inflater godoctor does not carry; an unreadable zip).
pub fn zip_h1(b: &[u8]) -> Result<String, String> {
    let entries = zip_entries(b).ok_or_else(|| "not a readable zip".to_string())?;
    let mut files = Vec::new();
    for e in entries {
        if e.name.ends_with('/') {
            continue;
        }
        if e.method != 0 {
            return Err("its files are compressed; godoctor hashes stored zips only".into());
        }
        let start = e.local_offset + 30;
        let n = le16(b, e.local_offset + 26).ok_or("truncated zip")?;
        let x = le16(b, e.local_offset + 28).ok_or("truncated zip")?;
        let data = b
            .get(start + n + x..start + n + x + e.size)
            .ok_or("truncated zip")?;
        files.push((e.name, data.to_vec()));
    }
    Ok(hash1(files))
}

struct Entry {
    name: String,
    method: usize,
    size: usize,
    local_offset: usize,
}

fn le16(b: &[u8], i: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as usize)
}

fn le32(b: &[u8], i: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize)
}

/// The central directory's entries (name, method, compressed size, local header offset).
fn zip_entries(b: &[u8]) -> Option<Vec<Entry>> {
    let start = b.len().saturating_sub(22 + 65535);
    let eocd = (start..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b.get(i..i + 4) == Some(b"PK\x05\x06"))?;
    let count = le16(b, eocd + 10)?;
    let mut at = le32(b, eocd + 16)?;
    let mut out = Vec::with_capacity(count.min(65535));
    for _ in 0..count {
        if b.get(at..at + 4)? != b"PK\x01\x02" {
            return None;
        }
        let (n, e, c) = (le16(b, at + 28)?, le16(b, at + 30)?, le16(b, at + 32)?);
        out.push(Entry {
            name: String::from_utf8_lossy(b.get(at + 46..at + 46 + n)?).into_owned(),
            method: le16(b, at + 10)?,
            size: le32(b, at + 20)?,
            local_offset: le32(b, at + 42)?,
        });
        at += 46 + n + e + c;
    }
    Some(out)
}

/// File names from a zip's central directory, or `None` when it is not a readable zip.
fn zip_names(b: &[u8]) -> Option<Vec<String>> {
    let le16 = |i: usize| -> Option<usize> {
        Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as usize)
    };
    let le32 = |i: usize| -> Option<usize> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize)
    };
    let start = b.len().saturating_sub(22 + 65535);
    let eocd = (start..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b.get(i..i + 4) == Some(b"PK\x05\x06"))?;
    let count = le16(eocd + 10)?;
    let mut at = le32(eocd + 16)?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if b.get(at..at + 4)? != b"PK\x01\x02" {
            return None;
        }
        let (n, e, c) = (le16(at + 28)?, le16(at + 30)?, le16(at + 32)?);
        names.push(String::from_utf8_lossy(b.get(at + 46..at + 46 + n)?).into_owned());
        at += 46 + n + e + c;
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_checks() {
        assert!(check_zip(b"<html>", "a.b/c", "v1.0.0", false).is_err());
        assert!(check_zip(b"PK\x03\x04garbage", "a.b/c", "v1.0.0", false).is_err());
        assert!(check_zip(b"PK\x03\x04garbage", "a.b/c", "v1.0.0", true).is_ok());
    }
}
