//! Target `bundle`: the input is a bundle's bytes (issue 15, target (d)). A first byte of 0
//! takes the rest as the whole bundle; any other first byte edits a fixed bundle of the id-pmi
//! departure pack signed with a fixed key (each 4 bytes: a 24-bit offset and a new byte), so
//! the fuzzer reaches the manifest, signature and pack checks of a well-formed archive.
//!
//! What must hold: no panic; a bundle accepted under the trusted key was signed by it and
//! holds exactly the signed pack (tamper evidence); a bundle that verifies can be re-signed,
//! and the result verifies under the new key with the same pack.

use std::sync::OnceLock;

use saring::bundle::{self, PublicKey, SecretKey};
use saring::pack::LoadOptions;
use saring::{Engine, Pack};

struct Fixture {
    key: SecretKey,
    public: PublicKey,
    signed: Vec<u8>,
    digest: String,
}

/// Lists of the bundled packs expire; the fixture is checked as of a fixed day.
fn options(trusted: &[PublicKey]) -> LoadOptions {
    LoadOptions {
        ignore_expiry: true,
        trusted_keys: trusted.to_vec(),
        ..LoadOptions::default()
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/id-pmi/departure.toml"
        );
        let pack = match Pack::load_with(path, &options(&[])) {
            Ok(pack) => pack,
            Err(e) => panic!("`{path}` must load: {}", e.render()),
        };
        let key = SecretKey::from_seed([7; 32]);
        let built = match bundle::build(&pack) {
            Ok(bytes) => bytes,
            Err(e) => panic!("the fixed bundle must build: {e:?}"),
        };
        let signed = match bundle::sign(&built, &key, &options(&[])) {
            Ok(bytes) => bytes,
            Err(e) => panic!("the fixed bundle must sign: {}", e.render()),
        };
        Fixture {
            public: key.public_key(),
            key,
            signed,
            digest: pack.digest.clone(),
        }
    })
}

/// The fixed bundle with `edits` applied (4 bytes each: offset, 24-bit big-endian, and byte).
fn edited(base: &[u8], edits: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for edit in edits.chunks_exact(4) {
        let at = (usize::from(edit[0]) << 16 | usize::from(edit[1]) << 8 | usize::from(edit[2]))
            % bytes.len().max(1);
        if let Some(b) = bytes.get_mut(at) {
            *b = edit[3];
        }
    }
    bytes
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let fx = fixture();
    let bytes = match data.split_first() {
        Some((0, rest)) => rest.to_vec(),
        Some((_, edits)) => edited(&fx.signed, edits),
        None => return,
    };
    let _ = bundle::is_bundle(&bytes);
    let untrusted = bundle::verify(&bytes, &options(&[]));
    let trusted = bundle::verify(&bytes, &options(&[fx.public]));
    if let Ok(v) = &trusted {
        assert!(
            v.trusted_signers.contains(&fx.public),
            "accepted under a key that did not sign it"
        );
        assert!(
            untrusted.is_ok(),
            "verifies with a trusted key but not without"
        );
        if data.first() != Some(&0) {
            // Whatever the edits, a bundle the fixed key's signature still accepts holds
            // the pack it signed.
            assert_eq!(
                v.pack.digest, fx.digest,
                "an edited bundle kept its signature"
            );
        }
    }
    if let Ok(v) = untrusted {
        assert_eq!(
            v.pack.digest, v.manifest.pack.digest,
            "the pack is not the manifest's"
        );
        let _ = Engine::compile(&v.pack);
        let resigned = match bundle::sign(&bytes, &fx.key, &options(&[])) {
            Ok(b) => b,
            Err(e) => panic!("a bundle that verifies must sign: {}", e.render()),
        };
        match bundle::verify(&resigned, &options(&[fx.public])) {
            Ok(again) => assert_eq!(
                again.pack.digest, v.pack.digest,
                "re-signing changed the pack"
            ),
            Err(e) => panic!("a re-signed bundle must verify: {}", e.render()),
        }
    }
}
