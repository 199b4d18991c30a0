//! Matching a batch's columns to schema fields: a field `a.b.c` is read from a column named
//! `a.b.c`, or from field `b.c` (or `c` of `b`) of a struct column `a`, at any depth; and the
//! check that every field the pack reads has a column.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Fields};

use super::cell::Column;
use super::{FrameError, MissingColumns};
use crate::engine::Engine;
use crate::schema::{FieldKind, Schema};

/// Where a dotted path is in a set of (possibly nested) columns.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Located {
    /// The column, as indices from the top-level column down through struct fields.
    Column(Vec<usize>),
    /// Inside a column that is not a struct (a null-typed column, or a value of the wrong
    /// type): the field is read as absent, or its object is invalid.
    InsideValue,
    /// No column.
    Nowhere,
}

/// Locates `path` among `fields`: an exact name first, then through struct columns whose
/// name is a dotted prefix of the path.
pub(crate) fn locate(fields: &Fields, path: &str) -> Located {
    if let Some((i, _)) = fields.find(path) {
        return Located::Column(vec![i]);
    }
    let mut found = Located::Nowhere;
    for (i, field) in fields.iter().enumerate() {
        let Some(rest) = path
            .strip_prefix(field.name().as_str())
            .and_then(|r| r.strip_prefix('.'))
        else {
            continue;
        };
        match field.data_type() {
            DataType::Struct(children) => match locate(children, rest) {
                Located::Column(mut chain) => {
                    chain.insert(0, i);
                    return Located::Column(chain);
                }
                Located::InsideValue => found = Located::InsideValue,
                Located::Nowhere => {}
            },
            _ => found = Located::InsideValue,
        }
    }
    found
}

/// The column at `chain` (from [`locate`]) with the struct arrays above it.
pub(crate) fn column_at<'a>(batch: &'a RecordBatch, chain: &[usize]) -> Option<Column<'a>> {
    let (&first, rest) = chain.split_first()?;
    let mut array: &'a dyn Array = batch.columns().get(first)?.as_ref();
    let mut ancestors = Vec::new();
    for &i in rest {
        let parent = array.as_struct_opt()?;
        ancestors.push(array);
        array = parent.columns().get(i)?.as_ref();
    }
    Some(Column::new(array, ancestors))
}

/// Whether the slot or one of the objects around it is protected (never read).
pub(crate) fn is_protected(schema: &Schema, slot: u32) -> bool {
    let mut current = Some(slot);
    while let Some(s) = current {
        match schema.slots.get(s as usize) {
            Some(info) if info.protected => return true,
            Some(info) => current = info.parent,
            None => return true,
        }
    }
    false
}

/// Checks that every field the pack reads has a column (see [`MissingColumns`]).
pub(crate) fn check(
    engine: &Engine,
    fields: &Fields,
    missing: MissingColumns,
) -> Result<(), FrameError> {
    if missing == MissingColumns::Absent {
        return Ok(());
    }
    let schema = engine.schema();
    let has_column = |path: &str| !matches!(locate(fields, path), Located::Nowhere);
    let mut absent = Vec::new();
    for path in engine.fields_read() {
        if has_column(&path) {
            continue;
        }
        // An object is there when any field inside it has a column.
        let is_object = schema
            .slot(&path)
            .and_then(|s| schema.slots.get(s as usize))
            .is_some_and(|info| matches!(info.kind, FieldKind::Object(_)));
        if is_object {
            let prefix = format!("{path}.");
            let inside = schema
                .slots
                .iter()
                .any(|info| info.path.starts_with(&prefix) && has_column(&info.path));
            if inside {
                continue;
            }
        }
        absent.push(path);
    }
    if absent.is_empty() {
        Ok(())
    } else {
        Err(FrameError::missing_columns(absent))
    }
}
