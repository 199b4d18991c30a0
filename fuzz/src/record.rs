//! Target `record`: the input is one record's bytes, decoded and screened by the id-pmi
//! departure and passport packs (one schema), with unknown fields ignored, reported and
//! rejected. Decoding the text and decoding the parsed JSON value must agree.

use std::sync::OnceLock;

use saring::{DecodeOptions, Engine, UnknownFields};

fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        ["departure.toml", "passport.toml"]
            .iter()
            .map(|file| {
                let path = format!("{}/../rules/id-pmi/{file}", env!("CARGO_MANIFEST_DIR"));
                match Engine::load(&path) {
                    Ok(engine) => engine,
                    Err(e) => panic!("`{path}` must load: {}", e.render()),
                }
            })
            .collect()
    })
}

/// Runs one record text.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed: Option<serde_json::Value> = serde_json::from_str(text).ok();
    for engine in engines() {
        for unknown_fields in [
            UnknownFields::Ignore,
            UnknownFields::Report,
            UnknownFields::Reject,
        ] {
            let options = DecodeOptions { unknown_fields };
            let from_text = engine.decode_json(text, options);
            if let (Ok(record), Some(value)) = (&from_text, &parsed) {
                match engine.decode_value(value, options) {
                    Ok(again) => assert_eq!(
                        engine.screen(&again).to_json(),
                        engine.screen(record).to_json(),
                        "decoding the text and the parsed value disagree"
                    ),
                    Err(e) => panic!("the text decodes but the parsed value does not: {e}"),
                }
            }
            if let Ok(record) = from_text {
                crate::screen_all_ways(engine, &record);
            }
        }
    }
}
