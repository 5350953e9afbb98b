//! The server's one error type. Each variant maps to an HTTP status; internal causes are
//! logged with context and never shown to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the request names does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input is wrong; the message says how, for a person.
    #[error("{0}")]
    Invalid(String),
    /// The input clashes with what is stored (a code already taken).
    #[error("{0}")]
    Conflict(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn io(context: &str, e: std::io::Error) -> Self {
        Self::Internal(format!("{context}: {e}"))
    }

    /// True when a unique constraint refused the write (works on both engines).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(d)) if d.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a client may be told: the message for its own mistakes, nothing internal.
    pub fn public_message(&self) -> String {
        match self {
            Self::NotFound(_) | Self::Invalid(_) | Self::Conflict(_) => self.to_string(),
            _ => "internal error".to_owned(),
        }
    }
}

impl From<ledger::DecodeError> for Error {
    fn from(e: ledger::DecodeError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (
            status,
            axum::Json(serde_json::json!({ "error": self.public_message() })),
        )
            .into_response()
    }
}
