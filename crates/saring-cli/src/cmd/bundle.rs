//! `saring bundle build | sign | verify`: one signed file per pack, for exchange between
//! agencies (format: the `saring::bundle` docs).

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use saring::bundle::{self, Verified};
use saring::pack::Sharing;
use saring::Pack;
use serde_json::json;

use crate::exit::{Code, Failure, FINDINGS, OK, USAGE};
use crate::packs;

/// Arguments of `saring bundle`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a pack (file or directory) as one bundle: a manifest and every pack file.
    Build(BuildArgs),
    /// Add a signature to a bundle (the bundle is checked first).
    Sign(SignArgs),
    /// Check a bundle: file hashes, signatures, digest, list expiry; exit 1 when it fails.
    Verify(VerifyArgs),
}

/// A sharing class on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SharingArg {
    Public,
    Agency,
    Restricted,
}

impl From<SharingArg> for Sharing {
    fn from(s: SharingArg) -> Sharing {
        match s {
            SharingArg::Public => Sharing::Public,
            SharingArg::Agency => Sharing::Agency,
            SharingArg::Restricted => Sharing::Restricted,
        }
    }
}

#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// Pack file or directory.
    path: PathBuf,
    /// The bundle to write.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Refuse to build when a list is more closed than this class (`public`: a bundle that
    /// may be published holds only public lists).
    #[arg(long, value_enum, default_value = "restricted")]
    sharing: SharingArg,
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The bundle to sign.
    bundle: PathBuf,
    /// The secret key (a `.key` file of `saring keygen`).
    #[arg(long)]
    key: PathBuf,
    /// Write the signed bundle here (default: replace the input).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The bundle to check.
    bundle: PathBuf,
    /// Require a signature by this public key (`.pub` file or `ed25519:<hex>`); repeatable.
    #[arg(long = "pubkey", visible_alias = "trusted-key", value_name = "PUB")]
    pubkeys: Vec<String>,
    /// Require this content digest (`sha256:<hex>`).
    #[arg(long)]
    expect_digest: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: Format,
}

/// Runs a `bundle` subcommand.
pub fn run(args: Args) -> anyhow::Result<Code> {
    match args.command {
        Command::Build(a) => build(a),
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify(a),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| crate::exit::usage(format!("error: cannot read `{}`: {e}", path.display())))
}

/// Writes through a temporary file and a rename, so a reader never sees half a bundle.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| crate::exit::usage(format!("error: cannot write `{}`: {e}", path.display())))
}

fn build(args: BuildArgs) -> anyhow::Result<Code> {
    if bundle::is_bundle_file(&args.path) {
        return Err(crate::exit::usage(format!(
            "error: `{}` is already a bundle; build from the pack file or directory",
            args.path.display()
        )));
    }
    let options = packs::load_options()?;
    let pack = Pack::load_with(&args.path, &options).map_err(|e| Failure {
        message: packs::render_error(&args.path, &e),
        code: USAGE,
    })?;
    saring::Engine::compile(&pack).map_err(|e| Failure {
        message: packs::render_error(&args.path, &e),
        code: USAGE,
    })?;
    let limit: Sharing = args.sharing.into();
    let above: Vec<String> = pack
        .lists
        .iter()
        .filter(|l| l.sharing > limit)
        .map(|l| format!("`{}` ({})", l.name, l.sharing))
        .collect();
    if !above.is_empty() {
        return Err(crate::exit::usage(format!(
            "error: the pack has lists more closed than `{limit}`: {}\n  = help: a `{limit}` bundle may hold only lists of that class or more open; leave those lists out or mark them",
            above.join(", ")
        )));
    }
    let bytes = bundle::build(&pack).map_err(|e| crate::exit::usage(format!("error: {e}")))?;
    write_atomically(&args.output, &bytes)?;
    println!(
        "wrote {}: pack `{}` v{} ({}), {} files, {} lists",
        args.output.display(),
        pack.meta.id,
        pack.meta.version,
        pack.digest,
        pack.sources.files().len(),
        pack.lists.len()
    );
    for class in Sharing::ALL {
        let names: Vec<&str> = pack
            .lists
            .iter()
            .filter(|l| l.sharing == class)
            .map(|l| l.name.as_str())
            .collect();
        if !names.is_empty() {
            println!("  {class}: {}", names.join(", "));
        }
    }
    Ok(OK)
}

fn sign(args: SignArgs) -> anyhow::Result<Code> {
    let key = packs::secret_key(&args.key)?;
    let bytes = read(&args.bundle)?;
    let options = packs::load_options()?;
    let signed = bundle::sign(&bytes, &key, &options).map_err(|e| Failure {
        message: packs::render_error(&args.bundle, &e),
        code: FINDINGS,
    })?;
    let output = args.output.unwrap_or_else(|| args.bundle.clone());
    write_atomically(&output, &signed)?;
    println!(
        "signed {} with key {} ({})",
        output.display(),
        key.public_key().fingerprint(),
        key.public_key()
    );
    Ok(OK)
}

fn verify(args: VerifyArgs) -> anyhow::Result<Code> {
    let mut options = packs::load_options()?;
    options.trusted_keys = args
        .pubkeys
        .iter()
        .map(|k| packs::public_key(k))
        .collect::<anyhow::Result<_>>()?;
    options.expect_digest = args.expect_digest.clone();
    let bytes = read(&args.bundle)?;
    let result = bundle::verify(&bytes, &options);
    match args.format {
        Format::Json => {
            let out = match &result {
                Ok(v) => json!({
                    "ok": true,
                    "manifest": v.manifest,
                    "signed_by": v.signed_by.iter().map(|k| k.to_text()).collect::<Vec<_>>(),
                    "trusted_signers": v.trusted_signers.iter().map(|k| k.to_text()).collect::<Vec<_>>(),
                }),
                Err(e) => json!({"ok": false, "diagnostics": e.diagnostics}),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => match &result {
            Ok(v) => print!(
                "{}",
                summary(&args.bundle, v, !options.trusted_keys.is_empty())
            ),
            Err(e) => {
                let mut text = e.render();
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                print!("{text}");
                println!("error: bundle `{}` does not verify", args.bundle.display());
            }
        },
    }
    Ok(if result.is_ok() { OK } else { FINDINGS })
}

fn summary(path: &Path, v: &Verified, keys_given: bool) -> String {
    let m = &v.manifest;
    let mut s = format!(
        "ok: bundle {} holds pack `{}` v{} ({})\n  files: {} (every sha256 matches the manifest)\n",
        path.display(),
        m.pack.id,
        m.pack.version,
        m.pack.digest,
        m.files.len()
    );
    for (name, l) in &m.lists {
        s.push_str(&format!(
            "  list {name}: {} items, {}{}{}\n",
            l.items,
            l.sharing,
            l.expires
                .as_deref()
                .map_or(String::new(), |d| format!(", expires {d}")),
            l.provenance
                .as_deref()
                .map_or(String::new(), |p| format!(", from {p}"))
        ));
    }
    if v.signed_by.is_empty() {
        s.push_str("  signatures: none\n");
    }
    for k in &v.signed_by {
        let trusted = if v.trusted_signers.contains(k) {
            "trusted"
        } else if keys_given {
            "not a trusted key"
        } else {
            "valid; no --pubkey given to trust it"
        };
        s.push_str(&format!("  signed by {} ({trusted})\n", k.fingerprint()));
    }
    s
}
