//! The slowest tests: a bounded min-heap of candidates ordered by time, so that keeping the N
//! slowest of millions of cases costs N records.

use super::model::CaseRecord;
use super::SlowestCases;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A slow-case candidate, ordered by time.
#[derive(Debug, Clone)]
pub(crate) struct Slow {
    pub time: f64,
    pub seq: u64,
    pub key: u64,
    pub record: CaseRecord,
}

impl PartialEq for Slow {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Slow {}
impl PartialOrd for Slow {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Slow {
    fn cmp(&self, o: &Self) -> Ordering {
        // Slower first; among equal times, the earlier read first.
        self.time
            .total_cmp(&o.time)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}

/// The N slowest cases: a min-heap of at most N entries (unbounded with `all`).
#[derive(Debug, Clone)]
pub(crate) struct SlowHeap {
    limit: Option<usize>,
    heap: BinaryHeap<Reverse<Slow>>,
}

impl SlowHeap {
    pub fn new(slowest: SlowestCases) -> SlowHeap {
        let limit = match slowest {
            SlowestCases::Top(n) => Some(n),
            SlowestCases::All => None,
        };
        SlowHeap {
            limit,
            heap: BinaryHeap::new(),
        }
    }

    /// Whether a case of this time would enter the heap (checked before building its record).
    pub fn admits(&self, time: f64) -> bool {
        match self.limit {
            None => true,
            Some(0) => false,
            Some(n) if self.heap.len() < n => true,
            Some(_) => self.heap.peek().is_some_and(|Reverse(min)| time > min.time),
        }
    }

    pub fn push(&mut self, slow: Slow) {
        if !self.admits(slow.time) {
            return;
        }
        self.heap.push(Reverse(slow));
        if let Some(n) = self.limit {
            while self.heap.len() > n {
                self.heap.pop();
            }
        }
    }

    /// Slowest first.
    pub fn into_sorted(self) -> Vec<Slow> {
        let mut v: Vec<Slow> = self.heap.into_iter().map(|Reverse(s)| s).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::junit::Outcome;

    fn slow(time: f64, seq: u64) -> Slow {
        Slow {
            time,
            seq,
            key: seq,
            record: CaseRecord {
                report: "r.xml".into(),
                suite: "s".into(),
                classname: "c".into(),
                name: format!("t{seq}"),
                outcome: Outcome::Passed,
                time: Some(time),
                attempt_count: 1,
                attempts: Vec::new(),
                file: None,
                line: None,
            },
        }
    }

    #[test]
    fn the_heap_keeps_the_slowest_and_the_earlier_of_equal_times() {
        let mut heap = SlowHeap::new(SlowestCases::Top(3));
        for (i, time) in [1.0, 5.0, 2.0, 5.0, 4.0, 0.5].into_iter().enumerate() {
            heap.push(slow(time, i as u64));
        }
        assert!(!heap.admits(4.0), "not slower than the slowest three");
        assert!(heap.admits(4.5));
        let kept: Vec<u64> = heap.into_sorted().iter().map(|s| s.seq).collect();
        assert_eq!(kept, [1, 3, 4]);
    }

    #[test]
    fn top_zero_keeps_nothing_and_all_keeps_everything() {
        let mut none = SlowHeap::new(SlowestCases::Top(0));
        none.push(slow(1.0, 0));
        assert!(none.into_sorted().is_empty());
        let mut all = SlowHeap::new(SlowestCases::All);
        for i in 0..100 {
            all.push(slow(f64::from(i), i as u64));
        }
        assert_eq!(all.into_sorted().len(), 100);
    }
}
