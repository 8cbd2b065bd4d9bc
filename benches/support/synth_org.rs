//! Writes a synthetic organisation (`agentpol::synth::Org`) to a directory,
//! to time and profile the whole `agentpol check` process on it:
//!
//! ```sh
//! cargo run --release --example synth-org -- 1000 50 /tmp/org
//! /usr/bin/time -v target/release/agentpol check /tmp/org
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use agentpol::synth::Org;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [agents, tools, dir] = args.as_slice() else {
        eprintln!("usage: synth-org AGENTS TOOLS DIR");
        std::process::exit(2);
    };
    let org = Org::new(
        agents.parse().expect("AGENTS is a number"),
        tools.parse().expect("TOOLS is a number"),
    );
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir).expect("create DIR");
    std::fs::write(dir.join("agentpol.toml"), "").expect("write agentpol.toml");
    for (name, text) in org.files() {
        std::fs::write(dir.join(name), text).expect("write a policy file");
    }
}
