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
