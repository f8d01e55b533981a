//! A fast hasher for the walk's and the index's maps, keyed on module paths and versions read
//! from the user's own module cache.
//!
//! std's SipHash guards against keys chosen to collide; these keys are directory names of the
//! user's cache, and SipHash was a sixth of a warm `check --offline`'s instructions (about 5M of
//! 30M on a 100k-file cache: every version is hashed into several maps). This is the Fx hash of
//! rustc (`rustc-hash` 1.x: rotate, xor, multiply a word at a time), a dozen lines rather than a
//! dependency. Worst case with crafted names: slower lookups, never wrong totals.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

/// rustc's Fx hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_find_what_they_hold_and_strings_differ() {
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..5000 {
            m.insert(format!("example.com/mod{i}@v1.{i}.0"), i);
        }
        assert_eq!(m.len(), 5000);
        assert!((0..5000).all(|i| m[&format!("example.com/mod{i}@v1.{i}.0")] == i));
        let h = |s: &str| {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<FxHasher>::default().hash_one(s)
        };
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("abcdefgh"), h("abcdefgh\0"));
    }
}
