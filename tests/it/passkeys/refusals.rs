//! Assertions that must fail: replayed, tampered, from another credential, with a counter
//! that goes backwards, or from an origin that is not allowed.

use super::*;

const FORGE: &str = r#"
async (authUrl, tamper, otherHandle) => {
  const r = await fetch(authUrl, { credentials: "same-origin" });
  const html = await r.text();
  const id = new URL(r.url).pathname.split("/")[2];
  const csrf = html.match(/data-csrf="([^"]+)"/)[1];
  const post = async (path, body) => {
    const res = await fetch(`/login/${id}/passkey/${path}`, { method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const start = (await post("start", {})).body;
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.publicKey) });
  const json = cred.toJSON();
  const statuses = [];
  if (tamper === "replay") {
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
    const again = (await post("start", {})).body;
    statuses.push((await post("finish", { ceremony: again.ceremony, credential: json })).status);
  } else {
    if (tamper === "signature") {
      const s = json.response.signature;
      json.response.signature = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    }
    if (tamper === "user") json.response.userHandle = otherHandle;
    statuses.push((await post("finish", { ceremony: start.ceremony, credential: json })).status);
  }
  return statuses;
}"#;

async fn forge(page: &Page<'_>, server: &Setup, tamper: &str, other: &str) -> Vec<u64> {
    let rp = app_client(server).await;
    let url = format!("{}&prompt=login", rp::start(&rp, &["openid"]).url);
    page.goto(&server.url("/healthz")).await;
    let call = format!("({FORGE})({}, {}, {})", js(&url), js(tamper), js(other));
    let statuses = page.eval(&call).await.unwrap();
    statuses.as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect()
}

#[tokio::test]
async fn replayed_tampered_foreign_and_counter_regressed_assertions_are_refused() {
    let server = Setup::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let user = register_after_email(&page, &auth, &server, EMAIL).await;
    let other = server.state.directory.create_user_with_email(&"eve@example.com".parse().unwrap(), 0).await.unwrap();
    let other_handle = URL_SAFE_NO_PAD.encode(uuid::Uuid::parse_str(&other.id.0).unwrap().as_bytes());

    assert_eq!(forge(&page, &server, "replay", "").await, [200, 400, 400], "a ceremony and an assertion work once");
    assert_eq!(forge(&page, &server, "signature", "").await, [400]);
    assert_eq!(forge(&page, &server, "user", &other_handle).await, [400], "a credential never signs in another user");
    assert_eq!(forge(&page, &server, "none", "").await, [200], "the untouched assertion still works");

    // A device-bound credential whose counter goes backwards is a clone: refused and logged.
    let credential = page.credentials(&auth).await.remove(0);
    assert!(credential["signCount"].as_u64().unwrap() >= 2);
    let id = credential["credentialId"].clone();
    page.call("WebAuthn.removeCredential", json!({"authenticatorId": auth.id, "credentialId": id})).await.unwrap();
    let mut cloned = credential.clone();
    cloned["signCount"] = json!(0);
    page.call("WebAuthn.addCredential", json!({"authenticatorId": auth.id, "credential": cloned})).await.unwrap();
    assert_eq!(forge(&page, &server, "none", "").await, [400]);
    server.state.flush_audit().await;
    let query = AuditQuery {
        kind: Some("sign_in_failed".into()),
        user_id: Some(user.id.0.clone()),
        limit: 20,
        ..Default::default()
    };
    let reasons: Vec<String> = server
        .state
        .directory
        .audit_events(&query)
        .await
        .unwrap()
        .iter()
        .map(|e| e.detail["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(reasons.contains(&"counter_went_backwards".to_string()), "{reasons:?}");
}

#[tokio::test]
async fn a_ceremony_from_an_origin_that_is_not_allowed_is_refused() {
    let server = Setup::start(|c| c.passkeys.origins = vec!["http://localhost:1".into()]).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    let rp = app_client(&server).await;
    email_sign_in(&page, &server, &rp::start(&rp, &["openid"]).url, EMAIL).await;
    page.wait_for(
        "location.pathname.endsWith('/passkey/offer') && !document.getElementById('passkey-register').hidden",
    )
    .await;
    page.eval("document.getElementById('passkey-register').click()").await.unwrap();
    let status = page.wait_for("document.getElementById('passkey-status').textContent").await;
    assert!(status.as_str().unwrap().contains("could not be verified"), "{status}");
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().is_empty());
}
