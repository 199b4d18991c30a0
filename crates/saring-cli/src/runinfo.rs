//! What a report says about its run: the input file and its sha256, the run date, the label
//! and `--by` columns — the header an analyst forwards with the figures.

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The input and the run of a report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The input file as given (`-` for stdin).
    pub input: String,
    /// `sha256:<hex>` of the input file (`None` for stdin).
    pub input_sha256: Option<String>,
    /// When the report was made, `YYYY-MM-DD HH:MM UTC` (`SOURCE_DATE_EPOCH` overrides the
    /// clock, for reproducible reports).
    pub run_at: String,
    /// The label column.
    pub label: Option<String>,
    /// The `--by` columns.
    pub by: Vec<String>,
    /// The saring version.
    pub saring: &'static str,
}

impl RunInfo {
    /// Describes a run over `input`.
    pub fn new(input: &Path, label: Option<&str>, by: Vec<String>) -> RunInfo {
        RunInfo {
            input: input.display().to_string(),
            input_sha256: sha256_file(input),
            run_at: now_utc(),
            label: label.map(str::to_string),
            by,
            saring: env!("CARGO_PKG_VERSION"),
        }
    }

    /// The input's file name (without its directories).
    pub fn input_name(&self) -> String {
        Path::new(&self.input)
            .file_name()
            .map_or_else(|| self.input.clone(), |n| n.to_string_lossy().into_owned())
    }
}

/// `sha256:<hex>` of a file, read in blocks; `None` for stdin or an unreadable file.
pub fn sha256_file(path: &Path) -> Option<String> {
    if path.as_os_str() == "-" {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(format!("sha256:{hex}"))
}

/// The current time (or `SOURCE_DATE_EPOCH`) as `YYYY-MM-DD HH:MM UTC`.
pub fn now_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let date = crate::cmd::check::date_of_days((secs / 86_400) as i64);
    let minutes = (secs % 86_400) / 60;
    format!("{date} {:02}:{:02} UTC", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_a_file_and_not_stdin() {
        let dir = tempfile::TempDir::new().expect("dir");
        let p = dir.path().join("x.txt");
        std::fs::write(&p, "abc").expect("write");
        assert_eq!(
            sha256_file(&p).as_deref(),
            Some("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(sha256_file(Path::new("-")), None);
    }
}
