//! Figures in words, as every format shows them: a rate as a percentage, a duration in the unit
//! that fits.

/// `x` to two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A ratio as a percentage with one decimal: `0.8571` -> `85.7 %`.
pub fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

/// A duration in words: `45 s`, `12 min`, `3.5 h`, `2.1 d`.
pub fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{} s", seconds.round())
    } else if seconds < 3600.0 {
        format!("{} min", (seconds / 60.0).round())
    } else if seconds < 2.0 * 86400.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} d", seconds / 86400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration(30.0), "30 s");
        assert_eq!(duration(600.0), "10 min");
        assert_eq!(duration(14400.0), "4.0 h");
        assert_eq!(duration(3.0 * 86400.0), "3.0 d");
    }
}
