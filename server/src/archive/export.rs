//! Writing a cooperative's archive from one consistent snapshot of the database.

use std::collections::BTreeSet;
use std::io::Write;

use data_encoding::{BASE64, HEXLOWER};
use flate2::write::GzEncoder;
use secrecy::SecretString;

use super::tables::TABLES;
use super::{
    check_passphrase, passphrase_key, row_json, sealed_column, sealing_aad, FileEntry, Header, Kdf,
    Manifest, CHECK_AAD, CHECK_PLAINTEXT, FORMAT, KDF_ITERATIONS, KDF_MEMORY_KIB, ROWS_PER_FILE,
    VERSION,
};
use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::photos::Size;
use crate::services::Services;
use crate::store::{Cell, Column, CooperativeRow};

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exported {
    /// Rows per table, in the archive's order (tables without rows included).
    pub tables: Vec<(&'static str, u64)>,
    pub photos: u64,
    /// Photos the records name that the photo storage does not have (hex hashes).
    pub missing_photos: Vec<String>,
}

/// The tar being written, and what went in (for the manifest).
struct Writer<W: Write> {
    tar: tar::Builder<GzEncoder<W>>,
    files: Vec<FileEntry>,
    mtime: u64,
}

impl<W: Write> Writer<W> {
    fn file(&mut self, path: String, bytes: &[u8], rows: Option<u64>) -> Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar
            .append_data(&mut header, &path, bytes)
            .map_err(|e| Error::io("writing the archive", e))?;
        self.files.push(FileEntry {
            blake3: blake3::hash(bytes).to_hex().to_string(),
            path,
            rows,
        });
        Ok(())
    }
}

/// One table's rows, cut into files of [`ROWS_PER_FILE`].
struct Parts<'a, W: Write> {
    out: &'a mut Writer<W>,
    table: &'static str,
    buf: Vec<u8>,
    rows: u64,
    part: u32,
}

impl<W: Write> Parts<'_, W> {
    fn push(&mut self, line: &serde_json::Value) -> Result<()> {
        serde_json::to_writer(&mut self.buf, line)
            .map_err(|e| Error::Internal(format!("encoding a row: {e}")))?;
        self.buf.push(b'\n');
        self.rows += 1;
        if self.rows as usize % ROWS_PER_FILE == 0 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.part += 1;
        let rows = self.buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let path = format!("tables/{}/{:06}.jsonl", self.table, self.part);
        let bytes = std::mem::take(&mut self.buf);
        self.out.file(path, &bytes, Some(rows))
    }
}

/// Writes `coop`'s archive to `out` and returns it with what was written. Secrets are
/// sealed under `passphrase`; password hashes go in only with `credentials`, which only
/// the platform's operator may ask for (a manager would otherwise carry away buyers'
/// password hashes).
pub async fn export<W: Write + Send>(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    passphrase: &SecretString,
    credentials: bool,
    out: W,
) -> Result<(Exported, W)> {
    actor.require(coop.id, Action::Export)?;
    if credentials && !actor.is_admin {
        return Err(Error::Forbidden);
    }
    check_passphrase(passphrase)?;
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    let kdf = Kdf {
        algorithm: "argon2id".into(),
        memory_kib: KDF_MEMORY_KIB,
        iterations: KDF_ITERATIONS,
        parallelism: 1,
        salt: BASE64.encode(&salt),
    };
    let cipher = {
        let (passphrase, kdf) = (passphrase.clone(), kdf.clone());
        tokio::task::spawn_blocking(move || passphrase_key(&passphrase, &kdf))
            .await
            .map_err(|e| Error::Internal(format!("deriving the archive key: {e}")))??
    };
    let exported_at = now_ms();
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        cooperative: coop.code.clone(),
        exported_at,
        schema: s.store.schema_version().await?,
        credentials,
        kdf,
        check: BASE64.encode(&cipher.seal(CHECK_PLAINTEXT, CHECK_AAD)?),
    };
    let mut w = Writer {
        tar: tar::Builder::new(GzEncoder::new(out, flate2::Compression::default())),
        files: Vec::new(),
        mtime: (exported_at / 1000).max(0) as u64,
    };
    let header = serde_json::to_vec_pretty(&header)
        .map_err(|e| Error::Internal(format!("encoding the archive header: {e}")))?;
    w.file("archive.json".into(), &header, None)?;

    let mut snapshot = s.store.snapshot().await?;
    let mut done = Exported::default();
    let mut photos = BTreeSet::new();
    for table in TABLES {
        let columns = snapshot.columns(table.name).await?;
        let mut parts = Parts {
            out: &mut w,
            table: table.name,
            buf: Vec::new(),
            rows: 0,
            part: 0,
        };
        let rows = snapshot
            .rows(
                table.name,
                &columns,
                table.scope,
                table.order,
                coop.id,
                |mut cells| {
                    prepare(table.name, &columns, &mut cells, credentials, &mut photos)?;
                    if let Some(secret) = sealed_column(table.name) {
                        let aad = sealing_aad(table.name, &coop.code, &columns, &cells);
                        for (col, cell) in columns.iter().zip(cells.iter_mut()) {
                            if let (true, Cell::Bytes(sealed)) = (col.name == secret, &*cell) {
                                *cell = Cell::Bytes(s.sealer.reseal(sealed, &aad, &cipher)?);
                            }
                        }
                    }
                    parts.push(&row_json(&columns, &cells))
                },
            )
            .await?;
        parts.flush()?;
        done.tables.push((table.name, rows));
    }
    drop(snapshot);

    for hash in photos {
        let name = HEXLOWER.encode(&hash);
        let mut complete = true;
        for (size, dir) in [(Size::Full, "full"), (Size::Thumb, "thumb")] {
            match s.photos.get(&hash, size).await? {
                Some(bytes) => w.file(
                    format!("photos/{dir}/{}/{name}.jpg", &name[..2]),
                    &bytes,
                    None,
                )?,
                None => complete = false,
            }
        }
        if complete {
            done.photos += 1;
        } else {
            tracing::warn!(photo = %name, "a photo the records name is missing from storage");
            done.missing_photos.push(name);
        }
    }

    let manifest = Manifest::sealed(std::mem::take(&mut w.files), &cipher)?;
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Internal(format!("encoding the manifest: {e}")))?;
    w.file("manifest.json".into(), &manifest, None)?;
    let out = w
        .tar
        .into_inner()
        .and_then(|gz| gz.finish())
        .map_err(|e| Error::io("writing the archive", e))?;
    Ok((done, out))
}

/// What changes on the way out: platform roles stay behind, password hashes unless asked
/// for, and photo bytes travel as files (their rows keep the hash); the photos to pack are
/// collected.
fn prepare(
    table: &str,
    columns: &[Column],
    cells: &mut [Cell],
    credentials: bool,
    photos: &mut BTreeSet<[u8; 32]>,
) -> Result<()> {
    for (col, cell) in columns.iter().zip(cells.iter_mut()) {
        match (table, col.name.as_str()) {
            ("users", "is_admin") => *cell = Cell::Bool(false),
            ("users", "password_hash") if !credentials => *cell = Cell::Null,
            ("tree_photos" | "diary_photos", "image" | "thumb") => *cell = Cell::Bytes(Vec::new()),
            ("tree_photos" | "diary_photos", "hash") => {
                if let Cell::Bytes(h) = cell {
                    let hash: [u8; 32] = h.as_slice().try_into().map_err(|_| {
                        Error::Internal(format!("{table}: a photo hash is not 32 bytes"))
                    })?;
                    photos.insert(hash);
                }
            }
            _ => {}
        }
    }
    Ok(())
}
