use super::*;

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[test]
fn json_files_hash_their_canonical_form_as_go_encodes_it() {
    // Keys in byte order at every level, no whitespace, Go's escapes:
    // `\b` and `\f` short, other controls `\u00xx`, U+2028 escaped, and
    // `<>&` (HTML) and non-ASCII letters left alone.
    let body = "{\"b\": [1, -2, \"x\u{2028}<&>é\"],\n \"a\": {\"z\": null, \"\\n\\u0001\\b\": true, \"y\": false}}";
    let canonical =
        "{\"a\":{\"\\n\\u0001\\b\":true,\"y\":false,\"z\":null},\"b\":[1,-2,\"x\\u2028<&>é\"]}";
    assert_eq!(
        file_hash("data.json", body.as_bytes()).unwrap(),
        sha256_hex(canonical.as_bytes())
    );
    assert_eq!(
        file_hash(".manifest", body.as_bytes()).unwrap(),
        sha256_hex(canonical.as_bytes())
    );
    // Whitespace and key order do not change the digest.
    let compact =
        "{\"a\":{\"y\":false,\"z\":null,\"\\n\\u0001\\b\":true},\"b\":[1,-2,\"x\u{2028}<&>é\"]}";
    assert_eq!(
        file_hash("nested/data.json", compact.as_bytes()).unwrap(),
        file_hash("data.json", body.as_bytes()).unwrap()
    );
}

#[test]
fn other_files_hash_their_bytes() {
    let rego = b"package agentpol\n\ndefault decision := {}\n";
    assert_eq!(
        file_hash("agentpol/policy.rego", rego).unwrap(),
        sha256_hex(rego)
    );
}

#[test]
fn a_number_whose_text_cannot_be_reproduced_is_refused() {
    let err = file_hash("data.json", b"{\"x\": 1.50}").unwrap_err();
    assert!(err.contains("not an integer"), "{err}");
}

#[test]
fn keys_that_do_not_fit_the_algorithm_are_reported() {
    let err = Signing::new("RS256", b"not a key", None, None)
        .err()
        .unwrap();
    assert!(err.contains("RSA private key in PEM"), "{err}");
    let sec1 = b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
    let err = Signing::new("ES256", sec1, None, None).err().unwrap();
    assert!(err.contains("openssl pkcs8 -topk8"), "{err}");
    let err = Signing::new("HS256", b"", None, None).err().unwrap();
    assert!(err.contains("empty"), "{err}");
    let err = Signing::new("PS256", b"secret", None, None).err().unwrap();
    assert!(err.contains("unknown signing algorithm"), "{err}");
}

#[test]
fn an_hmac_token_carries_the_files_key_id_and_scope() {
    let signing = Signing::new(
        "HS256",
        b"s3cret",
        Some("fleet".into()),
        Some("write".into()),
    )
    .unwrap();
    let text = signing
        .signatures(&[
            ("data.json", b"{}"),
            ("agentpol/policy.rego", b"package x\n"),
        ])
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let token = v["signatures"][0].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine as _;
    let decode = |p: &str| -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        decode(parts[0]),
        serde_json::json!({"alg": "HS256", "kid": "fleet"})
    );
    let payload = decode(parts[1]);
    assert_eq!(payload["keyid"], "fleet");
    assert_eq!(payload["scope"], "write");
    assert_eq!(
        payload["files"][0],
        serde_json::json!({"name": "data.json", "hash": sha256_hex(b"{}"), "algorithm": "SHA-256"})
    );
    // Deterministic: the same files sign to the same text.
    assert_eq!(
        text,
        signing
            .signatures(&[
                ("data.json", b"{}"),
                ("agentpol/policy.rego", b"package x\n")
            ])
            .unwrap()
    );
}
