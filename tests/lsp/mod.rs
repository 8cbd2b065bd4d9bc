//! `agentpol lsp` and the editor queries behind it: a real client exchange
//! over the protocol framing, and the library functions it uses.

mod client;
mod ide;
mod protocol;
