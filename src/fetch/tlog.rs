//! The checksum database's tamper-evident log, ported from golang.org/x/mod/sumdb/tlog: record
//! and node hashes (RFC 6962), the stored-hash index, hash tiles (`tile/8/L/NNN[.p/W]`), the
//! tiles go's client reads to check a record and how it authenticates them against the signed
//! tree (`TileHashReader.ReadHashes`), and record proofs (`ProveRecord`, `CheckRecord`).
//! Pure: bytes in, hashes or an error with go's words out; the fetching is in [`super::walk`].

use std::collections::HashMap;

use base64::Engine as _;

/// A record or tree hash (SHA-256).
pub type Hash = [u8; 32];
/// The size of a [`Hash`] in bytes (`tlog.HashSize`).
pub const HASH_SIZE: usize = 32;
/// The tile height go's checksum-database client uses (`sumdb.Client`'s default).
pub const TILE_HEIGHT: u32 = 8;
/// Largest tree godoctor checks: its index arithmetic stays far from `i64` overflow below this
/// (go's wraps silently); a real log is many orders of magnitude smaller.
pub const MAX_TREE: i64 = 1 << 60;

/// Why a record or a tile does not check out, in go's words where go has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    /// tlog's "malformed record data" (`ParseRecord`).
    #[error("malformed record data")]
    MalformedRecord,
    /// sumdb's "cannot validate record %d in tree of size %d".
    #[error("cannot validate record {id} in tree of size {size}")]
    NotInTree { id: i64, size: i64 },
    /// The tiles do not hash to the signed tree (`ReadHashes`).
    #[error("downloaded inconsistent tile")]
    InconsistentTile,
    /// A tile of the wrong length (`ReadHashes`).
    #[error("TileReader returned bad result slice ({path} len={len}, want {want})")]
    BadTileLength {
        path: String,
        len: usize,
        want: usize,
    },
    /// The record's hash is not the one the tree holds at its id (`checkRecord`).
    #[error("cannot authenticate record data in server response")]
    RecordMismatch,
    /// tlog's "invalid transparency proof" (`CheckRecord`).
    #[error("invalid transparency proof")]
    ProofFailed,
    /// Input outside what the arithmetic handles (go panics or wraps here).
    #[error("{0}")]
    Invalid(String),
}

/// A tree head: size and root hash (`tlog.Tree`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tree {
    pub n: i64,
    pub hash: Hash,
}

/// `tlog.ParseHash`: standard base64 of exactly 32 bytes.
pub fn parse_hash(s: &str) -> Option<Hash> {
    let b = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    b.as_slice().try_into().ok()
}

/// A hash in go's printed form (standard base64).
pub fn hash_string(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h)
}

/// `tlog.ParseTree`: the text of a tree note (`go.sum database tree`, N, base64 hash; extra
/// lines ignored).
pub fn parse_tree(text: &str) -> Result<Tree, TlogError> {
    let bad = || TlogError::Invalid("malformed tree note".into());
    if !text.starts_with("go.sum database tree\n") || text.matches('\n').count() < 3 {
        return Err(bad());
    }
    let mut lines = text.splitn(4, '\n').skip(1);
    let (Some(n), Some(h)) = (lines.next(), lines.next()) else {
        return Err(bad());
    };
    let size: i64 = n.parse().map_err(|_| bad())?;
    if size < 0 || size.to_string() != n {
        return Err(bad());
    }
    Ok(Tree {
        n: size,
        hash: parse_hash(h).ok_or_else(bad)?,
    })
}

/// `tlog.ParseRecord`: the record id line, the record text up to (and with) the newline before
/// the blank line, and the rest (the signed tree note).
pub fn parse_record(msg: &[u8]) -> Result<(i64, &[u8], &[u8]), TlogError> {
    let i = msg
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(TlogError::MalformedRecord)?;
    let id: i64 = std::str::from_utf8(&msg[..i])
        .ok()
        .and_then(parse_go_int)
        .ok_or(TlogError::MalformedRecord)?;
    let msg = &msg[i + 1..];
    let j = msg
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or(TlogError::MalformedRecord)?;
    let (text, rest) = (&msg[..j + 1], &msg[j + 2..]);
    if !is_valid_record_text(text) {
        return Err(TlogError::MalformedRecord);
    }
    Ok((id, text, rest))
}

/// `strconv.ParseInt(s, 10, 64)`: an optional sign, then decimal digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `tlog.isValidRecordText`: UTF-8, no control characters but newline, no blank line, ends
/// with a newline.
fn is_valid_record_text(text: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(text) else {
        return false;
    };
    let mut last = None;
    for c in s.chars() {
        if (c < ' ' && c != '\n') || (last == Some('\n') && c == '\n') {
            return false;
        }
        last = Some(c);
    }
    last == Some('\n')
}

/// `tlog.RecordHash`: SHA-256(0x00 ‖ data).
pub fn record_hash(data: &[u8]) -> Hash {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(&[0]);
    ctx.update(data);
    to_hash(ctx.finish().as_ref())
}

/// `tlog.NodeHash`: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(&[1]);
    ctx.update(left);
    ctx.update(right);
    to_hash(ctx.finish().as_ref())
}

fn to_hash(b: &[u8]) -> Hash {
    let mut h = [0u8; HASH_SIZE];
    h.copy_from_slice(&b[..HASH_SIZE]);
    h
}

/// go's `x >> s` for a shift that may reach 64 (Rust would panic; go gives 0).
fn shr(x: i64, s: u32) -> i64 {
    x.checked_shr(s).unwrap_or(if x < 0 { -1 } else { 0 })
}

/// go's `x << s` for a shift that may reach 64.
fn shl(x: i64, s: u32) -> i64 {
    x.checked_shl(s).unwrap_or(0)
}

/// `tlog.StoredHashIndex`: where the hash of node (level, n) is stored.
pub fn stored_hash_index(level: u32, n: i64) -> i64 {
    let mut n = n;
    for _ in 0..level {
        n = n.wrapping_mul(2).wrapping_add(1);
    }
    let mut i = 0i64;
    while n > 0 {
        i = i.wrapping_add(n);
        n >>= 1;
    }
    i.wrapping_add(i64::from(level))
}

/// `tlog.SplitStoredHashIndex`: the (level, n) stored at `index` (the inverse of
/// [`stored_hash_index`]).
pub fn split_stored_hash_index(index: i64) -> Result<(u32, i64), TlogError> {
    if !(0..2 * MAX_TREE).contains(&index) {
        return Err(TlogError::Invalid(format!(
            "hash index {index} out of range"
        )));
    }
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    if index_n > index {
        return Err(TlogError::Invalid("bad math".into()));
    }
    loop {
        let x = index_n + 1 + i64::from((n + 1).trailing_zeros());
        if x > index {
            break;
        }
        n += 1;
        index_n = x;
    }
    let level = (index - index_n) as u32;
    Ok((level, shr(n, level)))
}

/// A tile of hashes (`tlog.Tile`): height `h`, level `l` (-1 for record data), number `n`
/// within the level, width `w` (2^h for a complete tile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tile {
    pub h: u32,
    pub l: i32,
    pub n: i64,
    pub w: u32,
}

impl Tile {
    /// `Tile.Path`: `tile/H/L/NNN` with `x`-prefixed groups of three digits for large N, and
    /// `.p/W` for a partial tile.
    pub fn path(&self) -> String {
        let mut n = self.n;
        let mut s = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            s = format!("x{:03}/{s}", n % 1000);
        }
        let p = if i64::from(self.w) != shl(1, self.h) {
            format!(".p/{}", self.w)
        } else {
            String::new()
        };
        let l = if self.l == -1 {
            "data".to_string()
        } else {
            self.l.to_string()
        };
        format!("tile/{}/{l}/{s}{p}", self.h)
    }

    /// The complete tile this one is a prefix of.
    pub fn full(&self) -> Tile {
        Tile {
            w: 1 << self.h,
            ..*self
        }
    }
}

/// `tlog.tileForIndex`: the tile of height `h` and least width holding stored hash `index`,
/// and the byte range of the tile data that hashes to it.
pub fn tile_for_index(h: u32, index: i64) -> Result<(Tile, usize, usize), TlogError> {
    let (level, n) = split_stored_hash_index(index)?;
    let l = level / h;
    let level = level - l * h;
    let tn = shr(shl(n, level), h);
    let n = n - shr(shl(tn, h), level);
    let w = shl(n + 1, level);
    let t = Tile {
        h,
        l: l as i32,
        n: tn,
        w: u32::try_from(w).map_err(|_| TlogError::Invalid("bad tile width".into()))?,
    };
    let start = shl(n, level) as usize * HASH_SIZE;
    let end = w as usize * HASH_SIZE;
    Ok((t, start, end))
}

/// `tlog.tileHash`: the subtree hash of the hashes in `data` (a power of two of them).
fn tile_hash(data: &[u8]) -> Hash {
    if data.len() <= HASH_SIZE {
        let mut h = [0u8; HASH_SIZE];
        h[..data.len()].copy_from_slice(data);
        return h;
    }
    let n = data.len() / 2;
    node_hash(&tile_hash(&data[..n]), &tile_hash(&data[n..]))
}

/// `tlog.HashFromTile`: the hash stored at `index`, computed from tile `t`'s data.
pub fn hash_from_tile(t: &Tile, data: &[u8], index: i64) -> Result<Hash, TlogError> {
    if t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > 1 << t.h {
        return Err(TlogError::Invalid(format!("invalid tile {}", t.path())));
    }
    if data.len() < t.w as usize * HASH_SIZE {
        return Err(TlogError::Invalid(format!(
            "data len {} too short for tile {}",
            data.len(),
            t.path()
        )));
    }
    let (t1, start, end) = tile_for_index(t.h, index)?;
    if t.l != t1.l || t.n != t1.n || t.w < t1.w {
        return Err(TlogError::Invalid(format!(
            "index {index} is in {} not {}",
            t1.path(),
            t.path()
        )));
    }
    Ok(tile_hash(&data[start..end]))
}

/// `tlog.tileParent`: `t`'s `k`th parent among the tiles of a tree of size `n`; `None` where
/// go returns the zero Tile.
fn tile_parent(t: Tile, k: u32, n: i64) -> Option<Tile> {
    let mut t = t;
    t.l += k as i32;
    t.n = shr(t.n, k * t.h);
    t.w = 1 << t.h;
    let max = shr(n, t.l as u32 * t.h);
    if shl(t.n, t.h) + i64::from(t.w) >= max {
        if shl(t.n, t.h) >= max {
            return None;
        }
        t.w = (max - shl(t.n, t.h)) as u32;
    }
    Some(t)
}

/// `tlog.maxpow2`: the largest power of two below `n`, and its log.
fn maxpow2(n: i64) -> (i64, u32) {
    let mut l = 0u32;
    while shl(1, l + 1) < n {
        l += 1;
    }
    (shl(1, l), l)
}

/// `tlog.subTreeIndex`: the stored hashes that make up the subtree of records `[lo, hi)`.
fn sub_tree_index(lo: i64, hi: i64, need: &mut Vec<i64>) {
    let mut lo = lo;
    while lo < hi {
        let (k, level) = maxpow2(hi - lo + 1);
        need.push(stored_hash_index(level, shr(lo, level)));
        lo += k;
    }
}

/// `tlog.subTreeHash`: the hash of the subtree `[lo, hi)` from the hashes
/// [`sub_tree_index`] named; returns the rest.
fn sub_tree_hash(lo: i64, hi: i64, hashes: &[Hash]) -> Option<(Hash, &[Hash])> {
    let mut lo = lo;
    let mut count = 0;
    while lo < hi {
        let (k, _) = maxpow2(hi - lo + 1);
        count += 1;
        lo += k;
    }
    if count == 0 || hashes.len() < count {
        return None;
    }
    let mut h = hashes[count - 1];
    for i in (0..count - 1).rev() {
        h = node_hash(&hashes[i], &h);
    }
    Some((h, &hashes[count..]))
}

/// The tiles go's client reads to get some stored hashes of a tree, and how it authenticates
/// them (`TileHashReader.ReadHashes`): first the tiles whose hashes make the tree hash, then
/// for each wanted hash its tile and the complete parents between it and one already read.
#[derive(Debug, Clone)]
pub struct TileRead {
    tree: Tree,
    tiles: Vec<Tile>,
    order: HashMap<Tile, usize>,
    stx: Vec<i64>,
    stx_tile: Vec<usize>,
    indexes: Vec<i64>,
    index_tile: Vec<usize>,
}

impl TileRead {
    /// Plan the reads of `indexes` (stored-hash indexes) in `tree` with tiles of height `h`.
    pub fn plan(tree: Tree, h: u32, indexes: &[i64]) -> Result<TileRead, TlogError> {
        if !(1..=MAX_TREE).contains(&tree.n) {
            return Err(TlogError::Invalid(format!(
                "cannot read tiles of a tree of size {}",
                tree.n
            )));
        }
        let bad =
            |x: i64| TlogError::Invalid(format!("bad math in tileHashReader: {} {x}", tree.n));
        let mut r = TileRead {
            tree,
            tiles: Vec::new(),
            order: HashMap::new(),
            stx: Vec::new(),
            stx_tile: Vec::new(),
            indexes: indexes.to_vec(),
            index_tile: vec![0; indexes.len()],
        };
        sub_tree_index(0, tree.n, &mut r.stx);
        for &x in &r.stx {
            let (t, _, _) = tile_for_index(h, x)?;
            let t = tile_parent(t, 0, tree.n).ok_or_else(|| bad(x))?;
            let j = *r.order.entry(t).or_insert_with(|| {
                r.tiles.push(t);
                r.tiles.len() - 1
            });
            r.stx_tile.push(j);
        }
        for (i, &x) in indexes.iter().enumerate() {
            if x >= stored_hash_index(0, tree.n) {
                return Err(TlogError::Invalid("indexes not in tree".into()));
            }
            let (t, _, _) = tile_for_index(h, x)?;
            // Walk up to a tile already planned (it is authenticated), then back down.
            let mut k = 0u32;
            loop {
                let p = tile_parent(t, k, tree.n);
                if let Some(&j) = p.as_ref().and_then(|p| r.order.get(p)) {
                    if k == 0 {
                        r.index_tile[i] = j;
                    }
                    break;
                }
                k += 1;
                if k > 64 {
                    return Err(bad(x));
                }
            }
            while k > 0 {
                k -= 1;
                let p = tile_parent(t, k, tree.n).ok_or_else(|| bad(x))?;
                if i64::from(p.w) != shl(1, p.h) {
                    return Err(bad(x));
                }
                r.order.insert(p, r.tiles.len());
                if k == 0 {
                    r.index_tile[i] = r.tiles.len();
                }
                r.tiles.push(p);
            }
        }
        Ok(r)
    }

    /// The tiles to read, in go's order.
    pub fn tiles(&self) -> &[Tile] {
        &self.tiles
    }

    /// Authenticate the tiles' `data` (one per [`Self::tiles`]) against the tree and return the
    /// wanted hashes; go's errors otherwise.
    pub fn verify(&self, data: &[Vec<u8>]) -> Result<Vec<Hash>, TlogError> {
        if data.len() != self.tiles.len() {
            return Err(TlogError::Invalid(format!(
                "TileReader returned bad result slice (len={}, want {})",
                data.len(),
                self.tiles.len()
            )));
        }
        for (t, d) in self.tiles.iter().zip(data) {
            if d.len() != t.w as usize * HASH_SIZE {
                return Err(TlogError::BadTileLength {
                    path: t.path(),
                    len: d.len(),
                    want: t.w as usize * HASH_SIZE,
                });
            }
        }
        // The tree hash from the right-edge tiles: parents are authenticated before children.
        let mut th: Option<Hash> = None;
        for (x, &j) in self.stx.iter().zip(&self.stx_tile).rev() {
            let h = hash_from_tile(&self.tiles[j], &data[j], *x)?;
            th = Some(match th {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
        }
        if th != Some(self.tree.hash) {
            return Err(TlogError::InconsistentTile);
        }
        let first = self.stx_tile.last().map_or(0, |j| j + 1);
        for i in first..self.tiles.len() {
            let t = self.tiles[i];
            let lost = || {
                TlogError::Invalid(format!(
                    "bad math in tileHashReader: lost parent of {}",
                    t.path()
                ))
            };
            let p = tile_parent(t, 1, self.tree.n).ok_or_else(lost)?;
            let &j = self.order.get(&p).ok_or_else(lost)?;
            let h = hash_from_tile(&p, &data[j], stored_hash_index(p.l as u32 * p.h, t.n))?;
            if h != tile_hash(&data[i]) {
                return Err(TlogError::InconsistentTile);
            }
        }
        self.indexes
            .iter()
            .zip(&self.index_tile)
            .map(|(&x, &j)| hash_from_tile(&self.tiles[j], &data[j], x))
            .collect()
    }
}

/// The first `tile.w` hashes of a complete tile's data, as go's client keeps them when it
/// fetched the complete tile because the partial one was not served.
pub fn prefix_of_full(tile: &Tile, full: &[u8]) -> Vec<u8> {
    let fw = 1usize << tile.h;
    let keep = full.len() / fw * tile.w as usize;
    full[..keep.min(full.len())].to_vec()
}

/// What go's `Client.checkRecord` does with a lookup answer: record `id` must be in the tree,
/// the tiles holding its hash must authenticate against the tree, and that hash must be the
/// record's. `read` fetches the planned tiles (in order); its error is passed on. On success,
/// the record's RFC 6962 audit path rebuilt from the authenticated tiles and checked with
/// [`check_record`] (`None` if a hash it needs is not in them: go does not need it).
pub fn check_record_in_tiles<E>(
    tree: Tree,
    id: i64,
    text: &[u8],
    read: impl FnOnce(&[Tile]) -> Result<Vec<Vec<u8>>, E>,
) -> Result<Result<Option<Vec<Hash>>, TlogError>, E> {
    if id >= tree.n {
        return Ok(Err(TlogError::NotInTree { id, size: tree.n }));
    }
    let plan = match TileRead::plan(tree, TILE_HEIGHT, &[stored_hash_index(0, id)]) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let data = read(plan.tiles())?;
    let hashes = match plan.verify(&data) {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    let leaf = record_hash(text);
    if hashes.first() != Some(&leaf) {
        return Ok(Err(TlogError::RecordMismatch));
    }
    // go's check ends here. The audit path is rebuilt from the authenticated tiles and checked
    // on its own; a negative id reads leaf 0 in go's arithmetic, and so here.
    let n = id.max(0);
    let lookup = |x: i64| {
        let (t, _, _) = tile_for_index(TILE_HEIGHT, x).ok()?;
        let (i, d) = plan
            .tiles
            .iter()
            .zip(&data)
            .find(|(p, _)| p.l == t.l && p.n == t.n && p.w >= t.w)?;
        hash_from_tile(i, d, x).ok()
    };
    let Ok(proof) = prove_record(tree.n, n, |xs| xs.iter().map(|&x| lookup(x)).collect()) else {
        return Ok(Ok(None));
    };
    Ok(check_record(&proof, tree.n, &tree.hash, n, &leaf).map(|()| Some(proof)))
}

/// `tlog.leafProofIndex`: the stored hashes a proof of leaf `n` in `[lo, hi)` needs.
fn leaf_proof_index(lo: i64, hi: i64, n: i64, need: &mut Vec<i64>) {
    if lo + 1 >= hi {
        return;
    }
    let (k, _) = maxpow2(hi - lo);
    if n < lo + k {
        leaf_proof_index(lo, lo + k, n, need);
        sub_tree_index(lo + k, hi, need);
    } else {
        sub_tree_index(lo, lo + k, need);
        leaf_proof_index(lo + k, hi, n, need);
    }
}

/// `tlog.leafProof`: build the proof from the hashes [`leaf_proof_index`] named.
fn leaf_proof(lo: i64, hi: i64, n: i64, hashes: &[Hash]) -> Option<(Vec<Hash>, &[Hash])> {
    if lo + 1 >= hi {
        return Some((Vec::new(), hashes));
    }
    let (k, _) = maxpow2(hi - lo);
    let (mut p, th, rest) = if n < lo + k {
        let (p, rest) = leaf_proof(lo, lo + k, n, hashes)?;
        let (th, rest) = sub_tree_hash(lo + k, hi, rest)?;
        (p, th, rest)
    } else {
        let (th, rest) = sub_tree_hash(lo, lo + k, hashes)?;
        let (p, rest) = leaf_proof(lo + k, hi, n, rest)?;
        (p, th, rest)
    };
    p.push(th);
    Some((p, rest))
}

/// `tlog.ProveRecord`: the proof that the tree of size `t` holds record `n`, from the stored
/// hashes `read` returns (`None` for a hash it does not have).
pub fn prove_record(
    t: i64,
    n: i64,
    read: impl FnOnce(&[i64]) -> Option<Vec<Hash>>,
) -> Result<Vec<Hash>, TlogError> {
    if t < 0 || n < 0 || n >= t || t > MAX_TREE {
        return Err(TlogError::Invalid(
            "tlog: invalid inputs in ProveRecord".into(),
        ));
    }
    let mut idx = Vec::new();
    leaf_proof_index(0, t, n, &mut idx);
    if idx.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read(&idx)
        .filter(|h| h.len() == idx.len())
        .ok_or_else(|| TlogError::Invalid("a hash of the proof is not in the tiles read".into()))?;
    match leaf_proof(0, t, n, &hashes) {
        Some((p, [])) => Ok(p),
        _ => Err(TlogError::Invalid(
            "tlog: bad index math in ProveRecord".into(),
        )),
    }
}

/// `tlog.CheckRecord`: `proof` shows that the tree of size `t` with hash `th` has record `n`
/// with hash `h`.
pub fn check_record(proof: &[Hash], t: i64, th: &Hash, n: i64, h: &Hash) -> Result<(), TlogError> {
    if t < 0 || n < 0 || n >= t || t > MAX_TREE {
        return Err(TlogError::Invalid(
            "tlog: invalid inputs in CheckRecord".into(),
        ));
    }
    if run_record_proof(proof, 0, t, n, h)? == *th {
        Ok(())
    } else {
        Err(TlogError::ProofFailed)
    }
}

/// `tlog.runRecordProof`: the subtree hash of `[lo, hi)` the proof implies.
fn run_record_proof(p: &[Hash], lo: i64, hi: i64, n: i64, leaf: &Hash) -> Result<Hash, TlogError> {
    if lo + 1 >= hi {
        return if p.is_empty() {
            Ok(*leaf)
        } else {
            Err(TlogError::ProofFailed)
        };
    }
    let Some((last, rest)) = p.split_last() else {
        return Err(TlogError::ProofFailed);
    };
    let (k, _) = maxpow2(hi - lo);
    if n < lo + k {
        Ok(node_hash(
            &run_record_proof(rest, lo, lo + k, n, leaf)?,
            last,
        ))
    } else {
        Ok(node_hash(
            last,
            &run_record_proof(rest, lo + k, hi, n, leaf)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a tree's stored hashes like `tlog.StoredHashes` over records `record(i)`.
    fn storage(records: usize) -> Vec<Hash> {
        let mut s: Vec<Hash> = Vec::new();
        for n in 0..records as i64 {
            let mut h = record_hash(record(n).as_bytes());
            s.push(h);
            let m = (n + 1).trailing_zeros();
            for i in 0..m {
                let left = s[stored_hash_index(i, (n >> i) - 1) as usize];
                h = node_hash(&left, &h);
                s.push(h);
            }
        }
        s
    }

    fn record(i: i64) -> String {
        format!("example.com/m{i} v1.0.0 h1:x\n")
    }

    fn tree_of(s: &[Hash], n: i64) -> Tree {
        let mut idx = Vec::new();
        sub_tree_index(0, n, &mut idx);
        let hs: Vec<Hash> = idx.iter().map(|&x| s[x as usize]).collect();
        Tree {
            n,
            hash: sub_tree_hash(0, n, &hs).expect("hash").0,
        }
    }

    fn tile_data(s: &[Hash], t: &Tile) -> Vec<u8> {
        (0..i64::from(t.w))
            .flat_map(|i| s[stored_hash_index(t.l as u32 * t.h, (t.n << t.h) + i) as usize])
            .collect()
    }

    #[test]
    fn split_inverts_stored_hash_index() {
        for level in 0..12 {
            for n in 0..300 {
                let x = stored_hash_index(level, n);
                assert_eq!(split_stored_hash_index(x), Ok((level, n)));
            }
        }
    }

    #[test]
    fn every_record_of_small_trees_checks_and_altered_tiles_fail() {
        let s = storage(70_000);
        let sizes = (1..=64).chain([255, 256, 257, 300, 511, 512, 513, 600, 65_536, 70_000]);
        for n in sizes {
            let tree = tree_of(&s, n);
            let step = match n {
                ..=64 => 1,
                65..=600 => 13,
                _ => 4999,
            };
            for id in (0..n).step_by(step).chain([n - 1]) {
                let text = record(id);
                let read = |ts: &[Tile]| Ok::<_, ()>(ts.iter().map(|t| tile_data(&s, t)).collect());
                let proof = check_record_in_tiles(tree, id, text.as_bytes(), read)
                    .expect("read")
                    .unwrap_or_else(|e| panic!("n={n} id={id}: {e}"))
                    .unwrap_or_else(|| panic!("n={n} id={id}: no audit path from the tiles"));
                assert!(
                    check_record(&proof, n, &tree.hash, id, &record_hash(text.as_bytes())).is_ok()
                );
                // Another record's text: not the one at this id.
                let other = record(id + 1);
                assert_eq!(
                    check_record_in_tiles(tree, id, other.as_bytes(), read).expect("read"),
                    Err(TlogError::RecordMismatch)
                );
                // One flipped byte in any tile read: the tiles no longer support the tree.
                if id % 7 != 0 && id != n - 1 {
                    continue;
                }
                let plan =
                    TileRead::plan(tree, TILE_HEIGHT, &[stored_hash_index(0, id)]).expect("plan");
                for k in 0..plan.tiles().len() {
                    let mut data: Vec<Vec<u8>> =
                        plan.tiles().iter().map(|t| tile_data(&s, t)).collect();
                    data[k][5] ^= 1;
                    assert_eq!(
                        plan.verify(&data),
                        Err(TlogError::InconsistentTile),
                        "n={n} id={id} k={k}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let s = storage(3);
        let tree = tree_of(&s, 3);
        let read = |ts: &[Tile]| Ok::<_, ()>(ts.iter().map(|_| vec![7u8; 5]).collect());
        assert!(matches!(
            check_record_in_tiles(tree, 0, b"x\n", read).expect("read"),
            Err(TlogError::BadTileLength { .. })
        ));
        assert_eq!(
            check_record_in_tiles(tree, 3, b"x\n", read).expect("read"),
            Err(TlogError::NotInTree { id: 3, size: 3 })
        );
        let huge = Tree {
            n: i64::MAX,
            hash: [0; 32],
        };
        assert!(
            check_record_in_tiles(huge, i64::MAX - 1, b"x\n", read)
                .expect("read")
                .is_err()
        );
        assert!(
            TileRead::plan(
                Tree {
                    n: 0,
                    hash: [0; 32]
                },
                8,
                &[0]
            )
            .is_err()
        );
        assert!(split_stored_hash_index(-1).is_err());
        assert_eq!(
            parse_record(b"12\nno blank line\n"),
            Err(TlogError::MalformedRecord)
        );
        assert_eq!(parse_record(b"x\na\n\n"), Err(TlogError::MalformedRecord));
        assert_eq!(
            parse_record(b"3\na\tb\n\nrest"),
            Err(TlogError::MalformedRecord)
        );
        assert_eq!(
            parse_record(b"3\na b\n\nrest"),
            Ok((3, &b"a b\n"[..], &b"rest"[..]))
        );
        assert!(parse_tree("go.sum database tree\n01\nAAAA\n").is_err());
        assert_eq!(
            prefix_of_full(
                &Tile {
                    h: 8,
                    l: 0,
                    n: 0,
                    w: 2
                },
                &[1u8; 31]
            ),
            Vec::<u8>::new()
        );
    }
}
