//! Windowed aggregates: signals across records. A pack's `[aggregate.<name>]` groups records
//! by a key (the sponsor's phone, a recruiter's name) and computes a count, a count of
//! distinct values or a sum over the records with the same key within a time window before
//! each record, the record itself included. Rules read the value as `agg.<name>`.
//!
//! Two ways to give a record its history, with the same result on the same ordered input:
//! - **batch** ([`crate::Engine::aggregate_batch`]): over the records of one input (a file, a
//!   frame, a labelled back-test set) in time order, equal times in input order;
//! - **online** ([`crate::Engine::aggregate_online`]): one record at a time against a
//!   [`Store`] that remembers the records screened before ([`MemoryStore`], and
//!   `SqliteStore` with the `sqlite` feature, which persists across restarts).
//!
//! A record screened with neither has no history: rules reading an aggregate are incomplete
//! with the error [`NO_HISTORY`], never a silent "no". A record whose key or time is missing
//! makes them incomplete with the missing paths. Entries are identified by record id: the
//! same id screened twice counts once.

mod batch;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use crate::pack::parse_window;
pub(crate) use batch::{compute as compute_batch, first_positions};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{
    Measured, MemoryStore, Number, Store, StoreEntry, StoreError, WindowAnswer, WindowQuery,
};

use crate::cel::ir::PathSet;
use crate::cel::Value;

/// Most record ids a hit's evidence lists for one aggregate (the first in time order).
pub const MAX_EVIDENCE_RECORDS: usize = 20;

/// The error of a rule that reads an aggregate of a record screened without history.
pub const NO_HISTORY: &str =
    "no history: aggregates need a batch of records or a store of the records screened before";

/// What an aggregate computes (the compiled form of [`crate::pack::Measure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MeasureKind {
    Count,
    CountDistinct,
    SumInt,
    SumDouble,
}

/// One record's inputs to one aggregate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// Key and time known.
    Ready {
        key: Arc<str>,
        /// Microseconds since the epoch.
        time: i64,
        /// Whether the record itself is counted (its `where` holds and its value is known).
        counted: bool,
        /// The value counted distinctly or summed (`None` for `count`).
        value: Option<Measured>,
    },
    /// Key, time, `where` or value is missing: these paths.
    Missing(PathSet),
    /// Computing them failed (not missing data).
    Failed(Arc<str>),
}

/// One record's value of one aggregate, as rules read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fact {
    /// Computed over the window.
    Known {
        value: Value,
        key: Arc<str>,
        /// The records that made it up, in time order, and how many there are.
        records: Contributors,
        total: u64,
    },
    /// The record's key, time, `where` or value is missing.
    Missing(PathSet),
    /// Computing it failed.
    Failed(Arc<str>),
}

/// The records behind one value of an aggregate, for the evidence of a hit.
#[derive(Debug, Clone)]
pub(crate) enum Contributors {
    /// Listed by id (online: the first ones in time order).
    Listed(Arc<[Arc<str>]>),
    /// The entries of a batch from position `first` on (shared by every record of the batch:
    /// a window is a run of its key's entries).
    Batch {
        entries: Arc<BatchEntries>,
        first: usize,
    },
}

/// The counted entries of one aggregate over a batch, grouped by key, each key's in time
/// order, as positions into the batch's record ids.
#[derive(Debug)]
pub(crate) struct BatchEntries {
    pub(crate) rows: Vec<u32>,
    pub(crate) ids: Arc<[Arc<str>]>,
}

impl Contributors {
    /// The ids of the first `n` records.
    fn ids(&self, n: usize) -> Vec<&str> {
        match self {
            Contributors::Listed(ids) => ids.iter().take(n).map(|r| r.as_ref()).collect(),
            Contributors::Batch { entries, first } => entries
                .rows
                .iter()
                .skip(*first)
                .take(n)
                .map(|&r| entries.ids.get(r as usize).map_or("?", |id| id.as_ref()))
                .collect(),
        }
    }
}

impl PartialEq for Contributors {
    fn eq(&self, other: &Contributors) -> bool {
        self.ids(usize::MAX) == other.ids(usize::MAX)
    }
}

impl Fact {
    /// The evidence of a hit: the value, the key, the window and the records behind it.
    pub(crate) fn evidence(&self, window: &str) -> Option<serde_json::Value> {
        match self {
            Fact::Known {
                value,
                key,
                records,
                total,
            } => {
                let shown = (*total).min(MAX_EVIDENCE_RECORDS as u64) as usize;
                Some(serde_json::json!({
                    "value": crate::record::cel_to_json(value),
                    "key": key.as_ref(),
                    "window": window,
                    "records": records.ids(shown),
                    "records_total": total,
                }))
            }
            _ => None,
        }
    }
}

/// The value of an aggregate from its window's answer.
pub(crate) fn value_of(kind: MeasureKind, answer: &WindowAnswer) -> Result<Value, Arc<str>> {
    Ok(match kind {
        MeasureKind::Count => Value::Int(clamp(answer.count)),
        MeasureKind::CountDistinct => Value::Int(clamp(answer.distinct)),
        MeasureKind::SumInt => match answer.sum {
            Number::Int(i) => Value::Int(i),
            Number::Double(_) => return Err(Arc::from("integer sum of non-integer values")),
        },
        MeasureKind::SumDouble => Value::Double(answer.sum.as_f64()),
    })
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
