//! Loading packs from a directory, a file, or in-memory file texts (TOML or JSON).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::PackError;
use crate::pack::Pack;

impl Pack {
    /// Loads a pack from disk. `path` is a pack file (`departure.toml`, `pack.json`) or a
    /// directory holding `pack.toml` (or `pack.json`); the schema and list files are read
    /// relative to the pack file.
    pub fn load(path: impl AsRef<Path>) -> Result<Pack, PackError> {
        let _ = path;
        Err(PackError::new(vec![], Default::default()))
    }

    /// Loads a pack from in-memory files: `files` maps names relative to the pack directory
    /// (`pack.toml`, `schema.toml`, `lists/x.txt`) to their text; `main` names the pack file.
    /// No I/O: this is what the WebAssembly build uses.
    pub fn from_files(files: BTreeMap<String, String>, main: &str) -> Result<Pack, PackError> {
        let _ = (files, main);
        Err(PackError::new(vec![], Default::default()))
    }

    /// Loads a pack from the text of a pack file and of its schema file (no list files).
    pub fn from_toml_str(pack_toml: &str, schema_toml: &str) -> Result<Pack, PackError> {
        let mut files = BTreeMap::new();
        files.insert("pack.toml".to_string(), pack_toml.to_string());
        files.insert("schema.toml".to_string(), schema_toml.to_string());
        Pack::from_files(files, "pack.toml")
    }
}
