//! Helpers shared by the integration tests of `saring` (`mod common;` in each test file).

// Each test binary uses only some of the helpers.
#![allow(dead_code)]

use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use saring::{Engine, Pack};

/// Compiles a pack and its schema, both given as TOML text; panics when either is rejected.
pub fn compile(pack: &str, schema: &str) -> Engine {
    Engine::compile(&Pack::from_toml_str(pack, schema).expect("pack loads")).expect("compiles")
}

/// The `[pack]` and `[outcomes]` tables of a test pack whose schema is `schema.toml`.
pub fn pack_header(id: &str, title: &str, review: i64, refer: i64) -> String {
    format!(
        "[pack]\nid = \"{id}\"\nversion = \"1\"\ntitle = \"{title}\"\nschema = \"schema.toml\"\n\
         [outcomes]\nreview = {review}\nrefer = {refer}\n"
    )
}

/// One `[[rule]]` table with a double-quoted `when`.
pub fn rule_toml(id: &str, title: &str, weight: i64, when: &str, reason: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"{title}\"\nweight = {weight}\nwhen = \"{when}\"\n\
         reason = \"{reason}\"\n"
    )
}

/// The time bound of every hostile case (generous: debug builds, a loaded machine).
pub const BOUND: Duration = Duration::from_secs(5);

/// Cases run one at a time (the test harness runs tests in parallel), so that each is timed
/// alone.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `f` on its own thread (8 MiB of stack) and fails the test when it takes longer than
/// [`BOUND`] (the thread is left behind; the test binary exits when the tests end). Build the
/// inputs before, outside the bound.
pub fn within_bound<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::Builder::new()
        .name(what.to_string())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn the case's thread");
    match rx.recv_timeout(BOUND) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {:?}", start.elapsed())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the case panicked"),
    }
}
