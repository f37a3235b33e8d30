//! `metrics.development_metrics`: computed metrics per day and per ISO week.

use super::{Row, Table};
use crate::environment::Environment;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The period a metric covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    /// One UTC day.
    Day,
    /// One ISO week, starting on Monday.
    Week,
}

/// A row of `metrics.development_metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevelopmentMetric {
    /// `owner/name`.
    pub repository: String,
    /// The environment the metric describes.
    pub environment: Environment,
    /// The day, or the Monday that starts the week.
    pub metric_date: NaiveDate,
    /// Day or week.
    pub grain: Grain,
    /// E.g. `deployment_frequency`.
    pub metric_name: String,
    /// The value, `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// How many events the value rests on.
    pub n: i64,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// E.g. `seconds`.
    pub unit: Option<String>,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// When devmetrics recorded the row.
    pub recorded_at: DateTime<Utc>,
    /// Inputs of the computation.
    pub metadata: serde_json::Value,
}

impl Row for DevelopmentMetric {
    const TABLE: Table = Table::DevelopmentMetrics;
}
