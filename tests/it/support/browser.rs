//! A cookie-keeping HTTP client that walks the login pages the way a browser with JavaScript off
//! would: it follows no redirect by itself, so each step can be checked.

use reqwest::StatusCode;
use url::Url;

use super::{SmtpSink, TestServer};

pub struct Browser {
    pub client: reqwest::Client,
    base: String,
    smtp: SmtpSink,
}

/// A login page of one interaction, with the CSRF token of its forms.
#[derive(Clone, Debug)]
pub struct LoginPage {
    pub id: String,
    pub csrf: String,
    pub html: String,
}

/// Where an authorization request leads.
#[derive(Debug)]
pub enum Step {
    Login(LoginPage),
    /// A redirect to the client (with a code or an error).
    Client(Url),
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client, base: server.base.clone(), smtp: server.smtp.clone() }
    }

    /// A browser whose every request sends `Accept-Language: accept`.
    pub fn speaking(server: &TestServer, accept: &str) -> Browser {
        Self::sending(server, reqwest::header::ACCEPT_LANGUAGE, accept)
    }

    /// A browser at `ip`, behind a proxy the server trusts (it adds `X-Forwarded-For`).
    pub fn at(server: &TestServer, ip: &str) -> Browser {
        Self::sending(server, reqwest::header::HeaderName::from_static("x-forwarded-for"), ip)
    }

    fn sending(server: &TestServer, name: reqwest::header::HeaderName, value: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser { client, base: server.base.clone(), smtp: server.smtp.clone() }
    }

    pub fn absolute(&self, location: &str) -> String {
        if location.starts_with('/') { format!("{}{location}", self.base) } else { location.to_string() }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(self.absolute(url)).send().await.unwrap()
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.absolute(url)).form(form).send().await.unwrap()
    }

    pub fn location(response: &reqwest::Response) -> String {
        assert!(response.status().is_redirection(), "expected a redirect, got {}", response.status());
        response.headers()["location"].to_str().unwrap().to_string()
    }

    /// Sends the browser to an authorization URL and reports where it lands.
    pub async fn authorize(&self, url: &str) -> Step {
        let response = self.get(url).await;
        let location = Self::location(&response);
        if location.starts_with("/login/") {
            Step::Login(self.login_page(&location).await)
        } else {
            Step::Client(Url::parse(&location).unwrap())
        }
    }

    pub async fn login_page(&self, path: &str) -> LoginPage {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "login page {path}");
        let html = response.text().await.unwrap();
        let id = path.trim_start_matches("/login/").split(['/', '?']).next().unwrap().to_string();
        LoginPage { id, csrf: csrf(&html), html }
    }

    pub async fn submit_email(&self, page: &LoginPage, email: &str) -> reqwest::Response {
        self.post(&format!("/login/{}/email", page.id), &[("csrf", &page.csrf), ("email", email)]).await
    }

    pub async fn submit_code(&self, page: &LoginPage, code: &str) -> reqwest::Response {
        self.post(&format!("/login/{}/code", page.id), &[("csrf", &page.csrf), ("code", code)]).await
    }

    /// Completes an email-code login on `page` and returns the client redirect that follows.
    pub async fn complete_login(&self, page: &LoginPage, email: &str) -> Url {
        let sent = self.smtp.count_to(email);
        let response = self.submit_email(page, email).await;
        assert_eq!(Self::location(&response), format!("/login/{}/code", page.id));
        let code = self.smtp.nth_to(email, sent + 1).await.code();
        let response = self.submit_code(page, &code).await;
        let resume = Self::location(&response);
        assert!(resume.starts_with("/authorize/resume/"), "{resume}");
        let response = self.get(&resume).await;
        self.through_consent(Self::location(&response)).await
    }

    /// Allows on the consent page when `location` is one (as `prompt=consent` and
    /// `offline_access` lead to), and returns the client redirect.
    pub async fn through_consent(&self, location: String) -> Url {
        if !location.starts_with("/consent/") {
            return Url::parse(&location).unwrap();
        }
        let html = self.get(&location).await.text().await.unwrap();
        let response = self.post(&location, &[("csrf", &csrf(&html)), ("decision", "allow")]).await;
        Url::parse(&Self::location(&response)).unwrap()
    }

    /// The whole flow: authorize, sign in by email code if asked, return the client redirect.
    pub async fn sign_in(&self, auth_url: &str, email: &str) -> Url {
        let response = self.get(auth_url).await;
        let location = Self::location(&response);
        match location.starts_with("/login/") {
            true => self.complete_login(&self.login_page(&location).await, email).await,
            false => self.through_consent(location).await,
        }
    }
}

/// The value of the first `name="csrf"` field.
pub fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("page has a CSRF field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A query parameter of a redirect.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}
