//! Batch semantics: every record of one input sees the records before it in time order
//! (equal times in input order) within the window, and itself.
//!
//! Keys, record ids and distinct values are interned to small integers once, so the sliding
//! windows run over vectors indexed by them (a batch of a million records does not chase a
//! million heap strings per lookup).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{
    value_of, BatchEntries, Contributors, Fact, Input, MeasureKind, Measured, Number, WindowAnswer,
};
use crate::cel::Value;

/// What one entry adds to its window.
#[derive(Clone, Copy)]
enum Contribution {
    Nothing,
    /// An interned distinct value.
    Distinct(u32),
    Num(Number),
}

/// One record's entry for the aggregate, with its key, id and value interned.
struct Event {
    time: i64,
    row: u32,
    /// Position of the first record with the same id.
    id: u32,
    key: u32,
    /// Whether the record is counted: its own `where` at first, then also whether its id
    /// was not counted already within the retention.
    counted: bool,
    contribution: Contribution,
}

/// What one record saw: its window's first entry, the entries in it, the value.
type Seen = (usize, u64, Result<Value, Arc<str>>);

/// For every record of a batch, the position of the first record with the same id (its
/// own position when the id is new): entries are identified by record id.
pub(crate) fn first_positions(ids: &[Arc<str>]) -> Vec<u32> {
    let mut first: FxHashMap<&str, u32> = FxHashMap::default();
    first.reserve(ids.len());
    ids.iter()
        .enumerate()
        .map(|(i, id)| *first.entry(id.as_ref()).or_insert(i as u32))
        .collect()
}

/// The facts of one aggregate for every record of a batch (input order). `ids[i]` names
/// record `i` and `first[i]` is the first record with its id ([`first_positions`]);
/// `window` and `retention` (how long an online store would remember an entry: the pack's
/// longest window) are in microseconds. A record id counted before counts again only once
/// its entry is older than the retention, as in an online store that purged it.
///
/// The windows slide over one array of the counted entries grouped by key (each key's run in
/// time order), which is also what every record's evidence points into: no list per key,
/// no id copied per record.
pub(crate) fn compute(
    kind: MeasureKind,
    (window, retention): (i64, i64),
    inputs: &[&Input],
    ids: &Arc<[Arc<str>]>,
    first: &[u32],
) -> Vec<Fact> {
    // One pass in input order interns keys and values into compact events, sorted by time.
    let mut key_index: FxHashMap<&str, u32> = FxHashMap::default();
    let mut value_index: FxHashMap<&str, u32> = FxHashMap::default();
    let mut events: Vec<Event> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let Input::Ready {
            key,
            time,
            counted,
            value,
        } = input
        else {
            continue;
        };
        let next = key_index.len() as u32;
        let key = *key_index.entry(key.as_ref()).or_insert(next);
        let contribution = match value {
            Some(Measured::Text(t)) => {
                let next = value_index.len() as u32;
                Contribution::Distinct(*value_index.entry(t.as_ref()).or_insert(next))
            }
            Some(Measured::Num(n)) => Contribution::Num(*n),
            None => Contribution::Nothing,
        };
        events.push(Event {
            time: *time,
            row: i as u32,
            id: first.get(i).copied().unwrap_or(i as u32),
            key,
            counted: *counted,
            contribution,
        });
    }
    let keys = key_index.len();
    drop(key_index);
    drop(value_index);
    events.sort_unstable_by_key(|e| (e.time, e.row));

    // Which events are counted does not depend on the windows: an id counts again only once
    // its last counted entry is older than the retention.
    let mut counted_at: Vec<Option<i64>> = vec![None; inputs.len()];
    let mut per_key = vec![0u32; keys + 1];
    for e in events.iter_mut() {
        let id = e.id as usize;
        let fresh = counted_at
            .get(id)
            .copied()
            .flatten()
            .is_none_or(|before| before < e.time.saturating_sub(retention));
        e.counted &= fresh;
        if e.counted {
            if let Some(slot) = counted_at.get_mut(id) {
                *slot = Some(e.time);
            }
            per_key[e.key as usize + 1] += 1;
        }
    }
    drop(counted_at);
    // Each key's run of the entries array: [start[k], start[k + 1]).
    for k in 0..keys {
        per_key[k + 1] += per_key[k];
    }
    let offsets = per_key;
    let total = offsets.last().copied().unwrap_or(0) as usize;
    let mut rows = vec![0u32; total];
    let mut times = vec![0i64; total];
    let mut contributions = vec![Contribution::Nothing; total];
    // The window of key k is [start[k], end[k]) of the entries; end also fills them.
    let mut start: Vec<u32> = offsets[..keys].to_vec();
    let mut end: Vec<u32> = start.clone();
    let mut sums: Vec<Option<Number>> = match kind {
        MeasureKind::SumInt | MeasureKind::SumDouble => vec![None; keys],
        _ => Vec::new(),
    };
    let mut distinct_counts: Vec<u32> = match kind {
        MeasureKind::CountDistinct => vec![0; keys],
        _ => Vec::new(),
    };
    // (key, interned value) → entries in the key's window holding it.
    let mut distinct: FxHashMap<(u32, u32), u32> = FxHashMap::default();

    let mut seen: Vec<Option<Seen>> = (0..inputs.len()).map(|_| None).collect();
    for e in &events {
        let k = e.key as usize;
        let (Some(s), Some(t)) = (start.get_mut(k), end.get_mut(k)) else {
            continue;
        };
        // Evict the entries before the window.
        let from = e.time.saturating_sub(window);
        while *s < *t && times.get(*s as usize).is_some_and(|&at| at < from) {
            match contributions.get(*s as usize) {
                Some(Contribution::Distinct(v)) => {
                    if let Some(n) = distinct.get_mut(&(e.key, *v)) {
                        *n -= 1;
                        if *n == 0 {
                            distinct.remove(&(e.key, *v));
                            if let Some(c) = distinct_counts.get_mut(k) {
                                *c -= 1;
                            }
                        }
                    }
                }
                Some(Contribution::Num(n)) => {
                    if let Some(sum) = sums.get_mut(k) {
                        *sum = sum.map(|s| s.minus(*n));
                    }
                }
                _ => {}
            }
            *s += 1;
        }
        // A window that emptied restarts its sum exactly (no float residue).
        if *s == *t {
            if let Some(sum) = sums.get_mut(k) {
                *sum = None;
            }
        }
        if e.counted {
            let at = *t as usize;
            if let (Some(r), Some(tm), Some(c)) = (
                rows.get_mut(at),
                times.get_mut(at),
                contributions.get_mut(at),
            ) {
                (*r, *tm, *c) = (e.row, e.time, e.contribution);
            }
            *t += 1;
            match e.contribution {
                Contribution::Distinct(v) => {
                    let n = distinct.entry((e.key, v)).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        if let Some(c) = distinct_counts.get_mut(k) {
                            *c += 1;
                        }
                    }
                }
                Contribution::Num(n) => {
                    if let Some(sum) = sums.get_mut(k) {
                        *sum = Some(sum.map_or(n, |s| s.plus(n)));
                    }
                }
                Contribution::Nothing => {}
            }
        }
        let count = u64::from(*t - *s);
        let answer = WindowAnswer {
            count,
            distinct: distinct_counts.get(k).map_or(0, |&c| u64::from(c)),
            sum: sums.get(k).copied().flatten().unwrap_or(Number::Int(0)),
            records: Vec::new(),
        };
        if let Some(slot) = seen.get_mut(e.row as usize) {
            *slot = Some((*s as usize, count, value_of(kind, &answer)));
        }
    }
    let entries = Arc::new(BatchEntries {
        rows,
        ids: ids.clone(),
    });
    inputs
        .iter()
        .zip(seen)
        .map(|(input, seen)| match (*input, seen) {
            (Input::Missing(paths), _) => Fact::Missing(paths.clone()),
            (Input::Failed(m), _) => Fact::Failed(m.clone()),
            (Input::Ready { key, .. }, Some((first, total, value))) => match value {
                Ok(value) => Fact::Known {
                    value,
                    key: key.clone(),
                    records: Contributors::Batch {
                        entries: entries.clone(),
                        first,
                    },
                    total,
                },
                Err(m) => Fact::Failed(m),
            },
            (Input::Ready { .. }, None) => Fact::Failed(Arc::from("aggregate not computed")),
        })
        .collect()
}
