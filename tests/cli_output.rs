//! The binary's standard output: a reader that goes away early (as with
//! `agentpol ... | head`) ends the command quietly instead of panicking.

#[test]
fn closed_stdout_is_not_a_panic() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/procurement");
    let request = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/procurement/requests/approval-pay-vendor.json"
    );
    for args in [
        vec!["explain", "AP104"],
        vec!["check", examples],
        vec!["eval", examples, "--request", request],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the command writes (it first has to start
        // and compile): its write then fails with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
}
