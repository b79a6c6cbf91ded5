//! Microsoft Entra ID's multi-tenant endpoint, against a stand-in that serves discovery under
//! `/common/v2.0` with the issuer as Entra ID writes it there, a template: each ID token is
//! accepted only from the tenant its own `tid` names.

use serde_json::json;
use tessera::config::UpstreamConfig;

use super::standin::StandIn;
use super::{callback, state_and_nonce, to_upstream};
use crate::support::TestServer;
use crate::support::browser::Browser;

async fn servers() -> (StandIn, TestServer) {
    let standin = StandIn::start_at("/common/v2.0", |base| format!("{base}/{{tenantid}}/v2.0")).await;
    let config = UpstreamConfig {
        kind: "microsoft".into(),
        issuer: format!("{}/common/v2.0", standin.issuer),
        ..super::upstream("", true)
    };
    let server = TestServer::start_with(move |c| c.upstreams = vec![config]).await;
    (standin, server)
}

/// One sign-in whose ID token says `iss` `{base}/{iss_tenant}/v2.0` and `tid`; where it leads.
async fn sign_in(iss_tenant: &str, tid: Option<&str>) -> (String, String) {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (page, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    let mut claims = standin.claims(&nonce, "ms-1", "mia@contoso.example", true);
    claims["iss"] = json!(format!("{}/{iss_tenant}/v2.0", standin.issuer));
    if let Some(tid) = tid {
        claims["tid"] = json!(tid);
    }
    standin.answer_with(standin.sign(&claims));
    let response = callback(&browser, &[("state", &state), ("code", "c")]).await;
    (page.id, Browser::location(&response))
}

#[tokio::test]
async fn a_multi_tenant_token_is_accepted_from_the_tenant_its_tid_names() {
    let (_, location) =
        sign_in("9188040d-6c67-4c5b-b112-36a304b66dad", Some("9188040d-6c67-4c5b-b112-36a304b66dad")).await;
    assert!(location.starts_with("/authorize/resume/"), "{location}");
}

#[tokio::test]
async fn a_multi_tenant_token_whose_issuer_is_another_tenant_than_its_tid_is_refused() {
    let (id, location) = sign_in("tenant-b", Some("tenant-a")).await;
    assert_eq!(location, format!("/login/{id}?e=upstream_refused"));
}

#[tokio::test]
async fn a_multi_tenant_token_without_a_tid_is_refused() {
    let (id, location) = sign_in("tenant-a", None).await;
    assert_eq!(location, format!("/login/{id}?e=upstream_refused"));
}
