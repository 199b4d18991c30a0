//! [`SqliteStore`]: the online history in one SQLite file (the bundled library), so that a
//! restart picks up where the last run stopped. Windows are answered from an in-memory copy
//! of the entries (loaded when the file is opened); every entry is written through to the
//! file, in transactions.

use std::path::Path;
use std::sync::Arc;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension as _};

use super::store::{
    Measured, MemoryStore, Number, Store, StoreEntry, StoreError, WindowAnswer, WindowQuery,
};

/// Writes are grouped in transactions of this many entries (and committed on
/// [`Store::flush`] and when the store is dropped).
const BATCH: usize = 1024;

/// The on-disk log of entries. Window queries are answered from the in-memory copy loaded
/// at open, so the table needs no window index and no uniqueness index (the copy refuses a
/// record id twice, at open as on insert): one append-only B-tree plus the age index that
/// purging walks.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS saring_history (
    seq INTEGER PRIMARY KEY,
    aggregate TEXT NOT NULL,
    record TEXT NOT NULL,
    key TEXT NOT NULL,
    time INTEGER NOT NULL,
    text TEXT,
    num_int INTEGER,
    num_real REAL
);
CREATE INDEX IF NOT EXISTS saring_history_age ON saring_history (aggregate, time);
";

/// Moves the entries of a store written by the first version (table `saring_entries`, with
/// window and uniqueness indexes) into the log, in their order, and drops the old table.
fn migrate_indexed_table(conn: &Connection) -> Result<(), StoreError> {
    let old: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'saring_entries'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(err)?
        > 0;
    if old {
        conn.execute_batch(
            "BEGIN;
             INSERT INTO saring_history (aggregate, record, key, time, text, num_int, num_real)
                 SELECT aggregate, record, key, time, text, num_int, num_real
                 FROM saring_entries ORDER BY seq;
             DROP TABLE saring_entries;
             COMMIT;",
        )
        .map_err(|e| StoreError::new(format!("cannot migrate the history store: {e}")))?;
    }
    Ok(())
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::new(e.to_string())
}

/// A history store in an SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    /// Entries written in the open transaction.
    pending: usize,
    /// The last purge bound per aggregate (a bound not past it has nothing left to purge).
    purged: Vec<(String, i64)>,
    /// The entries, for window queries.
    memory: MemoryStore,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("pending", &self.pending)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path)
            .map_err(|e| StoreError::new(format!("cannot open {}: {e}", path.display())))?;
        SqliteStore::with(conn)
    }

    /// A store in memory (same code path as a file, nothing persists).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with(Connection::open_in_memory().map_err(err)?)
    }

    fn with(conn: Connection) -> Result<SqliteStore, StoreError> {
        // WAL is refused for in-memory databases; the default journal is fine there.
        let _ = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .optional();
        // NORMAL is durable in WAL mode except for the last transactions before a power cut;
        // a 64 MiB page cache keeps a window index of millions of entries in memory.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(|e| {
            StoreError::new(format!("not a saring history store (or unreadable): {e}"))
        })?;
        migrate_indexed_table(&conn)?;
        // In insertion order, so the copy is the one the entries were written from (equal
        // times keep their order; the first entry of a record id wins, as it did).
        let mut memory = MemoryStore::new();
        {
            let mut rows = conn
                .prepare("SELECT aggregate, record, key, time, text, num_int, num_real FROM saring_history ORDER BY seq")
                .map_err(err)?;
            let mut rows = rows.query([]).map_err(err)?;
            while let Some(row) = rows.next().map_err(err)? {
                let text = |i: usize| -> Result<&str, StoreError> {
                    row.get_ref(i)
                        .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                        .map_err(err)
                };
                let value = match row.get_ref(4).map_err(err)? {
                    ValueRef::Text(_) => Some(Measured::Text(Arc::from(text(4)?))),
                    _ => match (
                        row.get::<_, Option<i64>>(5).map_err(err)?,
                        row.get::<_, Option<f64>>(6).map_err(err)?,
                    ) {
                        (Some(i), _) => Some(Measured::Num(Number::Int(i))),
                        (None, Some(d)) => Some(Measured::Num(Number::Double(d))),
                        (None, None) => None,
                    },
                };
                memory.insert(&StoreEntry {
                    aggregate: text(0)?,
                    key: text(2)?,
                    time: row.get(3).map_err(err)?,
                    record: text(1)?,
                    value: value.as_ref(),
                })?;
            }
        }
        Ok(SqliteStore {
            conn,
            pending: 0,
            purged: Vec::new(),
            memory,
        })
    }

    /// How many entries the store holds.
    pub fn entries(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM saring_history", [], |r| r.get(0))
            .map_err(err)
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        if self.pending == 0 && self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN").map_err(err)?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT").map_err(err)?;
        }
        self.pending = 0;
        Ok(())
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

impl Store for SqliteStore {
    fn insert(&mut self, entry: &StoreEntry<'_>) -> Result<bool, StoreError> {
        if !self.memory.insert(entry)? {
            return Ok(false);
        }
        self.begin()?;
        let (text, int, real) = match entry.value {
            Some(Measured::Text(t)) => (Some(t.as_ref()), None, None),
            Some(Measured::Num(Number::Int(i))) => (None, Some(*i), None),
            Some(Measured::Num(Number::Double(d))) => (None, None, Some(*d)),
            None => (None, None, None),
        };
        let added = self
            .conn
            .prepare_cached(
                "INSERT INTO saring_history (aggregate, record, key, time, text, num_int, num_real)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    entry.aggregate,
                    entry.record,
                    entry.key,
                    entry.time,
                    text,
                    int,
                    real
                ])
            })
            .map_err(err)?;
        self.pending += 1;
        if self.pending >= BATCH {
            self.commit()?;
        }
        Ok(added == 1)
    }

    fn window(&mut self, q: &WindowQuery<'_>) -> Result<WindowAnswer, StoreError> {
        self.memory.window(q)
    }

    fn purge(&mut self, aggregate: &str, before: i64) -> Result<u64, StoreError> {
        self.memory.purge(aggregate, before)?;
        // Times only move forward in ordered input: a bound not past the last one purges
        // nothing new.
        match self.purged.iter_mut().find(|(a, _)| a == aggregate) {
            Some((_, at)) if before <= *at => return Ok(0),
            Some((_, at)) => *at = before,
            None => self.purged.push((aggregate.to_string(), before)),
        }
        self.begin()?;
        let n = self
            .conn
            .prepare_cached("DELETE FROM saring_history WHERE aggregate = ?1 AND time < ?2")
            .and_then(|mut s| s.execute(params![aggregate, before]))
            .map_err(err)?;
        Ok(n as u64)
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.commit()
    }
}
