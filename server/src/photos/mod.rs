//! Tree photos: decoded with limits (a hostile file cannot exhaust memory), turned upright
//! by their EXIF orientation, resized, and re-encoded as JPEG, which also drops EXIF
//! metadata such as the phone's GPS trail. Each photo is logged in the tree's diary by
//! its blake3 hash, so the picture a buyer sees is the one that was recorded. The bytes
//! go to the [`PhotoStore`]; the database keeps the hash and size.

mod storage;

pub use storage::{PhotoStore, Size};

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use ledger::{Kind, Subject, TreeCode};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::log::entry_with_photos;
use crate::services::Services;
use crate::store::{CooperativeRow, PhotoInsert};
use crate::zones::subject_key;

/// The long side of a stored photo: sharp on any phone, about 150–300 KB.
pub const FULL_PX: u32 = 1280;
/// The long side of the thumbnail the tree page shows first.
pub const THUMB_PX: u32 = 360;
/// Uploads above this are refused before decoding.
pub const MAX_UPLOAD: usize = 15 << 20;
/// Pixels a photo may declare: 40 MP covers every phone camera's normal output (12–24 MP;
/// 50 MP sensors bin to 12.5 MP) and bounds a decode to 120 MB of RGB. A small file can
/// declare a huge picture (a 420 KB PNG of 12,000² px), so this is checked from the header,
/// before any pixel is decoded.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Photos decoded at once; further uploads wait their turn, so memory stays bounded under
/// a burst (about 2 × 120 MB at worst).
const DECODES_AT_ONCE: usize = 2;
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODES_AT_ONCE);

/// A photo ready to store.
#[derive(Debug, Clone)]
pub struct Processed {
    pub image: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub hash: [u8; 32],
}

fn not_an_image() -> Error {
    Error::invalid(
        "Tệp không phải ảnh JPEG, PNG hay WebP đọc được",
        "The file is not a readable JPEG, PNG or WebP image",
    )
}

fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|e| Error::Internal(format!("encoding a photo: {e}")))?;
    Ok(out)
}

/// Decodes, orients, resizes and re-encodes an upload (CPU work: call it off the async
/// threads).
pub fn process(bytes: &[u8]) -> Result<Processed> {
    if bytes.len() > MAX_UPLOAD {
        return Err(Error::too_large(
            "Ảnh lớn quá 15 MB",
            "The photo is larger than 15 MB",
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_an_image())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| not_an_image())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::too_large(
            format!(
                "Ảnh {w} × {h} điểm ảnh quá lớn (tối đa 40 triệu điểm ảnh); hãy gửi ảnh nhỏ hơn"
            ),
            format!(
                "A {w} × {h} pixel photo is too large (at most 40 megapixels); send a smaller one"
            ),
        ));
    }
    let orientation = decoder.orientation().map_err(|_| not_an_image())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| not_an_image())?;
    img.apply_orientation(orientation);
    let full = if img.width().max(img.height()) > FULL_PX {
        img.resize(FULL_PX, FULL_PX, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let image = jpeg(&full, 82)?;
    let thumb = jpeg(&full.thumbnail(THUMB_PX, THUMB_PX), 75)?;
    Ok(Processed {
        hash: *blake3::hash(&image).as_bytes(),
        width: full.width(),
        height: full.height(),
        image,
        thumb,
    })
}

/// [`process`] on the blocking pool, waiting for a turn among the decodes at once.
pub async fn process_queued(upload: Vec<u8>) -> Result<Processed> {
    let _turn = DECODES
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("photo queue: {e}")))?;
    tokio::task::spawn_blocking(move || process(&upload))
        .await
        .map_err(|e| Error::Internal(format!("photo task: {e}")))?
}

/// Adds a photo to a tree and logs it in the tree's diary, in one transaction.
pub async fn add(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    tree_code: &str,
    upload: Vec<u8>,
) -> Result<String> {
    actor.require(coop.id, Action::Register)?;
    let tree = s
        .store
        .tree_row(coop.id, tree_code)
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let p = process_queued(upload).await?;
    s.photos.put(&p).await?;
    let hash_hex = data_encoding::HEXLOWER.encode(&p.hash);
    let now = now_ms();
    let subject = Subject::Tree(TreeCode::parse(&tree.code)?);
    let key = subject_key(&subject);
    let kind = Kind::Note {
        text: "Ảnh cây / tree photo".into(),
    };
    let make = entry_with_photos(
        subject,
        &actor.author_in(coop.id),
        now,
        kind,
        vec![ledger::Digest(p.hash)],
    );
    s.store
        .insert_photo(
            &PhotoInsert {
                tree_id: tree.id,
                hash: p.hash.to_vec(),
                width: i64::from(p.width),
                height: i64::from(p.height),
                created_at: now,
            },
            coop.id,
            &key,
            make,
        )
        .await?;
    Ok(hash_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, _| {
            image::Rgb([(x % 255) as u8, 120, 40])
        }));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// PNG's chunk checksum (ISO 3309 CRC-32), to forge a header that decoders accept.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_large_photo_is_resized_with_its_thumbnail_and_hashed() {
        let p = process(&png(3000, 2000)).unwrap();
        assert_eq!((p.width, p.height), (1280, 853));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), THUMB_PX);
        assert_eq!(p.hash, *blake3::hash(&p.image).as_bytes());
        assert!(p.image.starts_with(&[0xFF, 0xD8]), "stored as JPEG");
        let small = process(&png(400, 300)).unwrap();
        assert_eq!((small.width, small.height), (400, 300), "never enlarged");
    }

    #[test]
    fn a_small_file_declaring_a_huge_picture_is_refused_before_decoding() {
        // A valid PNG header and IHDR for 11999 × 11999 px, and nothing else: a decode
        // would allocate ~430 MB; the header check refuses it at once.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&11_999u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&11_999u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = process(&bomb).unwrap_err();
        assert!(matches!(e, Error::TooLarge(_)), "{e:?}");
        assert!(e.public_text().en.contains("11999 × 11999"), "{e:?}");
        assert_eq!(e.status(), axum::http::StatusCode::PAYLOAD_TOO_LARGE);
        let huge = vec![0u8; MAX_UPLOAD + 1];
        assert_eq!(
            process(&huge).unwrap_err().status(),
            axum::http::StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[test]
    fn what_is_not_an_image_is_refused_with_a_reason() {
        let e = process(b"not an image at all").unwrap_err();
        assert!(e.public_text().en.contains("not a readable JPEG"));
        let mut truncated = png(50, 50);
        truncated.truncate(60);
        assert!(process(&truncated).is_err());
    }
}
