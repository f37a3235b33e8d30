//! The report as JSON, for other tools: the model as it is (values as stored, `null` with its
//! reason in `text` when there was nothing to measure, `n` beside every figure).

use super::model::Report;

/// The report model as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report model serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::super::model::{build, Context};
    use super::*;
    use crate::sources::figures::Figures;

    #[test]
    fn an_empty_period_is_null_with_its_reason_never_zero() {
        let day = |s: &str| s.parse().unwrap();
        let context = Context {
            repository: "o/r".into(),
            from: day("2026-11-23"),
            to: day("2026-11-29"),
            pass_line: 80.0,
            alerts: vec![],
            thresholds: vec![],
        };
        let json: serde_json::Value =
            serde_json::from_str(&render(&build(context, &Figures::default()))).unwrap();
        assert_eq!(
            json["dora"][0]["headline"]["value"],
            serde_json::Value::Null
        );
        assert_eq!(json["dora"][0]["headline"]["missing"], true);
        assert_eq!(json["no_figures"], true);
    }
}
