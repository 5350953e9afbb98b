//! Where photo bytes live: one interface over a folder on this machine (the default, so a
//! fresh install needs nothing else) or an S3-compatible bucket (AWS, MinIO, Cloudflare R2,
//! Viettel or FPT object storage), chosen by one setting. Objects are named by the BLAKE3
//! hash of the stored JPEG, the hash the ledger cites: writing one twice is harmless, a name
//! never changes meaning, and a mirror of the bucket can be checked against the ledger. The
//! database keeps only each photo's hash and size.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::Processed;
use crate::error::{Error, Result};

/// The picture, or the thumbnail pages show first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Full,
    Thumb,
}

/// Photo bytes by content hash.
#[derive(Clone)]
pub struct PhotoStore {
    objects: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhotoStore({})", self.objects)
    }
}

fn storage_error(e: object_store::Error) -> Error {
    // object_store's messages name the object and the bucket, never the credentials.
    Error::Internal(format!("photo storage: {e}"))
}

impl PhotoStore {
    /// `s3://bucket` or `s3://bucket/prefix` (endpoint, region and credentials from the
    /// usual `AWS_*` variables), otherwise a folder, created if missing.
    pub fn open(location: &str) -> Result<Self> {
        let objects: Arc<dyn ObjectStore> = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::Config(
                    "GOC_PHOTOS: an S3 location is s3://bucket or s3://bucket/prefix".into(),
                ));
            }
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| Error::Config(format!("GOC_PHOTOS ({location}): {e}")))?;
            match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                p => Arc::new(PrefixStore::new(s3, p)),
            }
        } else {
            std::fs::create_dir_all(location)
                .map_err(|e| Error::Config(format!("GOC_PHOTOS: cannot create {location}: {e}")))?;
            Arc::new(
                LocalFileSystem::new_with_prefix(location)
                    .map_err(|e| Error::Config(format!("GOC_PHOTOS ({location}): {e}")))?,
            )
        };
        Ok(Self { objects })
    }

    /// `full/9f/9f86….jpg`: the first byte as a folder keeps a local folder's listing short.
    fn path(hash: &[u8; 32], size: Size) -> Path {
        let hex = data_encoding::HEXLOWER.encode(hash);
        let dir = match size {
            Size::Full => "full",
            Size::Thumb => "thumb",
        };
        Path::from(format!("{dir}/{}/{hex}.jpg", &hex[..2]))
    }

    /// Stores a processed photo and its thumbnail. Before the database names them, so a
    /// photo the database knows is always there to serve.
    pub async fn put(&self, photo: &Processed) -> Result<()> {
        for (size, bytes) in [(Size::Thumb, &photo.thumb), (Size::Full, &photo.image)] {
            self.put_bytes(&photo.hash, size, bytes.clone()).await?;
        }
        Ok(())
    }

    pub async fn put_bytes(&self, hash: &[u8; 32], size: Size, bytes: Vec<u8>) -> Result<()> {
        self.objects
            .put(&Self::path(hash, size), PutPayload::from(bytes))
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    /// The photo's bytes, if this store has them.
    pub async fn get(&self, hash: &[u8; 32], size: Size) -> Result<Option<Bytes>> {
        match self.objects.get(&Self::path(hash, size)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(storage_error)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// Moves photos that earlier versions kept inside the database into this store, a
    /// batch at a time, and empties their database copies. Runs at start-up; a crash
    /// midway repeats harmlessly (the names are content hashes).
    pub async fn move_out_of(&self, store: &crate::store::Store) -> Result<u64> {
        let mut moved = 0;
        loop {
            let batch = store.photos_kept_inside(16).await?;
            if batch.is_empty() {
                return Ok(moved);
            }
            for p in batch {
                self.put_bytes(&p.hash, Size::Thumb, p.thumb).await?;
                self.put_bytes(&p.hash, Size::Full, p.image).await?;
                store.forget_photo_bytes(&p.hash).await?;
                moved += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_named_by_their_hash_and_size() {
        let hash = [0xab; 32];
        let full = PhotoStore::path(&hash, Size::Full);
        assert_eq!(full.as_ref(), format!("full/ab/{}.jpg", "ab".repeat(32)));
        assert!(PhotoStore::path(&hash, Size::Thumb)
            .as_ref()
            .starts_with("thumb/ab/"));
    }

    #[test]
    fn an_s3_location_needs_a_bucket() {
        let e = PhotoStore::open("s3://").unwrap_err();
        assert!(e.to_string().contains("s3://bucket"), "{e}");
    }
}
