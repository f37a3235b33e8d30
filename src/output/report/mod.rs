//! `report`'s output: the report model ([`model`], plain data built from the stored figures)
//! and one renderer per format, each from the model only: [`html`] (one self-contained page,
//! inline SVG [`charts`] and CSS, no script), [`markdown`] (the job summary, within GitHub's
//! 1 MiB) and [`json`] (the model itself, for other tools). HTML and Markdown come from the
//! templates in `templates/`, rendered with minijinja. [`words`] says figures in words the same
//! way in every format; [`top_tests`] ranks the flakiest and slowest tests.

pub mod charts;
pub mod html;
pub mod json;
pub mod markdown;
pub mod model;
pub mod top_tests;
pub mod words;

pub use model::{build, Context, Report};

/// A template that does not render (a bug in a template, never in the data).
#[derive(Debug, thiserror::Error)]
#[error("the {format} report template did not render: {source}")]
pub struct RenderError {
    /// html or markdown.
    pub format: &'static str,
    /// minijinja's error.
    #[source]
    pub source: minijinja::Error,
}
