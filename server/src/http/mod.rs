//! The non-page HTTP routes (health, published keys, checkpoints, history downloads) and
//! the layers every request passes: CSRF protection, sessions, localised errors.

pub mod cookies;
pub mod csrf;
pub mod diary;
pub mod edge;
pub mod localize;
pub mod metrics;
pub mod openapi;
pub mod payments;
pub mod pwa;
pub mod redirect;
pub mod resolver;
mod sandbox;
pub mod session;
pub mod tlog;
pub mod tokens;
pub mod trace;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::Result;
use crate::photos::Size;
use crate::services::Services;
use crate::{cooperatives, log};
use openapi::PublicRefusals;

/// The routes this crate serves; the binary merges them with the pages.
pub fn router() -> Router<Services> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/.well-known/goc/keys/{coop}", get(key_history))
        .route("/.well-known/goc/platform-key", get(platform_key))
        .route("/api/cooperatives/{coop}/checkpoint", get(checkpoint))
        .route("/api/trees/{coop}/{tree}/history", get(tree_history))
        .route("/photos/{hash}/{size}", get(photo))
        .merge(diary::router())
        .merge(payments::router())
        .merge(sandbox::router())
        .merge(trace::router())
        .merge(resolver::router())
        .merge(openapi::router())
        .merge(tlog::router())
}

/// A cooperative's code in a path.
const COOP: &str = "The cooperative's code";

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "verify",
    responses(
        (status = 200, description = "The server and its database answer", body = String, content_type = "text/plain", example = "ok"),
        (status = 503, description = "The database does not answer", body = String, content_type = "text/plain"),
    ))]
async fn healthz(State(s): State<Services>) -> impl IntoResponse {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// A JSON document with a strong validator: its content hash as the `ETag`, and `304 Not
/// Modified` when the client already holds those bytes (a phone re-checking a history it
/// downloaded before fetches nothing).
fn conditional_json<T: serde::Serialize>(
    headers: &HeaderMap,
    value: &T,
    extra: &[(header::HeaderName, String)],
) -> Result<Response> {
    let body = serde_json::to_vec(value)
        .map_err(|e| crate::Error::Internal(format!("encoding JSON: {e}")))?;
    let etag = format!("\"{}\"", &blake3::hash(&body).to_hex()[..32]);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name.clone(), v);
        }
    }
    Ok(res)
}

/// The platform key, which signs only the replacement of a cooperative's lost or stolen
/// key: verifiers need it to follow such a rotation.
#[utoipa::path(get, path = "/.well-known/goc/platform-key", tag = "verify",
    responses((status = 200, description = "The platform's Ed25519 key", body = PlatformKey),
        (status = 304, description = "Not modified (If-None-Match)")))]
async fn platform_key(State(s): State<Services>, headers: HeaderMap) -> Result<Response> {
    let key = s.sealer.platform_public();
    conditional_json(
        &headers,
        &PlatformKey {
            key_id: key.key_id().to_string(),
            public_key: key.to_hex(),
        },
        &[(header::CACHE_CONTROL, "public, max-age=3600".into())],
    )
}

/// The platform's public key as served.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PlatformKey {
    /// The key ID: 13 characters of unpadded base32 (docs/ledger-format.md).
    key_id: String,
    /// The Ed25519 public key, hex.
    public_key: String,
}

/// A cooperative's key history, so anyone can verify its QR identities offline.
#[utoipa::path(get, path = "/.well-known/goc/keys/{coop}", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH")),
    responses(
        (status = 200, description = "The key history: the genesis key and each signed rotation (docs/qr-identity.md)", body = Object),
        (status = 304, description = "Not modified (If-None-Match)"),
        PublicRefusals,
    ))]
async fn key_history(
    State(s): State<Services>,
    Path(coop): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let coop = cooperatives::by_code(&s.store, coop.trim_end_matches(".json")).await?;
    let keys = cooperatives::key_history(&s.store, &coop).await?;
    conditional_json(
        &headers,
        &keys,
        &[(header::CACHE_CONTROL, "public, max-age=300".into())],
    )
}

/// The latest signed checkpoint, as a C2SP signed note.
#[utoipa::path(get, path = "/api/cooperatives/{coop}/checkpoint", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH")),
    responses(
        (status = 200, description = "The checkpoint: origin, size and root hash, signed (docs/ledger-format.md)", body = String, content_type = "text/plain"),
        PublicRefusals,
    ))]
async fn checkpoint(
    State(s): State<Services>,
    Path(coop): Path<String>,
) -> Result<impl IntoResponse> {
    let coop = cooperatives::by_code(&s.store, &coop).await?;
    let cp = log::checkpoint(&s.store, &s.sealer, &coop).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        crate::witness::submit::published(&s.store, coop.id, &cp).await?,
    ))
}

/// A private file to download (an export for one cooperative's managers): never cached.
/// The file's name keeps ASCII letters, digits, `-`, `_` and `.` (a header carries it).
pub fn download(content_type: &str, filename: &str, body: impl Into<axum::body::Body>) -> Response {
    let filename: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body.into(),
    )
        .into_response()
}

/// A cooperative's archive as a download. It is written to a temporary file first (an
/// archive can be larger than memory), which is unlinked at once and streamed from the
/// open handle: nothing is left on disk whatever happens to the response.
pub async fn archive_download(
    s: &Services,
    actor: &crate::access::Actor,
    coop: &crate::store::CooperativeRow,
    passphrase: &secrecy::SecretString,
) -> Result<Response> {
    let mut name = [0u8; 16];
    getrandom::getrandom(&mut name)
        .map_err(|e| crate::Error::Internal(format!("randomness: {e}")))?;
    let path = std::env::temp_dir().join(format!(
        "goc-export-{}.tar.gz",
        data_encoding::HEXLOWER.encode(&name)
    ));
    let file = std::fs::File::create_new(&path)
        .map_err(|e| crate::Error::io("creating a temporary file", e))?;
    let written = crate::archive::export(s, actor, coop, passphrase, false, file).await;
    let opened = tokio::fs::File::open(&path).await;
    let _ = std::fs::remove_file(&path);
    written?;
    let file = opened.map_err(|e| crate::Error::io("reading the archive", e))?;
    let day = crate::text::vn_minute(crate::clock::now_ms());
    let stream = tokio_util::io::ReaderStream::new(file);
    Ok(download(
        "application/gzip",
        &format!("{}-{}.tar.gz", coop.code, &day[..10]),
        axum::body::Body::from_stream(stream),
    ))
}

/// A tree's history with proofs, as a download for `goc verify-file`.
#[utoipa::path(get, path = "/api/trees/{coop}/{tree}/history", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH"),
        ("tree" = String, Path, description = "The tree's code", example = "CC001")),
    responses(
        (status = 200, description = "The tree's signed identity, its entries, inclusion and consistency proofs and a checkpoint (docs/ledger-format.md)", body = Object),
        (status = 304, description = "Not modified (If-None-Match)"),
        PublicRefusals,
    ))]
async fn tree_history(
    State(s): State<Services>,
    Path((coop, tree)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let history = log::export_tree(&s.store, &s.sealer, &s.base_url, &coop, &tree).await?;
    let name = format!("attachment; filename=\"{coop}-{tree}-history.json\"");
    conditional_json(
        &headers,
        &history,
        &[
            (header::CONTENT_DISPOSITION, name),
            // Public, but fresh: a new diary entry changes it; revalidation is cheap.
            (header::CACHE_CONTROL, "public, no-cache".into()),
        ],
    )
}

/// A tree photo by its content hash (`full.jpg` or `thumb.jpg`). The hash names the
/// bytes, so the response never changes and may be cached for good.
async fn photo(
    State(s): State<Services>,
    Path((hash, size)): Path<(String, String)>,
) -> Result<impl IntoResponse> {
    let size = match size.as_str() {
        "full.jpg" => Size::Full,
        "thumb.jpg" => Size::Thumb,
        _ => return Err(crate::Error::NotFound("photo")),
    };
    let hash: [u8; 32] = data_encoding::HEXLOWER
        .decode(hash.as_bytes())
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or(crate::Error::NotFound("photo"))?;
    let bytes = s
        .photos
        .get(&hash, size)
        .await?
        .ok_or(crate::Error::NotFound("photo"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    ))
}
