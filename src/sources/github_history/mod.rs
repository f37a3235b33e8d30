//! The history of a repository from the GitHub API, for `backfill`: pull requests with their
//! stages, reviews and lifecycle ([`pulls`], GraphQL, 50 per request), deployments with their
//! statuses ([`deployments`], GraphQL, 100 per request), releases and completed workflow runs
//! ([`rest`], REST lists, 100 per page). [`client`] keeps within the rate limits and counts the
//! requests.
//!
//! Answers are turned into the webhook payload models of [`super::event`], so that
//! `convert` makes rows of them exactly as of a live event. Nothing here knows about rows.

pub mod client;
pub mod deployments;
pub mod payloads;
pub mod pulls;
pub mod rest;

pub use client::{ClientStats, HistoryClient};

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The token cannot be sent (what is wrong, never the token).
    #[error("the GitHub token cannot be sent: {0}")]
    BadToken(String),
    /// The HTTP client could not be built, or an argument is wrong.
    #[error("{0}")]
    Client(String),
    /// GitHub answered with an error, or with something not shaped as documented.
    #[error("GitHub API {route} answered HTTP {status}: {message}")]
    Api {
        /// `GET /repos/o/r/releases`, `POST graphql`.
        route: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The request did not get an answer, after the retries.
    #[error("GitHub API {route} could not be reached: {message}")]
    Transport {
        /// The route.
        route: String,
        /// What failed.
        message: String,
    },
    /// A rate limit asks for a longer wait than the run is willing to make.
    #[error("GitHub API {route}: the rate limit resets in {wait_seconds} s")]
    RateLimited {
        /// The route.
        route: String,
        /// How long it asked to wait.
        wait_seconds: u64,
    },
}
