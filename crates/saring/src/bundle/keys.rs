//! Ed25519 keys as text files: the key that signs bundles and audit-log anchors, and the
//! public key that verifies them.
//!
//! Format (one key per file; blank lines and `#` comment lines are ignored):
//!
//! ```text
//! # saring public key agency-a (fingerprint 3f2a…)
//! ed25519:<64 hex digits: the 32-byte public key>
//! ```
//!
//! and for the secret key, `ed25519-secret:<64 hex digits: the 32-byte seed>`. The public
//! key's text form `ed25519:<hex>` is also what bundles and logs record, and what
//! `--trusted-key`, `trusted_keys=[...]` and `trustedKeys` accept (a file's whole text works
//! too).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest as _, Sha256};

use crate::bundle::BundleError;

const PUBLIC_PREFIX: &str = "ed25519:";
const SECRET_PREFIX: &str = "ed25519-secret:";

/// A public key: verifies signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// A secret (signing) key. Its bytes are wiped from memory when dropped.
#[derive(Debug, Clone)]
pub struct SecretKey(SigningKey);

/// The one key line of a key text: comments and blank lines skipped.
fn key_line(text: &str) -> Option<&str> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let line = lines.next()?;
    lines.next().is_none().then_some(line)
}

fn key_error(message: String) -> BundleError {
    BundleError::new("bundle.key", message).with_help(
        "a public key is `ed25519:` and 64 hex digits (a `.pub` file from `saring keygen`)",
    )
}

fn hex32(hex_text: &str, what: &str) -> Result<[u8; 32], BundleError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out)
        .map_err(|_| key_error(format!("{what} must be 64 hex digits")))?;
    Ok(out)
}

impl PublicKey {
    /// Parses `ed25519:<hex>` (or the text of a `.pub` file).
    pub fn parse(text: &str) -> Result<PublicKey, BundleError> {
        let line = key_line(text)
            .ok_or_else(|| key_error("a key file must hold exactly one key line".to_string()))?;
        if line.starts_with(SECRET_PREFIX) {
            return Err(key_error(
                "this is a secret key; give the public key (the `.pub` file)".to_string(),
            ));
        }
        let Some(hex_text) = line.strip_prefix(PUBLIC_PREFIX) else {
            return Err(key_error(format!(
                "`{}` is not an ed25519 public key",
                shorten(line)
            )));
        };
        let bytes = hex32(hex_text, "an ed25519 public key")?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| key_error("the bytes are not a valid ed25519 public key".to_string()))
    }

    /// The text form, `ed25519:<hex>`.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}", hex::encode(self.0.as_bytes()))
    }

    /// A short fingerprint: the first 16 hex digits of the key's sha256.
    pub fn fingerprint(&self) -> String {
        let hash = Sha256::digest(self.0.as_bytes());
        hex::encode(&hash[..8])
    }

    /// Whether `signature` (hex) is this key's signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature_hex: &str) -> bool {
        let mut bytes = [0u8; 64];
        if hex::decode_to_slice(signature_hex, &mut bytes).is_err() {
            return false;
        }
        self.0
            .verify(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl SecretKey {
    /// The key made from a 32-byte seed (from a secure random source: `saring keygen` uses
    /// the operating system's).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(&seed))
    }

    /// Parses `ed25519-secret:<hex>` (or the text of a `.key` file).
    pub fn parse(text: &str) -> Result<SecretKey, BundleError> {
        let line = key_line(text)
            .ok_or_else(|| key_error("a key file must hold exactly one key line".to_string()))?;
        let Some(hex_text) = line.strip_prefix(SECRET_PREFIX) else {
            return Err(key_error(
                "not an ed25519 secret key (`ed25519-secret:` and 64 hex digits, a `.key` file from `saring keygen`)"
                    .to_string(),
            ));
        };
        Ok(SecretKey::from_seed(hex32(
            hex_text,
            "an ed25519 secret key",
        )?))
    }

    /// The text form, `ed25519-secret:<hex>`.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature of `message`, as hex.
    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.0.sign(message).to_bytes())
    }
}

/// The first characters of user input, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_sign() {
        let secret = SecretKey::from_seed([7u8; 32]);
        let again = SecretKey::parse(&format!("# comment\n{}\n", secret.to_text())).unwrap();
        assert_eq!(again.public_key(), secret.public_key());
        let public = PublicKey::parse(&secret.public_key().to_text()).unwrap();
        let sig = secret.sign_hex(b"message");
        assert!(public.verifies(b"message", &sig));
        assert!(!public.verifies(b"messagf", &sig));
        assert!(!public.verifies(b"message", "00"));
        assert_eq!(public.fingerprint().len(), 16);
    }

    #[test]
    fn bad_keys_are_errors_with_a_code() {
        for text in ["", "ed25519:zz", "rsa:abcd", "ed25519:00\ned25519:00"] {
            assert_eq!(
                PublicKey::parse(text).unwrap_err().code,
                "bundle.key",
                "{text}"
            );
        }
        let secret = SecretKey::from_seed([1u8; 32]);
        let e = PublicKey::parse(&secret.to_text()).unwrap_err();
        assert!(e.message.contains("secret key"), "{}", e.message);
        assert_eq!(
            SecretKey::parse("ed25519:00").unwrap_err().code,
            "bundle.key"
        );
    }
}
