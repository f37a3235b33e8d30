//! The geometry of the HTML report's charts: bars, stacked bars, axis ticks, week labels and a
//! reference line, computed from the report model, as plain data the template draws as inline
//! SVG. Each chart carries its own text alternative (title, description); the template adds the
//! data table. A week with nothing to measure is drawn as a gap marker, never as a 0-high bar;
//! a measured 0 is a 1-unit bar, so that it can be told from a gap.

use super::model::{Point, Report, Series, StageWeek};
use serde::Serialize;

/// A full-width chart's viewBox (the PR stages, pass rates).
const WIDE: (f64, f64) = (640.0, 220.0);
/// A chart in a card (the DORA trends): drawn at about its own size, so its text stays legible.
const SMALL: (f64, f64) = (320.0, 170.0);
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;

/// One chart, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Unique in the page (for `aria-labelledby`).
    pub id: String,
    /// The chart's title.
    pub title: String,
    /// What it shows, in words (for screen readers).
    pub desc: String,
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// The plot's bottom (the x axis).
    pub baseline: f64,
    /// The plot's left edge.
    pub left: f64,
    /// The plot's right edge.
    pub right: f64,
    /// Bars (stacked segments are bars too).
    pub bars: Vec<Bar>,
    /// Weeks with nothing to draw.
    pub gaps: Vec<Gap>,
    /// y axis ticks.
    pub ticks: Vec<Tick>,
    /// Week labels.
    pub labels: Vec<Label>,
    /// A reference line (the pass rate line).
    pub line: Option<Tick>,
    /// What each colour is.
    pub legend: Vec<Legend>,
}

/// A rectangle with its value in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// CSS class (its colour).
    pub class: &'static str,
    /// `week of 2026-11-23: 3.0 h (n = 4)`.
    pub text: String,
}

/// A week with no bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Centre.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// Why.
    pub text: String,
}

/// A horizontal tick or line at `y`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// Height.
    pub y: f64,
    /// Its value in words.
    pub text: String,
}

/// A week label under the axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// Centre.
    pub x: f64,
    /// `11-23`.
    pub text: String,
}

/// A legend entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Legend {
    /// CSS class.
    pub class: &'static str,
    /// What it is.
    pub text: String,
}

/// How values of a chart scale: the axis maximum and how a value reads on the axis.
struct Scale {
    max: f64,
    factor: f64,
    unit: &'static str,
    height: f64,
}

impl Scale {
    /// A scale for values in `unit` ("per_day", "seconds", "ratio") up to `max` (source units).
    fn for_unit(unit: &str, max: f64, height: f64) -> Scale {
        let (factor, unit) = match unit {
            "ratio" => {
                return Scale {
                    max: 1.0,
                    factor: 100.0,
                    unit: "%",
                    height,
                }
            }
            "seconds" if max >= 2.0 * 86400.0 => (1.0 / 86400.0, "d"),
            "seconds" => (1.0 / 3600.0, "h"),
            _ => (1.0, "/d"),
        };
        let shown = nice(max * factor);
        Scale {
            max: shown / factor,
            factor,
            unit,
            height,
        }
    }

    fn y(&self, value: f64) -> f64 {
        let plot = self.height - TOP - BOTTOM;
        self.height - BOTTOM - (value / self.max).clamp(0.0, 1.0) * plot
    }

    fn ticks(&self) -> Vec<Tick> {
        [0.0, 0.5, 1.0]
            .iter()
            .map(|f| {
                let v = self.max * f;
                Tick {
                    y: round(self.y(v)),
                    text: format!("{}{}", trim(v * self.factor), self.unit),
                }
            })
            .collect()
    }
}

/// The next "nice" number at or above `x` (1, 2, 2.5, 5 × 10^k); 1 for nothing.
fn nice(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|v| *v >= x - 1e-9)
        .unwrap_or(10.0 * p)
}

fn trim(x: f64) -> String {
    // Two decimals at most (an axis of 0.5 per day has a tick at 0.25), no trailing zeros.
    let text = format!("{:.2}", (x * 100.0).round() / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Slot `i` of `n` in a chart `width` wide: its left edge and width.
fn slot(i: usize, n: usize, width: f64) -> (f64, f64) {
    let w = (width - LEFT - RIGHT) / n.max(1) as f64;
    (LEFT + w * i as f64, w)
}

fn frame(
    id: String,
    title: String,
    desc: String,
    weeks: &[chrono::NaiveDate],
    (width, height): (f64, f64),
) -> Chart {
    let every = weeks
        .len()
        .div_ceil(if width < 400.0 { 4 } else { 8 })
        .max(1);
    let labels = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, w)| {
            let (x, w_) = slot(i, weeks.len(), width);
            Label {
                x: round(x + w_ / 2.0),
                text: w.format("%m-%d").to_string(),
            }
        })
        .collect();
    Chart {
        id,
        title,
        desc,
        width,
        height,
        baseline: height - BOTTOM,
        left: LEFT,
        right: width - RIGHT,
        bars: Vec::new(),
        gaps: Vec::new(),
        ticks: Vec::new(),
        labels,
        line: None,
        legend: Vec::new(),
    }
}

fn describe(points: &[Point]) -> String {
    let measured: Vec<&Point> = points.iter().filter(|p| p.value.is_some()).collect();
    if measured.is_empty() {
        return "No week of the period has a figure.".to_owned();
    }
    let last = measured[measured.len() - 1];
    format!(
        "{} of {} weeks have a figure; the latest, week of {}: {} (n = {}).",
        measured.len(),
        points.len(),
        last.week,
        last.text,
        last.n
    )
}

/// A bar per week of `points` (values in `unit`), with `line` (in source units) when given.
pub fn bars(
    id: &str,
    title: &str,
    unit: &str,
    points: &[Point],
    line: Option<f64>,
    size: (f64, f64),
) -> Chart {
    let weeks: Vec<_> = points.iter().map(|p| p.week).collect();
    let mut chart = frame(
        id.to_owned(),
        title.to_owned(),
        describe(points),
        &weeks,
        size,
    );
    let (width, height) = size;
    let max = points.iter().filter_map(|p| p.value).fold(0.0, f64::max);
    let scale = Scale::for_unit(unit, max.max(line.unwrap_or(0.0)), height);
    chart.ticks = scale.ticks();
    for (i, p) in points.iter().enumerate() {
        let (x, w) = slot(i, points.len(), width);
        match p.value {
            Some(v) => {
                let y = scale.y(v).min(height - BOTTOM - 1.0);
                chart.bars.push(Bar {
                    x: round(x + w * 0.15),
                    y: round(y),
                    w: round(w * 0.7),
                    h: round(height - BOTTOM - y),
                    class: "bar",
                    text: format!("week of {}: {} (n = {})", p.week, p.text, p.n),
                });
            }
            None => chart.gaps.push(Gap {
                x: round(x + w / 2.0),
                y: height - BOTTOM - 4.0,
                text: format!("week of {}: {}", p.week, p.text),
            }),
        }
    }
    if let Some(limit) = line {
        chart.line = Some(Tick {
            y: round(scale.y(limit)),
            text: format!("{}{}", trim(limit * scale.factor), scale.unit),
        });
    }
    chart
}

/// The PR stages of each week as stacked bars (medians, in hours or days).
pub fn stages(id: &str, weeks: &[StageWeek]) -> Chart {
    let dates: Vec<_> = weeks.iter().map(|w| w.week).collect();
    let parts = |s: &StageWeek| -> [(&'static str, &'static str, Point); 4] {
        [
            ("coding", "Coding", s.coding.clone()),
            ("pickup", "Pickup", s.pickup.clone()),
            ("review", "Review", s.review.clone()),
            ("deploy", "Deploy", s.deploy.clone()),
        ]
    };
    let measured = weeks
        .iter()
        .filter(|s| parts(s).iter().any(|(_, _, p)| p.value.is_some()))
        .count();
    let desc = format!(
        "Median coding, pickup, review and deploy time of the pull requests of each week, stacked; \
         {measured} of {} weeks have a figure.",
        weeks.len()
    );
    let (width, height) = WIDE;
    let mut chart = frame(
        id.to_owned(),
        "PR cycle time by stage (medians)".into(),
        desc,
        &dates,
        WIDE,
    );
    let max = weeks
        .iter()
        .map(|s| parts(s).iter().filter_map(|(_, _, p)| p.value).sum::<f64>())
        .fold(0.0, f64::max);
    let scale = Scale::for_unit("seconds", max, height);
    chart.ticks = scale.ticks();
    for (i, s) in weeks.iter().enumerate() {
        let (x, w) = slot(i, weeks.len(), width);
        let mut top = height - BOTTOM;
        let mut any = false;
        for (class, name, p) in parts(s) {
            let Some(v) = p.value else { continue };
            any = true;
            let h = (height - BOTTOM - scale.y(v)).max(1.0);
            top -= h;
            chart.bars.push(Bar {
                x: round(x + w * 0.15),
                y: round(top),
                w: round(w * 0.7),
                h: round(h),
                class,
                text: format!("week of {}: {name} {} (n = {})", s.week, p.text, p.n),
            });
        }
        if !any {
            chart.gaps.push(Gap {
                x: round(x + w / 2.0),
                y: height - BOTTOM - 4.0,
                text: format!("week of {}: {}", s.week, s.coding.text),
            });
        }
    }
    chart.legend = ["coding", "pickup", "review", "deploy"]
        .iter()
        .zip(["Coding", "Pickup", "Review", "Deploy"])
        .map(|(class, text)| Legend {
            class,
            text: text.to_owned(),
        })
        .collect();
    chart
}

/// Every chart of the report, by section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    /// One per DORA key, in the order of `Report::dora`.
    pub dora: Vec<Chart>,
    /// The stacked PR stages.
    pub stages: Chart,
    /// One per environment with test runs, in the order of `Report::pass_rates`.
    pub pass_rates: Vec<Chart>,
}

/// The charts of `report`.
pub fn charts(report: &Report) -> Charts {
    let series_chart = |i: usize, s: &Series| {
        bars(
            &format!("pass-{i}"),
            &format!("Test pass rate per week, {}", s.environment),
            "ratio",
            &s.points,
            Some(report.pass_line / 100.0),
            WIDE,
        )
    };
    Charts {
        dora: report
            .dora
            .iter()
            .enumerate()
            .map(|(i, k)| bars(&format!("dora-{i}"), k.label, k.unit, &k.trend, None, SMALL))
            .collect(),
        stages: stages("stages", &report.cycle),
        pass_rates: report
            .pass_rates
            .iter()
            .enumerate()
            .map(|(i, s)| series_chart(i, s))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(week: &str, value: Option<f64>) -> Point {
        Point {
            week: week.parse().unwrap(),
            value,
            n: i64::from(value.is_some()),
            text: value.map_or("no test run in this week".into(), |v| format!("{v}")),
            missing: false,
        }
    }

    #[test]
    fn a_measured_zero_is_a_thin_bar_and_nothing_measured_is_a_gap() {
        let c = bars(
            "x",
            "Rate",
            "ratio",
            &[
                point("2026-11-16", Some(0.0)),
                point("2026-11-23", None),
                point("2026-11-30", Some(1.0)),
            ],
            Some(0.8),
            WIDE,
        );
        assert_eq!(c.bars.len(), 2);
        assert_eq!(c.bars[0].h, 1.0);
        assert_eq!(c.bars[1].y, TOP);
        assert_eq!(c.gaps.len(), 1);
        assert!(c.gaps[0].text.contains("no test run"));
        let line = c.line.unwrap();
        assert_eq!(line.text, "80%");
        assert!(line.y > TOP && line.y < WIDE.1 - BOTTOM);
    }

    #[test]
    fn axis_maxima_are_nice_numbers() {
        assert_eq!(nice(3.2), 5.0);
        assert_eq!(nice(0.7), 1.0);
        assert_eq!(nice(21.0), 25.0);
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(
            (trim(0.25), trim(10.0), trim(2.5)),
            ("0.25".into(), "10".into(), "2.5".into())
        );
    }
}
