//! Discovery (OIDC Discovery 1.0 §3-4) and the JWKS (RFC 7517).

use crate::support::{TestServer, rp};

#[tokio::test]
async fn discovery_document_has_every_required_member() {
    let server = TestServer::start().await;
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["issuer"], server.base);
    for member in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"] {
        assert!(doc[member].as_str().unwrap().starts_with(&server.base), "{member}");
    }
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(doc["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["RS256", "ES256", "EdDSA"]));
    let methods = serde_json::json!(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]);
    for member in [
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        assert_eq!(doc[member], methods, "{member}");
    }
    for member in ["revocation_endpoint", "introspection_endpoint", "end_session_endpoint"] {
        assert!(doc[member].as_str().unwrap().starts_with(&server.base), "{member}");
    }
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    assert_eq!(doc["request_uri_parameter_supported"], false, "only /par's URNs, so an explicit false");
    assert_eq!(doc["request_parameter_supported"], true);
    assert_eq!(doc["claims_parameter_supported"], true);
    assert_eq!(doc["pushed_authorization_request_endpoint"], server.url("/par"));
    assert_eq!(doc["subject_types_supported"], serde_json::json!(["public", "pairwise"]));
    assert_eq!(doc["dpop_signing_alg_values_supported"], serde_json::json!(["ES256", "RS256", "PS256", "EdDSA"]));
    assert_eq!(doc["userinfo_signing_alg_values_supported"], serde_json::json!(["RS256", "ES256", "EdDSA"]));
    assert!(doc.get("registration_endpoint").is_none(), "registration is off unless configured");
    for scope in ["openid", "profile", "email", "phone", "offline_access"] {
        assert!(doc["scopes_supported"].as_array().unwrap().iter().any(|s| s == scope), "{scope}");
    }
}

#[tokio::test]
async fn ui_locales_supported_names_every_language_the_pages_speak() {
    let server = TestServer::start().await;
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    let mut listed: Vec<&str> =
        doc["ui_locales_supported"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
    listed.sort();
    assert_eq!(listed, ["de", "en", "es", "fr"]);
}

#[tokio::test]
async fn openidconnect_rp_discovers_the_provider_and_its_keys() {
    let server = TestServer::start().await;
    let metadata = rp::discover(&server).await;
    assert_eq!(metadata.issuer().as_str(), server.base);
    assert_eq!(metadata.jwks().keys().len(), 3);
}

#[tokio::test]
async fn jwks_publishes_public_keys_with_unique_kid_use_and_alg() {
    let server = TestServer::start().await;
    let jwks: serde_json::Value = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.dedup();
    assert_eq!(kids.len(), 3);
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"]);
    for key in keys {
        assert_eq!(key["use"], "sig");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "private member {private} published");
        }
    }
}

#[tokio::test]
async fn discovery_and_jwks_revalidate_with_etag() {
    let server = TestServer::start().await;
    for path in ["/.well-known/openid-configuration", "/jwks"] {
        let first = reqwest::get(server.url(path)).await.unwrap();
        assert!(first.headers()["cache-control"].to_str().unwrap().contains("max-age"));
        let etag = first.headers()["etag"].clone();
        let again = reqwest::Client::new().get(server.url(path)).header("if-none-match", etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
}
