//! `saring keygen`: an Ed25519 key pair for signing bundles and decision-log anchors.

use std::io::Write;
use std::path::{Path, PathBuf};

use saring::bundle::SecretKey;

use crate::exit::{Code, OK};

/// Arguments of `saring keygen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base name of the key files: writes NAME.key (secret, mode 0600) and NAME.pub.
    #[arg(long, short = 'o', value_name = "NAME")]
    output: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

fn with_extension(base: &Path, ext: &str) -> PathBuf {
    let mut name = base.as_os_str().to_os_string();
    name.push(ext);
    PathBuf::from(name)
}

/// Writes a new key pair; prints the public key and its fingerprint.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let secret_path = with_extension(&args.output, ".key");
    let public_path = with_extension(&args.output, ".pub");
    if !args.force {
        for p in [&secret_path, &public_path] {
            if p.exists() {
                return Err(crate::exit::usage(format!(
                    "error: `{}` exists; choose another name or pass `--force`",
                    p.display()
                )));
            }
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| crate::exit::usage(format!("error: no secure random source: {e}")))?;
    let key = SecretKey::from_seed(seed);
    seed.fill(0);
    let public = key.public_key();
    let name = args
        .output
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    write_secret(
        &secret_path,
        &format!(
            "# saring ed25519 secret key `{name}`: keep it secret; it signs bundles and log anchors\n{}\n",
            key.to_text()
        ),
    )?;
    std::fs::write(
        &public_path,
        format!(
            "# saring ed25519 public key `{name}` (fingerprint {})\n{}\n",
            public.fingerprint(),
            public.to_text()
        ),
    )
    .map_err(|e| {
        crate::exit::usage(format!(
            "error: cannot write `{}`: {e}",
            public_path.display()
        ))
    })?;
    println!(
        "wrote {} (secret) and {} (public)\npublic key {}\nfingerprint {}",
        secret_path.display(),
        public_path.display(),
        public.to_text(),
        public.fingerprint()
    );
    Ok(OK)
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let fail = |e: std::io::Error| {
        crate::exit::usage(format!("error: cannot write `{}`: {e}", path.display()))
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    file.write_all(text.as_bytes()).map_err(fail)?;
    Ok(())
}
