//! Batch semantics: every record of one input sees the records before it in time order
//! (equal times in input order) within the window, and itself.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{value_of, Fact, Input, MeasureKind, Measured, Number, WindowAnswer};

/// The entries of one key, in time order; `start` is the first inside the current window.
#[derive(Default)]
struct KeyWindow {
    times: Vec<i64>,
    ids: Vec<Arc<str>>,
    values: Vec<Option<Measured>>,
    start: usize,
    distinct: FxHashMap<Arc<str>, u32>,
    sum: Option<Number>,
}

impl KeyWindow {
    fn add(&mut self, time: i64, id: Arc<str>, value: Option<&Measured>) {
        match value {
            Some(Measured::Text(t)) => *self.distinct.entry(t.clone()).or_insert(0) += 1,
            Some(Measured::Num(n)) => {
                self.sum = Some(self.sum.map_or(*n, |s| s.plus(*n)));
            }
            None => {}
        }
        self.times.push(time);
        self.ids.push(id);
        self.values.push(value.cloned());
    }

    /// Moves the window's start past the entries before `from`.
    fn evict_before(&mut self, from: i64) {
        while self.start < self.times.len() && self.times[self.start] < from {
            match &self.values[self.start] {
                Some(Measured::Text(t)) => {
                    if let Some(n) = self.distinct.get_mut(t) {
                        *n -= 1;
                        if *n == 0 {
                            self.distinct.remove(t);
                        }
                    }
                }
                Some(Measured::Num(n)) => self.sum = self.sum.map(|s| s.minus(*n)),
                None => {}
            }
            self.start += 1;
        }
        // A window that emptied restarts its sum exactly (no float residue).
        if self.start == self.times.len() {
            self.sum = None;
        }
    }
}

/// What one event saw, before the key's id list is frozen.
struct Seen {
    key: Arc<str>,
    first: usize,
    value: Result<crate::cel::Value, Arc<str>>,
    total: u64,
}

/// The facts of one aggregate for every record of a batch (input order). `ids[i]` names
/// record `i`; `window` and `retention` (how long an online store would remember an entry:
/// the pack's longest window) are in microseconds. A record id counted before counts again
/// only once its entry is older than the retention, as in an online store that purged it.
pub(crate) fn compute(
    kind: MeasureKind,
    window: i64,
    retention: i64,
    inputs: &[Input],
    ids: &[Arc<str>],
) -> Vec<Fact> {
    let mut order: Vec<(i64, usize)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| match input {
            Input::Ready { time, .. } => Some((*time, i)),
            _ => None,
        })
        .collect();
    order.sort_unstable();
    let mut keys: HashMap<Arc<str>, KeyWindow> = HashMap::new();
    let mut counted_ids: FxHashMap<Arc<str>, i64> = FxHashMap::default();
    let mut seen: Vec<Option<Seen>> = (0..inputs.len()).map(|_| None).collect();
    for &(time, i) in &order {
        let Some(Input::Ready {
            key,
            counted,
            value,
            ..
        }) = inputs.get(i)
        else {
            continue;
        };
        let id = ids.get(i).cloned().unwrap_or_else(|| Arc::from(""));
        let w = keys.entry(key.clone()).or_default();
        w.evict_before(time.saturating_sub(window));
        let fresh = counted_ids
            .get(&id)
            .is_none_or(|&before| before < time.saturating_sub(retention));
        if *counted && fresh {
            counted_ids.insert(id.clone(), time);
            w.add(time, id, value.as_ref());
        }
        let answer = WindowAnswer {
            count: (w.times.len() - w.start) as u64,
            distinct: w.distinct.len() as u64,
            sum: w.sum.unwrap_or(Number::Int(0)),
            records: Vec::new(),
        };
        seen[i] = Some(Seen {
            key: key.clone(),
            first: w.start,
            value: value_of(kind, &answer),
            total: answer.count,
        });
    }
    let frozen: HashMap<Arc<str>, Arc<[Arc<str>]>> = keys
        .into_iter()
        .map(|(k, w)| (k, Arc::from(w.ids)))
        .collect();
    let empty: Arc<[Arc<str>]> = Arc::from(Vec::new());
    inputs
        .iter()
        .zip(seen)
        .map(|(input, seen)| match (input, seen) {
            (Input::Missing(paths), _) => Fact::Missing(paths.clone()),
            (Input::Failed(m), _) => Fact::Failed(m.clone()),
            (Input::Ready { .. }, Some(s)) => match s.value {
                Ok(value) => Fact::Known {
                    value,
                    ids: frozen.get(&s.key).cloned().unwrap_or_else(|| empty.clone()),
                    key: s.key,
                    first: s.first,
                    total: s.total,
                },
                Err(m) => Fact::Failed(m),
            },
            (Input::Ready { .. }, None) => Fact::Failed(Arc::from("aggregate not computed")),
        })
        .collect()
}
