//! The compiled engine (placeholder).

/// A compiled rule pack, ready to screen records.
#[derive(Debug, Clone)]
pub struct Engine {}
