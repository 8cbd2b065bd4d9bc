//! Bundle signing as OPA verifies it (`opa run --verification-key`): a
//! `.signatures.json` inside the bundle holding one JWS whose payload lists
//! every other file of the bundle with its SHA-256 digest.
//!
//! OPA does not hash a JSON file's bytes (`bundle/hash.go`): it parses
//! `data.json` and `.manifest` and hashes a canonical form, objects with
//! their keys in byte order, `{`, `key:value` pairs joined by `,`, `}`,
//! arrays as `[`…`]`, and each key and scalar as Go's `encoding/json`
//! writes it without HTML escaping (so `\b`, `\f`, `\n`, `\r`, `\t`, other
//! control characters as `\u00xx`, and U+2028/U+2029 escaped; `<>&` not).
//! Numbers keep their source text in OPA; agentpol's data holds integers
//! only, which serde prints as written, and any other number is refused
//! rather than hashed differently. Other files (the Rego policy) are hashed
//! as bytes.
//!
//! The payload is `{"files": [{"name", "hash", "algorithm": "SHA-256"}],
//! "keyid"?, "scope"?}` and the protected header `{"alg", "kid"?}`, as
//! `opa sign` writes them. RSA PKCS#1 v1.5 and HMAC signatures are
//! deterministic, so a signed bundle is byte-identical across runs too.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Algorithms `--signing-alg` accepts (OPA's, less the randomized PSS).
pub const ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "ES256", "ES384", "HS256", "HS384", "HS512",
];

/// A checked signing configuration: the key fits the algorithm and signs.
pub struct Signing {
    alg: Algorithm,
    key: EncodingKey,
    key_id: Option<String>,
    scope: Option<String>,
}

impl Signing {
    /// `key` is the key file's bytes: a PEM private key for RS*/ES*, the
    /// shared secret for HS*. The error is a sentence for the user.
    pub fn new(
        alg: &str,
        key: &[u8],
        key_id: Option<String>,
        scope: Option<String>,
    ) -> Result<Signing, String> {
        let algorithm = match alg {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            other => {
                return Err(format!(
                    "unknown signing algorithm `{}` (known: {})",
                    other.escape_debug(),
                    ALGORITHMS.join(", ")
                ))
            }
        };
        let parsed = match alg.as_bytes().first() {
            Some(b'R') => EncodingKey::from_rsa_pem(key)
                .map_err(|e| format!("the key is not an RSA private key in PEM ({e})")),
            // OPA also reads SEC1 (`openssl ecparam -genkey`); jsonwebtoken
            // only PKCS#8, so say how to convert rather than fail vaguely.
            Some(b'E') if key.starts_with(b"-----BEGIN EC PRIVATE KEY-----") => Err(
                "the EC key is in SEC1 form (`BEGIN EC PRIVATE KEY`); convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.p8`".to_string(),
            ),
            Some(b'E') => EncodingKey::from_ec_pem(key)
                .map_err(|e| format!("the key is not an EC private key in PEM ({e})")),
            _ => EncodingKey::from_secret(key).map_err(|_| "the secret is empty".to_string()),
        }?;
        let signing = Signing {
            alg: algorithm,
            key: parsed,
            key_id,
            scope,
        };
        // A PEM block of the right type can still hold a broken key: sign
        // once now, so the problem is reported before anything is built.
        signing
            .token(&[])
            .map_err(|e| format!("the key cannot sign with {alg} ({e})"))?;
        Ok(signing)
    }

    fn token(&self, files: &[FileInfo]) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.alg);
        header.typ = None;
        header.kid = self.key_id.clone();
        let claims = Claims {
            files,
            keyid: self.key_id.as_deref(),
            scope: self.scope.as_deref(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }

    /// The text of `.signatures.json` for these bundle files (path inside
    /// the bundle, contents).
    pub fn signatures(&self, files: &[(&str, &[u8])]) -> Result<String, String> {
        let infos = files
            .iter()
            .map(|(name, body)| {
                Ok(FileInfo {
                    name: (*name).to_string(),
                    hash: file_hash(name, body)?,
                    algorithm: "SHA-256",
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let token = self.token(&infos).map_err(|e| e.to_string())?;
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "signatures": [token] }))
            .map_err(|e| e.to_string())?;
        text.push('\n');
        Ok(text)
    }
}

#[derive(Serialize)]
struct FileInfo {
    name: String,
    hash: String,
    algorithm: &'static str,
}

#[derive(Serialize)]
struct Claims<'a> {
    files: &'a [FileInfo],
    #[serde(skip_serializing_if = "Option::is_none")]
    keyid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

/// Whether OPA hashes the file as structured JSON (`IsStructuredDoc`).
fn structured(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    matches!(
        base,
        "data.json" | "data.yaml" | "signatures.json" | ".manifest"
    )
}

/// OPA's SHA-256 digest of one bundle file, in hex.
pub fn file_hash(name: &str, body: &[u8]) -> Result<String, String> {
    let mut h = Sha256::new();
    if structured(name) {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("`{name}` is not JSON: {e}"))?;
        let mut canonical = Vec::new();
        walk(&value, &mut canonical).map_err(|e| format!("`{name}`: {e}"))?;
        h.update(&canonical);
    } else {
        h.update(body);
    }
    Ok(hex(&h.finalize()))
}

fn walk(v: &serde_json::Value, out: &mut Vec<u8>) -> Result<(), String> {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                go_string(k, out);
                out.push(b':');
                if let Some(value) = map.get(k) {
                    walk(value, out)?;
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                walk(item, out)?;
            }
            out.push(b']');
        }
        Value::String(s) => go_string(s, out),
        Value::Number(n) if n.is_i64() || n.is_u64() => out.extend(n.to_string().as_bytes()),
        Value::Number(n) => {
            return Err(format!(
                "the number {n} is not an integer; OPA hashes a number's source text, which agentpol cannot reproduce"
            ))
        }
        Value::Bool(b) => out.extend(if *b { &b"true"[..] } else { &b"false"[..] }),
        Value::Null => out.extend(b"null"),
    }
    Ok(())
}

/// A string as Go's `encoding/json` encodes it with `SetEscapeHTML(false)`.
fn go_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match c {
            '"' => out.extend(b"\\\""),
            '\\' => out.extend(b"\\\\"),
            '\n' => out.extend(b"\\n"),
            '\r' => out.extend(b"\\r"),
            '\t' => out.extend(b"\\t"),
            '\u{8}' => out.extend(b"\\b"),
            '\u{c}' => out.extend(b"\\f"),
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.extend(b"\\u00");
                out.push(HEX[b >> 4]);
                out.push(HEX[b & 0x0f]);
            }
            '\u{2028}' => out.extend(b"\\u2028"),
            '\u{2029}' => out.extend(b"\\u2029"),
            c => out.extend(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out.push(b'"');
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test failures")]
#[path = "sign_tests.rs"]
mod tests;
