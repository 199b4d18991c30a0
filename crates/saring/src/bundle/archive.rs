//! The bundle's container: a plain tar archive of named text files, written
//! deterministically (fixed mode, owner and time) so the same pack gives the same bytes.

use crate::bundle::BundleError;
use crate::limits::MAX_PACK_FILE_BYTES;

/// Most entries a bundle may hold.
const MAX_ENTRIES: usize = 10_000;

/// Writes `entries` (name, bytes) as a tar archive, in the order given.
pub(crate) fn write(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, BundleError> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, name, data.as_slice())
            .map_err(|e| {
                BundleError::new("bundle.format", format!("cannot write `{name}`: {e}"))
            })?;
    }
    builder
        .into_inner()
        .map_err(|e| BundleError::new("bundle.format", format!("cannot write the bundle: {e}")))
}

/// Whether bytes look like a tar archive (the `ustar` magic of the first header).
pub(crate) fn looks_like_tar(bytes: &[u8]) -> bool {
    bytes.get(257..262) == Some(b"ustar".as_slice())
}

fn format_error(message: String) -> BundleError {
    BundleError::new("bundle.format", message)
        .with_help("a bundle is a file written by `saring bundle build`")
}

/// Reads every entry (name, bytes) of a tar archive, in order. Only regular files with
/// relative names inside the archive are accepted.
pub(crate) fn read(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    if !looks_like_tar(bytes) {
        return Err(format_error(
            "not a saring bundle (not a tar archive)".to_string(),
        ));
    }
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|e| format_error(format!("cannot read the bundle: {e}")))?;
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format_error(format!("cannot read the bundle: {e}")))?;
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| format_error("an entry name is not UTF-8".to_string()))?;
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            return Err(format_error(format!(
                "entry `{name}` is not a regular file"
            )));
        }
        if name.starts_with('/')
            || name.contains('\\')
            || name.split('/').any(|p| p == ".." || p.is_empty())
        {
            return Err(format_error(format!("entry `{name}` has an unsafe name")));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > MAX_PACK_FILE_BYTES as u64 {
            return Err(format_error(format!(
                "entry `{name}` is {size} bytes, more than the limit of {MAX_PACK_FILE_BYTES}"
            )));
        }
        if out.iter().any(|(n, _)| n == &name) {
            return Err(format_error(format!("entry `{name}` appears twice")));
        }
        if out.len() >= MAX_ENTRIES {
            return Err(format_error(format!(
                "the bundle has more than {MAX_ENTRIES} entries"
            )));
        }
        let mut data = Vec::with_capacity(size as usize);
        std::io::Read::read_to_end(&mut entry, &mut data)
            .map_err(|e| format_error(format!("cannot read `{name}`: {e}")))?;
        out.push((name, data));
    }
    Ok(out)
}
