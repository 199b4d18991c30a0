//! Signed pack bundles: one file that two agencies can exchange and verify.
//!
//! A bundle is a tar archive (no compression) holding, in this order:
//!
//! - `manifest.json`: format `saring-bundle/1`; the pack's id, version, title, content
//!   digest, main file and `record_id`; the sha256 of every pack file; and per list its file,
//!   item count, sharing class (`public | agency | restricted`), provenance and `expires` date.
//! - `pack/<name>`: the pack's files exactly as loaded (pack file, schema, list files).
//! - `signatures.json` (once signed): `{"signatures": [{"key": "ed25519:<hex>",
//!   "signature": "<hex>"}]}`, each an Ed25519 signature of the bytes
//!   `saring-bundle-signature/1\n` followed by the exact bytes of `manifest.json`.
//!
//! Opening a bundle ([`verify`], [`Pack::from_bundle`], or [`Pack::load`] on a bundle file)
//! checks, before the pack is used: that every file has the sha256 the manifest gives and
//! that no file is missing or added; that every signature verifies and, when trusted keys
//! are given, that one of them signed; that the pack's digest is the manifest's (and the
//! expected one, if given); and that no list has expired. Everything here works on bytes in
//! memory (no I/O), so the WebAssembly build uses the same code.

mod archive;
mod keys;

pub use keys::{PublicKey, SecretKey};

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::diagnostic::{Code, Diagnostic};
use crate::error::PackError;
use crate::pack::{load_files, LoadOptions, Pack, Sharing};

/// The `format` of manifests this version writes and reads.
pub const FORMAT: &str = "saring-bundle/1";
const MANIFEST: &str = "manifest.json";
const SIGNATURES: &str = "signatures.json";
const PACK_DIR: &str = "pack/";
/// What a bundle signature signs: this prefix, then the manifest's bytes.
const SIGNATURE_CONTEXT: &[u8] = b"saring-bundle-signature/1\n";

/// A bundle operation failed: a stable code (`bundle.format`, `bundle.key`,
/// `bundle.file_changed`, ...), a message and a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct BundleError {
    /// Stable code.
    pub code: &'static str,
    /// Lowercase message; user input in backticks.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl BundleError {
    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> BundleError {
        BundleError {
            code,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> BundleError {
        self.help = Some(help.into());
        self
    }

    /// The error as a pack diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::error(Code::Other(self.code), self.message.clone());
        match &self.help {
            Some(h) => d.with_help(h.clone()),
            None => d,
        }
    }
}

impl From<BundleError> for PackError {
    fn from(e: BundleError) -> PackError {
        PackError::new(vec![e.to_diagnostic()], Default::default())
    }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The pack's identity.
    pub pack: ManifestPack,
    /// sha256 (`sha256:<hex>`) of every pack file, by name relative to the pack folder.
    pub files: BTreeMap<String, String>,
    /// Every list of the pack, by name.
    pub lists: BTreeMap<String, ManifestList>,
}

/// The pack's identity in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestPack {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Pack title.
    pub title: String,
    /// Content digest (`sha256:<hex>`), as in every decision.
    pub digest: String,
    /// The pack file among `files`.
    pub main: String,
    /// The `record_id` field, if the pack names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

/// One list in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestList {
    /// Its file, `None` when inline in the pack file.
    pub file: Option<String>,
    /// Number of items.
    pub items: usize,
    /// Who may receive it.
    pub sharing: Sharing,
    /// Where it comes from.
    pub provenance: Option<String>,
    /// Last day of validity (`YYYY-MM-DD`).
    pub expires: Option<String>,
}

/// One signature of a bundle's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSignature {
    /// The signer's public key, `ed25519:<hex>`.
    pub key: String,
    /// The Ed25519 signature, hex.
    pub signature: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Signatures {
    signatures: Vec<BundleSignature>,
}

/// A bundle whose integrity, signatures and pack were checked.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The loaded pack.
    pub pack: Pack,
    /// The manifest.
    pub manifest: Manifest,
    /// Keys whose signatures verified (trusted or not).
    pub signed_by: Vec<PublicKey>,
    /// The trusted keys among them.
    pub trusted_signers: Vec<PublicKey>,
}

/// `sha256:<hex>` of bytes.
pub fn sha256_text(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Whether `path` is a bundle file: a regular file starting with a tar header.
pub fn is_bundle_file(path: &Path) -> bool {
    use std::io::Read;
    if !path.is_file() {
        return false;
    }
    let mut head = [0u8; 512];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)) {
        Ok(()) => archive::looks_like_tar(&head),
        Err(_) => false,
    }
}

/// Whether bytes look like a bundle (a tar archive).
pub fn is_bundle(bytes: &[u8]) -> bool {
    archive::looks_like_tar(bytes)
}

/// The manifest of a loaded pack.
pub fn manifest(pack: &Pack) -> Manifest {
    Manifest {
        format: FORMAT.to_string(),
        pack: ManifestPack {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            title: pack.meta.title.clone(),
            digest: pack.digest.clone(),
            main: pack.main.clone(),
            record_id: pack.meta.record_id.as_ref().map(|r| r.path.clone()),
        },
        files: pack
            .sources
            .files()
            .iter()
            .map(|(name, text)| (name.clone(), sha256_text(text.as_bytes())))
            .collect(),
        lists: pack
            .lists
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    ManifestList {
                        file: l.file.clone(),
                        items: l.items.len(),
                        sharing: l.sharing,
                        provenance: l.provenance.clone(),
                        expires: l.expires.map(|d| d.to_string()),
                    },
                )
            })
            .collect(),
    }
}

/// Builds an unsigned bundle of a loaded pack (its files exactly as read).
pub fn build(pack: &Pack) -> Result<Vec<u8>, BundleError> {
    let manifest = manifest(pack);
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BundleError::new("bundle.format", e.to_string()))?;
    let mut entries = vec![(MANIFEST.to_string(), manifest_bytes)];
    for (name, text) in pack.sources.files() {
        entries.push((format!("{PACK_DIR}{name}"), text.as_bytes().to_vec()));
    }
    archive::write(&entries)
}

/// A bundle's parts, read but not yet checked.
struct Parts {
    manifest_bytes: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
    signatures: Vec<BundleSignature>,
}

fn manifest_error(message: String) -> BundleError {
    BundleError::new("bundle.format", message)
        .with_help("the manifest is written by `saring bundle build`; rebuild the bundle")
}

fn read_parts(bytes: &[u8]) -> Result<Parts, BundleError> {
    let mut manifest_bytes = None;
    let mut signatures = Vec::new();
    let mut files = BTreeMap::new();
    for (name, data) in archive::read(bytes)? {
        if name == MANIFEST {
            manifest_bytes = Some(data);
        } else if name == SIGNATURES {
            let parsed: Signatures = serde_json::from_slice(&data).map_err(|e| {
                BundleError::new(
                    "bundle.signature",
                    format!("`{SIGNATURES}` cannot be read: {e}"),
                )
                .with_help("do not use this bundle: get it again from its sender")
            })?;
            signatures = parsed.signatures;
        } else if let Some(file) = name.strip_prefix(PACK_DIR) {
            files.insert(file.to_string(), data);
        } else {
            return Err(BundleError::new(
                "bundle.file_added",
                format!("the bundle holds `{name}`, which is not part of a bundle"),
            )
            .with_help("a bundle holds `manifest.json`, `pack/...` and `signatures.json` only"));
        }
    }
    let manifest_bytes =
        manifest_bytes.ok_or_else(|| manifest_error(format!("the bundle has no `{MANIFEST}`")))?;
    Ok(Parts {
        manifest_bytes,
        files,
        signatures,
    })
}

fn parse_manifest(bytes: &[u8]) -> Result<Manifest, BundleError> {
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| manifest_error(format!("`{MANIFEST}` cannot be read: {e}")))?;
    if manifest.format != FORMAT {
        return Err(manifest_error(format!(
            "bundle format `{}` is not supported (this saring reads `{FORMAT}`)",
            manifest.format
        )));
    }
    Ok(manifest)
}

/// Every difference between the files and the manifest's list of them.
fn file_problems(parts: &Parts, manifest: &Manifest) -> Vec<BundleError> {
    let mut out = Vec::new();
    for (name, expected) in &manifest.files {
        match parts.files.get(name) {
            None => out.push(
                BundleError::new(
                    "bundle.file_missing",
                    format!("file `{name}` of the manifest is missing from the bundle"),
                )
                .with_help("the bundle is incomplete: get it again from its sender"),
            ),
            Some(data) => {
                let actual = sha256_text(data);
                if &actual != expected {
                    out.push(
                        BundleError::new(
                            "bundle.file_changed",
                            format!(
                                "file `{name}` was changed after the bundle was built: its sha256 is `{actual}`, the manifest says `{expected}`"
                            ),
                        )
                        .with_help("do not use this bundle: get it again from its sender"),
                    );
                }
            }
        }
    }
    for name in parts.files.keys() {
        if !manifest.files.contains_key(name) {
            out.push(
                BundleError::new(
                    "bundle.file_added",
                    format!("file `{name}` is in the bundle but not in its manifest"),
                )
                .with_help("do not use this bundle: get it again from its sender"),
            );
        }
    }
    out
}

fn signed_message(manifest_bytes: &[u8]) -> Vec<u8> {
    let mut message = SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(manifest_bytes);
    message
}

/// Checks every signature; returns the keys whose signature verified.
fn check_signatures(parts: &Parts) -> Result<Vec<PublicKey>, BundleError> {
    let message = signed_message(&parts.manifest_bytes);
    let mut keys = Vec::new();
    for s in &parts.signatures {
        let key = PublicKey::parse(&s.key)?;
        if !key.verifies(&message, &s.signature) {
            return Err(BundleError::new(
                "bundle.signature",
                format!(
                    "the signature by key `{}` does not verify: the manifest was changed after it was signed",
                    key.fingerprint()
                ),
            )
            .with_help("do not use this bundle: get it again from its sender"));
        }
        keys.push(key);
    }
    Ok(keys)
}

fn texts(files: &BTreeMap<String, Vec<u8>>) -> Result<BTreeMap<String, String>, BundleError> {
    files
        .iter()
        .map(|(name, data)| {
            String::from_utf8(data.clone())
                .map(|t| (name.clone(), t))
                .map_err(|_| {
                    BundleError::new("bundle.format", format!("file `{name}` is not UTF-8 text"))
                })
        })
        .collect()
}

/// Opens and checks a bundle (see the module docs) and loads its pack.
pub fn verify(bytes: &[u8], options: &LoadOptions) -> Result<Verified, PackError> {
    let parts = read_parts(bytes)?;
    // Signatures first: a changed manifest is reported as what it is.
    let signed_by = check_signatures(&parts)?;
    let manifest = parse_manifest(&parts.manifest_bytes)?;
    let problems = file_problems(&parts, &manifest);
    if !problems.is_empty() {
        return Err(PackError::new(
            problems.iter().map(BundleError::to_diagnostic).collect(),
            Default::default(),
        ));
    }
    let trusted_signers: Vec<PublicKey> = signed_by
        .iter()
        .filter(|k| options.trusted_keys.contains(k))
        .copied()
        .collect();
    if !options.trusted_keys.is_empty() && trusted_signers.is_empty() {
        let trusted = options
            .trusted_keys
            .iter()
            .map(|k| format!("`{}`", k.fingerprint()))
            .collect::<Vec<_>>()
            .join(", ");
        let message = if signed_by.is_empty() {
            format!("the bundle is not signed, and a signature by a trusted key ({trusted}) is required")
        } else {
            let by = signed_by
                .iter()
                .map(|k| format!("`{}`", k.fingerprint()))
                .collect::<Vec<_>>()
                .join(", ");
            format!("the bundle is signed by {by}, none of them a trusted key ({trusted})")
        };
        return Err(BundleError::new("bundle.untrusted", message)
            .with_help("ask the sender for a bundle signed with the key you trust, or check the `--trusted-key` you gave")
            .into());
    }
    let files = texts(&parts.files)?;
    let pack = load_files(files, &manifest.pack.main)?;
    if pack.digest != manifest.pack.digest {
        return Err(BundleError::new(
            "bundle.digest_mismatch",
            format!(
                "the pack's digest is `{}`, but the manifest says `{}`",
                pack.digest, manifest.pack.digest
            ),
        )
        .with_help("the manifest does not describe this pack: rebuild the bundle")
        .into());
    }
    let pack = crate::pack::check_loaded(pack, options)?;
    Ok(Verified {
        pack,
        manifest,
        signed_by,
        trusted_signers,
    })
}

/// Adds (or replaces) `key`'s signature. The bundle is checked first (with `options`): a
/// bundle whose files do not match its manifest, or whose pack does not load, is not signed.
pub fn sign(bytes: &[u8], key: &SecretKey, options: &LoadOptions) -> Result<Vec<u8>, PackError> {
    verify(bytes, options)?;
    let parts = read_parts(bytes)?;
    let public = key.public_key().to_text();
    let mut signatures: Vec<BundleSignature> = parts
        .signatures
        .iter()
        .filter(|s| s.key != public)
        .cloned()
        .collect();
    signatures.push(BundleSignature {
        key: public,
        signature: key.sign_hex(&signed_message(&parts.manifest_bytes)),
    });
    let signatures_bytes = serde_json::to_vec_pretty(&Signatures { signatures })
        .map_err(|e| BundleError::new("bundle.format", e.to_string()))?;
    let mut entries = vec![(MANIFEST.to_string(), parts.manifest_bytes)];
    for (name, data) in parts.files {
        entries.push((format!("{PACK_DIR}{name}"), data));
    }
    entries.push((SIGNATURES.to_string(), signatures_bytes));
    Ok(archive::write(&entries)?)
}

impl Pack {
    /// Loads the pack of a bundle (bytes in memory) after checking it (see [`verify`]).
    pub fn from_bundle(bytes: &[u8], options: &LoadOptions) -> Result<Pack, PackError> {
        verify(bytes, options).map(|v| v.pack)
    }
}

#[cfg(test)]
mod tests;
