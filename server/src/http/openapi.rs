//! The JSON API's OpenAPI 3.1 document, generated from the handlers' annotations and the
//! types they answer with, so it cannot drift from the code; served at a stable, versioned
//! URL for the systems that call Gốc (a cooperative's accounting, a provincial
//! traceability portal). `tests/tests/openapi.rs` checks the live server against it.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use crate::services::Services;

/// Where the document is served.
pub const PATH: &str = "/api/v1/openapi.json";

/// Every refusal's body: the reason, in the reader's language (the `goc_lang` cookie).
#[derive(ToSchema)]
pub struct ApiError {
    #[schema(example = "Không tìm thấy hợp tác xã")]
    pub error: String,
}

/// The refusals of a route that needs a signed-in person with a role in the cooperative.
#[derive(IntoResponses)]
pub enum Refusals {
    /// A malformed query string or path (axum's own answer, plain text).
    #[response(status = 400, content_type = "text/plain")]
    BadRequest(String),
    /// Sign in first.
    #[response(status = 401)]
    Unauthorized(#[to_schema] ApiError),
    /// The signed-in person may not do this here.
    #[response(status = 403)]
    Forbidden(#[to_schema] ApiError),
    /// No such cooperative, tree, zone or order (or not the caller's to see).
    #[response(status = 404)]
    NotFound(#[to_schema] ApiError),
    /// A value in the question is wrong; the message says how.
    #[response(status = 422)]
    Invalid(#[to_schema] ApiError),
}

/// The refusals of a public route.
#[derive(IntoResponses)]
pub enum PublicRefusals {
    /// A malformed path (axum's own answer, plain text).
    #[response(status = 400, content_type = "text/plain")]
    BadRequest(String),
    /// No such cooperative or tree.
    #[response(status = 404)]
    NotFound(#[to_schema] ApiError),
}

struct Session;

impl Modify for Session {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "goc_sid",
                "The session cookie set by signing in at /login (`__Host-goc_sid` over https)",
            ))),
        );
        let mut token = Http::new(HttpAuthScheme::Bearer);
        token.description = Some(
            "A read-only API token (`goc_…`) a manager issues on the cooperative's page: it \
             reads what a manager of that one cooperative reads"
                .into(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(token));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gốc",
        version = "1.0.0",
        description = "Signed tree identities, tamper-evident cultivation logs, adoption \
                       and traceability for Vietnamese farming cooperatives. Formats others \
                       verify are specified in docs/ (ledger-format.md, qr-identity.md, \
                       epcis.md, archive.md).",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        super::healthz,
        super::platform_key,
        super::key_history,
        super::checkpoint,
        super::tree_history,
        super::payments::tree_offers,
        super::payments::order,
        super::payments::sales,
        super::payments::sales_csv,
        super::payments::care_requests,
        super::trace::recall_json,
        super::trace::recall_csv,
        super::trace::recall_epcis,
        super::trace::traceback_json,
        super::trace::tree_epcis,
        super::trace::zone_epcis,
        super::trace::report_json,
        super::trace::report_csv,
        super::tlog::checkpoint,
        super::tlog::log_vkey,
        super::tlog::tile,
        super::tlog::witness_vkey,
        super::tlog::add_checkpoint,
    ),
    modifiers(&Session),
    tags(
        (name = "verify", description = "Public: what anyone needs to verify a label or a history"),
        (name = "market", description = "Offers, orders and care requests"),
        (name = "trace", description = "Recall, traceback, EPCIS 2.0 and the season report (managers)"),
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<Services> {
    Router::new().route(PATH, get(document))
}

/// The document; it changes only with the binary.
async fn document() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        axum::Json(ApiDoc::openapi()),
    )
}
