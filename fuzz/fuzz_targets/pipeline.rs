//! The whole `check` pipeline (front end, then every analysis when the
//! text compiles) on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    agentpol_fuzz::check_text(&String::from_utf8_lossy(data), true);
});
