//! A real, tiny Go checksum database (the protocol behind GOSUMDB) for loopback tests: signed
//! tree heads in Go's note format (Ed25519), `/lookup/M@V` records, and the hash tiles the
//! client uses to prove a record is in the tree. Served by a [`super::proxy::GoProxy`] built
//! with [`super::proxy::ProxyBuilder::checksum_db`], both at the root (for
//! `GOSUMDB="<key> <url>"`) and under `/sumdb/<name>/` (a proxy that proxies the database).
//!
//! Also computes go's `h1:` hashes of a [`Module`] (what go.sum holds).
//!
//! Limits: at most 255 records (one partial level-0 tile), and the tree is fixed once served
//! (records added later make a new, consistent tree, which go verifies with the same tile).

use ring::digest::{SHA256, digest};
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::modules::{Module, escape};

/// A checksum database: a name, an Ed25519 key, and the go.sum records of some modules.
pub struct SumDb {
    name: String,
    key: Ed25519KeyPair,
    records: Vec<(String, String, String)>,
}

impl std::fmt::Debug for SumDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SumDb")
            .field("name", &self.name)
            .field("records", &self.records.len())
            .finish()
    }
}

impl SumDb {
    /// A database called `name` (e.g. `sum.test`; no spaces or `+`) with a fresh key.
    pub fn new(name: &str) -> Self {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("generate key");
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("load key");
        SumDb {
            name: name.to_string(),
            key,
            records: Vec::new(),
        }
    }

    /// Record a module's two go.sum lines (zip hash and go.mod hash), as the real database
    /// does the first time anyone asks for it.
    pub fn add(mut self, m: &Module) -> Self {
        assert!(
            self.records.len() < 255,
            "this test sumdb holds at most 255 records"
        );
        self.records
            .push((m.path.clone(), m.version.clone(), record_text(m)));
        self
    }

    /// Record different hashes for `m` than the module really has (a later record for the same
    /// version wins lookups): go must refuse the download with a checksum mismatch
    /// (`SECURITY ERROR`).
    pub fn with_wrong_hash_for(mut self, m: &Module) -> Self {
        let fake = Module::new(&m.path, &m.version).file("tampered.go", "package tampered\n");
        self.records
            .push((m.path.clone(), m.version.clone(), record_text(&fake)));
        self
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key in go's format: `name+hash+base64(0x01 || ed25519 public key)`.
    pub fn verifier_key(&self) -> String {
        let mut key = vec![1u8];
        key.extend_from_slice(self.key.public_key().as_ref());
        format!("{}+{:08x}+{}", self.name, self.key_hash(), base64(&key))
    }

    /// A GOSUMDB value pointing go at this database on `url`: `"<verifier key> <url>"`.
    pub fn gosumdb(&self, url: &str) -> String {
        format!("{} {url}", self.verifier_key())
    }

    fn key_hash(&self) -> u32 {
        let mut data = format!("{}\n", self.name).into_bytes();
        data.push(1);
        data.extend_from_slice(self.key.public_key().as_ref());
        let h = digest(&SHA256, &data);
        u32::from_be_bytes([h.as_ref()[0], h.as_ref()[1], h.as_ref()[2], h.as_ref()[3]])
    }

    /// The signed tree head (`/latest`): note text + signature line.
    pub fn latest(&self) -> String {
        let leaves: Vec<[u8; 32]> = self
            .records
            .iter()
            .map(|(_, _, t)| record_hash(t.as_bytes()))
            .collect();
        let text = format!(
            "go.sum database tree\n{}\n{}\n",
            leaves.len(),
            base64(&tree_hash(&leaves))
        );
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.key_hash().to_be_bytes().to_vec();
        blob.extend_from_slice(sig.as_ref());
        format!("{text}\n\u{2014} {} {}\n", self.name, base64(&blob))
    }

    /// Answer a database request path relative to the database root (`/latest`,
    /// `/lookup/M@V`, `/tile/8/0/000.p/N`): status and body.
    pub fn serve(&self, path: &str) -> (u16, Vec<u8>) {
        if path == "/latest" {
            return (200, self.latest().into_bytes());
        }
        if let Some(spec) = path.strip_prefix("/lookup/") {
            // The last matching record wins, so a tampered record overrides the real one.
            let found = self
                .records
                .iter()
                .enumerate()
                .rev()
                .find(|(_, (p, v, _))| format!("{}@{}", escape(p), escape(v)) == spec);
            return match found {
                Some((id, (_, _, text))) => {
                    (200, format!("{id}\n{text}\n{}", self.latest()).into_bytes())
                }
                None => (404, format!("not found: {spec}\n").into_bytes()),
            };
        }
        if let Some(width) = path.strip_prefix("/tile/8/0/000.p/") {
            let Ok(w) = width.parse::<usize>() else {
                return (404, b"bad tile\n".to_vec());
            };
            if w == 0 || w > self.records.len() {
                return (404, b"no such tile\n".to_vec());
            }
            let body = self.records[..w]
                .iter()
                .flat_map(|(_, _, t)| record_hash(t.as_bytes()))
                .collect();
            return (200, body);
        }
        (404, format!("not found: {path}\n").into_bytes())
    }
}

/// The two go.sum lines of a module, as the database records them.
fn record_text(m: &Module) -> String {
    format!(
        "{} {} {}\n{} {}/go.mod {}\n",
        m.path,
        m.version,
        m.h1(),
        m.path,
        m.version,
        m.go_mod_h1()
    )
}

impl Module {
    /// go's `h1:` hash of the module zip (the first go.sum line; `Sum` in
    /// `go mod download -json`).
    pub fn h1(&self) -> String {
        let bytes = self.zip();
        let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
            return "h1:invalid-zip".to_string();
        };
        let mut files = Vec::new();
        for i in 0..archive.len() {
            use std::io::Read;
            let Ok(mut f) = archive.by_index(i) else {
                continue;
            };
            if f.is_dir() {
                continue;
            }
            let mut data = Vec::new();
            let _ = f.read_to_end(&mut data);
            files.push((f.name().to_string(), data));
        }
        hash1(files)
    }

    /// go's `h1:` hash of the go.mod (the `/go.mod` go.sum line; `GoModSum`).
    pub fn go_mod_h1(&self) -> String {
        hash1(vec![(
            "go.mod".to_string(),
            self.go_mod.clone().into_bytes(),
        )])
    }
}

/// `dirhash.Hash1`: SHA-256 over the sorted lines `"<sha256 hex>  <name>\n"`.
fn hash1(mut files: Vec<(String, Vec<u8>)>) -> String {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = String::new();
    for (name, data) in &files {
        let h = digest(&SHA256, data);
        let hex: String = h.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        summary.push_str(&format!("{hex}  {name}\n"));
    }
    format!(
        "h1:{}",
        base64(digest(&SHA256, summary.as_bytes()).as_ref())
    )
}

/// `tlog.RecordHash`: SHA-256(0x00 || data).
fn record_hash(data: &[u8]) -> [u8; 32] {
    let mut buf = vec![0u8];
    buf.extend_from_slice(data);
    to_array(digest(&SHA256, &buf).as_ref())
}

/// `tlog.NodeHash`: SHA-256(0x01 || left || right).
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut buf = vec![1u8];
    buf.extend_from_slice(left);
    buf.extend_from_slice(right);
    to_array(digest(&SHA256, &buf).as_ref())
}

/// RFC 6962 Merkle tree hash of the leaves (split at the largest power of two below n).
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => to_array(digest(&SHA256, b"").as_ref()),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

fn to_array(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&b[..32]);
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
