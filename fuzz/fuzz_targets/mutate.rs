//! Grammar-aware mutation: a valid generated policy (from the first bytes)
//! with edits drawn from the rest — slices cut, duplicated or replaced by
//! tokens of the language — then the whole `check` pipeline.
#![no_main]
use libfuzzer_sys::fuzz_target;

const TOKENS: &[&str] = &[
    "allow ",
    "deny ",
    "approve ",
    " when ",
    " where ",
    " and ",
    " or ",
    " not ",
    " like ",
    " in ",
    " any ",
    " all ",
    " contains ",
    "\"",
    "*",
    "\"*a*b*\"",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ", ",
    " == ",
    " != ",
    " < ",
    " <= ",
    " >= ",
    "USD 1.00",
    "15m",
    "0",
    "-1",
    "9223372036854775807",
    "agent a9 {\n",
    "tool t.x {\n",
    "limit t.post 2 per session\n",
    "budget USD 10.00 per session\n",
    "delegate to [a0]\n",
    "reads ",
    "writes ",
    "\n",
    "#",
    "t.post",
    "t.pay",
    "t.read",
    "room",
    "amount",
    "vendor",
    "use std.slack\n",
    "apply ",
    "preset p {\n",
    "justification required\n",
    "extract enum\n",
    "resource ",
    "\\u{41}",
];

fuzz_target!(|data: &[u8]| {
    let split = data.len() / 2;
    let (seed, edits) = data.split_at(split);
    let Some(mut text) = agentpol_fuzz::draw(agentpol_fuzz::gen::policy(), seed) else {
        return;
    };
    for e in edits.chunks(4) {
        let [op, a, b, t] = [0, 1, 2, 3].map(|i| e.get(i).copied().unwrap_or(0) as usize);
        let mut at = (a << 8 | b) % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + t % 24).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let token = TOKENS[t % TOKENS.len()];
        match op % 3 {
            0 => text.replace_range(at..end, ""),
            1 => {
                let dup = text[at..end].to_string();
                text.insert_str(at, &dup);
            }
            _ => text.replace_range(at..end, token),
        }
    }
    agentpol_fuzz::check_text(&text, true);
});
