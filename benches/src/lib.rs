//! Benchmark support for saring: a deterministic generator of synthetic departure-check
//! records ([`data`]), a 25-rule pack over them ([`pack`]) and a handwritten Rust
//! implementation of the same rules ([`handwritten`]) that the engine is measured against.
//!
//! The benchmarks live in `benches/screen.rs`; see `benches/README.md`.

pub mod data;
pub mod handwritten;
pub mod pack;

#[cfg(test)]
mod tests;
