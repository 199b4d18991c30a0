//! What ties a decision to the outside world: the record's id (the pack's `record_id`) and
//! each rule's references. Small hooks the decision builder calls.

use crate::cel::Value;
use crate::engine::Engine;
use crate::record::Record;

impl Engine {
    /// The record's id: the value of the field the pack names as `record_id`, as text (an int
    /// id is rendered in decimal). `None` when the pack names no `record_id` or the record
    /// lacks it.
    pub fn record_id(&self, record: &Record) -> Option<String> {
        let field = self.pack().meta.record_id.as_ref()?;
        match record.get(field.slot)? {
            Value::String(s) => Some(s.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Uint(u) => Some(u.to_string()),
            _ => None,
        }
    }

    /// [`Engine::record_id`] sharing the record's text when the id is a string.
    pub(crate) fn record_id_text(&self, record: &Record) -> Option<std::sync::Arc<str>> {
        let field = self.pack().meta.record_id.as_ref()?;
        match record.get(field.slot)? {
            Value::String(s) => Some(s.clone()),
            Value::Int(i) => Some(std::sync::Arc::from(i.to_string())),
            Value::Uint(u) => Some(std::sync::Arc::from(u.to_string())),
            _ => None,
        }
    }

    /// The `record` member of a decision: `None` without a `record_id` in the pack,
    /// `Some(None)` when the record lacks its id.
    pub(crate) fn decision_record(&self, record: &Record) -> Option<Option<String>> {
        self.pack().meta.record_id.as_ref()?;
        Some(self.record_id(record))
    }

    /// The references of the rule at `index` (pack order), for its hits.
    pub(crate) fn rule_references(&self, index: usize) -> Vec<String> {
        self.pack()
            .rules
            .get(index)
            .map(|r| r.references.clone())
            .unwrap_or_default()
    }
}
