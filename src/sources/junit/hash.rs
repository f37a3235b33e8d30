//! Hashing of test and suite identities: a fast 64-bit hash of byte strings, and maps keyed by
//! such hashes that do not hash them again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast 64-bit hash of byte strings (multiply-xorshift over 8-byte words, murmur3's
/// finalizer): test identities are hashed once per `<testcase>`, so SipHash would show.
fn hash_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(tail) ^ (bytes.len() as u64) << 56).wrapping_mul(K);
    fmix(h)
}

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The identity of a test within a run and test type: its suite's name, classname and name (the
/// natural key of `test_case_results`).
#[inline]
pub(crate) fn case_key(
    suite: impl AsRef<[u8]>,
    classname: impl AsRef<[u8]>,
    name: impl AsRef<[u8]>,
) -> u64 {
    let h = hash_bytes(0x243F_6A88_85A3_08D3, suite.as_ref());
    let h = hash_bytes(h, classname.as_ref());
    hash_bytes(h, name.as_ref())
}

/// The identity of a suite name (closed passes are chained per suite name).
pub(crate) fn name_hash(name: &str) -> u64 {
    hash_bytes(0x1319_8A2E_0370_7344, name.as_bytes())
}

/// Hashes `u64` keys that are already hashes: as they are.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(self.0, bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by test or suite hashes.
pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_key_depends_on_where_each_part_ends() {
        assert_eq!(case_key("s", "c", "n"), case_key("s", "c", "n"));
        assert_ne!(case_key("s", "cn", ""), case_key("s", "c", "n"));
        assert_ne!(case_key("", "sc", "n"), case_key("s", "c", "n"));
        assert_ne!(case_key("s", "c", "n"), case_key("t", "c", "n"));
        // Words of 8 bytes and their tails both count.
        assert_ne!(
            case_key("suite", "com.example.Class", "test_one"),
            case_key("suite", "com.example.Class", "test_two")
        );
    }
}
