//! A capturing SMTP server on loopback: speaks enough SMTP for a real client (lettre) to deliver,
//! and keeps every message for the test to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The subject, unfolded and with RFC 2047 encoded words decoded (non-ASCII subjects).
    pub fn subject(&self) -> String {
        let mut lines = self.data.split("\r\n").skip_while(|l| !l.starts_with("Subject: "));
        let Some(first) = lines.next() else { return String::new() };
        let mut raw = first["Subject: ".len()..].to_string();
        for folded in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
            raw.push_str(folded);
        }
        // RFC 2047 §6.2: whitespace between two encoded words is dropped, elsewhere kept.
        let mut subject = String::new();
        let mut last_encoded = false;
        for word in raw.split_whitespace() {
            let decoded = decode_word(word);
            let joins_encoded = last_encoded && decoded.is_some();
            if !subject.is_empty() && !joins_encoded {
                subject.push(' ');
            }
            last_encoded = decoded.is_some();
            subject.push_str(&decoded.unwrap_or_else(|| word.to_string()));
        }
        subject
    }

    /// The 6-digit code at the start of the subject.
    pub fn code(&self) -> String {
        self.subject().split(' ').next().unwrap_or("").to_string()
    }

    /// The magic link's path (`/login/link/TOKEN`), if the mail carries one.
    pub fn link_path(&self) -> Option<String> {
        // Undo quoted-printable soft line breaks before searching.
        let body = self.data.replace("=\r\n", "").replace("=\n", "");
        let at = body.find("/login/link/")?;
        let token: String = body[at + "/login/link/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        Some(format!("/login/link/{token}"))
    }
}

/// One RFC 2047 `=?utf-8?b?…?=` word decoded; `None` for a plain word.
fn decode_word(word: &str) -> Option<String> {
    use base64::Engine;
    let encoded = word.strip_prefix("=?utf-8?b?").or_else(|| word.strip_prefix("=?UTF-8?B?"))?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.strip_suffix("?=")?).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    mails: Arc<Mutex<Vec<Mail>>>,
    arrived: Arc<Notify>,
    pub port: u16,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = SmtpSink { port: listener.local_addr().unwrap().port(), ..SmtpSink::default() };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = server.clone();
                tokio::spawn(async move {
                    let _ = sink.session(stream).await;
                });
            }
        });
        sink
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
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
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
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
                    self.mails.lock().unwrap().push(Mail { to: to.clone(), data });
                    self.arrived.notify_waiters();
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

    pub fn count_to(&self, addr: &str) -> usize {
        self.mails.lock().unwrap().iter().filter(|m| m.to.iter().any(|t| t == addr)).count()
    }

    /// Waits (up to 10 s) for the `n`-th message (1-based) to `addr`.
    pub async fn nth_to(&self, addr: &str, n: usize) -> Mail {
        match self.try_nth_to(addr, n, Duration::from_secs(10)).await {
            Some(mail) => mail,
            None => panic!("no mail #{n} to {addr} within 10 s"),
        }
    }

    pub async fn try_nth_to(&self, addr: &str, n: usize, wait: Duration) -> Option<Mail> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.arrived.notified();
            if let Some(m) = self.mails.lock().unwrap().iter().filter(|m| m.to.iter().any(|t| t == addr)).nth(n - 1) {
                return Some(m.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}
