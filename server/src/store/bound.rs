//! Rows of bound values, pushed into a statement whatever their number: on PostgreSQL one
//! array per column, unnested, so that the statement's text is the same for any number of
//! rows; on SQLite a `VALUES` list.
//!
//! The text matters on PostgreSQL: sqlx prepares each text it has not seen on a connection
//! in a round trip of its own (Parse, Describe) before it runs it, keeps 100 texts a
//! connection, and closes the oldest in one more. A group of payment reports written as
//! `VALUES` lists had a new text for most group sizes: three round trips for each of its
//! statements where one does, and PostgreSQL parsed and planned each anew.

use sqlx::{Database, Postgres, QueryBuilder, Sqlite};

/// One column's values.
enum Column {
    Int(Vec<Option<i64>>),
    Text(Vec<String>),
    Bytes(Vec<Option<Vec<u8>>>),
}

/// Rows, held column by column, each column as long as the first.
#[derive(Default)]
pub(super) struct Rows {
    columns: Vec<Column>,
}

impl Rows {
    pub fn int(self, values: impl IntoIterator<Item = i64>) -> Self {
        self.maybe_int(values.into_iter().map(Some))
    }

    pub fn maybe_int(mut self, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        self.columns.push(Column::Int(values.into_iter().collect()));
        self
    }

    pub fn text(mut self, values: impl IntoIterator<Item = String>) -> Self {
        self.columns
            .push(Column::Text(values.into_iter().collect()));
        self
    }

    pub fn bytes(self, values: impl IntoIterator<Item = Vec<u8>>) -> Self {
        self.maybe_bytes(values.into_iter().map(Some))
    }

    pub fn maybe_bytes(mut self, values: impl IntoIterator<Item = Option<Vec<u8>>>) -> Self {
        self.columns
            .push(Column::Bytes(values.into_iter().collect()));
        self
    }

    fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| match c {
            Column::Int(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::Bytes(v) => v.len(),
        })
    }
}

/// An engine's way of pushing [`Rows`].
pub(super) trait Engine: Database {
    /// Pushes `rows` as a table whose columns are named `column1`, `column2`, … on both
    /// engines: `SELECT * FROM unnest($1::BIGINT[], …) AS bound (column1, …)` on
    /// PostgreSQL, `VALUES (…), …` on SQLite, which refuses a list of no rows (a statement
    /// error).
    fn push_rows(q: &mut QueryBuilder<'_, Self>, rows: Rows);
}

impl Engine for Postgres {
    fn push_rows(q: &mut QueryBuilder<'_, Self>, rows: Rows) {
        let names: Vec<String> = (1..=rows.columns.len())
            .map(|i| format!("column{i}"))
            .collect();
        q.push("SELECT * FROM unnest(");
        let mut list = q.separated(", ");
        for column in rows.columns {
            match column {
                Column::Int(v) => list.push_bind(v).push_unseparated("::BIGINT[]"),
                Column::Text(v) => list.push_bind(v).push_unseparated("::TEXT[]"),
                Column::Bytes(v) => list.push_bind(v).push_unseparated("::BYTEA[]"),
            };
        }
        q.push(format_args!(") AS bound ({})", names.join(", ")));
    }
}

impl Engine for Sqlite {
    fn push_rows(q: &mut QueryBuilder<'_, Self>, rows: Rows) {
        enum Cells {
            Int(std::vec::IntoIter<Option<i64>>),
            Text(std::vec::IntoIter<String>),
            Bytes(std::vec::IntoIter<Option<Vec<u8>>>),
        }
        let n = rows.len();
        let mut columns: Vec<Cells> = rows
            .columns
            .into_iter()
            .map(|c| match c {
                Column::Int(v) => Cells::Int(v.into_iter()),
                Column::Text(v) => Cells::Text(v.into_iter()),
                Column::Bytes(v) => Cells::Bytes(v.into_iter()),
            })
            .collect();
        q.push("VALUES ");
        let mut list = q.separated(", ");
        for _ in 0..n {
            list.push("(");
            for (i, column) in columns.iter_mut().enumerate() {
                if i > 0 {
                    list.push_unseparated(", ");
                }
                match column {
                    Cells::Int(v) => list.push_bind_unseparated(v.next().flatten()),
                    Cells::Text(v) => list.push_bind_unseparated(v.next()),
                    Cells::Bytes(v) => list.push_bind_unseparated(v.next().flatten()),
                };
            }
            list.push_unseparated(")");
        }
    }
}

/// Pushes `$head AS (rows)`, a table for a `WITH` clause (`$head` names it and its columns).
pub(super) fn push_table<DB: Engine>(q: &mut QueryBuilder<'_, DB>, head: &str, rows: Rows) {
    q.push(head).push(" AS (");
    DB::push_rows(q, rows);
    q.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: i64) -> Rows {
        Rows::default()
            .int(0..n)
            .text((0..n).map(|i| format!("cây {i}")))
            .maybe_bytes((0..n).map(|i| (i % 2 == 0).then(|| vec![i as u8])))
    }

    fn text<DB: Engine>(n: i64) -> String {
        let mut q = QueryBuilder::<DB>::new("INSERT INTO t (a, b, c) ");
        DB::push_rows(&mut q, rows(n));
        q.sql().to_owned()
    }

    #[test]
    fn on_postgresql_a_statement_reads_the_same_for_any_number_of_rows() {
        assert_eq!(
            text::<Postgres>(1),
            "INSERT INTO t (a, b, c) SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::BYTEA[]) \
             AS bound (column1, column2, column3)"
        );
        assert_eq!(text::<Postgres>(1), text::<Postgres>(64));
    }

    #[test]
    fn on_sqlite_each_row_is_a_list_of_its_own() {
        assert_eq!(
            text::<Sqlite>(2),
            "INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?)"
        );
    }
}
