//! Headless Chromium driven over the DevTools protocol: pages, script evaluation, and the
//! WebAuthn virtual authenticator that passkey tests sign in with.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// One Chromium process with a fresh profile; killed when dropped.
pub struct Chrome {
    child: Child,
    _profile: tempfile::TempDir,
    out: mpsc::UnboundedSender<Message>,
    waiting: Waiting,
    next_id: AtomicU64,
}

impl Chrome {
    pub async fn launch() -> Chrome {
        let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} ({e}); install Debian's chromium package"));
        let stderr = child.stderr.take().unwrap();
        let (url_tx, url_rx) = oneshot::channel::<String>();
        // Keeps reading stderr so Chromium never blocks writing to it.
        std::thread::spawn(move || {
            let mut url_tx = Some(url_tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ")
                    && let Some(tx) = url_tx.take()
                {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let ws_url = tokio::time::timeout(Duration::from_secs(30), url_rx)
            .await
            .expect("Chromium printed no DevTools address")
            .unwrap();
        let (ws, _) = tokio_tungstenite::connect_async(ws_url.as_str()).await.unwrap();
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(m) = out_rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let waiting: Waiting = Arc::default();
        let replies = waiting.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                if let Some(id) = v.get("id").and_then(Value::as_u64)
                    && let Some(tx) = replies.lock().unwrap().remove(&id)
                {
                    let _ = tx.send(v);
                }
            }
        });
        Chrome { child, _profile: profile, out, waiting, next_id: AtomicU64::new(1) }
    }

    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        self.out.send(Message::Text(msg.to_string().into())).map_err(|e| e.to_string())?;
        let reply = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .map_err(|_| format!("{method}: no answer"))?
            .map_err(|e| e.to_string())?;
        match reply.get("error") {
            Some(err) => Err(format!("{method}: {err}")),
            None => Ok(reply["result"].clone()),
        }
    }

    /// A new tab, attached so commands can be sent to it.
    pub async fn page(&self) -> Page<'_> {
        self.page_in(json!({ "url": "about:blank" })).await
    }

    /// A new tab in a fresh browser context: no cookies shared with any other tab.
    pub async fn isolated_page(&self) -> Page<'_> {
        let context = self.call(None, "Target.createBrowserContext", json!({})).await.unwrap();
        self.page_in(json!({ "url": "about:blank", "browserContextId": context["browserContextId"] })).await
    }

    async fn page_in(&self, target: Value) -> Page<'_> {
        let target = self.call(None, "Target.createTarget", target).await.unwrap();
        let attached = self
            .call(None, "Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }))
            .await
            .unwrap();
        let page = Page { chrome: self, session: attached["sessionId"].as_str().unwrap().to_string() };
        page.call("Page.enable", json!({})).await.unwrap();
        page
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Page<'a> {
    chrome: &'a Chrome,
    session: String,
}

/// A virtual authenticator: one simulated user's device.
pub struct Authenticator {
    pub id: String,
}

impl Page<'_> {
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        self.chrome.call(Some(&self.session), method, params).await
    }

    /// A CTAP2 platform authenticator with resident keys and user verification; `synced`
    /// marks its credentials backup eligible (a synced passkey). Add it before navigating.
    pub async fn add_authenticator(&self, synced: bool, presence: bool) -> Authenticator {
        self.call("WebAuthn.enable", json!({ "enableUI": false })).await.unwrap();
        let options = json!({
            "protocol": "ctap2", "ctap2Version": "ctap2_1", "transport": "internal",
            "hasResidentKey": true, "hasUserVerification": true, "isUserVerified": true,
            "automaticPresenceSimulation": presence,
            "defaultBackupEligibility": synced, "defaultBackupState": synced,
        });
        let added = self.call("WebAuthn.addVirtualAuthenticator", json!({ "options": options })).await.unwrap();
        Authenticator { id: added["authenticatorId"].as_str().unwrap().to_string() }
    }

    pub async fn credentials(&self, auth: &Authenticator) -> Vec<Value> {
        let r = self.call("WebAuthn.getCredentials", json!({ "authenticatorId": auth.id })).await.unwrap();
        r["credentials"].as_array().cloned().unwrap_or_default()
    }

    pub async fn presence(&self, auth: &Authenticator, enabled: bool) {
        let params = json!({ "authenticatorId": auth.id, "enabled": enabled });
        self.call("WebAuthn.setAutomaticPresenceSimulation", params).await.unwrap();
    }

    pub async fn goto(&self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await.unwrap();
        self.wait_for("document.readyState === 'complete'").await;
    }

    /// Evaluates `expr` (awaiting a promise) and returns its JSON value.
    pub async fn eval(&self, expr: &str) -> Result<Value, String> {
        let params = json!({ "expression": expr, "awaitPromise": true, "returnByValue": true });
        let r = self.call("Runtime.evaluate", params).await?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(ex["exception"]["description"].as_str().map_or_else(|| ex.to_string(), str::to_string));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Clicks the centre of the first element matching `selector` with the mouse, as a person
    /// would: the browser decides what the click does (submit, follow, toggle).
    pub async fn click(&self, selector: &str) {
        let find = format!(
            "(() => {{ const e = document.querySelector({0}); if (!e) return null; \
             e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); \
             return r.width > 0 && r.height > 0 ? [r.x + r.width / 2, r.y + r.height / 2] : null; }})()",
            serde_json::to_string(selector).unwrap()
        );
        let at = self.wait_for(&find).await;
        let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            let event = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
            self.call("Input.dispatchMouseEvent", event).await.unwrap();
        }
    }

    /// Clicks the link or button that reads `label`, as a person finds it.
    pub async fn click_on(&self, label: &str) {
        let find = format!(
            "(() => {{ const e = [...document.querySelectorAll('a, button')].find(e => e.innerText.trim() === {}); \
             if (!e) return false; e.setAttribute('data-clicked', ''); return true; }})()",
            serde_json::to_string(label).unwrap()
        );
        self.wait_for(&find).await;
        self.click("[data-clicked]").await;
    }

    /// Clicks into the field matching `selector` and types `text` into it.
    pub async fn type_into(&self, selector: &str, text: &str) {
        self.click(selector).await;
        self.call("Input.insertText", json!({ "text": text })).await.unwrap();
    }

    /// Presses Enter in the focused element (submits the form it belongs to).
    pub async fn press_enter(&self) {
        for kind in ["keyDown", "keyUp"] {
            let mut event = json!({ "type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13 });
            if kind == "keyDown" {
                event["text"] = "\r".into();
            }
            self.call("Input.dispatchKeyEvent", event).await.unwrap();
        }
    }

    /// Marks the document on screen, so `wait_for_new_document` can tell when it is replaced.
    pub async fn mark(&self) {
        self.eval("window.__seen = true").await.unwrap();
    }

    /// Waits until the marked document has been replaced by a new, loaded one.
    pub async fn wait_for_new_document(&self) {
        self.wait_for("!window.__seen && document.readyState === 'complete'").await;
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        let history = self.call("Page.getNavigationHistory", json!({})).await.unwrap();
        let index = history["currentIndex"].as_i64().unwrap();
        let entry = history["entries"][(index - 1) as usize]["id"].clone();
        self.call("Page.navigateToHistoryEntry", json!({ "entryId": entry })).await.unwrap();
    }

    /// The browser's Reload button.
    pub async fn reload(&self) {
        self.call("Page.reload", json!({})).await.unwrap();
    }

    pub async fn href(&self) -> String {
        self.eval("location.href").await.unwrap().as_str().unwrap_or_default().to_string()
    }

    pub async fn text(&self) -> String {
        self.eval("document.body ? document.body.innerText : ''")
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the page's text contains `needle`, and returns that text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let js =
            format!("document.body && document.body.innerText.includes({})", serde_json::to_string(needle).unwrap());
        self.wait_for(&js).await;
        self.text().await
    }

    /// A PNG of the viewport, written to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" })).await.unwrap();
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Polls `js` until it is truthy; errors while a page loads count as "not yet".
    pub async fn wait_for(&self, js: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = self.eval(js).await
                && !(v.is_null() || v == json!(false) || v == json!(""))
            {
                return v;
            }
            if Instant::now() > deadline {
                let at = self.eval("location.href + ' ' + document.body.innerText").await;
                panic!("timed out waiting for `{js}` at {at:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
