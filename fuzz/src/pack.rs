//! Target `pack`: the input is a set of pack files (pack, schema and list files), each
//! introduced by a line `%% NAME`; the first is the pack file. The pack is loaded and
//! compiled (diagnostics rendered on failure); a compiled pack screens its own inline
//! examples and an empty record.

use std::collections::BTreeMap;

use saring::{DecodeOptions, Engine, Pack};

/// The line that starts a file in the input: `%% pack.toml`.
pub const FILE_MARKER: &str = "%% ";

/// Splits the input into named files; `None` when it does not start with a file marker.
pub fn split_files(text: &str) -> Option<(String, BTreeMap<String, String>)> {
    let mut files = BTreeMap::new();
    let mut main = None;
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix(FILE_MARKER) {
            if let Some((n, t)) = current.take() {
                files.insert(n, t);
            }
            let name = name.trim_end_matches(['\n', '\r']).to_string();
            main.get_or_insert_with(|| name.clone());
            current = Some((name, String::new()));
        } else if let Some((_, t)) = current.as_mut() {
            t.push_str(line);
        } else {
            return None;
        }
    }
    if let Some((n, t)) = current.take() {
        files.insert(n, t);
    }
    Some((main?, files))
}

/// Runs one set of pack files.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((main, files)) = split_files(text) else {
        return;
    };
    let pack = match Pack::from_files(files, &main) {
        Ok(pack) => pack,
        Err(e) => {
            let _ = e.render();
            return;
        }
    };
    let engine = match Engine::compile(&pack) {
        Ok(engine) => engine,
        Err(e) => {
            let _ = e.render();
            return;
        }
    };
    let mut records = vec![serde_json::json!({})];
    records.extend(
        pack.rules
            .iter()
            .flat_map(|r| r.examples.iter().map(|e| e.record.clone())),
    );
    for value in &records {
        if let Ok(record) = engine.decode_value(value, DecodeOptions::default()) {
            crate::screen_all_ways(&engine, &record);
        }
    }
}
