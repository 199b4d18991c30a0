//! Frames: the edge between Python and the core's columnar path ([`saring::columnar`]).
//! Arrow batches arrive through the C stream interface (`import_stream` in `lib.rs`); this
//! module parses the frame options and runs the core over every batch. Nothing here touches
//! Python objects.

use arrow_array::RecordBatch;
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;
use saring::columnar::{self, FrameError, FrameOptions, MissingColumns};
use saring::Engine;

pub use saring::columnar::result_schema;

/// `missing_columns="error" | "absent"` as frame options.
pub fn options(missing_columns: &str) -> PyResult<FrameOptions> {
    let missing = match missing_columns {
        "error" => MissingColumns::Error,
        "absent" => MissingColumns::Absent,
        other => {
            return Err(PyValueError::new_err(format!(
                "missing_columns must be \"error\" or \"absent\", not `{other}`"
            )))
        }
    };
    Ok(FrameOptions::default().missing_columns(missing))
}

/// Screens every batch (the columns are checked on the first, before any row is screened).
pub fn screen_batches(
    engine: &Engine,
    batches: &[RecordBatch],
    options: &FrameOptions,
) -> Result<Vec<RecordBatch>, FrameError> {
    if let Some(first) = batches.first() {
        columnar::check_columns(engine, first.schema_ref(), options)?;
    }
    // One frame is one batch of records for windowed aggregates.
    columnar::screen_batches(engine, batches, options)
}
