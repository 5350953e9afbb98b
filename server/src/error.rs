//! The server's one error type. Each variant maps to an HTTP status; internal causes are
//! logged with context and never shown to the client. What a person did wrong is said in
//! Vietnamese and in English ([`Text`]), so every page and API can answer in the reader's
//! language.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The two languages of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The language a request asks for: the `goc_lang` cookie the language switch sets,
    /// Vietnamese otherwise.
    pub fn of(headers: &HeaderMap) -> Self {
        match crate::http::cookies::get(headers, crate::http::cookies::LANG) {
            Some("en") => Self::En,
            _ => Self::Vi,
        }
    }
}

/// A message for a person, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the request names does not exist (or is not the caller's to see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input is wrong; the message says how.
    #[error("{0}")]
    Invalid(Text),
    /// The request itself is malformed (not the values in it); the message says how.
    #[error("{0}")]
    BadRequest(Text),
    /// The input clashes with what is stored (a code already taken).
    #[error("{0}")]
    Conflict(Text),
    /// The request needs a signed-in person.
    #[error("sign in first")]
    Unauthorized,
    /// The signed-in person may not do this.
    #[error("not allowed")]
    Forbidden,
    /// The upload is larger than the server takes; the message says the limit.
    #[error("{0}")]
    TooLarge(Text),
    /// Too many failed attempts; the caller may try again after this many seconds.
    #[error("too many attempts, retry in {0} s")]
    TooManyRequests(u64),
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
    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Invalid(Text::new(vi, en))
    }

    pub fn conflict(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Conflict(Text::new(vi, en))
    }

    pub fn too_large(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::TooLarge(Text::new(vi, en))
    }

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
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a client may be told: the message for its own mistakes, nothing internal.
    pub fn public_text(&self) -> Text {
        match self {
            Self::NotFound(_) => Text::new("Không tìm thấy.", "Not found."),
            Self::Invalid(t) | Self::BadRequest(t) | Self::Conflict(t) | Self::TooLarge(t) => {
                t.clone()
            }
            Self::Unauthorized => Text::new("Vui lòng đăng nhập trước.", "Please sign in first."),
            Self::Forbidden => Text::new(
                "Bạn không có quyền làm việc này.",
                "You are not allowed to do this.",
            ),
            Self::TooManyRequests(s) => Text::new(
                format!(
                    "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                    s.div_ceil(60)
                ),
                format!(
                    "Too many failed attempts. Please try again in {} minutes.",
                    s.div_ceil(60)
                ),
            ),
            _ => Text::new(
                "Có lỗi xảy ra, vui lòng thử lại sau.",
                "Something went wrong, please try again later.",
            ),
        }
    }
}

/// Carried by an error response so that [`crate::http::localize`] can answer in the
/// request's language; handlers just return `Result<_, Error>`.
#[derive(Debug, Clone)]
pub struct PublicError(pub Text);

/// The JSON body of an error response.
pub fn error_body(text: &str) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "error": text }))
}

impl From<ledger::DecodeError> for Error {
    fn from(e: ledger::DecodeError) -> Self {
        Self::invalid(format!("Dữ liệu không hợp lệ: {e}"), e.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let text = self.public_text();
        let mut res = (status, error_body(&text.vi)).into_response();
        if let Self::TooManyRequests(s) = self {
            res.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        res.extensions_mut().insert(PublicError(text));
        res
    }
}
