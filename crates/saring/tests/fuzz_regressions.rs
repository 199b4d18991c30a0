//! Inputs on which a fuzz target (`fuzz/`, `cargo xtask fuzz`) once failed, replayed through
//! the same steps as the target, so that each stays fixed. Add a crash input to
//! `tests/fuzz-regressions/TARGET/` with a name that says what it broke.

use std::collections::BTreeMap;
use std::path::PathBuf;

use saring::{DecodeOptions, Engine, Pack};

/// The inputs of one target, by file name (fails when there are none).
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != ".gitkeep")
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

/// The `pack` target's input format: files after `%% NAME` lines, the pack file first.
fn split_files(text: &str) -> Option<(String, BTreeMap<String, String>)> {
    let mut files = BTreeMap::new();
    let mut main = None;
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("%% ") {
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

#[test]
fn pack_inputs_load_or_fail_cleanly() {
    let inputs = inputs("pack");
    assert!(inputs.len() >= 2, "pack regressions missing");
    for (name, bytes) in inputs {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{name}: not UTF-8"));
        let (main, files) = split_files(&text).unwrap_or_else(|| panic!("{name}: no files"));
        match Pack::from_files(files, &main).and_then(|p| Engine::compile(&p).map(|e| (p, e))) {
            Err(e) => {
                let rendered = e.render();
                assert!(rendered.contains("error["), "{name}: {rendered}");
            }
            Ok((pack, engine)) => {
                for rule in &pack.rules {
                    for example in &rule.examples {
                        if let Ok(r) =
                            engine.decode_value(&example.record, DecodeOptions::default())
                        {
                            let _ = engine.explain(&r);
                        }
                    }
                }
            }
        }
    }
}
