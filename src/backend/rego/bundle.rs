//! The OPA bundle: `bundle.tar.gz` holding `.manifest`, `agentpol/policy.rego`
//! and `data.json` (and `.signatures.json` when signed), ready to serve to a
//! fleet of OPA servers.
//!
//! Byte-identical across runs and machines: entries in a fixed order, ustar
//! headers with mtime 0, uid/gid 0, no user or group names and mode 0644, a
//! gzip header without a timestamp or file name, and a revision derived from
//! the content (SHA3-256 of the policy and the data, each framed by its name
//! and length).

use serde::Serialize;
use sha3::{Digest, Sha3_256};
use std::io::Write;

/// The only root the bundle owns: `data.agentpol` (policy and data).
pub const ROOT: &str = "agentpol";

#[derive(Serialize)]
struct Manifest<'a> {
    revision: &'a str,
    roots: [&'a str; 1],
    rego_version: u32,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    generator: &'a str,
    policy_set: &'a str,
}

/// The content hash that names a revision: `sha3-256:<hex>`.
pub fn revision(policy: &str, data: &str) -> String {
    let mut h = Sha3_256::new();
    for (name, body) in [("policy.rego", policy), ("data.json", data)] {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((body.len() as u64).to_be_bytes());
        h.update(body.as_bytes());
    }
    let digest = h.finalize();
    let mut out = String::from("sha3-256:");
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The manifest text (JSON, through serde).
pub fn manifest(policy: &str, data: &str, set_name: &str) -> serde_json::Result<String> {
    let rev = revision(policy, data);
    let m = Manifest {
        revision: &rev,
        roots: [ROOT],
        rego_version: 1,
        metadata: Metadata {
            generator: "agentpol",
            policy_set: set_name,
        },
    };
    let mut text = serde_json::to_string_pretty(&m)?;
    text.push('\n');
    Ok(text)
}

/// The gzipped tarball; with `signing`, `.signatures.json` first (see
/// [`sign`](super::sign)), covering every other file.
pub fn tarball(
    policy: &str,
    data: &str,
    set_name: &str,
    signing: Option<&super::sign::Signing>,
) -> std::io::Result<Vec<u8>> {
    let manifest = manifest(policy, data, set_name).map_err(std::io::Error::other)?;
    let mut files = vec![
        (".manifest", manifest.as_str()),
        ("agentpol/policy.rego", policy),
        ("data.json", data),
    ];
    let signatures;
    if let Some(signing) = signing {
        let listed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_bytes())).collect();
        signatures = signing.signatures(&listed).map_err(std::io::Error::other)?;
        files.insert(0, (".signatures.json", signatures.as_str()));
    }
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, body) in files {
        let mut header = tar::Header::new_ustar();
        header.set_path(path)?;
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        tar.append(&header, body.as_bytes())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}
