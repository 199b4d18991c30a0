//! Records: JSON text or values decoded against the schema straight into slot-addressed
//! values, so evaluation never looks a field up by name.
//!
//! [`decode_json`] and [`decode_value`] share one schema-driven serde seed;
//! [`value_to_json`] / [`cel_to_json`] turn values back into JSON for evidence.

mod decode;
mod to_json;

#[cfg(test)]
mod tests;

pub(crate) use decode::DecodePlan;
pub use decode::{convert_json_value, decode_json, decode_value};
pub use to_json::{cel_to_json, value_to_json};

use crate::cel::Value;

/// A decoded record: one optional value per schema slot (`None` = absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub(crate) slots: Box<[Option<Value>]>,
}

impl Record {
    /// An empty record (every field absent) with `len` slots.
    pub fn empty(len: usize) -> Record {
        Record {
            // `repeat_with` writes only the `None` tag per slot (no per-element clone).
            slots: std::iter::repeat_with(|| None).take(len).collect(),
        }
    }

    /// The value in a slot, `None` if absent.
    pub fn get(&self, slot: u32) -> Option<&Value> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Sets (or clears) a slot. Out-of-range slots are ignored.
    pub fn set(&mut self, slot: u32, value: Option<Value>) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = value;
        }
    }

    /// All slots in slot order (`None` = absent).
    pub fn slots(&self) -> &[Option<Value>] {
        &self.slots
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the record has no slots.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Options for decoding records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Reject fields the schema does not declare (default: ignore them).
    pub strict: bool,
}
