//! A cooperative's whole record as one file, and back: the backup story and the way off
//! the platform. `docs/archive.md` specifies the format.
//!
//! The file is a gzip'd tar: `archive.json` first (who, when, the schema, how secrets are
//! sealed), then each table's rows as JSON lines in the order an import inserts them, then
//! the photos by content hash, and `manifest.json` last with every file's BLAKE3 hash and
//! row count. Signing keys and payment-provider keys travel sealed under a passphrase the
//! manager chooses (argon2id, then ChaCha20-Poly1305), never under the server's secret.
//!
//! An import goes into an empty instance in one transaction and checks the log as it
//! reads it, with the same audit as `goc verify`: an archive whose log, checkpoints or
//! files do not verify leaves the instance as it was.

mod export;
mod import;
pub mod tables;

use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::BASE64;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::sealing::Cipher;
use crate::store::{Cell, Column, ColumnType};

pub use export::{export, Exported};
pub use import::{import, Imported};

/// The format's name and version in `archive.json`.
pub const FORMAT: &str = "goc-archive";
pub const VERSION: u32 = 1;
/// Rows per table file: a file is read whole, so memory stays bounded however big the
/// cooperative.
pub const ROWS_PER_FILE: usize = 10_000;
/// The largest file an import reads (a table part or a photo).
pub const MAX_FILE: u64 = 64 << 20;
/// A passphrase shorter than this is refused.
pub const MIN_PASSPHRASE: usize = 12;
/// argon2id cost for the passphrase: 64 MiB and 3 passes, about a quarter second; an
/// import accepts at most [`MAX_KDF_MEMORY_KIB`], so a hostile archive cannot ask for more.
const KDF_MEMORY_KIB: u32 = 64 * 1024;
const KDF_ITERATIONS: u32 = 3;
const MAX_KDF_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_KDF_ITERATIONS: u32 = 16;
/// What `archive.json`'s `check` seals, so a wrong passphrase is told before any row.
const CHECK_PLAINTEXT: &[u8] = b"goc-archive passphrase check";
const CHECK_AAD: &[u8] = b"goc-archive/1 check";
const MANIFEST_AAD: &[u8] = b"goc-archive/1 manifest";

/// How the passphrase becomes the key that seals the archive's secrets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Kdf {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Base64, 16 bytes.
    pub salt: String,
}

/// `archive.json`: the first file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The cooperative's code.
    pub cooperative: String,
    /// Milliseconds since the Unix epoch.
    pub exported_at: i64,
    /// The newest database migration of the exporting server.
    pub schema: i64,
    /// Whether accounts carry their password hashes (an operator's backup) or not (a
    /// manager's download: people set a new password on the new server).
    pub credentials: bool,
    pub kdf: Kdf,
    /// Base64 of a known text sealed under the passphrase's key.
    pub check: String,
}

/// One file of the archive, as `manifest.json` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    /// Hex BLAKE3 of the file's bytes.
    pub blake3: String,
    /// Rows, for a table file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// `manifest.json`: the last file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Manifest {
    pub files: Vec<FileEntry>,
    /// Base64 of the BLAKE3 hash of `files` (as compact JSON) sealed under the passphrase's
    /// key: only someone who knows the passphrase can make a manifest that opens, so an
    /// archive changed by anyone else (a table file dropped, a row edited) is refused.
    pub seal: String,
}

impl Manifest {
    /// The manifest of `files`, sealed under `key`.
    pub fn sealed(files: Vec<FileEntry>, key: &Cipher) -> Result<Self> {
        let seal = BASE64.encode(&key.seal(&files_digest(&files)?, MANIFEST_AAD)?);
        Ok(Self { files, seal })
    }

    /// Whether the seal opens under `key` to the hash of these files.
    fn opens(&self, key: &Cipher) -> bool {
        let sealed = BASE64.decode(self.seal.as_bytes()).unwrap_or_default();
        match (key.open(&sealed, MANIFEST_AAD), files_digest(&self.files)) {
            (Some(opened), Ok(digest)) => opened == digest,
            _ => false,
        }
    }
}

fn files_digest(files: &[FileEntry]) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(files)
        .map_err(|e| Error::Internal(format!("encoding the manifest: {e}")))?;
    Ok(blake3::hash(&json).as_bytes().to_vec())
}

/// The passphrase's key, from a fresh salt (export) or the header's (import).
pub fn passphrase_key(passphrase: &SecretString, kdf: &Kdf) -> Result<Cipher> {
    if kdf.algorithm != "argon2id"
        || kdf.memory_kib > MAX_KDF_MEMORY_KIB
        || kdf.iterations > MAX_KDF_ITERATIONS
        || kdf.parallelism != 1
    {
        return Err(Error::invalid(
            "Tệp lưu trữ dùng tham số mã hoá không được hỗ trợ",
            "The archive asks for key-derivation settings this server does not accept",
        ));
    }
    let salt = BASE64
        .decode(kdf.salt.as_bytes())
        .map_err(|_| Error::invalid("Tệp lưu trữ hỏng (salt)", "The archive is damaged (salt)"))?;
    let params =
        Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32)).map_err(|e| {
            Error::invalid(
                "Tệp lưu trữ hỏng (kdf)",
                format!("The archive is damaged (kdf: {e})"),
            )
        })?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose_secret().as_bytes(), &salt, &mut key)
        .map_err(|e| {
            Error::invalid(
                "Tệp lưu trữ hỏng (kdf)",
                format!("The archive is damaged (kdf: {e})"),
            )
        })?;
    Ok(Cipher::new(&key))
}

fn check_passphrase(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().trim().chars().count() < MIN_PASSPHRASE {
        return Err(Error::invalid(
            format!("Mật khẩu bảo vệ tệp lưu trữ cần ít nhất {MIN_PASSPHRASE} ký tự"),
            format!("The archive's passphrase needs at least {MIN_PASSPHRASE} characters"),
        ));
    }
    Ok(())
}

/// A row as one JSON object: integers and reals as numbers, text as strings, bytes as
/// `{"b64": …}`, booleans as booleans, nulls as null.
fn row_json(columns: &[Column], cells: &[Cell]) -> Value {
    let mut map = Map::with_capacity(columns.len());
    for (col, cell) in columns.iter().zip(cells) {
        let v = match cell {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::from(*i),
            Cell::Real(f) => Value::from(*f),
            Cell::Text(s) => Value::from(s.as_str()),
            Cell::Bytes(b) => serde_json::json!({ "b64": BASE64.encode(b) }),
            Cell::Bool(b) => Value::from(*b),
        };
        map.insert(col.name.clone(), v);
    }
    Value::Object(map)
}

/// A value from a row's JSON, as the target column's type; what does not fit is an error
/// that names the column.
fn cell(table: &str, col: &Column, v: &Value) -> Result<Cell> {
    let wrong = || {
        Error::invalid(
            format!("Tệp lưu trữ hỏng: {table}.{} có giá trị sai kiểu", col.name),
            format!(
                "The archive is damaged: {table}.{} holds a value of the wrong type",
                col.name
            ),
        )
    };
    Ok(match (col.ty, v) {
        (_, Value::Null) => Cell::Null,
        (ColumnType::Int, Value::Number(n)) => Cell::Int(n.as_i64().ok_or_else(wrong)?),
        (ColumnType::Int, Value::Bool(b)) => Cell::Int(i64::from(*b)),
        (ColumnType::Bool, Value::Bool(b)) => Cell::Bool(*b),
        (ColumnType::Bool, Value::Number(n)) => match n.as_i64() {
            Some(0) => Cell::Bool(false),
            Some(1) => Cell::Bool(true),
            _ => return Err(wrong()),
        },
        (ColumnType::Real, Value::Number(n)) => Cell::Real(n.as_f64().ok_or_else(wrong)?),
        (ColumnType::Text, Value::String(s)) => Cell::Text(s.clone()),
        (ColumnType::Bytes, Value::Object(o)) => match o.get("b64") {
            Some(Value::String(s)) if o.len() == 1 => {
                Cell::Bytes(BASE64.decode(s.as_bytes()).map_err(|_| wrong())?)
            }
            _ => return Err(wrong()),
        },
        _ => return Err(wrong()),
    })
}

/// What seals a secret column's value, if `table` has one: the cooperative's code for its
/// signing keys, `payments:{code}:{provider}` for a provider's key (as the server seals them).
fn sealed_column(table: &str) -> Option<&'static str> {
    match table {
        "cooperative_keys" | "payment_providers" => Some("secret_sealed"),
        _ => None,
    }
}

fn sealing_aad(table: &str, code: &str, columns: &[Column], cells: &[Cell]) -> Vec<u8> {
    match table {
        "payment_providers" => {
            let provider = columns
                .iter()
                .zip(cells)
                .find_map(|(c, v)| match v {
                    Cell::Text(p) if c.name == "provider" => Some(p.as_str()),
                    _ => None,
                })
                .unwrap_or("");
            crate::payments::providers::label(code, provider).into_bytes()
        }
        _ => code.as_bytes().to_vec(),
    }
}
