//! Every login page in a real browser (headless Chromium), in every language and in the dark
//! scheme: an accessibility audit by axe-core finds nothing, nothing scrolls sideways on a
//! 360 px screen or at 200 % zoom, and the main pages are captured at desktop and mobile width. Set
//! `SCREENSHOTS_DIR=docs/screenshots` to keep the captures (the README shows them).

use std::path::PathBuf;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::chrome::{Chrome, Page};
use crate::support::{TestServer, npm, rp};

const AXE: &str = "axe-core@4.14.1";
/// WCAG 2.2 A and AA, and axe's best practices.
const RULES: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']";

pub(crate) struct Tour<'a> {
    pub(crate) page: Page<'a>,
    pub(crate) server: &'a TestServer,
    axe: String,
    lang: &'static str,
    shots: Option<PathBuf>,
}

impl Tour<'_> {
    pub(crate) async fn open(&self, path: &str) {
        let url = if path.starts_with("http") { path.to_string() } else { self.server.url(path) };
        self.page.goto(&url).await;
    }

    /// Waits for a page whose address contains `part`.
    pub(crate) async fn arrive(&self, part: &str) {
        self.page.wait_for(&format!("location.href.includes({part:?}) && document.readyState === 'complete'")).await;
    }

    /// axe's findings on the page on screen.
    async fn violations(&self) -> Value {
        self.page.eval(&self.axe).await.unwrap();
        let script = format!(
            "axe.run(document, {{ runOnly: {{ type: 'tag', values: {RULES} }} }}).then(r => r.violations.map(v => \
             ({{ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }})))"
        );
        self.page.eval(&script).await.unwrap()
    }

    /// The audit of the page on screen: its language, axe's findings, and no sideways scroll at
    /// 360 px (a phone) or 640 px (1280 px at 200 % zoom).
    pub(crate) async fn audit(&self, name: &str) {
        let lang = self.page.eval("document.documentElement.lang").await.unwrap();
        assert_eq!(lang, self.lang, "{name}: the page speaks the reader's language");
        let violations = self.violations().await;
        assert_eq!(violations, json!([]), "{name} ({}): accessibility violations", self.lang);
        for (width, why) in [(360, "a 360 px screen"), (640, "200 % zoom")] {
            self.viewport(width, 740, true).await;
            let wide = self.page.eval("document.documentElement.scrollWidth - window.innerWidth").await.unwrap();
            assert!(wide.as_i64().unwrap_or(1) <= 0, "{name} ({}): scrolls sideways on {why}", self.lang);
        }
        self.viewport(1280, 900, false).await;
    }

    async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile });
        self.page.call("Emulation.setDeviceMetricsOverride", metrics).await.unwrap();
    }

    /// Captures the page at desktop and mobile width, when this tour takes screenshots.
    pub(crate) async fn capture(&self, name: &str) {
        let Some(dir) = &self.shots else { return };
        for (suffix, width, height, mobile) in [("desktop", 1280, 800, false), ("mobile", 360, 740, true)] {
            self.viewport(width, height, mobile).await;
            let shot = self.page.call("Page.captureScreenshot", json!({ "format": "png" })).await.unwrap();
            let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
            std::fs::write(dir.join(format!("{name}-{suffix}.png")), png).unwrap();
        }
        self.viewport(1280, 900, false).await;
    }

    pub(crate) async fn fill_and_submit(&self, field: &str, value: &str) {
        let js = format!(
            "(() => {{ const f = document.getElementById({field:?}); f.value = {value:?}; f.form.submit(); }})()"
        );
        self.page.eval(&js).await.unwrap();
    }

    /// Walks every page: sign-in by email code (with a wrong code first), the passkey offer,
    /// consent, a magic link, a passkey ticket, the account page, sign-out, and an error.
    async fn walk(&self, email: &str) {
        let spa = rp::client(self.server, "spa").await;
        self.open(&rp::start(&spa, &["openid", "email", "offline_access"]).url).await;
        self.arrive("/login/").await;
        self.audit("identify").await;
        self.capture("sign-in").await;
        let login = self.page.eval("location.pathname").await.unwrap();
        let login = login.as_str().unwrap().to_string();

        self.open(&format!("{login}?e=upstream_denied")).await;
        self.audit("identify after an upstream error").await;
        self.open(&format!("{login}/phone")).await;
        self.audit("phone").await;
        self.open(&login).await;

        let sent = self.server.smtp.count_to(email);
        self.fill_and_submit("email", email).await;
        self.arrive("/code").await;
        self.audit("code").await;
        self.capture("code").await;
        let mail = self.server.smtp.nth_to(email, sent + 1).await;
        self.fill_and_submit("code", "000000").await;
        self.arrive("e=wrong").await;
        self.audit("code with an error").await;

        let link = mail.link_path().expect("the email carries a link too");
        self.open(&link).await;
        self.audit("magic link").await;
        self.page.goto(&self.server.url(&format!("{login}/code"))).await;
        self.fill_and_submit("code", &mail.code()).await;

        self.arrive("/passkey/offer").await;
        self.audit("passkey offer").await;
        self.page.eval("document.querySelector('a[href^=\"/authorize/resume/\"]').click()").await.unwrap();
        self.arrive("/consent/").await;
        self.audit("consent").await;
        self.capture("consent").await;
        self.page.eval("document.querySelector('button[value=allow]').click()").await.unwrap();
        // The client's redirect URI answers 404 here: only leaving the consent page counts.
        self.page.wait_for("!location.href.includes('/consent/') && document.readyState === 'complete'").await;

        let user = self.server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
        let keys = self.server.state.keys();
        let options = Default::default();
        let ticket = tessera::domain::passkeys::tickets::mint(
            &keys,
            self.server.state.issuer(),
            &user.id,
            email,
            options,
            600,
            0,
        )
        .unwrap();
        self.open(&format!("/passkeys/register?ticket={ticket}")).await;
        self.audit("passkey ticket").await;

        let identity = tessera::model::LinkedIdentity {
            provider: "google".into(),
            subject: format!("g-{email}"),
            user_id: user.id.clone(),
            email: Some(email.into()),
            created_at: 0,
        };
        self.server.state.directory.link_identity(&identity).await.unwrap();
        self.open("/account").await;
        self.audit("account").await;
        self.capture("account").await;
        self.walk_device().await;
        self.open("/logout").await;
        self.audit("sign-out").await;
        self.page.eval("document.querySelector('form[action=\"/logout/confirm\"]').submit()").await.unwrap();
        self.page.wait_for("document.querySelector('form') === null && document.readyState === 'complete'").await;
        self.audit("signed out").await;
        self.open("/login/no-such-sign-in").await;
        self.audit("error").await;
        self.capture("error").await;
        self.open("/no/such/page").await;
        self.audit("not found").await;
        self.walk_approval(email).await;
    }

    /// The device grant's pages: the code form, then, signed in, the confirmation.
    async fn walk_device(&self) {
        self.open("/device").await;
        self.audit("device code").await;
        let started: Value = reqwest::Client::new()
            .post(self.server.url("/device_authorization"))
            .basic_auth("web", Some(crate::support::WEB_SECRET))
            .form(&[("scope", "openid email")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.open(started["verification_uri_complete"].as_str().unwrap()).await;
        self.page.wait_for("!!document.querySelector('button[value=allow]')").await;
        self.audit("device confirm").await;
        self.capture("device").await;
    }

    /// A link asked for here and opened in a browser that did not ask: the waiting code page,
    /// then (with this browser's cookies gone) the approval page, the refusal, and Back.
    async fn walk_approval(&self, email: &str) {
        let spa = rp::client(self.server, "spa").await;
        self.open(&rp::start(&spa, &["openid"]).url).await;
        self.arrive("/login/").await;
        let sent = self.server.smtp.count_to(email);
        self.fill_and_submit("email", email).await;
        self.arrive("/code").await;
        self.audit("code with a link's number").await;
        let link = self.server.smtp.nth_to(email, sent + 1).await.link_path().unwrap();
        self.page.call("Network.clearBrowserCookies", json!({})).await.unwrap();
        self.open(&link).await;
        self.audit("approval").await;
        self.page.eval("document.querySelector('button[name=pick][value=none]').click()").await.unwrap();
        self.page.wait_for("!document.querySelector('button[name=pick]') && document.readyState === 'complete'").await;
        self.audit("refused").await;
    }
}

/// How the browser asks for pages: language, and whether the system is in dark mode.
#[derive(Clone, Copy)]
pub(crate) struct Reader {
    pub(crate) lang: &'static str,
    pub(crate) dark: bool,
}

pub(crate) async fn start_tour<'a>(chrome: &'a Chrome, server: &'a TestServer, reader: Reader) -> Tour<'a> {
    let Reader { lang, dark } = reader;
    let modules = npm::package(AXE);
    let axe = std::fs::read_to_string(modules.join("axe-core/axe.min.js")).unwrap();
    let page = chrome.isolated_page().await;
    page.call("Network.enable", json!({})).await.unwrap();
    page.call("Network.setExtraHTTPHeaders", json!({ "headers": { "Accept-Language": lang } })).await.unwrap();
    if dark {
        let scheme = json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] });
        page.call("Emulation.setEmulatedMedia", scheme).await.unwrap();
    }
    let shots = match std::env::var("SCREENSHOTS_DIR") {
        _ if lang != "en" || dark => None,
        Ok(dir) => Some(PathBuf::from(dir)),
        Err(_) => Some(std::env::temp_dir().join(format!("tessera-shots-{}", std::process::id()))),
    };
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
    }
    let tour = Tour { page, server, axe, lang, shots };
    tour.viewport(1280, 900, false).await;
    tour
}

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.login.email_sends = tessera::model::EmailSends::Both;
        c.clients[2].third_party = true;
        c.sms.provider = tessera::config::SmsProvider::Webhook;
        c.sms.webhook_url = "http://127.0.0.1:9/sms".into();
        c.sms.webhook_secret = "webhook-secret-0123456789-0123456789".into();
        c.sms.allowed_country_codes = vec![44];
        // Offered on the sign-in page; never reached in this walk.
        c.upstreams =
            vec![toml::from_str("id = \"google\"\nkind = \"google\"\nname = \"Google\"\nclient_id = \"t\"").unwrap()];
    })
    .await
}

#[tokio::test]
async fn every_page_in_every_language_passes_an_accessibility_audit_and_fits_a_phone() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let languages: Vec<&'static str> = tessera::i18n::tags().collect();
    assert!(languages.len() >= 4, "{languages:?}");
    // The audit itself can fail: a page with an unlabelled field and no language is caught.
    let check = start_tour(&chrome, &server, Reader { lang: "en", dark: false }).await;
    check.page.goto("data:text/html,<title>t</title><main><input id=x></main>").await;
    let found: Vec<String> =
        check.violations().await.as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap().to_string()).collect();
    assert!(found.contains(&"label".to_string()) && found.contains(&"html-has-lang".to_string()), "{found:?}");
    for (i, lang) in languages.into_iter().enumerate() {
        let tour = start_tour(&chrome, &server, Reader { lang, dark: false }).await;
        tour.walk(&format!("reader{i}@example.com")).await;
    }
    let shots = std::env::var("SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join(format!("tessera-shots-{}", std::process::id())));
    let taken: Vec<Value> =
        std::fs::read_dir(&shots).unwrap().map(|e| json!(e.unwrap().file_name().to_string_lossy())).collect();
    assert!(taken.len() >= 10, "desktop and mobile captures of five pages: {taken:?}");
}

#[tokio::test]
async fn every_page_in_the_dark_colour_scheme_passes_the_audit_too() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let tour = start_tour(&chrome, &server, Reader { lang: "en", dark: true }).await;
    let dark = tour.page.eval("matchMedia('(prefers-color-scheme: dark)').matches").await.unwrap();
    assert_eq!(dark, json!(true), "the browser reports the dark scheme");
    tour.walk("night@example.com").await;
}
