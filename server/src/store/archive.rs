//! Tables read and written whole, column by column, for archives: a consistent snapshot
//! to export from and one transaction to import into. The columns are read from the
//! database's own catalogue, so a table a later migration changes is carried without code
//! here changing, and values keep one meaning across engines.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::{on_pool, Store};
use crate::error::{Error, Result};

/// A column's type, as both engines store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Real,
    Text,
    Bytes,
    Bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
}

enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same body against whichever transaction is open; `$tx` names it inside.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite($c) => $body,
            Tx::Postgres($c) => $body,
        }
    };
}

fn column_type(table: &str, name: &str, declared: &str) -> Result<ColumnType> {
    let d = declared.to_ascii_lowercase();
    Ok(if d.contains("bool") {
        ColumnType::Bool
    } else if d.contains("int") {
        ColumnType::Int
    } else if d.contains("real") || d.contains("double") || d.contains("float") {
        ColumnType::Real
    } else if d.contains("blob") || d == "bytea" {
        ColumnType::Bytes
    } else if d.contains("text") || d.contains("char") {
        ColumnType::Text
    } else {
        return Err(Error::Internal(format!(
            "{table}.{name} has a type archives do not carry: {declared}"
        )));
    })
}

async fn columns_in(tx: &mut Tx, table: &str) -> Result<Vec<Column>> {
    let named: Vec<(String, String)> = match tx {
        Tx::Sqlite(c) => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut **c)
                .await?
        }
        Tx::Postgres(c) => {
            sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut **c)
            .await?
        }
    };
    named
        .into_iter()
        .map(|(name, declared)| {
            let ty = column_type(table, &name, &declared)?;
            Ok(Column { name, ty })
        })
        .collect()
}

/// A table name goes into SQL text: only the archive's own constants reach here, and this
/// keeps it that way.
fn checked(table: &str) -> Result<&str> {
    if !table.is_empty() && table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        Ok(table)
    } else {
        Err(Error::Internal(format!("not a table name: {table:?}")))
    }
}

/// A read-only view of the whole database as it was when it opened: what an export reads,
/// however many writes land meanwhile (SQLite's WAL snapshot, PostgreSQL's repeatable read).
pub struct Snapshot(Tx);

impl Store {
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let tx = match &self.backend {
            super::Backend::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            super::Backend::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
        };
        Ok(Snapshot(tx))
    }

    /// One transaction to import into, refused unless the instance holds no cooperative
    /// and no account (ids are kept as they were, so they must all be free).
    pub async fn loader(&self) -> Result<Loader> {
        let mut tx = match &self.backend {
            super::Backend::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            super::Backend::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        const SQL: &str =
            "SELECT (SELECT COUNT(*) FROM cooperatives), (SELECT COUNT(*) FROM users)";
        let (coops, users): (i64, i64) =
            on_tx!(&mut tx, c => sqlx::query_as(SQL).fetch_one(&mut **c).await)?;
        if coops + users > 0 {
            return Err(Error::conflict(
                format!("Chỉ nhập được vào một máy chủ trống: máy này đã có {coops} hợp tác xã và {users} tài khoản"),
                format!("An archive imports into an empty instance only: this one already has {coops} cooperative(s) and {users} account(s)"),
            ));
        }
        Ok(Loader {
            tx,
            filled: Vec::new(),
        })
    }

    /// The newest migration applied: the schema an archive was written with.
    pub async fn schema_version(&self) -> Result<i64> {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).fetch_one(p).await)?)
    }

    /// Every table of the schema, for checking that an archive accounts for each one.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match &self.backend {
            super::Backend::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            super::Backend::Postgres(_) => {
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() ORDER BY table_name"
            }
        };
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).fetch_all(p).await)?)
    }
}

impl Snapshot {
    pub async fn columns(&mut self, table: &str) -> Result<Vec<Column>> {
        columns_in(&mut self.0, checked(table)?).await
    }

    /// Streams the rows of `table` that `scope` (an SQL condition on `$1`, the
    /// cooperative's id) selects, in `order`, to `each`; returns how many.
    pub async fn rows(
        &mut self,
        table: &str,
        columns: &[Column],
        scope: &str,
        order: &str,
        cooperative: i64,
        mut each: impl FnMut(Vec<Cell>) -> Result<()>,
    ) -> Result<u64> {
        let list = columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {list} FROM {} WHERE {scope} ORDER BY {order}",
            checked(table)?
        );
        let mut count = 0;
        on_tx!(&mut self.0, c => {
            let mut rows = sqlx::query(&sql).bind(cooperative).fetch(&mut **c);
            while let Some(row) = rows.try_next().await? {
                let mut cells = Vec::with_capacity(columns.len());
                for (i, col) in columns.iter().enumerate() {
                    cells.push(match col.ty {
                        ColumnType::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Cell::Null, Cell::Int),
                        ColumnType::Real => row.try_get::<Option<f64>, _>(i)?.map_or(Cell::Null, Cell::Real),
                        ColumnType::Text => row.try_get::<Option<String>, _>(i)?.map_or(Cell::Null, Cell::Text),
                        ColumnType::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Cell::Null, Cell::Bytes),
                        ColumnType::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Cell::Null, Cell::Bool),
                    });
                }
                each(cells)?;
                count += 1;
            }
        });
        Ok(count)
    }
}

/// An import's transaction: rows go in with the ids they had; nothing is visible until
/// [`Loader::commit`], and dropping it undoes everything.
pub struct Loader {
    tx: Tx,
    filled: Vec<String>,
}

/// Rows per INSERT: few statements, and far below either engine's limit on parameters.
const PARAMETERS_PER_INSERT: usize = 4_000;

impl Loader {
    pub async fn columns(&mut self, table: &str) -> Result<Vec<Column>> {
        columns_in(&mut self.tx, checked(table)?).await
    }

    /// Inserts `rows` (each holding `columns`' values, already of their types) into
    /// `table`; with `keep_existing`, a row whose key is taken is skipped (shared
    /// reference data such as species), otherwise that is an error.
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[Column],
        rows: &[Vec<Cell>],
        keep_existing: bool,
    ) -> Result<()> {
        let table = checked(table)?;
        if !self.filled.iter().any(|t| t == table) {
            self.filled.push(table.to_owned());
        }
        let postgres = matches!(self.tx, Tx::Postgres(_));
        let names = columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        for chunk in rows.chunks((PARAMETERS_PER_INSERT / columns.len().max(1)).max(1)) {
            let mut sql = format!("INSERT INTO {table} ({names}) ");
            if postgres {
                // Identity columns are GENERATED ALWAYS: the archive's ids are the ones to keep.
                sql.push_str("OVERRIDING SYSTEM VALUE ");
            }
            sql.push_str("VALUES ");
            let mut n = 0;
            for (r, _) in chunk.iter().enumerate() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..columns.len() {
                    n += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            if keep_existing {
                sql.push_str(" ON CONFLICT DO NOTHING");
            }
            on_tx!(&mut self.tx, c => {
                let mut q = sqlx::query(&sql);
                for row in chunk {
                    for (cell, col) in row.iter().zip(columns) {
                        q = match (col.ty, cell) {
                            (ColumnType::Int, Cell::Int(v)) => q.bind(Some(*v)),
                            (ColumnType::Int, _) => q.bind(None::<i64>),
                            (ColumnType::Real, Cell::Real(v)) => q.bind(Some(*v)),
                            (ColumnType::Real, _) => q.bind(None::<f64>),
                            (ColumnType::Text, Cell::Text(v)) => q.bind(Some(v.as_str())),
                            (ColumnType::Text, _) => q.bind(None::<&str>),
                            (ColumnType::Bytes, Cell::Bytes(v)) => q.bind(Some(v.as_slice())),
                            (ColumnType::Bytes, _) => q.bind(None::<&[u8]>),
                            (ColumnType::Bool, Cell::Bool(v)) => q.bind(Some(*v)),
                            (ColumnType::Bool, _) => q.bind(None::<bool>),
                        };
                    }
                }
                q.execute(&mut **c).await.map(|_| ())
            })
            .map_err(|e| {
                // A row that clashes or points nowhere: the archive is wrong, not the server.
                Error::invalid(
                    format!("Tệp lưu trữ có dòng không hợp lệ ở bảng {table}: {e}"),
                    format!("The archive has a row {table} cannot take: {e}"),
                )
            })?;
        }
        Ok(())
    }

    /// Makes the import visible. On PostgreSQL each identity continues after the highest
    /// id imported, so the next row created does not collide with one.
    pub async fn commit(mut self) -> Result<()> {
        if let Tx::Postgres(c) = &mut self.tx {
            for table in &self.filled {
                let identity: Option<String> = sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     AND is_identity = 'YES'",
                )
                .bind(table)
                .fetch_optional(&mut **c)
                .await?;
                if let Some(col) = identity {
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{col}'), MAX({col})) \
                         FROM {table} HAVING MAX({col}) IS NOT NULL"
                    );
                    sqlx::query(&sql).fetch_optional(&mut **c).await?;
                }
            }
        }
        on_tx!(self.tx, c => c.commit().await)?;
        Ok(())
    }
}
