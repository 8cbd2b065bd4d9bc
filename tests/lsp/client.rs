//! A minimal LSP client for tests: spawns `agentpol lsp`, speaks the real
//! framing (`Content-Length` headers, via `lsp_server::Message`) over its
//! pipes, and waits for messages with generous bounds so a broken server
//! fails the test instead of hanging it.

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::io::BufReader;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Far longer than any run needs: only a hung server reaches it.
const PATIENCE: Duration = Duration::from_secs(120);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Message>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    pub backlog: Vec<Notification>,
    /// What the server answered to `initialize`.
    pub capabilities: Value,
}

impl Client {
    pub fn start(root: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentpol"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Ok(Some(m)) = Message::read(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            backlog: Vec::new(),
            capabilities: Value::Null,
        };
        let root_uri = lsp_types::Url::from_file_path(root).unwrap();
        let caps = c.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
        );
        assert!(
            caps["capabilities"]["hoverProvider"] == json!(true),
            "{caps}"
        );
        c.capabilities = caps["capabilities"].clone();
        c.notify("initialized", json!({}));
        c
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        Message::Notification(Notification::new(method.into(), params))
            .write(&mut self.stdin)
            .unwrap();
    }

    fn recv(&mut self, deadline: Instant) -> Message {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Sends a request and returns its result (panics on an error response).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        Message::Request(Request::new(id.clone(), method.into(), params))
            .write(&mut self.stdin)
            .unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.recv(deadline) {
                Message::Response(r) if r.id == id => {
                    if let Some(e) = r.error {
                        panic!("{method} failed: {}", e.message);
                    }
                    return r.result.unwrap_or(Value::Null);
                }
                Message::Notification(n) => self.backlog.push(n),
                _ => {}
            }
        }
    }

    /// The next `publishDiagnostics` for `uri` that satisfies `ok` (earlier
    /// ones, for this or other files, are skipped).
    pub fn diagnostics_until(&mut self, uri: &str, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut pending: Vec<Notification> = std::mem::take(&mut self.backlog);
        pending.reverse();
        loop {
            let n = match pending.pop() {
                Some(n) => n,
                None => match self.recv(deadline) {
                    Message::Notification(n) => n,
                    _ => continue,
                },
            };
            if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                let list = n.params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if ok(&list) {
                    return list;
                }
            }
        }
    }

    /// Shuts the server down and checks it exits cleanly.
    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "agentpol lsp exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "agentpol lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
