//! Batch semantics: every record of one input sees the records before it in time order
//! (equal times in input order) within the window, and itself.
//!
//! Keys, record ids and distinct values are interned to small integers once, so the sliding
//! windows run over vectors indexed by them (a batch of a million records does not chase a
//! million heap strings per lookup).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{value_of, Fact, Input, MeasureKind, Measured, Number, WindowAnswer};

/// What one entry adds to its window.
#[derive(Clone, Copy)]
enum Contribution {
    Nothing,
    /// An interned distinct value.
    Distinct(u32),
    Num(Number),
}

/// The entries of one key, in time order (time, record position, what it adds); `start` is
/// the first inside the current window.
#[derive(Default)]
struct KeyWindow {
    entries: Vec<(i64, u32, Contribution)>,
    start: usize,
    /// Interned distinct value → entries in the window holding it.
    distinct: FxHashMap<u32, u32>,
    sum: Option<Number>,
}

impl KeyWindow {
    fn add(&mut self, time: i64, record: u32, contribution: Contribution) {
        match contribution {
            Contribution::Distinct(v) => *self.distinct.entry(v).or_insert(0) += 1,
            Contribution::Num(n) => self.sum = Some(self.sum.map_or(n, |s| s.plus(n))),
            Contribution::Nothing => {}
        }
        self.entries.push((time, record, contribution));
    }

    /// Moves the window's start past the entries before `from`.
    fn evict_before(&mut self, from: i64) {
        while let Some(&(time, _, contribution)) = self.entries.get(self.start) {
            if time >= from {
                break;
            }
            match contribution {
                Contribution::Distinct(v) => {
                    if let Some(n) = self.distinct.get_mut(&v) {
                        *n -= 1;
                        if *n == 0 {
                            self.distinct.remove(&v);
                        }
                    }
                }
                Contribution::Num(n) => self.sum = self.sum.map(|s| s.minus(n)),
                Contribution::Nothing => {}
            }
            self.start += 1;
        }
        // A window that emptied restarts its sum exactly (no float residue).
        if self.start == self.entries.len() {
            self.sum = None;
        }
    }
}

/// One record's entry for the aggregate, with its key, id and value interned.
struct Event {
    time: i64,
    row: u32,
    /// Position of the first record with the same id.
    id: u32,
    key: u32,
    counted: bool,
    contribution: Contribution,
}

/// What one event saw, before the key's id list is frozen.
struct Seen {
    key: u32,
    first: usize,
    value: Result<crate::cel::Value, Arc<str>>,
    total: u64,
}

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
pub(crate) fn compute(
    kind: MeasureKind,
    (window, retention): (i64, i64),
    inputs: &[&Input],
    ids: &[Arc<str>],
    first: &[u32],
) -> Vec<Fact> {
    // One pass in input order interns keys and values into compact events; the events are
    // then sorted by time and the windows slide over them in order.
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
    events.sort_unstable_by_key(|e| (e.time, e.row));
    let mut windows: Vec<KeyWindow> = (0..key_index.len()).map(|_| KeyWindow::default()).collect();
    // By first position of an id: when it was last counted.
    let mut counted_at: Vec<Option<i64>> = vec![None; inputs.len()];
    let mut seen: Vec<Option<Seen>> = (0..inputs.len()).map(|_| None).collect();
    for e in &events {
        let (time, i, k) = (e.time, e.row, e.key);
        let Some(w) = windows.get_mut(k as usize) else {
            continue;
        };
        w.evict_before(time.saturating_sub(window));
        let id = e.id as usize;
        let fresh = counted_at[id].is_none_or(|before| before < time.saturating_sub(retention));
        if e.counted && fresh {
            counted_at[id] = Some(time);
            w.add(time, i, e.contribution);
        }
        let answer = WindowAnswer {
            count: (w.entries.len() - w.start) as u64,
            distinct: w.distinct.len() as u64,
            sum: w.sum.unwrap_or(Number::Int(0)),
            records: Vec::new(),
        };
        seen[i as usize] = Some(Seen {
            key: k,
            first: w.start,
            value: value_of(kind, &answer),
            total: answer.count,
        });
    }
    let frozen: Vec<Arc<[Arc<str>]>> = windows
        .iter()
        .map(|w| {
            w.entries
                .iter()
                .map(|&(_, r, _)| {
                    ids.get(r as usize)
                        .cloned()
                        .unwrap_or_else(|| Arc::from("?"))
                })
                .collect()
        })
        .collect();
    inputs
        .iter()
        .zip(seen)
        .map(|(input, seen)| match (*input, seen) {
            (Input::Missing(paths), _) => Fact::Missing(paths.clone()),
            (Input::Failed(m), _) => Fact::Failed(m.clone()),
            (Input::Ready { key, .. }, Some(s)) => match s.value {
                Ok(value) => Fact::Known {
                    value,
                    key: key.clone(),
                    ids: frozen
                        .get(s.key as usize)
                        .cloned()
                        .unwrap_or_else(|| Arc::from(Vec::new())),
                    first: s.first,
                    total: s.total,
                },
                Err(m) => Fact::Failed(m),
            },
            (Input::Ready { .. }, None) => Fact::Failed(Arc::from("aggregate not computed")),
        })
        .collect()
}
