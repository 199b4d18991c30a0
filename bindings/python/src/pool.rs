//! Thread pools for the `threads=` argument of the batch calls: one rayon pool per size,
//! built on first use and kept for the life of the process (no pool is built per call).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::ThreadPool;

/// The largest `threads=` accepted.
pub const MAX_THREADS: i64 = 1024;

static POOLS: Mutex<BTreeMap<usize, Arc<ThreadPool>>> = Mutex::new(BTreeMap::new());

/// The pool for `threads=` (`None`: rayon's global pool, every core unless
/// `RAYON_NUM_THREADS` says otherwise). `ValueError` for 0, a negative number or more than
/// [`MAX_THREADS`].
pub fn pool(threads: Option<i64>) -> PyResult<Option<Arc<ThreadPool>>> {
    let Some(n) = threads else {
        return Ok(None);
    };
    if !(1..=MAX_THREADS).contains(&n) {
        return Err(PyValueError::new_err(format!(
            "threads must be between 1 and {MAX_THREADS}, not {n}"
        )));
    }
    let n = n as usize;
    let mut pools = POOLS
        .lock()
        .map_err(|_| PyRuntimeError::new_err("thread pool cache lock poisoned"))?;
    if let Some(p) = pools.get(&n) {
        return Ok(Some(p.clone()));
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(move |i| format!("saring-{n}-{i}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start {n} threads: {e}")))?;
    let built = Arc::new(built);
    pools.insert(n, built.clone());
    Ok(Some(built))
}

/// Runs `f` in `pool` (its parallel iterators use the pool's threads), or as is.
pub fn run<T: Send>(pool: Option<&ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// How many threads a parallel call with `threads=` runs on (for tests).
#[pyfunction]
#[pyo3(signature = (threads = None))]
pub fn _pool_threads(py: Python<'_>, threads: Option<i64>) -> PyResult<usize> {
    let pool = pool(threads)?;
    Ok(py.detach(|| run(pool.as_deref(), rayon::current_num_threads)))
}
