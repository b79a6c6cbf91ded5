//! GitHub: OAuth 2.0 without OpenID Connect. No discovery and no ID token: the person is who
//! GitHub's `/user` says (its numeric `id`, which a rename does not change), and their address
//! is one `/user/emails` marks `verified`, the primary one first.
//!
//! ```text
//! {web}/login/oauth/authorize?client_id&redirect_uri&scope=read:user user:email&state&code_challenge
//! POST {web}/login/oauth/access_token (Accept: application/json) -> {access_token}
//! GET  {api}/user, {api}/user/emails (Bearer, User-Agent) -> Asserted
//! ```

use openidconnect::PkceCodeChallenge;
use reqwest::header::{ACCEPT, USER_AGENT};
use serde::Deserialize;

use super::{Asserted, Failure, client::callback_url};
use crate::config::UpstreamConfig;
use crate::domain::Core;

/// Enough to know who signed in and their addresses; nothing else is asked.
const SCOPES: &str = "read:user user:email";

pub fn authorize_url(
    core: &Core,
    upstream: &UpstreamConfig,
    state: &str,
    challenge: &PkceCodeChallenge,
) -> Result<String, Failure> {
    let base = upstream.issuer().trim_end_matches('/');
    let mut url = url::Url::parse(&format!("{base}/login/oauth/authorize")).map_err(|_| Failure::Unreachable)?;
    url.query_pairs_mut()
        .append_pair("client_id", &upstream.client_id)
        .append_pair("redirect_uri", &callback_url(core, upstream))
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    Ok(url.to_string())
}

#[derive(Deserialize)]
struct Token {
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
}

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

pub async fn complete(
    core: &Core,
    upstream: &UpstreamConfig,
    verifier: String,
    code: &str,
) -> Result<Asserted, Failure> {
    let base = upstream.issuer().trim_end_matches('/');
    let redirect = callback_url(core, upstream);
    let mut form = vec![("client_id", upstream.client_id.as_str()), ("code", code), ("redirect_uri", &redirect)];
    form.push(("code_verifier", &verifier));
    if let Some(secret) = &upstream.client_secret {
        form.push(("client_secret", secret));
    }
    let request = core.outbound.post(&format!("{base}/login/oauth/access_token")).map_err(|_| Failure::Unreachable)?;
    // GitHub answers a refused code with 200 and `error` in the body: no `access_token` is the test.
    let token: Token = read(request.header(ACCEPT, "application/json").form(&form)).await?;
    let token = token.access_token.ok_or(Failure::BadToken)?;
    let api = upstream.api_url().trim_end_matches('/');
    let user: GitHubUser = read(api_get(core, &format!("{api}/user"), &token)?).await?;
    let emails: Vec<GitHubEmail> = read(api_get(core, &format!("{api}/user/emails"), &token)?).await?;
    let chosen = pick(&emails);
    Ok(Asserted {
        provider: upstream.id.clone(),
        subject: user.id.to_string(),
        email: chosen.map(|e| e.email.clone()),
        email_verified: chosen.is_some_and(|e| e.verified),
        amr: Vec::new(),
        name: None,
    })
}

/// The primary address if verified, else any verified one, else the primary (unverified).
fn pick(emails: &[GitHubEmail]) -> Option<&GitHubEmail> {
    emails
        .iter()
        .find(|e| e.primary && e.verified)
        .or_else(|| emails.iter().find(|e| e.verified))
        .or_else(|| emails.iter().find(|e| e.primary))
}

fn api_get(core: &Core, url: &str, token: &str) -> Result<reqwest::RequestBuilder, Failure> {
    let request = core.outbound.get(url).map_err(|_| Failure::Unreachable)?;
    // GitHub's REST API refuses requests without a User-Agent.
    Ok(request.bearer_auth(token).header(USER_AGENT, "Tessera").header(ACCEPT, "application/vnd.github+json"))
}

async fn read<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, Failure> {
    let response = request.send().await.map_err(|_| Failure::Unreachable)?;
    if response.status().is_server_error() {
        return Err(Failure::Unreachable);
    }
    if !response.status().is_success() {
        return Err(Failure::BadToken);
    }
    response.json().await.map_err(|_| Failure::BadToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(address: &str, primary: bool, verified: bool) -> GitHubEmail {
        GitHubEmail { email: address.into(), primary, verified }
    }

    #[test]
    fn the_verified_primary_address_is_chosen_then_any_verified_one() {
        let list = [email("a@x.example", false, true), email("p@x.example", true, true)];
        assert_eq!(pick(&list).unwrap().email, "p@x.example");
        let list = [email("p@x.example", true, false), email("a@x.example", false, true)];
        assert_eq!(pick(&list).unwrap().email, "a@x.example", "a verified one before an unverified primary");
        let list = [email("p@x.example", true, false)];
        assert!(!pick(&list).unwrap().verified, "reported as unverified");
        assert!(pick(&[]).is_none());
    }
}
