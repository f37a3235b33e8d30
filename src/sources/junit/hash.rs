//! Hashing of test and suite identities: a fast 64-bit hash of byte strings, and maps keyed by
//! such hashes that do not hash them again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// One step of a fast 64-bit hash of byte strings (multiply-rotate over 8-byte words; the
/// tail read without a copy, its length mixed in so that where each part ends counts). Test
/// identities are hashed once per `<testcase>`, so SipHash would show; [`fmix`] finishes.
#[inline(always)]
fn mix_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = bytes.len();
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let half = |i: usize| u64::from(u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4")));
    let mut i = 0;
    while i + 8 <= n {
        h = (h ^ word(i)).wrapping_mul(K).rotate_left(31);
        i += 8;
    }
    let rest = n - i;
    // The last `rest` bytes, each once, in a word of their own (a tail of 0 is 0).
    let tail = if rest == 0 {
        0
    } else if n >= 8 {
        word(n - 8) >> (8 * (8 - rest))
    } else if rest >= 4 {
        half(0) | half(rest - 4) << 32
    } else {
        u64::from(bytes[0]) | u64::from(bytes[rest / 2]) << 8 | u64::from(bytes[rest - 1]) << 16
    };
    (h ^ tail ^ (n as u64) << 56)
        .wrapping_mul(K)
        .rotate_left(31)
}

/// A fast 64-bit hash of a byte string.
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    fmix(mix_bytes(seed, bytes))
}

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The identity of a test within a run and test type: its suite's name, classname and name (the
/// natural key of `test_case_results`). The reader mixes the suite once per element
/// ([`suite_seed`], [`case_key_in`]).
#[cfg(test)]
pub(crate) fn case_key(
    suite: impl AsRef<[u8]>,
    classname: impl AsRef<[u8]>,
    name: impl AsRef<[u8]>,
) -> u64 {
    case_key_in(suite_seed(suite.as_ref()), classname, name)
}

/// The suite's part of [`case_key`], mixed once per suite element rather than once per case.
#[inline]
pub(crate) fn suite_seed(suite: &[u8]) -> u64 {
    mix_bytes(0x243F_6A88_85A3_08D3, suite)
}

/// [`case_key`] from its suite's [`suite_seed`].
#[cfg(test)]
pub(crate) fn case_key_in(
    suite_seed: u64,
    classname: impl AsRef<[u8]>,
    name: impl AsRef<[u8]>,
) -> u64 {
    case_key_of_class(class_seed(suite_seed, classname.as_ref()), name.as_ref())
}

/// The first half of [`case_key_in`]: a suite seed and a classname mixed, the same for every
/// test of a class.
#[inline]
pub(crate) fn class_seed(suite_seed: u64, classname: &[u8]) -> u64 {
    mix_bytes(suite_seed, classname)
}

/// The second half of [`case_key_in`]: a test's key from its [`class_seed`] and name.
#[inline]
pub(crate) fn case_key_of_class(class_seed: u64, name: &[u8]) -> u64 {
    fmix(mix_bytes(class_seed, name))
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
    fn every_byte_of_a_name_counts_whatever_its_length() {
        for len in 0..24 {
            let name: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
            let key = case_key("s", "c", &name);
            for i in 0..len {
                let mut other = name.clone();
                other[i] ^= 1;
                assert_ne!(case_key("s", "c", &other), key, "length {len}, byte {i}");
            }
            let longer = [name.as_slice(), b"\0"].concat();
            assert_ne!(case_key("s", "c", &longer), key, "length {len} and a NUL");
        }
    }

    #[test]
    fn a_test_key_from_its_suite_seed_is_the_whole_key() {
        for suite in ["", "s", "org.parser1Test", "a suite name of some length"] {
            let seed = suite_seed(suite.as_bytes());
            assert_eq!(
                case_key_in(seed, "c", "prop[1]"),
                case_key(suite, "c", "prop[1]")
            );
        }
    }

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
