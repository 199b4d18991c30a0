//! The online history: a [`Store`] of the aggregate entries of the records screened before,
//! answering window queries. [`MemoryStore`] keeps them in memory (tests, short sessions).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::MAX_EVIDENCE_RECORDS;

/// A number summed by an aggregate: integers stay exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A 64-bit integer.
    Int(i64),
    /// A float.
    Double(f64),
}

impl Number {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Double(d) => d,
        }
    }

    /// `self + other`; integers that overflow, and mixed kinds, become floats.
    pub fn plus(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => match a.checked_add(b) {
                Some(s) => Number::Int(s),
                None => Number::Double(a as f64 + b as f64),
            },
            (a, b) => Number::Double(a.as_f64() + b.as_f64()),
        }
    }

    /// `self - other` (removing an entry from a running sum).
    pub(crate) fn minus(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => match a.checked_sub(b) {
                Some(s) => Number::Int(s),
                None => Number::Double(a as f64 - b as f64),
            },
            (a, b) => Number::Double(a.as_f64() - b.as_f64()),
        }
    }
}

/// The value an entry contributes: what `count_distinct` tells apart, or what `sum` adds.
#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    /// A value counted distinctly, in canonical text form (equal values, equal text).
    Text(Arc<str>),
    /// A value summed.
    Num(Number),
}

/// One record's entry for one aggregate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreEntry<'a> {
    /// The aggregate's name.
    pub aggregate: &'a str,
    /// The record's key.
    pub key: &'a str,
    /// When the record happened, in microseconds since the epoch.
    pub time: i64,
    /// The record's id (an entry per aggregate and id: screening it again adds nothing).
    pub record: &'a str,
    /// What it contributes (`None` for `count`).
    pub value: Option<&'a Measured>,
}

/// A window query: the entries of `aggregate` with `key` and `from <= time <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowQuery<'a> {
    /// The aggregate's name.
    pub aggregate: &'a str,
    /// The key.
    pub key: &'a str,
    /// First time in the window (inclusive), microseconds since the epoch.
    pub from: i64,
    /// Last time in the window (inclusive).
    pub to: i64,
}

/// What a window holds.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowAnswer {
    /// Entries.
    pub count: u64,
    /// Distinct [`Measured::Text`] values among them.
    pub distinct: u64,
    /// Sum of their [`Measured::Num`] values (`Int(0)` when there are none).
    pub sum: Number,
    /// The ids of the first [`MAX_EVIDENCE_RECORDS`] entries, in time order (equal times in
    /// the order they were stored).
    pub records: Vec<Arc<str>>,
}

/// Why a store failed.
#[derive(Debug, thiserror::Error)]
#[error("history store: {message}")]
pub struct StoreError {
    /// What went wrong.
    pub message: String,
}

impl StoreError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
        }
    }
}

/// Where the online history lives: the aggregate entries of the records screened before.
pub trait Store {
    /// Stores an entry unless the store holds one for the same aggregate and record id;
    /// returns whether it was added.
    fn insert(&mut self, entry: &StoreEntry<'_>) -> Result<bool, StoreError>;
    /// What the window holds.
    fn window(&mut self, query: &WindowQuery<'_>) -> Result<WindowAnswer, StoreError>;
    /// Drops the entries of `aggregate` older than `before` (microseconds since the epoch);
    /// returns how many were dropped.
    fn purge(&mut self, aggregate: &str, before: i64) -> Result<u64, StoreError>;
    /// Makes what was stored durable (a no-op for stores that are not persistent).
    fn flush(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct MemoryEntry {
    time: i64,
    seq: u64,
    record: Arc<str>,
    value: Option<Measured>,
}

/// The entries of one aggregate.
#[derive(Debug, Default)]
struct AggregateEntries {
    /// Key → entries in (time, insertion) order.
    by_key: HashMap<Arc<str>, Vec<MemoryEntry>>,
    /// (time, insertion) → (key, record id): what to purge first.
    by_age: BTreeMap<(i64, u64), (Arc<str>, Arc<str>)>,
    /// The record ids it holds.
    ids: HashSet<Arc<str>>,
}

/// A store in memory: for tests and for one process's session (and the window index of
/// [`crate::aggregate::SqliteStore`]).
#[derive(Debug, Default)]
pub struct MemoryStore {
    aggregates: HashMap<String, AggregateEntries>,
    seq: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.aggregates.values().map(|a| a.ids.len()).sum()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Store for MemoryStore {
    fn insert(&mut self, entry: &StoreEntry<'_>) -> Result<bool, StoreError> {
        let agg = match self.aggregates.get_mut(entry.aggregate) {
            Some(a) => a,
            None => self
                .aggregates
                .entry(entry.aggregate.to_string())
                .or_default(),
        };
        if agg.ids.contains(entry.record) {
            return Ok(false);
        }
        let record: Arc<str> = Arc::from(entry.record);
        agg.ids.insert(record.clone());
        self.seq += 1;
        let key: Arc<str> = match agg.by_key.get_key_value(entry.key) {
            Some((k, _)) => k.clone(),
            None => Arc::from(entry.key),
        };
        let list = agg.by_key.entry(key.clone()).or_default();
        let at = list.partition_point(|e| e.time <= entry.time);
        list.insert(
            at,
            MemoryEntry {
                time: entry.time,
                seq: self.seq,
                record: record.clone(),
                value: entry.value.cloned(),
            },
        );
        agg.by_age.insert((entry.time, self.seq), (key, record));
        Ok(true)
    }

    fn window(&mut self, q: &WindowQuery<'_>) -> Result<WindowAnswer, StoreError> {
        let mut answer = WindowAnswer {
            count: 0,
            distinct: 0,
            sum: Number::Int(0),
            records: Vec::new(),
        };
        let Some(list) = self
            .aggregates
            .get(q.aggregate)
            .and_then(|a| a.by_key.get(q.key))
        else {
            return Ok(answer);
        };
        let start = list.partition_point(|e| e.time < q.from);
        let end = list.partition_point(|e| e.time <= q.to);
        let mut seen: HashSet<&str> = HashSet::new();
        for e in list.get(start..end).unwrap_or_default() {
            answer.count += 1;
            match &e.value {
                Some(Measured::Text(t)) => {
                    seen.insert(t);
                }
                Some(Measured::Num(n)) => answer.sum = answer.sum.plus(*n),
                None => {}
            }
            if answer.records.len() < MAX_EVIDENCE_RECORDS {
                answer.records.push(e.record.clone());
            }
        }
        answer.distinct = seen.len() as u64;
        Ok(answer)
    }

    fn purge(&mut self, aggregate: &str, before: i64) -> Result<u64, StoreError> {
        let Some(agg) = self.aggregates.get_mut(aggregate) else {
            return Ok(0);
        };
        let mut dropped = 0u64;
        while let Some(entry) = agg.by_age.first_entry() {
            let (time, seq) = *entry.key();
            if time >= before {
                break;
            }
            let (key, record) = entry.remove();
            agg.ids.remove(&record);
            if let Some(list) = agg.by_key.get_mut(&key) {
                list.retain(|e| e.seq != seq);
                if list.is_empty() {
                    agg.by_key.remove(&key);
                }
            }
            dropped += 1;
        }
        Ok(dropped)
    }
}
