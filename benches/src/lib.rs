//! Benchmark data generation.
