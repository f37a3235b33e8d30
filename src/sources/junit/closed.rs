//! The closed-passes arena: tests that passed in suite elements already closed, as 8-byte keys,
//! so that a later attempt of the same test (in another element or file with the same suite
//! name) still folds with its pass while memory stays at about 8 bytes per passed test.

use super::hash::KeyMap;

/// Tests that passed in suite elements already closed: their 8-byte keys in one arena, a sorted
/// segment per closed suite element, segments chained per suite name. Lets a later duplicate in
/// another element or file with the same suite name fold; about 8 bytes per test and 30 per
/// suite element.
#[derive(Debug, Default, Clone)]
pub(crate) struct ClosedPasses {
    /// Suite name hash → its last segment.
    suites: KeyMap<u32>,
    /// The suite name last searched and its last segment (`u32::MAX`: none): the cases of one
    /// suite element are searched one after the other, so most searches skip the map.
    last: Option<(u64, u32)>,
    segments: Vec<Segment>,
    keys: Vec<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    len: u32,
    /// The previous segment of the same suite name (`u32::MAX`: none).
    prev: u32,
    /// Sorted only when first searched ([`ClosedPasses::contains_sorting`]) or before the run
    /// reads its next file ([`ClosedPasses::sort_all`]): a suite name met once (most) is never
    /// sorted.
    sorted: bool,
}

impl ClosedPasses {
    /// Adds the passed keys of one closed suite element.
    pub fn insert(&mut self, suite: u64, keys: impl IntoIterator<Item = u64>) {
        let start = self.keys.len();
        self.keys.extend(keys);
        let len = self.keys.len() - start;
        if len == 0 {
            return;
        }
        let prev = self.suites.get(&suite).copied().unwrap_or(u32::MAX);
        let index = u32::try_from(self.segments.len()).expect("fewer than 2^32 suites");
        self.segments.push(Segment {
            start,
            len: u32::try_from(len).expect("fewer than 2^32 tests per suite"),
            prev,
            sorted: len == 1,
        });
        self.suites.insert(suite, index);
        self.last = None;
    }

    /// True when `key` passed in a closed element of suite `suite` (a segment not sorted yet
    /// is scanned).
    pub fn contains(&self, suite: u64, key: u64) -> bool {
        if self.suites.is_empty() {
            return false;
        }
        let mut next = self.suites.get(&suite).copied().unwrap_or(u32::MAX);
        while next != u32::MAX {
            let seg = self.segments[next as usize];
            let keys = &self.keys[seg.start..seg.start + seg.len as usize];
            let found = if seg.sorted {
                keys.binary_search(&key).is_ok()
            } else {
                keys.contains(&key)
            };
            if found {
                return true;
            }
            next = seg.prev;
        }
        false
    }

    /// [`ClosedPasses::contains`], sorting the segments of `suite` it searches.
    pub fn contains_sorting(&mut self, suite: u64, key: u64) -> bool {
        if self.suites.is_empty() {
            return false;
        }
        let mut next = match self.last {
            Some((s, head)) if s == suite => head,
            _ => {
                let head = self.suites.get(&suite).copied().unwrap_or(u32::MAX);
                self.last = Some((suite, head));
                head
            }
        };
        while next != u32::MAX {
            let seg = &mut self.segments[next as usize];
            let keys = &mut self.keys[seg.start..seg.start + seg.len as usize];
            if !seg.sorted {
                keys.sort_unstable();
                seg.sorted = true;
            }
            if keys.binary_search(&key).is_ok() {
                return true;
            }
            next = seg.prev;
        }
        false
    }

    /// Sorts every segment not sorted yet (before another file is searched against these).
    pub fn sort_all(&mut self) {
        for seg in self.segments.iter_mut().filter(|s| !s.sorted) {
            self.keys[seg.start..seg.start + seg.len as usize].sort_unstable();
            seg.sorted = true;
        }
    }

    /// Takes in another file's closed passes (moved when this one is empty).
    pub fn absorb(&mut self, other: ClosedPasses) {
        if self.keys.is_empty() {
            *self = other;
            return;
        }
        let mut heads: Vec<(u64, u32)> = other.suites.iter().map(|(s, i)| (*s, *i)).collect();
        heads.sort_unstable();
        for (suite, head) in heads {
            let mut chain = Vec::new();
            let mut next = head;
            while next != u32::MAX {
                chain.push(other.segments[next as usize]);
                next = other.segments[next as usize].prev;
            }
            for seg in chain.into_iter().rev() {
                let keys = &other.keys[seg.start..seg.start + seg.len as usize];
                self.insert(suite, keys.iter().copied());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_is_found_in_any_element_of_its_suite_and_no_other() {
        let mut c = ClosedPasses::default();
        c.insert(1, [30, 10, 20]);
        c.insert(2, [40]);
        c.insert(1, [50]);
        c.insert(1, []);
        for key in [10, 20, 30, 50] {
            assert!(c.contains(1, key), "{key}");
        }
        assert!(!c.contains(1, 40));
        assert!(c.contains(2, 40));
        assert!(!c.contains(2, 10));
        assert!(!c.contains(3, 10));
        // Sorted on the first search, or all at once: the same answers.
        let mut sorted = c.clone();
        sorted.sort_all();
        for (suite, key) in [
            (1, 10),
            (1, 30),
            (1, 50),
            (1, 40),
            (2, 40),
            (2, 10),
            (3, 10),
        ] {
            let want = c.contains(suite, key);
            assert_eq!(sorted.contains(suite, key), want, "{suite}/{key}");
            assert_eq!(
                c.clone().contains_sorting(suite, key),
                want,
                "{suite}/{key}"
            );
            assert_eq!(c.contains_sorting(suite, key), want, "{suite}/{key}");
        }
    }

    #[test]
    fn absorbing_another_files_passes_keeps_every_suite_chain() {
        let mut run = ClosedPasses::default();
        run.insert(1, [10]);
        let mut file = ClosedPasses::default();
        file.insert(1, [11, 12]);
        file.insert(2, [20]);
        file.insert(1, [13]);
        run.absorb(file);
        for key in [10, 11, 12, 13] {
            assert!(run.contains(1, key), "{key}");
        }
        assert!(run.contains(2, 20));
        assert!(!run.contains(2, 10));

        // Into an empty one: moved whole.
        let mut empty = ClosedPasses::default();
        let mut file = ClosedPasses::default();
        file.insert(7, [70]);
        empty.absorb(file);
        assert!(empty.contains(7, 70));
    }
}
