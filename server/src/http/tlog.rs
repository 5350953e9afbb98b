//! Each cooperative's log as a C2SP tiled log under `/log/{coop}/` (its origin line is
//! that URL without the scheme): the checkpoint with its cosignatures, the tiles and entry
//! bundles, immutable and cacheable so anyone can mirror them; and this instance's witness
//! endpoint (`c2sp.org/tlog-witness`).

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ledger::note::{Alg, VerifierKey};
use ledger::tiles::{self, Tile, TilePath};
use ledger::witness::{Refusal, SIZE_CONTENT_TYPE};

use super::openapi::PublicRefusals;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::{cooperatives, witness};

/// A request body bigger than a checkpoint with 64 signatures and 63 proof lines.
const MAX_ADD_CHECKPOINT: usize = 64 * 1024;
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const TEXT: &str = "text/plain; charset=utf-8";

pub fn router() -> Router<Services> {
    Router::new()
        .route("/log/{coop}/checkpoint", get(checkpoint))
        .route("/log/{coop}/vkey", get(log_vkey))
        .route("/log/{coop}/tile/{*path}", get(tile))
        .route("/.well-known/goc/witness-key", get(witness_vkey))
        .route(
            witness::ADD_CHECKPOINT_PATH,
            post(add_checkpoint).layer(DefaultBodyLimit::max(MAX_ADD_CHECKPOINT)),
        )
}

const COOP: &str = "The cooperative's code";

/// The newest checkpoint with every witness cosignature collected for it.
#[utoipa::path(get, path = "/log/{coop}/checkpoint", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH")),
    responses(
        (status = 200, description = "The checkpoint as a C2SP signed note: the cooperative's signature, then its witnesses' cosignatures", body = String, content_type = "text/plain"),
        PublicRefusals,
    ))]
async fn checkpoint(State(s): State<Services>, Path(coop): Path<String>) -> Result<Response> {
    let coop = cooperatives::by_code(&s.store, &coop).await?;
    let cp = crate::log::checkpoint(&s.store, &s.sealer, &coop).await?;
    let note = witness::submit::published(&s.store, coop.id, &cp).await?;
    Ok((
        [
            (header::CONTENT_TYPE, TEXT),
            (header::CACHE_CONTROL, "public, max-age=5"),
        ],
        note,
    )
        .into_response())
}

/// The key the cooperative signs checkpoints with now, as a C2SP verifier key: what a
/// witness's operator adds to follow this log.
#[utoipa::path(get, path = "/log/{coop}/vkey", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH")),
    responses(
        (status = 200, description = "The log's verifier key (C2SP vkey, type 0x01)", body = String, content_type = "text/plain"),
        PublicRefusals,
    ))]
async fn log_vkey(State(s): State<Services>, Path(coop): Path<String>) -> Result<Response> {
    let coop = cooperatives::by_code(&s.store, &coop).await?;
    let keys = cooperatives::key_history(&s.store, &coop).await?;
    let current = keys
        .rotations
        .last()
        .map_or(keys.genesis, |r| r.statement.new_key);
    let vkey = VerifierKey::new(&coop.origin, Alg::Ed25519, current)
        .map_err(|e| Error::Internal(format!("the origin is not a key name: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, TEXT),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        format!("{vkey}\n"),
    )
        .into_response())
}

/// This instance's witness key, which a cooperative configures to trust it.
#[utoipa::path(get, path = "/.well-known/goc/witness-key", tag = "verify",
    responses((status = 200, description = "The witness's verifier key (C2SP vkey, type 0x04)", body = String, content_type = "text/plain")))]
async fn witness_vkey(State(s): State<Services>) -> Result<Response> {
    let vkey = witness::vkey(&s)?;
    Ok((
        [
            (header::CONTENT_TYPE, TEXT),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        format!("{vkey}\n"),
    )
        .into_response())
}

/// A tile of hashes or an entry bundle, only within the newest checkpoint.
#[utoipa::path(get, path = "/log/{coop}/tile/{path}", tag = "verify",
    params(("coop" = String, Path, description = COOP, example = "NA-LH"),
        ("path" = String, Path, description = "The tile: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (c2sp.org/tlog-tiles)", example = "0/000.p/7")),
    responses(
        (status = 200, description = "The tile's hashes (32 bytes each) or entries (each after its big-endian u16 length)", body = Vec<u8>, content_type = "application/octet-stream"),
        PublicRefusals,
    ))]
async fn tile(
    State(s): State<Services>,
    Path((coop, path)): Path<(String, String)>,
) -> Result<Response> {
    let (hashes, tile) = match TilePath::parse(&format!("tile/{path}")) {
        Ok(TilePath::Hashes(t)) => (true, t),
        Ok(TilePath::Entries(t)) => (false, t),
        Err(_) => return Err(Error::NotFound("tile")),
    };
    let coop = cooperatives::by_code(&s.store, &coop).await?;
    let size = s
        .store
        .latest_checkpoint(coop.id)
        .await?
        .map_or(0, |c| c.size as u64);
    // Every hash of the tile must lie inside the newest checkpoint: then its bytes never
    // change, and no one learns of entries before a checkpoint commits to them.
    let inside = Tile::in_tree(size, tile.level, tile.index).is_some_and(|t| t.width >= tile.width);
    if !inside {
        return Err(Error::NotFound("tile"));
    }
    let body = if hashes {
        tiles::encode_hashes(&s.store.tile_hashes(coop.id, &tile).await?)
    } else {
        let entries = s.store.tile_entries(coop.id, &tile).await?;
        tiles::encode_bundle(entries.iter().map(Vec::as_slice))
            .map_err(|e| Error::Internal(format!("an entry does not fit a bundle: {e}")))?
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        body,
    )
        .into_response())
}

/// `add-checkpoint`: a log asks this instance to cosign its new checkpoint.
#[utoipa::path(post, path = "/witness/add-checkpoint", tag = "verify",
    request_body(content = String, content_type = "text/plain", description = "old size, consistency proof lines, an empty line, the checkpoint (c2sp.org/tlog-witness)"),
    responses(
        (status = 200, description = "The cosignature line", body = String, content_type = "text/plain"),
        (status = 400, description = "Not a request of the protocol, or an old size after the new", body = String, content_type = "text/plain"),
        (status = 403, description = "Not signed by a key this witness trusts for the log", body = String, content_type = "text/plain"),
        (status = 404, description = "This witness does not follow the log", body = String, content_type = "text/plain"),
        (status = 409, description = "The witness holds another size (the body, as text/x.tlog.size), or another root at that size (a split view, as text/plain)", body = String, content_type = "text/x.tlog.size"),
        (status = 422, description = "The consistency proof does not verify", body = String, content_type = "text/plain"),
    ))]
async fn add_checkpoint(State(s): State<Services>, body: String) -> Result<Response> {
    Ok(match witness::add_checkpoint(&s, &body).await? {
        Ok(line) => ([(header::CONTENT_TYPE, TEXT)], line).into_response(),
        Err(Refusal::Conflict { latest }) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, SIZE_CONTENT_TYPE)],
            format!("{latest}\n"),
        )
            .into_response(),
        Err(refusal) => (
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
            [(header::CONTENT_TYPE, TEXT)],
            format!("{refusal}\n"),
        )
            .into_response(),
    })
}
