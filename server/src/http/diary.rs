//! The diary's sync API for phones (`docs/diary-sync.md`): stable, versioned routes that a
//! client cached for weeks keeps reaching, and that the service worker can call too.

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::Deserialize;

use crate::access::signed_in;
use crate::diary::{self, photos, SyncRequest};
use crate::error::{Error, Result};
use crate::http::session;
use crate::services::Services;

/// A sync request's largest body: 500 entries of about 1 KB each, with room to spare.
const MAX_SYNC_BODY: usize = 1 << 20;

pub fn router() -> Router<Services> {
    Router::new()
        .route("/api/v1/diary/sync", post(sync))
        .route("/api/v1/photos/{sha256}", put(upload_photo).head(has_photo))
}

async fn body_bytes(body: Body, limit: usize, (vi, en): (&str, &str)) -> Result<Vec<u8>> {
    to_bytes(body, limit)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| Error::too_large(vi, en))
}

async fn sync(State(s): State<Services>, headers: HeaderMap, body: Body) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let bytes = body_bytes(
        body,
        MAX_SYNC_BODY,
        (
            "Gói đồng bộ lớn quá 1 MB; hãy gửi ít mục hơn mỗi lần",
            "The sync request is larger than 1 MB; send fewer entries at a time",
        ),
    )
    .await?;
    let req: SyncRequest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::BadRequest(crate::error::Text::new(
            format!("Yêu cầu đồng bộ không đúng định dạng: {e}"),
            format!("The sync request is malformed: {e}"),
        ))
    })?;
    let results = diary::sync(&s, actor, req).await?;
    Ok(Json(serde_json::json!({ "results": results })).into_response())
}

#[derive(Deserialize)]
struct CoopQuery {
    coop: String,
}

async fn upload_photo(
    State(s): State<Services>,
    Path(name): Path<String>,
    Query(q): Query<CoopQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    let bytes = body_bytes(
        body,
        crate::photos::MAX_UPLOAD,
        ("Ảnh lớn quá 15 MB", "The photo is larger than 15 MB"),
    )
    .await?;
    let (created, hash) = photos::upload(&s, actor, &q.coop, &name, bytes).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(serde_json::json!({ "hash": hash }))).into_response())
}

async fn has_photo(
    State(s): State<Services>,
    Path(name): Path<String>,
    Query(q): Query<CoopQuery>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let actor = session::actor(&s, &headers).await?;
    let actor = signed_in(actor.as_ref())?;
    Ok(match photos::find(&s, actor, &q.coop, &name).await? {
        Some(_) => StatusCode::OK,
        None => StatusCode::NOT_FOUND,
    })
}
