//! Reading an archive into an empty instance: one transaction, the log audited as it is
//! read, every file checked against the manifest; any doubt and nothing is kept.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use data_encoding::{BASE64, HEXLOWER};
use ledger::merkle::{self, NodeId};
use ledger::Digest;
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::mpsc;

use super::tables::{position, TABLES};
use super::{
    cell, passphrase_key, sealed_column, sealing_aad, FileEntry, Header, Manifest, CHECK_AAD,
    CHECK_PLAINTEXT, FORMAT, MAX_FILE, VERSION,
};
use crate::audit::{Audit, Problem};
use crate::error::{Error, Result};
use crate::photos::Size;
use crate::sealing::Cipher;
use crate::services::Services;
use crate::store::{
    AuditRow, Cell, CheckpointRow, Column, ColumnType, CooperativeRow, KeyRow, Loader,
};

/// What an import brought in.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub cooperative: String,
    pub tables: Vec<(String, u64)>,
    pub photos: u64,
    /// Entries of the log, every one verified.
    pub entries: u64,
    pub checkpoints: usize,
    /// Whether accounts came with their passwords (otherwise people choose new ones).
    pub credentials: bool,
}

fn damaged(what: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("Tệp lưu trữ hỏng hoặc đã bị sửa: {what}"),
        format!("The archive is damaged or was altered: {what}"),
    )
}

/// The archive's files in order, read on a thread of their own (tar and gzip are
/// blocking), each whole and at most [`MAX_FILE`] bytes.
fn read_files(path: PathBuf, tx: mpsc::Sender<Result<(String, Vec<u8>)>>) {
    let run = || -> Result<()> {
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::io(&format!("opening {}", path.display()), e))?;
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in tar.entries().map_err(damaged)? {
            let entry = entry.map_err(damaged)?;
            if entry.header().entry_type() != tar::EntryType::Regular {
                return Err(damaged("it holds something other than files"));
            }
            let name = entry
                .path()
                .map_err(damaged)?
                .to_str()
                .ok_or_else(|| damaged("a file name is not UTF-8"))?
                .to_owned();
            let size = entry.header().size().map_err(damaged)?;
            if size > MAX_FILE {
                return Err(damaged(format!("{name} is larger than {MAX_FILE} bytes")));
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .take(MAX_FILE)
                .read_to_end(&mut bytes)
                .map_err(damaged)?;
            if tx.blocking_send(Ok((name, bytes))).is_err() {
                return Ok(()); // the import stopped reading: it has its answer
            }
        }
        Ok(())
    };
    if let Err(e) = run() {
        let _ = tx.blocking_send(Err(e));
    }
}

/// The import under way.
struct Import<'a> {
    s: &'a Services,
    header: Header,
    cipher: Cipher,
    loader: Loader,
    /// The position in [`TABLES`] reached: tables come in that order.
    at: usize,
    columns: HashMap<&'static str, Vec<Column>>,
    tables: Vec<(String, u64)>,
    coop: Option<CooperativeRow>,
    keys: Vec<KeyRow>,
    checkpoints: Vec<CheckpointRow>,
    audit: Option<Audit>,
    /// The nodes the log's root is read from (by key), known once the cooperative's size
    /// is; filled as their rows arrive.
    roots: HashMap<i64, Option<Digest>>,
    files: Vec<FileEntry>,
    photos: u64,
    /// The photos the rows name: no other photo is taken.
    named: HashSet<[u8; 32]>,
    /// Photos wait here until the import commits.
    staged: Staging,
    keep_passwords: bool,
}

/// A folder of photos read from the archive, moved into the photo store only once the
/// import has committed, and removed in any case: a refused archive leaves nothing.
struct Staging {
    dir: PathBuf,
    photos: Vec<([u8; 32], Size)>,
}

impl Staging {
    fn new() -> Result<Self> {
        let mut name = [0u8; 16];
        getrandom::getrandom(&mut name).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
        let dir = std::env::temp_dir().join(format!("goc-import-{}", HEXLOWER.encode(&name)));
        std::fs::create_dir(&dir).map_err(|e| Error::io("creating a staging folder", e))?;
        Ok(Self {
            dir,
            photos: Vec::new(),
        })
    }

    fn file(&self, hash: &[u8; 32], size: Size) -> PathBuf {
        let kind = if size == Size::Full { "full" } else { "thumb" };
        self.dir
            .join(format!("{kind}-{}.jpg", HEXLOWER.encode(hash)))
    }

    async fn keep(&mut self, hash: [u8; 32], size: Size, bytes: &[u8]) -> Result<()> {
        tokio::fs::write(self.file(&hash, size), bytes)
            .await
            .map_err(|e| Error::io("staging a photo", e))?;
        self.photos.push((hash, size));
        Ok(())
    }

    async fn publish(&self, s: &Services) -> Result<()> {
        for (hash, size) in &self.photos {
            let bytes = tokio::fs::read(self.file(hash, *size))
                .await
                .map_err(|e| Error::io("reading a staged photo", e))?;
            s.photos.put_bytes(hash, *size, bytes).await?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Imports the archive at `path` into this (empty) instance. Accounts keep the password
/// hashes an archive carries only with `keep_passwords` (the operator restoring their own
/// backup): otherwise whoever wrote the archive would choose passwords on this server.
pub async fn import(
    s: &Services,
    path: &Path,
    passphrase: &SecretString,
    keep_passwords: bool,
) -> Result<Imported> {
    let (tx, mut rx) = mpsc::channel(2);
    let reader = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || read_files(path, tx))
    };
    let first = rx.recv().await.ok_or_else(|| damaged("it is empty"))??;
    if first.0 != "archive.json" {
        return Err(damaged("it does not start with archive.json"));
    }
    let header: Header = serde_json::from_slice(&first.1).map_err(damaged)?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(Error::invalid(
            format!(
                "Không đọc được tệp lưu trữ {} phiên bản {}",
                header.format, header.version
            ),
            format!(
                "Cannot read archive format {} version {}",
                header.format, header.version
            ),
        ));
    }
    let ours = s.store.schema_version().await?;
    if header.schema > ours {
        return Err(Error::invalid(
            "Tệp lưu trữ được tạo bởi phiên bản Gốc mới hơn: hãy cập nhật máy chủ này trước",
            format!("The archive comes from a newer Gốc (schema {} > {ours}): upgrade this server first", header.schema),
        ));
    }
    let cipher = {
        let (passphrase, kdf) = (passphrase.clone(), header.kdf.clone());
        tokio::task::spawn_blocking(move || passphrase_key(&passphrase, &kdf))
            .await
            .map_err(|e| Error::Internal(format!("deriving the archive key: {e}")))??
    };
    let check = BASE64.decode(header.check.as_bytes()).map_err(damaged)?;
    if cipher.open(&check, CHECK_AAD).as_deref() != Some(CHECK_PLAINTEXT) {
        return Err(Error::invalid(
            "Sai mật khẩu của tệp lưu trữ",
            "Wrong passphrase for this archive",
        ));
    }
    let mut import = Import {
        s,
        loader: s.store.loader().await?,
        cipher,
        at: 0,
        columns: HashMap::new(),
        tables: Vec::new(),
        coop: None,
        keys: Vec::new(),
        checkpoints: Vec::new(),
        audit: None,
        roots: HashMap::new(),
        files: vec![FileEntry {
            path: first.0,
            blake3: blake3::hash(&first.1).to_hex().to_string(),
            rows: None,
        }],
        photos: 0,
        named: HashSet::new(),
        staged: Staging::new()?,
        keep_passwords: keep_passwords && header.credentials,
        header,
    };
    let mut manifest = None;
    while let Some(file) = rx.recv().await {
        let (name, bytes) = file?;
        if manifest.is_some() {
            return Err(damaged(format!("{name} comes after the manifest")));
        }
        if name == "manifest.json" {
            manifest = Some(serde_json::from_slice::<Manifest>(&bytes).map_err(damaged)?);
            continue;
        }
        let digest = blake3::hash(&bytes);
        let rows = if let Some(rest) = name.strip_prefix("tables/") {
            Some(import.table_file(rest, &bytes).await?)
        } else if let Some(rest) = name.strip_prefix("photos/") {
            import.photo(rest, bytes, digest).await?;
            None
        } else {
            return Err(damaged(format!("unexpected file {name}")));
        };
        import.files.push(FileEntry {
            path: name,
            blake3: digest.to_hex().to_string(),
            rows,
        });
    }
    reader
        .await
        .map_err(|e| Error::Internal(format!("reading the archive: {e}")))?;
    let manifest = manifest.ok_or_else(|| damaged("it ends before its manifest"))?;
    if !manifest.opens(&import.cipher) {
        return Err(damaged("its manifest is not sealed with this passphrase"));
    }
    if manifest.files != import.files {
        let differs = manifest
            .files
            .iter()
            .zip(&import.files)
            .find(|(a, b)| a != b)
            .map_or("the list of files".to_owned(), |(a, _)| a.path.clone());
        return Err(damaged(format!("{differs} does not match the manifest")));
    }
    import.finish().await
}

impl Import<'_> {
    /// `tables/{table}/{part}.jsonl`: its rows, inserted.
    async fn table_file(&mut self, rest: &str, bytes: &[u8]) -> Result<u64> {
        let table = rest
            .split_once('/')
            .map(|(t, _)| t)
            .and_then(|t| position(t).map(|i| (i, TABLES[i].name)));
        let Some((index, table)) = table else {
            return Err(damaged(format!("unknown table file tables/{rest}")));
        };
        if index < self.at {
            return Err(damaged(format!("{table} comes out of order")));
        }
        self.at = index;
        if !self.columns.contains_key(table) {
            let cols = self.loader.columns(table).await?;
            self.columns.insert(table, cols);
        }
        let ours = self.columns[table].clone();
        let text = std::str::from_utf8(bytes).map_err(damaged)?;
        let mut present: Option<Vec<Column>> = None;
        let mut rows = Vec::new();
        for line in text.lines() {
            let Value::Object(obj) = serde_json::from_str::<Value>(line).map_err(damaged)? else {
                return Err(damaged(format!("a row of {table} is not an object")));
            };
            if present.is_none() {
                if let Some(unknown) = obj.keys().find(|k| !ours.iter().any(|c| &c.name == *k)) {
                    return Err(damaged(format!("{table} has no column {unknown}")));
                }
                present = Some(
                    ours.iter()
                        .filter(|c| obj.contains_key(&c.name))
                        .cloned()
                        .collect(),
                );
            }
            let cols = present.as_deref().unwrap_or_default();
            if obj.len() != cols.len() {
                return Err(damaged(format!(
                    "the rows of {table} differ in their columns"
                )));
            }
            let mut cells = cols
                .iter()
                .map(|c| {
                    let v = obj.get(&c.name).ok_or_else(|| {
                        damaged(format!("the rows of {table} differ in their columns"))
                    })?;
                    cell(table, c, v)
                })
                .collect::<Result<Vec<_>>>()?;
            self.take(table, cols, &mut cells)?;
            rows.push(cells);
        }
        let cols = present.unwrap_or_default();
        let n = rows.len() as u64;
        self.loader
            .insert(table, &cols, &rows, TABLES[index].shared)
            .await?;
        match self.tables.last_mut() {
            Some((t, count)) if t == table => *count += n,
            _ => self.tables.push((table.to_owned(), n)),
        }
        Ok(n)
    }

    /// Opens what the archive sealed and seals it under this server's secret; feeds the
    /// audit what it needs.
    fn take(&mut self, table: &str, cols: &[Column], cells: &mut [Cell]) -> Result<()> {
        let get = |name: &str| {
            cols.iter()
                .position(|c| c.name == name)
                .map(|i| cells[i].clone())
                .unwrap_or(Cell::Null)
        };
        let int = |name: &str| match get(name) {
            Cell::Int(i) => Ok(i),
            _ => Err(damaged(format!("{table}.{name} is missing"))),
        };
        let text = |name: &str| match get(name) {
            Cell::Text(t) => Ok(t),
            _ => Err(damaged(format!("{table}.{name} is missing"))),
        };
        let bytes = |name: &str| match get(name) {
            Cell::Bytes(b) => Ok(Some(b)),
            Cell::Null => Ok(None),
            _ => Err(damaged(format!("{table}.{name} is not bytes"))),
        };
        let need = |b: Option<Vec<u8>>, name: &str| {
            b.ok_or_else(|| damaged(format!("{table}.{name} is missing")))
        };
        match table {
            "cooperatives" => {
                let code = text("code")?;
                if self.coop.is_some() || code != self.header.cooperative {
                    return Err(damaged("it holds another cooperative than its header says"));
                }
                let optional = |name: &str| match get(name) {
                    Cell::Text(t) => Some(t),
                    _ => None,
                };
                self.coop = Some(CooperativeRow {
                    id: int("id")?,
                    code,
                    name: text("name")?,
                    province: text("province")?,
                    district: text("district")?,
                    commune: text("commune")?,
                    contact: text("contact")?,
                    gs1_prefix: optional("gs1_prefix"),
                    origin: text("origin")?,
                    log_size: int("log_size")?,
                    created_at: int("created_at")?,
                    approved_at: int("approved_at").ok(),
                });
                let size = int("log_size")?.max(0) as u64;
                self.roots = merkle::root_nodes(size)
                    .iter()
                    .map(|id| (id.key(), None))
                    .collect();
            }
            "cooperative_keys" => self.keys.push(KeyRow {
                key_id: text("key_id")?,
                public_key: need(bytes("public_key")?, "public_key")?,
                secret_sealed: Vec::new(),
                rotation: bytes("rotation")?,
                created_at: int("created_at")?,
            }),
            "checkpoints" => self.checkpoints.push(CheckpointRow {
                size: int("size")?,
                root: need(bytes("root")?, "root")?,
                note: text("note")?,
            }),
            "ledger_entries" => {
                let row = AuditRow {
                    seq: int("seq")?,
                    subject: text("subject")?,
                    hash: need(bytes("hash")?, "hash")?,
                    prev: bytes("prev")?,
                    kind: int("kind")?,
                    bytes: need(bytes("bytes")?, "bytes")?,
                };
                // A root may be a single entry's leaf, which is read from the log itself.
                let leaf = NodeId {
                    level: 0,
                    index: row.seq.max(0) as u64,
                };
                if let Some(root) = self.roots.get_mut(&leaf.key()) {
                    *root = Some(Digest::leaf(&row.bytes));
                }
                self.audit()?.push(&row);
            }
            "merkle_nodes" => {
                if let Some(root) = self.roots.get_mut(&int("node")?) {
                    let digest: [u8; 32] = need(bytes("hash")?, "hash")?
                        .try_into()
                        .map_err(|_| damaged("a Merkle node is not 32 bytes"))?;
                    *root = Some(Digest(digest));
                }
            }
            _ => {}
        }
        for (col, cell) in cols.iter().zip(cells.iter_mut()) {
            match (table, col.name.as_str()) {
                // Platform roles are this server's to give, never an archive's.
                ("users", "is_admin") => {
                    *cell = match col.ty {
                        ColumnType::Bool => Cell::Bool(false),
                        _ => Cell::Int(0),
                    }
                }
                ("users", "password_hash") if !self.keep_passwords => *cell = Cell::Null,
                ("tree_photos" | "diary_photos", "hash") => {
                    if let Cell::Bytes(h) = &*cell {
                        let hash = h.as_slice().try_into().map_err(|_| {
                            damaged(format!("{table}: a photo hash is not 32 bytes"))
                        })?;
                        self.named.insert(hash);
                    }
                }
                _ => {}
            }
        }
        if let Some(secret) = sealed_column(table) {
            let code = self.header.cooperative.clone();
            let aad = sealing_aad(table, &code, cols, cells);
            for (col, cell) in cols.iter().zip(cells.iter_mut()) {
                if let (true, Cell::Bytes(sealed)) = (col.name == secret, &*cell) {
                    let ours = self
                        .s
                        .sealer
                        .adopt(sealed, &aad, &self.cipher)
                        .ok_or_else(|| damaged(format!("a secret in {table} does not open")))?;
                    *cell = Cell::Bytes(ours);
                }
            }
        }
        Ok(())
    }

    /// The log's audit, started at its first entry (the keys and checkpoints come before).
    fn audit(&mut self) -> Result<&mut Audit> {
        if self.audit.is_none() {
            let coop = self
                .coop
                .clone()
                .ok_or_else(|| damaged("its log comes before its cooperative"))?;
            let keys = crate::cooperatives::key_history_of(&coop.code, &self.keys)
                .map_err(|_| damaged("its key history does not read"))?;
            self.audit = Some(Audit::new(
                coop,
                keys,
                self.s.sealer.platform_public(),
                std::mem::take(&mut self.checkpoints),
            ));
        }
        Ok(self.audit.as_mut().expect("just set"))
    }

    /// `photos/{full|thumb}/{xx}/{hash}.jpg`: stored under its hash, which a full-size
    /// photo must match.
    /// `digest` is the file's BLAKE3, already computed for the manifest.
    async fn photo(&mut self, rest: &str, bytes: Vec<u8>, digest: blake3::Hash) -> Result<()> {
        let parsed = rest.split_once('/').and_then(|(dir, name)| {
            let size = match dir {
                "full" => Size::Full,
                "thumb" => Size::Thumb,
                _ => return None,
            };
            let (prefix, file) = name.split_once('/')?;
            let hex = file.strip_suffix(".jpg")?;
            let hash: [u8; 32] = HEXLOWER.decode(hex.as_bytes()).ok()?.try_into().ok()?;
            (prefix == &hex[..2]).then_some((size, hash))
        });
        let Some((size, hash)) = parsed else {
            return Err(damaged(format!("unexpected file photos/{rest}")));
        };
        let name = HEXLOWER.encode(&hash);
        if !self.named.contains(&hash) {
            return Err(damaged(format!("photo {name} is not one its records name")));
        }
        if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(damaged(format!("photo {name} is not a JPEG")));
        }
        match size {
            Size::Full => {
                if digest.as_bytes() != &hash {
                    return Err(damaged(format!("photo {name} does not match its hash")));
                }
                self.photos += 1;
            }
            // A thumbnail has no hash of its own: it comes right after its photo, and is
            // small (a few dozen kB: at most a quarter of the largest file taken).
            Size::Thumb => {
                let after_full = self.staged.photos.last() == Some(&(hash, Size::Full));
                if !after_full || bytes.len() as u64 > MAX_FILE / 4 {
                    return Err(damaged(format!(
                        "thumbnail {name} does not follow its photo"
                    )));
                }
            }
        }
        self.staged.keep(hash, size, &bytes).await
    }

    async fn finish(mut self) -> Result<Imported> {
        let coop = self
            .coop
            .clone()
            .ok_or_else(|| damaged("it holds no cooperative"))?;
        let roots = std::mem::take(&mut self.roots);
        // A log without entries still has its size (zero) and checkpoints checked.
        self.audit()?;
        let audit = self.audit.take().expect("started above");
        let report = audit.finish(|id: NodeId| roots.get(&id.key()).copied().flatten());
        if !report.problems.is_empty() {
            let list = report
                .problems
                .iter()
                .take(5)
                .map(|p: &Problem| p.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(Error::invalid(
                format!(
                    "Sổ nhật ký trong tệp lưu trữ không kiểm chứng được, không nhập gì: {list}"
                ),
                format!("The archive's log does not verify; nothing was imported: {list}"),
            ));
        }
        // The recall index is not carried: it is rebuilt from the verified log.
        let pending = [Column {
            name: "cooperative_id".into(),
            ty: ColumnType::Int,
        }];
        self.loader
            .insert(
                "trace_backfill",
                &pending,
                &[vec![Cell::Int(coop.id)]],
                false,
            )
            .await?;
        self.loader.commit().await?;
        self.staged.publish(self.s).await?;
        crate::trace::backfill(&self.s.store).await?;
        tracing::info!(cooperative = %coop.code, entries = report.entries, "archive imported");
        Ok(Imported {
            cooperative: coop.code,
            tables: self.tables,
            photos: self.photos,
            entries: report.entries,
            checkpoints: report.checkpoints,
            credentials: self.keep_passwords,
        })
    }
}
