//! Where the sign-in scenarios' codes arrive: an SMTP server that Tessera delivers to over real
//! SMTP, and an HTTP endpoint in the shape of Tessera's SMS webhook. Each keeps messages by
//! recipient, so a worker waits only for its own.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// Messages by recipient, oldest first, and a wake-up for whoever waits.
#[derive(Clone, Default)]
pub struct Inbox {
    messages: Arc<Mutex<HashMap<String, VecDeque<String>>>>,
    arrived: Arc<Notify>,
}

impl Inbox {
    fn deliver(&self, to: &str, message: String) {
        let mut messages = self.messages.lock().unwrap_or_else(|p| p.into_inner());
        messages.entry(to.to_ascii_lowercase()).or_default().push_back(message);
        drop(messages);
        self.arrived.notify_waiters();
    }

    /// The oldest message to `to` not yet taken, waiting up to 3 s for one (a lost message is an error, not a stall).
    pub async fn take(&self, to: &str) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        let key = to.to_ascii_lowercase();
        loop {
            let arrived = self.arrived.notified();
            if let Some(message) =
                self.messages.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&key).and_then(|q| q.pop_front())
            {
                return Ok(message);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return Err(format!("nothing arrived for {to} in 3 s"));
            }
        }
    }
}

/// Starts an SMTP server on loopback; returns its port and the inbox it fills.
pub async fn smtp() -> (u16, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("bound").port();
    let inbox = Inbox::default();
    let sink = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let _ = session(stream, &sink).await;
            });
        }
    });
    (port, inbox)
}

async fn session(stream: tokio::net::TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            "MAIL" => {
                to.clear();
                write.write_all(b"250 ok\r\n").await?
            }
            "RCPT" => {
                let addr = line.trim().trim_start_matches("RCPT TO:").trim_matches(|c| c == '<' || c == '>');
                to.push(addr.to_string());
                write.write_all(b"250 ok\r\n").await?
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                for addr in &to {
                    inbox.deliver(addr, data.clone());
                }
                write.write_all(b"250 queued\r\n").await?
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}

/// The code an email carries: the first word of its subject.
pub fn mail_code(data: &str) -> Option<String> {
    let subject = data.lines().find_map(|l| l.strip_prefix("Subject: "))?;
    let code = subject.split(' ').next()?;
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_string())
}

/// The path of the magic link an email carries (`/login/link/TOKEN`).
pub fn mail_link(data: &str) -> Option<String> {
    let body = data.replace("=\r\n", "").replace("=\n", "");
    let at = body.find("/login/link/")? + "/login/link/".len();
    let token: String =
        body[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    Some(format!("/login/link/{token}"))
}

/// Starts the SMS webhook receiver (`POST /sms`, Tessera's JSON `{to, from, text}`); returns its
/// URL and the inbox of texts by number.
pub async fn sms() -> (String, Inbox) {
    use axum::routing::post;
    let inbox = Inbox::default();
    let sink = inbox.clone();
    let app = axum::Router::new().route(
        "/sms",
        post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                let Ok(message) = serde_json::from_slice::<serde_json::Value>(&body) else {
                    return axum::http::StatusCode::BAD_REQUEST;
                };
                match (message["to"].as_str(), message["text"].as_str()) {
                    (Some(to), Some(text)) => {
                        sink.deliver(to, text.to_string());
                        axum::http::StatusCode::OK
                    }
                    _ => axum::http::StatusCode::BAD_REQUEST,
                }
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}/sms", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, inbox)
}

/// The six-digit code a text carries.
pub fn text_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let run = &bytes[i..i + 6];
        let bounded =
            (i == 0 || !bytes[i - 1].is_ascii_digit()) && bytes.get(i + 6).is_none_or(|b| !b.is_ascii_digit());
        (bounded && run.iter().all(u8::is_ascii_digit)).then(|| String::from_utf8_lossy(run).into_owned())
    })
}
