//! Conformance test support.
