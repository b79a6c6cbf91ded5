//! Randomness, hashes and constant-time comparison: the only place secrets are made or compared.

use aws_lc_rs::aead;
use aws_lc_rs::digest;
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// A 256-bit random value, base64url: codes, refresh tokens, session cookies, CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A 128-bit random identifier, base64url (22 characters): token ids, session and grant ids.
/// It never starts with `-`, so a command line never takes an id for an option.
pub fn random_id() -> String {
    loop {
        let mut bytes = [0u8; 16];
        fill(&mut bytes);
        // base64url puts `-` first for a leading byte of 0xF8-0xFB (six bits 62).
        if bytes[0] >> 2 != 62 {
            return URL_SAFE_NO_PAD.encode(bytes);
        }
    }
}

/// A numeric one-time code of `digits` digits, uniform (rejection sampling, no modulo bias).
pub fn random_digits(digits: u32) -> String {
    let bound = 10u64.pow(digits);
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut b = [0u8; 8];
        fill(&mut b);
        let n = u64::from_le_bytes(b);
        if n < zone {
            return format!("{:0width$}", n % bound, width = digits as usize);
        }
    }
}

pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    fill(&mut b);
    u64::from_le_bytes(b)
}

/// Fills `bytes` from the system RNG.
pub fn fill(bytes: &mut [u8]) {
    // The system RNG failing is not recoverable and never happens on a working host.
    SystemRandom::new().fill(bytes).expect("system randomness unavailable");
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    out
}

/// Hex of SHA-256, used to name single-use records in Ephemeral without storing the secret.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// Lowercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    hex
}

/// HMAC-SHA256 under the server secret: OTPs are stored only in this form.
pub fn keyed_hash(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    for part in parts {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The AES-256-GCM key for `purpose`, derived from the server secret.
fn sealing_key(secret: &[u8], purpose: &str) -> aead::LessSafeKey {
    let key = keyed_hash(secret, &[b"seal", purpose.as_bytes()]);
    // A 32-byte key is what AES-256 takes, so this cannot fail.
    aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, &key).expect("a 256-bit key"))
}

/// `plaintext` encrypted and authenticated under the server secret (AES-256-GCM, random
/// nonce), base64url: data a token carries that only Tessera may read.
pub fn seal(secret: &[u8], purpose: &str, plaintext: &[u8]) -> String {
    let mut nonce = [0u8; aead::NONCE_LEN];
    fill(&mut nonce);
    let mut sealed = plaintext.to_vec();
    let key = sealing_key(secret, purpose);
    // Sealing in memory fails only for inputs beyond GCM's 64 GiB limit.
    key.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut sealed)
        .expect("a small plaintext seals");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(out)
}

/// What `seal` sealed for `purpose`, or `None` if it was altered or sealed otherwise.
pub fn unseal(secret: &[u8], purpose: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    let (nonce, body) = bytes.split_at_checked(aead::NONCE_LEN)?;
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut body = body.to_vec();
    let plain = sealing_key(secret, purpose).open_in_place(nonce, aead::Aad::empty(), &mut body).ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_never_start_with_a_dash() {
        assert!((0..2000).map(|_| random_id()).all(|id| id.len() == 22 && !id.starts_with('-')));
        assert!(URL_SAFE_NO_PAD.encode([0xF8u8; 16]).starts_with('-'), "the bytes the loop skips");
    }

    #[test]
    fn sealed_data_opens_only_with_the_same_secret_and_purpose_and_unaltered() {
        let sealed = seal(b"secret", "user", b"u-1");
        assert_eq!(unseal(b"secret", "user", &sealed).as_deref(), Some(&b"u-1"[..]));
        assert_ne!(seal(b"secret", "user", b"u-1"), sealed, "a fresh nonce each time");
        assert_eq!(unseal(b"other", "user", &sealed), None);
        assert_eq!(unseal(b"secret", "other", &sealed), None);
        let mut altered = sealed.into_bytes();
        altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(unseal(b"secret", "user", std::str::from_utf8(&altered).unwrap()), None);
        assert_eq!(unseal(b"secret", "user", "short"), None);
    }

    #[test]
    fn codes_have_the_requested_number_of_digits() {
        for _ in 0..200 {
            let c = random_digits(6);
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn ids_carry_128_bits() {
        assert_eq!(random_id().len(), 22);
        assert_ne!(random_id(), random_id());
    }

    #[test]
    fn tokens_carry_256_bits() {
        assert_eq!(random_token().len(), 43);
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn sha256_hex_is_the_lowercase_hex_of_the_digest() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn keyed_hash_separates_its_parts() {
        assert_ne!(keyed_hash(b"k", &[b"ab", b"c"]), keyed_hash(b"k", &[b"a", b"bc"]));
    }
}
