//! Helpers shared by the integration tests of `saring` (`mod common;` in each test file).

// Each test binary uses only some of the helpers.
#![allow(dead_code)]

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
