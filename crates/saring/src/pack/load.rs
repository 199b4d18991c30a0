//! Loading packs from a directory, a file, or in-memory file texts (TOML or JSON).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic};
use crate::error::PackError;
use crate::limits::{MAX_PACK_FILE_BYTES, MAX_PACK_TOTAL_BYTES};
use crate::pack::build::{build_pack, resolve_record_id, schema_ref};
use crate::pack::ctx::{Diags, Reader};
#[cfg(feature = "toml")]
use crate::pack::tree::parse_toml;
use crate::pack::tree::{parse_json, Node, Span};
use crate::pack::{digest, schema_file, Pack};

/// The result of asking for a file's text.
pub(crate) enum Fetched {
    /// The text.
    Text(String),
    /// No such file.
    Missing,
    /// Larger than [`MAX_PACK_FILE_BYTES`] (size in bytes).
    TooLarge(u64),
    /// Could not be read (message).
    Failed(String),
}

/// Where referenced files come from (a map in memory, or the disk), with name resolution
/// relative to the pack file's folder.
pub(crate) struct FileSource<'f> {
    /// Folder of the pack file, relative to the pack root (`""` or `sub/`).
    base: String,
    fetch: &'f mut dyn FnMut(&str) -> Fetched,
    /// Bytes of every file read so far, the pack file included.
    total: usize,
}

/// Joins `rel` onto `base` (both `/`-separated), resolving `.` and `..`. `None` for absolute
/// paths and paths that leave the pack folder.
fn resolve(base: &str, rel: &str) -> Option<String> {
    let rel = rel.replace('\\', "/");
    if rel.starts_with('/') || rel.contains(':') || rel.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    let depth = parts.len();
    let mut min = depth;
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
                min = min.min(parts.len());
            }
            p => parts.push(p),
        }
    }
    (min >= depth).then(|| parts.join("/"))
}

impl FileSource<'_> {
    /// Reads the file a pack refers to as `rel` (at `span` of the reader's file). Records the
    /// text in the diagnostics' sources and returns its name, or reports why it cannot.
    pub(crate) fn read(
        &mut self,
        reader: &mut Reader<'_>,
        rel: &str,
        span: Span,
    ) -> Option<String> {
        let Some(name) = resolve(&self.base, rel) else {
            reader.error_help(
                Code::PackInvalidPath,
                format!("file `{rel}` is outside the pack folder"),
                "refer to files with relative paths inside the pack folder".to_string(),
                span,
            );
            return None;
        };
        if reader.diags.sources.contains(&name) && reader.diags.order.contains(&name) {
            return Some(name);
        }
        match (self.fetch)(&name) {
            Fetched::Text(text) if self.total + text.len() > MAX_PACK_TOTAL_BYTES => {
                reader.error(
                    Code::PackLimit,
                    format!(
                        "file `{rel}` takes the pack's files to {} bytes, more than the limit of {MAX_PACK_TOTAL_BYTES}",
                        self.total + text.len()
                    ),
                    span,
                );
                None
            }
            Fetched::Text(text) => {
                self.total += text.len();
                reader.diags.add_file(&name, text);
                Some(name)
            }
            Fetched::Missing => {
                reader.error_help(
                    Code::PackMissingFile,
                    format!("file `{rel}` not found"),
                    format!("create `{name}` next to the pack file, or fix the path"),
                    span,
                );
                None
            }
            Fetched::TooLarge(size) => {
                reader.error(
                    Code::PackLimit,
                    format!(
                        "file `{rel}` is {size} bytes, more than the limit of {MAX_PACK_FILE_BYTES}"
                    ),
                    span,
                );
                None
            }
            Fetched::Failed(message) => {
                reader.error(
                    Code::PackIo,
                    format!("cannot read `{rel}`: {message}"),
                    span,
                );
                None
            }
        }
    }
}

/// Parses a file as JSON (`.json`) or TOML (anything else), reporting `pack.syntax`.
fn parse(diags: &mut Diags, name: &str) -> Option<Node> {
    let text = diags.text(name);
    let result = if name.ends_with(".json") {
        parse_json(text)
    } else {
        #[cfg(feature = "toml")]
        {
            parse_toml(text)
        }
        #[cfg(not(feature = "toml"))]
        {
            diags.push_at(
                Diagnostic::error(
                    Code::BuildUnavailable,
                    format!(
                        "`{name}` is TOML, which this build of saring does not read (feature `toml`)"
                    ),
                )
                .with_help(
                    "give the pack and its schema as JSON (`pack.json`, `schema.json`: the same \
                     structure and the same digest), or use a build with the feature `toml`",
                ),
                name,
                (0, 0),
            );
            return None;
        }
    };
    match result {
        Ok(node) => Some(node),
        Err(e) => {
            let kind = if name.ends_with(".json") {
                "JSON"
            } else {
                "TOML"
            };
            diags.push_at(
                Diagnostic::error(Code::PackSyntax, format!("invalid {kind}: {}", e.message))
                    .with_help(format!("fix the {kind} syntax of `{name}`")),
                name,
                e.span,
            );
            None
        }
    }
}

/// Options for loading a pack: the date list expiry is checked against, and what a pack
/// must prove (an expected digest; for bundles, a signature by a trusted key).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The date list expiry is checked against (default: today in UTC from the system clock;
    /// where there is none, as in WebAssembly, expiry is checked only against a given date).
    pub today: Option<chrono::NaiveDate>,
    /// Do not refuse expired lists (to compare with an old pack, for example).
    pub ignore_expiry: bool,
    /// Require a valid signature by one of these keys. Only a bundle can carry one, so with
    /// keys given a pack directory or file is refused.
    pub trusted_keys: Vec<crate::bundle::PublicKey>,
    /// Refuse the pack unless its content digest is this (`sha256:<hex>`).
    pub expect_digest: Option<String>,
}

impl LoadOptions {
    /// The date expiry is checked against: the given one, else today (UTC) where the system
    /// has a clock; `None` when expiry is not checked.
    pub fn expiry_date(&self) -> Option<chrono::NaiveDate> {
        if self.ignore_expiry {
            None
        } else {
            self.today.or_else(system_today)
        }
    }
}

/// Today's date in UTC from the system clock (none on `wasm32`, which has no clock).
fn system_today() -> Option<chrono::NaiveDate> {
    if cfg!(target_arch = "wasm32") {
        return None;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, 0).map(|t| t.date_naive())
}

/// Refuses a loaded pack that fails `options`: an expired list, or a digest other than the
/// expected one.
pub(crate) fn check_loaded(pack: Pack, options: &LoadOptions) -> Result<Pack, PackError> {
    let mut errors = Vec::new();
    if let Some(today) = options.expiry_date() {
        for list in &pack.lists {
            let Some(expires) = list.expires else {
                continue;
            };
            if expires < today {
                let provenance = list
                    .provenance
                    .as_deref()
                    .map_or(String::new(), |p| format!(" ({p})"));
                let d = Diagnostic::error(
                    Code::PackListExpired,
                    format!("list `{}` expired on {expires}", list.name),
                )
                .with_help(format!(
                    "today is {today}: get a current version of the list from its provider{provenance} and update `expires`"
                ));
                errors.push(match &list.location {
                    Some(loc) => d.at(loc),
                    None => d,
                });
            }
        }
    }
    if let Some(expected) = &options.expect_digest {
        if expected.trim() != pack.digest {
            errors.push(
                Diagnostic::error(
                    Code::PackDigestMismatch,
                    format!(
                        "the pack's digest is `{}`, not the expected `{}`",
                        pack.digest,
                        expected.trim()
                    ),
                )
                .with_help(
                    "this is not the pack that was pinned: get the expected version, or pin the new digest after reviewing the change",
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(pack)
    } else {
        Err(PackError::new(errors, pack.sources.clone()))
    }
}

/// Loads a pack whose main file is `main` (already read as `main_text`).
pub(crate) fn load_with(
    main: &str,
    main_text: String,
    fetch: &mut dyn FnMut(&str) -> Fetched,
) -> Result<Pack, PackError> {
    let mut diags = Diags::default();
    let main = main.replace('\\', "/");
    let base = main
        .rfind('/')
        .map_or(String::new(), |i| main[..=i].to_string());
    let mut files = FileSource {
        base,
        fetch,
        total: main_text.len(),
    };
    diags.add_file(&main, main_text);
    let root = parse(&mut diags, &main);

    // The schema named by the pack (or the default when the pack cannot be read).
    let (schema_rel, schema_span) = root
        .as_ref()
        .map_or(("schema.toml".to_string(), None), schema_ref);
    let mut schema = None;
    let mut schema_names = Vec::new();
    {
        let mut reader = Reader {
            file: main.clone(),
            diags: &mut diags,
            prefix: "pack",
        };
        let span = schema_span.unwrap_or((0, 0));
        if let Some(schema_name) = files.read(&mut reader, &schema_rel, span) {
            if let Some(schema_root) = parse(&mut diags, &schema_name) {
                let mut reader = Reader {
                    file: schema_name.clone(),
                    diags: &mut diags,
                    prefix: "schema",
                };
                (schema, schema_names) = schema_file::build_schema(&mut reader, &schema_root);
            }
        }
    }

    let parts = root.and_then(|root| {
        let mut reader = Reader {
            file: main.clone(),
            diags: &mut diags,
            prefix: "pack",
        };
        let mut parts = build_pack(&mut reader, &root, &schema_names, &mut files)?;
        if let Some(schema) = &schema {
            resolve_record_id(&mut reader, &mut parts, schema);
        }
        Some(parts)
    });
    if let (Some(parts), Some(schema)) = (&parts, &schema) {
        super::language::check(&mut diags, parts, schema);
    }

    let failed = diags.has_errors();
    let (diagnostics, sources) = diags.sorted();
    let sources = Arc::new(sources);
    match (parts, schema) {
        (Some(parts), Some(schema)) if !failed => {
            let digest = digest::digest(&parts, &schema);
            Ok(Pack {
                meta: parts.meta,
                outcomes: parts.outcomes,
                constants: parts.constants,
                lists: parts.lists,
                derive: parts.derive,
                aggregates: parts.aggregates,
                rules: parts.rules,
                schema,
                digest,
                sources,
                main: main.clone(),
                warnings: diagnostics,
            })
        }
        _ => Err(PackError::new(diagnostics, sources)),
    }
}

fn read_limited(path: &Path) -> Fetched {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Fetched::Missing,
        Err(e) => return Fetched::Failed(e.to_string()),
        Ok(m) if !m.is_file() => return Fetched::Failed("not a file".to_string()),
        Ok(m) if m.len() > MAX_PACK_FILE_BYTES as u64 => return Fetched::TooLarge(m.len()),
        Ok(_) => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Fetched::Text(text),
            Err(_) => Fetched::Failed("the file is not UTF-8 text".to_string()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fetched::Missing,
        Err(e) => Fetched::Failed(e.to_string()),
    }
}

pub(crate) fn single_error(code: Code, message: String) -> PackError {
    PackError::new(vec![Diagnostic::error(code, message)], Default::default())
}

impl Pack {
    /// Loads a pack from disk. `path` is a pack file (`departure.toml`, `pack.json`), a
    /// directory holding `pack.toml` (or `pack.json`), or a bundle (see [`crate::bundle`]);
    /// the schema and list files are read relative to the pack file. A list past its
    /// `expires` date is refused (today: the system date, UTC).
    pub fn load(path: impl AsRef<Path>) -> Result<Pack, PackError> {
        Pack::load_with(path, &LoadOptions::default())
    }

    /// [`Pack::load`] with options: the date expiry is checked against, an expected digest,
    /// keys one of which must have signed a bundle.
    pub fn load_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Pack, PackError> {
        let path = path.as_ref();
        if crate::bundle::is_bundle_file(path) {
            let bytes = std::fs::read(path).map_err(|e| {
                single_error(
                    Code::PackIo,
                    format!("cannot read `{}`: {e}", path.display()),
                )
            })?;
            return Pack::from_bundle(&bytes, options);
        }
        if !options.trusted_keys.is_empty() {
            return Err(single_error(
                Code::Other("bundle.unsigned"),
                format!(
                    "`{}` is not a bundle, so it carries no signature, and a signature by a trusted key is required",
                    path.display()
                ),
            ));
        }
        check_loaded(Pack::load_unchecked(path)?, options)
    }

    /// Loads a pack directory or file without the checks of [`LoadOptions`].
    fn load_unchecked(path: &Path) -> Result<Pack, PackError> {
        let file: PathBuf = if path.is_dir() {
            let toml = path.join("pack.toml");
            let json = path.join("pack.json");
            if toml.is_file() {
                toml
            } else if json.is_file() {
                json
            } else {
                return Err(single_error(
                    Code::PackMissingFile,
                    format!("no `pack.toml` or `pack.json` in `{}`", path.display()),
                ));
            }
        } else {
            path.to_path_buf()
        };
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "pack.toml".to_string());
        let text = match read_limited(&file) {
            Fetched::Text(t) => t,
            Fetched::Missing => {
                return Err(single_error(
                    Code::PackMissingFile,
                    format!("pack file `{}` not found", file.display()),
                ))
            }
            Fetched::TooLarge(size) => {
                return Err(single_error(
                    Code::PackLimit,
                    format!(
                    "pack file `{}` is {size} bytes, more than the limit of {MAX_PACK_FILE_BYTES}",
                    file.display()
                ),
                ))
            }
            Fetched::Failed(m) => {
                return Err(single_error(
                    Code::PackIo,
                    format!("cannot read `{}`: {m}", file.display()),
                ))
            }
        };
        let mut fetch = |rel: &str| read_limited(&dir.join(rel));
        load_with(&name, text, &mut fetch)
    }

    /// Loads a pack from in-memory files: `files` maps names relative to the pack directory
    /// (`pack.toml`, `schema.toml`, `lists/x.txt`) to their text; `main` names the pack file.
    /// No I/O: this is what the WebAssembly build uses.
    pub fn from_files(files: BTreeMap<String, String>, main: &str) -> Result<Pack, PackError> {
        Pack::from_files_with(files, main, &LoadOptions::default())
    }

    /// [`Pack::from_files`] with options (`trusted_keys` cannot be met: loose files carry no
    /// signature; use [`Pack::from_bundle`]).
    pub fn from_files_with(
        files: BTreeMap<String, String>,
        main: &str,
        options: &LoadOptions,
    ) -> Result<Pack, PackError> {
        if !options.trusted_keys.is_empty() {
            return Err(single_error(
                Code::Other("bundle.unsigned"),
                "loose pack files carry no signature, and a signature by a trusted key is required"
                    .to_string(),
            ));
        }
        check_loaded(load_files(files, main)?, options)
    }
}

/// Loads in-memory pack files without the checks of [`LoadOptions`].
pub(crate) fn load_files(files: BTreeMap<String, String>, main: &str) -> Result<Pack, PackError> {
    let mut files = files;
    let Some(main_text) = files.remove(main) else {
        return Err(single_error(
            Code::PackMissingFile,
            format!("pack file `{main}` not found"),
        ));
    };
    if main_text.len() > MAX_PACK_FILE_BYTES {
        return Err(single_error(
            Code::PackLimit,
            format!(
                "pack file `{main}` is {} bytes, more than the limit of {MAX_PACK_FILE_BYTES}",
                main_text.len()
            ),
        ));
    }
    let mut fetch = |name: &str| match files.get(name) {
        Some(t) if t.len() > MAX_PACK_FILE_BYTES => Fetched::TooLarge(t.len() as u64),
        Some(t) => Fetched::Text(t.clone()),
        None => Fetched::Missing,
    };
    load_with(main, main_text, &mut fetch)
}

impl Pack {
    /// Loads a pack from the text of a pack file and of its schema file (no list files).
    pub fn from_toml_str(pack_toml: &str, schema_toml: &str) -> Result<Pack, PackError> {
        let mut files = BTreeMap::new();
        files.insert("pack.toml".to_string(), pack_toml.to_string());
        files.insert("schema.toml".to_string(), schema_toml.to_string());
        Pack::from_files(files, "pack.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_relative_paths_inside_the_pack() {
        assert_eq!(resolve("", "lists/a.txt").as_deref(), Some("lists/a.txt"));
        assert_eq!(resolve("sub/", "./x.toml").as_deref(), Some("sub/x.toml"));
        assert_eq!(resolve("sub/", "../x.toml"), None);
        assert_eq!(resolve("", "../x.toml"), None);
        assert_eq!(resolve("", "/etc/passwd"), None);
        assert_eq!(resolve("", "a/../b.txt").as_deref(), Some("b.txt"));
    }
}
