//! Photos that come with diary entries. The phone uploads each before the entries that cite
//! it, named by the SHA-256 of its bytes; the server checks that name, re-encodes the photo
//! like every tree photo (upright, at most 1280 px, no EXIF) and the ledger cites the BLAKE3
//! hash of what it stored.

use ledger::Digest;
use sha2::{Digest as _, Sha256};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result};
use crate::photos::process_queued;
use crate::services::Services;
use crate::store::DiaryPhoto;

/// The 32 bytes named by a lower-case hex SHA-256.
pub fn upload_name(hex: &str) -> Result<[u8; 32]> {
    data_encoding::HEXLOWER
        .decode(hex.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            Error::invalid(
                "Tên ảnh phải là SHA-256 (64 chữ số hex viết thường)",
                "A photo's name must be its SHA-256 (64 lower-case hex digits)",
            )
        })
}

/// The stored photo's content hash, if the cooperative has this upload.
pub async fn find(s: &Services, actor: &Actor, coop: &str, name: &str) -> Result<Option<Digest>> {
    let coop = cooperatives::by_code(&s.store, coop).await?;
    actor.require(coop.id, Action::Record)?;
    s.store.diary_photo_hash(coop.id, &upload_name(name)?).await
}

/// Stores an upload; `Ok((true, hash))` if it is new, `(false, hash)` if the cooperative
/// had it already (a phone retrying after a lost reply).
pub async fn upload(
    s: &Services,
    actor: &Actor,
    coop: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<(bool, Digest)> {
    let coop = cooperatives::by_code(&s.store, coop).await?;
    actor.require(coop.id, Action::Record)?;
    let sha = upload_name(name)?;
    if let Some(hash) = s.store.diary_photo_hash(coop.id, &sha).await? {
        return Ok((false, hash));
    }
    if <[u8; 32]>::from(Sha256::digest(&bytes)) != sha {
        return Err(Error::invalid(
            "Ảnh bị hỏng trên đường truyền (mã SHA-256 không khớp); sẽ gửi lại",
            "The photo was damaged in transit (its SHA-256 does not match); it will be sent again",
        ));
    }
    check_size(&bytes)?;
    let p = process_queued(bytes).await?;
    s.photos.put(&p).await?;
    s.store
        .insert_diary_photo(
            coop.id,
            &DiaryPhoto {
                sha256: sha,
                hash: p.hash,
                width: i64::from(p.width),
                height: i64::from(p.height),
                created_at: now_ms(),
            },
        )
        .await?;
    Ok((true, Digest(p.hash)))
}

/// Phones send at most 1600 px on the long side; a diary upload may have 16 megapixels
/// (a phone's full photo) but no more, checked from the header before any decoding (an
/// outside probe kept the server busy for seconds with 40-megapixel black squares).
const MAX_DIARY_PIXELS: u64 = 16_000_000;

fn check_size(bytes: &[u8]) -> Result<()> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format();
    if let Ok((w, h)) = reader
        .map_err(|_| ())
        .and_then(|r| r.into_dimensions().map_err(|_| ()))
    {
        if u64::from(w) * u64::from(h) > MAX_DIARY_PIXELS {
            return Err(Error::too_large(
                format!("Ảnh {w} × {h} điểm ảnh quá lớn cho nhật ký (tối đa 16 triệu điểm ảnh)"),
                format!(
                    "A {w} × {h} pixel photo is too large for the diary (at most 16 megapixels)"
                ),
            ));
        }
    }
    Ok(())
}

/// The name a phone gives an upload: the lower-case hex SHA-256 of its bytes.
pub fn name_of(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}
