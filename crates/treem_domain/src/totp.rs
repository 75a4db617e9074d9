//! TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) and the
//! base32 secrets authenticator apps read.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes bytes as unpadded RFC 4648 base32.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32.iter().position(|&x| char::from(x) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The code for one time step.
pub fn code_at_step(secret: &[u8], step: i64) -> Option<u32> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last()? & 0x0f);
    let slice = digest.get(offset..offset + 4)?;
    let bin = u32::from_be_bytes([slice[0] & 0x7f, slice[1], slice[2], slice[3]]);
    Some(bin % 10u32.pow(DIGITS))
}

/// Checks `code` at `unix_time`, allowing one step of clock drift either way,
/// and refusing any step at or before `last_used_step` (a code works once).
/// Returns the step that matched.
pub fn verify(secret: &[u8], code: &str, unix_time: i64, last_used_step: Option<i64>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let given: u32 = code.parse().ok()?;
    let now = unix_time.div_euclid(STEP_SECONDS);
    (now - 1..=now + 1).filter(|s| last_used_step.is_none_or(|l| *s > l)).find(|&s| code_at_step(secret, s) == Some(given))
}

/// The `otpauth://` URI authenticator apps import.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    format!("otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30", enc(issuer), enc(account), enc(issuer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8-digit codes truncated to 6.
        let secret = b"12345678901234567890";
        for (t, code8) in [(59, 94287082u32), (1111111109, 7081804), (1234567890, 89005924), (2000000000, 69279037)] {
            assert_eq!(code_at_step(secret, t / 30), Some(code8 % 1_000_000), "t={t}");
        }
    }

    #[test]
    fn codes_work_once_and_within_one_step() {
        let secret = b"12345678901234567890";
        let t = 1_234_567_890;
        let code = format!("{:06}", code_at_step(secret, t / 30).unwrap());
        let step = verify(secret, &code, t, None).unwrap();
        assert_eq!(verify(secret, &code, t, Some(step)), None, "replay refused");
        assert!(verify(secret, &code, t + 30, None).is_some(), "one step of drift");
        assert!(verify(secret, &code, t + 95, None).is_none());
        assert!(verify(secret, "12345", t, None).is_none());
        assert!(verify(secret, "abcdef", t, None).is_none());
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        let data: Vec<u8> = (0..20).collect();
        assert_eq!(base32_decode(&base32_encode(&data)).unwrap(), data);
        assert!(base32_decode("1!").is_none());
    }
}
