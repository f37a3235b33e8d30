//! What reading keeps: how many slow cases, how long a message, how many records.

/// How many slow cases to keep per test type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowestCases {
    /// The N slowest.
    Top(usize),
    /// Every case (memory then grows with the number of cases).
    All,
}

impl SlowestCases {
    /// Parses `all` or a number.
    pub fn parse(text: &str) -> Option<SlowestCases> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") {
            Some(SlowestCases::All)
        } else {
            t.parse().ok().map(SlowestCases::Top)
        }
    }
}

/// What reading keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// How many slow cases to keep per test type.
    pub slowest: SlowestCases,
    /// Messages and stack traces are cut to this many chars.
    pub max_message_chars: usize,
    /// Failed, errored and flaky cases kept with their names and messages, per test type;
    /// beyond, tests are still counted and folded (8 to 40 bytes each) but get no row.
    pub max_kept_cases: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            slowest: SlowestCases::Top(10),
            max_message_chars: 1000,
            max_kept_cases: 2000,
        }
    }
}
